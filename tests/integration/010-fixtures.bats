#!/usr/bin/env bats
# The fixture images are in both test registries, in every form the tests
# need (checked with skopeo, independently of eng).

load helpers

setup() {
	require_registry
	certs=$BATS_TEST_TMPDIR/certs
	mkdir -p "$certs"
	cp "$ENG_TEST_REGISTRY_CA" "$certs/ca.crt"
}

plain() { # skopeo inspect against the plain registry
	skopeo inspect --tls-verify=false "$@"
}

tls() { # skopeo inspect against the TLS registry, verified, with credentials
	skopeo inspect --cert-dir "$certs" --creds "$ENG_TEST_REGISTRY_USER:$ENG_TEST_REGISTRY_PASSWORD" "$@"
}

@test "fixtures: every image is in both registries" {
	local n=0 ref
	while IFS=$'\t' read -r ref _; do
		run plain "docker://$ENG_TEST_REGISTRY/$ref"
		assert_status 0
		run tls "docker://$ENG_TEST_REGISTRY_TLS/$ref"
		assert_status 0
		n=$((n + 1))
	done <"$ENG_TEST_FIXTURES/images"
	[ "$n" -ge 12 ] || fail "only $n images listed"
}

@test "fixtures: the TLS registry asks for credentials and checks them" {
	run skopeo inspect --cert-dir "$certs" "docker://$ENG_TEST_REGISTRY_TLS/eng-test/busybox:latest"
	[ "$status" -ne 0 ] || fail "inspect without credentials succeeded"
	assert_contains "$output" "unauthorized"
	run skopeo inspect --cert-dir "$certs" --creds "$ENG_TEST_REGISTRY_USER:wrong" \
		"docker://$ENG_TEST_REGISTRY_TLS/eng-test/busybox:latest"
	[ "$status" -ne 0 ] || fail "inspect with a wrong password succeeded"
	# and its certificate is not trusted without the CA
	run skopeo inspect --creds "$ENG_TEST_REGISTRY_USER:$ENG_TEST_REGISTRY_PASSWORD" \
		"docker://$ENG_TEST_REGISTRY_TLS/eng-test/busybox:latest"
	[ "$status" -ne 0 ] || fail "inspect without the CA succeeded"
	assert_contains "$output" "certificate"
}

@test "fixtures: busybox is one OCI layer with busybox in it" {
	run plain --raw "docker://$ENG_TEST_REGISTRY/eng-test/busybox:latest"
	assert_status 0
	assert_equal "$(json .config.mediaType)" application/vnd.oci.image.config.v1+json
	assert_equal "$(json '.layers | length')" 1
	assert_equal "$(json '.layers[0].mediaType')" application/vnd.oci.image.layer.v1.tar+gzip
	skopeo copy -q --src-tls-verify=false "docker://$ENG_TEST_REGISTRY/eng-test/busybox:latest" "dir:$BATS_TEST_TMPDIR/bb"
	local blob
	blob=$BATS_TEST_TMPDIR/bb/$(json '.layers[0].digest' | cut -d: -f2)
	run tar -tzvf "$blob"
	assert_status 0
	assert_contains "$output" "./bin/busybox"
	assert_contains "$output" "./bin/sh -> busybox"
}

# The compression and manifest type of each form of the layers image.
@test "fixtures: the layers image as OCI gzip, zstd, uncompressed and Docker gzip, uncompressed" {
	local tag mt ct lt oci=application/vnd.oci.image docker=application/vnd.docker
	# (an OCI manifest may leave out its mediaType; its config's type says what it is)
	while read -r tag mt ct lt; do
		run plain --raw "docker://$ENG_TEST_REGISTRY/eng-test/layers:$tag"
		assert_status 0
		assert_equal "$(json .schemaVersion)" 2 "$tag schemaVersion"
		assert_equal "$(json '.mediaType // "-"')" "$mt" "$tag manifest type"
		assert_equal "$(json .config.mediaType)" "$ct" "$tag config type"
		assert_equal "$(json '.layers | length')" 4 "$tag layer count"
		assert_equal "$(json '[.layers[].mediaType] | unique | join(",")')" "$lt" "$tag layer type"
	done <<-EOF
		oci-gzip - $oci.config.v1+json $oci.layer.v1.tar+gzip
		oci-zstd - $oci.config.v1+json $oci.layer.v1.tar+zstd
		oci-plain - $oci.config.v1+json $oci.layer.v1.tar
		docker-gzip $docker.distribution.manifest.v2+json $docker.container.image.v1+json $docker.image.rootfs.diff.tar.gzip
		docker-plain $docker.distribution.manifest.v2+json $docker.container.image.v1+json $docker.image.rootfs.diff.tar
	EOF
	# The same image in every form: the uncompressed layers (diff IDs) agree.
	local ids=""
	for tag in oci-gzip oci-zstd oci-plain docker-gzip docker-plain; do
		run skopeo inspect --tls-verify=false --config "docker://$ENG_TEST_REGISTRY/eng-test/layers:$tag"
		assert_status 0
		if [ -z "$ids" ]; then
			ids=$(json '.rootfs.diff_ids | join(",")')
		else
			assert_equal "$(json '.rootfs.diff_ids | join(",")')" "$ids" "$tag diff_ids"
		fi
	done
}

@test "fixtures: the layers image has whiteouts, an opaque dir, links, setuid, owners, xattrs, an empty layer" {
	skopeo copy -q --src-tls-verify=false "docker://$ENG_TEST_REGISTRY/eng-test/layers:oci-plain" "dir:$BATS_TEST_TMPDIR/l"
	run plain --raw "docker://$ENG_TEST_REGISTRY/eng-test/layers:oci-plain"
	local d=$BATS_TEST_TMPDIR/l listing=() i
	for i in 0 1 2 3; do
		listing[i]=$(tar --xattrs --xattrs-include='*' -tvf "$d/$(json ".layers[$i].digest" | cut -d: -f2)" --numeric-owner)
	done
	# layer 2: whiteouts, opaque directory, links, setuid, owners
	assert_contains "${listing[1]}" "./data/.wh.remove-me"
	assert_contains "${listing[1]}" "./opt/replace/.wh..wh..opq"
	assert_contains "${listing[1]}" "./srv/hl-b link to ./srv/hl-a"
	assert_contains "${listing[1]}" "./srv/rel-link -> ../data/keep"
	assert_contains "${listing[1]}" "./srv/abs-link -> /data/keep"
	grep -Eq '^-rwsr-xr-x +0/0 .* \./usr/bin/suid-prog$' <<<"${listing[1]}" || fail "no setuid file"
	assert_contains "${listing[1]}" "1000/1000"
	assert_contains "${listing[1]}" "65534/65534"
	# layer 3 is empty, layer 4 deletes a whole directory
	assert_equal "${listing[2]}" "" "the empty layer"
	assert_contains "${listing[3]}" "./data/.wh.old"
	# the xattr is in the layer (pax header)
	run tar --xattrs --xattrs-include='user.*' -xf "$d/$(json '.layers[1].digest' | cut -d: -f2)" -C "$BATS_TEST_TMPDIR" ./srv/xattr-file
	assert_status 0
	assert_equal "$(getfattr --only-values -n user.eng.test "$BATS_TEST_TMPDIR/srv/xattr-file")" fixture
}

@test "fixtures: the multiarch index names linux/amd64 and linux/arm64, OCI and Docker" {
	run plain --raw "docker://$ENG_TEST_REGISTRY/eng-test/multiarch:latest"
	assert_status 0
	assert_equal "$(json .mediaType)" application/vnd.oci.image.index.v1+json
	assert_equal "$(json '[.manifests[].platform | "\(.os)/\(.architecture)"] | sort | join(",")')" "linux/amd64,linux/arm64"
	run plain --raw "docker://$ENG_TEST_REGISTRY/eng-test/multiarch:docker"
	assert_status 0
	assert_equal "$(json .mediaType)" application/vnd.docker.distribution.manifest.list.v2+json
	assert_equal "$(json '[.manifests[].platform.architecture] | sort | join(",")')" "amd64,arm64"
	# each is its own image
	run plain --override-arch arm64 "docker://$ENG_TEST_REGISTRY/eng-test/multiarch:latest"
	assert_status 0
	assert_equal "$(json .Architecture)" arm64
	local arm
	arm=$(json '.Layers[0]')
	run plain --override-arch amd64 "docker://$ENG_TEST_REGISTRY/eng-test/multiarch:latest"
	assert_status 0
	assert_equal "$(json .Architecture)" amd64
	[ "$(json '.Layers[0]')" != "$arm" ] || fail "amd64 and arm64 are the same image"
}

@test "fixtures: the Debian image has iperf3, about 6,700 files and no device nodes" {
	local root=$ENG_TEST_FIXTURES/rootfs/debian
	[ -x "$root/usr/bin/iperf3" ] || fail "no iperf3"
	local n
	n=$(find "$root" 2>/dev/null | wc -l)
	[ "$n" -gt 5000 ] && [ "$n" -lt 9000 ] || fail "$n entries"
	assert_equal "$(find "$root/dev" -mindepth 1 2>/dev/null | wc -l)" 0 "entries in /dev"
	run plain "docker://$ENG_TEST_REGISTRY/eng-test/debian:bookworm"
	assert_status 0
	assert_equal "$(json '.Layers | length')" 1
	run plain --raw "docker://$ENG_TEST_REGISTRY/eng-test/debian:bookworm-zstd"
	assert_equal "$(json '.layers[0].mediaType')" application/vnd.oci.image.layer.v1.tar+zstd
}

@test "fixtures: the large image is a few hundred MiB over several layers" {
	run plain --raw "docker://$ENG_TEST_REGISTRY/eng-test/large:latest"
	assert_status 0
	local layers size
	layers=$(json '.layers | length')
	size=$(json '[.layers[].size] | add')
	[ "$layers" -ge 4 ] || fail "$layers layers"
	[ "$size" -gt $((100 * 1024 * 1024)) ] || fail "compressed size $size"
	run plain --raw "docker://$ENG_TEST_REGISTRY/eng-test/large:zstd"
	assert_equal "$(json '[.layers[].mediaType] | unique | join(",")')" application/vnd.oci.image.layer.v1.tar+zstd
}
