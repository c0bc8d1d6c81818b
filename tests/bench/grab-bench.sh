#!/bin/sh
# Benchmark (not a test): nray-grab vs nmap -sV on the same open ports.
#
# tests/lab/servers.sh starts real servers on loopback (sshd, nginx HTTP and
# TLS, two redis, vsftpd, exim SMTP and SMTPS, dovecot IMAP/IMAPS/POP3/POP3S,
# PostgreSQL, MariaDB).  On that one set of open ports, in the same run:
#   nray-grab -f PORTS          (default module choice: by port, else sniffing)
#   nmap -sV -Pn -n -p PORTS    (version detection; no ping, no DNS)
# wall time (median of RUNS runs, default 3), the ratio, and for each port
# whether each tool named the protocol (from the last run; "k/RUNS" when the
# runs disagree).  Two layouts, each its own lab:
#   unusual   every server on a random high port (nray-grab must sniff)
#   standard  the well-known ports (22, 80, 443, ...) on 127.0.0.2
# LAYOUTS="unusual standard" (default) picks them.  Only loopback is
# contacted.  Needs root (the servers drop privileges to their users).
#
# Naming rules (both tools alike): the application protocol counts, TLS is
# the transport: nmap's "ssl/imap" and nray's "imap" or "imaps" both name an
# IMAPS port; only HTTP must also say TLS (https, ssl/http), because nray's
# verdict distinguishes them.  nmap's "postgresql" is postgres.
#
# Usage: tests/bench/grab-bench.sh [BINDIR]
set -u
bin=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-3}
layouts=${LAYOUTS:-unusual standard}

for t in nmap python3 /usr/bin/time; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "grab-bench: $t not installed (make deps)" >&2
		exit 1
	fi
done
if [ ! -x "$bin/nray-grab" ]; then
	echo "grab-bench: $bin/nray-grab not built" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "grab-bench: needs root (the lab's servers)" >&2
	exit 1
fi

. "$here/../lab/servers.sh"
out=$(mktemp -d)
LAB_TRAP=0
trap 'lab_stop; rm -rf "$out"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# nmap_names XML: "PORT NAME" per port, NAME with "ssl/" when nmap saw TLS.
nmap_names() {
	"$LAB_PY" - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
for p in ET.parse(sys.argv[1]).getroot().iter("port"):
    s = p.find("service")
    name = "-"
    if s is not None:
        name = s.get("name", "-")
        if s.get("tunnel") == "ssl":
            name = "ssl/" + name
    print(p.get("portid"), name)
EOF
}

# nray_names OUT: "PORT NAME" per record (NAME is the service verdict).
nray_names() {
	"$LAB_PY" - "$1" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    print(r.get("port"), r.get("service") or "-")
EOF
}

# right WANT GOT TOOL: 0 when GOT names the protocol WANT (rules above).
right() {
	w=$1
	g=$2
	case $3 in
	nmap)
		case $g in
		ssl/http | https | ssl/https) g=https ;;
		ssl/*) g=${g#ssl/} ;;
		esac
		case $g in
		postgresql) g=postgres ;;
		imaps) g=imap ;;
		pop3s) g=pop3 ;;
		smtps | submission) g=smtp ;;
		esac
		;;
	nray)
		case $g in
		smtps) g=smtp ;;
		imaps) g=imap ;;
		pop3s) g=pop3 ;;
		esac
		;;
	esac
	case $w in
	smtps) w=smtp ;;
	imaps) w=imap ;;
	pop3s) w=pop3 ;;
	esac
	[ "$w" = "$g" ]
}

# bench LAYOUT: one lab, RUNS runs of each tool, the table.
bench() {
	layout=$1
	if [ "$layout" = standard ]; then
		LAB_STD_PORTS=1
		LAB_ADDR=${BENCH_STD_ADDR:-127.0.0.2}
	else
		LAB_STD_PORTS=0
		LAB_ADDR=127.0.0.1
	fi
	if ! lab_start 2>"$out/lab.err"; then
		echo "# $layout: no server started"
		cat "$out/lab.err"
		return 1
	fi
	[ -s "$LAB_DOWN" ] && sed 's/^/# not started: /' "$LAB_DOWN"
	awk '{ print $1 }' "$LAB_PORTS" >"$out/in"
	plist=$(awk '{ sub(/.*:/, "", $1); print $1 }' "$LAB_PORTS" | paste -sd, -)
	nports=$(wc -l <"$LAB_PORTS" | tr -d ' ')
	: >"$out/nray.t"
	: >"$out/nmap.t"
	: >"$out/names"
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		/usr/bin/time -f %e -o "$out/tm" "$bin/nray-grab" -q -f "$out/in" \
		    >"$out/nray.out" 2>"$out/nray.err"
		cat "$out/tm" >>"$out/nray.t"
		nray_names "$out/nray.out" | sed "s/^/nray $i /" >>"$out/names"
		/usr/bin/time -f %e -o "$out/tm" nmap -sV -Pn -n -p "$plist" \
		    -oX "$out/nmap.xml" "$LAB_ADDR" >/dev/null 2>"$out/nmap.err"
		cat "$out/tm" >>"$out/nmap.t"
		nmap_names "$out/nmap.xml" | sed "s/^/nmap $i /" >>"$out/names"
	done
	tn=$(median <"$out/nray.t")
	tm=$(median <"$out/nmap.t")
	echo
	echo "## layout: $layout ($LAB_ADDR, $nports open ports)"
	printf '%-22s %-9s %-14s %-6s %-14s %-6s\n' port want nray ok nmap ok
	while read -r ap want; do
		port=${ap##*:}
		for tool in nray nmap; do
			got=$(awk -v t=$tool -v r="$runs" -v p="$port" \
			    '$1 == t && $2 == r && $3 == p { print $4 }' "$out/names")
			[ -n "$got" ] || got="(none)"
			k=0
			j=0
			while [ $j -lt "$runs" ]; do
				j=$((j + 1))
				g=$(awk -v t=$tool -v r=$j -v p="$port" \
				    '$1 == t && $2 == r && $3 == p { print $4 }' "$out/names")
				right "$want" "$g" $tool && k=$((k + 1))
			done
			if [ $k -eq "$runs" ]; then mark=yes
			elif [ $k -eq 0 ]; then mark=no
			else mark="$k/$runs"; fi
			[ $k -eq "$runs" ] && eval "r$tool=\$((r$tool + 1))"
			eval "got_$tool=\$got mark_$tool=\$mark"
		done
		printf '%-22s %-9s %-14s %-6s %-14s %-6s\n' "$ap" "$want" \
		    "$got_nray" "$mark_nray" "$got_nmap" "$mark_nmap"
	done <"$LAB_PORTS"
	echo "# named correctly in every run: nray-grab $rnray/$nports, nmap -sV $rnmap/$nports"
	printf '%-36s %10s\n' tool "wall s"
	printf '%-36s %10s\n' "nray-grab (auto)" "$tn"
	printf '%-36s %10s\n' "nmap -sV -Pn -n" "$tm"
	ratio=n/a
	[ "$(echo "$tn > 0" | bc -l)" = 1 ] && ratio=$(echo "scale=1; $tm / $tn" | bc -l)x
	echo "# nmap -sV / nray-grab wall time: $ratio" \
	    "(runs: nray $(paste -sd' ' "$out/nray.t"); nmap $(paste -sd' ' "$out/nmap.t"))"
	lab_stop
}

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "# $(nmap --version | head -n 1); nray-grab $("$bin/nray-grab" --version 2>&1 | head -n 1)"
echo "# medians of $runs runs; both tools on the same lab, one after the other"
for l in $layouts; do
	rnray=0
	rnmap=0
	bench "$l"
done
