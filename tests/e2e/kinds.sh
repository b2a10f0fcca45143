# SPDX-License-Identifier: LGPL-2.1-or-later
# The model knows what each region is: main stack, each thread's stack
# (the region holding its stack pointer), the program's ELF file, a data
# file, shared memory, the brk heap.  Checked on --regions against what
# the program says of its own addresses.
. "$E2E_DIR/lib.sh"

run_memtrace "$TMP/k" --regions -- "$PROGRAMS/kinds"
expect_eq "exit status" "$status" 0

# region_line ADDR: the --regions line of the region holding ADDR.
region_line() {
	awk -v addr="$1" '
		# User addresses are below 2^47: exact in awk'"'"'s doubles.
		function hex(s,   v, i) {
			s = tolower(s); sub(/^0x/, "", s); v = 0
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v
		}
		/^  0x[0-9a-f]+-0x[0-9a-f]+ / {
			split($1, r, "-")
			if (hex(r[1]) <= hex(addr) && hex(addr) < hex(r[2])) print
		}' "$TMP/k.err"
}

n=0
while read -r what addr rest; do
	line=$(region_line "$addr")
	[ -n "$line" ] || fail "no region holds $addr ($what $rest)"
	case $what in
	kind)
		[[ $line == *" $rest "* ]] || fail "$addr: want kind '$rest' in: $line"
		;;
	stack)
		# The threads were joined before the program ended; never
		# renamed, each has the program's name.
		[[ $line == *" thread stack "* && $line == *" stack of $rest (kinds, exited)"* ]] ||
			fail "$addr: want the stack of exited thread $rest in: $line"
		;;
	esac
	n=$((n + 1))
done <"$TMP/k.out"
expect_eq "facts checked" "$n" 8
