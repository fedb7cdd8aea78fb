#!/usr/bin/env bats
# eng-overlayfs: the FUSE overlay.  The semantics suite (tests/helpers/ovl-checks.sh)
# runs against native overlayfs and against eng-overlayfs on the same layers,
# as root of a user namespace with the test user's subordinate ids.

load helpers

setup() {
	OVLFS=$(dirname "$ENG")/eng-overlayfs
	[ -x "$OVLFS" ] || fail "no eng-overlayfs beside $ENG"
	H=$BATS_TEST_DIRNAME/../helpers
	W=$BATS_TEST_TMPDIR/ovl
	mkdir -p "$W"
}

teardown() {
	# mounts live in the test's own mount namespaces: only files are left
	if [ -d "$BATS_TEST_TMPDIR/ovl" ]; then
		"$ENG" unshare rm -rf "$BATS_TEST_TMPDIR/ovl" 2>/dev/null || true
	fi
	clean_store
}

# in_userns SCRIPT: run SCRIPT with sh as root of a user namespace (subordinate ids mapped)
# and a mount namespace of its own
in_userns() {
	unshare --user --map-root-user --map-auto --mount sh -c "$1"
}

# mount_ovl DIR [OPTIONS]: eng-overlayfs on DIR's layers at DIR/mnt (inside in_userns)
mount_ovl() {
	echo "$OVLFS -o lowerdir=$1/l1:$1/l2,upperdir=$1/upper,workdir=$1/work${2:+,$2} $1/mnt"
}

@test "eng-overlayfs: the semantics suite gives what native overlayfs gives" {
	run in_userns "
		sh $H/ovl-layers.sh $W/native &&
		mount -t overlay -o userxattr,lowerdir=$W/native/l1:$W/native/l2,upperdir=$W/native/upper,workdir=$W/native/work none $W/native/mnt &&
		sh $H/ovl-checks.sh $W/native/mnt $ENG_TEST_INIT >$W/native.out 2>&1
		umount $W/native/mnt
		sh $H/ovl-layers.sh $W/eng && $(mount_ovl "$W/eng") &&
		sh $H/ovl-checks.sh $W/eng/mnt $ENG_TEST_INIT >$W/eng.out 2>&1
		umount $W/eng/mnt"
	assert_status 0
	run cat "$W/eng.out"
	[ "${#lines[@]}" -ge 40 ] || fail "the suite stopped early: $output"
	assert_not_contains "$output" FAIL
	run diff "$W/native.out" "$W/eng.out"
	assert_status 0
	# the upper layer has the store's forms: a 0/0 character device for a removal,
	# user.overlay.opaque on a directory made over a removed one
	run stat -c %t:%T "$W/eng/upper/f2only"
	assert_equal "$output" 0:0
	run in_userns "getfattr --only-values -n user.overlay.opaque $W/eng/upper/d 2>/dev/null"
	assert_equal "$output" y
}

@test "eng-overlayfs: plain OCI layers (.wh. files, .wh..wh..opq) read the same" {
	run in_userns "sh $H/ovl-layers.sh $W/oci oci && $(mount_ovl "$W/oci") &&
		sh $H/ovl-checks.sh $W/oci/mnt $ENG_TEST_INIT; umount $W/oci/mnt"
	assert_status 0
	assert_not_contains "$output" FAIL
	assert_contains "$output" "whiteout: hidden"
	assert_contains "$output" "opaque: shown"
}

@test "eng-overlayfs: hard links stay one inode after copy-up, across mounts" {
	run in_userns "sh $H/ovl-layers.sh $W/h && $(mount_ovl "$W/h") &&
		cd $W/h/mnt && echo changed >>pair1 &&
		echo \"\$(cat pair2 | tr '\n' ' ')\$(stat -c %i pair1) \$(stat -c %i pair2)\" &&
		cd / && umount $W/h/mnt && $(mount_ovl "$W/h") &&
		echo \"again: \$(tail -1 $W/h/mnt/pair2)\"; umount $W/h/mnt"
	assert_status 0
	[[ "${lines[0]}" =~ ^"pair changed "([0-9]+)" "([0-9]+)$ ]] || fail "got: $output"
	assert_equal "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
	assert_equal "${lines[1]}" "again: changed"
}

@test "eng-overlayfs: a hard link outlives the name it was made from; an open unlinked file has 0 links" {
	# the new name was the old name's node: once the old name went, stat of
	# the new one said ENOENT, and fstat of an open, unlinked file too
	local k=$W/k
	run in_userns "mkdir -p $k/l $k/upper $k/work $k/mnt &&
		$OVLFS -o lowerdir=$k/l,upperdir=$k/upper,workdir=$k/work $k/mnt && cd $k/mnt &&
		echo x >a && ln a b && rm a && stat -c %h b && cat b && ln b c && rm b && cat c &&
		exec 3<c && rm c && stat -L -c %h /proc/self/fd/3 && cat <&3; exec 3<&-; cd /; umount $k/mnt"
	assert_status 0
	assert_equal "$output" "1
x
x
0
x"
}

@test "eng-overlayfs: what it makes ahead for copy-ups is gone after it, and after a kill -9 at the next mount" {
	# (the daemon's command line only: this script's has the same words)
	local daemon="'^$OVLFS .*upperdir=$W/s/upper'"
	local gone="while pgrep -f $daemon >/dev/null; do sleep 0.05; done"
	local spares="ls $W/s/work | grep -c '^tmp\.'"
	run in_userns "sh $H/ovl-layers.sh $W/s && $(mount_ovl "$W/s") &&
		echo x >>$W/s/mnt/d/sub/x && sleep 0.5 && $spares
		umount $W/s/mnt; $gone; $spares
		$(mount_ovl "$W/s") && echo y >>$W/s/mnt/mv/inner && sleep 0.5 &&
		pkill -9 -f $daemon; $gone; umount $W/s/mnt; $spares
		$(mount_ovl "$W/s") && $spares; cat $W/s/mnt/d/sub/x $W/s/mnt/mv/inner | tr '\n' ' '; umount $W/s/mnt"
	assert_status 0
	[ "${lines[0]}" -ge 1 ] || fail "no directories made ahead: $output"
	assert_equal "${lines[1]}" 0
	[ "${lines[2]}" -ge 1 ] || fail "none left by the killed daemon: $output"
	assert_equal "${lines[3]}" 0
	assert_equal "${lines[4]}" "deep x moved y "
}

@test "eng-overlayfs: a big file's data follows a write past its end; a kill -9 meanwhile is finished by the next mount" {
	local daemon="'^$OVLFS .*upperdir=$W/f/upper'"
	local gone="while pgrep -f $daemon >/dev/null; do sleep 0.05; done"
	local mnt="$OVLFS -o lowerdir=$W/f/l,upperdir=$W/f/upper,workdir=$W/f/work $W/f/mnt"
	local size=536870912
	# killed right after the write, in the middle of the copy or after it: the file is whole
	run in_userns "mkdir -p $W/f/l $W/f/upper $W/f/work $W/f/mnt &&
		seq 1 80000000 | head -c $size >$W/f/l/big && seq 1 80000000 | head -c $size >$W/f/l/big2 &&
		(cat $W/f/l/big && printf x) | sha256sum | cut -c1-16 &&
		$mnt && printf x >>$W/f/mnt/big && pkill -9 -f $daemon; $gone; umount $W/f/mnt
		$mnt && sha256sum <$W/f/mnt/big | cut -c1-16 && stat -c '%h %s' $W/f/mnt/big && umount $W/f/mnt
		$gone; ls $W/f/work/fill | wc -l; sha256sum <$W/f/upper/big | cut -c1-16"
	assert_status 0
	assert_equal "${lines[1]}" "${lines[0]}"
	assert_equal "${lines[2]}" "1 $((size + 1))"
	assert_equal "${lines[3]}" 0
	assert_equal "${lines[4]}" "${lines[0]}"
	# what a daemon killed in the middle of a copy leaves, made by hand (a kill cannot be
	# timed to land there): the copy with a hole where the data goes, the appended byte
	# past it, and the marks in WORK/fill: a link to the copy, and what it copies from
	run in_userns "cd $W/f && truncate -s $size upper/big2 && printf y >>upper/big2 &&
		ln upper/big2 work/fill/1.1 &&
		printf 'eng-overlayfs fill 1\0001\000$size\000big2\000' >work/fill/1.1.src &&
		(cat l/big2 && printf y) | sha256sum | cut -c1-16 &&
		$mnt && sha256sum <mnt/big2 | cut -c1-16 && stat -c '%h %s' mnt/big2 && umount mnt
		$gone; ls work/fill | wc -l; sha256sum <upper/big2 | cut -c1-16"
	assert_status 0
	assert_equal "${lines[1]}" "${lines[0]}"
	assert_equal "${lines[2]}" "1 $((size + 1))"
	assert_equal "${lines[3]}" 0
	assert_equal "${lines[4]}" "${lines[0]}"
	# the copy ends while the mount lives (its marks go), not only at unmount; that it
	# starts after the write is the "bad states" test's full disk
	run in_userns "cd $W/f && head -c 67108864 l/big2 >l/big3 && $mnt && printf z >>mnt/big3 &&
		for i in \$(seq 300); do [ -z \"\$(ls work/fill)\" ] && break; sleep 0.1; done &&
		ls work/fill | wc -l && cmp l/big3 upper/big3 2>&1; echo \$?; umount mnt"
	assert_status 0
	assert_equal "${lines[0]}" 0
	assert_contains "${lines[1]}" "EOF on l/big3"
	assert_equal "${lines[2]}" 1
}

@test "eng-overlayfs: owners from user.containers.override_stat; uidmapping, gidmapping, squash_to_root" {
	run in_userns "sh $H/ovl-layers.sh $W/o &&
		chown 65534:65534 $W/o/l2/f2only && setfattr -n user.containers.override_stat -v 0:42:0750 $W/o/l2/f2only &&
		$(mount_ovl "$W/o") && stat -c '%u:%g:%a' $W/o/mnt/f2only && getfattr -d -m - $W/o/mnt/f2only | grep -c containers;
		chown 5:6 $W/o/mnt/f2only && stat -c '%u:%g:%a' $W/o/mnt/f2only; umount $W/o/mnt
		$(mount_ovl "$W/o" uidmapping=0:7:1:1:100:10,gidmapping=0:8:1) && stat -c '%u:%g' $W/o/mnt/copy $W/o/mnt/a; umount $W/o/mnt
		$(mount_ovl "$W/o" squash_to_root) && stat -c '%u:%g' $W/o/mnt/copy; umount $W/o/mnt"
	assert_status 0
	assert_equal "${lines[0]}" "0:42:750"
	assert_equal "${lines[1]}" 0
	assert_equal "${lines[2]}" "5:6:750"
	# copy is 7:8 in the layer: mapped to 0:0; a (0:0) is outside the mapping: nobody
	assert_equal "${lines[3]}" "0:0"
	assert_equal "${lines[4]}" "65534:65534"
	assert_equal "${lines[5]}" "0:0"
}

@test "eng-overlayfs: as root (of a user namespace too) other users come in, as with fuse-overlayfs" {
	# the mounter is root of the namespace: allow_other and suid without asking,
	# so a user of the container reads what the modes let it read (from inside
	# the mount: the test's directories above it are the test user's alone)
	run in_userns "sh $H/ovl-layers.sh $W/r && $(mount_ovl "$W/r") &&
		grep ' $W/r/mnt ' /proc/self/mounts; cd $W/r/mnt && su -s /bin/sh nobody -c 'cat a';
		cd / && umount $W/r/mnt"
	assert_status 0
	assert_contains "${lines[0]}" "default_permissions,allow_other"
	assert_not_contains "${lines[0]}" "nosuid"
	assert_equal "${lines[1]}" "from-l1"
	# a plain user's mount lets only that user in, as FUSE decides (and nosuid)
	mkdir -p "$W/p/l" "$W/p/upper" "$W/p/work" "$W/p/mnt"
	"$OVLFS" -o "lowerdir=$W/p/l,upperdir=$W/p/upper,workdir=$W/p/work" "$W/p/mnt"
	run grep " $W/p/mnt " /proc/self/mounts
	fusermount3 -u "$W/p/mnt"
	assert_not_contains "$output" "allow_other"
	assert_contains "$output" "nosuid"
}

@test "eng-overlayfs: bad states give errors, not a dead mount" {
	# a lower directory that is not there: the mount fails and says which
	run in_userns "sh $H/ovl-layers.sh $W/b && $OVLFS -o lowerdir=$W/b/nosuch,upperdir=$W/b/upper,workdir=$W/b/work $W/b/mnt"
	assert_status 1
	assert_contains "$output" "$W/b/nosuch"
	# an upper directory without a work directory is a usage error (lowerdir alone is read-only)
	run "$OVLFS" -o lowerdir=/x,upperdir=/y "$W/mnt"
	assert_status 1
	assert_contains "$output" "workdir"
	# an unreadable lower file and a full upper directory: errors to the caller, the mount lives
	run in_userns "sh $H/ovl-layers.sh $W/c && chmod 000 $W/c/l2/f2only && mkdir -p $W/c/full &&
		mount -t tmpfs -o size=256k tmpfs $W/c/full && mkdir $W/c/full/upper $W/c/full/work &&
		$OVLFS -o lowerdir=$W/c/l1:$W/c/l2,upperdir=$W/c/full/upper,workdir=$W/c/full/work $W/c/mnt &&
		(cd $W/c/mnt && su -s /bin/sh nobody -c 'cat f2only') 2>&1 | grep -c 'Permission denied';
		head -c 1000000 /dev/zero 2>&1 >$W/c/mnt/big | grep -c 'No space left';
		rm $W/c/mnt/big; printf x >>$W/c/mnt/huge/b1 && echo appended;
		(cat $W/c/l1/huge/b1 && printf x) | cmp - $W/c/mnt/huge/b1 && echo whole;
		printf Z | dd of=$W/c/mnt/huge/b1 bs=1 seek=10 conv=notrunc 2>&1 | grep -c 'No space left';
		echo after: \$(cat $W/c/mnt/a); umount $W/c/mnt"
	assert_status 0
	assert_equal "${lines[0]}" 1
	assert_equal "${lines[1]}" 1
	# a big file whose data cannot be copied up: it reads whole (from below), a write into
	# the data fails for the space, and the append past its end, which needed none, stays
	assert_equal "${lines[2]}" appended
	assert_equal "${lines[3]}" whole
	assert_equal "${lines[4]}" 1
	assert_equal "${lines[5]}" "after: from-l1"
}

@test "eng-overlayfs: a thread per CPU waits for requests; one that hangs holds no other up; a signal unmounts" {
	# the lower layer is the mount of a second daemon, stopped: a read of a file of it
	# hangs in the first daemon until the second is let go on.  The first runs on one
	# CPU, so its one waiting thread is the one that takes the hanging read.  (Only
	# commands under timeout touch the first mount while the second is stopped.)
	run in_userns "set -e
		mkdir -p $W/q/low $W/q/bup $W/q/bwork $W/q/b $W/q/up $W/q/work $W/q/mnt
		echo below >$W/q/low/f
		$OVLFS -o lowerdir=$W/q/low,upperdir=$W/q/bup,workdir=$W/q/bwork $W/q/b
		taskset -c 0 $OVLFS -o lowerdir=$W/q/b,upperdir=$W/q/up,workdir=$W/q/work $W/q/mnt
		a=\$(pgrep -n -f 'upperdir=$W/q/up,'); b=\$(pgrep -n -f 'upperdir=$W/q/bup,')
		trap 'r=\$?; kill -CONT \$b; umount $W/q/mnt $W/q/b 2>/dev/null || true; exit \$r' EXIT
		grep Cpus_allowed_list /proc/\$a/task/*/status | sed 's/.*:[[:space:]]*//' | sort | uniq -c | sed 's/^ *//' | tr '\n' ' '; echo
		(exec 5<$W/q/mnt/f; touch $W/q/opened; sleep 2; cat <&5 >$W/q/out) >/dev/null 2>&1 &
		for i in \$(seq 100); do [ -e $W/q/opened ] && break; sleep 0.1; done
		kill -STOP \$b; sleep 3
		timeout 20 setfattr -n user.t -v yes $W/q/mnt
		timeout 20 getfattr --absolute-names --only-values -n user.t $W/q/mnt; echo
		echo waiting: \$(cat $W/q/out)
		kill -CONT \$b
		for i in \$(seq 100); do [ -s $W/q/out ] && break; sleep 0.1; done
		echo read: \$(cat $W/q/out)
		kill -TERM \$a
		for i in \$(seq 100); do grep -q ' $W/q/mnt ' /proc/mounts || break; sleep 0.1; done
		if grep -q ' $W/q/mnt ' /proc/mounts; then echo still mounted; else echo unmounted; fi"
	assert_status 0
	# all its threads on the one CPU it may use (a run that shows the CPUs; the binding
	# itself is checked on a mount free to use them all, below)
	[[ "${lines[0]}" =~ ^[0-9]+" 0 "$ ]] || fail "threads' CPUs: ${lines[0]}"
	assert_equal "${lines[1]}" yes
	assert_equal "${lines[2]}" "waiting:"
	assert_equal "${lines[3]}" "read: below"
	assert_equal "${lines[4]}" unmounted
	# on every CPU it may use, a thread of its own (up to four; on more, libfuse's threads)
	run in_userns "sh $H/ovl-layers.sh $W/p && $(mount_ovl "$W/p") && pid=\$(pgrep -n -f 'eng-overlayfs -o lowerdir=$W/p') &&
		grep -h Cpus_allowed_list /proc/\$pid/task/*/status | sed 's/.*:[[:space:]]*//' | grep -cxE '[0-9]+'; umount $W/p/mnt"
	assert_status 0
	local n
	n=$(nproc)
	if [ "$n" -le 4 ]; then
		[ "$output" -ge "$n" ] || fail "$output threads bound to a CPU, $n CPUs"
	else
		assert_equal "$output" 0
	fi
}

@test "eng-overlayfs: 100,000 create/write/rename/unlink and 10,000 mmap cycles leave fds and memory flat" {
	# what the daemon holds: descriptors but the worker threads' splice pipes (two
	# per thread, gone with it), its threads, its resident set
	local probe='echo $(ls -l /proc/$pid/fd | grep -vc pipe:) $(ls -l /proc/$pid/fd | grep -c pipe:) $(ls /proc/$pid/task | wc -l) $(awk "/^VmRSS/ { print \$2 }" /proc/$pid/status)'
	run in_userns "sh $H/ovl-layers.sh $W/s && $(mount_ovl "$W/s") &&
		pid=\$(pgrep -n -f 'eng-overlayfs -o lowerdir=$W/s') &&
		$ENG_TEST_INIT stress $W/s/mnt 10000 1000 && $probe &&
		$ENG_TEST_INIT stress $W/s/mnt 100000 10000 && $probe &&
		umount $W/s/mnt"
	assert_status 0
	local fd1 pipes1 threads1 rss1 fd2 pipes2 threads2 rss2
	read -r fd1 pipes1 threads1 rss1 <<<"${lines[0]}"
	read -r fd2 pipes2 threads2 rss2 <<<"${lines[1]}"
	assert_equal "$fd2" "$fd1" "descriptors other than pipes"
	[ "$pipes2" -le $((2 * threads2)) ] || fail "$pipes2 pipes for $threads2 threads"
	[ "$threads2" -le 16 ] || fail "$threads2 threads"
	# (a sanitizer build's memory says nothing of ours)
	[ -n "${ASAN_OPTIONS:-}" ] || [ $((rss2 - rss1)) -lt 1024 ] || fail "resident set grew from $rss1 to $rss2 KiB"
	[ -n "${ASAN_OPTIONS:-}" ] || [ "$rss2" -le 4096 ] || fail "resident set after the load: $rss2 KiB"
}

@test "eng-overlayfs: containers run on it (--storage-driver fuse-overlay); it lives as long as the container" {
	require_busybox
	run eng --storage-driver fuse-overlay run --rm --network none "$IMG" sh -c 'echo hi >/tmp/x && cat /tmp/x && mount | grep " / "'
	assert_status 0
	assert_equal "${lines[0]}" hi
	assert_contains "${lines[1]}" "fuse.eng-overlayfs"
	eng --storage-driver fuse-overlay run -d --name fo --network none "$IMG" sleep 300 >/dev/null
	pgrep -u "$(id -u)" -f "eng-overlayfs --hook" >/dev/null || fail "no eng-overlayfs for the container"
	run eng exec -u 1000 fo sh -c 'echo mine >/tmp/own && ls -ln /tmp/own'
	assert_status 0
	assert_contains "$output" " 1000 "
	eng stop -t 1 fo >/dev/null
	for _ in $(seq 50); do
		pgrep -u "$(id -u)" -f "eng-overlayfs --hook" >/dev/null || break
		sleep 0.1
	done
	! pgrep -u "$(id -u)" -f "eng-overlayfs --hook" >/dev/null || fail "eng-overlayfs outlived its container"
	# its upper directory kept what the container wrote
	eng start fo >/dev/null
	run eng exec fo cat /tmp/own
	assert_equal "$output" mine
	eng rm -f fo >/dev/null
	run eng --storage-driver fuse-overlay info --format json
	assert_equal "$(json .store.graphDriverName)" fuse-overlay
}

@test "eng-overlayfs: podman takes it as its mount_program" {
	command -v podman >/dev/null || skip "podman is not installed"
	require_busybox
	local conf=$BATS_TEST_TMPDIR/storage.conf
	cat >"$conf" <<-CONF
		[storage]
		driver = "overlay"
		graphroot = "$W/podman/root"
		runroot = "$W/podman/run"
		[storage.options.overlay]
		mount_program = "$OVLFS"
	CONF
	run env CONTAINERS_STORAGE_CONF="$conf" podman --cgroup-manager cgroupfs run --rm --cgroups=disabled --network none --tls-verify=false "$IMG" sh -c 'echo via-podman >/tmp/p && cat /tmp/p && mount | grep " / "'
	assert_status 0
	assert_contains "$output" via-podman
	assert_contains "$output" eng-overlayfs
	# commit mounts the layers read-only (lowerdir alone) to tell what changed
	local p=(env CONTAINERS_STORAGE_CONF="$conf" podman --cgroup-manager cgroupfs)
	"${p[@]}" rm -f eng-commit >/dev/null 2>&1 || true
	run "${p[@]}" run --name eng-commit --cgroups=disabled --network none "$IMG" sh -c 'echo committed >/tmp/c'
	assert_status 0
	run "${p[@]}" commit -q eng-commit eng-committed
	assert_status 0
	run "${p[@]}" run --rm --cgroups=disabled --network none eng-committed cat /tmp/c
	assert_status 0
	assert_equal "$output" committed
	"${p[@]}" rm -f eng-commit >/dev/null 2>&1 || true
	"${p[@]}" rmi -f eng-committed >/dev/null 2>&1 || true
}

@test "eng-overlayfs: lowerdir alone mounts the layers read-only, as fuse-overlayfs does" {
	run in_userns "sh $H/ovl-layers.sh $W/r oci && $OVLFS -o lowerdir=$W/r/l1:$W/r/l2 $W/r/mnt &&
		cat $W/r/mnt/a $W/r/mnt/d/sub/x && ls $W/r/mnt/od &&
		(test -e $W/r/mnt/gone && echo shows || echo hidden) &&
		(touch $W/r/mnt/new 2>&1 | grep -c 'Read-only file system');
		umount $W/r/mnt; ls -A $W/r/work | wc -l"
	assert_status 0
	assert_equal "${lines[0]}" from-l1
	assert_equal "${lines[1]}" deep
	assert_equal "${lines[2]}" shown
	assert_equal "${lines[3]}" hidden
	assert_equal "${lines[4]}" 1
	# nothing written anywhere
	assert_equal "${lines[5]}" 0
}
