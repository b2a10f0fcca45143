# SPDX-License-Identifier: LGPL-2.1-or-later
# Containers: a program in its own mount and pid namespaces, where another
# build of its library is mounted over the path the host has one at (a
# bind mount), or where it runs chrooted in a tmpfs only it sees.  Its
# frames are named from its own files, as it sees them, whether memtrace
# launched it or attached from outside: never from the host's file at the
# same path (the host's build names its functions alpha_*, the
# container's beta_*, at other offsets).  A file that can be opened
# nowhere gives file+offset.  Every run keeps --verify at 0 mismatches.
. "$E2E_DIR/lib.sh"

for tool in unshare mount chroot ldd setpriv readelf objcopy strip; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
unshare --mount --pid --fork --kill-child true 2>/dev/null ||
	skip "unshare --mount --pid is not permitted here"
can_attach || skip "$why_not"
[ -r "/proc/$$/task/$$/children" ] || skip "the kernel has no /proc/PID/task/TID/children"

# The host's build at the path; the container mounts its own over it.
mkdir -p "$TMP/lib"
lib=$TMP/lib/libcontained.so
cp "$PROGRAMS/libcontained_1.so" "$lib"
host_build=$PROGRAMS/libcontained_1.so
their_build=$PROGRAMS/libcontained_2.so
chain=(mmap beta_inner_mapper lib_map call_lib main)
pattern='mmap\(NULL, 27183,'

# no_host_names EVENTS: no frame is named from the host's build.
no_host_names() {
	! grep -q 'alpha_' "$1" || fail "a name from the host's build: $(grep -m3 'alpha_' "$1")"
}

# child_of PID: the one child of PID, once it has one (unshare's: the
# program, the first process of the new pid namespace).
child_of() {
	wait_until "$1 never started its child" grep -qE '[0-9]' "/proc/$1/task/$1/children"
	tr -d ' ' <"/proc/$1/task/$1/children"
}

# traced PID: some tracer has PID.
traced() {
	grep -qE '^TracerPid:\s+[1-9]' "/proc/$1/status"
}

# attach_run NAME GO CMD...: starts CMD (an unshare of the program, which
# waits until GO, as the program sees it, exists), attaches memtrace
# (MEMTRACE_WRAP, if set, runs it) from outside, lets the program map,
# and waits for both.  Sets $pid, the program's pid on the host.
attach_run() {
	local name=$1 go=$2 job mt status
	shift 2
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.perr" &
	job=$!
	pid=$(child_of "$job")
	wait_until "$name: the program never said ready" grep -qx ready "$TMP/$name.out"
	${MEMTRACE_WRAP:-} "$MEMTRACE" -p "$pid" --verify --regions --events="$TMP/$name.events" \
		>"$TMP/$name.mout" 2>"$TMP/$name.err" &
	mt=$!
	wait_until "$name: memtrace never attached to $pid" traced "$pid"
	: >"/proc/$pid/root$go"
	set +e
	wait "$mt"
	status=$?
	wait "$job"
	set -e
	expect_eq "$name: memtrace's exit status" "$status" 0
	grep -qx ok "$TMP/$name.out" || fail "$name: the program failed: $(cat "$TMP/$name.perr")"
	verified "$TMP/$name.err"
}

# bind_cmd GO: sets $cmd to run the program in a container with its build
# mounted over the host's path, waiting for GO.
bind_cmd() {
	cmd=(unshare --mount --pid --fork --kill-child --propagation private
		sh -c 'mount --bind "$1" "$2" && exec "$3" "$2" "$4"' sh
		"$their_build" "$lib" "$PROGRAMS/contained" "$1")
}

# The bind mount over the host's path, attached from outside.
bind_cmd "$TMP/go.bind"
attach_run bind "$TMP/go.bind" "${cmd[@]}"
expect_chain "$TMP/bind.events" "$pattern" "${chain[@]}"
no_host_names "$TMP/bind.events"
cmp -s "$lib" "$host_build" || fail "the container's mount reached the host's path"

# The same launched by memtrace: the program enters its namespace itself.
: >"$TMP/go.launch"
bind_cmd "$TMP/go.launch"
run_memtrace "$TMP/launch" -f -- "${cmd[@]}"
expect_eq "launch: exit status" "$status" 0
expect_chain "$TMP/launch.events" "$pattern" "${chain[@]}"
no_host_names "$TMP/launch.events"

# Without map_files (no CAP_SYS_ADMIN nor CAP_CHECKPOINT_RESTORE), the file
# is opened at its path under the process's root, checked by its inode.
caps=-sys_admin,-checkpoint_restore
bind_cmd "$TMP/go.nocaps"
MEMTRACE_WRAP="setpriv --inh-caps=$caps --bounding-set=$caps --" \
	attach_run nocaps "$TMP/go.nocaps" "${cmd[@]}"
expect_chain "$TMP/nocaps.events" "$pattern" "${chain[@]}"
no_host_names "$TMP/nocaps.events"

# A chroot in a tmpfs only the container sees, over a host directory that
# holds the host's build and, where the program is, a file that is not
# ELF.  populate.sh ROOT PROGRAMS [delete | debug LIB DEBUG BUILD_ID]:
# with delete, the container's library is deleted once the test makes
# ROOT/deleting (the program has loaded it by then), and ROOT/deleted
# says it is; with debug, the library is LIB, and DEBUG its debug file,
# found by BUILD_ID under the container's /usr/lib/debug only.
croot=$TMP/croot
mkdir -p "$croot/lib"
cp "$host_build" "$croot/lib/libcontained.so"
echo 'not the program' >"$croot/contained"
cat >"$TMP/populate.sh" <<'EOF'
set -e
root=$1 programs=$2
mount -t tmpfs tmpfs "$root"
mkdir -p "$root/lib"
cp "$programs/contained" "$root/contained"
cp "$programs/libcontained_2.so" "$root/lib/libcontained.so"
for dep in $(ldd "$programs/contained" | grep -o '/[^ ]*'); do
	mkdir -p "$root$(dirname "$dep")"
	cp "$dep" "$root$dep"
done
if [ "${3:-}" = debug ]; then
	cp "$4" "$root/lib/libcontained.so"
	mkdir -p "$root/usr/lib/debug/.build-id/${6:0:2}"
	cp "$5" "$root/usr/lib/debug/.build-id/${6:0:2}/${6:2}.debug"
fi
if [ "${3:-}" = delete ]; then
	(
		while [ ! -e "$root/deleting" ]; do sleep 0.02; done
		rm "$root/lib/libcontained.so"
		: >"$root/deleted"
	) &
fi
exec chroot "$root" /contained /lib/libcontained.so /go
EOF
chroot_cmd=(unshare --mount --pid --fork --kill-child --propagation private
	bash "$TMP/populate.sh" "$croot" "$PROGRAMS")
attach_run chroot /go "${chroot_cmd[@]}"
expect_chain "$TMP/chroot.events" "$pattern" "${chain[@]}"
no_host_names "$TMP/chroot.events"
grep -qE " ELF file .*$croot/contained\$" "$TMP/chroot.err" ||
	fail "the chroot's program is not an ELF file in --regions: $(grep "$croot/contained" "$TMP/chroot.err")"
! grep -qE " data file .*$croot/" "$TMP/chroot.err" ||
	fail "a data file in the chroot: $(grep -m3 " data file .*$croot/" "$TMP/chroot.err")"

# Its library stripped, its debug file under the container's root only:
# the static inner mapper is named from it.
build_id=$(readelf -n "$their_build" | sed -nE 's/^ *Build ID: ([0-9a-f]+)$/\1/p')
[ -n "$build_id" ] || fail "the container's build has no build-id"
objcopy --only-keep-debug "$their_build" "$TMP/their.debug"
strip --strip-all -o "$TMP/their.stripped" "$their_build"
[ ! -e "/usr/lib/debug/.build-id/${build_id:0:2}/${build_id:2}.debug" ] ||
	fail "the host has a debug file for the container's build: the test proves nothing"
attach_run debug /go "${chroot_cmd[@]}" debug "$TMP/their.stripped" "$TMP/their.debug" "$build_id"
expect_chain "$TMP/debug.events" "$pattern" "${chain[@]}"
no_host_names "$TMP/debug.events"

# Its library deleted once loaded: read through map_files all the same;
# without map_files it can be found nowhere, and its frames are
# file+offset (the host's file at the same path names nothing).
for run in deleted deleted_nocaps; do
	wrap=
	[ "$run" = deleted_nocaps ] && wrap="setpriv --inh-caps=$caps --bounding-set=$caps --"
	"${chroot_cmd[@]}" delete >"$TMP/$run.out" 2>"$TMP/$run.perr" &
	job=$!
	pid=$(child_of "$job")
	wait_until "$run: the program never said ready" grep -qx ready "$TMP/$run.out"
	: >"/proc/$pid/root/deleting"
	wait_until "$run: the library was never deleted" test -e "/proc/$pid/root/deleted"
	set +e
	$wrap "$MEMTRACE" -p "$pid" --verify --events="$TMP/$run.events" \
		>"$TMP/$run.mout" 2>"$TMP/$run.err" &
	mt=$!
	wait_until "$run: memtrace never attached to $pid" traced "$pid"
	: >"/proc/$pid/root/go"
	wait "$mt"
	status=$?
	wait "$job"
	set -e
	expect_eq "$run: memtrace's exit status" "$status" 0
	verified "$TMP/$run.err"
	no_host_names "$TMP/$run.events"
done
expect_chain "$TMP/deleted.events" "$pattern" "${chain[@]}"
frame=$(frames_of "$TMP/deleted_nocaps.events" "$pattern" | sed -n 2p)
[[ $frame =~ ^libcontained\.so\+0x[0-9a-f]+$ ]] ||
	fail "the frame in a file found nowhere: got '$frame', want libcontained.so+0x..."
! grep -q '(libcontained\.so)$' "$TMP/deleted_nocaps.events" ||
	fail "a file found nowhere has names: $(grep -m3 '(libcontained\.so)$' "$TMP/deleted_nocaps.events")"

# memtrace in a PID namespace of its own whose /proc is the host's
# (unshare --pid without --mount-proc): /proc/N there is another process
# N.  memtrace refuses with one line, exit 1, and runs nothing; with its
# own /proc it runs.
set +e
unshare --pid --fork "$MEMTRACE" -- touch "$TMP/ns.ran" >"$TMP/ns.out" 2>"$TMP/ns.err"
status=$?
set -e
expect_eq "a foreign /proc: exit status" "$status" 1
[ "$(wc -l <"$TMP/ns.err")" = 1 ] && grep -qE "^memtrace: /proc is not of memtrace's PID namespace \(/proc/self is [0-9]+, memtrace is 1\): " "$TMP/ns.err" ||
	fail "a foreign /proc: not refused in one line: $(head -n3 "$TMP/ns.err")"
[ -e "$TMP/ns.ran" ] && fail "a foreign /proc: the program ran"
set +e
unshare --pid --fork --mount-proc "$MEMTRACE" --verify -- "$PROGRAMS/findings" clean >"$TMP/ns.out" 2>"$TMP/ns.err" 3>/dev/null
status=$?
set -e
expect_eq "its own /proc: exit status" "$status" 0
verified "$TMP/ns.err"
exit 0
