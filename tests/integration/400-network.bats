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
	busybox httpd -f -p "127.0.0.1:$HOSTPORT" -h "$BATS_TEST_TMPDIR/www" &
	HTTPD=$!
}

teardown() {
	kill "$HTTPD" 2>/dev/null || true
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
	# the busybox image exposes nothing: -P publishes nothing, and runs
	run eng run --rm -P "$IMG" true
	assert_status 0
}
