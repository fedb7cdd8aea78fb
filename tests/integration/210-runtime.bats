#!/usr/bin/env bats
# eng-runtime: the OCI runtime command line, on bundles made by itself and by crun.

load helpers

setup() {
	RT=$(dirname "$ENG")/eng-runtime
	B=$BATS_TEST_TMPDIR/bundle
	STATE=$BATS_TEST_TMPDIR/state
	mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/dev" "$B/rootfs/sys" "$B/rootfs/tmp"
	cp /bin/busybox "$B/rootfs/bin/busybox"
	local a
	for a in sh id cat echo sleep hostname ls grep true; do
		ln -s busybox "$B/rootfs/bin/$a"
	done
}

rt() {
	"$RT" --root "$STATE" "$@"
}

# set_args ARGS...: the bundle's process runs ARGS without a terminal
set_args() {
	local args
	args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	jq --argjson a "$args" '.process.terminal = false | .process.args = $a' \
		"$B/config.json" >"$B/config.json.new"
	mv "$B/config.json.new" "$B/config.json"
}

@test "eng-runtime: spec --rootless makes a bundle that run runs" {
	(cd "$B" && "$RT" spec --rootless)
	[ -f "$B/config.json" ]
	run "$RT" spec --rootless --bundle "$B"
	assert_status 1
	assert_contains "$output" "exists already"
	set_args sh -c 'id; hostname; echo $$; exit 3'
	run rt run --bundle "$B" c1
	assert_status 3
	assert_equal "$output" $'uid=0 gid=0 groups=0\neng\n1'
	# run removes its state when the container is gone
	assert_equal "$(ls "$STATE")" "" "state left"
}

@test "eng-runtime: runs a bundle made by crun spec --rootless" {
	command -v crun >/dev/null || skip "crun is not installed"
	(cd "$B" && crun spec --rootless)
	set_args sh -c 'id -u; cat /proc/self/uid_map; ls /sys | grep -c .'
	run rt run --bundle "$B" c2
	assert_status 0
	assert_equal "$(sed -n 1p <<<"$output")" 0
	assert_contains "$output" "$(id -u)"
}

@test "eng-runtime: create, start, state, exec, kill, delete" {
	(cd "$B" && "$RT" spec --rootless)
	set_args sleep 1000
	rt create --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" c3 </dev/null >/dev/null 2>&1
	run rt state c3
	assert_status 0
	assert_equal "$(json .status)" created
	assert_equal "$(json .pid)" "$(cat "$BATS_TEST_TMPDIR/pid")"
	assert_equal "$(json .id)" c3
	# the process waits: it has not executed sleep yet
	assert_not_contains "$(cat /proc/"$(json .pid)"/cmdline | tr '\0' ' ')" sleep
	run rt start c3
	assert_status 0
	run rt state c3
	assert_equal "$(json .status)" running
	run rt exec c3 sh -c 'hostname; echo $$'
	assert_status 0
	assert_equal "$(sed -n 1p <<<"$output")" eng
	run rt exec c3 sh -c 'exit 6'
	assert_status 6
	run rt list
	assert_contains "$output" c3
	run rt delete c3
	assert_status 1
	assert_contains "$output" "is running"
	run rt kill c3 KILL
	assert_status 0
	for _ in $(seq 50); do
		[ "$(rt state c3 | jq -r .status)" = stopped ] && break
		sleep 0.1
	done
	run rt state c3
	assert_equal "$(json .status)" stopped
	run rt delete c3
	assert_status 0
	run rt state c3
	assert_status 1
	assert_contains "$output" "container 'c3' does not exist"
}

@test "eng-runtime: errors have the exit statuses of runc" {
	(cd "$B" && "$RT" spec --rootless)
	set_args no-such-command
	run -127 rt run --bundle "$B" c4
	assert_contains "$output" "'no-such-command' not found"
	run rt run --bundle "$BATS_TEST_TMPDIR/nope" c5
	assert_status 1
	run rt state "../x"
	assert_status 1
	assert_contains "$output" "not a valid container id"
	echo '{"root": {"path": "rootfs"}}' >"$B/config.json"
	run rt run --bundle "$B" c6
	assert_status 1
	assert_contains "$output" "process"
}
