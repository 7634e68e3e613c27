#!/bin/sh
# run.sh - run host fuzz targets one after another (tests/fuzz/fuzz.mk).
#
#   sh tests/fuzz/run.sh SECONDS TARGET...
#
# Each build/fuzz/<target> fuzzes for SECONDS from its seeds and corpus;
# one line per target says how it went. Exits 1 if any target failed: a
# crash, a leak, a sanitizer report, a broken invariant or a hang. The
# failing input is in build/fuzz/crashes/<target>/.
secs=$1
shift
F=build/fuzz
fail=0
mkdir -p $F/logs
for t in "$@"; do
	mkdir -p $F/corpus/$t $F/crashes/$t
	log=$F/logs/$t.log
	dict=
	[ -f tests/fuzz/$t.dict ] && dict=-dict=tests/fuzz/$t.dict
	# -timeout: an input that takes 10 s is a hang, and a failure too.
	# New inputs go into the first directory, the corpus; seeds stay as made.
	$F/$t -max_total_time=$secs -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix=$F/crashes/$t/ $dict $F/corpus/$t $F/seeds/$t >$log 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' $log)
	corpus=$(ls $F/corpus/$t | wc -l)
	if [ $rc = 0 ] && ! grep -q -E 'ERROR: |runtime error:|invariant broken' $log; then
		printf 'fuzz %-8s ok      %9s runs in %ss, corpus %s inputs\n' $t "$runs" $secs $corpus
		continue
	fi
	fail=1
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' $log | tail -1)
	why=$(grep -m1 -E 'invariant broken|ERROR: |runtime error:' $log)
	printf 'fuzz %-8s FAILED  %s\n' $t "${why:-exit status $rc}"
	if [ -n "$crash" ]; then
		echo "    input: $crash; replay: $F/$t $crash"
	fi
	echo "    log: $log"
done
exit $fail
