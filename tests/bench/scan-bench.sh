#!/bin/bash
# scan-bench.sh - nray-scan against nmap, masscan and zmap on the same
# network-namespace lab (tests/lab/netns.sh), in one run.  Not a test: run by
# hand or by `make bench`, never by `make check`.  Needs root.
#
#   bash tests/bench/scan-bench.sh [BINDIR]      (BINDIR holds nray-scan;
#                                                 default build/bin)
#   RUNS=3 PARTS="a b c" bash tests/bench/scan-bench.sh
#
# (a) 254 hosts x nray's top1000 TCP ports (data/top-tcp.txt), a quarter of
#     the hosts (last octet % 4 == 0) firewalled on ports >= 1000 (dropped),
#     the 30 best-ranked ports open on every host, the rest closed (RST):
#     nray-scan vs nmap -sT -T4, nmap -sS -T4, masscan --rate 100000.
# (b) 10.78.0.0/16 (AnyIP) on port 80, 90% of the addresses silent (every
#     packet dropped; the hosts whose last octet % 10 == 0 answer, open):
#     nray-scan vs nmap -sT -T4 (on 10.78.0.0/20 only, its time x 16 in the
#     table), zmap and masscan at --rate 100000 with their default
#     cooldown/wait.  masscan runs under a watchdog: it can hang after
#     its wait (a known masscan bug), so SIGINT (which its author says loses
#     nothing) stops it 30 s after send time + wait; the table notes it.
# (c) nray-scan's peak RSS on a 10M-probe scan (65,536 addresses x 160
#     ports, all answering), one run.
#
# For every tool: wall time and peak RSS (/usr/bin/time -f '%e %M'), recall
# and precision of the open ports against the lab's truth; the median of
# RUNS runs for time and RSS, the worst run for recall and precision.  nmap
# runs with -Pn -n (no host discovery, no DNS) like the others.  Raw-socket
# tools send from an unused lab address (10.79.0.100, a static neighbour
# entry in the target) so the scanner kernel's RSTs cannot interfere, through
# the scanner's veth to the target veth's MAC.  Everything runs inside the
# scanner namespace, which has no default route.
# make bench runs this with sh: the lab needs bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lab/netns.sh"

bindir=${1:-$top/build/bin}
scan=$bindir/nray-scan
RUNS=${RUNS:-3}
PARTS=${PARTS:-a b c}
RATE=100000
LIMIT=${LIMIT:-1800} # seconds any one run may take

die() {
	echo "scan-bench: $*" >&2
	exit 1
}

lab_check || die "$LAB_SKIP"
[ -x "$scan" ] || die "no nray-scan in $bindir (make first)"
for t in nmap masscan zmap /usr/bin/time; do
	command -v "$t" >/dev/null || die "needs $t (make deps)"
done

out=$(mktemp -d "${TMPDIR:-/tmp}/nray-bench.XXXXXX")
results=$out/results # part tool wall rss recall precision probes scale
: >"$results"
cleanup_bench() {
	lab_down
	rm -rf "$out"
}

# The top1000 ranking, as nray-scan's "-p top1000" reads it.
top1000=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$top/data/top-tcp.txt" |
	awk 'NF' | head -n 1000 | paste -sd,)
[ "$(echo "$top1000" | tr ',' '\n' | wc -l)" = 1000 ] ||
	die "data/top-tcp.txt does not hold 1000 ports"

# A lab with the raw-socket peers' spare source address.
bench_lab() {
	lab_up || die "lab setup failed"
	trap cleanup_bench EXIT
	lab_tgt ip neigh replace "$LAB_SPARE_IP" \
		lladdr "$(lab_scan cat "/sys/class/net/$LAB_VS/address")" \
		dev "$LAB_VT" nud permanent || die "neighbour entry failed"
}

# measure PART TOOL PROBES SCALE PARSER CMD...: runs CMD in the scanner
# namespace RUNS times; PARSER turns its output file ($out/raw) into
# "ip port" lines of open ports, scored against $out/truth.
measure() {
	local part=$1 tool=$2 probes=$3 scale=$4 parser=$5 i wall rss score
	shift 5
	for i in $(seq "$RUNS"); do
		rm -f "$out/raw"
		ip netns exec "$LAB_SCAN" /usr/bin/time -f '%e %M' -o "$out/time" \
			timeout -k 10 "$LIMIT" "$@" >"$out/stdout" 2>"$out/stderr" ||
			{
				echo "scan-bench: $tool failed:" >&2
				tail -n 5 "$out/stderr" >&2
			}
		if grep -q 'status 124' "$out/time"; then
			echo "$part $tool run $i: stopped by its watchdog (SIGINT)" >>"$out/stopped"
		fi
		[ -e "$out/raw" ] || cp "$out/stdout" "$out/raw"
		read -r wall rss < <(tail -n 1 "$out/time")
		"$parser" <"$out/raw" | awk '{ print $1, $2, "open" }' >"$out/found"
		score=$(lab_score "$out/found" "$out/truth" open)
		echo "$part $tool $wall $rss ${score% * *} $probes $scale" >>"$results"
		echo "  $part $tool run $i: ${wall}s ${rss}KiB recall/precision ${score% * *}" >&2
	done
}

parse_nray() { jq -r 'select(.type == "port" and .state == "open") | "\(.ip) \(.port)"'; }
parse_nmap() { # grepable output: "Host: IP () Ports: 22/open/tcp//ssh///, ..."
	awk '/Ports:/ {
		ip = $2; sub(/.*Ports: /, "")
		n = split($0, e, /, /)
		for (i = 1; i <= n; i++) {
			split(e[i], f, "/")
			if (f[2] == "open") print ip, f[1]
		}
	}'
}
parse_masscan() { awk '$1 == "open" { print $4, $3 }'; } # -oL
parse_zmap80() { awk -F, 'NF && $1 != "saddr" { print $1, 80 }'; }

part_a() {
	local listen h
	echo "(a) 254 hosts x top1000, a quarter firewalled on ports >= 1000" >&2
	bench_lab
	listen=$(echo "$top1000" | cut -d, -f1-30)
	lab_rule ip daddr 10.78.1.0/24 ip daddr '&' 0.0.0.3 == 0.0.0.0 \
		tcp dport '>=' 1000 drop || die "nft failed"
	lab_listen "$listen" || die "listener failed"
	for h in $(seq 1 254); do
		echo "$listen" | tr ',' '\n' | awk -v h="$h" \
			'!(h % 4 == 0 && $1 >= 1000) { print "10.78.1." h, $1, "open" }'
	done >"$out/truth"
	local mac probes=254000
	mac=$(lab_mac)
	measure a nray-scan $probes 1 parse_nray \
		"$scan" -q -p top1000 10.78.1.1-254
	measure a "nmap -sT -T4" $probes 1 parse_nmap \
		nmap -sT -T4 -Pn -n -p "$top1000" -oG - 10.78.1.1-254
	measure a "nmap -sS -T4" $probes 1 parse_nmap \
		nmap -sS -T4 -Pn -n -p "$top1000" -oG - 10.78.1.1-254
	measure a "masscan" $probes 1 parse_masscan \
		timeout -s INT $((probes / RATE + 10 + 30)) \
		masscan -p "$top1000" 10.78.1.1-10.78.1.254 --rate "$RATE" \
		-e "$LAB_VS" --router-mac "$mac" --source-ip "$LAB_SPARE_IP" \
		-oL "$out/raw"
	lab_down
}

part_b() {
	local live mac probes=65536
	echo "(b) 10.78.0.0/16 x port 80, 90% silent" >&2
	bench_lab
	live=$(seq 0 10 250 | sed 's/^/0.0.0./' | paste -sd,)
	lab_rule ip daddr 10.78.0.0/16 ip daddr '&' 0.0.0.255 != "{ $live }" \
		drop || die "nft failed"
	lab_listen 80 || die "listener failed"
	for a in $(seq 0 255); do
		seq 0 10 250 | sed "s/^/10.78.$a./; s/\$/ 80 open/"
	done >"$out/truth"
	mac=$(lab_mac)
	measure b nray-scan $probes 1 parse_nray "$scan" -q -p 80 10.78.0.0/16
	# nmap: a /20 only; its recall counts against the /20's truth
	mv "$out/truth" "$out/truth16"
	awk '{ split($1, o, "."); if (o[3] < 16) print }' "$out/truth16" >"$out/truth"
	measure b "nmap -sT -T4 (/20 x16)" 4096 16 parse_nmap \
		nmap -sT -T4 -Pn -n -p 80 -oG - 10.78.0.0/20
	mv "$out/truth16" "$out/truth"
	measure b zmap $probes 1 parse_zmap80 \
		zmap -q -p 80 -r "$RATE" -i "$LAB_VS" -G "$mac" -S "$LAB_SPARE_IP" \
		-b /dev/null -o "$out/raw" 10.78.0.0/16
	measure b masscan $probes 1 parse_masscan \
		timeout -s INT $((probes / RATE + 10 + 30)) \
		masscan -p 80 10.78.0.0/16 --rate "$RATE" -e "$LAB_VS" \
		--router-mac "$mac" --source-ip "$LAB_SPARE_IP" -oL "$out/raw"
	lab_down
}

part_c() {
	local probes=$((65536 * 160))
	echo "(c) nray-scan, 65,536 addresses x 160 ports = 10.5M probes" >&2
	bench_lab
	lab_listen 80 || die "listener failed"
	for a in $(seq 0 255); do
		seq 0 255 | sed "s/^/10.78.$a./; s/\$/ 80 open/"
	done >"$out/truth"
	local RUNS=1
	measure c nray-scan $probes 1 parse_nray "$scan" -q -p 1-160 10.78.0.0/16
	lab_down
}

for p in $PARTS; do
	case $p in
	a) part_a ;;
	b) part_b ;;
	c) part_c ;;
	*) die "unknown part '$p' (a, b, c)" ;;
	esac
done

# The table: medians of wall time and RSS, worst recall and precision, the
# time ratio against nray-scan of the same part.
echo
echo "nray scan benchmark, $(date -u +%Y-%m-%dT%H:%MZ), runs per tool: $RUNS"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r)"
echo "tools: nray-scan $("$scan" --version 2>&1 | head -n 1 | awk '{ print $NF }'), $(nmap --version | awk 'NR == 1 { print "nmap " $3 }'), $(masscan --version 2>/dev/null | awk '/version/ { print "masscan " $3; exit }'), zmap $(zmap --version 2>&1 | awk '{ print $NF; exit }')"
echo
awk '
	function median(list, n,   a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{
		n = NF; scale = $n; probes = $(n - 1); prec = $(n - 2)
		rec = $(n - 3); rss = $(n - 4); wall = $(n - 5)
		tool = $2; for (i = 3; i <= n - 6; i++) tool = tool " " $i
		k = $1 SUBSEP tool
		if (!(k in seen)) { seen[k] = 1; order[++no] = k }
		walls[k] = walls[k] " " wall * scale; rsss[k] = rsss[k] " " rss
		if (!(k in minrec) || rec < minrec[k]) minrec[k] = rec
		if (!(k in minprec) || prec < minprec[k]) minprec[k] = prec
		pr[k] = probes * scale
	}
	END {
		printf "%-4s %-24s %10s %12s %9s %8s %9s %8s\n", "part", "tool",
			"wall s", "probes/s", "RSS MiB", "recall%", "precis%", "x nray"
		for (i = 1; i <= no; i++) {
			k = order[i]; split(k, kk, SUBSEP)
			w[k] = median(walls[k])
			if (kk[2] == "nray-scan") base[kk[1]] = w[k]
		}
		for (i = 1; i <= no; i++) {
			k = order[i]; split(k, kk, SUBSEP)
			printf "%-4s %-24s %10.2f %12.0f %9.1f %8.2f %9.2f %8s\n",
				kk[1], kk[2], w[k], (w[k] > 0 ? pr[k] / w[k] : 0),
				median(rsss[k]) / 1024, minrec[k], minprec[k],
				((kk[1] in base) && base[kk[1]] > 0 ?
				sprintf("%.2f", w[k] / base[kk[1]]) : "-")
		}
	}' "$results"
echo
echo "wall: median of the runs; nmap -sT in (b) scanned a /20 and its wall time"
echo "is multiplied by 16 (probes/s accordingly); recall/precision: the worst run."
echo "x nray: wall time relative to nray-scan's in the same part (>1: slower)."
if [ -s "$out/stopped" ]; then
	echo "Runs stopped by the watchdog (masscan 1.3.2 can hang after its wait,"
	echo "masscan issues #144/#558; SIGINT ends it without losing results; such a"
	echo "run's wall time includes up to 30 s of hanging):"
	sed 's/^/  /' "$out/stopped"
fi
