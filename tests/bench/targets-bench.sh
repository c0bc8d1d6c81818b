#!/bin/sh
# Benchmark (not a test): target expansion speed and memory.
#  (1) nray-targets --expand --shard 1/64 0.0.0.0/0 (minus the built-in
#      never-scan list) to /dev/null: addresses per second, peak RSS.
#  (2) the same /12 listed by nray-targets --expand and by nmap's list scan
#      (nmap -sL -n: no packets, no DNS) side by side, with the ratio.
# Medians of RUNS runs (default 3).  Sends no traffic at all.
# Usage: tests/bench/targets-bench.sh [BINDIR]
set -eu
bin=${1:-$(dirname "$0")/../../build/bin}
runs=${RUNS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# run NAME CMD...: wall seconds and peak RSS (KiB) of CMD, output counted
run() {
	name=$1; shift
	f=$tmp/$(echo "$name" | tr '/' '_')
	: >"$f.t"; : >"$f.m"
	i=0
	while [ $i -lt "$runs" ]; do
		/usr/bin/time -f '%e %M' -o "$tmp/tm" "$@" 2>/dev/null | wc -l >"$f.n"
		awk '{ print $1 }' "$tmp/tm" >>"$f.t"
		awk '{ print $2 }' "$tmp/tm" >>"$f.m"
		i=$((i + 1))
	done
	t=$(median <"$f.t"); m=$(median <"$f.m"); n=$(cat "$f.n")
	echo "$name $t $m $n"
}

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"
echo "# medians of $runs runs"
printf '%-34s %10s %12s %14s %12s\n' test secs addrs addrs/s "peak RSS"
set -- $(run expand-0.0.0.0/0-shard1of64 "$bin/nray-targets" -q --expand --shard 1/64 0.0.0.0/0)
printf '%-34s %10s %12s %14.0f %9s KiB\n' "$1" "$2" "$4" "$(echo "$4 / $2" | bc -l)" "$3"

set -- $(run nray-expand-10.0.0.0/12 "$bin/nray-targets" -q --expand 10.0.0.0/12)
nt=$2
printf '%-34s %10s %12s %14.0f %9s KiB\n' "$1" "$2" "$4" "$(echo "$4 / $2" | bc -l)" "$3"
if command -v nmap >/dev/null; then
	set -- $(run nmap-sL-n-10.0.0.0/12 nmap -sL -n 10.0.0.0/12)
	printf '%-34s %10s %12s %14.0f %9s KiB\n' "$1" "$2" "$4" "$(echo "$4 / $2" | bc -l)" "$3"
	echo "# nmap -sL -n / nray-targets --expand wall time on the /12: $(echo "scale=1; $2 / $nt" | bc -l)x"
	echo "# (nmap prints two header/footer lines besides one line per address)"
fi
