#!/usr/bin/env bats
# eng-runtime: the OCI runtime command line, on bundles made by itself and by crun.

load helpers
load runtime-helpers

setup() {
	RT=$(dirname "$ENG")/eng-runtime
	B=$BATS_TEST_TMPDIR/bundle
	STATE=$BATS_TEST_TMPDIR/state
	mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/dev" "$B/rootfs/sys" "$B/rootfs/tmp"
	cp /bin/busybox "$B/rootfs/bin/busybox"
	local a
	for a in sh id cat echo sleep hostname ls grep true env stat tty; do
		ln -s busybox "$B/rootfs/bin/$a"
	done
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
	# create fails for it too, before start (runc and crun), and leaves nothing
	run -127 rt create --bundle "$B" c4 </dev/null
	assert_contains "$output" "'no-such-command' not found"
	assert_equal "$(ls -A "$STATE" | grep -v '^\.')" "" "state left"
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

@test "eng-runtime: a /dev bound over its own is left as it is (no devices, links or ptmx made through it)" {
	(cd "$B" && "$RT" spec --rootless)
	local fake=$BATS_TEST_TMPDIR/hostdev
	mkdir "$fake"
	echo keep >"$fake/keep"
	# crun's tests add a bind of the host's /dev after the spec's own tmpfs
	# (masking binds /dev/null, which this one lacks: nothing is masked)
	edit '.mounts += [{"destination": "/dev", "type": "bind", "source": $s, "options": ["rbind"]}] | .linux.maskedPaths = []' \
		--arg s "$fake"
	set_args sh -c 'ls -A /dev'
	run rt run --bundle "$B" d1
	assert_status 0
	assert_equal "$output" keep
	assert_equal "$(ls -A "$fake")" keep "what the bound directory holds"
	# the host's own /dev, bound the same way: its entries and /dev/ptmx unchanged
	local before after
	before=$(ls -lA --time-style=+ /dev | grep -v ' pts$\| shm$\| mqueue$'; stat -c '%F %t:%T %a' /dev/ptmx)
	edit '.mounts[-1].source = "/dev"'
	set_args sh -c 'test -c /dev/ptmx && echo ptmx'
	run rt run --bundle "$B" d2
	assert_status 0
	assert_equal "$output" ptmx
	after=$(ls -lA --time-style=+ /dev | grep -v ' pts$\| shm$\| mqueue$'; stat -c '%F %t:%T %a' /dev/ptmx)
	assert_equal "$after" "$before" "the host's /dev"
	# without the bind the container's /dev is its own tmpfs, with the default devices
	edit 'del(.mounts[-1])'
	set_args sh -c 'ls -A /dev | tr "\n" " "; test -L /dev/ptmx && echo link'
	run rt run --bundle "$B" d3
	assert_status 0
	assert_contains "$output" "null"
	assert_contains "$output" "stdin"
	assert_contains "$output" "link"
}

@test "eng-runtime: a sysctl of a namespace the container does not have is refused, not written to the host's" {
	(cd "$B" && "$RT" spec --rootless)
	local queues
	queues=$(cat /proc/sys/fs/mqueue/queues_max)
	edit '.linux.namespaces |= map(select(.type != "ipc")) | .linux.sysctl = {"fs.mqueue.queues_max": "7"}'
	set_args true
	run rt run --bundle "$B" s1
	assert_status 1
	assert_contains "$output" "sysctl 'fs.mqueue.queues_max' needs an IPC namespace of the container's own"
	assert_equal "$(cat /proc/sys/fs/mqueue/queues_max)" "$queues"
	# the rootless spec has no network namespace of its own
	edit '.linux.namespaces += [{"type": "ipc"}] | .linux.sysctl = {"net.ipv4.ping_group_range": "0 0"}'
	run rt run --bundle "$B" s2
	assert_status 1
	assert_contains "$output" "needs a network namespace of the container's own"
	edit '.linux.sysctl = {"vm.swappiness": "1"}'
	run rt run --bundle "$B" s3
	assert_status 1
	assert_contains "$output" "sysctl 'vm.swappiness' belongs to no namespace"
	edit '.linux.namespaces |= map(select(.type != "uts")) | .linux.sysctl = {"kernel.domainname": "x"}'
	run rt run --bundle "$B" s4
	assert_status 1
	assert_contains "$output" "needs a UTS namespace"
	# with the namespace of its own the value is the container's (kernel.domainname
	# is the host root's to write even then: the domainname field sets it, below)
	edit '.linux.namespaces += [{"type": "network"}] | .linux.sysctl = {"net.ipv4.ping_group_range": "0 0"}'
	set_args cat /proc/sys/net/ipv4/ping_group_range
	run rt run --bundle "$B" s5
	assert_status 0
	assert_equal "$(tr -s ' \t' '  ' <<<"$output")" '0 0'
}

@test "eng-runtime: domainname is set in the container's UTS namespace, refused without one" {
	(cd "$B" && "$RT" spec --rootless)
	local host
	host=$(cat /proc/sys/kernel/domainname)
	edit '.domainname = "eng.example"'
	set_args cat /proc/sys/kernel/domainname
	run rt run --bundle "$B" n1
	assert_status 0
	assert_equal "$output" eng.example
	edit '.linux.namespaces |= map(select(.type != "uts"))'
	run rt run --bundle "$B" n2
	assert_status 1
	assert_contains "$output" "the domain name 'eng.example' needs a new UTS namespace"
	assert_equal "$(cat /proc/sys/kernel/domainname)" "$host"
}

@test "eng-runtime: as root of 'unshare -r' the state goes to \$XDG_RUNTIME_DIR, not root's /run" {
	command -v unshare >/dev/null || skip "no unshare"
	[ "$(id -u)" != 0 ] || skip "the host's root uses /run/eng-runtime"
	local xdg=$BATS_TEST_TMPDIR/xdg
	mkdir -m 0700 "$xdg"
	# made inside: the spec maps the caller, root there
	(cd "$B" && unshare -r "$RT" spec --rootless)
	set_args sleep 100
	XDG_RUNTIME_DIR=$xdg unshare -r "$RT" create --bundle "$B" u1 </dev/null >/dev/null 2>&1 ||
		fail "create failed: $(XDG_RUNTIME_DIR=$xdg unshare -r "$RT" create --bundle "$B" u1 2>&1 </dev/null)"
	[ -d "$xdg/eng-runtime/u1" ] || fail "no state in $xdg: $(ls -R "$xdg")"
	XDG_RUNTIME_DIR=$xdg run unshare -r "$RT" list -q
	assert_equal "$output" u1
	XDG_RUNTIME_DIR=$xdg run unshare -r "$RT" delete -f u1
	assert_status 0
	assert_equal "$(ls -A "$xdg/eng-runtime")" ""
}

@test "eng-runtime: a seccomp rule with two conditions on one argument matches either" {
	(cd "$B" && "$RT" spec --rootless)
	cp "$ENG_TEST_INIT" "$B/rootfs/init"
	edit '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}]}]}'
	set_args sh -c '/init syscall personality 8; /init syscall personality 10; /init syscall personality ffffffff'
	run rt run --bundle "$B" p1
	assert_status 0
	assert_equal "$output" $'ENOSYS\nENOSYS\nok'
}

@test "eng-runtime: oomScoreAdj, HOME from the container's passwd, LISTEN_PID with LISTEN_FDS" {
	(cd "$B" && "$RT" spec --rootless)
	mkdir -p "$B/rootfs/etc"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$B/rootfs/etc/passwd"
	edit '.process.oomScoreAdj = 500 | .process.env = ["PATH=/bin"]'
	set_args sh -c 'cat /proc/self/oom_score_adj; echo "$HOME"'
	run rt run --bundle "$B" o1
	assert_status 0
	assert_equal "$output" $'500\n/root'
	# a HOME of the spec's own stays
	edit '.process.env += ["HOME=/srv"]'
	set_args sh -c 'echo "$HOME"'
	run rt run --bundle "$B" o2
	assert_equal "$output" /srv
	# a FIFO for /etc/passwd does not hang the start: HOME is /
	rm "$B/rootfs/etc/passwd"
	mkfifo "$B/rootfs/etc/passwd"
	edit '.process.env = ["PATH=/bin"]'
	run timeout 20 "$RT" --root "$STATE" run --bundle "$B" o3
	assert_status 0
	assert_equal "$output" /
	# socket activation: LISTEN_FDS fds are kept and LISTEN_PID is the process
	set_args sh -c 'echo "$LISTEN_PID"; test -e /proc/self/fd/3 && echo fd3'
	LISTEN_FDS=1 run rt run --bundle "$B" o4 3</dev/null
	assert_status 0
	assert_equal "$output" $'1\nfd3'
	edit '.process.oomScoreAdj = 2000'
	run rt run --bundle "$B" o5
	assert_status 1
	assert_contains "$output" "process.oomScoreAdj"
}

@test "eng-runtime: every kind of hook runs in its place with the container's id, bundle and status" {
	(cd "$B" && "$RT" spec --rootless)
	local log=$BATS_TEST_TMPDIR/hooks.log bundle
	bundle=$(cd "$B" && pwd -P)
	cat >"$BATS_TEST_TMPDIR/hook" <<-EOF
		#!/bin/sh
		printf '%s ' "\$1" >>$log
		jq -c '[.id, .status, .bundle, (.pid > 0)]' >>$log
	EOF
	chmod +x "$BATS_TEST_TMPDIR/hook"
	# startContainer runs in the container: its path is the container's
	printf '#!/bin/sh\necho start "$1" >/tmp/started\n' >"$B/rootfs/hook"
	chmod +x "$B/rootfs/hook"
	edit '.root.readonly = false | .hooks = {
		"createRuntime": [{"path": $h, "args": ["hook", "createRuntime"]}],
		"createContainer": [{"path": $h, "args": ["hook", "createContainer"]}],
		"startContainer": [{"path": "/hook", "args": ["hook", "startContainer"]}],
		"poststart": [{"path": $h, "args": ["hook", "poststart"]}],
		"poststop": [{"path": $h, "args": ["hook", "poststop"]}]}' --arg h "$BATS_TEST_TMPDIR/hook"
	set_args sleep 100
	rt create --bundle "$B" h1 </dev/null >/dev/null 2>&1 || fail "create failed"
	# createRuntime (and prestart) see "created", as crun gives it (runtime-tools' hooks_stdin)
	assert_equal "$(cat "$log")" "createRuntime [\"h1\",\"created\",\"$bundle\",true]
createContainer [\"h1\",\"created\",\"$bundle\",true]"
	[ ! -e "$B/rootfs/tmp/started" ] || fail "startContainer ran before start"
	run rt start h1
	assert_status 0
	assert_equal "$(cat "$B/rootfs/tmp/started")" "start startContainer"
	assert_equal "$(tail -n 1 "$log")" "poststart [\"h1\",\"running\",\"$bundle\",true]"
	rt kill h1 KILL
	run rt delete -f h1
	assert_status 0
	assert_equal "$(tail -n 1 "$log")" "poststop [\"h1\",\"stopped\",\"$bundle\",false]"
	# a poststart hook that fails is a warning; a createContainer one fails the create
	edit '.hooks.poststart[0].path = "/bin/false" | .hooks.startContainer = []'
	set_args true
	run rt run --bundle "$B" h2
	assert_status 0
	assert_contains "$output" "poststart hook"
	edit '.hooks.createContainer[0].path = "/bin/false"'
	run rt run --bundle "$B" h3
	assert_status 1
	assert_contains "$output" "createContainer hook"
	assert_equal "$(ls -A "$STATE" | grep -v '^\.')" "" "state left"
}

@test "eng-runtime: exec --cap adds to an empty capabilities object; exec --env replaces" {
	(cd "$B" && "$RT" spec --rootless)
	cp "$ENG_TEST_INIT" "$B/rootfs/init"
	edit '.process.capabilities = {}'
	set_args sleep 100
	rt create --bundle "$B" x1 </dev/null >/dev/null 2>&1
	rt start x1
	run rt exec x1 /init status CapEff
	assert_status 0
	assert_contains "$output" "0000000000000000"
	run rt exec --cap CAP_NET_BIND_SERVICE x1 /init status CapEff
	assert_status 0
	assert_contains "$output" "0000000000000400"
	# one it does not know is left out with a warning (crun)
	run rt exec --cap CAP_NO_SUCH x1 /init status CapEff
	assert_status 0
	assert_contains "$output" "unknown capability 'CAP_NO_SUCH'"
	assert_contains "$output" "0000000000000000"
	# --env replaces what the container's environment has of that name
	run rt exec --env PATH=/bin:/other --env NEW=1 x1 sh -c 'echo $PATH $NEW; env | grep -c ^PATH='
	assert_status 0
	assert_equal "$output" $'/bin:/other 1\n1'
	rt delete -f x1
}

@test "eng-runtime: ps and kill --all see every process of the container; list has runc's columns" {
	(cd "$B" && "$RT" spec --rootless)
	set_args sh -c 'sleep 300 & sleep 301 & wait'
	rt run -d --bundle "$B" p1 </dev/null >/dev/null 2>&1 || fail "run -d: $(rt run -d --bundle "$B" p1 2>&1 </dev/null)"
	local pid
	pid=$(rt state p1 | jq -r .pid)
	# no cgroup here: the processes of its pid namespace
	for _ in $(seq 50); do
		[ "$(rt ps --format json p1 | jq length)" = 3 ] && break
		sleep 0.1
	done
	run rt ps --format json p1
	assert_status 0
	assert_equal "$(json length)" 3
	assert_equal "$(json ".[] | select(. == $pid)")" "$pid"
	run rt ps p1
	assert_status 0
	assert_contains "$(sed -n 1p <<<"$output")" PID
	assert_equal "$(grep -cE ' sleep 30[01]$' <<<"$output")" 2
	assert_not_contains "$output" "rt ps"
	# ps's own arguments after the id
	run rt ps p1 -- -o pid,args
	assert_status 0
	assert_equal "$(sed -n 1p <<<"$output" | awk '{print $1, $2}')" "PID COMMAND"
	assert_equal "$(wc -l <<<"$output")" 4
	run rt ps --format yaml p1
	assert_status 1
	assert_contains "$output" "not a format of ps"
	run rt list
	assert_status 0
	assert_equal "$(sed -n 1p <<<"$output" | tr -s ' ')" "ID PID STATUS BUNDLE CREATED OWNER"
	assert_equal "$(sed -n 2p <<<"$output" | awk '{print $1, $2, $3, $6}')" "p1 $pid running $(id -un)"
	run rt list --format json
	assert_equal "$(json '.[0] | [.id, .status, .owner, (.rootfs | endswith("/rootfs"))] | join(" ")')" "p1 running $(id -un) true"
	# pausing needs the cgroup this container lacks
	run rt pause p1
	assert_status 1
	assert_contains "$output" "has no cgroup of its own"
	run rt update --pids-limit 10 p1
	assert_status 1
	assert_contains "$output" "has no cgroup of its own"
	run rt events --stats p1
	assert_status 1
	assert_contains "$output" "has no cgroup of its own"
	# every process gets the signal, not only the first
	run rt kill --all p1 KILL
	assert_status 0
	for _ in $(seq 50); do
		[ "$(rt state p1 | jq -r .status)" = stopped ] && break
		sleep 0.1
	done
	assert_equal "$(rt state p1 | jq -r .status)" stopped
	run rt ps p1
	assert_status 1
	assert_contains "$output" "is not running"
	rt delete p1
	run rt list --format json
	assert_equal "$output" null
}

@test "eng-runtime: features lists what it supports; --log-format json and text" {
	run "$RT" features
	assert_status 0
	assert_equal "$(json '.linux.namespaces | sort | join(",")')" "cgroup,ipc,mount,network,pid,user,uts"
	assert_equal "$(json '.hooks | index("createRuntime") != null')" true
	assert_equal "$(json '.mountOptions | index("rro") != null and index("rbind") != null')" true
	assert_equal "$(json '.linux.capabilities | index("CAP_SYS_ADMIN") != null')" true
	assert_equal "$(json '.linux.seccomp.archs | index("SCMP_ARCH_X86_64") != null')" true
	assert_equal "$(json '.linux.seccomp.actions | index("SCMP_ACT_ERRNO") != null')" true
	assert_equal "$(json .linux.cgroup.systemd)" false
	assert_equal "$(json .ociVersionMax)" "$("$RT" --version | sed -n 's/^spec: //p')"
	run "$RT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json no-such-command
	assert_status 1
	assert_equal "$(jq -r .msg "$BATS_TEST_TMPDIR/log.json")" "unknown command 'no-such-command'"
	assert_equal "$(jq -r .level "$BATS_TEST_TMPDIR/log.json")" error
	run "$RT" --log "$BATS_TEST_TMPDIR/log.txt" state nope
	assert_status 1
	assert_contains "$(cat "$BATS_TEST_TMPDIR/log.txt")" "level=error msg=\"container 'nope' does not exist\""
	run "$RT" --log-format xml state nope
	assert_status 1
	assert_contains "$output" "neither text nor json"
}

@test "eng-runtime: delete --regex takes every container whose id matches (crun)" {
	(cd "$B" && "$RT" spec --rootless)
	set_args sleep 100
	local id
	for id in rx-1 rx-2 keep; do
		rt create --bundle "$B" "$id" </dev/null >/dev/null 2>&1 || fail "create $id"
	done
	run rt delete --regex '^rx-'
	assert_status 0
	assert_equal "$(rt list -q)" keep
	run rt delete --regex '('
	assert_status 1
	assert_contains "$output" "is not a regular expression"
	rt delete -f keep
}

@test "eng-runtime: a seccomp listenerPath gets the notify fd and the container's state" {
	(cd "$B" && "$RT" spec --rootless)
	local sock=$BATS_TEST_TMPDIR/listener.sock
	# a listener: the message, and whether a file descriptor came with it
	python3 -c '
import array, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(4096, socket.CMSG_LEN(4))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[:4])
print(msg.decode()); print("fds", len(fds))
' "$sock" >"$BATS_TEST_TMPDIR/got" &
	local lp=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	edit '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $s, "listenerMetadata": "meta-1",
		"syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_NOTIFY"}]}' --arg s "$sock"
	set_args true
	run rt run --bundle "$B" sl1
	assert_status 0
	wait "$lp"
	assert_equal "$(sed -n 2p "$BATS_TEST_TMPDIR/got")" "fds 1"
	output=$(sed -n 1p "$BATS_TEST_TMPDIR/got")
	assert_equal "$(json '[.ociVersion, .fds[0], .metadata, .state.id, .state.status] | join(" ")')" \
		"0.2.0 seccompFd meta-1 sl1 creating"
	# a notify rule with nowhere to send it is refused
	edit 'del(.linux.seccomp.listenerPath)'
	run rt run --bundle "$B" sl2
	assert_status 1
	assert_contains "$output" "SCMP_ACT_NOTIFY needs a listenerPath"
}

@test "eng-runtime: as a plain user, a spec without a user namespace gets one (crun)" {
	[ "$(id -u)" != 0 ] || skip "for a user that is not root"
	(cd "$B" && "$RT" spec)
	# runc's root spec: no user namespace, host mounts a user cannot make
	edit '.linux.namespaces |= map(select(.type != "user" and .type != "network")) |
		.mounts |= map(select(.type != "cgroup" and .type != "sysfs" and .type != "mqueue")) |
		del(.linux.uidMappings, .linux.gidMappings) | .root.readonly = false'
	set_args sh -c 'id -u; cat /proc/self/uid_map'
	run rt run --bundle "$B" u1
	assert_status 0
	assert_equal "$(sed -n 1p <<<"$output")" 0
	assert_equal "$(sed -n 2p <<<"$output" | awk '{print $1, $2, $3}')" "0 $(id -u) 1"
	# exec joins it too
	set_args sleep 100
	rt run -d --bundle "$B" u2 </dev/null >/dev/null 2>&1 || fail "run -d"
	run rt exec u2 id -u
	assert_status 0
	assert_equal "$output" 0
	rt delete -f u2
}
