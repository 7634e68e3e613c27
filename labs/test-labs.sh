#!/bin/sh
# labs/test-labs.sh - `make test-labs`: for every lab in labs/labs.txt that
# has a folder, on both arches: its handout builds; its own tests fail on
# the handout (a lab whose tests pass there grades nothing), and so does
# each of its unit test programs (at least one test of each); the lab
# before it passes its tests there; the handout's maximum is the reference's (no
# test vanished on the handout). Also, once per lab, that a unit test
# program that did not build or crashes fails every one of its tests.
# Then the reference tree gets full marks for every lab, on each arch -
# unless LAB_REF=listed: `make test` runs every one of those tests on the
# reference already (test-grade, test-unit), so it only lists them here.
# Last, every wrong solution kept in the tree (labs/<lab>/wrong/) loses
# points (labs/test-wrong.sh).
#
# To be quick, a handout is graded with FIRSTFAIL=1 (grader -x): all its
# unit tests run, but no QEMU test starts once a test has failed. That
# is enough to show its tests fail, and its maximum is the same. And a
# lab's tests run on the next lab's handout only, not on every later one:
# that handout has every later lab's stubs (the most a student of a later
# lab ever has), and each handout after it differs only in having more of
# the reference's code, which passes them.
set -u
arches="riscv64 x86_64"
out=build/labs
mkdir -p $out
# Every handout and wrong solution is a whole tree to build, nearly all
# of it the same files: through ccache (`make deps` installs it) the
# builds after the first take seconds. The cache is keyed on the files,
# not on the tree they are in (NOHASHDIR).
if command -v ccache >/dev/null; then
	export CCACHE=ccache CCACHE_DIR="$PWD/$out/ccache" CCACHE_NOHASHDIR=1
fi
fail=0
earlier=""
bad() { echo "test-labs: FAIL: $*"; fail=1; }

# score LOG: set got and max from LOG's "Score: N/M" line (empty if none).
score() {
	s=$(grep '^Score: ' "$1" | tail -1)
	s=${s#Score: }
	got=${s%/*}
	max=${s#*/}
}

# grade DIR LABS ARCH [MAKE-ARGS]: grade the labs (one name, or several)
# in DIR; 0 if all their tests passed. Sets log, got and max; prints the
# score and the unit tests' part of it.
grade() {
	log=$out/grade-$(echo "$1-$2" | tr '/ ' '_-')-$3.log
	make --no-print-directory -C "$1" grade LAB="$2" ARCH="$3" JOBS=4 ${4:-} >"$log" 2>&1
	st=$?
	score "$log"
	nunit=$(grep -c '^host  *unit/' "$log")
	nufail=$(grep -c '^host  *unit/[^ ]*  *FAIL ' "$log")
	what="lab $2"
	case $2 in *" "*) what="labs $2" ;; esac
	echo "  $1: $what on $3: Score: ${got:-none}/${max:-none}" \
		"$([ "$nunit" -gt 0 ] && echo "($nufail of $nunit unit tests failed)")"
	return $st
}

# listed LAB ARCH: set lmax, the reference's maximum for the lab on ARCH,
# from the tests `make lab-list` names (none run).
listed() {
	lmax=$(make --no-print-directory lab-list LAB="$1" ARCH="$2" 2>/dev/null |
		awk '/ points, / { n++; s += $3 } END { if (n) print s }')
}

# The unit test programs of lab $1's manifest, unit:<program>[:<points>][@<arch>]:
# all of them, or those graded on arch $2 (no @<arch>, or @$2).
programs() {
	grep '^unit:' labs/$1/tests | while read -r l; do
		case $l in *@*) [ -z "${2:-}" ] || [ "${l##*@}" = "$2" ] || continue ;; esac
		l=${l#unit:}
		echo "${l%%[:@]*}"
	done
}

# check_units LAB: a unit test program that is missing (did not build) or
# crashes must fail each of its tests, scoring 0 of the same maximum as
# when it passes. Checked with the reference's grader, without QEMU:
# grader -u on a path with no program, then on a script that kills itself.
check_units() {
	for p in $(programs $1); do
		args=$(grep -E "^unit:$p(:|@|\$)" labs/$1/tests | sed "s|^unit:$p||; s|@.*||")
		n=$(build/host/grader -l -u "$out/none/$p$args" | grep -c '^host ')
		mkdir -p $out/crash
		printf '#!/bin/sh\necho "about to crash"\nkill -SEGV $$\n' >$out/crash/$p
		chmod +x $out/crash/$p
		for how in none crash; do
			l=$out/unit-$how-$p.log
			build/host/grader -o $out/unit-$how -u "$out/$how/$p$args" >$l 2>&1
			score $l
			f=$(grep -c '^host  *unit/[^ ]*  *FAIL ' $l)
			if [ "$n" -eq 0 ] || [ "$f" != "$n" ] || [ "${got:-}" != 0 ] ||
				[ "${max:-0}" -lt "$n" ]; then
				bad "lab $1: unit program $p ($how): $f of $n tests failed, Score ${got:-?}/${max:-?} ($l)"
			fi
		done
	done
}

make --no-print-directory build/host/grader >$out/grader.log 2>&1 || bad "the grader does not build ($out/grader.log)"
for lab in $(grep -v '^#' labs/labs.txt); do
	if [ ! -d labs/$lab ]; then
		earlier="$earlier $lab"
		continue
	fi
	dir=$out/$lab
	echo "== lab $lab"
	check_units $lab
	sh labs/handout.sh $lab $dir >/dev/null || { bad "lab $lab: no handout"; continue; }
	for a in $arches; do
		if ! make --no-print-directory -C $dir ARCH=$a -j"$(nproc)" kernel \
			>$out/build-$lab-$a.log 2>&1; then
			bad "lab $lab: the handout does not build for $a ($out/build-$lab-$a.log)"
			continue
		fi
		grade $dir $lab $a FIRSTFAIL=1 && bad "lab $lab: its tests pass on its own handout on $a"
		hlog=$log hmax=$max
		for p in $(programs $lab $a); do
			s=${p#test_}
			grep -q "^host  *unit/$s/[^ ]*  *FAIL " $hlog ||
				bad "lab $lab: no test of unit program $p fails on its handout on $a ($hlog)"
		done
		prev=$(for e in $earlier; do [ -d labs/$e ] && echo $e; done | tail -1)
		if [ -n "$prev" ]; then
			grade $dir $prev $a || bad "lab $prev's tests fail on lab $lab's handout on $a ($log)"
		fi
		listed $lab $a
		[ -n "$lmax" ] && [ "$hmax" = "$lmax" ] ||
			bad "lab $lab: the handout's maximum score ($hmax) is not the reference's (${lmax:-none}) on $a"
	done
	earlier="$earlier $lab"
done
all=$(for l in $earlier; do [ -d labs/$l ] && echo $l; done)
for a in $arches; do
	if [ "${LAB_REF:-}" = listed ]; then
		echo "  the reference: every lab's tests are graded by test-grade and test-unit ($a)"
		continue
	fi
	grade . "$(echo $all)" $a || bad "the reference fails the labs' tests on $a ($log)"
	[ -n "$max" ] && [ "$got" = "$max" ] ||
		bad "the reference scores ${got:-nothing}/${max:-nothing} for the labs on $a"
done
echo "== wrong solutions"
sh labs/test-wrong.sh || fail=1
ref="and pass on the reference"
[ "${LAB_REF:-}" = listed ] && ref="(on the reference: test-grade and test-unit)"
[ $fail = 0 ] && echo "test-labs: every lab's tests fail on its handout $ref"
exit $fail
