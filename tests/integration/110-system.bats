#!/usr/bin/env bats
# eng system check and df: the store verified and repaired.

load helpers

setup() {
	require_registry
	R=$ENG_TEST_REGISTRY
	eng pull -q --tls-verify=false "$R/eng-test/layers:oci-gzip" >/dev/null
	S=$BATS_TEST_TMPDIR/store
}

@test "system check: a whole store has no problems" {
	run eng system check
	assert_status 0
	assert_equal "$output" "No problems found"
}

@test "system check: a missing layer is found, and --repair removes the image so the next pull fetches it" {
	local chain
	chain=$(jq -r '.layers[2]' "$(image_record "$R/eng-test/layers:oci-gzip")" | cut -d: -f2)
	rm "$S/layers/$chain/layer.json"
	run --separate-stderr eng system check
	assert_status 125
	assert_contains "$output" "layer 3 (sha256:$chain) is missing or incomplete"
	assert_contains "$stderr" "'eng system check --repair' removes what is broken"
	run eng system check --repair
	assert_status 0
	assert_contains "$output" "removed (pull it again)"
	assert_equal "$(eng images -q)" "" "images after the repair"
	assert_equal "$(ls "$S/layers" | wc -l)" 0 "layers after the repair"
	run --separate-stderr eng pull --tls-verify=false "$R/eng-test/layers:oci-gzip"
	assert_status 0
	run eng system check
	assert_status 0
}

@test "system check: a damaged blob is found unless --quick" {
	local config
	config=$(jq -r '.config' "$(image_record "$R/eng-test/layers:oci-gzip")" | cut -d: -f2)
	echo garbage >>"$S/blobs/sha256/$config"
	run eng system check --quick
	assert_status 0
	run eng system check
	assert_status 125
	assert_contains "$output" "blob sha256:$config is damaged"
}

@test "system check: a partial download left by a killed pull is reported, and --repair removes it" {
	echo partial >"$S/tmp/partial-$(printf 'a%.0s' {1..64})"
	run eng system check
	assert_status 125
	assert_contains "$output" "a partial download of sha256:aaaa"
	run eng system check --repair
	assert_status 0
	assert_equal "$(ls "$S/tmp" | wc -l)" 0 "tmp/ after the repair"
}

@test "system df: images and their size" {
	run eng system df
	assert_status 0
	[[ "${lines[0]}" =~ ^TYPE\ +TOTAL\ +ACTIVE\ +SIZE\ +RECLAIMABLE$ ]] || fail "header: ${lines[0]}"
	[[ "${lines[1]}" =~ ^Images\ +1\ +0\ +[0-9.]+\ [kM]B ]] || fail "images: ${lines[1]}"
	run eng system df --format json
	assert_equal "$(json .images)" 1
	assert_equal "$(json .layers)" 4
}

@test "store: a partial download left for more than a week is dropped, a recent one kept" {
	local old=$S/tmp/partial-$(printf 'b%.0s' {1..64}) new=$S/tmp/partial-$(printf 'c%.0s' {1..64})
	echo old >"$old"
	echo new >"$new"
	touch -d '8 days ago' "$old"
	run --separate-stderr eng pull -q --tls-verify=false "$R/eng-test/layers:oci-gzip"
	assert_status 0
	[ ! -e "$old" ] || fail "the week-old partial download is still there"
	[ -e "$new" ] || fail "the recent partial download was removed"
}

@test "store: what a killed eng rm left in tmp/ goes at the next start; a live process's stays" {
	local dead
	sh -c 'exit 0' &
	dead=$!
	wait $dead
	# names as storage_tmpdir() makes them: the prefix has a dash of its own
	mkdir -p "$S/tmp/rm-container-$dead-AbC123/diff/etc" "$S/tmp/rm-container-$$-XyZ789"
	echo x >"$S/tmp/rm-container-$dead-AbC123/diff/etc/f"
	run --separate-stderr eng pull -q --tls-verify=false "$R/eng-test/layers:oci-gzip"
	assert_status 0
	[ ! -e "$S/tmp/rm-container-$dead-AbC123" ] || fail "the dead process's directory stayed"
	[ -e "$S/tmp/rm-container-$$-XyZ789" ] || fail "a live process's directory was removed"
	rmdir "$S/tmp/rm-container-$$-XyZ789"
}
