#!/bin/sh
# Every long option a program lists in --help must appear in its man page
# (as .Fl -name or \-\-name).  Usage: check-man-options.sh BINDIR PROG...
set -u
bindir=$1; shift
status=0
for prog in "$@"; do
	page=man/$prog.1
	if [ ! -f "$page" ]; then
		echo "check-man-options: $prog has no man page $page" >&2
		status=1
		continue
	fi
	for opt in $("$bindir/$prog" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
		name=${opt#--}
		grep -q -e "Fl -$name\\b" -e "\\\\-\\\\-$name\\b" "$page" ||
			{ echo "check-man-options: $prog: $opt is not in $page" >&2; status=1; }
	done
done
[ $status = 0 ] && echo "man options: every --option of $* is documented"
exit $status
