#!/bin/sh
# labs/gradescope/test.sh - `make test-gradescope`: the autograder of lab
# ring, run as Gradescope would in a fake /autograder (a temporary
# folder), on the reference's files handed in under one folder, graded
# on x86_64 only (to be quick); its results.json must parse, score more
# than 0, and hold every test the lab has on that arch.
set -eu
lab=ring
arch=x86_64
out=build/gradescope-test
rm -rf $out
mkdir -p $out/root/source $out/root/submission/$lab
make --no-print-directory gradescope LAB=$lab GRADESCOPE_DIR=$out/zip >/dev/null
(cd $out/root/source && unzip -q ../../zip.zip)
cp $out/root/source/run_autograder $out/root/run_autograder
# the submission: the reference's versions of the files a student hands in
while read -r f; do
	mkdir -p "$out/root/submission/$lab/$(dirname "$f")"
	cp "$f" "$out/root/submission/$lab/$f"
done <$out/root/source/files
(cd $out/root && AUTOGRADER=$(pwd) ARCH=$arch JOBS=${JOBS:-2} ./run_autograder >run.log 2>&1)
# every test the lab has on this arch, as results.json names them
make --no-print-directory lab-list LAB=$lab ARCH=$arch |
	awk '$4 ~ /^points?,$/ { print $2 " [" $1 "]" }' >$out/want
python3 - $out/root/results/results.json $out/want <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
want = [l.strip() for l in open(sys.argv[2]) if l.strip()]
got = {t["name"]: t for t in r.get("tests", [])}
bad = []
if not want:
    bad.append("no tests listed for the lab")
bad += ["missing test " + n for n in want if n not in got]
bad += ["%s: no %s" % (n, k) for n, t in got.items()
        for k in ("score", "max_score", "status", "output", "visibility") if k not in t]
if not r.get("score", 0) > 0:
    bad.append("score %s, not > 0" % r.get("score"))
print("test-gradescope: lab ring on x86_64: score %s/%s, %d tests, %d passed"
      % (r.get("score"), r.get("max_score"), len(got),
         sum(t.get("status") == "passed" for t in got.values())))
for b in bad:
    print("test-gradescope: FAIL:", b)
sys.exit(1 if bad else 0)
PY
