#!/bin/sh
# labs/test-wrong.sh [LAB...] - part of `make test-labs`: every wrong
# solution kept in the tree (labs/<lab>/wrong/*.c, all labs if none is
# named) loses points. Each is the reference with one lab region's body
# (or a few) replaced (labs/wrong.sh), and names the checks that catch it:
#
#	 * caught by unit: <program> <test>...
#		these tests of host unit test program tests/unit/<program>.c
#		(without a test_ prefix, if they have one) must not pass;
#		host code, the same C on both arches, so run once
#	 * caught by grader: <filter>
#		the grader tests that filter picks (make grade TEST=...) must
#		not all pass, on each arch
#
# Only those checks run (not the lab's whole manifest), to keep it short.
set -u
arches="riscv64 x86_64"
out=build/labs/wrong
mkdir -p $out
fail=0
bad() { echo "test-labs: FAIL: $*"; fail=1; }

# one WRONG: check one wrong solution; prints its line (and FAIL lines),
# exits 1 if it was not caught.
one() {
	w=$1
	lab=$(echo "$w" | cut -d/ -f2)
	name=$(basename "$w" .c)
	dir=$out/$lab-$name
	log=$out/$lab-$name.log
	: >"$log"
	sh labs/wrong.sh "$w" "$dir" >>"$log" 2>&1 || {
		bad "wrong solution $w: no tree ($log)"
		return
	}
	checks=0 caught=""
	while read -r prog tests; do
		[ -n "$prog" ] || continue # no unit line: the here-document's one empty line
		checks=$((checks + 1))
		bin=$dir/build/host/$prog
		if ! make --no-print-directory -C "$dir" build/host/$prog >>"$log" 2>&1; then
			bad "wrong solution $w: $prog does not build ($log)"
			continue
		fi
		# a hang fails the tests too; the limit only stops it
		timeout 300 "$bin" >"$out/$lab-$name-$prog.out" 2>&1
		for t in $tests; do
			if grep -Eq "^\[ *OK *\] (test_)?$t\$" "$out/$lab-$name-$prog.out"; then
				bad "wrong solution $w passes unit/${prog#test_}/$t ($out/$lab-$name-$prog.out)"
			else
				caught="$caught unit/${prog#test_}/$t"
			fi
		done
	done <<END
$(sed -n 's/^ \* caught by unit: //p' "$w")
END
	while read -r filter; do
		[ -n "$filter" ] || continue
		checks=$((checks + 1))
		for a in $arches; do
			glog=$out/$lab-$name-$a.log
			if make --no-print-directory -C "$dir" grade ARCH=$a TEST="$filter" \
				JOBS=2 >"$glog" 2>&1; then
				bad "wrong solution $w passes grader tests $filter on $a ($glog)"
			else
				caught="$caught $filter@$a"
			fi
		done
	done <<END
$(sed -n 's/^ \* caught by grader: //p' "$w")
END
	[ $checks -gt 0 ] || bad "wrong solution $w names no check that catches it"
	echo "  wrong $lab/$name: caught by$caught"
	# the tree is big and no longer needed (its logs stay)
	[ $fail = 1 ] || rm -rf "$dir"
}

if [ "${1:-}" = --one ]; then
	one "$2"
	exit $fail
fi

# Each wrong solution on its own, as many at once as there are CPUs; the
# lines come out in order.
labs=${*:-$(grep -v '^#' labs/labs.txt)}
for lab in $labs; do
	ls labs/$lab/wrong/*.c 2>/dev/null
done >$out/list
xargs -P "$(nproc)" -I{} sh -c \
	'sh labs/test-wrong.sh --one {} >build/labs/wrong/$(echo {} | tr / _).result 2>&1' <$out/list
while read -r w; do
	r=$out/$(echo "$w" | tr / _).result
	cat "$r"
	! grep -q '^test-labs: FAIL' "$r" || fail=1
done <$out/list
exit $fail
