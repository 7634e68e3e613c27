#!/bin/sh
# report.sh - turn the BENCH lines of benchmark runs into the tables and
# plots of docs/bench/ (tests/bench/bench.mk calls it; nothing here is
# typed in: every number comes from the raw files it is given).
#
#   report.sh results DIR SHIFT RAW...   duet runs, files named <arch>-<run>.txt
#                                        (run: icount, tcg or kvm) ->
#                                        DIR/results.{tsv,md}, DIR/results-*.svg
#   report.sh linux DIR SHIFT LINUX DUET the Linux run and the duet run of one
#                                        `make bench-linux` -> DIR/linux.{tsv,md,svg}
#
# Guest instructions per operation, for runs under -icount, are the time
# per operation divided by the time per instruction that the same run's
# cpu-loop case measured (its fastest repetition: 2^SHIFT ns up to the
# clock's calibration). The clock's rate cancels out of that division.
set -e
mode=$1 dir=$2 shift_=$3
shift 3
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What the runs ran on, for the reader of the tables.
host=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
ncpu=$(nproc)
qemu=$(qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([^ ]*\).*/\1/p')
when=$(date -u '+%Y-%m-%d %H:%M UTC')
rev=${BENCH_REV:-$(git describe --always --dirty 2>/dev/null || echo unknown)}

# ---- raw BENCH lines -> one TSV row per (file, case) ----------------------
#
# Columns: system arch run cpus case status ops reps entries exc intr
#          ns ns_min ns_max instr instr_min instr_max note
tsv() {
	awk -v OFS='\t' '
	function kv(s, k) {
		if (match(s, " " k "=[^ ]*"))
			return substr(s, RSTART + length(k) + 2, RLENGTH - length(k) - 2)
		return ""
	}
	function quoted(s, k) {
		if (match(s, " " k "=\"[^\"]*\""))
			return substr(s, RSTART + length(k) + 3, RLENGTH - length(k) - 4)
		return ""
	}
	function flush(   i, c, l, ins, a, b) {
		for (i = 1; i <= n; i++) {
			l = line[i]; c = kv(l, "case")
			if (l ~ / skip="/) {
				print sys, arch, run, cpus, c, "skip", "", "", "", "", "", "", "", "", "", "", "", quoted(l, "skip")
				continue
			}
			if (l ~ / error="/) {
				print sys, arch, run, cpus, c, "error", "", "", "", "", "", "", "", "", "", "", "", quoted(l, "error")
				continue
			}
			ins = a = b = ""
			if (run == "icount" && loop > 0) {
				ins = sprintf("%.1f", kv(l, "ns") / loop)
				a = sprintf("%.1f", kv(l, "min") / loop)
				b = sprintf("%.1f", kv(l, "max") / loop)
			}
			print sys, arch, run, cpus, c, "ok", kv(l, "ops"), kv(l, "reps"), kv(l, "entries"), \
				kv(l, "exc"), kv(l, "intr"), kv(l, "ns"), kv(l, "min"), kv(l, "max"), ins, a, b, ""
		}
		n = 0
	}
	FNR == 1 {
		if (NR > 1) flush()
		f = FILENAME; sub(/.*\//, "", f); sub(/\.txt$/, "", f)
		run = f; sub(/.*-/, "", run)
		sys = "duet"; arch = ""; cpus = ""; loop = 0
	}
	FILENAME ~ /\.skip$/ { next }
	/^BENCH start / { arch = kv($0, "arch"); cpus = kv($0, "cpus"); if (kv($0, "os") != "") sys = kv($0, "os") }
	/^BENCH case=/ {
		line[++n] = $0
		if (kv($0, "case") == "cpu-loop") loop = kv($0, "min") + 0
	}
	END { flush() }
	' "$@"
}

# One line per run: how the guest was started, and its clock; a run
# that could not be made has a .skip file saying why.
runs() {
	for f in "$@"; do
		case $f in
		*.skip)
			r=$(basename "$f" .skip)
			printf '| %s | %s | not run | %s |\n' "${r%-*}" "${r##*-}" "$(cat "$f")"
			continue
			;;
		esac
		r=$(basename "$f" .txt)
		printf '| %s | %s | %s | `%s` |\n' "${r%-*}" "${r##*-}" \
			"$(sed -n 's/^BENCH clock //p' "$f" | head -1)" "$(sed -n 's/^# qemu: //p' "$f")"
	done
}

# ---- duet: results.* --------------------------------------------------------

results() {
	tsv "$@" > "$tmp/rows"
	{
		printf 'system\tarch\trun\tcpus\tcase\tstatus\tops\treps\tentries\texc\tintr\t'
		printf 'ns\tns_min\tns_max\tinstr\tinstr_min\tinstr_max\tnote\n'
		cat "$tmp/rows"
	} > "$dir/results.tsv"
	arches=$(cut -f2 "$tmp/rows" | awk '!s[$0]++' | tr '\n' ' ')

	# The tables: a summary across arches, then each arch's details.
	awk -F '\t' -v arches="$arches" -v shift_="$shift_" '
	function v(a, r, c, k) { return val[a, r, c, k] }
	function span(m, lo, hi, d) {
		return sprintf("%." d "f [%." d "f, %." d "f]", m, lo, hi)
	}
	function t(x) { return x >= 100 ? 0 : x >= 10 ? 1 : 3 }
	# one figure of the icount runs if the arches agree, else one per arch
	function per_arch(c, k,   i, e, all, d) {
		e = v(A[1], "icount", c, k); all = e
		for (i = 2; i <= na; i++) {
			if (v(A[i], "icount", c, k) != e) d = 1
			all = all " / " v(A[i], "icount", c, k)
		}
		return d ? all : e
	}
	{
		a = $2; r = $3; c = $5
		if (!((c) in seen)) { seen[c] = 1; order[++n] = c }
		st[a, r, c] = $6; note[c] = $18; cpus[a, r] = $4; have[a, r] = 1
		split("ops reps entries exc intr ns ns_min ns_max instr instr_min instr_max", k, " ")
		for (i = 1; i <= 11; i++) val[a, r, c, k[i]] = $(i + 6)
	}
	END {
		na = split(arches, A, " ")
		printf "## Summary\n\nPer operation. System calls and exceptions: kernel entries of the"
		printf " measuring thread, exact (from the `-icount` run; where the arches differ,"
		printf " one figure per arch in the order of the columns). Instructions: guest"
		printf " instructions under `-icount shift=%s -smp 1`. Time: plain TCG on this", shift_
		printf " machine, median of the repetitions (noisy: the host is shared). With one"
		printf " CPU (the icount runs) the poller of a polled ring runs only when the program"
		printf " is preempted, at a timer tick: see the per-arch tables for the TCG run.\n\n"
		printf "| case | syscalls | exceptions |"
		for (i = 1; i <= na; i++) printf " %s instructions |", A[i]
		for (i = 1; i <= na; i++) printf " %s TCG ns |", A[i]
		if (have["x86_64", "kvm"]) printf " x86_64 KVM ns |"
		printf "\n| --- | ---: | ---: |"
		for (i = 1; i <= 2 * na + (have["x86_64", "kvm"] ? 1 : 0); i++) printf " ---: |"
		printf "\n"
		for (j = 1; j <= n; j++) {
			c = order[j]
			if (st[A[1], "icount", c] != "ok" && st[A[1], "tcg", c] != "ok") continue
			printf "| %s | %s | %s |", c, per_arch(c, "entries"), per_arch(c, "exc")
			for (i = 1; i <= na; i++) {
				x = v(A[i], "icount", c, "instr")
				printf " %s |", st[A[i], "icount", c] == "ok" ? sprintf("%.0f", x) : "-"
			}
			for (i = 1; i <= na; i++) {
				x = v(A[i], "tcg", c, "ns")
				printf " %s |", st[A[i], "tcg", c] == "ok" ? sprintf("%." t(x) "f", x) : "-"
			}
			if (have["x86_64", "kvm"]) {
				x = v("x86_64", "kvm", c, "ns")
				printf " %s |", st["x86_64", "kvm", c] == "ok" ? sprintf("%." t(x) "f", x) : "-"
			}
			printf "\n"
		}
		for (i = 1; i <= na; i++) {
			a = A[i]
			printf "\n## %s\n\n", a
			printf "Per operation; median [min, max] of the repetitions. Kernel entries"
			printf " of the measuring thread: system calls in each run (one CPU under"
			printf " icount, %s under TCG), exceptions and interrupts", cpus[a, "tcg"]
			printf " (mostly timer ticks) in the icount run.\n\n"
			printf "| case | syscalls (icount) | syscalls (TCG) | exceptions | interrupts |"
			printf " instructions (icount) | ns (icount) | ns (TCG) |"
			if (have[a, "kvm"]) printf " ns (KVM) |"
			printf "\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |%s\n", have[a, "kvm"] ? " ---: |" : ""
			for (j = 1; j <= n; j++) {
				c = order[j]
				if (st[a, "icount", c] != "ok" && st[a, "tcg", c] != "ok") continue
				r = st[a, "icount", c] == "ok" ? "icount" : "tcg"
				printf "| %s | %s | %s | %s | %s |", c, st[a, "icount", c] == "ok" ? v(a, "icount", c, "entries") : "-", \
					st[a, "tcg", c] == "ok" ? v(a, "tcg", c, "entries") : "-", v(a, r, c, "exc"), v(a, r, c, "intr")
				if (st[a, "icount", c] == "ok") {
					printf " %s |", span(v(a, "icount", c, "instr"), v(a, "icount", c, "instr_min"), v(a, "icount", c, "instr_max"), 1)
					x = v(a, "icount", c, "ns")
					printf " %s |", span(x, v(a, "icount", c, "ns_min"), v(a, "icount", c, "ns_max"), t(x))
				} else
					printf " - | - |"
				for (q = 1; q <= 2; q++) {
					r = q == 1 ? "tcg" : "kvm"
					if (q == 2 && !have[a, "kvm"]) continue
					x = v(a, r, c, "ns")
					printf " %s |", st[a, r, c] == "ok" ? span(x, v(a, r, c, "ns_min"), v(a, r, c, "ns_max"), t(x)) : "-"
				}
				printf "\n"
			}
		}
		printf "\n## Not measured\n\nCases that cannot run here; each prints a skip line"
		printf " with the reason, never a number.\n\n| case | why |\n| --- | --- |\n"
		for (j = 1; j <= n; j++) {
			c = order[j]
			if (st[A[1], "icount", c] == "skip" || st[A[1], "tcg", c] == "skip")
				printf "| %s | %s |\n", c, note[c]
			else if (st[A[1], "icount", c] == "error" || st[A[1], "tcg", c] == "error")
				printf "| %s | failed: %s |\n", c, note[c]
		}
	}' "$tmp/rows" > "$tmp/tables"

	{
		echo '# Benchmark results'
		echo
		echo "Generated by \`make bench\` on $when from git $rev: $host, $ncpu host CPUs,"
		echo "QEMU $qemu."
		echo 'Do not edit: every number below comes from the runs listed at the end'
		echo '(`results.tsv` has them all). How they are measured and what each case'
		echo 'shows: [Benchmarks](../benchmarks.md).'
		echo
		echo '![guest instructions per operation](results-instructions.svg)'
		echo
		echo '![time per operation under TCG](results-time.svg)'
		echo
		cat "$tmp/tables"
		echo
		echo '## Runs'
		echo
		echo '| arch | run | clock | QEMU command line |'
		echo '| --- | --- | --- | --- |'
		runs "$@"
	} > "$dir/results.md"

	# The plots: the null-operation cases, one bar per arch.
	awk -F '\t' -v OFS='\t' -v arches="$arches" '
	{ if (!(($5) in seen)) { seen[$5] = 1; order[++n] = $5 }
	  for (k = 12; k <= 17; k++) val[$2, $3, $5, k] = $k; st[$2, $3, $5] = $6 }
	END {
		na = split(arches, A, " ")
		for (j = 1; j <= n; j++) {
			c = order[j]
			if (c == "cpu-loop" || st[A[1], "icount", c] != "ok") continue
			printf "%s", c
			for (i = 1; i <= na; i++) printf "\t%s", st[A[i], "icount", c] == "ok" ? val[A[i], "icount", c, 15] : "NaN"
			for (i = 1; i <= na; i++)
				if (st[A[i], "tcg", c] == "ok")
					printf "\t%s\t%s\t%s", val[A[i], "tcg", c, 12], val[A[i], "tcg", c, 13], val[A[i], "tcg", c, 14]
				else
					printf "\tNaN\tNaN\tNaN"
			printf "\n"
		}
	}' "$tmp/rows" > "$tmp/plot.dat"
	set -- $arches
	na=$#
	ins='' tim=''
	i=1
	for a in "$@"; do
		ins="$ins${ins:+, }'$tmp/plot.dat' using $((i + 1)):xtic(1) title '$a'"
		c=$((na + 2 + 3 * (i - 1)))
		tim="$tim${tim:+, }'$tmp/plot.dat' using $c:$((c + 1)):$((c + 2)):xtic(1) title '$a'"
		i=$((i + 1))
	done
	gnuplot <<-EOF
		set terminal svg size 800,420 dynamic noenhanced font 'sans,12'
		set datafile separator '\t'
		set style data histogram
		set style fill solid 0.8 border -1
		set boxwidth 0.9
		set key top right
		set grid ytics
		set xtics nomirror
		set logscale y
		set yrange [10:*]
		set output '$dir/results-instructions.svg'
		set title 'duet: guest instructions per operation (-icount shift=$shift_)'
		set ylabel 'instructions (log scale)'
		set style histogram clustered gap 1
		plot $ins
		set output '$dir/results-time.svg'
		set title 'duet: time per operation under TCG (median; bars: min to max)'
		set ylabel 'ns (log scale)'
		set style histogram errorbars gap 1 lw 1
		plot $tim
	EOF
}

# ---- Linux and duet: linux.* ---------------------------------------------------

linux() {
	tsv "$1" > "$tmp/linux"
	tsv "$2" > "$tmp/duet"
	# Which duet case each Linux case is compared with.
	cat > "$tmp/pairs" <<-EOF
		cpu-loop cpu-loop
		null-call null-call
		null-call null-batch8
		null-call null-batch32
		null-call null-batch128
		null-call null-polled
		pipe-kernel-pingpong-1cpu pipe-kernel-pingpong-1cpu
		pipe-kernel-pingpong-1cpu pipe-hw-pingpong-1cpu
		pipe-kernel-stream-1cpu pipe-kernel-stream-1cpu
		pipe-kernel-stream-1cpu pipe-hw-stream-1cpu
	EOF
	awk -v OFS='\t' '
	FILENAME ~ /linux$/ { L[$5] = $0; next }
	FILENAME ~ /duet$/ { D[$5] = $0; next }
	{
		split(L[$1], l, "\t"); split(D[$2], d, "\t")
		if (l[6] != "ok") next
		if (d[6] == "ok")
			print $1, $2, "ok", l[15], d[15], sprintf("%.2f", d[15] / l[15]), l[12], d[12], d[9], ""
		else
			print $1, $2, d[6] == "" ? "missing" : d[6], l[15], "", "", l[12], "", "", d[18]
	}' "$tmp/linux" "$tmp/duet" "$tmp/pairs" > "$tmp/cmp"
	{
		printf 'linux_case\tduet_case\tstatus\tlinux_instr\tduet_instr\tratio\t'
		printf 'linux_ns\tduet_ns\tduet_entries\tnote\n'
		cat "$tmp/cmp"
	} > "$dir/linux.tsv"
	{
		echo '# duet and Linux on the same emulator'
		echo
		echo "Generated by \`make bench-linux\` on $when from git $rev: $host, QEMU $qemu."
		echo 'Do not edit: both guests ran in that one run, under the same QEMU'
		echo "options (\`-icount shift=$shift_,sleep=off -smp 1\`, TCG; see the runs"
		echo 'below). Linux is Debian'"'"'s kernel with the static benchmark'
		echo '`tests/bench/linux.c` as `/init`. Instructions are guest instructions'
		echo 'per operation; the ratio is duet'"'"'s over Linux'"'"'s (below 1: duet'
		echo 'needs fewer). Method: [Benchmarks](../benchmarks.md).'
		echo
		echo '![duet and Linux: guest instructions per operation](linux.svg)'
		echo
		echo '| Linux case | duet case | Linux instructions | duet instructions | duet / Linux | duet syscalls |'
		echo '| --- | --- | ---: | ---: | ---: | ---: |'
		awk -F '\t' '{
			if ($3 == "ok")
				printf "| %s | %s | %.0f | %.0f | %s | %s |\n", $1, $2, $4, $5, $6, $9
			else
				printf "| %s | %s | %.0f | not measured | - | - |\n", $1, $2, $4
		}' "$tmp/cmp"
		echo
		echo 'duet cases not measured, and why:'
		echo
		awk -F '\t' '$3 != "ok" { printf "- %s: %s\n", $2, $10 }' "$tmp/cmp"
		echo
		echo 'Linux has no cheap per-thread count of kernel entries, so the Linux'
		echo 'side reports none. With one CPU the poller of a polled ring runs only'
		echo 'when the program is preempted, at a timer tick, so `null-polled` here'
		echo 'measures waiting for ticks ([Benchmarks](../benchmarks.md)).'
		echo
		echo '## Runs'
		echo
		echo '| system | clock | QEMU command line |'
		echo '| --- | --- | --- |'
		for f in "$1" "$2"; do
			printf '| %s | %s | `%s` |\n' "$(sed -n 's/^BENCH start .*os=\([a-z]*\).*/\1/p' "$f" | grep . || echo duet)" \
				"$(sed -n 's/^BENCH clock //p' "$f" | head -1)" "$(sed -n 's/^# qemu: //p' "$f")"
		done
	} > "$dir/linux.md"
	awk -F '\t' -v OFS='\t' '$3 == "ok" && $1 != "cpu-loop" {
		print $2, $4, $5 }' "$tmp/cmp" > "$tmp/plot.dat"
	gnuplot <<-EOF
		set terminal svg size 800,420 dynamic noenhanced font 'sans,12'
		set datafile separator '\t'
		set style data histogram
		set style histogram clustered gap 1
		set style fill solid 0.8 border -1
		set key top left
		set grid ytics
		set xtics nomirror
		set logscale y
		set yrange [10:*]
		set ylabel 'instructions (log scale)'
		set output '$dir/linux.svg'
		set title 'guest instructions per operation, same QEMU (-icount shift=$shift_); duet case below, against its Linux counterpart'
		plot '$tmp/plot.dat' using 2:xtic(1) title 'Linux', '' using 3 title 'duet'
	EOF
}

case $mode in
results) results "$@" ;;
linux) linux "$@" ;;
*)
	echo "usage: report.sh results|linux DIR SHIFT RAW..." >&2
	exit 2
	;;
esac
