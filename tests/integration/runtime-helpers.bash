# Loaded by the eng-runtime tests: a bundle in $B, state in $STATE, $RT.

rt() {
	"$RT" --root "$STATE" "$@"
}

# edit JQ_FILTER [jq args...]: change the bundle's config.json
edit() {
	local f=$1
	shift
	jq "$@" "$f" "$B/config.json" >"$B/config.json.new"
	mv "$B/config.json.new" "$B/config.json"
}

# set_args ARGS...: the bundle's process runs ARGS without a terminal
set_args() {
	local args
	args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	edit '.process.terminal = false | .process.args = $a' --argjson a "$args"
}
