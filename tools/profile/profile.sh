#!/bin/sh
# profile.sh ARCH CASE [N] - where one bench case's guest instructions
# go, by function: `make profile ARCH=... CASE=...` (lab perf).
#
# The case runs twice under -icount with one CPU, with N and 2N
# operations a repetition (`bench -n`), each under the insncount plugin
# (insncount.c: how often each instruction ran, by address). What the
# second run ran more is the N extra operations of each repetition,
# warm-ups included: boot, the shell and bench's own start cancel out.
# Each address is charged to the function nm says it is in (the
# kernel's, or bench's: all user programs share their addresses, but
# only bench runs in between), and each function's difference is
# divided by the extra operations: instructions per operation, the
# figure the budgets count (tests/perf_test.c), up to the timer ticks
# that fall in one run and not the other.
set -eu
arch=${1:?usage: profile.sh ARCH CASE [N]}
case=${2:?usage: profile.sh ARCH CASE [N]}
n=${3:-256}
out=build/profile/$arch-$case
mkdir -p "$out"
qemu=$(make -s --no-print-directory print-qemu ARCH="$arch" CPUS=1 NODISK=1)
for k in $n $((2 * n)); do
	build/bench/bench-run -t 900 -a "-n $k $case" "$out/run-$k.txt" \
		"$qemu -icount shift=4,sleep=off -plugin $PWD/build/host/insncount.so,out=$out/count-$k"
done
# warm-ups and measured repetitions: every one runs the N extra operations
runs=$(sed -n 's/^BENCH start .* warm=\([0-9]*\) reps=\([0-9]*\).*/\1 \2/p' "$out/run-$n.txt" |
	awk '{ print $1 + $2 }')
ops=$((n * runs))
{
	nm -n "build/$arch/kernel.elf"
	nm -n "build/$arch/user/bin/bench"
} | awk '$2 ~ /^[tTwW]$/ { print "S", $1, $3 }' | sort -k2,2 >"$out/symbols"
# Addresses as numbers from their low 40 bits (awk's numbers are
# doubles, exact to 53 bits): the kernel's and the programs' still differ.
awk -v ops="$ops" -v n="$n" -v arch="$arch" -v c="$case" '
function num(h,   i, v) {
	h = tolower(h)
	if (length(h) > 10)
		h = substr(h, length(h) - 9)
	v = 0
	for (i = 1; i <= length(h); i++)
		v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	return v
}
FILENAME ~ /symbols$/ { at[++ns] = num($2); name[ns] = $3; next }
FILENAME ~ /count-/ { d[$1] += (FILENAME ~ ("count-" n "$")) ? -$2 : $2 }
END {
	for (a in d) {
		if (!d[a])
			continue
		v = num(a); lo = 1; hi = ns; f = 0
		while (lo <= hi) { # the last symbol at or below v
			m = int((lo + hi) / 2)
			if (at[m] <= v) { f = m; lo = m + 1 } else hi = m - 1
		}
		fn = f ? name[f] : "?"
		per[fn] += d[a]
		all += d[a]
	}
	printf "# %s on %s: %.1f instructions per operation (%d extra operations)\n", c, arch, all / ops, ops
	for (fn in per)
		if (per[fn] / ops >= 0.05 || per[fn] / ops <= -0.05)
			printf "%10.1f  %s\n", per[fn] / ops, fn | "sort -rn"
}' "$out/symbols" "$out/count-$n" "$out/count-$((2 * n))" | tee "$out/profile.txt"
