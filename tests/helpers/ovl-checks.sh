#!/bin/sh
# ovl-checks.sh MOUNT TESTINIT: the file-system semantics suite; run against an
# overlay of ovl-layers.sh's layers, as root of a user namespace with
# subordinate ids.  Prints "check: result" lines that must be the same for
# native overlayfs and eng-overlayfs; a check that does not hold prints
# "FAIL" in its result.
set -u
cd "$1" || exit 1
t=$2
list() { ls -A "$@" 2>&1 | sort | tr '\n' ' '; }
is() { [ "$1" = "$2" ] && echo "$1" || echo "FAIL (got '$1', want '$2')"; }

echo "root: $(is "$(list .)" "a copy d doomed f2only huge lazy mv od pair1 pair2 sl ")"
echo "read top: $(is "$(cat a)" from-l1)"
echo "read bottom: $(is "$(cat f2only)" from-l2)"
echo "whiteout: $(is "$(test -e gone && echo shows || echo hidden)" hidden)"
echo "opaque: $(is "$(list od)" "shown ")"
echo "merged: $(is "$(list d)" "sub y ")"
echo "deep: $(is "$(cat d/sub/x)" deep)"
# a lower directory's attributes, once known, follow its changes
m0=$(stat -c %y d/sub)
: >d/sub/made
echo "lower dir mtime: $(is "$([ "$(stat -c %y d/sub)" != "$m0" ] && echo changed || echo same)" changed)"
chmod 751 d/sub
echo "lower dir chmod: $(is "$(stat -c %a d/sub)" 751)"
rm d/sub/made
# a lock taken through a lower file opened for writing outlives its copy-up
exec 5>>d/y
flock -x 5
echo more >&5
echo "lock across copy-up: $(is "$(flock -n d/y true && echo free || echo held)" held)"
exec 5>&-
echo "lock released: $(is "$(flock -n d/y true && echo free || echo held)" free)"
echo "symlink: $(is "$(readlink sl):$(cat sl)" a:from-l1)"
echo "owner: $(is "$(stat -c %u:%g copy)" 7:8)"
echo "lower xattr: $(is "$(getfattr --only-values -n user.lower copy 2>&1)" kept)"
echo "no layer xattrs: $(is "$(getfattr -d -m - od 2>&1 | grep -c overlay)" 0)"
# copy-up: data, owner, times, xattrs kept; the inode number too
ino=$(stat -c %i copy)
chmod 640 copy
echo "chmod: $(is "$(stat -c %a:%u:%g:%Y copy)" 640:7:8:1000000000)"
echo "copy-up xattr: $(is "$(getfattr --only-values -n user.lower copy 2>&1)" kept)"
echo more >>copy
echo "append: $(is "$(cat copy | tr '\n' ' ')" "data more ")"
echo "stable inode: $(is "$([ "$(stat -c %i copy)" = "$ino" ] && echo same || echo changed)" same)"
chown 3:4 copy
echo "chown: $(is "$(stat -c %u:%g copy)" 3:4)"
touch -d @1234567890 copy
echo "utimes: $(is "$(stat -c %Y copy)" 1234567890)"
truncate -s 3 copy
echo "truncate: $(is "$(cat copy)" dat)"
# copy-up keeps every mode (of directories too: made ahead, then given theirs)
# (an attribute set copies up and leaves set-id bits, which a write clears)
for f in d/sub/m/f*; do setfattr -n user.t -v 1 "$f"; done
for f in d/sub/m/?[0-9]*/x; do echo more >>"$f"; done
echo "copy-up modes: $(is "$(stat -c %a d/sub/m d/sub/m/* | tr '\n' ' ')" "700 2755 444 4755 600 755 2775 1777 700 ")"
echo "copy-up data: $(is "$(cat d/sub/m/f4755 d/sub/m/k1777/x | tr '\n' ' ')" "4755 x more ")"
echo more >>d/sub/m/f4755
echo "write clears set-id: $(is "$(stat -c %a d/sub/m/f4755)" 755)"
setfattr -n user.new -v v1 f2only
echo "setxattr: $(is "$(getfattr --only-values -n user.new f2only)" v1)"
setfattr -x user.new f2only
echo "removexattr: $(is "$(getfattr -n user.new f2only 2>&1 | grep -c 'No such attribute')" 1)"
# new entries
echo new >newfile
echo "create: $(is "$(cat newfile)" new)"
ln newfile newlink
echo "link: $(is "$(stat -c %h newfile):$(cat newlink)" 2:new)"
ln -s newfile newsl
echo "new symlink: $(is "$(readlink newsl)" newfile)"
mkfifo fifo
echo "fifo: $(is "$(stat -c %F fifo)" fifo)"
mkdir -p nd/sub
echo "mkdir: $(is "$(list nd)" "sub ")"
fallocate -l 8192 falloc
echo "fallocate: $(is "$(stat -c %s falloc)" 8192)"
echo "mmap: $(is "$("$t" mmap newfile NEW)" NEW)"
echo "fsync: $(sync newfile && echo ok)"
echo "statfs: $(stat -f . >/dev/null && echo ok)"
# a lower file opened for writing and only read; then written through the same descriptor
exec 3<>lazy
echo "open for writing: $(is "$(cat lazy)" lazy)"
echo LAZY >&3
exec 3>&-
echo "written later: $(is "$(cat lazy)" LAZY)"
# opened for writing, removed, then written: the descriptor keeps its file, the name stays gone
exec 4<>doomed
rm doomed
echo "write after unlink: $(echo late >&4 && echo ok)"
exec 4>&-
echo "no resurrection by write: $(is "$(test -e doomed && echo shows || echo gone)" gone)"
echo "mmap lower: $(is "$("$t" mmap d/sub/x DEEP)" DEEP)"
echo "mmap lower content: $(is "$(cat d/sub/x)" DEEP)"
# removals: lower entries become whiteouts
rm f2only
echo "unlink lower: $(is "$(test -e f2only && echo shows || echo gone)" gone)"
rm -r d
echo "rmdir merged: $(is "$(test -e d && echo shows || echo gone)" gone)"
mkdir d
echo "mkdir over removed: $(is "$(list d)" "")"
rmdir od 2>/dev/null
echo "rmdir not empty: $(is "$(test -d od && echo kept)" kept)"
# renames
mv a a2
echo "rename file: $(is "$(cat a2):$(test -e a && echo shows || echo gone)" from-l1:gone)"
echo x >t1
echo y >t2
mv t1 t2
echo "rename over: $(is "$(cat t2):$(test -e t1 && echo shows || echo gone)" x:gone)"
mv mv mv2
echo "rename lower dir: $(is "$(list mv2):$(cat mv2/inner):$(test -e mv && echo shows || echo gone)" "inner :moved:gone")"
mv od od3
echo "rename opaque dir: $(is "$(list od3)" "shown ")"
mkdir od
echo "no resurrection: $(is "$(list od)" "")"
echo "root after: $(is "$(list .)" "a2 copy d falloc fifo huge lazy mv2 nd newfile newlink newsl od od3 pair1 pair2 sl t2 ")"
# many entries in one directory
mkdir many
i=0
while [ $i -lt 300 ]; do : >"many/f$i"; i=$((i + 1)); done
echo "readdir 300: $(is "$(ls many | wc -l)" 300)"
rm -r many
echo "rm 300: $(is "$(test -e many && echo shows || echo gone)" gone)"
# a write past the end of a big lower file (eng-overlayfs copies the data in
# after the write: meanwhile reads, writes inside, truncation and times)
pattern() { seq 1 7000000 | head -c 34603008; }
sum() { sha256sum | cut -c1-16; }
printf x >>huge/b1
m1=$(stat -c %y huge/b1)
echo "big links during: $(is "$(stat -c %h huge/b1)" 1)"
echo "big append: $(is "$(sum <huge/b1)" "$( (pattern && printf x) | sum)")"
echo "big append size: $(is "$(stat -c %s huge/b1)" 34603009)"
echo "big append mtime: $(is "$([ "$(stat -c %Y huge/b1)" -gt 1000000000 ] && echo new || echo old)" new)"
sleep 1
m2=$(stat -c %y huge/b1)
echo "big mtime steady: $(is "$([ "$m2" = "$m1" ] && echo steady || echo "moved from $m1 to $m2")" steady)"
echo "big links: $(is "$(stat -c %h huge/b1)" 1)"
printf x >>huge/b2
printf Z | dd of=huge/b2 bs=1 seek=1000 conv=notrunc status=none
echo "big write inside: $(is "$(sum <huge/b2)" "$( (pattern | head -c 1000 && printf Z && pattern | tail -c +1002 && printf x) | sum)")"
printf x >>huge/b3
truncate -s 100 huge/b3
echo "big truncate: $(is "$(sum <huge/b3)" "$(pattern | head -c 100 | sum)")"
printf x >>huge/b4
touch -d @1234567890 huge/b4
echo "big utimes: $(is "$(stat -c %Y huge/b4)" 1234567890)"
rm huge/b4
echo "big unlink: $(is "$(list huge)" "b1 b2 b3 ")"
