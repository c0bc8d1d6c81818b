# knot.sh - a real Knot DNS server on loopback for the DNS tests.
#
# Source it, then call knot_start; knot_stop (also run by the EXIT trap that
# knot_start installs) kills knotd and removes its directory.  A test that
# installs its own EXIT trap afterwards must call knot_stop from it.
#
# knotd runs in the foreground as a background job of the test (no daemon,
# no system service), listens on 127.0.0.1 only, on a free high port, with
# its configuration, zones, database and run files under one temp dir.
#
# Zones served (all data uses documentation addresses, except the name
# server of nslab.example, which is 127.0.0.1: the NS-lookup path of the
# AXFR client must connect to it):
#   lab.example.      SOA, NS, 3000 A, 200 AAAA, 100 CNAME, MX, SRV, TXT;
#                     AXFR allowed from 127.0.0.1
#   refused.example.  AXFR denied (no transfer ACL): knotd answers NOTAUTH
#                     (Knot refuses transfers with NOTAUTH, not REFUSED)
#   nslab.example.    NS ns.nslab.example. -> 127.0.0.1; AXFR allowed
#
# After knot_start these are set and exported:
#   KNOT_PORT           the port (UDP and TCP) on 127.0.0.1
#   KNOT_DIR            the temp dir
#   KNOT_AXFR_HOSTS     file: every host name of lab.example (owners of A,
#                       AAAA, CNAME, MX, SRV, NS records), sorted, unique
#   KNOT_AXFR_PAIRS     file: "NAME IP" for every A/AAAA of lab.example,
#                       sorted, unique (IPs in inet_ntop form)
#   KNOT_AXFR_NOIP      file: names of lab.example that own no A/AAAA
#   KNOT_RESOLVE_PAIRS  file: "NAME IP" for the resolve test names
#                       (multi.lab.example has 3 A, dual.lab.example A and
#                       AAAA, v6only.lab.example AAAA only)
#   KNOT_NSLAB_HOSTS    file: the host names of nslab.example, sorted
# Names without the final dot, lower case.

KNOT_PORT=
KNOT_DIR=
KNOT_PID=

# knot_zone_lab DIR: writes the lab.example zone and the expectation files.
knot_zone_lab() {
	awk -v dir="$1" 'BEGIN {
	z = dir "/zones/lab.example.zone"
	h = dir "/hosts.raw"; p = dir "/pairs.raw"; n = dir "/noip.raw"
	print "$ORIGIN lab.example.\n$TTL 3600" > z
	print "@ IN SOA ns1 hostmaster 2026112701 3600 600 86400 300" > z
	print "@ IN NS ns1\n@ IN NS ns2" > z
	print "@ IN MX 10 mail\n@ IN MX 20 mail2" > z
	print "@ IN TXT \"v=spf1 -all\"" > z
	print "lab.example" > h
	print "lab.example" > n
	# The name servers, mail hosts and SRV targets own A records.
	split("ns1 ns2 mail mail2 www sip", fixed, " ")
	for (i = 1; i <= 6; i++) {
		ip = "203.0.113." (200 + i)
		print fixed[i] " IN A " ip > z
		print fixed[i] ".lab.example" > h
		print fixed[i] ".lab.example " ip > p
	}
	print "www IN TXT \"hello\"" > z
	print "_sip._tcp IN SRV 10 5 5060 sip" > z
	print "_http._tcp IN SRV 0 0 80 www" > z
	print "_sip._tcp.lab.example\n_http._tcp.lab.example" > h
	print "_sip._tcp.lab.example\n_http._tcp.lab.example" > n
	# 3000 A records over the three documentation /24s.
	for (i = 1; i <= 3000; i++) {
		nm = sprintf("host%04d", i)
		j = i % 768
		net = j < 256 ? "192.0.2." : (j < 512 ? "198.51.100." : "203.0.113.")
		ip = net (j % 256)
		print nm " IN A " ip > z
		print nm ".lab.example" > h
		print nm ".lab.example " ip > p
	}
	# 200 AAAA: the first 100 on names that also have A records.
	for (i = 1; i <= 200; i++) {
		nm = i <= 100 ? sprintf("host%04d", i) : sprintf("six%03d", i)
		ip = sprintf("2001:db8::%x", i)
		print nm " IN AAAA " ip > z
		print nm ".lab.example" > h
		print nm ".lab.example " ip > p
	}
	# 100 CNAME aliases of A names.
	for (i = 1; i <= 100; i++) {
		nm = sprintf("alias%03d", i)
		print nm " IN CNAME " sprintf("host%04d", i * 7) > z
		print nm ".lab.example" > h
		print nm ".lab.example" > n
	}
	# The resolve test names.
	print "multi IN A 198.51.100.201\nmulti IN A 198.51.100.202" > z
	print "multi IN A 198.51.100.203" > z
	print "dual IN A 198.51.100.210\ndual IN AAAA 2001:db8::d1" > z
	print "v6only IN AAAA 2001:db8::6:1" > z
	print "multi.lab.example 198.51.100.201" > p
	print "multi.lab.example 198.51.100.202" > p
	print "multi.lab.example 198.51.100.203" > p
	print "dual.lab.example 198.51.100.210\ndual.lab.example 2001:db8::d1" > p
	print "v6only.lab.example 2001:db8::6:1" > p
	print "multi.lab.example\ndual.lab.example\nv6only.lab.example" > h
	}'
	LC_ALL=C sort -u "$1/hosts.raw" >"$1/axfr-hosts.txt"
	LC_ALL=C sort -u "$1/pairs.raw" >"$1/axfr-pairs.txt"
	LC_ALL=C sort -u "$1/noip.raw" >"$1/axfr-noip.txt"
	grep -E '^(multi|dual|v6only)\.' "$1/axfr-pairs.txt" \
	    >"$1/resolve-pairs.txt"
	rm -f "$1/hosts.raw" "$1/pairs.raw" "$1/noip.raw"
}

# knot_zones DIR: writes every zone file.
knot_zones() {
	mkdir -p "$1/zones"
	knot_zone_lab "$1"
	cat >"$1/zones/refused.example.zone" <<'EOF'
$ORIGIN refused.example.
$TTL 3600
@ IN SOA ns1 hostmaster 1 3600 600 86400 300
@ IN NS ns1
ns1 IN A 192.0.2.53
secret IN A 192.0.2.99
EOF
	cat >"$1/zones/nslab.example.zone" <<'EOF'
$ORIGIN nslab.example.
$TTL 3600
@ IN SOA ns hostmaster 1 3600 600 86400 300
@ IN NS ns
ns IN A 127.0.0.1
one IN A 192.0.2.1
two IN AAAA 2001:db8::2
EOF
	printf '%s\n' nslab.example ns.nslab.example one.nslab.example \
	    two.nslab.example | LC_ALL=C sort >"$1/nslab-hosts.txt"
}

# knot_conf DIR PORT: writes knot.conf.
knot_conf() {
	cat >"$1/knot.conf" <<EOF
server:
    rundir: "$1/run"
    listen: 127.0.0.1@$2
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: "$1/knot.log"
    any: info
database:
    storage: "$1/db"
acl:
  - id: xfr_local
    address: 127.0.0.1
    action: transfer
template:
  - id: default
    storage: "$1/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: lab.example.
    acl: xfr_local
  - domain: nslab.example.
    acl: xfr_local
  - domain: refused.example.
EOF
}

# knot_ready: 0 once knotd answers the SOA of every zone over UDP and TCP.
knot_ready() {
	for z in lab.example refused.example nslab.example; do
		for t in +notcp +tcp; do
			kdig @127.0.0.1 -p "$KNOT_PORT" $t +time=1 +retry=0 \
			    +short "$z" SOA 2>/dev/null | grep -q hostmaster ||
			    return 1
		done
	done
}

# knot_port_free PORT: 0 when nothing listens on PORT (UDP or TCP).
knot_port_free() {
	! ss -Hlntu 2>/dev/null | awk '{ print $5 }' | grep -q ":$1\$"
}

knot_stop() {
	if [ -n "$KNOT_PID" ]; then
		kill "$KNOT_PID" 2>/dev/null
		wait "$KNOT_PID" 2>/dev/null
		KNOT_PID=
	fi
	if [ -n "$KNOT_DIR" ]; then
		rm -rf "$KNOT_DIR"
		KNOT_DIR=
	fi
}

# knot_start: 0 when knotd serves; 1 with a reason on stderr otherwise.
knot_start() {
	if ! command -v knotd >/dev/null 2>&1; then
		echo "knot.sh: knotd not installed (Debian package knot)" >&2
		return 1
	fi
	if ! command -v kdig >/dev/null 2>&1; then
		echo "knot.sh: kdig not installed (package knot-dnsutils)" >&2
		return 1
	fi
	KNOT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nray-knot.XXXXXX") || return 1
	trap 'knot_stop' EXIT
	trap 'knot_stop; exit 130' INT
	trap 'knot_stop; exit 143' TERM
	mkdir -p "$KNOT_DIR/run" "$KNOT_DIR/db"
	knot_zones "$KNOT_DIR"
	KNOT_AXFR_HOSTS=$KNOT_DIR/axfr-hosts.txt
	KNOT_AXFR_PAIRS=$KNOT_DIR/axfr-pairs.txt
	KNOT_AXFR_NOIP=$KNOT_DIR/axfr-noip.txt
	KNOT_RESOLVE_PAIRS=$KNOT_DIR/resolve-pairs.txt
	KNOT_NSLAB_HOSTS=$KNOT_DIR/nslab-hosts.txt
	export KNOT_DIR KNOT_AXFR_HOSTS KNOT_AXFR_PAIRS KNOT_AXFR_NOIP
	export KNOT_RESOLVE_PAIRS KNOT_NSLAB_HOSTS
	# A port picked at random; another one if knotd cannot serve on it.
	attempt=0
	while [ $attempt -lt 5 ]; do
		attempt=$((attempt + 1))
		KNOT_PORT=$(awk -v s="$$$attempt" \
		    'BEGIN { srand(s); print 20000 + int(rand() * 40000) }')
		knot_port_free "$KNOT_PORT" || continue
		export KNOT_PORT
		knot_conf "$KNOT_DIR" "$KNOT_PORT"
		knotd -c "$KNOT_DIR/knot.conf" >"$KNOT_DIR/knotd.out" 2>&1 &
		KNOT_PID=$!
		# Every wait has a deadline: 10 s for knotd to load and answer.
		i=0
		while [ $i -lt 100 ]; do
			if ! kill -0 "$KNOT_PID" 2>/dev/null; then
				break
			fi
			if knot_ready; then
				return 0
			fi
			sleep 0.1
			i=$((i + 1))
		done
		kill "$KNOT_PID" 2>/dev/null
		wait "$KNOT_PID" 2>/dev/null
		KNOT_PID=
	done
	echo "knot.sh: knotd did not start; its log:" >&2
	cat "$KNOT_DIR/knot.log" "$KNOT_DIR/knotd.out" >&2 2>/dev/null
	return 1
}
