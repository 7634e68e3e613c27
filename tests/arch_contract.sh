#!/bin/sh
# tests/arch_contract.sh - `make test-arch`: kernel/arch.h is the whole
# contract, and every arch keeps it the same way. For each arch_*
# function arch.h declares, every arch in arch/ defines it exactly once,
# in a file of the same name on every arch, and that file is one the
# arch.h section declaring it names in its heading (arch/<arch>/X.c). So
# a function's file is found from its section (docs/porting.md). And no
# arch defines an arch_* function that arch.h does not declare.
set -u
arches=$(ls -d arch/*/ | sed 's|arch/||; s|/||')

# One line per arch_* function arch.h declares: its name, then the file
# names (X.c, X.S) the heading of its section mentions. A heading is the
# comment between a "/* ----" line and a " * ---- */" line.
decls=$(awk '
	/^\/\* ----*$/ { inhead = 1; files = ""; next }
	/^ \* ----* \*\/$/ { inhead = 0; next }
	inhead { s = $0
		while (match(s, /[a-z_]+\.[cSh]/)) {
			files = files " " substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH) } }
	!inhead && /^[a-z].*[ *]arch_[a-z0-9_]+\(/ {
		match($0, /arch_[a-z0-9_]+\(/)
		print substr($0, RSTART, RLENGTH - 1) files }' kernel/arch.h)

# Every complaint is a line; none means the contract holds.
complaints=$(echo "$decls" | while read -r fn files; do
	[ -n "$fn" ] || continue
	where=""
	for a in $arches; do
		f=$(grep -lE "^([a-z].*[ *])?$fn\(|^$fn:" arch/$a/*.c arch/$a/*.S arch/$a/*.h 2>/dev/null)
		case $(echo "$f" | grep -c .) in
		0) echo "$fn: not defined in arch/$a/"; continue ;;
		1) ;;
		*) echo "$fn: defined in more than one file of arch/$a/:" $f; continue ;;
		esac
		f=${f##*/}
		[ -n "$where" ] || where=$f
		[ "$f" = "$where" ] || echo "$fn: in $where on one arch, in $f on $a"
		case " $files " in
		*" $f "*) ;;
		*) echo "$fn: in arch/$a/$f, which its arch.h section does not name (it names:$files)" ;;
		esac
	done
done)
# And the other way: every arch_* function an arch defines is in arch.h.
for f in $(grep -ohE "^([a-z].*[ *])?arch_[a-z0-9_]+\(|^arch_[a-z0-9_]+:" arch/*/*.c arch/*/*.S arch/*/*.h |
	grep -oE "arch_[a-z0-9_]+" | sort -u); do
	echo "$decls" | grep -q "^$f\( \|\$\)" ||
		complaints="$complaints
$f: defined in arch/ but not declared in kernel/arch.h"
done
complaints=$(echo "$complaints" | grep .)
n=$(echo "$decls" | grep -c .)
if [ -n "$complaints" ]; then
	echo "$complaints" | sed 's/^/test-arch: FAIL: /'
	exit 1
fi
echo "test-arch: the $n arch_* functions of kernel/arch.h are each in the file their section names, on every arch"
