#!/usr/bin/env bats
# eng info: every fact it reports, checked against an independent probe.

load helpers

info_json() {
	run --separate-stderr "$ENG" --root "$BATS_TEST_TMPDIR/store" info --format json "$@"
	assert_status 0
}

@test "info: user, uid and gid" {
	info_json
	assert_equal "$(json .host.user.uid)" "$(id -u)" uid
	assert_equal "$(json .host.user.gid)" "$(id -g)" gid
	assert_equal "$(json .host.user.name)" "$(id -un)" name
	assert_equal "$(json .host.user.rootless)" "$([ "$(id -u)" = 0 ] && echo false || echo true)"
	assert_equal "$(json .host.arch)" "$(dpkg --print-architecture)" arch
	assert_equal "$(json .host.kernel)" "$(uname -r)" kernel
}

@test "info: podman's field names for the distribution, runtime, log driver, graph options" {
	# scripts ask podman info for these by name
	local id version
	id=$(. /etc/os-release && echo "$ID")
	version=$(. /etc/os-release && echo "$VERSION_ID")
	run "$ENG" --root "$BATS_TEST_TMPDIR/store" info --format '{{.Host.Distribution.Distribution}} {{.Host.Distribution.Version}}'
	assert_status 0
	assert_equal "$output" "$id $version"
	run "$ENG" --root "$BATS_TEST_TMPDIR/store" info --format '{{.Host.OCIRuntime.Name}} {{.Host.LogDriver}}'
	assert_equal "$output" "eng-runtime k8s-file"
	run "$ENG" --root "$BATS_TEST_TMPDIR/store" info --format '{{.Host.OCIRuntime.Path}}'
	[ -x "$output" ] || fail "OCIRuntime.Path '$output' is not a program"
	info_json --storage-driver vfs
	assert_equal "$(json '.store.graphOptions | type')" object
	assert_equal "$(json '.store.graphOptions | length')" 0
	info_json --storage-driver fuse-overlay
	[ -x "$(json '.store.graphOptions["overlay.mount_program"].Executable')" ] || fail "no mount program"
}

@test "info: subordinate ranges from /etc/subuid and /etc/subgid" {
	local me
	me=$(id -un)
	grep -q "^$me:" /etc/subuid || skip "no /etc/subuid entry for $me"
	info_json
	local start count
	IFS=: read -r _ start count < <(grep "^$me:" /etc/subuid | head -n 1)
	assert_equal "$(json '.host.subordinateIds.uid.ranges[0].start')" "$start"
	assert_equal "$(json '.host.subordinateIds.uid.ranges[0].count')" "$count"
	IFS=: read -r _ start count < <(grep "^$me:" /etc/subgid | head -n 1)
	assert_equal "$(json '.host.subordinateIds.gid.ranges[0].start')" "$start"
	assert_equal "$(json '.host.subordinateIds.gid.ranges[0].count')" "$count"
	assert_equal "$(json .host.subordinateIds.uid.file)" /etc/subuid
	assert_not_contains "$(json '.hints[]')" "no subordinate"
}

@test "info: newuidmap and newgidmap, installed and setuid" {
	info_json
	local p
	for h in newuidmap newgidmap; do
		p=$(command -v "$h")
		assert_equal "$(json ".host.$h.path")" "$p" "$h path"
		if [ -u "$p" ] && [ "$(stat -c %u "$p")" = 0 ]; then
			assert_equal "$(json ".host.$h.usable")" true "$h usable"
			assert_equal "$(json ".host.$h.detail")" "setuid root"
		else
			assert_equal "$(json ".host.$h.usable")" false "$h usable"
		fi
	done
}

@test "info: user namespaces with the full subordinate mapping" {
	grep -q "^$(id -un):" /etc/subuid || skip "no /etc/subuid entry"
	info_json
	assert_equal "$(json .host.userNamespaces.usable)" true
	# 0 -> the user, 1.. -> the subordinate range, as newuidmap wrote it
	local start count
	IFS=: read -r _ start count < <(grep "^$(id -un):" /etc/subuid | head -n 1)
	assert_equal "$(json '.host.idMappings.uidmap | map("\(.container_id):\(.host_id):\(.size)") | join(",")')" \
		"0:$(id -u):1,1:$start:$count"
	assert_contains "$(json .host.userNamespaces.detail)" "$((count + 1)) uids"
	# The same mapping really works: an independent check with unshare and newuidmap.
	run unshare --user --map-auto --map-root-user id -u
	if [ "$status" -eq 0 ]; then
		assert_equal "$output" 0
	fi
}

@test "info: native overlay in a user namespace matches an independent mount" {
	local d=$BATS_TEST_TMPDIR/ov expected
	mkdir -p "$d"/{l,u,w,m}
	if unshare -rm sh -c "mount -t overlay overlay -o lowerdir=$d/l,upperdir=$d/u,workdir=$d/w,userxattr $d/m && touch $d/m/x" 2>/dev/null; then
		expected=true
	else
		expected=false
	fi
	info_json
	assert_equal "$(json .host.nativeOverlay.usable)" "$expected" "nativeOverlay.usable"
	if [ "$expected" = true ]; then
		assert_equal "$(json .store.graphDriverName)" overlay
	fi
	# The probe leaves nothing behind in the store.
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/store")" "" "store after the probe"
}

@test "info: /dev/fuse matches what open(2) says" {
	info_json
	if [ -r /dev/fuse ] && [ -w /dev/fuse ]; then
		assert_equal "$(json .host.fuse.usable)" true
	else
		assert_equal "$(json .host.fuse.usable)" false
		assert_contains "$(json '.hints[]')" "chmod 0666 /dev/fuse"
	fi
	assert_equal "$(json .host.fuse.device)" /dev/fuse
}

@test "info: /dev/net/tun matches a tap made in a new user and network namespace" {
	local expected=false
	if unshare -rn ip tuntap add dev tap0 mode tap 2>/dev/null; then
		expected=true
	fi
	info_json
	assert_equal "$(json .host.tun.usable)" "$expected" "tun.usable"
}

@test "info: cgroup version and delegation" {
	local fstype version delegated=false own
	fstype=$(stat -fc %T /sys/fs/cgroup)
	case $fstype in
	cgroup2fs) version=v2 ;;
	tmpfs) if [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then version=hybrid; else version=v1; fi ;;
	*) version=unknown ;;
	esac
	info_json
	assert_equal "$(json .host.cgroups.version)" "$version" "cgroup version"
	own=$(json .host.cgroups.path)
	if [ -n "$own" ] && [ "$own" != null ] && [ "$(stat -c %u "$own")" = "$(id -u)" ] && [ -w "$own/cgroup.procs" ]; then
		delegated=true
	fi
	assert_equal "$(json .host.cgroups.delegated)" "$delegated" "delegated"
	if [ "$delegated" = false ]; then
		assert_contains "$(json '.hints[]')" "--memory, --cpus and --pids-limit are refused"
	fi
}

@test "info: store paths follow XDG, and the run root falls back without XDG_RUNTIME_DIR" {
	run --separate-stderr env -u XDG_RUNTIME_DIR -u XDG_DATA_HOME HOME="$BATS_TEST_TMPDIR/home" \
		"$ENG" --log-level debug info --format json
	assert_status 0
	assert_equal "$(json .store.graphRoot)" "$BATS_TEST_TMPDIR/home/.local/share/eng"
	assert_equal "$(json .store.configDir)" "$BATS_TEST_TMPDIR/home/.config/eng"
	assert_equal "$(json .store.runRoot)" "/tmp/eng-run-$(id -u)"
	assert_equal "$(json .store.runRootFallback)" true
	# Said at debug level, and the directory is ours and private.
	assert_contains "$stderr" "XDG_RUNTIME_DIR is not set; using the run root '/tmp/eng-run-$(id -u)'"
	assert_equal "$(stat -c '%u %a' "/tmp/eng-run-$(id -u)")" "$(id -u) 700"

	mkdir -m 0700 "$BATS_TEST_TMPDIR/xrd"
	run --separate-stderr env XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/xrd" XDG_DATA_HOME="$BATS_TEST_TMPDIR/data" \
		"$ENG" info --format json
	assert_status 0
	assert_equal "$(json .store.runRoot)" "$BATS_TEST_TMPDIR/xrd/eng"
	assert_equal "$(json .store.runRootFallback)" false
	assert_equal "$(json .store.graphRoot)" "$BATS_TEST_TMPDIR/data/eng"
}

@test "info: an XDG_RUNTIME_DIR that is not ours (after su) is not used" {
	run --separate-stderr env XDG_RUNTIME_DIR=/tmp HOME="$BATS_TEST_TMPDIR/home" "$ENG" info --format json
	assert_status 0
	assert_equal "$(json .store.runRoot)" "/tmp/eng-run-$(id -u)"
	assert_contains "$(json .store.runRootReason)" "XDG_RUNTIME_DIR '/tmp'"
}

@test "info: a fallback run root planted by someone else is refused" {
	local d=/tmp/eng-run-$(id -u) saved=""
	if [ -e "$d" ]; then
		saved=$BATS_TEST_TMPDIR/saved-runroot
		mv "$d" "$saved"
	fi
	ln -s / "$d"
	run env -u XDG_RUNTIME_DIR "$ENG" info
	rm -f "$d"
	[ -z "$saved" ] || mv "$saved" "$d"
	assert_status 125
	assert_contains "$output" "'$d' is not a directory"
}

@test "info: without subordinate ids it says what is missing and what to do" {
	: >"$BATS_TEST_TMPDIR/empty"
	ENG_SUBUID_FILE=$BATS_TEST_TMPDIR/empty ENG_SUBGID_FILE=$BATS_TEST_TMPDIR/empty info_json
	assert_equal "$(json '.host.subordinateIds.uid.ranges | length')" 0
	assert_equal "$(json '.host.idMappings.uidmap | length')" 1
	assert_equal "$(json '.host.idMappings.uidmap[0].host_id')" "$(id -u)"
	assert_equal "$(json .host.userNamespaces.usable)" true
	assert_contains "$(json '.hints[]')" "no subordinate uids for '$(id -un)'"
	assert_contains "$(json '.hints[]')" "usermod --add-subuids 100000-165535 $(id -un)"
	assert_contains "$(json '.hints[]')" "usermod --add-subgids"
	# the range proposed is one nobody in the file has
	printf 'someone:100000:65536\nother:165536:10\n' >"$BATS_TEST_TMPDIR/taken"
	ENG_SUBUID_FILE=$BATS_TEST_TMPDIR/taken ENG_SUBGID_FILE=$BATS_TEST_TMPDIR/empty info_json
	assert_contains "$(json '.hints[]')" "usermod --add-subuids 165546-231081 $(id -un)"
	assert_contains "$(json '.hints[]')" "usermod --add-subgids 100000-165535 $(id -un)"
}

@test "info: without newuidmap it says which package to install" {
	grep -q "^$(id -un):" /etc/subuid || skip "no /etc/subuid entry"
	mkdir "$BATS_TEST_TMPDIR/emptybin"
	run --separate-stderr env PATH="$BATS_TEST_TMPDIR/emptybin" "$ENG" --root "$BATS_TEST_TMPDIR/store" info --format json
	assert_status 0
	assert_equal "$(json .host.newuidmap.usable)" false
	assert_equal "$(json .host.newuidmap.path)" null
	assert_contains "$(json '.hints[]')" "install the Debian package uidmap"
	# The subordinate mapping cannot be written, so eng falls back to the single one.
	assert_contains "$(json .host.userNamespaces.detail)" "only a single-id user namespace works"
	assert_equal "$(json '.host.idMappings.uidmap | length')" 1
}

@test "info: the human form shows the same facts" {
	run --separate-stderr "$ENG" --root "$BATS_TEST_TMPDIR/store" info
	assert_status 0
	assert_contains "$output" "host:"
	assert_contains "$output" "    uid: $(id -u)"
	assert_contains "$output" "  graphRoot: $BATS_TEST_TMPDIR/store"
	assert_contains "$output" "  userNamespaces:"
	assert_contains "$output" "hints:"
}
