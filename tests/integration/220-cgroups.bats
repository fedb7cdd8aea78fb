#!/usr/bin/env bats
# Resource limits: --memory, --cpus and --pids-limit need a cgroup of the
# container's own, in a cgroup v2 tree delegated to the user.  Without one
# they are refused before anything starts.  This machine delegates none, so
# hack/test runs this file once more inside a cgroup v2 subtree it delegates
# to the test user (as systemd's Delegate=yes does), with
# ENG_TEST_CGROUP=PARENT naming the cgroup beside which eng runs.  Where
# the machine holds a controller in a v1 hierarchy (this kind holds all of
# them) the delegated tree does not offer it, and the tests of limits that
# need it skip; the rest runs everywhere.

load helpers

setup() {
	require_busybox
}

delegated() {
	[ -n "${ENG_TEST_CGROUP:-}" ]
}

# offers CONTROLLER...: whether the delegated tree offers each of them
offers() {
	local c
	delegated || return 1
	for c in "$@"; do
		grep -qw "$c" "$ENG_TEST_CGROUP/cgroup.controllers" || return 1
	done
}

@test "cgroups: without a delegated tree, limits are refused and nothing is left" {
	delegated && skip "this run has a delegated cgroup v2 tree"
	for opt in "--memory 64m" "--cpus 0.5" "--pids-limit 10"; do
		# shellcheck disable=SC2086
		run eng run --rm --name lim $opt "$IMG" true
		assert_status 125
		assert_contains "$output" "needs a cgroup"
		assert_contains "$output" "delegated cgroup v2"
	done
	run eng ps -a -q
	assert_equal "$output" ""
	# without limits: none shown
	eng create --name plain "$IMG" true >/dev/null
	assert_equal "$(eng inspect plain | jq -r '.[0].HostConfig | "\(.Memory) \(.NanoCpus) \(.PidsLimit)"')" "0 0 0"
	eng rm plain >/dev/null
}

@test "cgroups: --pids-limit and --cpus in the container's own cgroup, which goes when it ends" {
	offers pids cpu || skip "no delegated cgroup v2 tree with the cpu and pids controllers"
	run eng run --name lim --pids-limit 12 --cpus 0.5 "$IMG" sh -c \
		'cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max; grep "^0::" /proc/self/cgroup'
	assert_status 0
	assert_equal "$(sed -n 1p <<<"$output")" 12 "pids.max"
	assert_equal "$(sed -n 2p <<<"$output")" "50000 100000" "cpu.max"
	# its cgroup namespace is rooted at its own cgroup
	assert_equal "$(sed -n 3p <<<"$output")" "0::/" "the container's view of its cgroup"
	id=$(eng inspect --format '{{.Id}}' lim)
	assert_equal "$(eng inspect --format '{{.HostConfig.PidsLimit}}' lim)" 12
	assert_equal "$(eng inspect --format '{{.HostConfig.NanoCpus}}' lim)" 500000000
	# beside ours, as the spec says, and removed once the container ended
	assert_equal "$(jq -r .linux.cgroupsPath "$(dirname "$(container_record lim)")/config.json" | sed 's|.*/||')" "eng-$id"
	[ ! -e "$ENG_TEST_CGROUP/eng-$id" ] || fail "the cgroup of an ended container is left"
	run eng rm lim
	assert_status 0
}

@test "cgroups: the pids limit holds, and a detached container's cgroup lives as long as it" {
	offers pids || skip "no delegated cgroup v2 tree with the pids controller"
	# 6 processes at most: the shell and its sleeps; the seventh fork fails
	run eng run --rm --pids-limit 6 "$IMG" sh -c \
		'i=0; while [ $i -lt 10 ]; do sleep 30 & i=$((i + 1)); done; echo started $i'
	assert_not_contains "$output" "started 10"
	assert_contains "$output" "fork"
	run eng run -d --name det --pids-limit 20 "$IMG" sleep 300
	assert_status 0
	id=$(eng inspect --format '{{.Id}}' det)
	[ -d "$ENG_TEST_CGROUP/eng-$id" ] || fail "no cgroup for the running container"
	assert_equal "$(cat "$ENG_TEST_CGROUP/eng-$id/pids.max")" 20
	pid=$(eng inspect --format '{{.State.Pid}}' det)
	assert_equal "$(grep '^0::' "/proc/$pid/cgroup" | sed 's|.*/||')" "eng-$id" "the container's process is in it"
	run eng stop -t 1 det
	assert_status 0
	# the monitor's cleanup removes it
	for _ in $(seq 50); do
		[ -e "$ENG_TEST_CGROUP/eng-$id" ] || break
		sleep 0.1
	done
	[ ! -e "$ENG_TEST_CGROUP/eng-$id" ] || fail "the cgroup of a stopped container is left"
	# started again: a cgroup again; removed with the container
	run eng start det
	assert_status 0
	[ -d "$ENG_TEST_CGROUP/eng-$id" ] || fail "no cgroup after eng start"
	run eng rm -f det
	assert_status 0
	[ ! -e "$ENG_TEST_CGROUP/eng-$id" ] || fail "the cgroup of a removed container is left"
}

@test "cgroups: a controller the delegated tree does not offer is refused before anything starts" {
	delegated || skip "no delegated cgroup v2 tree (hack/test makes one)"
	local c opt
	for c in memory cpu pids; do
		offers "$c" && continue
		case $c in
		memory) opt="--memory 64m" ;;
		cpu) opt="--cpus 1.5" ;;
		pids) opt="--pids-limit 50" ;;
		esac
		# shellcheck disable=SC2086
		run eng run --rm --name lim $opt "$IMG" true
		assert_status 125
		assert_contains "$output" "${opt%% *} needs a cgroup: the $c controller is not available in the delegated cgroup"
	done
	run eng ps -a -q
	assert_equal "$output" ""
	[ -z "$(find "$ENG_TEST_CGROUP" -mindepth 1 -maxdepth 1 -type d -name 'eng-*')" ] || fail "a cgroup was left"
}

# rt_bundle [JQ]: $B, a busybox bundle from eng-runtime spec --rootless whose
# process prints the cgroup it sees, in the cgroup rt-test of the delegated
# tree, with JQ applied to its config.json; $RT runs it with its state in $ST
rt_bundle() {
	local a mnt=/sys/fs/cgroup/unified
	RT=$(dirname "$ENG")/eng-runtime
	B=$BATS_TEST_TMPDIR/bundle
	ST=$BATS_TEST_TMPDIR/state
	[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || mnt=/sys/fs/cgroup
	mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/dev" "$B/rootfs/sys" "$B/rootfs/tmp"
	cp /bin/busybox "$B/rootfs/bin/busybox"
	for a in sh cat grep sleep; do
		ln -s busybox "$B/rootfs/bin/$a"
	done
	(cd "$B" && "$RT" spec --rootless)
	jq --arg p "${ENG_TEST_CGROUP#"$mnt"}/rt-test" '.process.terminal = false |
		.process.args = ["sh", "-c", "grep ^0:: /proc/self/cgroup"] | .linux.cgroupsPath = $p | '"${1:-.}" \
		"$B/config.json" >"$B/c.json" && mv "$B/c.json" "$B/config.json"
}

@test "cgroups: eng-runtime makes linux.cgroupsPath, moves the process in, roots its cgroup namespace there, and removes it" {
	delegated || skip "no delegated cgroup v2 tree (hack/test makes one)"
	local pid
	rt_bundle
	# created: the process waits in its cgroup
	"$RT" --root "$ST" create --bundle "$B" rt1 </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
		fail "create: $(cat "$BATS_TEST_TMPDIR/err")"
	pid=$("$RT" --root "$ST" state rt1 | jq -r .pid)
	grep -qx "$pid" "$ENG_TEST_CGROUP/rt-test/cgroup.procs" || fail "the process is not in its cgroup"
	run "$RT" --root "$ST" delete --force rt1
	assert_status 0
	[ ! -e "$ENG_TEST_CGROUP/rt-test" ] || fail "eng-runtime delete left the cgroup"
	# run: the process sees its own cgroup as the root of its namespace
	run "$RT" --root "$ST" run --bundle "$B" rt2
	assert_status 0
	assert_equal "$output" "0::/"
	[ ! -e "$ENG_TEST_CGROUP/rt-test" ] || fail "eng-runtime run left its cgroup"
	# exec: the new process joins the container's cgroup too
	jq '.process.args = ["sleep", "100"]' "$B/config.json" >"$B/c.json" && mv "$B/c.json" "$B/config.json"
	"$RT" --root "$ST" run -d --bundle "$B" rt3 </dev/null >/dev/null 2>&1 || fail "run -d failed"
	run "$RT" --root "$ST" exec rt3 grep ^0:: /proc/self/cgroup
	assert_status 0
	assert_equal "$output" "0::/"
	run "$RT" --root "$ST" delete --force rt3
	assert_status 0
	[ ! -e "$ENG_TEST_CGROUP/rt-test" ] || fail "eng-runtime delete left the cgroup"
}

@test "cgroups: eng-runtime writes linux.resources, or refuses a controller it cannot have and leaves nothing" {
	delegated || skip "no delegated cgroup v2 tree (hack/test makes one)"
	rt_bundle '.linux.resources = {pids: {limit: 9}}'
	status=0
	"$RT" --root "$ST" create --bundle "$B" rt1 </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/err")
	if ! offers pids; then
		assert_status 1
		assert_contains "$output" "the pids controller is not available in the cgroup '$ENG_TEST_CGROUP'"
		[ ! -e "$ENG_TEST_CGROUP/rt-test" ] || fail "a refused container left a cgroup"
		run "$RT" --root "$ST" list
		assert_not_contains "$output" rt1
		return 0
	fi
	assert_status 0
	assert_equal "$(cat "$ENG_TEST_CGROUP/rt-test/pids.max")" 9
	run "$RT" --root "$ST" delete --force rt1
	assert_status 0
	[ ! -e "$ENG_TEST_CGROUP/rt-test" ] || fail "eng-runtime delete left the cgroup"
}

@test "cgroups: eng-runtime pause and resume freeze the cgroup; ps, events and update read and write it" {
	delegated || skip "no delegated cgroup v2 tree (hack/test makes one)"
	rt_bundle '.process.args = ["sh", "-c", "sleep 200 & sleep 201"]'
	"$RT" --root "$ST" run -d --bundle "$B" rt1 </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
		fail "run -d: $(cat "$BATS_TEST_TMPDIR/err")"
	local pid
	pid=$("$RT" --root "$ST" state rt1 | jq -r .pid)
	# ps: the cgroup's processes
	run "$RT" --root "$ST" ps --format json rt1
	assert_status 0
	assert_equal "$(json 'sort | join(" ")')" "$(sort -n "$ENG_TEST_CGROUP/rt-test/cgroup.procs" | xargs)"
	assert_contains " $(json 'join(" ")') " " $pid "
	run "$RT" --root "$ST" pause rt1
	assert_status 0
	assert_equal "$(cat "$ENG_TEST_CGROUP/rt-test/cgroup.freeze")" 1
	assert_equal "$(awk '{print $3}' /proc/"$pid"/stat)" S
	grep -qx 'frozen 1' "$ENG_TEST_CGROUP/rt-test/cgroup.events" || fail "not frozen"
	assert_equal "$("$RT" --root "$ST" state rt1 | jq -r .status)" paused
	assert_equal "$("$RT" --root "$ST" list --format json | jq -r '.[0].status')" paused
	run "$RT" --root "$ST" exec rt1 true
	assert_status 1
	assert_contains "$output" "is paused"
	run "$RT" --root "$ST" pause rt1
	assert_status 1
	assert_contains "$output" "is paused, not running"
	run "$RT" --root "$ST" delete rt1
	assert_status 1
	assert_contains "$output" "is paused"
	run "$RT" --root "$ST" resume rt1
	assert_status 0
	assert_equal "$(cat "$ENG_TEST_CGROUP/rt-test/cgroup.freeze")" 0
	assert_equal "$("$RT" --root "$ST" state rt1 | jq -r .status)" running
	run "$RT" --root "$ST" resume rt1
	assert_status 1
	assert_contains "$output" "not paused"
	# events --stats: one stats event with the cgroup's cpu time
	run "$RT" --root "$ST" events --stats rt1
	assert_status 0
	assert_equal "$(json .type) $(json .id)" "stats rt1"
	assert_equal "$(json '.data.cpu.usage.total >= 0')" true
	# update: a limit the tree offers is written, another is refused
	if offers pids; then
		run "$RT" --root "$ST" update --pids-limit 20 rt1
		assert_status 0
		assert_equal "$(cat "$ENG_TEST_CGROUP/rt-test/pids.max")" 20
		assert_equal "$("$RT" --root "$ST" events --stats rt1 | jq .data.pids.limit)" 20
	else
		run "$RT" --root "$ST" update --pids-limit 20 rt1
		assert_status 1
		assert_contains "$output" "the pids controller is not available"
	fi
	# paused, delete --force still takes it and its cgroup
	"$RT" --root "$ST" pause rt1
	run "$RT" --root "$ST" delete --force rt1
	assert_status 0
	[ ! -e "$ENG_TEST_CGROUP/rt-test" ] || fail "eng-runtime delete left the cgroup"
}
