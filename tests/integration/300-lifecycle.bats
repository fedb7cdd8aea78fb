#!/usr/bin/env bats
# Detached containers and their monitor: run -d, ps, logs, stop, kill, rm, wait.

load helpers

setup() {
	require_busybox
	S=$BATS_TEST_TMPDIR/store
}

teardown() {
	eng rm -a -f >/dev/null 2>&1 || true
	clean_store
}

record() {
	container_record "$1"
}

# wait_for_log NAME TEXT: until the log of NAME has TEXT (5 s at most)
wait_for_log() {
	for _ in $(seq 50); do
		eng logs "$1" 2>&1 | grep -q "$2" && return 0
		sleep 0.1
	done
	fail "no '$2' in the log of $1: $(eng logs "$1" 2>&1)"
}

@test "run -d: prints the id, the monitor is the container's parent, ps shows it up" {
	run eng run -d --name web "$IMG" sleep 300
	assert_status 0
	[[ "$output" =~ ^[0-9a-f]{64}$ ]] || fail "not an id: $output"
	local id=$output rec pid mon
	rec=$(record web)
	pid=$(jq -r .pid "$rec")
	mon=$(jq -r .monitor "$rec")
	assert_equal "$(awk '/^PPid:/ { print $2 }' /proc/"$pid"/status)" "$mon" "the container's parent"
	assert_equal "$(cat /proc/"$mon"/comm)" eng-monitor
	run eng ps
	assert_status 0
	assert_contains "$(sed -n 1p <<<"$output")" "CONTAINER ID  IMAGE"
	assert_contains "$output" "${id:0:12}"
	assert_contains "$output" "Up "
	assert_contains "$output" "web"
	run eng ps -q --no-trunc
	assert_equal "$output" "$id"
	run eng ps --format json
	assert_equal "$(json '.[0].Names[0]')" web
	assert_equal "$(json '.[0].State')" running
	assert_equal "$(json '.[0].Pid')" "$pid"
}

@test "logs: stdout and stderr apart, --tail, -t, and after the container exited" {
	# (two pipes: the order of lines across them holds when they are not written in the same instant)
	eng run -d --name chatty "$IMG" sh -c 'echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three' >/dev/null
	run eng wait chatty
	assert_equal "$output" 0
	run --separate-stderr eng logs chatty
	assert_status 0
	assert_equal "$output" $'one\nthree'
	assert_equal "$stderr" two
	run eng logs --tail 1 chatty
	assert_equal "$output" three
	run eng logs -t --tail 1 chatty
	[[ "$output" =~ ^20[0-9-]+T[0-9:.]+Z\ three$ ]] || fail "no timestamp: $output"
	# the log file is podman's k8s-file format
	grep -Eq '^[0-9T:.Z-]+ stderr F two$' "$(dirname "$(record chatty)")/userdata/ctr.log"
}

@test "logs -f follows until the container exits" {
	eng run -d --name slow "$IMG" sh -c 'for i in 1 2 3; do echo line$i; sleep 0.3; done' >/dev/null
	run timeout 20 "$ENG" --root "$S" --runroot "$BATS_TEST_TMPDIR/run" logs -f slow
	assert_status 0
	assert_equal "$output" $'line1\nline2\nline3'
}

@test "stop: the stop signal, then KILL after the timeout; wait prints the exit code" {
	eng run -d --name trapper -v "$ENG_TEST_INIT:/t:ro" "$IMG" /t trap 15 7 >/dev/null
	wait_for_log trapper ready
	run eng stop trapper
	assert_status 0
	assert_equal "$output" trapper
	run eng wait trapper
	assert_equal "$output" 7
	run eng ps -a
	assert_contains "$output" "Exited (7)"
	# sleep as PID 1 ignores TERM: KILL after -t
	eng run -d --name stubborn "$IMG" sleep 300 >/dev/null
	run eng stop -t 1 stubborn
	assert_status 0
	run eng wait stubborn
	assert_equal "$output" 137
	# stopping a stopped container is fine
	run eng stop stubborn
	assert_status 0
}

@test "kill: a signal to the process; only running containers" {
	eng run -d --name k -v "$ENG_TEST_INIT:/t:ro" "$IMG" /t trap 10 9 >/dev/null
	wait_for_log k ready
	run eng kill -s USR1 k
	assert_status 0
	run eng wait k
	assert_equal "$output" 9
	run eng kill k
	assert_status 125
	assert_contains "$output" "can only kill running containers"
}

@test "rm: refuses a running container (2), -f stops it, a missing one is 1, -a takes all" {
	eng run -d --name busy "$IMG" sleep 300 >/dev/null
	local dir pid
	dir=$(dirname "$(record busy)")
	pid=$(jq -r .pid "$dir/container.json")
	run eng rm busy
	assert_status 2
	assert_contains "$output" "cannot remove container"
	run eng rm -f busy
	assert_status 0
	assert_equal "$output" busy
	[ ! -e "$dir" ] || fail "$dir is still there"
	[ ! -e /proc/"$pid" ] || [ "$(awk '/^State:/ { print $2 }' /proc/"$pid"/status)" = Z ] ||
		fail "the container's process $pid lives on"
	run eng rm nosuch
	assert_status 1
	assert_contains "$output" "no container with name or ID 'nosuch' found: no such container"
	eng run -d "$IMG" true >/dev/null
	eng run -d "$IMG" sleep 300 >/dev/null
	run eng rm -a -f
	assert_status 0
	assert_equal "$(eng ps -a -q)" ""
	assert_equal "$(ls "$S/containers")" ""
}

@test "run -d --rm: the monitor removes the container when it exits" {
	run eng run -d --rm "$IMG" sh -c 'exit 3'
	assert_status 0
	for _ in $(seq 50); do
		[ -z "$(ls "$S/containers")" ] && break
		sleep 0.1
	done
	assert_equal "$(ls "$S/containers")" "" "containers left"
}

@test "run -d: a command that cannot run fails at once with 127 or 126" {
	run -127 eng run -d --name bad "$IMG" no-such-command
	assert_contains "$output" "'no-such-command' not found"
	run eng ps -a --filter name=bad
	assert_contains "$output" Created
	run -126 eng run -d --rm "$IMG" /etc
	assert_contains "$output" "Permission denied"
}

@test "system df: containers by their own files, running or not; the images they use are not reclaimable" {
	# a file in a directory only its owner (container uid 1000) can enter counts too;
	# a file with two links, once
	run eng run -d --name dfa "$IMG" sh -c 'head -c 3000000 /dev/zero >/big; ln /big /big2; mkdir /d; head -c 1000000 /dev/zero >/d/f; chown 1000 /d; chmod 700 /d; touch /done; sleep 300'
	assert_status 0
	run eng run --name dfb "$IMG" sh -c 'head -c 500000 /dev/zero >/x'
	assert_status 0
	for _ in $(seq 50); do
		[ -e "$S/containers/$(jq -r .id "$(record dfa)")/diff/done" ] && break
		sleep 0.1
	done
	run eng system df --format json
	assert_status 0
	assert_equal "$(json .containers)" 2
	assert_equal "$(json .containers_active)" 1
	local size reclaim
	size=$(json .containers_size)
	reclaim=$(json .containers_reclaimable)
	[ "$size" -ge 4500000 ] && [ "$size" -lt 4600000 ] || fail "containers_size $size"
	[ "$reclaim" -ge 500000 ] && [ "$reclaim" -lt 510000 ] || fail "containers_reclaimable $reclaim"
	assert_equal "$(json .images_active)" 1
	run eng system df
	assert_status 0
	[[ "${lines[2]}" =~ ^Containers\ +2\ +1\ +4\.[0-9]+\ MB\ +50[0-9.]*\ kB\ \(11%\)$ ]] || fail "containers: ${lines[2]}"
	run eng system df --format '{{.Type}}:{{.Total}}:{{.Active}}'
	assert_equal "$output" "$(printf 'Images:1:1\nContainers:2:1\nLocal Volumes:0:0')"
	# ps with podman's templates: plain, and as a table with podman's headers
	run eng ps -a --format '{{.Names}} {{.State}} {{.ExitCode}}'
	assert_status 0
	assert_equal "$output" "$(printf 'dfb exited 0\ndfa running 0')"
	run eng ps --format 'table {{.ID}}\t{{.Names}}\t{{.RunningFor}}'
	assert_status 0
	[[ "${lines[0]}" =~ ^CONTAINER\ ID\ \ NAMES\ +CREATED$ ]] || fail "header: ${lines[0]}"
	[[ "${lines[1]}" =~ ^[0-9a-f]{12}\ \ dfa\ +.*ago$ ]] || fail "row: ${lines[1]}"
	run eng ps -a --format '{{.Names}}' --filter name=dfb
	assert_equal "$output" dfb
	# a table that cannot be made whole prints none of it
	run --separate-stderr eng ps -a --format 'table {{.Names}}\t{{.Nope}}'
	assert_status 125
	assert_equal "$output" ""
	run --separate-stderr eng ps --format '{{.Nope}}'
	assert_status 125
	assert_contains "$stderr" "no such field"
	eng rm -f dfa dfb >/dev/null
	run eng system df --format json
	assert_equal "$(json .containers)" 0
	assert_equal "$(json .containers_size)" 0
	assert_equal "$(json .images_active)" 0
}

@test "ps: -a, -l, -n, --filter status, name, id and ancestor" {
	eng run -d --name up1 "$IMG" sleep 300 >/dev/null
	eng run --name done1 "$IMG" true
	run eng ps --format json
	assert_equal "$(json 'length')" 1
	run eng ps -a --format json
	assert_equal "$(json 'length')" 2
	run eng ps -a --filter status=exited --format json
	assert_equal "$(json '.[0].Names[0]')" done1
	run eng ps -a --filter name=up --format json
	assert_equal "$(json '.[0].Names[0]')" up1
	run eng ps -a --filter "ancestor=$IMG" -q
	assert_equal "$(wc -l <<<"$output")" 2
	run eng ps -l --format json
	assert_equal "$(json '.[0].Names[0]')" done1
	run eng ps -n 2 -q
	assert_equal "$(wc -l <<<"$output")" 2
	run eng ps --filter volume=x
	assert_status 125
}

@test "ps: --noheading, --sort, --external, as podman's scripts use them" {
	eng create --name b-second "$IMG" true >/dev/null
	eng create --name a-third "$IMG" true >/dev/null
	eng create --name c-first "$IMG" true >/dev/null
	run eng ps -a --noheading
	assert_status 0
	assert_not_contains "$output" "CONTAINER ID"
	assert_equal "$(wc -l <<<"$output")" 3
	run eng ps -a --noheading --format 'table {{.Names}}'
	assert_equal "$output" "c-first
a-third
b-second"
	run eng ps -a --sort names --format '{{.Names}}'
	assert_equal "$output" "a-third
b-second
c-first"
	run eng ps -a --sort created --format '{{.Names}}'
	assert_equal "$(head -1 <<<"$output")" c-first
	run eng ps -a --external -q
	assert_equal "$(wc -l <<<"$output")" 3
	run eng ps --sort size
	assert_status 125
	assert_contains "$output" "--sort 'size'"
}

@test "a killed monitor, a vanished runtime directory: ps tells the truth, rm -f cleans up" {
	eng run -d --name orphan "$IMG" sleep 300 >/dev/null
	local rec pid mon
	rec=$(record orphan)
	pid=$(jq -r .pid "$rec")
	mon=$(jq -r .monitor "$rec")
	kill -9 "$mon"
	# the container lives on without it: still up
	run eng ps --format json
	assert_equal "$(json '.[0].State')" running
	kill -9 "$pid"
	for _ in $(seq 50); do
		[ "$(eng ps -a --format json | jq -r '.[0].State')" = exited ] && break
		sleep 0.1
	done
	run eng ps -a --format json
	assert_equal "$(json '.[0].State')" exited
	assert_equal "$(json '.[0].ExitCode')" -1
	# a reboot: processes gone and the run root wiped
	eng run -d --name rebooted "$IMG" sleep 300 >/dev/null
	pid=$(jq -r .pid "$(record rebooted)")
	kill -9 "$(jq -r .monitor "$(record rebooted)")" "$pid"
	rm -rf "$BATS_TEST_TMPDIR/run"
	run eng ps -a
	assert_status 0
	assert_not_contains "$output" "Up "
	# and it starts again
	run eng start rebooted
	assert_status 0
	run eng inspect -f '{{.State.Status}}' rebooted
	assert_equal "$output" running
	run eng rm -a -f
	assert_status 0
	assert_equal "$(ls "$S/containers")" ""
}

@test "twenty run -d at once get unique names and ids, and ps meanwhile never fails" {
	local i pids=()
	for i in $(seq 20); do
		eng run -d "$IMG" sleep 300 >"$BATS_TEST_TMPDIR/id.$i" 2>&1 &
		pids+=($!)
	done
	local failures=0
	while kill -0 "${pids[@]}" 2>/dev/null; do
		eng ps -a --format json >/dev/null || failures=$((failures + 1))
	done
	for p in "${pids[@]}"; do
		wait "$p" || fail "a run -d failed: $(cat "$BATS_TEST_TMPDIR"/id.*)"
	done
	assert_equal "$failures" 0 "failed ps calls"
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/id.* | sort -u | wc -l)" 20 "unique ids"
	run eng ps --format json
	assert_equal "$(json 'length')" 20
	assert_equal "$(json '[.[].Names[0]] | unique | length')" 20 "unique names"
}

@test "exec: joins the running container: its namespaces, root, capabilities and seccomp" {
	eng run -d --name host1 --hostname box -v "$ENG_TEST_INIT:/t:ro" "$IMG" sleep 300 >/dev/null
	local pid
	pid=$(jq -r .pid "$(record host1)")
	run eng exec host1 sh -c 'hostname; readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt'
	assert_status 0
	assert_equal "$(sed -n 1p <<<"$output")" box
	assert_contains "$output" "$(readlink /proc/"$pid"/ns/pid)"
	assert_contains "$output" "$(readlink /proc/"$pid"/ns/mnt)"
	run eng exec host1 /t status CapEff Seccomp
	assert_contains "$output" "CapEff:	00000000800405fb"
	assert_contains "$output" "Seccomp:	2"
	run eng exec -u 1000 -e A=b -w /tmp host1 sh -c 'id -u; echo $A; pwd'
	assert_equal "$output" $'1000\nb\n/tmp'
	run eng exec host1 sh -c 'exit 6'
	assert_status 6
	run -127 eng exec host1 no-such-command
	run bash -c "echo piped | $ENG --root $S --runroot $BATS_TEST_TMPDIR/run exec -i host1 cat"
	assert_equal "$output" piped
	# -d returns at once; with -t the process has its terminal all the same
	run eng exec -dt host1 sh -c 'tty >/tmp/tty; sleep 0.3; echo done >>/tmp/tty'
	assert_status 0
	sleep 1
	run eng exec host1 cat /tmp/tty
	assert_equal "$output" $'/dev/pts/0\ndone'
	eng stop -t 0 host1 >/dev/null
	run eng exec host1 true
	assert_status 125
	assert_contains "$output" "running containers"
}

@test "inspect: podman's JSON, and --format with a field path" {
	eng run -d --name insp -v "$BATS_TEST_TMPDIR:/host:ro" "$IMG" sleep 300 >/dev/null
	local rec
	rec=$(record insp)
	run eng inspect insp
	assert_status 0
	assert_equal "$(json '.[0].Id')" "$(jq -r .id "$rec")"
	assert_equal "$(json '.[0].Name')" insp
	assert_equal "$(json '.[0].State.Status')" running
	assert_equal "$(json '.[0].State.Pid')" "$(jq -r .pid "$rec")"
	assert_equal "$(json '.[0].Path')" sleep
	assert_equal "$(json '.[0].Mounts[0].Destination')" /host
	assert_equal "$(json '.[0].Mounts[0].RW')" false
	run eng inspect -f '{{.State.Status}}' insp
	assert_equal "$output" running
	run eng inspect --format '{{ .Config.Cmd }}' insp
	assert_equal "$output" "[sleep 300]"
	eng stop -t 0 insp >/dev/null
	run eng inspect -f '{{.State.ExitCode}}' insp
	assert_equal "$output" 137
	# an image by name, when no container has it
	run eng inspect -f '{{.Id}}' "$IMG"
	assert_status 0
	run eng inspect nothing-here
	assert_status 125
	assert_contains "$output" "no such object"
	# --type narrows the search, as podman's
	run eng inspect --type container -f '{{.Id}}' "$IMG"
	assert_status 125
	assert_contains "$output" "no such container"
	run eng inspect --type image -f '{{.Name}}' insp
	assert_status 125
	assert_contains "$output" "no such image"
	run eng inspect --type container -f '{{.Name}}' insp
	assert_equal "$output" insp
	run eng inspect --type all -f '{{.Name}}' insp
	assert_equal "$output" insp
	run eng inspect --type volume insp
	assert_status 125
	assert_contains "$output" "--type 'volume': use container, image or all"
}

@test "start --all and --filter: the containers ps --filter would list" {
	eng create --name g1 --label grp=web "$IMG" sleep 300 >/dev/null
	eng create --name g2 --label grp=web "$IMG" sleep 300 >/dev/null
	eng create --name other "$IMG" sleep 300 >/dev/null
	run eng start --filter label=grp=web
	assert_status 0
	assert_equal "$(wc -l <<<"$output")" 2
	run eng ps --format '{{.Names}}'
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "g1 g2 "
	# --all: the rest too; a running one is no error
	run eng start --all
	assert_status 0
	assert_equal "$(wc -l <<<"$output")" 3
	run eng ps -q
	assert_equal "$(wc -l <<<"$output")" 3
	run eng start --all g1
	assert_status 125
	assert_contains "$output" "take no container names"
	run eng start --filter nokey
	assert_status 125
	eng rm -f -t 0 g1 g2 other >/dev/null
}

@test "create, start, start -a, restart: the same container, its upper directory kept" {
	run eng create --name later "$IMG" sh -c 'echo run >>/count; cat /count | wc -l; sleep 300'
	assert_status 0
	local id=$output
	run eng ps -a --filter name=later
	assert_contains "$output" Created
	assert_contains "$output" "sh -c echo run"
	run eng start later
	assert_equal "$output" later
	wait_for_log later "^1$"
	run eng restart -t 0 later
	assert_status 0
	wait_for_log later "^2$"
	assert_equal "$(eng ps -q --no-trunc)" "$id"
	eng stop -t 0 later >/dev/null
	eng create --name fg "$IMG" sh -c 'echo attached; exit 9' >/dev/null
	run eng start -a fg
	assert_status 9
	assert_equal "$output" attached
	run eng ps -a --filter name=fg --format json
	assert_equal "$(json '.[0].ExitCode')" 9
	run eng start nosuch
	assert_status 125
}

@test "top, rename, labels, container prune" {
	eng run -d --name tp --label tier=web --label bare "$IMG" sh -c 'sleep 300 & exec sleep 301' >/dev/null
	for _ in $(seq 50); do
		[ "$(eng top tp | wc -l)" -ge 3 ] && break
		sleep 0.1
	done
	run eng top tp
	assert_status 0
	assert_contains "$(sed -n 1p <<<"$output")" "USER"
	assert_contains "$output" "sleep 301"
	assert_contains "$output" "sleep 300"
	assert_equal "$(awk '$NF == "301" { print $2 }' <<<"$output")" 1 "the pid inside"
	assert_equal "$(awk '$NF == "301" { print $1 }' <<<"$output")" root "the user, by its name in the container"
	# podman's descriptors, as words or joined with commas, and their AIX forms
	run eng top tp pid,comm seccomp %U
	assert_status 0
	[[ "${lines[0]}" =~ ^PID\ +COMMAND\ +SECCOMP\ +USER$ ]] || fail "header: ${lines[0]}"
	[[ "${lines[1]}" =~ ^1\ +sleep\ +filter\ +root$ ]] || fail "pid 1: ${lines[1]}"
	run eng top tp hpid capeff
	assert_equal "$(awk 'NR == 2 { print $1 }' <<<"$output")" "$(jq -r .pid "$(record tp)")" "the host's pid"
	assert_contains "${lines[1]}" "CHOWN,DAC_OVERRIDE"
	run --separate-stderr eng top tp ,
	assert_status 125
	assert_contains "$stderr" "no descriptors in ','"
	run --separate-stderr eng top tp bogus
	assert_status 125
	assert_contains "$stderr" "unknown descriptor 'bogus'"
	# ps options go to the container's own ps (busybox's here)
	run eng top tp -o pid,comm
	assert_status 0
	[[ "${lines[0]}" =~ ^\ *PID\ +COMMAND$ ]] || fail "header: ${lines[0]}"
	assert_contains "$output" "sleep"
	run eng ps --filter label=tier=web --format json
	assert_equal "$(json '.[0].Names[0]')" tp
	run eng ps --filter label=bare -q
	assert_equal "$(wc -l <<<"$output")" 1
	run eng ps --filter label=tier=db -q
	assert_equal "$output" ""
	run eng inspect -f '{{.Config.Labels.tier}}' tp
	assert_equal "$output" web
	run eng rename tp front
	assert_status 0
	run eng ps --format json
	assert_equal "$(json '.[0].Names[0]')" front
	run eng rename front 'no spaces'
	assert_status 125
	eng run --name other "$IMG" true
	run eng rename front other
	assert_status 125
	assert_contains "$output" "already in use"
	run eng container prune -f
	assert_status 0
	assert_equal "$(eng ps -a --format json | jq -r '.[].Names[0]')" front
}

@test "--restart on-failure:N is carried out by the monitor; stop ends always" {
	eng run -d --name retry --restart on-failure:2 "$IMG" sh -c 'echo try; exit 1' >/dev/null
	for _ in $(seq 100); do
		[ "$(eng inspect -f '{{.RestartCount}}' retry)" = 2 ] &&
			[ "$(eng inspect -f '{{.State.Status}}' retry)" = exited ] && break
		sleep 0.1
	done
	sleep 0.5
	assert_equal "$(eng inspect -f '{{.RestartCount}}' retry)" 2
	assert_equal "$(eng logs retry | grep -c try)" 3
	eng run -d --name forever --restart always "$IMG" sleep 300 >/dev/null
	run eng stop -t 0 forever
	assert_status 0
	sleep 1.5
	assert_equal "$(eng inspect -f '{{.State.Status}}' forever)" exited
	run eng run --restart always "$IMG" true
	assert_status 125
}

@test "logs --since and --until" {
	eng run -d --name t "$IMG" sh -c 'echo early; sleep 1.2; echo late' >/dev/null
	eng wait t >/dev/null
	run eng logs --since 1m t
	assert_equal "$output" $'early\nlate'
	run eng logs --until 2000-01-01T00:00:00Z t
	assert_equal "$output" ""
	run eng logs --since soon t
	assert_status 125
}

@test "eng killed between starting the monitor and recording it: the container is found, not lost" {
	eng run -d --name half "$IMG" sleep 300 >/dev/null
	local rec pid
	rec=$(record half)
	pid=$(jq -r .pid "$rec")
	# what a kill -9 of eng right after the monitor answered leaves behind
	jq '.state = "created" | del(.pid, .pid_start, .monitor, .started)' "$rec" >"$rec.new"
	mv "$rec.new" "$rec"
	run eng ps --format json
	assert_equal "$(json '.[0].State')" running
	assert_equal "$(json '.[0].Pid')" "$pid"
	# when it started comes from the process (it was "Up 56 years")
	run eng ps --format '{{.Status}}'
	assert_contains "$output" "Up "
	assert_not_contains "$output" "years"
	run eng inspect --format '{{.State.StartedAt}}' half
	assert_contains "$output" "$(date -u +%Y-%m-%d)"
	run eng rm -f half
	assert_status 0
	[ ! -e /proc/"$pid" ] || [ "$(awk '/^State:/ { print $2 }' /proc/"$pid"/status)" = Z ] ||
		fail "the container's process lives on"
}

@test "attach: output as it comes, input with -i, ctrl-p ctrl-q detaches, the exit status" {
	eng run -d --name a1 "$IMG" sh -c 'sleep 0.5; echo out; echo err >&2; exit 4' >/dev/null
	run --separate-stderr eng attach a1 </dev/null
	assert_status 4
	assert_equal "$output" out
	assert_equal "$stderr" err
	eng run -di --name a2 "$IMG" sh -c 'read x; echo got-$x; exit 2' >/dev/null
	run bash -c "echo hello | $ENG --root $S --runroot $BATS_TEST_TMPDIR/run attach a2"
	assert_status 2
	assert_equal "$output" got-hello
	# detach: the container goes on, and what came before the keys reached it
	eng run -di --name a3 "$IMG" cat >/dev/null
	run bash -c "{ printf 'typed\n'; sleep 0.5; printf '\020\021'; sleep 5; } | $ENG --root $S --runroot $BATS_TEST_TMPDIR/run attach a3"
	assert_status 0
	assert_contains "$output" typed
	run eng inspect -f '{{.State.Status}}' a3
	assert_equal "$output" running
	# a terminal: -dit, then attach under a pty
	command -v script >/dev/null || skip "no script(1)"
	eng run -dit --name a4 "$IMG" sh >/dev/null
	run script -qec "{ sleep 0.5; printf 'echo tty-\$((6*7))\nexit 7\n'; sleep 2; } | $ENG --root $S --runroot $BATS_TEST_TMPDIR/run attach a4" /dev/null </dev/null
	assert_status 7
	assert_contains "$output" tty-42
	run eng attach a1
	assert_status 125
	assert_contains "$output" "only attach to running containers"
}

@test "a container appears whole or not at all: a failed create leaves nothing" {
	run eng create -u nosuchuser "$IMG" true
	assert_status 125
	run eng create --name dup "$IMG" true
	assert_status 0
	run eng create --name dup "$IMG" true
	assert_status 125
	assert_equal "$(eng ps -a -q | wc -l)" 1
	assert_equal "$(ls "$S/containers" | wc -l)" 1
	assert_equal "$(ls "$S/tmp")" "" "leftovers in tmp"
	# what is there has its config.json
	[ -f "$S/containers/$(ls "$S/containers")/config.json" ]
}

@test "names are podman's [a-zA-Z0-9][a-zA-Z0-9_.-]*; an id wins over a name; --hostname is checked" {
	local bad
	for bad in "" "../../x" "a/b" "$(printf 'a%.0s' {1..254})" $'a\nb' "-x" "a b"; do
		run eng create --name "$bad" "$IMG" true
		assert_status 125
		assert_contains "$output" "not a valid container name"
	done
	assert_equal "$(ls "$S/containers")" "" "containers made"
	# a name equal to another container's full id is refused; a full id finds its container
	local id
	id=$(eng create --name first "$IMG" true)
	run eng create --name "$id" "$IMG" true
	assert_status 125
	assert_contains "$output" "it has the form of an ID"
	eng create --name "${id:0:12}" "$IMG" true >/dev/null
	run eng inspect --format '{{.Name}}' "$id"
	assert_equal "$output" first
	# a name that is another's id prefix: the name wins over the prefix (podman)
	run eng inspect --format '{{.Name}}' "${id:0:12}"
	assert_equal "$output" "${id:0:12}"
	run eng create --name ok.name_1-x "$IMG" true
	assert_status 0
	for bad in $'h\nevil' "a b" "$(printf 'h%.0s' {1..65})" "-h"; do
		run eng run --rm --hostname "$bad" "$IMG" true
		assert_status 125
		assert_contains "$output" "not a valid host name"
	done
}

@test "image prune -a keeps the images containers use, running or not (podman)" {
	local other=$ENG_TEST_REGISTRY/eng-test/layers:oci-gzip
	eng pull -q --tls-verify=false "$other" >/dev/null
	eng run -d --name user1 "$IMG" sleep 300 >/dev/null
	eng create --name user2 "$IMG" true >/dev/null
	run eng image prune -a
	assert_status 0
	run eng images --format '{{.Repository}}:{{.Tag}}'
	assert_contains "$output" "eng-test/busybox:latest"
	assert_not_contains "$output" "eng-test/layers"
	run eng exec user1 true
	assert_status 0
	eng rm -f user1 user2 >/dev/null
	run eng image prune -a
	assert_status 0
	run eng images -q
	assert_equal "$output" ""
}

@test "kill -9 during rm: what it left in tmp/ goes at the next start" {
	local pid left=""
	# enough files in the upper directory for the removal to take a while
	eng run --name many "$IMG" sh -c 'mkdir /m && cd /m && for i in $(seq 4000); do : >f$i; done' >/dev/null
	"$ENG" --root "$S" --runroot "$BATS_TEST_TMPDIR/run" rm many >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 200); do
		left=$(ls "$S/tmp" | grep '^rm-container-' || true)
		[ -n "$left" ] && break
		sleep 0.01
	done
	kill -9 $pid 2>/dev/null || true
	wait $pid || true
	[ -n "$left" ] || skip "rm finished before it could be killed"
	if [ -e "$S/tmp/$left" ]; then
		# the next eng that opens the store with the mapping removes it
		run eng ps -a
		run eng rm -f nothing-here
		run eng pull -q --tls-verify=false "$IMG"
		[ ! -e "$S/tmp/$left" ] || fail "tmp/$left stayed"
	fi
	run eng ps -a --format '{{.Names}}'
	assert_not_contains "$output" many
}

@test "a damaged record: ps skips it and says so, inspect names it, rm -f and system check --repair deal with it" {
	local f id aside layers other=$ENG_TEST_REGISTRY/eng-test/layers:oci-gzip
	eng pull -q --tls-verify=false "$other" >/dev/null
	eng create --name bad "$other" true >/dev/null
	eng create --name good "$IMG" true >/dev/null
	f=$(record bad)
	id=$(jq -r .id "$f")
	# a record without "state" made ps crash (exit 139)
	jq 'del(.state)' "$f" >"$f.new" && mv "$f.new" "$f"
	run --separate-stderr eng ps -a --format '{{.Names}}'
	assert_status 0
	assert_equal "$output" good
	assert_contains "$stderr" "skipping container ${id:0:12}: its record is damaged: \"state\" is missing"
	run --separate-stderr eng inspect bad
	assert_status 125
	assert_contains "$stderr" "no such object"
	run --separate-stderr eng inspect "${id:0:12}"
	assert_status 125
	assert_contains "$stderr" "container ${id:0:12}: its record is damaged: \"state\" is missing; 'eng rm -f ${id:0:12}' removes it"
	run --separate-stderr eng rm "${id:0:12}"
	assert_status 125
	assert_contains "$stderr" "damaged"
	# its image can go, but not the layers it is made of
	layers=$(ls "$S/layers" | wc -l)
	run --separate-stderr eng rmi "$other"
	assert_status 0
	assert_equal "$(ls "$S/layers" | wc -l)" "$layers" "layers after rmi"
	run eng rm -f "${id:0:12}"
	assert_status 0
	assert_equal "$output" "${id:0:12}"
	[ ! -e "$(dirname "$f")" ] || fail "rm -f left $(dirname "$f")"

	# not JSON at all, and set aside by system check --repair
	eng create --name bad2 "$IMG" true >/dev/null
	f=$(record bad2)
	id=$(jq -r .id "$f")
	echo '{"id":' >"$f"
	# which layers it needs is unknown now: garbage collection keeps them all
	layers=$(ls "$S/layers" | wc -l)
	run --separate-stderr eng rmi -f "$other"
	eng pull -q --tls-verify=false "$other" >/dev/null
	run --separate-stderr eng rmi "$other"
	assert_status 0
	assert_contains "$stderr" "container ${id:0:12} has a damaged record: no layer is removed"
	assert_equal "$(ls "$S/layers" | wc -l)" "$layers" "layers after the second rmi"
	run eng system check
	assert_status 125
	assert_contains "$output" "container ${id:0:12}: its record is damaged"
	run eng system check --repair
	assert_status 0
	aside=$S/damaged/$id
	assert_contains "$output" "set aside in $aside"
	[ -e "$aside/container.json" ] || fail "nothing kept in $aside"
	run eng system check
	assert_status 0
	run eng ps -a --format '{{.Names}}'
	assert_equal "$output" good
	run eng start -a good
	assert_status 0
}

@test "a foreground run is logged too (podman): eng logs has its stdout and stderr, with -t as well" {
	run --separate-stderr eng run --name fg "$IMG" sh -c 'echo to-out; echo to-err >&2; printf no-newline'
	assert_status 0
	assert_equal "$output" "to-out
no-newline"
	assert_equal "$stderr" "to-err"
	run --separate-stderr eng logs fg
	assert_status 0
	assert_equal "$output" "to-out
no-newline"
	assert_equal "$stderr" "to-err"
	grep -q ' stderr F to-err$' "$(dirname "$(record fg)")/userdata/ctr.log" || fail "no stderr record"
	# started again in the foreground: the log goes on
	run eng start -a fg
	run --separate-stderr eng logs fg
	assert_equal "$(grep -c to-out <<<"$output")" 2
	# a terminal: what it shows is logged
	command -v script >/dev/null || skip "no script(1)"
	script -qec "$ENG --root $S --runroot $BATS_TEST_TMPDIR/run run -t --name fgt $IMG echo on-a-tty" /dev/null >/dev/null
	run eng logs fgt
	assert_contains "$output" "on-a-tty"
	# large output is passed on whole
	run sh -c "\"$ENG\" --root $S --runroot $BATS_TEST_TMPDIR/run run --rm $IMG head -c 3000000 /dev/zero | wc -c"
	assert_equal "$output" 3000000
}

@test "podman's script flags: container/image exists, rm -i/-t, stop -i, rmi -i; errors begin 'Error: '" {
	eng create --name there "$IMG" true >/dev/null
	run eng container exists there
	assert_status 0
	run eng container exists not-there
	assert_status 1
	assert_equal "$output" ""
	run eng image exists "$IMG"
	assert_status 0
	run eng image exists "$ENG_TEST_REGISTRY/eng-test/nothing:here"
	assert_status 1
	# --ignore: a missing one is no error, the others still go
	run --separate-stderr eng rm -i not-there there
	assert_status 0
	assert_equal "$output" there
	assert_equal "$stderr" ""
	run --separate-stderr eng rm not-there
	assert_status 1
	assert_equal "$stderr" "Error: no container with name or ID 'not-there' found: no such container"
	run eng stop --ignore not-there
	assert_status 0
	run eng rmi -i "$ENG_TEST_REGISTRY/eng-test/nothing:here"
	assert_status 0
	# rm -f -t N: the stop signal first, KILL after N seconds (sh as pid 1 ignores TERM)
	eng run -d --name slow "$IMG" sleep 300 >/dev/null
	run eng rm -f -t 1 slow
	assert_status 0
	run eng rm -t x slow
	assert_status 125
	assert_contains "$output" "--time 'x' is not a number"
}
