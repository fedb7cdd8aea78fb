#!/usr/bin/env bats
# eng login / logout: credentials checked with the registry and kept where
# podman keeps them.

load helpers

setup() {
	require_registry
	export HOME=$BATS_TEST_TMPDIR/home
	unset XDG_RUNTIME_DIR
	T=$ENG_TEST_REGISTRY_TLS
	mkdir -p "$HOME/.config/containers/certs.d/$T"
	cp "$ENG_TEST_REGISTRY_CA" "$HOME/.config/containers/certs.d/$T/ca.crt"
}

@test "login --password-stdin writes ~/.config/containers/auth.json 0600; pull then needs no --creds" {
	run --separate-stderr eng login -u "$ENG_TEST_REGISTRY_USER" --password-stdin "$T" <<<"$ENG_TEST_REGISTRY_PASSWORD"
	assert_status 0
	assert_equal "$output" "Login Succeeded!"
	local f=$HOME/.config/containers/auth.json
	assert_equal "$(stat -c %a "$f")" 600
	assert_equal "$(jq -r --arg t "$T" '.auths[$t].auth' "$f" | base64 -d)" "$ENG_TEST_REGISTRY_USER:$ENG_TEST_REGISTRY_PASSWORD"
	run --separate-stderr eng pull -q "$T/eng-test/busybox:latest"
	assert_status 0
	run eng logout "$T"
	assert_status 0
	assert_equal "$output" "Removed login credentials for $T"
	assert_equal "$(jq -r '.auths | length' "$f")" 0
	run --separate-stderr eng logout "$T"
	assert_status 125
	assert_contains "$stderr" "not logged into '$T'"
}

@test "login: a wrong password is refused and nothing is written" {
	run --separate-stderr eng login -u "$ENG_TEST_REGISTRY_USER" --password-stdin "$T" <<<"wrong"
	assert_status 125
	assert_contains "$stderr" "logging in to '$T'"
	assert_contains "$stderr" "(HTTP 401)"
	[ ! -e "$HOME/.config/containers/auth.json" ] || fail "an auth file was written"
}

@test "login: without a terminal and without --password-stdin it says what to do" {
	run --separate-stderr setsid -w "$ENG" login -u "$ENG_TEST_REGISTRY_USER" "$T" </dev/null
	assert_status 125
	assert_contains "$stderr" "no terminal to ask for the password"
}

@test "login --authfile, and logout --all; \$XDG_RUNTIME_DIR/containers/auth.json when it is set" {
	run eng login --authfile "$BATS_TEST_TMPDIR/a.json" -u "$ENG_TEST_REGISTRY_USER" --password-stdin "$T" <<<"$ENG_TEST_REGISTRY_PASSWORD"
	assert_status 0
	[ -s "$BATS_TEST_TMPDIR/a.json" ] || fail "no auth file"
	run eng logout --authfile "$BATS_TEST_TMPDIR/a.json" --all
	assert_status 0
	mkdir -m 0700 "$BATS_TEST_TMPDIR/xrd"
	XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/xrd run eng login -u "$ENG_TEST_REGISTRY_USER" --password-stdin "$T" <<<"$ENG_TEST_REGISTRY_PASSWORD"
	assert_status 0
	[ -s "$BATS_TEST_TMPDIR/xrd/containers/auth.json" ] || fail "not in XDG_RUNTIME_DIR"
}

@test "login: a registry the configuration calls insecure is used over plain HTTP" {
	require_registry
	mkdir -p "$HOME/.config/eng"
	printf '{"registries": {"%s": {"insecure": true}}}\n' "$ENG_TEST_REGISTRY" >"$HOME/.config/eng/config.json"
	run --separate-stderr eng login -u someone --password-stdin "$ENG_TEST_REGISTRY" <<<"secret"
	assert_status 0
	assert_contains "$output" "Login Succeeded"
	assert_not_contains "$stderr" "wrong version number"
	# an explicit --tls-verify wins
	run --separate-stderr eng login --tls-verify=true -u someone --password-stdin "$ENG_TEST_REGISTRY" <<<"secret"
	assert_status 125
	rm "$HOME/.config/eng/config.json"
}
