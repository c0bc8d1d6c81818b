#!/bin/sh
# make bench: every benchmark in turn (never part of make check).
# Usage: tests/bench/run-all.sh BINDIR
# Network benchmarks build their own namespace lab and need root.
set -u
bin=${1:-build/bin}
dir=$(dirname "$0")
status=0
for b in targets-bench.sh scan-bench.sh grab-bench.sh; do
	[ -f "$dir/$b" ] || continue
	echo "=== $b"
	sh "$dir/$b" "$bin" || status=1
done
if [ -x "$bin/../perm-bench" ]; then
	echo "=== perm-bench"
	"$bin/../perm-bench" || status=1
fi
exit $status
