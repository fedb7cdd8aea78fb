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
eng() {
	"$ENG" --root "$BATS_TEST_TMPDIR/store" --runroot "$BATS_TEST_TMPDIR/run" "$@"
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
