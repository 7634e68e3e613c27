#!/bin/sh
# labs/gradescope/make.sh LAB DIR PACKAGES - `make gradescope`: the
# autograder Gradescope takes for lab LAB, as DIR/ (unpacked) and
# DIR.zip (what course staff upload; labs/README.md).
#
# The zip holds, at its root (Gradescope unpacks it into /autograder/source):
#	setup.sh	installs PACKAGES, the Debian packages the build needs
#			(the Makefile's DEPS), once, when Gradescope builds its image
#	run_autograder	grades one submission (labs/gradescope/run_autograder)
#	lab		the lab's name
#	files		the files a student hands in: those of the handout with
#			a place of this lab to write, and labs/LAB/answers.md
#	handout/	the lab's handout (labs/handout.sh): the submitted files
#			are copied into a copy of it, so the tests, the grader and
#			everything else are the course's, not the student's
# Run from the top of the reference tree.
set -eu
lab=${1:?usage: make.sh LAB DIR PACKAGES}
dir=${2:?usage: make.sh LAB DIR PACKAGES}
packages=${3:?usage: make.sh LAB DIR PACKAGES}
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
rm -rf "$dir" "$dir.zip"
mkdir -p "$dir"
sh labs/handout.sh "$lab" "$dir/handout" >/dev/null
echo "$lab" >"$dir/lab"
{
	(cd "$dir/handout" && grep -rl "Lab $lab, task" kernel user arch shared | sort)
	echo "labs/$lab/answers.md"
} >"$dir/files"
cat >"$dir/setup.sh" <<SETUP
#!/bin/bash
# setup.sh - Gradescope runs this once, as root, when it builds the
# autograder's image: the Debian packages duet's build and tests need.
set -e
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y $packages
SETUP
cp labs/gradescope/run_autograder "$dir/run_autograder"
chmod +x "$dir/setup.sh" "$dir/run_autograder"
(cd "$dir" && zip -qr "$dir.zip" .)
echo "gradescope: lab $lab in $dir.zip ($(wc -l <"$dir/files") files handed in)"
