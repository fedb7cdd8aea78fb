#!/usr/bin/env bats
# containerd with eng-runtime as its runc: Debian's containerd and ctr, as
# root, on a daemon of the test's own (its root, state, socket and runc root
# in a directory it removes) with the fixture busybox pulled from the test
# registry.  The shim (containerd-shim-runc-v2) drives eng-runtime through
# runc's command line: create with a console socket and pid file, start,
# state, kill, delete, exec, ps, pause and resume, and reads errors from
# the --log it gives.

load ../helpers

setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	command -v containerd >/dev/null && command -v ctr >/dev/null || return 0
	[ -n "${ENG_TEST_REGISTRY:-}" ] || return 0
	CTRD=$(mktemp -d /tmp/eng-ctrd.XXXXXX)
	export CTRD
	printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n' >"$CTRD/config.toml"
	containerd --config "$CTRD/config.toml" --root "$CTRD/root" --state "$CTRD/state" \
		--address "$CTRD/sock" >"$CTRD/log" 2>&1 &
	echo $! >"$CTRD/pid"
	local i
	for i in $(seq 100); do
		ctr -a "$CTRD/sock" version >/dev/null 2>&1 && break
		sleep 0.1
	done
	ctr -a "$CTRD/sock" -n eng-test image pull --plain-http \
		"$ENG_TEST_REGISTRY/eng-test/busybox:latest" >"$CTRD/pull.log" 2>&1 || true
}

teardown_file() {
	[ -n "${CTRD:-}" ] || return 0
	local m d
	kill "$(cat "$CTRD/pid")" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$(cat "$CTRD/pid")" 2>/dev/null || break
		sleep 0.1
	done
	for m in $(awk -v d="$CTRD" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
		umount -l "$m" || true
	done
	rm -rf "$CTRD"
	# the namespace's cgroup, made on the way to the containers' own
	for d in /sys/fs/cgroup/*/eng-test /sys/fs/cgroup/unified/eng-test; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null || true
	done
}

setup() {
	[ "$(id -u)" = 0 ] || skip "these tests are for the host's root"
	command -v containerd >/dev/null && command -v ctr >/dev/null || skip "containerd is not installed"
	require_registry
	grep -q 'done' "$CTRD/pull.log" || fail "ctr could not pull busybox: $(cat "$CTRD/pull.log")"
	RT=$(dirname "$ENG")/eng-runtime
	IMG=$ENG_TEST_REGISTRY/eng-test/busybox:latest
}

teardown() {
	[ -n "${CTRD:-}" ] || return 0
	local t
	for t in $(c task ls -q 2>/dev/null); do
		c task kill -s KILL "$t" >/dev/null 2>&1 || true
		sleep 0.2
		c task delete "$t" >/dev/null 2>&1 || true
	done
	for t in $(c container ls -q 2>/dev/null); do
		c container rm "$t" >/dev/null 2>&1 || true
	done
}

c() {
	ctr -a "$CTRD/sock" -n eng-test "$@"
}

# ctr run with eng-runtime as the runc binary
crun_() {
	c run --runc-binary "$RT" --runc-root "$CTRD/runc" --fifo-dir "$CTRD/fifo" "$@"
}

@test "containerd: ctr run --rm with eng-runtime: output, exit status, a terminal, an error" {
	run crun_ --rm "$IMG" t1 sh -c 'echo hello; id -u; exit 3'
	assert_status 3
	assert_equal "$output" $'hello\n0'
	# (ctr 1.6 runs /usr/sbin/runc for --uidmap whatever --runc-binary says, so no
	# user namespace here: eng-runtime's own tests cover those)
	# a terminal through the shim's console socket
	run script -qec "ctr -a $CTRD/sock -n eng-test run --rm -t --runc-binary $RT --runc-root $CTRD/runc --fifo-dir $CTRD/fifo $IMG t3 tty" /dev/null </dev/null
	assert_status 0
	assert_contains "$output" /dev/pts/0
	# a command the image lacks fails create, as with runc: the error
	# eng-runtime logged reaches ctr
	run crun_ --rm "$IMG" t4 /no/such/program
	assert_status 1
	assert_contains "$output" "OCI runtime create failed"
	assert_contains "$output" "executing '/no/such/program': No such file or directory"
	assert_equal "$(c container ls -q)" ""
}

@test "containerd: a detached task with eng-runtime: exec, ps, pause, resume, kill, delete" {
	crun_ -d "$IMG" t5 sh -c 'sleep 300 & sleep 301' || fail "ctr run -d failed"
	run c task ls
	assert_contains "$output" RUNNING
	run c task exec --exec-id e1 t5 sh -c 'echo from-exec; exit 5'
	assert_status 5
	assert_equal "$output" from-exec
	run c task ps t5
	assert_status 0
	assert_equal "$(grep -c '^[0-9]' <<<"$output")" 2
	run c task pause t5
	assert_status 0
	assert_contains "$(c task ls)" PAUSED
	assert_equal "$("$RT" --root "$CTRD/runc/eng-test" state t5 | jq -r .status)" paused
	run c task resume t5
	assert_status 0
	assert_contains "$(c task ls)" RUNNING
	run c task kill -a -s KILL t5
	assert_status 0
	for _ in $(seq 50); do
		c task ls | grep -q STOPPED && break
		sleep 0.1
	done
	assert_contains "$(c task ls)" STOPPED
	run c task delete t5
	assert_status 0
	run c container rm t5
	assert_status 0
	assert_equal "$(ls -A "$CTRD/runc/eng-test")" "" "eng-runtime's state stayed"
	[ ! -e /sys/fs/cgroup/unified/eng-test/t5 ] && [ ! -e /sys/fs/cgroup/eng-test/t5 ] ||
		fail "the task's cgroup stayed"
}
