#!/bin/sh
# labs/test-labs.sh - `make test-labs`: for every lab in labs/labs.txt that
# has a folder, on both arches: its handout builds; its own tests fail on
# the handout (a lab whose tests pass there grades nothing); the earlier
# labs' tests pass on it; the reference tree passes the lab's tests.
set -u
arches="riscv64 x86_64"
out=build/labs
mkdir -p $out
fail=0
earlier=""
bad() { echo "test-labs: FAIL: $*"; fail=1; }

# grade DIR LAB ARCH: 0 if the lab's unit and grader tests all pass in DIR.
grade() {
	log=$out/grade-$(echo "$1" | tr / _)-$2-$3.log
	make --no-print-directory -C "$1" grade LAB="$2" ARCH="$3" JOBS=4 >"$log" 2>&1
	st=$?
	score=$(grep '^Score:' "$log" | tail -1)
	[ -f "$1/build/results/unit-failed" ] && st=1
	echo "  $1: lab $2 on $3: ${score:-no score} $([ -f "$1/build/results/unit-failed" ] && echo '(unit tests failed)')"
	return $st
}

for lab in $(grep -v '^#' labs/labs.txt); do
	if [ ! -d labs/$lab ]; then
		earlier="$earlier $lab"
		continue
	fi
	dir=$out/$lab
	echo "== lab $lab"
	sh labs/handout.sh $lab $dir >/dev/null || { bad "lab $lab: no handout"; continue; }
	for a in $arches; do
		if ! make --no-print-directory -C $dir ARCH=$a kernel >$out/build-$lab-$a.log 2>&1; then
			bad "lab $lab: the handout does not build for $a ($out/build-$lab-$a.log)"
			continue
		fi
		grade $dir $lab $a && bad "lab $lab: its tests pass on its own handout on $a"
		for e in $earlier; do
			[ -d labs/$e ] || continue
			grade $dir $e $a || bad "lab $e's tests fail on lab $lab's handout on $a"
		done
		grade . $lab $a || bad "lab $lab: the reference fails its tests on $a"
	done
	earlier="$earlier $lab"
done
[ $fail = 0 ] && echo "test-labs: every lab's tests fail on its handout and pass on the reference"
exit $fail
