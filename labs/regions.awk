# labs/regions.awk - one source file through labs/handout.sh: replace the
# solution regions of lab `lab` and later ones by their stubs, drop the
# markers of earlier ones. Variables: lab, order (lab names, a line each),
# file (for messages; the path from the top of the tree).
#
# With wrong set (labs/wrong.sh), lab is ignored: every region keeps its
# solution, except those the file `wrong` replaces. Such a file (a wrong
# solution, labs/<lab>/wrong/*.c) gives each replaced region's whole body
# after a line
#	/* REGION <file> <lab> <task> <n> */
# (the n-th region of that lab and task in that file), up to the next
# REGION line or its end; what comes before the first is its comment.
BEGIN {
	n = split(order, names, "\n")
	for (i = 1; i <= n; i++)
		rank[names[i]] = i
	state = "out"
	if (wrong != "") {
		key = ""
		while ((getline line < wrong) > 0) {
			if (line ~ /^\/\* REGION /) {
				split(line, w, " ")
				key = w[3] " " w[4] " " w[5] " " w[6]
				body[key] = ""
				continue
			}
			if (key != "")
				body[key] = body[key] line "\n"
		}
		close(wrong)
	}
}
function fail(msg) {
	printf "handout: %s:%d: %s\n", file, FNR, msg > "/dev/stderr"
	failed = 1
	exit 1
}
state == "out" && /\/\* LAB [a-z0-9_]+ [0-9]+: BEGIN/ {
	match($0, /LAB [a-z0-9_]+ [0-9]+:/)
	split(substr($0, RSTART, RLENGTH - 1), w, " ")
	rlab = w[2]; task = w[3]
	if (!(rlab in rank))
		fail("lab " rlab " is not in labs/labs.txt")
	replace = wrong == "" && rank[rlab] >= rank[lab]
	seen[rlab " " task]++
	key = file " " rlab " " task " " seen[rlab " " task]
	match($0, /^[ \t]*/)
	indent = substr($0, 1, RLENGTH)
	desc = $0
	sub(/.*BEGIN[ \t]*/, "", desc)
	sub(/[ \t]*\*\/[ \t]*$/, "", desc)
	state = "stub"; stub = ""; start = FNR
	next
}
state == "stub" {
	line = $0
	if (stub == "") {
		if (line !~ /^[ \t]*\/\* STUB:/)
			fail("the line after a LAB BEGIN must be a /* STUB: ... */ comment")
		sub(/^[ \t]*\/\* STUB:[ \t]*/, "", line)
	} else
		sub(/^[ \t]*/, "", line)
	closed = sub(/[ \t]*\*\/[ \t]*$/, "", line)
	stub = stub == "" ? line : stub "\n" indent line
	if (closed) {
		state = "in"
		if (replace) {
			printf "%s/* Lab %s, task %d: %s */\n", indent, rlab, task, desc
			printf "%s%s\n", indent, stub
		}
	}
	next
}
state == "in" && /\/\* LAB [a-z0-9_]+ END \*\// {
	if (key in body)
		printf "%s", body[key]
	state = "out"
	next
}
state == "in" && /\/\* LAB [a-z0-9_]+ [0-9]+: BEGIN/ {
	fail("a LAB region inside another")
}
state == "in" {
	if (!replace && !(key in body))
		print
	next
}
/\/\* LAB [a-z0-9_]+ END \*\// { fail("LAB END without BEGIN") }
{ print }
END {
	if (!failed && state != "out") {
		FNR = start
		fail("LAB region not closed")
	}
}
