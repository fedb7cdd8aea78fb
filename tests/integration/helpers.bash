# Loaded by every integration test (bats).  The tests run the real eng
# binary ($ENG) as the unprivileged test user; hack/test sets the
# environment:
#   ENG                        the eng binary
#   ENG_TEST_REGISTRY          plain HTTP registry, 127.0.0.1:PORT
#   ENG_TEST_REGISTRY_TLS      TLS registry with basic auth
#   ENG_TEST_REGISTRY_CA       its CA certificate
#   ENG_TEST_REGISTRY_USER/_PASSWORD  its credentials
#   ENG_TEST_FIXTURES          the fixture directory (images, rootfs/)

: "${ENG:?set ENG to the eng binary (hack/test does)}"
bats_require_minimum_version 1.5.0

# eng with a store and run root private to this test.
# ENG_TEST_STORAGE_DRIVER: the driver every eng call takes (CI runs the suite
# again with fuse-overlay); an explicit --storage-driver after it still wins
eng() {
	"$ENG" --root "$BATS_TEST_TMPDIR/store" --runroot "$BATS_TEST_TMPDIR/run" \
		${ENG_TEST_STORAGE_DRIVER:+--storage-driver "$ENG_TEST_STORAGE_DRIVER"} "$@"
}

# Fail the test with a message.
fail() {
	echo "FAIL: $*" >&2
	return 1
}

# assert_equal ACTUAL EXPECTED [WHAT]
assert_equal() {
	if [ "$1" != "$2" ]; then
		fail "${3:-value}: expected '$2', got '$1'"
	fi
}

# assert_contains HAYSTACK NEEDLE
assert_contains() {
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	fail "expected to find '$2' in: $1"
}

assert_not_contains() {
	case "$1" in
	*"$2"*) fail "did not expect '$2' in: $1" ;;
	esac
	return 0
}

# assert_status EXPECTED (after "run")
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "output: $output" >&2
		fail "exit status: expected $1, got $status"
	fi
}

# json FILTER: jq on $output
json() {
	jq -r "$1" <<<"$output"
}

require_registry() {
	[ -n "${ENG_TEST_REGISTRY:-}" ] || skip "no test registry (run through hack/test)"
}

# The directory of this test tree's helpers (eng-canon-tree).
ENG_TEST_HELPERS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../helpers" && pwd)

# image_record NAME: the store's image.json of the image called NAME
image_record() {
	local f
	for f in "$BATS_TEST_TMPDIR"/store/images/*/image.json; do
		if jq -e --arg n "$1" '.names | index($n)' "$f" >/dev/null; then
			echo "$f"
			return 0
		fi
	done
	fail "no image named '$1' in the store"
}

# merged_listing NAME: the canonical listing of image NAME's layers as
# overlayfs merges them, seen from inside eng's user namespace (so owners
# are the image's)
merged_listing() {
	local rec lower mnt=$BATS_TEST_TMPDIR/merged
	rec=$(image_record "$1") || return 1
	lower=$(jq -r --arg s "$BATS_TEST_TMPDIR/store/layers/" \
		'.layers | reverse | map(sub("sha256:"; $s) + "/diff") | join(":")' "$rec")
	if [[ "$lower" != *:* ]]; then
		# one layer: overlayfs wants two lower layers; the layer is the tree
		"$ENG" unshare "$ENG_TEST_HELPERS/eng-canon-tree" "$lower"
		return
	fi
	mkdir -p "$mnt"
	"$ENG" unshare sh -c "mount -t overlay -o 'lowerdir=$lower,userxattr' overlay '$mnt' && '$ENG_TEST_HELPERS/eng-canon-tree' '$mnt'"
}

# expected_listing TREE: the canonical listing of a fixture source tree
# (made by the fixture script as root, which can read every directory)
expected_listing() {
	cat "$ENG_TEST_FIXTURES/listings/$1"
}

# Files of subordinate ids can only be removed inside eng's user namespace.
clean_store() {
	if [ -d "$BATS_TEST_TMPDIR/store" ]; then
		"$ENG" unshare rm -rf "$BATS_TEST_TMPDIR/store" || true
	fi
}

teardown() {
	clean_store
}

# eng-test-init, built beside eng: what a container sees from inside
ENG_TEST_INIT=$(dirname "$ENG")/tests/helpers/eng-test-init

# The image most run tests use, and eng run with the test helper bound in at /t.
require_busybox() {
	require_registry
	IMG=$ENG_TEST_REGISTRY/eng-test/busybox
	eng pull -q --tls-verify=false "$IMG" >/dev/null
}

run_t() { # eng run options... IMAGE? no: run_t [OPTIONS...] -- ARGS for /t
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	eng run --rm -v "$ENG_TEST_INIT:/t:ro" "${opts[@]}" "$IMG" /t "$@"
}

# container_record NAME: the store's container.json of the container called NAME
container_record() {
	local f
	for f in "$BATS_TEST_TMPDIR"/store/containers/*/container.json; do
		if [ "$(jq -r .name "$f")" = "$1" ]; then
			echo "$f"
			return 0
		fi
	done
	fail "no container named '$1'"
}
