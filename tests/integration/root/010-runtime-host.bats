#!/usr/bin/env bats
# eng-runtime run by the host's root, as crun's and runc's tests run it: the
# host's /dev, sysctls and mounts stay as they were, whatever the spec asks;
# what only root can do (devices, a negative oomScoreAdj, joining a pid
# namespace without a user one, cgroup v1 hierarchies, a tty for another user)
# is done.  hack/test runs this directory once, as root.

load ../helpers
load ../runtime-helpers

setup() {
	[ "$(id -u)" = 0 ] || skip "these tests are for the host's root"
	RT=$(dirname "$ENG")/eng-runtime
	B=$BATS_TEST_TMPDIR/bundle
	STATE=$BATS_TEST_TMPDIR/state
	mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/dev" "$B/rootfs/sys" "$B/rootfs/tmp" "$B/rootfs/mnt"
	cp /bin/busybox "$B/rootfs/bin/busybox"
	cp "$ENG_TEST_INIT" "$B/rootfs/init"
	local a
	for a in sh id cat echo sleep ls grep true stat tty touch; do
		ln -s busybox "$B/rootfs/bin/$a"
	done
	(cd "$B" && "$RT" spec)
	edit '.process.terminal = false | .root.readonly = false'
	host_state_before=$(host_state)
}

teardown() {
	[ "$(id -u)" = 0 ] || return 0
	# should a test have damaged the host, it is mended for the rest of the machine
	if [ ! -c /dev/ptmx ]; then
		rm -f /dev/ptmx
		mknod -m 0666 /dev/ptmx c 5 2
	fi
	"$RT" --root "$STATE" delete -f r1 >/dev/null 2>&1 || true
}

# what a container must not change: /dev's entries, the sysctls specs name,
# the mount points of this (the host's) mount namespace
host_state() {
	ls -lA --time-style=+ /dev | grep -v '^total'
	stat -c '%n %F %t:%T %a' /dev/ptmx
	cat /proc/sys/fs/mqueue/queues_max /proc/sys/net/ipv4/ping_group_range \
		/proc/sys/kernel/domainname /proc/sys/vm/swappiness
	awk '{print $5}' /proc/self/mountinfo | sort
}

assert_host_unchanged() {
	local now
	now=$(host_state)
	[ "$now" = "$host_state_before" ] ||
		fail "the host changed: $(diff <(echo "$host_state_before") <(echo "$now"))"
}

@test "eng-runtime as root: a bind of the host's /dev gets no devices, links or ptmx" {
	edit '.mounts += [{"destination": "/dev", "type": "bind", "source": "/dev", "options": ["rbind"]}]'
	set_args sh -c 'test -c /dev/ptmx && test -c /dev/null && echo host-dev'
	run rt run --bundle "$B" r1
	assert_status 0
	assert_equal "$output" host-dev
	assert_host_unchanged
	# and without a devpts of its own: the host's, through the bind
	edit '.mounts |= map(select(.destination != "/dev/pts"))'
	run rt run --bundle "$B" r1
	assert_status 0
	assert_host_unchanged
}

@test "eng-runtime as root: sysctls of namespaces the container lacks are refused; the host keeps its values" {
	edit '.linux.namespaces |= map(select(.type != "ipc")) | .linux.sysctl = {"fs.mqueue.queues_max": "100"}'
	set_args true
	run rt run --bundle "$B" r1
	assert_status 1
	assert_contains "$output" "needs an IPC namespace"
	edit '.linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ping_group_range": "0 0"}'
	run rt run --bundle "$B" r1
	assert_status 1
	assert_contains "$output" "needs a network namespace"
	# a network namespace joined by path that is the host's own is no namespace of its own
	edit '.linux.namespaces += [{"type": "network", "path": "/proc/self/ns/net"}]'
	run rt run --bundle "$B" r1
	assert_status 1
	assert_contains "$output" "needs a network namespace"
	edit '.linux.namespaces |= map(select(.type != "uts")) | .linux.sysctl = {"kernel.domainname": "x"}'
	run rt run --bundle "$B" r1
	assert_status 1
	edit '.linux.sysctl = {"vm.swappiness": "1"}'
	run rt run --bundle "$B" r1
	assert_status 1
	edit 'del(.linux.sysctl) | .domainname = "x"'
	run rt run --bundle "$B" r1
	assert_status 1
	assert_contains "$output" "needs a new UTS namespace"
	assert_host_unchanged
	# in namespaces of its own they are written there
	edit 'del(.domainname) | .linux.namespaces += [{"type": "ipc"}, {"type": "network"}, {"type": "uts"}] | .linux.namespaces |= map(select(.path == null)) | .linux.sysctl = {"fs.mqueue.queues_max": "100", "net.ipv4.ping_group_range": "0 0", "kernel.domainname": "eng.test"}'
	set_args cat /proc/sys/fs/mqueue/queues_max /proc/sys/kernel/domainname
	run rt run --bundle "$B" r1
	assert_status 0
	assert_equal "$output" $'100\neng.test'
	assert_host_unchanged
}

@test "eng-runtime as root: linux.devices are made; a negative oomScoreAdj; the tty belongs to the process's user" {
	# lowering it needs CAP_SYS_RESOURCE, which some sandboxes' root lacks
	local adj=-500
	(echo -1 >/proc/self/oom_score_adj) 2>/dev/null || adj=500
	edit '.linux.devices = [{"path": "/dev/eng-null", "type": "c", "major": 1, "minor": 3, "fileMode": 416, "uid": 1000, "gid": 5}, {"path": "/dev/sub/fifo", "type": "p"}] | .process.oomScoreAdj = ($a | tonumber)' \
		--arg a "$adj"
	set_args sh -c 'stat -c "%F %t:%T %a %u:%g" /dev/eng-null; stat -c %F /dev/sub/fifo; cat /proc/self/oom_score_adj'
	run rt run --bundle "$B" r1
	assert_status 0
	assert_equal "$output" "character special file 1:3 640 1000:5
fifo
$adj"
	[ ! -e /dev/eng-null ] || fail "made on the host"
	# in a user namespace, where no node can be made: made by the runtime on a
	# tmpfs of its own, owned by the host's ids of the container's, and bound
	edit '.linux.namespaces += [{"type": "user"}] |
		.linux.uidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}] |
		.linux.devices[0].path = "/dev/eng-userns-null" | .linux.devices[0].fileMode = 438 |
		del(.process.oomScoreAdj) | .root.readonly = false'
	set_args sh -c 'stat -c "%F %t:%T %a %u:%g" /dev/eng-userns-null; echo x >/dev/eng-userns-null && echo writes'
	# a bundle the namespace's root can reach (the test's own directory is 0700)
	local ub
	ub=$(mktemp -d /var/tmp/eng-userns.XXXXXX)
	chmod 0755 "$ub"
	cp -a "$B/." "$ub/"
	chown -R 300000:300000 "$ub/rootfs"
	run rt run --bundle "$ub" r1
	rm -rf "$ub"
	assert_status 0
	assert_equal "$output" "character special file 1:3 666 1000:5
writes"
	[ ! -e /dev/eng-userns-null ] || fail "made on the host"
	edit '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings) |
		.linux.devices[0].path = "/dev/eng-null" | .linux.devices[0].fileMode = 416'
	# a device in a /dev that is a bind of the host's is refused, not made on the host
	edit '.mounts += [{"destination": "/dev", "type": "bind", "source": "/dev", "options": ["rbind"]}]'
	run rt run --bundle "$B" r1
	assert_status 1
	assert_contains "$output" "a /dev the runtime did not mount"
	[ ! -e /dev/eng-null ] || fail "made on the host"
	set_args sh -c 'stat -c %u "$(tty)"'
	edit 'del(.mounts[-1]) | del(.linux.devices) | del(.process.oomScoreAdj) | .process.terminal = true | .process.user = {"uid": 1000, "gid": 1000}'
	run rt run --bundle "$B" r1
	assert_status 0
	assert_equal "$(tr -d '\r' <<<"$output")" 1000
	assert_host_unchanged
}

@test "eng-runtime as root: a pid namespace joined by path, without a user namespace" {
	set_args sleep 100
	rt create --bundle "$B" r1 </dev/null >/dev/null 2>&1 || fail "create failed"
	rt start r1
	local pid
	pid=$(rt state r1 | jq -r .pid)
	edit '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' \
		--arg p "/proc/$pid/ns/pid"
	set_args sh -c 'cat /proc/1/cmdline | tr "\0" " "; readlink /proc/self/ns/pid'
	run rt run --bundle "$B" r2
	assert_status 0
	assert_equal "$(sed -n 1p <<<"$output")" "sleep 100 $(readlink /proc/"$pid"/ns/pid)"
	rt delete -f r1
}

@test "eng-runtime as root: no namespaces at all: created waits, start runs it in the host's" {
	# no mount namespace: no /proc of its own in the root, where the process
	# waits for start (runtime-tools' linux_ns_itype)
	edit '.linux.namespaces = [] | .mounts = [] | del(.hostname)'
	set_args sh -c 'readlink /proc/self/ns/mnt /proc/self/ns/pid >/tmp/ns 2>&1 || echo no-proc >/tmp/ns; sleep 100'
	rt create --bundle "$B" r1 </dev/null >/dev/null 2>&1 || fail "create failed"
	run rt state r1
	assert_equal "$(jq -r .status <<<"$output")" created
	[ "$(jq -r .pid <<<"$output")" -gt 0 ] || fail "no pid: $output"
	run rt start r1
	assert_status 0
	local i
	for i in $(seq 50); do [ -s "$B/rootfs/tmp/ns" ] && break; sleep 0.1; done
	assert_equal "$(cat "$B/rootfs/tmp/ns")" "no-proc"
	[ "$(readlink "/proc/$(rt state r1 | jq -r .pid)/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ] ||
		fail "not in the host's mount namespace"
	rt delete -f r1
	assert_host_unchanged
}

@test "eng-runtime as root: poststart hooks run once the process is executed" {
	# the hook sees the container's program, not eng-runtime on its way there
	cat >"$BATS_TEST_TMPDIR/hook" <<-EOF
		#!/bin/sh
		readlink "/proc/\$(jq .pid)/exe" >"$BATS_TEST_TMPDIR/exe"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/hook"
	# a slow startContainer hook holds the process back after start has told it to go
	edit '.hooks = {"poststart": [{"path": $h}],
		"startContainer": [{"path": "/bin/sleep", "args": ["sleep", "1"]}]}' \
		--arg h "$BATS_TEST_TMPDIR/hook"
	set_args sleep 100
	local n
	for n in 1 2; do
		rt create --bundle "$B" r1 </dev/null >/dev/null 2>&1 || fail "create failed"
		rt start r1
		assert_equal "$(cat "$BATS_TEST_TMPDIR/exe")" /bin/busybox
		rt delete -f r1
	done
}

@test "eng-runtime as root: resource limits in a cgroup v1 hierarchy on a hybrid machine" {
	[ "$(stat -fc %T /sys/fs/cgroup/memory 2>/dev/null)" = cgroupfs ] ||
		skip "no cgroup v1 memory hierarchy here"
	# beneath the cgroup this test runs in, so nothing escapes its limits
	local own path
	own=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
	path=${own%/}/eng-test-$$
	edit '.linux.cgroupsPath = $p | .linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 50}}' \
		--arg p "$path"
	set_args sleep 100
	rt create --bundle "$B" r1 </dev/null >/dev/null 2>&1 || fail "create failed: $(rt create --bundle "$B" r1 2>&1 </dev/null)"
	local pid
	pid=$(rt state r1 | jq -r .pid)
	assert_equal "$(cat "/sys/fs/cgroup/memory$path/memory.limit_in_bytes")" 67108864
	assert_contains "$(cat /proc/"$pid"/cgroup)" "memory:$path"
	if [ "$(stat -fc %T /sys/fs/cgroup/pids 2>/dev/null)" = cgroupfs ]; then
		assert_equal "$(cat "/sys/fs/cgroup/pids$path/pids.max")" 50
		assert_contains "$(cat /proc/"$pid"/cgroup)" "pids:$path"
	fi
	# exec joins it too (seen from here: inside, its cgroup namespace shows /)
	rt exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" r1 sleep 100
	assert_contains "$(cat /proc/"$(cat "$BATS_TEST_TMPDIR/exec.pid")"/cgroup)" "memory:$path"
	rt start r1
	rt delete -f r1
	[ ! -e "/sys/fs/cgroup/memory$path" ] || fail "the cgroup stayed"
	[ ! -e "/sys/fs/cgroup/pids$path" ] || fail "the pids cgroup stayed"
	# the parents made on the way, in the other hierarchies
	local d
	for d in /sys/fs/cgroup/pids /sys/fs/cgroup/unified; do
		local p=${path%/*}
		while [ -n "$p" ] && [ "$p" != "${own%/}" ] && rmdir "$d$p" 2>/dev/null; do p=${p%/*}; done
	done
}

@test "eng-runtime as root: cpu shares and a cpuset in cgroup v1 hierarchies on a hybrid machine" {
	[ "$(stat -fc %T /sys/fs/cgroup/cpuset 2>/dev/null)" = cgroupfs ] &&
		[ "$(stat -fc %T /sys/fs/cgroup/cpu 2>/dev/null)" = cgroupfs ] ||
		skip "no cgroup v1 cpu and cpuset hierarchies here"
	local path=/eng-test-cpu-$$/c1 mems
	mems=$(cat /sys/fs/cgroup/cpuset/cpuset.mems)
	# a new v1 cpuset has no CPUs and no nodes: the runtime fills the parent it makes
	edit '.linux.cgroupsPath = $p | .linux.resources = {"cpu": {"shares": 512, "cpus": "0"}}' \
		--arg p "$path"
	set_args sleep 100
	rt create --bundle "$B" r1 </dev/null >/dev/null 2>&1 || fail "create failed: $(rt create --bundle "$B" r1 2>&1 </dev/null)"
	local pid
	pid=$(rt state r1 | jq -r .pid)
	assert_equal "$(cat "/sys/fs/cgroup/cpu$path/cpu.shares")" 512
	assert_equal "$(cat "/sys/fs/cgroup/cpuset$path/cpuset.cpus")" 0
	assert_equal "$(cat "/sys/fs/cgroup/cpuset$path/cpuset.mems")" "$mems"
	assert_equal "$(cat "/sys/fs/cgroup/cpuset${path%/*}/cpuset.mems")" "$mems"
	assert_contains "$(cat /proc/"$pid"/cgroup)" "cpuset:$path"
	rt delete -f r1
	[ ! -e "/sys/fs/cgroup/cpuset$path" ] || fail "the cpuset cgroup stayed"
	# the parent made on the way, in every hierarchy
	local d
	for d in /sys/fs/cgroup/*"${path%/*}"; do rmdir "$d" 2>/dev/null || true; done
	[ -z "$(ls -d /sys/fs/cgroup/*"${path%/*}" 2>/dev/null)" ] || fail "parents stayed"
}

@test "eng-runtime as root: the cgroup is made in every v1 hierarchy; devices, hugetlb, memory and blkio limits" {
	[ "$(stat -fc %T /sys/fs/cgroup/devices 2>/dev/null)" = cgroupfs ] ||
		skip "no cgroup v1 devices hierarchy here"
	local path=/eng-test-dev-$$ pid h hs=() huge=''
	for h in /sys/fs/cgroup/*; do
		[ ! -L "$h" ] && [ "$(stat -fc %T "$h")" = cgroupfs ] && hs+=("$h")
	done
	# a huge page size the machine has, for a limit on it
	[ -e /sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes ] && huge=2MB
	edit '.linux.cgroupsPath = $p | .linux.resources.devices = [
		{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"},
		{"allow": true, "type": "b", "major": 7, "access": "r"}]' --arg p "$path"
	[ -z "$huge" ] || edit '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	# memory's other limits, and a read throttle on the machine's first disk
	local disk
	disk=$(cat "$(ls -d /sys/block/*/dev | head -n 1)")
	edit '.linux.resources.memory = {"reservation": 33554432, "swappiness": 20} |
		.linux.resources.blockIO = {"throttleReadBpsDevice": [{"major": ($d | split(":")[0] | tonumber),
			"minor": ($d | split(":")[1] | tonumber), "rate": 1048576}]}' --arg d "$disk"
	set_args sleep 100
	rt create --bundle "$B" r1 </dev/null >/dev/null 2>&1 || fail "create failed: $(rt create --bundle "$B" r1 2>&1 </dev/null)"
	pid=$(rt state r1 | jq -r .pid)
	for h in "${hs[@]}"; do
		[ -d "$h$path" ] || fail "no cgroup in $h"
		grep -qx "$pid" "$h$path/cgroup.procs" || fail "the process is not in $h$path"
	done
	# the spec's rules, then the devices every container gets (runc's)
	run cat "/sys/fs/cgroup/devices$path/devices.list"
	assert_contains "$output" "c 1:3 rw"
	assert_contains "$output" "b 7:* r"
	assert_contains "$output" "c 136:* rwm"
	assert_not_contains "$output" "a *:* rwm"
	[ -z "$huge" ] || assert_equal "$(cat "/sys/fs/cgroup/hugetlb$path/hugetlb.2MB.limit_in_bytes")" 4194304
	assert_equal "$(cat "/sys/fs/cgroup/memory$path/memory.soft_limit_in_bytes")" 33554432
	assert_equal "$(cat "/sys/fs/cgroup/memory$path/memory.swappiness")" 20
	if [ -e "/sys/fs/cgroup/blkio$path/blkio.throttle.read_bps_device" ]; then
		assert_equal "$(cat "/sys/fs/cgroup/blkio$path/blkio.throttle.read_bps_device")" "$disk 1048576"
	fi
	# a page size the machine lacks is refused, and nothing stays
	rt delete -f r1
	edit '.linux.resources.hugepageLimits = [{"pageSize": "3MB", "limit": 4194304}]'
	run rt create --bundle "$B" r1 </dev/null
	assert_status 1
	assert_contains "$output" "no huge pages of 3MB"
	for h in "${hs[@]}"; do
		[ ! -e "$h$path" ] || fail "the cgroup stayed in $h"
	done
	assert_host_unchanged
}

@test "eng-runtime as root: pause, resume, update and events on a hybrid machine's cgroups" {
	[ "$(stat -fc %T /sys/fs/cgroup/memory 2>/dev/null)" = cgroupfs ] ||
		skip "no cgroup v1 memory hierarchy here"
	local own path pid v2=/sys/fs/cgroup/unified
	[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || v2=/sys/fs/cgroup
	own=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
	path=${own%/}/eng-test-pause-$$
	edit '.linux.cgroupsPath = $p' --arg p "$path"
	set_args sleep 100
	rt run -d --bundle "$B" r1 </dev/null >/dev/null 2>&1 || fail "run -d failed: $(rt run -d --bundle "$B" r1 2>&1 </dev/null)"
	pid=$(rt state r1 | jq -r .pid)
	# the freezer is cgroup v2's, in the container's v2 cgroup
	rt pause r1
	assert_equal "$(rt state r1 | jq -r .status)" paused
	assert_equal "$(cat "$v2$path/cgroup.freeze")" 1
	rt resume r1
	assert_equal "$(rt state r1 | jq -r .status)" running
	# a limit new to it: written to the v1 cgroup create made for it, which it is in
	run rt update --memory 64m r1
	assert_status 0
	assert_equal "$(cat "/sys/fs/cgroup/memory$path/memory.limit_in_bytes")" 67108864
	assert_contains "$(cat /proc/"$pid"/cgroup)" "memory:$path"
	echo '{"memory": {"limit": 33554432}}' | rt update --resources - r1
	assert_equal "$(cat "/sys/fs/cgroup/memory$path/memory.limit_in_bytes")" 33554432
	assert_equal "$(jq .linux.resources.memory.limit "$STATE/r1/config.json")" 33554432
	run rt update --memory-reservation 16m r1
	assert_status 0
	assert_equal "$(cat "/sys/fs/cgroup/memory$path/memory.soft_limit_in_bytes")" 16777216
	run rt update --l3-cache-schema L3:0=f r1
	assert_status 1
	assert_contains "$output" "no Intel RDT"
	run rt events --stats r1
	assert_status 0
	assert_equal "$(json .data.memory.usage.limit)" 33554432
	rt pause r1
	rt delete -f r1
	[ ! -e "/sys/fs/cgroup/memory$path" ] || fail "the memory cgroup stayed"
	[ ! -e "$v2$path" ] || fail "the v2 cgroup stayed"
	assert_host_unchanged
}

@test "eng-runtime as root: /sys/fs/cgroup shows the container's own v1 cgroups, as with runc" {
	[ "$(stat -fc %T /sys/fs/cgroup/pids 2>/dev/null)" = cgroupfs ] ||
		skip "no cgroup v1 pids hierarchy here"
	local path=/eng-test-mnt-$$ h
	edit '.linux.cgroupsPath = $p | .linux.resources = {"pids": {"limit": 50}}' --arg p "$path"
	set_args sh -c 'cat /sys/fs/cgroup/pids/pids.max; ls /sys/fs/cgroup; touch /sys/fs/cgroup/x 2>/dev/null || echo ro'
	# in a cgroup namespace of its own: each hierarchy mounted, rooted at its cgroup
	run rt run --bundle "$B" r1
	assert_status 0
	assert_equal "$(sed -n 1p <<<"$output")" 50
	for h in /sys/fs/cgroup/*; do
		[ ! -L "$h" ] && [ "$(stat -fc %T "$h")" != tmpfs ] || continue
		assert_contains "$output" "$(basename "$h")"
	done
	assert_equal "$(tail -n 1 <<<"$output")" ro
	# without one: its cgroup directories bound
	edit '.linux.namespaces |= map(select(.type != "cgroup"))'
	run rt run --bundle "$B" r1
	assert_status 0
	assert_equal "$(sed -n 1p <<<"$output")" 50
	assert_host_unchanged
	for h in /sys/fs/cgroup/*; do
		[ ! -e "$h$path" ] || fail "the cgroup stayed in $h"
	done
}

@test "eng-runtime as root: rro makes a bind and its submounts read-only; the host's mounts stay" {
	local src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src/sub"
	edit '.mounts += [{"destination": "/mnt", "type": "bind", "source": $s, "options": ["rbind", "rro"]}]' \
		--arg s "$src"
	set_args sh -c 'touch /mnt/a 2>/dev/null && echo top-rw; touch /mnt/sub/b 2>/dev/null && echo sub-rw; echo done'
	# the submount is made in a mount namespace of the test's own
	run unshare -m --propagation private sh -c "mount -t tmpfs tmpfs '$src/sub' && \"$RT\" --root '$STATE' run --bundle '$B' r1"
	assert_status 0
	assert_equal "$output" done
	# ro alone leaves the submount writable, as the kernel's bind does
	edit '.mounts[-1].options = ["rbind", "ro"]'
	run unshare -m --propagation private sh -c "mount -t tmpfs tmpfs '$src/sub' && \"$RT\" --root '$STATE' run --bundle '$B' r1"
	assert_status 0
	assert_equal "$output" $'sub-rw\ndone'
	assert_host_unchanged
}
