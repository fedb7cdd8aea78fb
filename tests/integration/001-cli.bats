#!/usr/bin/env bats
# The command line: help, version, unknown commands and flags, exit codes.

load helpers

@test "eng --help lists the commands and exits 0" {
	run "$ENG" --help
	assert_status 0
	assert_contains "$output" "Usage: eng [options] COMMAND"
	assert_contains "$output" "info "
	assert_contains "$output" "version "
	assert_contains "$output" "--storage-driver"
}

@test "eng help CMD and eng CMD --help print the same page" {
	run "$ENG" help info
	assert_status 0
	local help_page=$output
	assert_contains "$output" "Usage: eng info [options]"
	run "$ENG" info --help
	assert_status 0
	assert_equal "$output" "$help_page" "eng info --help"
	run "$ENG" info -h
	assert_equal "$output" "$help_page" "eng info -h"
}

@test "eng version, --version and version --format json agree" {
	run "$ENG" --version
	assert_status 0
	[[ "$output" =~ ^eng\ version\ ([0-9]+\.[0-9]+\.[0-9]+)$ ]] || fail "got '$output'"
	local v=${BASH_REMATCH[1]}
	run "$ENG" version
	assert_status 0
	# podman's lines, in podman's order (its system tests read them so)
	assert_equal "${lines[0]}" "Client:       eng"
	assert_equal "${lines[1]}" "Version:      $v"
	assert_equal "${lines[2]}" "API Version:  none (eng serves no API yet)"
	[[ "${lines[3]}" =~ ^Go\ Version:\ +none\ \(eng\ is\ C,\ built\ by\ (gcc|clang)\  ]] ||
		fail "Go Version line: ${lines[3]}"
	[[ "${lines[4]}" =~ ^Built:\ +[A-Z][a-z]{2}\ [A-Z][a-z]{2}\ [\ 0-9][0-9]\ [0-9:]{8}\ [0-9]{4}$ ]] ||
		fail "Built line: ${lines[4]}"
	assert_equal "${lines[5]}" "OS/Arch:      linux/$(dpkg --print-architecture)"
	run "$ENG" version --format json
	assert_status 0
	# podman's shape: everything under "Client"
	assert_equal "$(json .Client.Version)" "$v"
	assert_equal "$(json .Client.APIVersion)" ""
	assert_equal "$(json .Client.GoVersion)" ""
	assert_equal "$(json '.Client.Built | type')" "number"
	assert_equal "$(json '.Client.Libraries | keys | sort | join(",")')" \
		"jansson,libcurl,libseccomp,openssl"
	# the same fields as info's .version, as podman's
	run "$ENG" info --format '{{.Version.Version}} {{.Version.OsArch}}'
	assert_equal "$output" "$v linux/$(dpkg --print-architecture)"
}

@test "no command: usage on stderr, exit 125" {
	run --separate-stderr "$ENG"
	assert_status 125
	assert_equal "$output" "" "stdout"
	assert_contains "$stderr" "missing command"
}

@test "an unknown command exits 125 with a suggestion" {
	run --separate-stderr "$ENG" inof
	assert_status 125
	assert_equal "$stderr" "Error: unknown command 'inof' (did you mean 'info'?); see 'eng --help'"
	run "$ENG" frobnicate
	assert_status 125
	assert_equal "$output" "Error: unknown command 'frobnicate'; see 'eng --help'"
}

@test "a podman command eng does not have yet says so, exit 125" {
	run "$ENG" build .
	assert_status 125
	assert_equal "$output" "Error: 'build' is not implemented yet; see 'eng --help' for what works"
}

@test "an unknown flag exits 125 with a suggestion" {
	run "$ENG" info --fromat json
	assert_status 125
	assert_equal "$output" "Error: unknown flag '--fromat' (did you mean '--format'?); see 'eng info --help'"
	run "$ENG" version -z
	assert_status 125
	assert_equal "$output" "Error: unknown shorthand flag '-z'; see 'eng version --help'"
	run "$ENG" --bogus info
	assert_status 125
	assert_contains "$output" "unknown flag '--bogus'"
	# a subcommand's hint names it whole (it said 'eng df --help')
	run "$ENG" system df --bogus
	assert_equal "$output" "Error: unknown flag '--bogus'; see 'eng system df --help'"
	run "$ENG" image prune extra
	assert_equal "$output" "Error: 'eng image prune' takes no arguments, got 'extra'; see 'eng image prune --help'"
}

@test "long flags are taken by their exact names only, as podman's; run -h is --hostname" {
	# getopt's abbreviations: --al was --all, --pid=host was --pids-limit
	run "$ENG" ps --al
	assert_status 125
	assert_equal "$output" "Error: unknown flag '--al' (did you mean '--all'?); see 'eng ps --help'"
	run "$ENG" run --pid=host busybox true
	assert_status 125
	assert_contains "$output" "unknown flag '--pid'"
	run "$ENG" ps --all --quiet
	assert_status 0
	# a container's own arguments are its own
	run "$ENG" run --help
	assert_contains "$output" "-h, --hostname NAME"
	assert_not_contains "$output" "-h, --help"
	assert_contains "$output" "    --help"
}

@test "--help lists every option a command takes" {
	# run's page once left out -d, -p, -P, --label, --restart and --userns,
	# and said user-mode networking was missing: the page is now made from
	# the table the options are parsed with
	run "$ENG" run --help
	assert_status 0
	local flag
	for flag in "-d, --detach" "-p, --publish" "-P, --publish-all" "-l, --label" \
		"--restart POLICY" "--userns MODE" "--network, --net MODE" "-m, --memory" \
		"--cpus N" "--pids-limit N" "--read-only-tmpfs[=BOOL]"; do
		assert_contains "$output" "$flag"
	done
	assert_not_contains "$output" "until user-mode networking"
	run "$ENG" create --help
	assert_contains "$output" "-p, --publish"
	run "$ENG" logs --help
	assert_contains "$output" "--since TIME"
	run "$ENG" rm --help
	assert_contains "$output" "--depend"
	run "$ENG" help container
	assert_status 0
	assert_contains "$output" "exists CONTAINER"
	run "$ENG" help run
	assert_status 0
	assert_contains "$output" "-P, --publish-all"
}

@test "--noout: nothing on stdout, errors still on stderr (podman's global flag)" {
	run --separate-stderr "$ENG" --noout version
	assert_status 0
	assert_equal "$output" ""
	run --separate-stderr "$ENG" version --noout --format json
	assert_status 0
	assert_equal "$output" ""
	run --separate-stderr "$ENG" --noout rmi no-such-image
	assert_status 1
	assert_equal "$output" ""
	assert_contains "$stderr" "no-such-image"
	run "$ENG" --help
	assert_contains "$output" "--noout"
}

@test "a flag without its argument exits 125" {
	run "$ENG" info --format
	assert_status 125
	assert_equal "$output" "Error: flag '--format' needs an argument; see 'eng info --help'"
}

@test "--log-level: podman's names in any case; a bad one exits 1 with podman's words" {
	run --separate-stderr "$ENG" --log-level loud info
	assert_status 1
	assert_equal "$stderr" 'Log Level "loud" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic'
	# after the command too
	run --separate-stderr "$ENG" info --log-level=telepathic
	assert_status 1
	assert_contains "$stderr" 'Log Level "telepathic" is not supported'
	local l
	for l in trace debug info warn warning error fatal panic DEBUG Warn; do
		run "$ENG" --log-level "$l" version --format '{{.Version}}'
		assert_status 0
	done
	# trace is debug; error keeps debug lines out
	run --separate-stderr env -u XDG_RUNTIME_DIR "$ENG" --log-level TRACE \
		--root "$BATS_TEST_TMPDIR/s" ps
	assert_status 0
	assert_contains "$stderr" "eng: debug: XDG_RUNTIME_DIR is not set"
	run --separate-stderr env -u XDG_RUNTIME_DIR "$ENG" --log-level error \
		--root "$BATS_TEST_TMPDIR/s" ps
	assert_equal "$stderr" ""
}

@test "--events-backend: podman's values taken, others refused" {
	local b
	for b in file journald none; do
		run "$ENG" --events-backend "$b" version --format '{{.Version}}'
		assert_status 0
		run "$ENG" --root "$BATS_TEST_TMPDIR/s" ps --events-backend="$b"
		assert_status 0
	done
	run "$ENG" --events-backend syslog ps
	assert_status 125
	assert_contains "$output" "--events-backend 'syslog': use file, journald or none"
	run "$ENG" --help
	assert_contains "$output" "--events-backend BACKEND"
}

@test "bad values of global options exit 125 and name the value" {
	run "$ENG" info --storage-driver btrfs
	assert_status 125
	assert_contains "$output" "unknown storage driver 'btrfs' (known: overlay, fuse-overlay, vfs)"
	run "$ENG" --root relative/path info
	assert_status 125
	assert_contains "$output" "give an absolute path"
	run "$ENG" info --format '{{if .Host}}x{{end}}'
	assert_status 125
	assert_contains "$output" "'if' is not understood"
}

@test "--format Go templates: info, version" {
	run "$ENG" info --format '{{.Host.Arch}}/{{.Host.Os}}'
	assert_status 0
	assert_equal "$output" "$(dpkg --print-architecture)/linux"
	run "$ENG" version --format '{{.Client.Version}}'
	assert_status 0
	assert_equal "$output" "$("$ENG" version --format json | jq -r .Client.Version)"
}

@test "operands a command does not take are refused" {
	run "$ENG" info extra
	assert_status 125
	assert_contains "$output" "'eng info' takes no arguments, got 'extra'"
}

@test "global options work before and after the command" {
	run "$ENG" --root "$BATS_TEST_TMPDIR/a" info --format json
	assert_status 0
	assert_equal "$(json .store.graphRoot)" "$BATS_TEST_TMPDIR/a"
	run "$ENG" info --format json --root "$BATS_TEST_TMPDIR/b" --runroot "$BATS_TEST_TMPDIR/r"
	assert_status 0
	assert_equal "$(json .store.graphRoot)" "$BATS_TEST_TMPDIR/b"
	assert_equal "$(json .store.runRoot)" "$BATS_TEST_TMPDIR/r"
}
