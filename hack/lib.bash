# Shared by hack/test and hack/demo: install what is needed, prepare the
# unprivileged test user and the devices, stage and build the tree.
# Everything here runs as root.

ENG_TEST_USER=${ENG_TEST_USER:-engtest}
ENG_SUBID_START=${ENG_SUBID_START:-200000}
ENG_SUBID_COUNT=${ENG_SUBID_COUNT:-65536}

# Debian packages: to build, to run, to test.
ENG_BUILD_PACKAGES="autoconf automake libtool pkg-config make gcc libc6-dev git
  libcurl4-openssl-dev libjansson-dev libssl-dev libarchive-dev libfuse3-dev
  libslirp-dev libglib2.0-dev libseccomp-dev check libzstd-dev zlib1g-dev"
ENG_RUN_PACKAGES="uidmap fuse3 iproute2 util-linux passwd"
ENG_TEST_PACKAGES="bats docker-registry skopeo umoci buildah busybox-static debootstrap
  zstd apache2-utils openssl curl attr jq tar clang-format nginx-light clang libclang-rt-14-dev
  crun podman python3 containerd"

say() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

require_root() {
	[ "$(id -u)" = 0 ] && return 0
	if command -v sudo >/dev/null; then
		exec sudo -E "$0" "$@"
	fi
	die "run this as root (it installs packages and prepares a test user)"
}

install_packages() { # PACKAGE...
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null || die "apt-get update failed"
	apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# The unprivileged user the integration tests run as, with subordinate ids.
setup_test_user() {
	if ! id "$ENG_TEST_USER" >/dev/null 2>&1; then
		say "creating the test user $ENG_TEST_USER"
		useradd --create-home --shell /bin/bash "$ENG_TEST_USER"
	fi
	# useradd gives new users a range when /etc/subuid exists; make sure.
	local f
	for f in /etc/subuid /etc/subgid; do
		touch "$f"
		if ! grep -q "^$ENG_TEST_USER:" "$f"; then
			echo "$ENG_TEST_USER:$ENG_SUBID_START:$ENG_SUBID_COUNT" >>"$f"
		fi
	done
}

# /dev/fuse and /dev/net/tun as Debian and Fedora ship them: 0666.
setup_devices() {
	[ -e /dev/fuse ] || mknod -m 0666 /dev/fuse c 10 229 || true
	if [ ! -e /dev/net/tun ]; then
		mkdir -p /dev/net
		mknod -m 0666 /dev/net/tun c 10 200 || true
	fi
	chmod 0666 /dev/fuse /dev/net/tun 2>/dev/null || true
}

# Debian's crun (podman's runtime, used by the podman tests) refuses a
# hybrid cgroup layout whose v2 tree holds a controller ("cgroups in hybrid
# mode not supported"): on such a machine hugetlb is left on v2.  It goes to
# a v1 hierarchy of its own, as a distribution's hybrid layout has it.
setup_cgroups_for_crun() {
	local v2=/sys/fs/cgroup/unified
	[ "$(stat -fc %T "$v2" 2>/dev/null)" = cgroup2fs ] || return 0
	grep -qw hugetlb "$v2/cgroup.controllers" 2>/dev/null || return 0
	grep -qw hugetlb "$v2/cgroup.subtree_control" && return 0
	mkdir -p /sys/fs/cgroup/hugetlb 2>/dev/null &&
		mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null ||
		echo "warning: hugetlb stays on cgroup v2: crun (podman) will refuse to run here" >&2
}

# Copy the working tree (tracked and untracked files git does not ignore)
# to a world-readable place, so the test user can read it wherever the
# clone is, and so builds never touch the developer's tree.
stage_tree() { # SRC DEST
	local src=$1 dest=$2
	rm -rf "$dest"
	mkdir -p "$dest"
	if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
		# --ignore-failed-read: a tracked file deleted in the working tree is left out
		(cd "$src" && git ls-files -z --cached --others --exclude-standard |
			tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) |
			tar -xf - -C "$dest"
	else
		(cd "$src" && tar --exclude=./build --exclude=.git -cf - .) | tar -xf - -C "$dest"
	fi
	chmod -R a+rX "$dest"
}

build_tree() { # SRC BUILDDIR [configure options]
	local src=$1 dir=$2
	shift 2
	mkdir -p "$dir"
	(cd "$src" && [ -x configure ] || ./autogen.sh >/dev/null 2>&1) || die "autogen.sh failed"
	(cd "$dir" && "$src/configure" --enable-werror "$@" >configure.out 2>&1) ||
		{ tail -n 30 "$dir/configure.out" >&2; die "configure failed (see $dir/config.log)"; }
	make -C "$dir" -j"$(nproc)" >"$dir/make.out" 2>&1 ||
		{ tail -n 40 "$dir/make.out" >&2; die "make failed"; }
	chmod -R a+rX "$dir"
}

# Run a command as the test user, with a clean login-like environment and
# no XDG_RUNTIME_DIR (as after su, under cron, in CI).
as_test_user() {
	local home
	home=$(getent passwd "$ENG_TEST_USER" | cut -d: -f6)
	runuser -u "$ENG_TEST_USER" -- env -i HOME="$home" USER="$ENG_TEST_USER" \
		LOGNAME="$ENG_TEST_USER" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
		LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"
}

# Start the two test registries (plain HTTP; TLS with basic auth) on a copy
# of the fixture images.  Sets REG_STATE, ENG_TEST_REGISTRY and friends.
start_registries() { # FIXTURES_DIR STATE_DIR
	local fixtures=$1 state=$2
	REG_STATE=$state
	mkdir -p "$state"
	chmod 0755 "$state"
	say "starting the test registries"
	cp -a "$fixtures/registry" "$state/storage"
	registry_start "$state/plain" "$(registry_free_port)" "$state/storage" plain ||
		die "the plain registry did not start"
	registry_start "$state/tls" "$(registry_free_port)" "$state/storage" tls ||
		die "the TLS registry did not start"
	# A registry that lies: the busybox layer's data altered, its digest kept.
	local layer data
	layer=$(skopeo inspect --tls-verify=false --raw \
		"docker://$(cat "$state/plain/address")/eng-test/busybox:latest" | jq -r '.layers[0].digest' | cut -d: -f2)
	cp -al "$state/storage" "$state/storage-corrupt"
	data=$state/storage-corrupt/docker/registry/v2/blobs/sha256/${layer:0:2}/$layer/data
	cp "$data" "$data.new" && mv "$data.new" "$data"
	printf '\xff\xff\xff\xff' | dd of="$data" bs=1 seek=100000 conv=notrunc status=none
	registry_start "$state/corrupt" "$(registry_free_port)" "$state/storage-corrupt" plain ||
		die "the corrupt registry did not start"
	# nginx in front of the plain registry: blobs at a limited rate (to stop a
	# pull half way), injected 500s under eng-test/broken/, and a log of the
	# Range of each request.
	proxy_start "$state/proxy" "$(registry_free_port)" "$(cat "$state/plain/address")" ||
		die "the test proxy did not start"
	# As root, and with 127.0.0.1's ports 80 and 443 free: a plain registry
	# on 80, for an insecure registry named without a port, whose 443
	# refuses the connection.
	ENG_TEST_REGISTRY_PORT80=
	if [ "$(id -u)" = 0 ] && ! ss -Hltn "( sport = :80 or sport = :443 )" | grep -q .; then
		registry_start "$state/port80" 80 "$state/storage" plain ||
			die "the registry on port 80 did not start"
		ENG_TEST_REGISTRY_PORT80=127.0.0.1
	fi
	chmod a+rX "$state/plain" "$state/tls" "$state/proxy"
	chmod a+r "$state/tls/ca.crt" "$state/tls/password" "$state/proxy/access.log"
	export ENG_TEST_REGISTRY ENG_TEST_REGISTRY_TLS ENG_TEST_REGISTRY_CA \
		ENG_TEST_REGISTRY_USER ENG_TEST_REGISTRY_PASSWORD ENG_TEST_FIXTURES \
		ENG_TEST_REGISTRY_CORRUPT ENG_TEST_REGISTRY_SLOW ENG_TEST_PROXY_LOG \
		ENG_TEST_REGISTRY_PORT80
	ENG_TEST_REGISTRY_CORRUPT=$(cat "$state/corrupt/address")
	ENG_TEST_REGISTRY_SLOW=$(cat "$state/proxy/address")
	ENG_TEST_PROXY_LOG=$state/proxy/access.log
	ENG_TEST_REGISTRY=$(cat "$state/plain/address")
	ENG_TEST_REGISTRY_TLS=$(cat "$state/tls/address")
	ENG_TEST_REGISTRY_CA=$state/tls/ca.crt
	ENG_TEST_REGISTRY_USER=$ENG_REGISTRY_USER
	ENG_TEST_REGISTRY_PASSWORD=$(cat "$state/tls/password")
	ENG_TEST_FIXTURES=$fixtures
}

stop_registries() {
	[ -n "${REG_STATE:-}" ] || return 0
	registry_stop "$REG_STATE/plain"
	registry_stop "$REG_STATE/tls"
	registry_stop "$REG_STATE/corrupt"
	registry_stop "$REG_STATE/proxy"
	registry_stop "$REG_STATE/port80"
	rm -rf "$REG_STATE"
	REG_STATE=
}
