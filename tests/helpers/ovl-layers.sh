#!/bin/sh
# ovl-layers.sh DIR [oci]: two lower layers in DIR/l1 (top) and DIR/l2, as the
# store writes them (0/0 character-device whiteouts, user.overlay.opaque), or
# with "oci" as plain OCI trees (.wh.NAME files, .wh..wh..opq markers); an
# empty DIR/upper and DIR/work.  Run as root of a user namespace.
set -eu
d=$1
form=${2:-store}
mkdir -p "$d/l1" "$d/l2" "$d/upper" "$d/work" "$d/mnt"
# the bottom layer
echo from-l2 >"$d/l2/f2only"
echo shadowed >"$d/l2/a"
echo gone-below >"$d/l2/gone"
mkdir -p "$d/l2/d/sub" "$d/l2/od"
echo deep >"$d/l2/d/sub/x"
echo below-opaque >"$d/l2/od/hidden"
echo pair >"$d/l2/pair1"
ln "$d/l2/pair1" "$d/l2/pair2"
# every kind of mode, for copy-up to keep
mkdir -m 700 "$d/l2/d/sub/m"
for m in 600 755 4755 2755 444; do
	echo "$m" >"$d/l2/d/sub/m/f$m"
	chmod "$m" "$d/l2/d/sub/m/f$m"
done
for m in k1777 g2775 p700; do
	mkdir -m "${m#?}" "$d/l2/d/sub/m/$m"
	echo x >"$d/l2/d/sub/m/$m/x"
done
mkdir "$d/l2/mv"
echo moved >"$d/l2/mv/inner"
# the top layer
echo from-l1 >"$d/l1/a"
mkdir -p "$d/l1/d" "$d/l1/od"
echo top >"$d/l1/d/y"
echo shown >"$d/l1/od/shown"
ln -s a "$d/l1/sl"
echo data >"$d/l1/copy"
echo lazy >"$d/l1/lazy"
echo doomed >"$d/l1/doomed"
touch -d @1000000000 "$d/l1/copy"
# big files (33 MiB: eng-overlayfs copies their data after a write past the end)
mkdir "$d/l1/huge"
for n in 1 2 3 4; do
	seq 1 7000000 | head -c 34603008 >"$d/l1/huge/b$n"
	touch -d @1000000000 "$d/l1/huge/b$n"
done
chown 7:8 "$d/l1/copy"
setfattr -n user.lower -v kept "$d/l1/copy"
if [ "$form" = oci ]; then
	: >"$d/l1/.wh.gone"
	: >"$d/l1/od/.wh..wh..opq"
else
	mknod "$d/l1/gone" c 0 0
	setfattr -n user.overlay.opaque -v y "$d/l1/od"
fi
