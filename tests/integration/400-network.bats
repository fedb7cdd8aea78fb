#!/usr/bin/env bats
# --network slirp: libslirp behind a tap in the container's network namespace.
# All traffic stays on this machine: a server of the test on 127.0.0.1.

load helpers

# port_free PORT: nothing listens on 127.0.0.1:PORT
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

setup() {
	require_busybox
	S=$BATS_TEST_TMPDIR/store
	# a small HTTP server on the host's loopback (busybox httpd, as the test user)
	mkdir -p "$BATS_TEST_TMPDIR/www"
	echo hello-from-host >"$BATS_TEST_TMPDIR/www/index.html"
	# ports below Linux's ephemeral range (32768 up), none of the six we use taken
	local try
	for try in $(seq 50); do
		HOSTPORT=$(( (RANDOM % 8000) + 21000 ))
		port_free "$HOSTPORT" && port_free $((HOSTPORT + 1)) && port_free $((HOSTPORT + 2)) &&
			port_free $((HOSTPORT + 3)) && break
	done
	# a CGI page that says who asked (outbound_addr)
	mkdir -p "$BATS_TEST_TMPDIR/www/cgi-bin"
	printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$BATS_TEST_TMPDIR/www/cgi-bin/peer"
	chmod +x "$BATS_TEST_TMPDIR/www/cgi-bin/peer"
	busybox httpd -f -p "127.0.0.1:$HOSTPORT" -h "$BATS_TEST_TMPDIR/www" &
	HTTPD=$!
	HTTPD6=
}

teardown() {
	kill "$HTTPD" $HTTPD6 2>/dev/null || true
	eng rm -a -f >/dev/null 2>&1 || true
	clean_store
}

# no_helper_left: every eng-slirp of this test is gone (a few seconds at most)
no_helper_left() {
	for _ in $(seq 50); do
		pgrep -u "$(id -u)" -f "eng-slirp" >/dev/null || return 0
		sleep 0.1
	done
	fail "eng-slirp processes left: $(pgrep -u "$(id -u)" -a -f eng-slirp)"
}

@test "slirp: the container has tap0, a default route and 10.0.2.3 for DNS" {
	run eng run --rm --network slirp "$IMG" sh -c 'ip -4 addr show tap0; ip route; cat /etc/resolv.conf; grep host.containers.internal /etc/hosts'
	assert_status 0
	assert_contains "$output" "inet 10.0.2.100/24"
	assert_contains "$output" "default via 10.0.2.2 dev tap0"
	assert_contains "$output" "nameserver 10.0.2.3"
	assert_contains "$output" "10.0.2.2	host.containers.internal"
	# the container's own name resolves (through /etc/hosts) to its address
	run eng run --rm --name selfname --network slirp "$IMG" sh -c 'httpd -p 8080 -h /etc && wget -qO- http://selfname:8080/hostname && wget -qO- "http://$(hostname):8080/hostname"'
	assert_status 0
	assert_equal "${lines[0]}" "${lines[1]}"
	no_helper_left
	run eng info --format json
	assert_equal "$(json .host.networkBackend)" slirp
	[ -x "$(json .host.slirp.executable)" ] || fail "no eng-slirp in eng info"
}

@test "slirp: the host's loopback through 10.0.2.2 only when allowed" {
	run eng run --rm --network slirp:allow_host_loopback=true "$IMG" wget -qO- "http://host.containers.internal:$HOSTPORT/"
	assert_status 0
	assert_equal "$output" hello-from-host
	run eng run --rm --network slirp "$IMG" sh -c "nc -w 2 10.0.2.2 $HOSTPORT </dev/null"
	assert_status 1
	assert_contains "$output" "can't connect"
	# slirp4netns is the same mode, with its options
	run eng run --rm --network slirp4netns:allow_host_loopback=true,mtu=1500 "$IMG" sh -c "cat /sys/class/net/tap0/mtu; wget -qO- http://10.0.2.2:$HOSTPORT/"
	assert_equal "$output" $'1500\nhello-from-host'
	no_helper_left
}

@test "slirp: published ports reach detached containers; two at once; a taken port is refused" {
	local p1=$(( HOSTPORT + 1 )) p2=$(( HOSTPORT + 2 ))
	eng run -d --name web1 --network slirp -p "$p1:8080" "$IMG" httpd -f -p 8080 -h /etc >/dev/null
	eng run -d --name web2 --network slirp -p "127.0.0.1:$p2:80" "$IMG" httpd -f -p 80 -h /etc >/dev/null
	local h1 h2
	h1=$(eng inspect -f '{{.Config.Hostname}}' web1)
	h2=$(eng inspect -f '{{.Config.Hostname}}' web2)
	for _ in $(seq 30); do
		curl -sf -m 2 "http://127.0.0.1:$p1/hostname" >/dev/null && break
		sleep 0.1
	done
	assert_equal "$(curl -s -m 3 "http://127.0.0.1:$p1/hostname")" "$h1"
	assert_equal "$(curl -s -m 3 "http://127.0.0.1:$p2/hostname")" "$h2"
	run eng ps
	assert_contains "$output" "0.0.0.0:$p1->8080/tcp"
	assert_contains "$output" "127.0.0.1:$p2->80/tcp"
	run eng inspect -f '{{.HostConfig.NetworkMode}}' web1
	assert_equal "$output" slirp4netns
	# the port is taken: the run fails before the command, naming the port
	run eng run --rm --network slirp -p "$p1:80" "$IMG" true
	assert_status 125
	assert_contains "$output" "$p1/tcp"
	run eng run --rm --network none -p "$p1:80" "$IMG" true
	assert_status 125
	assert_contains "$output" "needs the slirp network"
	# stopped: the port is free again, and no helper is left
	eng rm -f web1 web2 >/dev/null
	no_helper_left
	run eng run --rm --network slirp -p "$p1:80" "$IMG" true
	assert_status 0
}

@test "slirp: eng port lists the published ports; -P publishes what the image exposes" {
	local p1=$(( HOSTPORT + 3 ))
	eng run -d --name pp --network slirp -p "$p1:80" -p "127.0.0.1:$(( p1 + 1 ))-$(( p1 + 2 )):81-82/udp" "$IMG" sleep 300 >/dev/null
	run eng port pp
	assert_status 0
	assert_equal "$output" "$(printf '80/tcp -> 0.0.0.0:%s\n81/udp -> 127.0.0.1:%s\n82/udp -> 127.0.0.1:%s' "$p1" "$((p1 + 1))" "$((p1 + 2))")"
	# inspect and ps show them as podman does
	run eng inspect -f '{{json .NetworkSettings.Ports}}' pp
	assert_equal "$output" "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"$p1\"}],\"81/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$((p1 + 1))\"}],\"82/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$((p1 + 2))\"}]}"
	run eng ps --format json
	assert_equal "$(json '.[0].Ports | map("\(.host_ip)|\(.host_port)|\(.container_port)|\(.protocol)") | join(" ")')" \
		"|$p1|80|tcp 127.0.0.1|$((p1 + 1))|81|udp 127.0.0.1|$((p1 + 2))|82|udp"
	# the busybox image exposes nothing: -P publishes nothing, and runs
	run eng run --rm -P "$IMG" true
	assert_status 0
	# a container port alone gets a free host port, as podman picks one
	eng run -d --name pick --network slirp -p 80 -p 127.0.0.1::81/udp "$IMG" sleep 300 >/dev/null
	run eng port pick
	assert_status 0
	[[ "$(sed -n 1p <<<"$output")" =~ ^80/tcp\ -\>\ 0\.0\.0\.0:[0-9]+$ ]] || fail "port 80: $output"
	[[ "$(sed -n 2p <<<"$output")" =~ ^81/udp\ -\>\ 127\.0\.0\.1:[0-9]+$ ]] || fail "port 81: $output"
	eng rm -f pick >/dev/null
	run eng run --rm -p 80:x "$IMG" true
	assert_status 125
}

# the Debian fixture image (perl, iperf3)
require_debian() {
	DEB=$ENG_TEST_REGISTRY/eng-test/debian:bookworm
	eng pull -q --tls-verify=false "$DEB" >/dev/null
}

# udp_ask PORT TEXT: send TEXT to 127.0.0.1:PORT over UDP until an answer comes (5 s)
udp_ask() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]", Proto => "udp") or die "socket: $!";
		for (1 .. 25) {
			$s->send($ARGV[1]);
			my $r = "";
			eval { local $SIG{ALRM} = sub { die }; alarm 1; $s->recv($r, 2048); alarm 0 };
			if ($r ne "") { print "$r\n"; exit 0 }
		}
		exit 1' "$@"
}

@test "slirp: a UDP echo through a published UDP port, from the host's loopback, both handlers" {
	require_debian
	local p1=$(( HOSTPORT + 1 )) p2=$(( HOSTPORT + 2 ))
	local echo='my $s = IO::Socket::INET->new(LocalPort => 7, Proto => "udp") or die $!; while ($s->recv(my $m, 2048)) { $s->send("echo:$m") }'
	eng run -d --name udp1 -p "$p1:7/udp" "$DEB" perl -MIO::Socket::INET -e "$echo" >/dev/null
	run udp_ask "$p1" hello
	assert_status 0
	assert_equal "$output" echo:hello
	# libslirp's own forwarding (port_handler=slirp4netns), reached from another address
	eng run -d --name udp2 --network slirp:port_handler=slirp4netns,allow_host_loopback=true -p "$p2:7/udp" "$DEB" perl -MIO::Socket::INET -e "$echo" >/dev/null
	run udp_ask "$p2" again
	assert_status 0
	assert_equal "$output" echo:again
	run eng port udp1
	assert_equal "$output" "7/udp -> 0.0.0.0:$p1"
	eng rm -f udp1 udp2 >/dev/null
	no_helper_left
	# the ports are free again
	run udp_ask "$p1" anyone
	assert_status 1
}

@test "slirp: TCP ports through the splice forwarder and through libslirp (port_handler)" {
	local p1=$(( HOSTPORT + 1 ))
	eng run -d --name tcp1 --network slirp:port_handler=slirp4netns -p "$p1:8080" "$IMG" httpd -f -p 8080 -h /etc >/dev/null
	for _ in $(seq 30); do
		curl -sf -m 2 "http://127.0.0.1:$p1/hostname" >/dev/null && break
		sleep 0.1
	done
	assert_equal "$(curl -s -m 3 "http://127.0.0.1:$p1/hostname")" "$(eng inspect -f '{{.Config.Hostname}}' tcp1)"
	eng rm -f tcp1 >/dev/null
	# who the container sees connecting: the forwarder's socket in its own
	# namespace (10.0.2.100), or libslirp's host side (10.0.2.2)
	local h want
	for h in rootlessport slirp4netns; do
		eng run -d --name peer --network "slirp:port_handler=$h" -p "$p1:8080" "$IMG" nc -l -p 8080 -e netstat -tn >/dev/null
		# until nc listens in there (a refused try does not use up its one connection)
		for _ in $(seq 30); do
			run bash -c "exec 3<>/dev/tcp/127.0.0.1/$p1 && cat <&3"
			[[ "$output" == *:8080* ]] && break
			sleep 0.2
		done
		want=10.0.2.100
		[ "$h" = rootlessport ] || want=10.0.2.2
		[[ "$output" =~ 10\.0\.2\.100:8080[[:space:]]+(::ffff:)?$want: ]] || fail "port_handler=$h: the peer is not $want: $output"
		eng rm -f peer >/dev/null
	done
	run eng run --rm --network slirp:port_handler=fast "$IMG" true
	assert_status 125
	assert_contains "$output" "port_handler 'fast'"
	# many connections in a row, each closed by the server (the forwarder lets each go)
	eng run -d --name tcp2 -p "$p1:8080" "$IMG" httpd -f -p 8080 -h /etc >/dev/null
	for _ in $(seq 30); do
		curl -sf -m 2 "http://127.0.0.1:$p1/hostname" >/dev/null && break
		sleep 0.1
	done
	local i
	for i in $(seq 200); do
		curl -sf -m 3 -o /dev/null "http://127.0.0.1:$p1/hostname" || fail "request $i failed"
	done
	# a client that hangs up half way does not take the forwarder with it
	head -c 100000000 /dev/zero | timeout 1 curl -s -m 1 -T - "http://127.0.0.1:$p1/x" >/dev/null || true
	assert_equal "$(curl -s -m 3 "http://127.0.0.1:$p1/hostname")" "$(eng inspect -f '{{.Config.Hostname}}' tcp2)"
	local helper fds
	helper=$(pgrep -u "$(id -u)" -o -x eng-slirp)
	fds=$(ls "/proc/$helper/fd" | wc -l)
	[ "$fds" -lt 40 ] || fail "the helper holds $fds descriptors after the connections ended"
}

@test "slirp: enable_ipv6 gives fd00::100 and reaches the host's ::1 through fd00::2" {
	local p6=$(( HOSTPORT + 3 ))
	busybox httpd -f -p "[::1]:$p6" -h "$BATS_TEST_TMPDIR/www" &
	HTTPD6=$!
	run eng run --rm --network slirp:enable_ipv6=true,allow_host_loopback=true "$IMG" sh -c "ip -6 addr show tap0; ip -6 route; wget -qO- http://[fd00::2]:$p6/"
	assert_status 0
	assert_contains "$output" "inet6 fd00::100/64 scope global"
	assert_contains "$output" "default via fd00::2 dev tap0"
	assert_contains "$output" hello-from-host
	# without it, no IPv6 address beyond the link-local one
	run eng run --rm --network slirp "$IMG" sh -c 'ip -6 addr show tap0 scope global'
	assert_status 0
	assert_equal "$output" ""
	run eng run --rm --network slirp:enable_ipv6=maybe "$IMG" true
	assert_status 125
}

@test "slirp: outbound_addr chooses the address connections leave the host from" {
	run eng run --rm --network slirp:allow_host_loopback=true,outbound_addr=127.0.0.2 "$IMG" wget -qO- "http://10.0.2.2:$HOSTPORT/cgi-bin/peer"
	assert_status 0
	assert_equal "$output" 127.0.0.2
	run eng run --rm --network slirp:allow_host_loopback=true,outbound_addr=lo "$IMG" wget -qO- "http://10.0.2.2:$HOSTPORT/cgi-bin/peer"
	assert_status 0
	assert_equal "$output" 127.0.0.1
	run eng run --rm --network slirp:outbound_addr=nosuchif0 "$IMG" true
	assert_status 125
	assert_contains "$output" "outbound_addr 'nosuchif0'"
}

@test "slirp: the helper is sandboxed: no capabilities, seccomp, an empty root with /etc" {
	eng run -d --name sb --network slirp "$IMG" sleep 300 >/dev/null
	local helper
	helper=$(pgrep -u "$(id -u)" -o -x eng-slirp)
	[ -n "$helper" ] || fail "no helper"
	run grep -E '^(CapEff|CapBnd|Seccomp|NoNewPrivs):' "/proc/$helper/status"
	assert_contains "$output" "CapEff:	0000000000000000"
	assert_contains "$output" "CapBnd:	0000000000000000"
	assert_contains "$output" "Seccomp:	2"
	assert_contains "$output" "NoNewPrivs:	1"
	run ls "/proc/$helper/root/"
	assert_equal "$output" etc
	[ "$(readlink "/proc/$helper/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] || fail "the helper shares our mount namespace"
	# and the network still works, DNS files included
	run eng exec sb cat /etc/resolv.conf
	assert_contains "$output" "nameserver 10.0.2.3"
}

@test "network: container:NAME shares another container's network; ns:PATH joins one by path" {
	local p1=$(( HOSTPORT + 1 ))
	eng run -d --name netowner --network slirp -p "$p1:8080" "$IMG" httpd -f -p 8080 -h /etc >/dev/null
	local h
	h=$(eng inspect -f '{{.Config.Hostname}}' netowner)
	# the second container sees the first one's server on its own loopback, and its tap
	run eng run --rm --network container:netowner "$IMG" sh -c 'wget -qO- http://127.0.0.1:8080/hostname; ip -4 addr show tap0 | grep -c 10.0.2.100; grep host.containers.internal /etc/hosts'
	assert_status 0
	assert_equal "${lines[0]}" "$h"
	assert_equal "${lines[1]}" 1
	assert_contains "$output" host.containers.internal
	run eng run -d --name joiner --network container:netowner "$IMG" sleep 300
	assert_status 0
	run eng inspect -f '{{.HostConfig.NetworkMode}}' joiner
	assert_equal "$output" "container:$(eng inspect -f '{{.Id}}' netowner)"
	# by path: the first container's process
	local pid
	pid=$(eng inspect -f '{{.State.Pid}}' netowner)
	run eng run --rm --network "ns:/proc/$pid/ns/net" "$IMG" wget -qO- http://127.0.0.1:8080/hostname
	assert_status 0
	assert_equal "$output" "$h"
	# what cannot be joined says why
	run eng run --rm --network container:nosuch "$IMG" true
	assert_status 125
	assert_contains "$output" "no container"
	eng create --name stopped "$IMG" true >/dev/null
	run eng run --rm --network container:stopped "$IMG" true
	assert_status 125
	assert_contains "$output" "not running"
	run eng run --rm --network "ns:/proc/$$/ns/net" "$IMG" true
	assert_status 125
	assert_contains "$output" "host's user namespace"
	run eng run --rm --userns keep-id --network container:netowner "$IMG" true
	assert_status 125
	assert_contains "$output" "maps ids otherwise"
	run eng run --rm --network container:netowner -p "$(( p1 + 1 )):80" "$IMG" true
	assert_status 125
	assert_contains "$output" "nothing eng can publish"
	eng rm -f joiner netowner >/dev/null
	no_helper_left
}

@test "network: a container whose network others share goes only after them (--depend, --all)" {
	local oid
	eng run -d --name owner --network none "$IMG" sleep 300 >/dev/null
	eng run -d --name dep1 --network container:owner "$IMG" sleep 300 >/dev/null
	eng create --name dep2 --network container:owner "$IMG" true >/dev/null
	oid=$(eng inspect -f '{{.Id}}' owner)
	# as podman: refused, -f or not, and nothing removed
	run eng rm -f owner
	assert_status 125
	assert_contains "$output" "container $oid has dependent containers which must be removed before it: "
	assert_contains "$output" "$(eng inspect -f '{{.Id}}' dep1)"
	assert_contains "$output" "$(eng inspect -f '{{.Id}}' dep2)"
	assert_equal "$(eng ps -a -q | wc -l)" 3
	# --depend: the dependents first (their ids), then the container itself
	run eng rm -f --depend owner
	assert_status 0
	assert_equal "${#lines[@]}" 3
	assert_equal "${lines[2]}" owner
	assert_equal "$(eng ps -a -q)" ""
	# --all puts them in that order itself
	eng run -d --name owner --network none "$IMG" sleep 300 >/dev/null
	eng run -d --name dep1 --network container:owner "$IMG" sleep 300 >/dev/null
	run eng rm -a -f
	assert_status 0
	assert_equal "${#lines[@]}" 2
	assert_equal "$(eng ps -a -q)" ""
}
