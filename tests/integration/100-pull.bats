#!/usr/bin/env bats
# eng pull: every fixture image from both registries, unpacked trees compared
# with the trees the images were built from, and the errors users hit.

load helpers

setup() {
	require_registry
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	R=$ENG_TEST_REGISTRY
	T=$ENG_TEST_REGISTRY_TLS
}

# trust the TLS registry's CA the way podman users do
trust_ca() {
	mkdir -p "$HOME/.config/containers/certs.d/$T"
	cp "$ENG_TEST_REGISTRY_CA" "$HOME/.config/containers/certs.d/$T/ca.crt"
}

config_digest() { # REF: the config digest skopeo sees (the image ID)
	skopeo inspect --tls-verify=false --raw "docker://$1" | jq -r .config.digest
}

@test "pull: busybox from the plain registry prints the image ID" {
	run --separate-stderr eng pull --tls-verify=false "$R/eng-test/busybox:latest"
	assert_status 0
	assert_equal "sha256:$output" "$(config_digest "$R/eng-test/busybox:latest")" "image ID"
	assert_contains "$stderr" "Trying to pull $R/eng-test/busybox:latest..."
	assert_contains "$stderr" "Copying blob"
	run eng images --format json
	assert_status 0
	assert_equal "$(json '.[0].Names[0]')" "$R/eng-test/busybox:latest"
	run diff <(expected_listing busybox) <(merged_listing "$R/eng-test/busybox:latest")
	assert_status 0
}

@test "pull: -q prints only the ID; a second pull reuses the layers" {
	run --separate-stderr eng pull -q --tls-verify=false "$R/eng-test/busybox:latest"
	assert_status 0
	assert_equal "$stderr" ""
	[[ "$output" =~ ^[0-9a-f]{64}$ ]] || fail "not an ID: $output"
	run --separate-stderr eng pull --tls-verify=false "$R/eng-test/busybox:latest"
	assert_status 0
	assert_contains "$stderr" "skipped: already exists"
}

@test "pull: the layers image in every form unpacks to the tree umoci makes" {
	local tag expected
	expected=$(expected_listing layers-merged)
	for tag in oci-gzip oci-zstd oci-plain docker-gzip docker-plain; do
		run --separate-stderr eng pull --tls-verify=false "$R/eng-test/layers:$tag"
		assert_status 0
		run diff <(echo "$expected") <(merged_listing "$R/eng-test/layers:$tag")
		[ "$status" -eq 0 ] || fail "$tag differs: $output"
	done
	# Layers are stored once by chain ID: five forms of one image share four layers.
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/layers" | wc -l)" 4 "stored layers"
}

@test "pull: whiteouts and opaque directories become overlay markers in the layer" {
	eng pull -q --tls-verify=false "$R/eng-test/layers:oci-gzip" >/dev/null
	local rec l2
	rec=$(image_record "$R/eng-test/layers:oci-gzip")
	l2=$BATS_TEST_TMPDIR/store/layers/$(jq -r '.layers[1]' "$rec" | cut -d: -f2)/diff
	assert_equal "$(stat -c '%F %t:%T' "$l2/data/remove-me")" "character special file 0:0"
	assert_equal "$(getfattr --only-values -n user.overlay.opaque "$l2/opt/replace")" y
	[ ! -e "$l2/opt/replace/.wh..wh..opq" ] || fail "the opaque marker file was unpacked"
}

@test "pull: the TLS registry with --creds and a CA from certs.d" {
	trust_ca
	run --separate-stderr eng pull --creds "$ENG_TEST_REGISTRY_USER:$ENG_TEST_REGISTRY_PASSWORD" "$T/eng-test/layers:oci-zstd"
	assert_status 0
	run diff <(expected_listing layers-merged) <(merged_listing "$T/eng-test/layers:oci-zstd")
	assert_status 0
}

@test "pull: credentials from ~/.config/containers/auth.json and \$REGISTRY_AUTH_FILE" {
	trust_ca
	local auth
	auth=$(printf '%s:%s' "$ENG_TEST_REGISTRY_USER" "$ENG_TEST_REGISTRY_PASSWORD" | base64 -w0)
	mkdir -p "$HOME/.config/containers"
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$T" "$auth" >"$HOME/.config/containers/auth.json"
	run --separate-stderr eng pull "$T/eng-test/busybox:latest"
	assert_status 0
	mv "$HOME/.config/containers/auth.json" "$BATS_TEST_TMPDIR/other.json"
	REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/other.json run --separate-stderr eng pull "$T/eng-test/busybox:latest"
	assert_status 0
	run --separate-stderr eng pull --authfile "$BATS_TEST_TMPDIR/other.json" "$T/eng-test/busybox:latest"
	assert_status 0
}

@test "pull: the TLS registry refuses no credentials, wrong ones, and an unknown CA" {
	run --separate-stderr eng pull "$T/eng-test/busybox:latest"
	assert_status 125
	assert_contains "$stderr" "Error: pulling '$T/eng-test/busybox:latest'"
	assert_contains "$stderr" "certificate"
	trust_ca
	run --separate-stderr eng pull "$T/eng-test/busybox:latest"
	assert_status 125
	assert_contains "$stderr" "(HTTP 401)"
	assert_contains "$stderr" "log in with 'eng login $T' or pass --creds"
	run --separate-stderr eng pull --creds "$ENG_TEST_REGISTRY_USER:wrong" "$T/eng-test/busybox:latest"
	assert_status 125
	assert_contains "$stderr" "the credentials from --creds were refused"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/images" | wc -l)" 0 "images after failed pulls"
}

@test "pull: an index picks this machine's platform, or --platform's" {
	local index amd arm
	index=$(skopeo inspect --tls-verify=false --raw "docker://$R/eng-test/multiarch:latest")
	amd=$(jq -r '.manifests[] | select(.platform.architecture == "amd64") | .digest' <<<"$index")
	arm=$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' <<<"$index")
	[ "$(dpkg --print-architecture)" = amd64 ] || skip "the fixture index has amd64 and arm64"
	run --separate-stderr eng pull --tls-verify=false "$R/eng-test/multiarch:latest"
	assert_status 0
	run eng images --format json
	assert_equal "$(json '.[0].Digest')" "$amd"
	run --separate-stderr eng pull --tls-verify=false --platform linux/arm64 "$R/eng-test/multiarch:docker"
	assert_status 0
	run eng images --format json
	assert_equal "$(jq -r --arg n "$R/eng-test/multiarch:docker" '.[] | select(.Names | index($n)) | .Digest' <<<"$output")" \
		"$(skopeo inspect --tls-verify=false --raw "docker://$R/eng-test/multiarch:docker" | jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest')"
	run --separate-stderr eng pull --tls-verify=false --platform linux/s390x "$R/eng-test/multiarch:latest"
	assert_status 125
	assert_contains "$stderr" "no image for linux/s390x in the index (it has: linux/amd64, linux/arm64)"
	# the arm64 image of the OCI index too
	run --separate-stderr eng pull --tls-verify=false --arch arm64 "$R/eng-test/multiarch:latest"
	assert_status 0
	run eng images --format json
	assert_equal "$(jq -r --arg n "$R/eng-test/multiarch:latest" '.[] | select(.Names | index($n)) | .Digest' <<<"$output")" "$arm"
}

@test "pull: by digest, and a digest the registry does not have" {
	local digest
	digest=$(skopeo inspect --tls-verify=false "docker://$R/eng-test/busybox:latest" | jq -r .Digest)
	run --separate-stderr eng pull --tls-verify=false "$R/eng-test/busybox@$digest"
	assert_status 0
	run --separate-stderr eng pull --tls-verify=false "$R/eng-test/busybox@sha256:$(printf '0%.0s' {1..64})"
	assert_status 125
	assert_contains "$stderr" "(HTTP 404)"
}

@test "pull: errors name what was wrong and exit 125" {
	run --separate-stderr eng pull --tls-verify=false "$R/eng-test/no-such-image:latest"
	assert_status 125
	assert_contains "$stderr" "pulling '$R/eng-test/no-such-image:latest'"
	assert_contains "$stderr" "(HTTP 404)"
	run --separate-stderr eng pull --tls-verify=false "$R/eng-test/busybox:no-such-tag"
	assert_status 125
	assert_contains "$stderr" "manifest unknown (HTTP 404)"
	run --separate-stderr eng pull --tls-verify=false "127.0.0.1:1/eng-test/busybox:latest"
	assert_status 125
	assert_contains "$stderr" "127.0.0.1"
	run --separate-stderr eng pull "Eng-Test/BusyBox"
	assert_status 125
	assert_contains "$stderr" "invalid reference"
	run --separate-stderr eng pull
	assert_status 125
	assert_contains "$stderr" "needs an image name"
	run --separate-stderr eng pull --platform linux "$R/eng-test/busybox"
	assert_status 125
	assert_contains "$stderr" "--platform 'linux'"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/images" | wc -l)" 0 "images after failed pulls"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/tmp" | wc -l)" 0 "leftovers in tmp/"
}

@test "pull: the Debian image (6,800 files) unpacks as debootstrap made it, gzip and zstd" {
	local expected
	expected=$(expected_listing debian)
	for tag in bookworm-zstd bookworm; do
		run --separate-stderr eng pull --tls-verify=false "$R/eng-test/debian:$tag"
		assert_status 0
		run diff <(echo "$expected") <(merged_listing "$R/eng-test/debian:$tag")
		[ "$status" -eq 0 ] || fail "$tag differs: ${output:0:2000}"
	done
}

@test "pull: two pulls of one image at once both succeed and store it once" {
	eng pull -q --tls-verify=false "$R/eng-test/layers:docker-gzip" >"$BATS_TEST_TMPDIR/a" 2>&1 &
	local a=$!
	eng pull -q --tls-verify=false "$R/eng-test/layers:docker-gzip" >"$BATS_TEST_TMPDIR/b" 2>&1 &
	local b=$!
	wait "$a" || fail "first pull: $(cat "$BATS_TEST_TMPDIR/a")"
	wait "$b" || fail "second pull: $(cat "$BATS_TEST_TMPDIR/b")"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/a")" "$(cat "$BATS_TEST_TMPDIR/b")" "image IDs"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/layers" | wc -l)" 4 "stored layers"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/images" | wc -l)" 1 "stored images"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/tmp" | wc -l)" 0 "leftovers in tmp/"
}

@test "images: podman's columns, -q, --no-trunc, --digests" {
	eng pull -q --tls-verify=false "$R/eng-test/busybox:latest" >/dev/null
	run eng images
	assert_status 0
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]] || fail "header: ${lines[0]}"
	[[ "${lines[1]}" =~ ^$R/eng-test/busybox\ +latest\ +[0-9a-f]{12}\ +.*ago\ +[0-9.]+\ [kMG]?B$ ]] || fail "row: ${lines[1]}"
	run eng images -q
	[[ "$output" =~ ^[0-9a-f]{12}$ ]] || fail "-q: $output"
	run eng images -q --no-trunc
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]] || fail "--no-trunc: $output"
	run eng images --digests
	assert_contains "${lines[1]}" "$(skopeo inspect --tls-verify=false "docker://$R/eng-test/busybox:latest" | jq -r .Digest)"
	# columns as wide as their widest cell (podman's tabwriter): a long tag moves the next ones
	local repo=$R/eng-test/busybox tag=a-rather-long-tag-name col line
	eng tag busybox "$repo:$tag"
	run eng images
	assert_status 0
	col=${lines[0]%%IMAGE ID*}
	# REPOSITORY and TAG, each widened to its widest cell plus two spaces
	assert_equal "${#col}" "$((${#repo} + 2 + ${#tag} + 2))" "where IMAGE ID starts"
	for line in "${lines[@]:1}"; do
		[[ "${line:${#col}:12}" =~ ^[0-9a-f]{12}$ ]] || fail "not aligned under IMAGE ID: $line"
	done
	# podman's templates
	run eng images --format '{{.Repository}}:{{.Tag}}'
	assert_status 0
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' "$repo:$tag" "$repo:latest" | sort)"
	run eng images --format 'table {{.ID}}\t{{.Tag}}'
	[[ "${lines[0]}" =~ ^IMAGE\ ID\ +TAG$ ]] || fail "header: ${lines[0]}"
	[[ "${lines[1]}" =~ ^[0-9a-f]{12}\ \ [a-z-]+$ ]] || fail "row: ${lines[1]}"
}

@test "tag, rmi: names move, untag before delete, layers go with the last image using them" {
	eng pull -q --tls-verify=false "$R/eng-test/busybox:latest" >/dev/null
	eng pull -q --tls-verify=false "$R/eng-test/layers:oci-gzip" >/dev/null
	run eng tag busybox mybox:1 example.com/team/box
	assert_status 0
	run eng images --format json
	assert_contains "$output" '"localhost/mybox:1"'
	assert_contains "$output" '"example.com/team/box:latest"'
	# a name of an image with other names is only untagged
	run eng rmi mybox:1
	assert_status 0
	assert_equal "$output" "Untagged: localhost/mybox:1"
	# by ID, an image with several names needs -f
	local id
	id=$(eng images -q --no-trunc --format json | jq -r '.[] | select(.Names | index("example.com/team/box:latest")) | .Id')
	run --separate-stderr eng rmi "${id:0:12}"
	assert_status 125
	assert_contains "$stderr" "must force"
	run eng rmi -f "${id:0:12}"
	assert_status 0
	assert_contains "$output" "Untagged: $R/eng-test/busybox:latest"
	assert_contains "$output" "Deleted: $id"
	# busybox's layer is gone; the layers image's four stay
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/layers" | wc -l)" 4 "layers left"
	run --separate-stderr eng rmi no-such-image
	assert_status 1
	assert_contains "$stderr" "no-such-image: image not known"
	run eng rmi --all
	assert_status 0
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/layers" | wc -l)" 0 "layers left"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/blobs/sha256" | wc -l)" 0 "blobs left"
	assert_equal "$(eng images -q)" "" "images left"
}

@test "untag: names go, the image stays" {
	eng pull -q --tls-verify=false "$R/eng-test/busybox:latest" >/dev/null
	eng tag busybox one:1 two:2 three:3
	run eng untag busybox one:1 localhost/two:2
	assert_status 0
	assert_equal "$output" ""
	run eng images --format '{{.Repository}}:{{.Tag}}'
	assert_not_contains "$output" one:1
	assert_not_contains "$output" two:2
	assert_contains "$output" localhost/three:3
	# a name it does not have: nothing goes
	run --separate-stderr eng untag busybox three:3 nope:1
	assert_status 125
	assert_contains "$stderr" "nope:1: tag not known"
	run eng image untag three:3
	assert_status 0
	# no name given: every name; the image is dangling, and still there
	run eng images --format '{{.Repository}}:{{.Tag}}'
	assert_equal "$output" "<none>:<none>"
	run eng image prune -f
	assert_status 0
	assert_equal "$(eng images -q)" ""
}

@test "rmi NAME@sha256:...: that reference goes, as docker's rmi; the last one takes the image" {
	eng pull -q --tls-verify=false "$R/eng-test/busybox:latest" >/dev/null
	local d id
	d=$(eng image inspect busybox --format '{{.Digest}}')
	id=$(eng image inspect busybox --format '{{.Id}}')
	eng tag busybox other:1
	run eng rmi "$R/eng-test/busybox@$d"
	assert_status 0
	assert_equal "$output" "Untagged: $R/eng-test/busybox@$d"
	# the tags stay; the digested name is gone
	run eng image inspect "$id" --format '{{.RepoTags}} {{.RepoDigests}}'
	assert_equal "$output" "[localhost/other:1 $R/eng-test/busybox:latest] []"
	run --separate-stderr eng rmi "$R/eng-test/busybox@$d"
	assert_status 1
	assert_contains "$stderr" "image not known"
	# pulled by digest with no name left but that: rmi by it deletes the image
	eng untag busybox
	eng pull -q --tls-verify=false "$R/eng-test/busybox@$d" >/dev/null
	run eng rmi "$R/eng-test/busybox@$d"
	assert_status 0
	assert_contains "$output" "Deleted: ${id#sha256:}"
	assert_equal "$(eng images -q)" ""
}

@test "image inspect: podman's shape" {
	eng pull -q --tls-verify=false "$R/eng-test/layers:oci-gzip" >/dev/null
	run eng image inspect layers:oci-gzip
	assert_status 0
	assert_equal "$(json '.[0].RepoTags[0]')" "$R/eng-test/layers:oci-gzip"
	assert_equal "$(json '.[0].Architecture')" amd64
	assert_equal "$(json '.[0].Config.WorkingDir')" /srv
	assert_equal "$(json '.[0].RootFS.Layers | length')" 4
	assert_equal "$(json '.[0].GraphDriver.Data.LowerDir | length')" 4
	assert_equal "sha256:$(json '.[0].Id')" "$(config_digest "$R/eng-test/layers:oci-gzip")"
	run --separate-stderr eng image inspect nope
	assert_status 125
	assert_contains "$stderr" "nope: image not known"
}

@test "pull: hostile layers fail with a clear error and change nothing outside" {
	local tag want
	rm -f /tmp/eng-escaped
	for tag in dotdot symlink hardlink; do
		case $tag in
		dotdot) want="has a '..' component" ;;
		symlink) want="leads outside its root" ;;
		hardlink) want="leads outside its root" ;;
		esac
		run --separate-stderr eng pull --tls-verify=false "$R/eng-test/evil:$tag"
		assert_status 125
		assert_contains "$stderr" "$want"
		assert_contains "$stderr" "unpacking layer"
	done
	[ ! -e /tmp/eng-escaped ] || fail "a hostile layer wrote /tmp/eng-escaped"
	[ ! -e "$BATS_TEST_TMPDIR/eng-escaped" ] || fail "a hostile layer wrote outside its root"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/layers" | wc -l)" 0 "layers stored"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/images" | wc -l)" 0 "images stored"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/tmp" | wc -l)" 0 "leftovers in tmp/"
}

@test "pull: owners outside the subordinate range become nobody, with the real owner kept" {
	run --separate-stderr eng pull --tls-verify=false "$R/eng-test/highuid:latest"
	assert_status 0
	assert_contains "$stderr" "2 files belong to ids outside your subordinate range"
	assert_contains "$stderr" "srv/"
	local rec layer
	rec=$(image_record "$R/eng-test/highuid:latest")
	layer=$BATS_TEST_TMPDIR/store/layers/$(jq -r '.layers[0]' "$rec" | cut -d: -f2)/diff
	run eng unshare stat -c '%u:%g' "$layer/srv/uid-200000" "$layer/srv/dir-70000"
	assert_equal "$output" $'65534:65534\n65534:65534'
	# (read inside the namespace: the files belong to a subordinate id)
	assert_equal "$(eng unshare getfattr --only-values -n user.containers.override_stat "$layer/srv/uid-200000")" "200000:300000:0640"
	assert_equal "$(eng unshare getfattr --only-values -n user.containers.override_stat "$layer/srv/dir-70000")" "70000:70000:0755"
}

@test "pull: a registry that sends other data than its digest says is caught" {
	[ -n "${ENG_TEST_REGISTRY_CORRUPT:-}" ] || skip "no corrupt registry (run through hack/test)"
	run --separate-stderr eng pull --tls-verify=false "$ENG_TEST_REGISTRY_CORRUPT/eng-test/busybox:latest"
	assert_status 125
	assert_contains "$stderr" "the data's digest is sha256:"
	assert_contains "$stderr" "not sha256:"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/layers" | wc -l)" 0 "layers stored"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/images" | wc -l)" 0 "images stored"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/tmp" | wc -l)" 0 "leftovers in tmp/"
}

@test "pull: a registry answering 500 is retried, then the error names it" {
	[ -n "${ENG_TEST_REGISTRY_SLOW:-}" ] || skip "no test proxy (run through hack/test)"
	run --separate-stderr eng pull --tls-verify=false "$ENG_TEST_REGISTRY_SLOW/eng-test/broken:latest"
	assert_status 125
	assert_contains "$stderr" "injected failure (HTTP 500)"
	local tries
	tries=$(grep -c "GET /v2/eng-test/broken/manifests/latest 500" "$ENG_TEST_PROXY_LOG")
	[ "$tries" -ge 3 ] || fail "asked $tries times"
}

@test "pull: a damaged partial download is named as the cause, not the registry, and dropped" {
	require_registry
	local layer
	layer=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$ENG_TEST_REGISTRY/v2/eng-test/busybox/manifests/latest" | jq -r '.layers[0].digest')
	mkdir -p "$BATS_TEST_TMPDIR/store/tmp"
	head -c 4096 /dev/urandom >"$BATS_TEST_TMPDIR/store/tmp/partial-${layer#sha256:}"
	run --separate-stderr eng pull -q --tls-verify=false "$ENG_TEST_REGISTRY/eng-test/busybox:latest"
	assert_status 125
	# (the unpacker or the digest may see it first)
	assert_contains "$stderr" "first 4096 bytes"
	assert_contains "$stderr" "a partial download an earlier pull left"
	assert_not_contains "$stderr" "the registry sent corrupt"
	[ ! -e "$BATS_TEST_TMPDIR/store/tmp/partial-${layer#sha256:}" ] || fail "the partial download stayed"
	run eng pull -q --tls-verify=false "$ENG_TEST_REGISTRY/eng-test/busybox:latest"
	assert_status 0
}

@test "pull: a registry that trickles (2 bytes a second) is cut off and named" {
	[ -n "${ENG_TEST_REGISTRY_SLOW:-}" ] || skip "no test proxy (run through hack/test)"
	mkdir -p "$HOME/.config/eng"
	echo '{"registry-stall-timeout": 2}' >"$HOME/.config/eng/config.json"
	run --separate-stderr timeout 120 "$ENG" --root "$BATS_TEST_TMPDIR/store" --runroot "$BATS_TEST_TMPDIR/run" \
		pull --tls-verify=false "$ENG_TEST_REGISTRY_SLOW/eng-test/trickle:latest"
	assert_status 125
	assert_contains "$stderr" "the registry '$ENG_TEST_REGISTRY_SLOW' stalled (less than 1024 bytes a second for 2 s"
	echo '{"registry-stall-timeout": 0}' >"$HOME/.config/eng/config.json"
	run --separate-stderr eng pull --tls-verify=false "$ENG_TEST_REGISTRY_SLOW/eng-test/trickle:latest"
	assert_status 125
	assert_contains "$stderr" "\"registry-stall-timeout\" must be a number of seconds from 1 to 3600"
	rm "$HOME/.config/eng/config.json"
}

@test "pull: a one-word short name on a search registry other than docker.io gets no library/" {
	[ -n "${ENG_TEST_REGISTRY_SLOW:-}" ] || skip "no test proxy (run through hack/test)"
	local P=$ENG_TEST_REGISTRY_SLOW
	mkdir -p "$HOME/.config/eng"
	printf '{"unqualified-search-registries": ["%s"], "registries": {"%s": {"insecure": true}}}\n' "$P" "$P" \
		>"$HOME/.config/eng/config.json"
	run --separate-stderr eng pull eng-no-such-image
	assert_status 125
	grep -q "GET /v2/eng-no-such-image/manifests/latest" "$ENG_TEST_PROXY_LOG" ||
		fail "not asked for eng-no-such-image: $(grep eng-no-such "$ENG_TEST_PROXY_LOG")"
	! grep -q "library/eng-no-such-image" "$ENG_TEST_PROXY_LOG" || fail "asked for library/"
	# podman's transport prefix is taken
	run --separate-stderr eng pull -q "docker://$P/eng-test/busybox"
	assert_status 0
	rm "$HOME/.config/eng/config.json"
}

@test "pull: a token answer over the limit is refused by name, not with curl's write error" {
	[ -n "${ENG_TEST_REGISTRY_SLOW:-}" ] || skip "no test proxy (run through hack/test)"
	run --separate-stderr eng pull --tls-verify=false "$ENG_TEST_REGISTRY_SLOW/eng-test/bigtoken:latest"
	assert_status 125
	assert_contains "$stderr" "the answer is larger than 1048576 bytes"
	assert_not_contains "$stderr" "Failure writing output"
}

@test "pull: kill -9 half way leaves no image; the next pull resumes the blob at the byte it stopped" {
	[ -n "${ENG_TEST_REGISTRY_SLOW:-}" ] || skip "no test proxy (run through hack/test)"
	local ref=$ENG_TEST_REGISTRY_SLOW/eng-test/debian:bookworm pid journal size=0 i
	# the binary itself, not the eng() function: $! must be its pid
	"$ENG" --root "$BATS_TEST_TMPDIR/store" --runroot "$BATS_TEST_TMPDIR/run" \
		pull -q --tls-verify=false "$ref" >/dev/null 2>&1 &
	pid=$!
	# wait until some megabytes of the layer are in
	for i in $(seq 1 200); do
		journal=$(ls "$BATS_TEST_TMPDIR"/store/tmp/partial-* 2>/dev/null | head -n 1)
		size=$(stat -c %s "$journal" 2>/dev/null || echo 0)
		[ "$size" -gt 8000000 ] && break
		sleep 0.1
	done
	kill -9 "$pid"
	wait "$pid" || true
	[ "$size" -gt 8000000 ] || fail "the download did not get going ($size bytes)"
	assert_equal "$(eng images -q)" "" "images after the kill"
	run --separate-stderr eng --log-level info pull --tls-verify=false "$ref"
	assert_status 0
	assert_contains "$stderr" "resuming at byte"
	# the proxy saw a Range request for the rest of the blob, answered 206
	grep -Eq "GET /v2/eng-test/debian/blobs/sha256:[0-9a-f]+ 206 range=bytes=[1-9][0-9]*-" "$ENG_TEST_PROXY_LOG" ||
		fail "no resumed blob request in the proxy log"
	run diff <(expected_listing debian) <(merged_listing "$ref")
	assert_status 0
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/tmp" | wc -l)" 0 "leftovers in tmp/"
}

@test "pull: short names resolve through the configured registries; insecure ones need no --tls-verify" {
	mkdir -p "$HOME/.config/eng"
	printf '{"unqualified-search-registries": ["%s"], "registries": {"%s": {"insecure": true}}}\n' "$R" "$R" \
		>"$HOME/.config/eng/config.json"
	run --separate-stderr eng pull eng-test/busybox
	assert_status 0
	assert_contains "$stderr" "Trying to pull $R/eng-test/busybox:latest..."
	run eng images --format json
	assert_equal "$(json '.[0].Names[0]')" "$R/eng-test/busybox:latest"
	# an explicit --tls-verify=true wins: the plain-HTTP registry then fails
	run --separate-stderr eng pull --tls-verify=true "$R/eng-test/busybox"
	assert_status 125
	echo '{"registries": [' >"$HOME/.config/eng/config.json"
	run --separate-stderr eng pull eng-test/busybox
	assert_status 125
	assert_contains "$stderr" "config.json: not a JSON object"
}

@test "pull: an insecure registry named without a port whose 443 refuses is asked on 80, as podman" {
	[ -n "${ENG_TEST_REGISTRY_PORT80:-}" ] ||
		skip "no registry on 127.0.0.1:80 (the harness starts one as root when 80 and 443 are free)"
	local P=$ENG_TEST_REGISTRY_PORT80
	# verified TLS: no fallback, the refusal is the error
	run --separate-stderr eng pull -q "$P/eng-test/busybox"
	assert_status 125
	assert_contains "$stderr" "Failed to connect to 127.0.0.1 port 443"
	run --separate-stderr eng pull -q --tls-verify=false "$P/eng-test/busybox"
	assert_status 0
	# the configuration's insecure list does the same
	mkdir -p "$HOME/.config/eng"
	printf '{"registries": {"%s": {"insecure": true}}}\n' "$P" >"$HOME/.config/eng/config.json"
	eng rmi -a >/dev/null
	run --separate-stderr eng pull -q "$P/eng-test/busybox:latest"
	assert_status 0
	assert_equal "$(eng images --format '{{.Repository}}:{{.Tag}}')" "$P/eng-test/busybox:latest"
}

@test "pull: on a terminal, a progress bar per blob with bytes and rate" {
	[ -n "${ENG_TEST_REGISTRY_SLOW:-}" ] || skip "no test proxy (run through hack/test)"
	TERM=xterm script -qec "'$ENG' --root '$BATS_TEST_TMPDIR/store' pull --tls-verify=false '$ENG_TEST_REGISTRY_SLOW/eng-test/layers:oci-zstd'" \
		"$BATS_TEST_TMPDIR/tty.out" >/dev/null
	run cat -v "$BATS_TEST_TMPDIR/tty.out"
	assert_contains "$output" "Copying blob"
	assert_contains "$output" "MiB / "
	assert_contains "$output" "MiB/s)"
	assert_contains "$output" "^[[K"
	assert_contains "$output" "Writing manifest to image destination"
}

@test "pull: a full disk fails the pull with the reason and leaves the store as it was" {
	[ -n "${ENG_TEST_SMALL_FS:-}" ] || skip "no small file system (run through hack/test)"
	local root=$ENG_TEST_SMALL_FS/store-$BATS_TEST_NUMBER
	run --separate-stderr "$ENG" --root "$root" pull --tls-verify=false "$R/eng-test/debian:bookworm"
	assert_status 125
	assert_contains "$stderr" "No space left on device"
	assert_equal "$(ls "$root/images" | wc -l)" 0 "images stored"
	assert_equal "$(ls "$root/layers" | wc -l)" 0 "layers stored"
	assert_equal "$(ls "$root/tmp" | wc -l)" 0 "leftovers in tmp/"
	"$ENG" unshare rm -rf "$root"
}

@test "pull: without its unpack helper eng says which program is missing" {
	mkdir -p "$BATS_TEST_TMPDIR/lonely"
	cp "$ENG" "$BATS_TEST_TMPDIR/lonely/eng"
	run --separate-stderr "$BATS_TEST_TMPDIR/lonely/eng" --root "$BATS_TEST_TMPDIR/store" pull --tls-verify=false "$R/eng-test/busybox:latest"
	assert_status 125
	assert_contains "$stderr" "the helper 'eng-unpack' is neither next to this program nor in"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/images" | wc -l)" 0 "images stored"
}

@test "pull: pulling an image we have asks the registry one HEAD and downloads nothing" {
	[ -n "${ENG_TEST_REGISTRY_SLOW:-}" ] || skip "no test proxy (run through hack/test)"
	local ref=$ENG_TEST_REGISTRY_SLOW/eng-test/multiarch:latest before
	before=$(wc -l <"$ENG_TEST_PROXY_LOG")
	run --separate-stderr eng pull --tls-verify=false "$ref"
	assert_status 0
	local id=$output
	# a tag we do not have: no HEAD first, the GET at once
	run tail -n +"$((before + 1))" "$ENG_TEST_PROXY_LOG"
	assert_not_contains "$output" "HEAD /v2/eng-test/multiarch/manifests/latest"
	assert_contains "$output" "GET /v2/eng-test/multiarch/manifests/latest 200"
	before=$(wc -l <"$ENG_TEST_PROXY_LOG")
	run --separate-stderr eng pull --tls-verify=false "$ref"
	assert_status 0
	assert_equal "$output" "$id" "image ID"
	run tail -n +"$((before + 1))" "$ENG_TEST_PROXY_LOG"
	assert_contains "$output" "HEAD /v2/eng-test/multiarch/manifests/latest 200"
	assert_not_contains "$output" "GET /v2/eng-test/multiarch/"
}

@test "pull: the unpacker runs confined: the layer's directory its root, few capabilities, seccomp" {
	local unpack d=$BATS_TEST_TMPDIR/layer pid
	unpack=$(dirname "$ENG")/eng-unpack
	[ -x "$unpack" ] || skip "no eng-unpack beside eng"
	mkdir "$d"
	# as eng runs it: root of the store's user namespace, the stream on a pipe
	# that stays open while we look
	"$ENG" --root "$BATS_TEST_TMPDIR/store" --runroot "$BATS_TEST_TMPDIR/run" unshare sh -c \
		"sleep 5 | '$unpack' '$d' 0 2 & echo \$! >'$BATS_TEST_TMPDIR/pid'; wait" &
	for _ in $(seq 50); do
		pid=$(cat "$BATS_TEST_TMPDIR/pid" 2>/dev/null) && [ -n "$pid" ] &&
			grep -q '^Seccomp:.*2' /proc/"$pid"/status 2>/dev/null && break
		sleep 0.1
	done
	run grep -E '^(Seccomp|NoNewPrivs|CapEff|CapBnd):' /proc/"$pid"/status
	assert_contains "$output" $'NoNewPrivs:\t1'
	assert_contains "$output" $'Seccomp:\t2'
	# CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID MKNOD SETFCAP: no SYS_ADMIN, no NET_*
	assert_contains "$output" $'CapEff:\t000000008800001f'
	assert_contains "$output" $'CapBnd:\t000000008800001f'
	# its root is the layer's directory: only what it makes there
	run ls -A /proc/"$pid"/root/
	assert_equal "$output" diff
	wait
}
