#!/usr/bin/env bats
# Images made to hurt (tests/fixtures/build-images, eng-test/hostile:*): eng
# gives a clear error or runs them as the kernel's overlay would, and never
# hangs, runs as root by accident or removes what it should not.

load helpers

setup() {
	require_registry
	H=$ENG_TEST_REGISTRY/eng-test/hostile
}

# hrun TAG ARGS...: eng run --rm of eng-test/hostile:TAG, bounded in time
hrun() {
	local tag=$1
	shift
	timeout 60 "$ENG" --root "$BATS_TEST_TMPDIR/store" --runroot "$BATS_TEST_TMPDIR/run" \
		${ENG_TEST_STORAGE_DRIVER:+--storage-driver "$ENG_TEST_STORAGE_DRIVER"} \
		run --rm --tls-verify=false "$@"
}

@test "hostile: /etc/passwd a FIFO or a symlink to /dev/zero: no hang, the user is not found" {
	local tag
	for tag in passwd-fifo passwd-zero; do
		run hrun $tag -u tester "$H:$tag" true
		assert_status 125
		assert_contains "$output" "unable to find user tester"
		# (the image's own id would read the FIFO: the process's status does not)
		run hrun $tag -u 1000 "$H:$tag" sh -c 'echo "$HOME"; grep ^Uid: /proc/self/status'
		assert_status 0
		assert_equal "$(tail -n 2 <<<"$output" | tr -s '\t' ' ')" $'/\nUid: 1000 1000 1000 1000'
	done
}

@test "hostile: an image User of 4294967295 does not run as root" {
	run hrun user-minus-one "$H:user-minus-one" id -u
	assert_status 125
	assert_contains "$output" "uid 4294967295 is not a valid id"
}

@test "hostile: a file owned by 4294967295 belongs to the overflow id, not to root" {
	run hrun owner-minus-one "$H:owner-minus-one" stat -c '%u:%g' /srv/minus-one
	assert_status 0
	assert_equal "$(tail -n 1 <<<"$output")" 65534:65534
}

@test "hostile: a whiteout of '..' fails the pull and removes nothing" {
	run --separate-stderr eng pull --tls-verify=false "$H:whiteout-dotdot"
	assert_status 125
	assert_contains "$stderr" "layer entry '.wh...' is a whiteout of '..', which is no entry"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/images" | wc -l)" 0 "images stored"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/store/tmp" | wc -l)" 0 "leftovers in tmp/"
	# the first layer, whole and verified, stays for the next image that has it
	run eng pull -q --tls-verify=false "$ENG_TEST_REGISTRY/eng-test/busybox"
	assert_status 0
}

@test "hostile: a dangling relative /etc/resolv.conf (systemd-resolved's) gets the container's" {
	run hrun resolv-dangling "$H:resolv-dangling" sh -c 'cat /etc/resolv.conf; readlink /etc/resolv.conf'
	assert_status 0
	assert_contains "$output" "nameserver"
	assert_contains "$output" "../run/systemd/resolve/stub-resolv.conf"
}

@test "hostile: an opaque marker at a layer's root hides nothing, in the listing as in lookups" {
	run hrun opaque-root "$H:opaque-root" sh -c 'ls / | tr "\n" " "; echo; cat /opt/hidden /srv/upper'
	assert_status 0
	assert_contains "$(tail -n 3 <<<"$output")" " opt "
	assert_contains "$output" $'hidden\nupper'
}
