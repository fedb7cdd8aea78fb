#!/usr/bin/env bats
# eng run: real containers as the unprivileged user.

load helpers

setup() {
	require_busybox
	S=$BATS_TEST_TMPDIR/store
}

# container_dir NAME: the store directory of the container called NAME
container_dir() {
	dirname "$(container_record "$1")"
}

@test "run: the process is root of its user namespace, in its own namespaces" {
	run eng run --rm "$IMG" id
	assert_status 0
	assert_equal "$output" "uid=0(root) gid=0(root)"
	run eng run --rm "$IMG" sh -c 'echo $$; readlink /proc/self/ns/user; readlink /proc/self/ns/mnt'
	assert_status 0
	assert_equal "$(head -1 <<<"$output")" 1 "the pid of the command"
	assert_not_contains "$output" "$(readlink /proc/self/ns/user)"
	assert_not_contains "$output" "$(readlink /proc/self/ns/mnt)"
	# container 0 is the user, 1.. the subordinate range
	run eng run --rm "$IMG" cat /proc/self/uid_map
	assert_equal "$(awk 'NR == 1 { print $1, $2, $3 }' <<<"$output")" "0 $(id -u) 1"
}

@test "run: -u takes ids and names from the container's own passwd and group files" {
	run run_t -u 1000 -- id
	assert_equal "$output" "uid=1000 gid=1000 groups=1001"
	run run_t -u nobody -- id
	assert_equal "$output" "uid=65534 gid=65534 groups="
	run run_t -u tester:nogroup -- id
	assert_equal "$output" "uid=1000 gid=65534 groups=1001"
	run run_t -u 4242 -- id
	assert_equal "$output" "uid=4242 gid=0 groups="
	run eng run --rm -u 1000 "$IMG" sh -c 'echo $HOME'
	assert_equal "$output" /home/tester
	run eng run --rm -u nosuchuser "$IMG" id
	assert_status 125
	assert_contains "$output" "unable to find user nosuchuser: no matching entries in passwd file"
	run eng run --rm -u tester:nosuchgroup "$IMG" id
	assert_status 125
	assert_contains "$output" "unable to find group nosuchgroup"
}

@test "run: -u 4294967295 (-1 to set*id) and ids the container does not map are refused" {
	# set*id(-1) changes nothing: the process would have stayed root
	run eng run --rm -u 4294967295 "$IMG" id -u
	assert_status 125
	assert_contains "$output" "user '4294967295': uid 4294967295 is not a valid id"
	run eng run --rm -u 1000:4294967295 "$IMG" id -g
	assert_status 125
	assert_contains "$output" "gid 4294967295 is not a valid id"
	run eng run --rm -u 4000000000 "$IMG" id -u
	assert_status 125
	assert_contains "$output" "uid 4000000000 is not mapped in the container's user namespace"
	eng run -d --name minus1 "$IMG" sleep 100 >/dev/null
	run eng exec -u 4294967295 minus1 id -u
	assert_status 125
	assert_contains "$output" "is not a valid id"
	eng rm -f minus1 >/dev/null
}

@test "run: file owners of the image are kept (1000 stays 1000)" {
	local L=$ENG_TEST_REGISTRY/eng-test/layers:oci-gzip
	eng pull -q --tls-verify=false "$L" >/dev/null
	run eng run --rm "$L" stat -c '%u:%g %a' /home/tester/owned-by-1000 /srv/nobody-file /usr/bin/suid-prog
	assert_status 0
	assert_equal "$output" $'1000:1000 644\n65534:65534 644\n0:0 4755'
}

@test "run: a file root writes into a volume belongs to the user on the host" {
	mkdir "$BATS_TEST_TMPDIR/vol"
	run eng run --rm -v "$BATS_TEST_TMPDIR/vol:/data" "$IMG" sh -c 'echo hi >/data/f && mkdir /data/d'
	assert_status 0
	assert_equal "$(stat -c %u:%g "$BATS_TEST_TMPDIR/vol/f")" "$(id -u):$(id -g)"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/vol/f")" hi
	# :ro is read-only, and a relative or missing host path is refused
	run eng run --rm -v "$BATS_TEST_TMPDIR/vol:/data:ro" "$IMG" sh -c 'echo x >/data/g'
	assert_status 1
	assert_contains "$output" "Read-only file system"
	run eng run --rm -v "$BATS_TEST_TMPDIR/nope:/data" "$IMG" true
	assert_status 125
	assert_contains "$output" "the host path"
}

@test "run: --read-only refuses writes outside volumes and tmpfs" {
	mkdir "$BATS_TEST_TMPDIR/vol"
	run eng run --rm --read-only -v "$BATS_TEST_TMPDIR/vol:/vol" --tmpfs /scratch "$IMG" sh -c '
		{ echo x >/etc/x; } 2>/dev/null && echo etc-written
		echo x >/tmp/x && echo tmp-ok
		echo x >/scratch/x && echo scratch-ok
		echo x >/vol/x && echo vol-ok'
	assert_status 0
	assert_equal "$output" $'tmp-ok\nscratch-ok\nvol-ok'
	run eng run --rm --read-only --read-only-tmpfs=false "$IMG" sh -c 'echo x >/tmp/x'
	assert_status 1
}

@test "run: exit statuses: the command's, 127 not found, 126 not executable, 125 engine" {
	run eng run --rm "$IMG" sh -c 'exit 42'
	assert_status 42
	run -127 eng run --rm "$IMG" no-such-command
	assert_contains "$output" "'no-such-command' not found"
	run -127 eng run --rm "$IMG" /no/such/file
	assert_contains "$output" "/no/such/file"
	run eng run --rm "$IMG" /etc
	assert_status 126
	assert_contains "$output" "executing '/etc': Permission denied"
	# a signal gives 128 + N (PID 1 cannot be killed from inside: --init)
	run eng run --rm --init "$IMG" sh -c 'kill -9 $$'
	assert_status 137
	run eng run --rm --pull=never "$ENG_TEST_REGISTRY/eng-test/nonexistent" true
	assert_status 125
	run eng run --rm --memory 64m "$IMG" true
	assert_status 125
	assert_contains "$output" "--memory needs a cgroup"
}

@test "run: --init reaps an orphaned zombie and passes the exit status" {
	run run_t --init -- zombie
	assert_status 0
	assert_contains "$output" reaped
	run eng run --rm --init "$IMG" sh -c 'exit 5'
	assert_status 5
	run eng run --rm --init "$IMG" cat /proc/1/cmdline
	assert_contains "$output" "/run/eng-init"
}

@test "run: -t gives a terminal with the size of ours" {
	command -v script >/dev/null || skip "no script(1)"
	run script -qec "stty rows 33 cols 111; $ENG --root $S --runroot $BATS_TEST_TMPDIR/run run --rm -t -v $ENG_TEST_INIT:/t:ro $IMG sh -c '/t isatty 0; /t isatty 1; /t winsize; exit 3'" /dev/null </dev/null
	assert_status 3
	assert_contains "$output" "true"
	assert_contains "$output" "33 111"
	assert_not_contains "$output" "false"
	# without -t stdout and stderr are not terminals, and stay apart
	run --separate-stderr eng run --rm "$IMG" sh -c 'echo out; echo err >&2; [ -t 1 ] || echo no-tty'
	assert_equal "$output" $'out\nno-tty'
	assert_equal "$stderr" err
}

@test "run: -i forwards stdin and its end; without -i stdin is empty" {
	run bash -c "printf 'one\ntwo\n' | $ENG --root $S --runroot $BATS_TEST_TMPDIR/run run --rm -i $IMG sh -c 'cat; echo end'"
	assert_status 0
	assert_equal "$output" $'one\ntwo\nend'
	run bash -c "echo hidden | $ENG --root $S --runroot $BATS_TEST_TMPDIR/run run --rm $IMG cat"
	assert_status 0
	assert_equal "$output" ""
}

@test "run: SIGTERM and SIGUSR1 sent to eng run reach the process" {
	local out=$BATS_TEST_TMPDIR/out pid sig code
	for sig in TERM USR1; do
		code=$([ $sig = TERM ] && echo 7 || echo 9)
		"$ENG" --root "$S" --runroot "$BATS_TEST_TMPDIR/run" run --rm -v "$ENG_TEST_INIT:/t:ro" \
			"$IMG" /t trap "$(kill -l $sig)" "$code" >"$out" 2>&1 &
		pid=$!
		for _ in $(seq 100); do
			grep -q ready "$out" && break
			sleep 0.1
		done
		kill -s $sig $pid
		status=0
		wait $pid || status=$?
		assert_status "$code"
	done
	assert_equal "$(ls "$S/containers")" "" "containers left"
}

# started_pid NAME: the host pid of the running container NAME, once it runs
started_pid() {
	local p
	for _ in $(seq 100); do
		p=$(eng inspect --format '{{.State.Pid}}' "$1" 2>/dev/null) || p=
		[ -n "$p" ] && [ "$p" != 0 ] && echo "$p" && return 0
		sleep 0.1
	done
	fail "container $1 never ran"
}

@test "run: INT or TERM ends a foreground run whose process ignores them; kill -9 takes the container along" {
	local pid cpid
	# sleep as process 1 has no handler: the kernel drops INT and TERM
	"$ENG" --root "$S" --runroot "$BATS_TEST_TMPDIR/run" run --name twice "$IMG" sleep 1000 >/dev/null 2>&1 &
	pid=$!
	cpid=$(started_pid twice)
	kill -TERM $pid
	sleep 0.5
	kill -0 "$cpid" || fail "the container went at the first TERM"
	kill -INT $pid
	status=0
	timeout 20 tail --pid=$pid -f /dev/null || fail "eng run is still there after a second signal"
	wait $pid || status=$?
	assert_status 137
	# one TERM: killed after the grace period (10 s)
	"$ENG" --root "$S" --runroot "$BATS_TEST_TMPDIR/run" run --rm "$IMG" sleep 1000 >/dev/null 2>&1 &
	pid=$!
	sleep 1
	kill -TERM $pid
	timeout 30 tail --pid=$pid -f /dev/null || fail "eng run is still there 30 s after TERM"
	# kill -9 of eng takes the container along, also once it runs as another user
	local u
	for u in 0 1000; do
		"$ENG" --root "$S" --runroot "$BATS_TEST_TMPDIR/run" run --name "k$u" -u $u "$IMG" sleep 1000 >/dev/null 2>&1 &
		pid=$!
		cpid=$(started_pid "k$u")
		slirp=$(pgrep -P $pid -x eng-slirp) || fail "no network helper"
		kill -9 $pid
		for _ in $(seq 100); do
			kill -0 "$cpid" 2>/dev/null || kill -0 "$slirp" 2>/dev/null || break
			sleep 0.1
		done
		! kill -0 "$cpid" 2>/dev/null || fail "the container of uid $u outlived eng run"
		! kill -0 "$slirp" 2>/dev/null || fail "the network helper of uid $u outlived eng run"
		run eng ps -a --filter "name=k$u" --format '{{.Status}}'
		assert_contains "$output" Exited
	done
}

@test "run: --rm leaves nothing behind; without it the container stays" {
	run eng run --rm "$IMG" sh -c 'echo data >/root/file'
	assert_status 0
	assert_equal "$(ls "$S/containers")" "" "containers left"
	assert_equal "$(ls "$S/tmp")" "" "tmp left"
	run eng run --name keep "$IMG" true
	assert_status 0
	[ -f "$(container_dir keep)/container.json" ]
	assert_equal "$(jq -r .state "$(container_dir keep)/container.json")" exited
	# the name is taken now
	run eng run --name keep "$IMG" true
	assert_status 125
	assert_contains "$output" "the container name 'keep' is already in use"
	# and the image cannot go while the container uses it
	run eng rmi "$IMG"
	assert_status 125
	assert_contains "$output" "in use by container"
}

@test "run: capabilities, no_new_privs and seccomp as podman sets them" {
	run run_t -- status CapEff CapBnd NoNewPrivs Seccomp
	assert_status 0
	assert_contains "$output" "CapEff:	00000000800405fb"
	assert_contains "$output" "CapBnd:	00000000800405fb"
	assert_contains "$output" "NoNewPrivs:	0"
	assert_contains "$output" "Seccomp:	2"
	run run_t --cap-drop all --cap-add net_raw,CAP_SYS_TIME --security-opt no-new-privileges -- status CapEff NoNewPrivs
	assert_contains "$output" "CapEff:	0000000002002000"
	assert_contains "$output" "NoNewPrivs:	1"
	# a user other than root keeps only the bounding set
	run run_t -u 1000 -- status CapEff CapBnd
	assert_contains "$output" "CapEff:	0000000000000000"
	assert_contains "$output" "CapBnd:	00000000800405fb"
	# the default profile: ENOSYS for what it does not know, EPERM for what it refuses
	run run_t -- syscall add_key
	assert_equal "$output" ENOSYS
	run run_t -- syscall swapon
	assert_equal "$output" EPERM
	run run_t --security-opt seccomp=unconfined -- status Seccomp
	assert_contains "$output" "Seccomp:	0"
	run run_t --security-opt seccomp=unconfined -- syscall add_key
	assert_not_contains "$output" ENOSYS
}

@test "run: masked and read-only paths" {
	run eng run --rm "$IMG" sh -c '
		cat /proc/keys | wc -c
		ls /sys/firmware | wc -l
		{ echo 1 >/proc/sys/kernel/ns_last_pid; } 2>/dev/null && echo proc-sys-written
		echo masked-done'
	assert_status 0
	assert_equal "$output" $'0\n0\nmasked-done'
	run eng run --rm "$IMG" sh -c 'grep -E " /proc/sys | /proc/keys " /proc/self/mountinfo'
	assert_contains "$output" " /proc/sys ro,"
}

@test "run: writes land in the container's upper directory, never in a layer" {
	local L=$ENG_TEST_REGISTRY/eng-test/layers:oci-gzip before after
	eng pull -q --tls-verify=false "$L" >/dev/null
	before=$(cd "$S/layers" && find . -printf '%p %s %T@\n' | sort | md5sum)
	run eng run --name w "$L" sh -c 'echo new >/etc/new-file && echo changed >>/etc/passwd && rm /data/keep'
	assert_status 0
	after=$(cd "$S/layers" && find . -printf '%p %s %T@\n' | sort | md5sum)
	assert_equal "$after" "$before" "the layers"
	local d
	d=$(container_dir w)
	assert_equal "$(cat "$d/diff/etc/new-file")" new
	assert_contains "$(cat "$d/diff/etc/passwd")" changed
	# the deletion is a whiteout in the upper directory
	assert_equal "$(stat -c %t:%T "$d/diff/data/keep")" 0:0
	# a second container starts from the image again
	run eng run --rm "$L" sh -c 'cat /data/keep; ls /etc/new-file 2>&1'
	assert_contains "$output" keep
	assert_contains "$output" "No such file"
}

@test "run: entrypoint, command, environment, working directory and host name as podman makes them" {
	local L=$ENG_TEST_REGISTRY/eng-test/layers:oci-gzip
	eng pull -q --tls-verify=false "$L" >/dev/null
	# the image's working directory and PATH
	run eng run --rm "$L" sh -c 'pwd; echo $PATH; echo $container; echo $HOSTNAME; hostname'
	assert_status 0
	assert_equal "$(sed -n 1p <<<"$output")" /srv
	assert_equal "$(sed -n 2p <<<"$output")" /usr/sbin:/usr/bin:/sbin:/bin
	assert_equal "$(sed -n 3p <<<"$output")" eng
	assert_equal "$(sed -n 4p <<<"$output")" "$(sed -n 5p <<<"$output")"
	assert_equal "$(sed -n 4p <<<"$output" | wc -c)" 13 "a 12-digit host name"
	printf 'FROM_FILE=1\n# a comment\n\nBOTH=file\n' >"$BATS_TEST_TMPDIR/env"
	export PASSED=through
	run eng run --rm --env-file "$BATS_TEST_TMPDIR/env" -e BOTH=flag -e PASSED -e UNSET_HERE \
		-w /tmp --hostname box "$IMG" sh -c 'echo $FROM_FILE $BOTH $PASSED ${UNSET_HERE-unset}; pwd; hostname; cat /etc/hostname'
	assert_equal "$output" $'1 flag through unset\n/tmp\nbox\nbox'
	# a missing working directory is made
	run eng run --rm -w /new/dir "$IMG" pwd
	assert_equal "$output" /new/dir
	run eng run --rm --entrypoint echo "$IMG" a b
	assert_equal "$output" "a b"
	run eng run --rm --entrypoint '["sh","-c"]' "$IMG" 'echo json'
	assert_equal "$output" json
	run eng run --rm --entrypoint '' "$IMG"
	assert_status 125
	assert_contains "$output" "no command or entrypoint provided"
}

@test "run: --mount and --tmpfs, and /etc/hosts, /etc/resolv.conf" {
	mkdir "$BATS_TEST_TMPDIR/m"
	echo content >"$BATS_TEST_TMPDIR/m/f"
	run eng run --rm --mount "type=bind,source=$BATS_TEST_TMPDIR/m,target=/m,ro" \
		--mount type=tmpfs,target=/t2,tmpfs-size=1m "$IMG" sh -c 'cat /m/f; echo x >/m/g 2>/dev/null || echo ro; df -k /t2 | tail -1'
	assert_status 0
	assert_contains "$output" content
	assert_contains "$output" ro
	assert_contains "$output" " 1024 "
	run eng run --rm -h short-h "$IMG" sh -c 'hostname; echo --al --pid=host'
	assert_equal "$output" $'short-h\n--al --pid=host'
	run eng run --rm --hostname hh "$IMG" cat /etc/hosts
	assert_contains "$output" "127.0.0.1	localhost"
	assert_contains "$output" "hh"
	run eng run --rm --mount type=volume,target=/x "$IMG" true
	assert_status 125
}

@test "run: ro= and readonly= take true or false only; ro with rw is refused" {
	local m=$BATS_TEST_TMPDIR/m
	mkdir "$m"
	local v
	# each of these left the mount writable
	for v in ro=maybe ro=yes ro= readonly=maybe ro=1; do
		run eng run --rm --mount "type=bind,source=$m,target=/m,$v" "$IMG" touch /m/x
		assert_status 125
		assert_contains "$output" "must be set to true or false"
	done
	[ ! -e "$m/x" ] || fail "a container wrote into the mount"
	for v in ro=TRUE readonly=True ro readonly rw=false; do
		run eng run --rm --mount "type=bind,source=$m,target=/m,$v" "$IMG" sh -c 'touch /m/x 2>/dev/null && echo rw || echo ro'
		assert_status 0
		assert_equal "$output" ro "with $v"
	done
	run eng run --rm --mount "type=bind,source=$m,target=/m,ro=false" "$IMG" sh -c 'touch /m/x && echo rw'
	assert_equal "$output" rw
	run eng run --rm --mount "type=bind,source=$m,target=/m,ro,rw" "$IMG" true
	assert_status 125
	assert_contains "$output" "can be given only once"
	run eng run --rm -v "$m:/m:ro,rw" "$IMG" true
	assert_status 125
	assert_contains "$output" "'ro' or 'rw' can be given only once"
	# a mount on the root would fill the host directory with dev, proc, sys, etc
	local d
	rm -f "$m/x"
	for d in / // /. /./; do
		run eng run --rm -v "$m:$d" "$IMG" true
		assert_status 125
		assert_contains "$output" "the container path cannot be '/'"
	done
	run eng run --rm --mount "type=bind,source=$m,target=/" "$IMG" true
	assert_status 125
	assert_equal "$(ls -A "$m")" "" "what the host directory got"
	run eng run --rm --mount type=tmpfs,target=/t,tmpfs-size=99999999999999999999 "$IMG" true
	assert_status 125
	assert_contains "$output" "tmpfs-size '99999999999999999999' is not a size"
}

@test "run: --network none has only loopback; host shares ours; the default is slirp" {
	run eng run --rm --network none "$IMG" sh -c 'ls /sys/class/net'
	assert_equal "$output" lo
	run eng run --rm --network host "$IMG" sh -c 'ls /sys/class/net | sort'
	assert_equal "$output" "$(ls /sys/class/net | sort)"
	run eng run --rm "$IMG" sh -c 'ls /sys/class/net | sort'
	assert_equal "$output" $'lo\ntap0'
	run eng run --rm --network pasta "$IMG" true
	assert_status 125
	assert_contains "$output" "not implemented yet"
}

@test "run: the vfs driver copies the layers, whiteouts and owners included" {
	local L=$ENG_TEST_REGISTRY/eng-test/layers:oci-gzip
	eng pull -q --tls-verify=false "$L" >/dev/null
	run eng --storage-driver vfs run --name v "$L" sh -c 'echo x >/new'
	assert_status 0
	local d
	d=$(container_dir v)
	assert_equal "$(jq -r .driver "$d/container.json")" vfs
	run "$ENG" unshare "$ENG_TEST_HELPERS/eng-canon-tree" "$d/rootfs"
	assert_status 0
	# less the file written and the mount points made for the container (podman makes them too)
	diff <(grep -Ev '^(new|dev|proc|sys|run|etc/hostname|etc/hosts|etc/resolv.conf|run/.containerenv) ' <<<"$output") \
		<(expected_listing layers-merged)
	run eng --storage-driver vfs run --rm -u 1000 "$L" stat -c %u /home/tester/owned-by-1000
	assert_equal "$output" 1000
}

@test "run: --userns=keep-id keeps the user's ids inside, and the image's owners" {
	local L=$ENG_TEST_REGISTRY/eng-test/layers:oci-gzip
	eng pull -q --tls-verify=false "$L" >/dev/null
	mkdir "$BATS_TEST_TMPDIR/vol"
	echo mine >"$BATS_TEST_TMPDIR/vol/f"
	run eng run --rm --userns=keep-id -v "$BATS_TEST_TMPDIR/vol:/d" "$L" sh -c '
		id -u; id -g
		stat -c %u /d/f /bin/busybox /home/tester/owned-by-1000 /srv/nobody-file
		echo new >/d/new'
	assert_status 0
	assert_equal "$output" "$(printf '%s\n' "$(id -u)" "$(id -g)" "$(id -u)" 0 1000 65534)"
	assert_equal "$(stat -c %u "$BATS_TEST_TMPDIR/vol/new")" "$(id -u)"
	# -u still chooses, and the container is a copy (vfs)
	run eng run --rm --userns=keep-id -u 0 "$L" id -u
	assert_equal "$output" 0
	run eng run --rm --userns=nonsense "$L" true
	assert_status 125
}

@test "run: /run/.containerenv is there, as podman binds it, with --read-only too" {
	# scripts test for it to know they run in a container
	run eng run --rm --network none "$IMG" sh -c 'test -f /run/.containerenv && wc -c </run/.containerenv'
	assert_status 0
	assert_equal "$output" 0
	run eng run --rm --network none --read-only "$IMG" sh -c 'test -f /run/.containerenv && touch /run/other && echo ok'
	assert_status 0
	assert_equal "$output" ok
	# it is eng's, not the user's: inspect lists only the user's mounts
	eng create --name envfile --network none -v /tmp:/host "$IMG" true >/dev/null
	run eng inspect -f '{{len .Mounts}}' envfile
	assert_equal "$output" 1
}

@test "run: / is 0555 as podman's, on every driver, and root writes in it" {
	local d
	for d in "" vfs; do
		run eng ${d:+--storage-driver $d} run --rm --network none "$IMG" sh -c \
			'stat -c %a:%u:%g /; touch /new && mkdir /dir && echo wrote'
		assert_status 0
		assert_equal "${lines[0]}" "555:0:0"
		assert_equal "${lines[1]}" wrote
	done
	# a user of the container may not, as with podman
	run eng run --rm --network none -u 1000 "$IMG" touch /nope
	assert_status 1
	assert_contains "$output" "Permission denied"
	# and the container goes with its files, mode or not
	eng run --name m555 --network none "$IMG" sh -c 'echo x >/f' >/dev/null
	run eng rm m555
	assert_status 0
	assert_equal "$(eng ps -aq)" ""
}

@test "run: -it without a terminal warns as podman does, and runs" {
	run --separate-stderr eng run --rm -it --network none "$IMG" echo ran </dev/null
	assert_status 0
	assert_contains "$output" ran
	assert_contains "$stderr" "The input device is not a TTY. The --tty and --interactive flags might not work properly"
	# -i alone, or -t alone, is no cause for it
	run --separate-stderr eng run --rm -i --network none "$IMG" echo ran </dev/null
	assert_not_contains "$stderr" "not a TTY"
}
