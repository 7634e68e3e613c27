#!/bin/sh
# budget.sh - check one bench run against the committed instruction
# budgets (tests/bench/budgets.txt); `make test-budget` calls it once
# per arch, on the BENCH lines of a run under -icount with one CPU.
#
#   budget.sh BUDGETS ARCH SHIFT RAW
#
# Under -icount shift=SHIFT every guest instruction advances the clock
# by 2^SHIFT ns, so instructions per operation are the case's median
# time divided by the time of one instruction that the run's cpu-loop
# measured (as report.sh computes them): a count, not a time, and the
# same from run to run to under 1% (docs/benchmarks.md). One line per
# budget row, then a closing line; the exit status is 0 only if every
# row of ARCH ran and stays at or under its budget.
set -e
budgets=$1 arch=$2 shift_=$3 raw=$4

awk -v arch="$arch" -v shift_="$shift_" '
function kv(s, k) {
	if (match(s, " " k "=[^ ]*"))
		return substr(s, RSTART + length(k) + 2, RLENGTH - length(k) - 2)
	return ""
}
FILENAME == ARGV[1] {
	if ($0 ~ /^[ \t]*(#|$)/ || $1 != arch)
		next
	rows[++n] = $2
	budget[$2] = $3
	next
}
/^BENCH case=/ {
	c = kv($0, "case")
	if (c == "cpu-loop")
		loop = kv($0, "min") + 0
	if ($0 ~ / ns=/)
		ns[c] = kv($0, "ns") + 0
	else
		why[c] = $0
}
END {
	bad = 0
	# not under -icount (or a broken loop): no count can be trusted
	want = 2 ^ shift_
	if (loop < want * 0.99 || loop > want * 1.01) {
		printf "budget: %s: cpu-loop took %s ns per instruction, not %d: not a run under -icount shift=%d\n", arch, loop, want, shift_
		exit 1
	}
	for (i = 1; i <= n; i++) {
		c = rows[i]
		if (!(c in ns)) {
			printf "budget: %-7s %-26s %12s   budget %10d   FAIL: no result%s\n", arch, c, "-", budget[c], \
				c in why ? " (" why[c] ")" : ""
			bad++
			continue
		}
		x = ns[c] / loop
		ok = x <= budget[c] + 0
		printf "budget: %-7s %-26s %12.1f %s budget %10d   %s\n", arch, c, x, ok ? "<=" : "> ", budget[c], \
			ok ? "ok" : sprintf("FAIL: %.1f%% over", 100 * (x / budget[c] - 1))
		bad += !ok
	}
	if (n == 0) {
		printf "budget: %s: no budgets in %s\n", arch, ARGV[1]
		exit 1
	}
	if (bad)
		printf "budget: %s: FAILED: %d of %d rows over budget or missing (instructions per operation)\n", arch, bad, n
	else
		printf "budget: %s: all %d rows within budget (instructions per operation)\n", arch, n
	exit bad > 0
}' "$budgets" "$raw"
