#!/bin/sh
# report.sh - turn the BENCH lines of benchmark runs into the tables and
# plots of docs/bench/ (tests/bench/bench.mk calls it; nothing here is
# typed in: every number comes from the raw files it is given).
#
#   report.sh results DIR SHIFT RAW...   duet runs, files named <arch>-<run>.txt
#                                        (run: icount, icount2, tcg or kvm; a
#                                        <arch>-<run>.skip file: a run that could
#                                        not be made, and why) ->
#                                        DIR/results.{tsv,md}, DIR/results-*.svg
#   report.sh linux DIR SHIFT LINUX DUET [LINUX2 DUET2 [LINUX3 DUET3]]
#                                        the Linux and duet runs of one `make
#                                        bench-linux`, under -icount with one CPU,
#                                        (2) under TCG with two, (3) under TCG
#                                        with one and a disk ->
#                                        DIR/linux.{tsv,md,svg}
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
# Columns (awk's $n in the programs below):
#   1 system  2 arch  3 run  4 cpus  5 case  6 status (ok, skip, error, or
#   cpus: the case belongs to a run with another number of CPUs)  7 ops
#   8 reps  9 entries  10 exc  11 intr (the measuring thread's)
#   12 peer_entries  13 peer_exc  14 peer_intr  15 all_entries  16 all_exc
#   17 all_intr (every CPU's)  18 ns  19 ns_min  20 ns_max  21 instr
#   22 instr_min  23 instr_max  24 lat  25 lat_min  26 lat_max (ns)
#   27 lat_instr  28 note
FIELDS='system arch run cpus case status ops reps entries exc intr peer_entries peer_exc
peer_intr all_entries all_exc all_intr ns ns_min ns_max instr instr_min instr_max lat lat_min
lat_max lat_instr note'
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
	function empty(n,   s, i) { for (i = 1; i <= n; i++) s = s OFS; return s }
	function ins(x) { return run ~ /^icount/ && loop > 0 && x != "" ? sprintf("%.1f", x / loop) : "" }
	function flush(   i, c, l, st, k) {
		for (i = 1; i <= n; i++) {
			l = line[i]; c = kv(l, "case")
			if (l ~ / skip="/ || l ~ / error="/) {
				st = l ~ / skip="/ ? "skip" : "error"
				k = quoted(l, st)
				if (st == "skip" && k ~ /^measured with /) st = "cpus"
				print sys, arch, run, cpus, c, st empty(22) k
				continue
			}
			print sys, arch, run, cpus, c, "ok", kv(l, "ops"), kv(l, "reps"), kv(l, "entries"), \
				kv(l, "exc"), kv(l, "intr"), kv(l, "peer_entries"), kv(l, "peer_exc"), \
				kv(l, "peer_intr"), kv(l, "all_entries"), kv(l, "all_exc"), kv(l, "all_intr"), \
				kv(l, "ns"), kv(l, "min"), kv(l, "max"), ins(kv(l, "ns")), ins(kv(l, "min")), \
				ins(kv(l, "max")), kv(l, "lat"), kv(l, "lat_min"), kv(l, "lat_max"), \
				ins(kv(l, "lat")), ""
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

# One line per run: how the guest was started, its clock and the host's
# load; a run that could not be made has a .skip file saying why.
runs() {
	for f in "$@"; do
		r=$(basename "$f")
		r=${r%.*}
		case $f in
		*.skip)
			printf '| %s | %s | - | not run | - | %s |\n' "${r%-*}" "${r##*-}" "$(cat "$f")"
			continue
			;;
		esac
		printf '| %s | %s | %s | %s | %s → %s | `%s` |\n' "${r%-*}" "${r##*-}" \
			"$(sed -n 's/^BENCH start .*cpus=\([0-9]*\).*/\1/p' "$f")" \
			"$(sed -n 's/^BENCH clock //p' "$f" | head -1)" \
			"$(sed -n 's/^# load start: //p' "$f")" "$(sed -n 's/^# load end: //p' "$f")" \
			"$(sed -n 's/^# qemu: //p' "$f")"
	done
}

# ---- duet: results.* --------------------------------------------------------

results() {
	tsv "$@" > "$tmp/rows"
	{
		echo $FIELDS | tr ' ' '\t'
		cat "$tmp/rows"
	} > "$dir/results.tsv"
	arches=$(cut -f2 "$tmp/rows" | awk 'NF && !s[$0]++' | tr '\n' ' ')

	awk -F '\t' -v arches="$arches" -v shift_="$shift_" '
	function v(a, r, c, k) { return val[a, r, c, k] }
	function ok(a, r, c) { return st[a, r, c] == "ok" }
	function span(m, lo, hi, d) { return sprintf("%." d "f [%." d "f, %." d "f]", m, lo, hi) }
	function t(x) { return x >= 100 ? 0 : x >= 10 ? 1 : 3 }
	# the run whose entries a summary shows: deterministic if there is one
	function ref(a, c) {
		return ok(a, "icount", c) ? "icount" : ok(a, "icount2", c) ? "icount2" : \
			ok(a, "tcg", c) ? "tcg" : ""
	}
	# this thread + its peer (both ends), summed or shown as "a + b"
	function both(a, r, c, k, sum,   p) {
		p = v(a, r, c, "peer_" k)
		if (p == "") return v(a, r, c, k)
		return sum ? sprintf("%.4f", v(a, r, c, k) + p) : v(a, r, c, k) " + " p
	}
	function runname(r) {
		return r == "icount" ? "icount, 1 CPU" : r == "icount2" ? "icount, 2 vCPUs" : \
			r == "tcg" ? "TCG, " cpus[A[i], "tcg"] " CPUs" : r
	}
	# one figure if the arches agree, else one per arch; * = from the TCG run
	function entries(c, k,   i, r, x, all, d, first) {
		for (i = 1; i <= na; i++) {
			r = ref(A[i], c)
			x = r == "" ? "-" : both(A[i], r, c, k, 1) (r == "tcg" ? "*" : "")
			if (i == 1) first = x; else if (x != first) d = 1
			all = i == 1 ? x : all " / " x
		}
		return d ? all : first
	}
	{
		a = $2; r = $3; c = $5
		if (!((c) in seen)) { seen[c] = 1; order[++n] = c }
		st[a, r, c] = $6; cpus[a, r] = $4; have[a, r] = 1
		if ($6 != "ok" && $6 != "cpus" && !((c, a) in note)) note[c, a] = ($6 == "error" ? "failed: " : "") $28
		split("ops reps entries exc intr peer_entries peer_exc peer_intr all_entries all_exc all_intr ns ns_min ns_max instr instr_min instr_max lat lat_min lat_max lat_instr", k, " ")
		for (j = 1; j <= 21; j++) val[a, r, c, k[j]] = $(j + 6)
		if ($24 != "") haslat[c] = 1
	}
	END {
		na = split(arches, A, " ")
		kvm = have["x86_64", "kvm"]
		printf "## Summary\n\n"
		printf "Per operation. System calls, exceptions and interrupts: kernel entries of"
		printf " both ends (the measuring thread, plus its peer where it has one: the other"
		printf " process of a pipe, the other thread of a user-interrupt exchange, the file"
		printf " server), exact, from the `-icount` runs; where the arches differ, one figure"
		printf " per arch in the order of the columns; * marks a figure from the TCG run, the"
		printf " only one of that case (not deterministic). Instructions: guest instructions"
		printf " under `-icount shift=%s`, with 1 vCPU, or for the -2cpu cases with 2 vCPUs", shift_
		printf " (both together; only the cases that block rather than spin run there)."
		printf " Time: plain TCG with 2 CPUs on this machine, median of the repetitions"
		printf " (noisy: the host is shared; see the load averages under Runs). The -1cpu"
		printf " cases have no TCG run: their time is the icount run'"'"'s, in the per-arch"
		printf " tables.\n\n"
		printf "| case | syscalls | exceptions | interrupts |"
		for (i = 1; i <= na; i++) printf " %s instructions |", A[i]
		for (i = 1; i <= na; i++) printf " %s TCG ns |", A[i]
		if (kvm) printf " x86_64 KVM ns |"
		printf "\n| --- | ---: | ---: | ---: |"
		for (i = 1; i <= 2 * na + (kvm ? 1 : 0); i++) printf " ---: |"
		printf "\n"
		for (j = 1; j <= n; j++) {
			c = order[j]
			any = 0
			for (i = 1; i <= na; i++) if (ref(A[i], c) != "") any = 1
			if (!any) continue
			printf "| %s | %s | %s | %s |", c, entries(c, "entries"), entries(c, "exc"), entries(c, "intr")
			for (i = 1; i <= na; i++) {
				r = ok(A[i], "icount", c) ? "icount" : ok(A[i], "icount2", c) ? "icount2" : ""
				printf " %s |", r != "" ? sprintf("%.0f", v(A[i], r, c, "instr")) : "-"
			}
			for (i = 1; i <= na; i++) {
				x = v(A[i], "tcg", c, "ns")
				printf " %s |", ok(A[i], "tcg", c) ? sprintf("%." t(x) "f", x) : "-"
			}
			if (kvm) {
				x = v("x86_64", "kvm", c, "ns")
				printf " %s |", ok("x86_64", "kvm", c) ? sprintf("%." t(x) "f", x) : "-"
			}
			printf "\n"
		}

		printf "\n## User-interrupt latency\n\n"
		printf "One delivery: the clock in the receiver'"'"'s handler minus the clock just"
		printf " before the sender'"'"'s send instruction (one clock for all CPUs: riscv64'"'"'s"
		printf " time CSR, x86_64'"'"'s TSC), over every delivery of the measured"
		printf " repetitions: median [min, max].\n\n"
		printf "| case | arch | run | latency ns | instructions |\n| --- | --- | --- | ---: | ---: |\n"
		for (j = 1; j <= n; j++) {
			c = order[j]
			if (!haslat[c]) continue
			for (i = 1; i <= na; i++)
				for (q = 1; q <= 4; q++) {
					r = q == 1 ? "icount" : q == 2 ? "icount2" : q == 3 ? "tcg" : "kvm"
					if (!ok(A[i], r, c) || v(A[i], r, c, "lat") == "") continue
					x = v(A[i], r, c, "lat")
					printf "| %s | %s | %s | %s | %s |\n", c, A[i], runname(r), \
						span(x, v(A[i], r, c, "lat_min"), v(A[i], r, c, "lat_max"), t(x)), \
						r ~ /^icount/ ? sprintf("%.0f", v(A[i], r, c, "lat_instr")) : "-"
				}
		}

		for (i = 1; i <= na; i++) {
			a = A[i]
			printf "\n## %s\n\n", a
			printf "Per operation, one row per run that measured the case: kernel entries"
			printf " (this thread + its peer, where it has one), guest instructions (icount"
			printf " runs) and time, median [min, max] of the repetitions. Under icount the"
			printf " time is the guest'"'"'s virtual clock, 2^%s ns per instruction.\n\n", shift_
			printf "| case | run | syscalls | exceptions | interrupts | instructions | ns |\n"
			printf "| --- | --- | ---: | ---: | ---: | ---: | ---: |\n"
			for (j = 1; j <= n; j++) {
				c = order[j]
				for (q = 1; q <= 4; q++) {
					r = q == 1 ? "icount" : q == 2 ? "icount2" : q == 3 ? "tcg" : "kvm"
					if (!ok(a, r, c)) continue
					printf "| %s | %s | %s | %s | %s |", c, runname(r), both(a, r, c, "entries", 0), \
						both(a, r, c, "exc", 0), both(a, r, c, "intr", 0)
					printf " %s |", r ~ /^icount/ ? span(v(a, r, c, "instr"), v(a, r, c, "instr_min"), v(a, r, c, "instr_max"), 1) : "-"
					x = v(a, r, c, "ns")
					printf " %s |\n", span(x, v(a, r, c, "ns_min"), v(a, r, c, "ns_max"), t(x))
				}
			}
			# 2-CPU cases that ran under TCG but not under icount with 2 vCPUs
			m = ""
			for (j = 1; j <= n; j++)
				if (order[j] ~ /-2cpu$/ && have[a, "icount2"] && ok(a, "tcg", order[j]) && !ok(a, "icount2", order[j]))
					m = m (m == "" ? "" : ", ") "`" order[j] "`"
			if (m != "")
				printf "\nNot run under icount with 2 vCPUs (they spin, and QEMU'"'"'s round robin lets a spinning vCPU starve the other): %s.\n", m
		}
		printf "\n## Not measured\n\nCases that no run could measure; each printed a skip"
		printf " line with the reason, never a number.\n\n| case | why |\n| --- | --- |\n"
		for (j = 1; j <= n; j++) {
			c = order[j]
			any = 0
			for (i = 1; i <= na; i++) if (ref(A[i], c) != "" || ok(A[i], "kvm", c)) any = 1
			if (any) continue
			why = ""
			for (i = 1; i <= na; i++)
				if ((c, A[i]) in note)
					why = why (why == "" ? "" : "; ") (na > 1 ? A[i] ": " : "") note[c, A[i]]
			printf "| %s | %s |\n", c, why
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
		echo 'Host load: the load average over one, five and fifteen minutes when the'
		echo 'guest started → when it was done.'
		echo
		echo '| arch | run | CPUs | clock | host load | QEMU command line |'
		echo '| --- | --- | ---: | --- | --- | --- |'
		runs "$@"
	} > "$dir/results.md"

	# The plots: every case with a figure, one bar per arch.
	: > "$tmp/instr.dat"
	: > "$tmp/time.dat"
	awk -F '\t' -v OFS='\t' -v arches="$arches" '
	{ if (!(($5) in seen)) { seen[$5] = 1; order[++n] = $5 }
	  for (k = 18; k <= 23; k++) val[$2, $3, $5, k] = $k; st[$2, $3, $5] = $6 }
	function icount(a, c) { return st[a, "icount", c] == "ok" ? val[a, "icount", c, 21] : st[a, "icount2", c] == "ok" ? val[a, "icount2", c, 21] : "NaN" }
	END {
		na = split(arches, A, " ")
		for (j = 1; j <= n; j++) {
			c = order[j]
			if (c == "cpu-loop") continue
			line = c; any = 0
			for (i = 1; i <= na; i++) { x = icount(A[i], c); line = line OFS x; if (x != "NaN") any = 1 }
			if (any) print line > "'"$tmp"'/instr.dat"
			line = c; any = 0
			for (i = 1; i <= na; i++)
				if (st[A[i], "tcg", c] == "ok") {
					line = line OFS val[A[i], "tcg", c, 18] OFS val[A[i], "tcg", c, 19] OFS val[A[i], "tcg", c, 20]; any = 1
				} else
					line = line OFS "NaN" OFS "NaN" OFS "NaN"
			if (any) print line > "'"$tmp"'/time.dat"
		}
	}' "$tmp/rows"
	# Horizontal bars, one row per case, one bar per arch; the names read
	# left to right in any SVG renderer.
	set -- $arches
	na=$#
	ins='' tim=''
	i=1
	for a in "$@"; do
		off=$(awk -v i=$i -v n=$na 'BEGIN { printf "%.2f", 0.2 * (n - 1) - 0.4 * (i - 1) }')
		y="(-\$0 + $off)"
		names=$([ $i = 1 ] && echo ':ytic(1)' || true) # the first arch's bars carry the names
		box="(1):$y:(1):(column($((i + 1)))):($y - 0.18):($y + 0.18)$names"
		ins="$ins${ins:+, }'$tmp/instr.dat' using $box with boxxyerror lc $i title '$a'"
		c=$((2 + 3 * (i - 1)))
		box="(1):$y:(1):(column($c)):($y - 0.18):($y + 0.18)$names"
		tim="$tim${tim:+, }'$tmp/time.dat' using $box with boxxyerror lc $i title '$a'"
		tim="$tim, '$tmp/time.dat' using $c:$y:$((c + 1)):$((c + 2)) with xerrorbars lc black pt 0 notitle"
		i=$((i + 1))
	done
	ni=$(wc -l < "$tmp/instr.dat")
	nt=$(wc -l < "$tmp/time.dat")
	gnuplot <<-EOF
		set datafile separator '\t'
		set style fill solid 0.8 border -1
		set key top right
		set grid xtics
		set ytics nomirror scale 0 font ',11'
		set logscale x
		set lmargin 26
		set terminal svg size 900,$((120 + 30 * ni)) dynamic noenhanced font 'sans,12'
		set output '$dir/results-instructions.svg'
		set yrange [-$ni + 0.5:0.5]
		set xrange [1:*]
		set title 'duet: guest instructions per operation (-icount shift=$shift_; -2cpu: both vCPUs)'
		set xlabel 'instructions (log scale)'
		plot $ins
		set terminal svg size 900,$((120 + 30 * nt)) dynamic noenhanced font 'sans,12'
		set output '$dir/results-time.svg'
		set yrange [-$nt + 0.5:0.5]
		set title 'duet: time per operation under TCG, 2 CPUs (median; bars: min to max)'
		set xlabel 'ns (log scale)'
		plot $tim
	EOF
}

# ---- Linux and duet: linux.* ---------------------------------------------------
#
# LINUX, DUET: the runs under -icount with one CPU (instructions);
# LINUX2, DUET2 (optional): the runs under plain TCG with two CPUs (time).

linux() {
	tsv "$1" > "$tmp/linux"
	tsv "$2" > "$tmp/duet"
	two=
	if [ $# -ge 4 ]; then
		tsv "$3" > "$tmp/linux2"
		tsv "$4" > "$tmp/duet2"
		two=1
	else
		: > "$tmp/linux2"
		: > "$tmp/duet2"
	fi
	disk=
	if [ $# -ge 6 ]; then
		tsv "$5" > "$tmp/linux3"
		tsv "$6" > "$tmp/duet3"
		disk=1
	else
		: > "$tmp/linux3"
		: > "$tmp/duet3"
	fi
	# Which duet case each Linux case is set against: its true anchor
	# (a batch against io_uring at the same batch size), and in words.
	# run: 1 (one CPU, -icount: instructions) or 2 (two CPUs, TCG: time).
	tab=$(printf '\t')
	sed "s/  */$tab/; s/  */$tab/; s/  */$tab/" > "$tmp/pairs" <<-'EOF'
		1 cpu-loop cpu-loop one instruction of a two-instruction loop
		1 null-call null-call null system call (getppid) / one blocking call (ring_call of getpid)
		1 uring-nop-wait1 null-call io_uring NOP, submit and wait in one io_uring_enter / one blocking call
		1 uring-nop-batch1 null-batch1 io_uring NOP, batch 1 / async API (sq_get, sq_submit, cq_wait), batch 1
		1 uring-nop-batch8 null-batch8 io_uring NOPs, batch 8, per op / async API, batch 8, per op
		1 uring-nop-batch32 null-batch32 io_uring NOPs, batch 32, per op / async API, batch 32, per op
		1 uring-nop-batch128 null-batch128 io_uring NOPs, batch 128, per op / async API, batch 128, per op
		1 uring-sqpoll-1cpu null-polled-1cpu SQPOLL io_uring NOP, 1 CPU / polled ring call, 1 CPU
		1 pipe-kernel-pingpong-1cpu pipe-kernel-pingpong-1cpu pipe 1-byte round trip, 1 CPU / kernel pipes
		1 pipe-kernel-pingpong-1cpu pipe-hw-pingpong-1cpu pipe 1-byte round trip, 1 CPU / hardware pipes
		1 pipe-kernel-stream-1cpu pipe-kernel-stream-1cpu 1 MiB through a pipe, 1 CPU / kernel pipes
		1 pipe-kernel-stream-1cpu pipe-hw-stream-1cpu 1 MiB through a pipe, 1 CPU / hardware pipes
		1 file-read-4k-1cpu file-read-4k-1cpu read 4 KiB of a tmpfs file / through the file server
		1 file-read-64k-1cpu file-read-64k-1cpu read 64 KiB of a tmpfs file / through the file server
		2 cpu-loop cpu-loop one instruction: the emulator's speed (ns)
		2 pipe-kernel-pingpong-2cpu pipe-kernel-pingpong-2cpu pipe 1-byte round trip, 2 vCPUs, placed by the scheduler / kernel pipes
		2 pipe-kernel-pingpong-2cpu pipe-hw-pingpong-2cpu pipe 1-byte round trip, 2 vCPUs, placed by the scheduler / hardware pipes
		2 pipe-kernel-pingpong-2cpu-pinned pipe-kernel-pingpong-2cpu pipe 1-byte round trip, Linux's ends pinned to different vCPUs / kernel pipes
		2 pipe-kernel-pingpong-2cpu-pinned pipe-hw-pingpong-2cpu pipe 1-byte round trip, Linux's ends pinned to different vCPUs / hardware pipes
		2 pipe-kernel-pingpong-2cpu-onecpu pipe-kernel-pingpong-2cpu pipe 1-byte round trip, Linux's ends pinned to the same vCPU / kernel pipes
		2 pipe-kernel-pingpong-2cpu-onecpu pipe-hw-pingpong-2cpu pipe 1-byte round trip, Linux's ends pinned to the same vCPU / hardware pipes
		2 uring-sqpoll-2cpu nop-polled-uintr-2cpu NOPs, 32 in flight, SQPOLL, io_uring_enter(GETEVENTS) when the CQ is empty / polled ring, completed by the interrupt
		2 uring-sqpoll-2cpu nop-polled-wait-2cpu NOPs, 32 in flight, SQPOLL, io_uring_enter(GETEVENTS) when the CQ is empty / polled ring, cq_wait
		3 disk-write-1m disk-write-1m write 1 MiB, 64 KiB a call, durable: /dev/vda and fdatasync / a file through fsd's log
		3 disk-read-1m-cold disk-read-1m-cold read 1 MiB, 64 KiB a call, from the disk: O_DIRECT / after another file's read
		3 disk-read-1m-warm disk-read-1m-warm read 1 MiB again: from the page cache / from fsd's cache (512 blocks)
		3 disk-read-4k-rand disk-read-4k-rand read 4 KiB at a random block of 1 MiB: O_DIRECT / through fsd's cache
	EOF
	# One row per pair: run, both cases, status, Linux's and duet's
	# instructions (run 1) or ns (run 2), duet / Linux, Linux's ns,
	# duet's ns, duet's entries (both ends), what, note.
	awk -F '\t' -v OFS='\t' '
	function both(d, k) { return d[k + 3] == "" ? d[k] : sprintf("%.4f", d[k] + d[k + 3]) }
	FILENAME ~ /linux$/ { L[1, $5] = $0; next }
	FILENAME ~ /duet$/ { D[1, $5] = $0; next }
	FILENAME ~ /linux2$/ { L[2, $5] = $0; next }
	FILENAME ~ /duet2$/ { D[2, $5] = $0; next }
	FILENAME ~ /linux3$/ { L[3, $5] = $0; next }
	FILENAME ~ /duet3$/ { D[3, $5] = $0; next }
	{
		if (!((1 * $1, $2) in L)) next
		split(L[$1, $2], l, "\t"); split(D[$1, $3], d, "\t")
		if (l[6] != "ok") next
		k = $1 == 1 ? 21 : 18 # instructions, or ns
		if (d[6] == "ok")
			print $1, $2, $3, "ok", l[k], d[k], sprintf("%.2f", d[k] / l[k]), l[18], d[18], \
				both(d, 9), both(d, 10), both(d, 11), $4, "", l[19], l[20], d[19], d[20]
		else
			print $1, $2, $3, d[6] == "" ? "missing" : d[6], l[k], "", "", l[18], "", "", "", \
				"", $4, d[28], l[19], l[20], "", ""
	}' "$tmp/linux" "$tmp/duet" "$tmp/linux2" "$tmp/duet2" "$tmp/linux3" "$tmp/duet3" \
		"$tmp/pairs" > "$tmp/cmp"
	{
		printf 'run\tlinux_case\tduet_case\tstatus\tlinux\tduet\tratio\t'
		printf 'linux_ns\tduet_ns\tduet_entries\tduet_exc\tduet_intr\twhat\tnote\t'
		printf 'linux_ns_min\tlinux_ns_max\tduet_ns_min\tduet_ns_max\n'
		cat "$tmp/cmp"
	} > "$dir/linux.tsv"
	{
		echo '# duet and Linux on the same emulator'
		echo
		echo "Generated by \`make bench-linux\` on $when from git $rev: $host, QEMU $qemu."
		echo 'Do not edit: both guests ran in that one run, under the same QEMU'
		echo 'options (see the runs below). Linux is Debian'"'"'s kernel with the'
		echo 'static benchmark `tests/bench/linux.c` as `/init`; duet runs its'
		echo '`bench`. Each duet row is set against its true anchor: one blocking'
		echo 'call against one system call and against one io_uring submit-and-wait,'
		echo 'a batch against io_uring at the same batch size, a polled ring against'
		echo 'SQPOLL. The ratio is duet'"'"'s over Linux'"'"'s (below 1: duet needs'
		echo 'fewer, or is faster). duet'"'"'s kernel entries are both ends'"'"' (both'
		echo 'processes'"'"', or the program'"'"'s and the file server'"'"'s), per'
		echo 'operation; interrupts are mostly timer ticks. Linux has no cheap'
		echo 'per-thread count of kernel entries, so its side reports none.'
		echo 'Method: [Benchmarks](../benchmarks.md).'
		echo
		echo "## Instructions: one CPU, \`-icount shift=$shift_,sleep=off\`"
		echo
		echo 'Guest instructions per operation. QEMU'"'"'s icount counts each'
		echo 'iteration of an x86 `rep movs` (or `rep stos`) as one instruction:'
		echo 'a kernel whose copies are `rep movs` (Linux'"'"'s are) moves up to 8'
		echo 'bytes per counted instruction, one that copies in a loop pays for'
		echo 'every load and store. The time of such an instruction is not in the'
		echo 'count.'
		echo
		echo '![duet and Linux: guest instructions per operation](linux.svg)'
		echo
		echo '| operation (Linux / duet) | Linux case | duet case | Linux instructions | duet instructions | duet / Linux | duet syscalls | duet exceptions | duet interrupts |'
		echo '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |'
		awk -F '\t' '$1 == 1 {
			if ($4 == "ok")
				printf "| %s | %s | %s | %.0f | %.0f | %s | %s | %s | %s |\n", $13, $2, $3, $5, $6, $7, $10, $11, $12
			else
				printf "| %s | %s | %s | %.0f | not measured | - | - | - | - |\n", $13, $2, $3, $5
		}' "$tmp/cmp"
		if [ -n "$two" ]; then
			echo
			echo '## Time: two vCPUs, plain TCG'
			echo
			echo 'Nanoseconds per operation (medians of the repetitions) on the host'"'"'s'
			echo 'clock as each guest reads it. duet cannot pin a process to a CPU, so'
			echo 'Linux runs the ping-pong three times: with its ends where its'
			echo 'scheduler puts them, pinned to different vCPUs, and both pinned to'
			echo 'the same vCPU (`sched_setaffinity`), where no wake-up crosses vCPUs.'
			echo 'Times under TCG depend on the host and its load (in the runs table):'
			echo 'each vCPU is a host thread, and a vCPU that halts until an interrupt'
			echo '(an idle Linux or duet CPU) is a host thread that sleeps, woken'
			echo 'through QEMU and the host'"'"'s scheduler, while an end that spins'
			echo '(duet'"'"'s hardware pipes) never halts. Compare rows of'
			echo 'this run only, with the fastest and slowest repetitions beside the'
			echo 'medians. Speed-up is Linux'"'"'s median over duet'"'"'s.'
			echo
			echo '| operation (Linux / duet) | Linux case | duet case | Linux ns | Linux min - max | duet ns | duet min - max | speed-up | duet syscalls | duet exceptions | duet interrupts |'
			echo '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
			awk -F '\t' '$1 == 2 {
				if ($4 == "ok")
					printf "| %s | %s | %s | %.1f | %.1f - %.1f | %.1f | %.1f - %.1f | %.1fx | %s | %s | %s |\n", $13, $2, $3, $5, $15, $16, $6, $17, $18, $5 / $6, $10, $11, $12
				else
					printf "| %s | %s | %s | %.1f | %.1f - %.1f | not measured | - | - | - | - | - |\n", $13, $2, $3, $5, $15, $16
			}' "$tmp/cmp"
		fi
		if [ -n "$disk" ]; then
			echo
			echo '## The disk: one vCPU, plain TCG, a virtio-blk disk'
			echo
			echo 'Per 4 KiB block, medians of the repetitions, each of 1 MiB (256'
			echo 'blocks). duet goes through a file: fsd, its buffer cache and its'
			echo 'log, and blkd ([Files on disk](../disk.md)); Linux reads and writes'
			echo 'the raw device `/dev/vda`, no file system: its block layer and'
			echo 'driver, the least a file system there could cost. Both on the same'
			echo 'image under `snapshot=on`. Linux'"'"'s cold reads are `O_DIRECT` (no'
			echo 'page cache), its warm ones come from the page cache; duet'"'"'s cold'
			echo 'read follows the read of another 1 MiB file (the driver'"'"'s entries'
			echo 'per block say it went to the disk), its warm one comes from fsd'"'"'s'
			echo 'cache of 512 blocks, in the disk'"'"'s DMA memory. A write'
			echo 'is on the disk when it returns on both (`fdatasync` per MiB on'
			echo 'Linux; on duet every write, since fsd answers after the commit).'
			echo 'Times under TCG on a loaded host vary a lot: the min - max columns'
			echo 'say how much. duet'"'"'s kernel entries per block, exact: the'
			echo 'client'"'"'s (the bench process) and the driver'"'"'s (blkd'"'"'s own'
			echo 'count, `BLK_STATS`); the driver re-arms the interrupt once per'
			echo 'interrupt (the interrupts column is its share of them).'
			echo
			echo '| operation (Linux / duet) | Linux ns | Linux min - max | duet ns | duet min - max | speed-up | duet client syscalls | exceptions | driver syscalls | exceptions | interrupts |'
			echo '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
			awk -F '\t' -v OFS='\t' '
			FILENAME ~ /duet3$/ { D[$5] = $0; next }
			$1 == 3 {
				if ($4 != "ok") {
					printf "| %s | %.1f | %.1f - %.1f | not measured | - | - | - | - | - | - | - |\n", $13, $5, $15, $16
					next
				}
				split(D[$3], d, "\t")
				printf "| %s | %.1f | %.1f - %.1f | %.1f | %.1f - %.1f | %.3gx | %s | %s | %s | %s | %s |\n", $13, $5, $15, $16, $6, $17, $18, $5 / $6, d[9], d[10], d[12], d[13], d[14]
			}' "$tmp/duet3" "$tmp/cmp"
		fi
		if awk -F '\t' '$4 != "ok" { f = 1 } END { exit !f }' "$tmp/cmp"; then
			echo
			echo 'duet cases not measured, and why:'
			echo
			awk -F '\t' '$4 != "ok" { printf "- %s: %s\n", $3, $14 }' "$tmp/cmp"
		fi
		echo
		echo '## Runs'
		echo
		echo '| system | CPUs | clock | host load | QEMU command line |'
		echo '| --- | --- | --- | --- | --- |'
		for f in "$@"; do
			printf '| %s | %s | %s | %s → %s | `%s` |\n' \
				"$(sed -n 's/^BENCH start .*os=\([a-z]*\).*/\1/p' "$f" | grep . || echo duet)" \
				"$(sed -n 's/^BENCH start .*cpus=\([0-9]*\).*/\1/p' "$f")" \
				"$(sed -n 's/^BENCH clock //p' "$f" | head -1)" \
				"$(sed -n 's/^# load start: //p' "$f")" "$(sed -n 's/^# load end: //p' "$f")" \
				"$(sed -n 's/^# qemu: //p' "$f")"
		done
	} > "$dir/linux.md"
	awk -F '\t' -v OFS='\t' '$1 == 1 && $4 == "ok" && $2 != "cpu-loop" {
		print $3 " / " $2, $5, $6 }' "$tmp/cmp" > "$tmp/plot.dat"
	n=$(wc -l < "$tmp/plot.dat")
	y='(-$0 + 0.2)'
	y2='(-$0 - 0.2)'
	gnuplot <<-EOF
		set terminal svg size 1000,$((120 + 36 * n)) dynamic noenhanced font 'sans,12'
		set datafile separator '\t'
		set style fill solid 0.8 border -1
		set key top right
		set grid xtics
		set ytics nomirror scale 0 font ',11'
		set logscale x
		set lmargin 52
		set yrange [-$n + 0.5:0.5]
		set xrange [1:*]
		set xlabel 'instructions (log scale)'
		set output '$dir/linux.svg'
		set title 'guest instructions per operation, same QEMU (-icount shift=$shift_, 1 CPU): each duet case against its Linux anchor'
		plot '$tmp/plot.dat' using (1):$y:(1):2:($y - 0.18):($y + 0.18):ytic(1) with boxxyerror lc 1 title 'Linux', \
			'' using (1):$y2:(1):3:($y2 - 0.18):($y2 + 0.18) with boxxyerror lc 2 title 'duet'
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
