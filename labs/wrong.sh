#!/bin/sh
# labs/wrong.sh WRONG DIR - write into DIR the reference tree with the
# wrong solution WRONG (labs/<lab>/wrong/<name>.c) in place of the
# regions it replaces: each of its REGION lines names a region (file,
# lab, task, n-th of that lab and task in the file) and the lines up to
# the next one are that region's whole body (labs/regions.awk). Only the
# bodies are stored, so the reference may change around them. Fails if
# a region it names is not in the tree any more.
# Every other file is copied as it is.
set -eu
wrong=${1:?usage: wrong.sh WRONG DIR}
dir=${2:?usage: wrong.sh WRONG DIR}
lab=$(echo "$wrong" | sed -n 's|^labs/\([a-z0-9_]*\)/wrong/.*\.c$|\1|p')
[ -n "$lab" ] || {
	echo "wrong: $wrong is not labs/<lab>/wrong/[...]<name>.c" >&2
	exit 1
}
n=0
while read -r _ _ f l t k _; do
	n=$((n + 1))
	have=$(grep -c "/\* LAB $l $t: BEGIN" "$f" 2>/dev/null) || have=0
	[ "$have" -ge "$k" ] || {
		echo "wrong: $wrong: $f has no region $k of lab $l task $t" >&2
		exit 1
	}
done <<END
$(grep '^/\* REGION ' "$wrong")
END
[ $n -gt 0 ] || {
	echo "wrong: $wrong replaces no region" >&2
	exit 1
}
order=$(grep -v '^#' labs/labs.txt | grep -v '^$')
case $dir in /* | ./* | ../*) ;; *) dir=./$dir ;; esac
rm -rf "$dir"
mkdir -p "$dir"
git ls-files --cached --others --exclude-standard | sort -u | while read -r f; do
	[ -f "$f" ] && echo "$f" # not deleted but still in the index
done | tar -cf - -T - | tar -xf - -C "$dir"
for f in $(grep '^/\* REGION ' "$wrong" | cut -d' ' -f3 | sort -u); do
	awk -v lab="$lab" -v order="$order" -v file="$f" -v wrong="$wrong" \
		-f labs/regions.awk "$f" >"$dir/$f" || exit 1
done
