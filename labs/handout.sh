#!/bin/sh
# labs/handout.sh LAB DIR - write the student tree of lab LAB into DIR.
#
# Run from the top of the reference tree. Every file git knows (tracked,
# or new and not ignored) is copied; in C and assembly sources each
# solution region
#
#	/* LAB <lab> <task>: BEGIN <what to write> */
#	/* STUB: <C code, may go on over more lines> */
#	...the solution...
#	/* LAB <lab> END */
#
# of lab LAB or a later one (labs/labs.txt gives the order) becomes its
# stub, behind a comment naming the task; a region of an earlier lab keeps
# its solution and loses its three marker lines. Files listed in
# labs/handout-exclude (shell globs) are left out.
set -eu
lab=${1:?usage: handout.sh LAB DIR}
dir=${2:?usage: handout.sh LAB DIR}
order=$(grep -v '^#' labs/labs.txt | grep -v '^$')
echo "$order" | grep -qx "$lab" || {
	echo "handout: no lab '$lab' in labs/labs.txt" >&2
	exit 1
}
case $dir in /* | ./* | ../*) ;; *) dir=./$dir ;; esac
rm -rf "$dir"
mkdir -p "$dir"

excluded() {
	[ -f labs/handout-exclude ] || return 1
	while read -r pat; do
		case $pat in '#'* | '') continue ;; esac
		# shellcheck disable=SC2254
		case $1 in $pat) return 0 ;; esac
	done <labs/handout-exclude
	return 1
}

# Copy everything at once, then rewrite the few sources that have regions
# (a file without one comes out of regions.awk unchanged).
list=$(mktemp)
trap 'rm -f "$list"' EXIT
git ls-files --cached --others --exclude-standard | sort -u | while read -r f; do
	[ -f "$f" ] || continue # deleted but still in the index
	excluded "$f" && continue
	echo "$f"
done >"$list"
tar -cf - -T "$list" | tar -xpf - -C "$dir"
grep -E '\.(c|h|S)$' "$list" | while read -r f; do
	grep -q '/\* LAB [a-z0-9_]* ' "$f" || continue
	awk -v lab="$lab" -v order="$order" -v file="$f" -f labs/regions.awk "$f" >"$dir/$f" ||
		exit 1
done
echo "handout: lab $lab in $dir"
