#!/bin/sh
# targets-resolve.t - nray-targets --resolve against a real knotd on loopback.
#
# Every lookup goes to the knotd of tests/lab/knot.sh (--dns-server), never
# to the system's resolver.  The answers are documentation addresses that
# are compared, never connected to.

here=$(cd "$(dirname "$0")" && pwd)
NRAY_BIN=${NRAY_BIN:-build/bin}
T=$NRAY_BIN/nray-targets

for tool in knotd kdig jq; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool not installed (make deps)"
		exit 0
	fi
done
if [ ! -x "$T" ]; then
	echo "1..0 # SKIP $T not built"
	exit 0
fi

. "$here/../lab/knot.sh"
if ! knot_start; then
	echo "1..0 # SKIP knotd did not start (see above)"
	exit 0
fi
W=$KNOT_DIR/work
mkdir -p "$W"
DNS="127.0.0.1:$KNOT_PORT"

echo "1..15"
n=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	if [ -n "$2" ] && [ -s "$2" ]; then
		head -n 20 "$2" | sed 's/^/# /'
	fi
}
check() { # check DESCRIPTION DIAGFILE COMMAND...
	d=$1
	f=$2
	shift 2
	if "$@"; then ok "$d"; else not_ok "$d" "$f"; fi
}
# pairs FILE: the "host ip" pairs of the records in FILE, sorted.
pairs() {
	jq -r '"\(.host) \(.ip)"' "$1" | LC_ALL=C sort
}
# jqs FILE EXPR: EXPR over the records of FILE as one array is true.
jqs() {
	jq -e -s "$2" "$1" >/dev/null 2>&1
}
# same EXPECTED ACTUAL: files equal, the difference into $W/diff.
same() {
	diff "$1" "$2" >"$W/diff" 2>&1
}

# --- several names at once, one of them nonexistent ------------------------
timeout 60 "$T" -q --resolve --dns-server "$DNS" multi.lab.example \
    dual.lab.example nx.lab.example v6only.lab.example \
    >"$W/out" 2>"$W/err"
rc=$?
check "a name that does not exist: exit 1" "$W/err" [ "$rc" -eq 1 ]
check "stderr says which name and why" "$W/err" \
    grep -q "nx.lab.example: no such name" "$W/err"
check "exactly one line on stderr" "$W/err" [ "$(wc -l <"$W/err")" -eq 1 ]
pairs "$W/out" >"$W/pairs"
check "the good names are still emitted, with exactly their addresses" \
    "$W/diff" same "$KNOT_RESOLVE_PAIRS" "$W/pairs"
check "every record is a target with host and ip" "$W/out" \
    jqs "$W/out" 'length == 6 and all(.type == "target" and
	(.host | type) == "string" and (.ip | type) == "string")'
check "IPv4 addresses come before IPv6 ones" "$W/out" \
    jqs "$W/out" '[.[] | select(.host == "dual.lab.example") | .ip] ==
	["198.51.100.210", "2001:db8::d1"]'

# --- only good names ------------------------------------------------------
timeout 60 "$T" -q --resolve --dns-server "$DNS" multi.lab.example \
    >"$W/out" 2>"$W/err"
rc=$?
pairs "$W/out" >"$W/pairs"
grep '^multi' "$KNOT_RESOLVE_PAIRS" >"$W/want"
if [ "$rc" -eq 0 ] && [ ! -s "$W/err" ] && same "$W/want" "$W/pairs"; then
	ok "a name with three A records: exit 0, three records"
else
	cat "$W/err" >>"$W/diff"
	not_ok "a name with three A records: exit 0 (got $rc), three records" \
	    "$W/diff"
fi

# --- address families -----------------------------------------------------
timeout 60 "$T" -q -4 --resolve --dns-server "$DNS" dual.lab.example \
    multi.lab.example >"$W/out" 2>"$W/err"
pairs "$W/out" >"$W/pairs"
grep -E '^(dual|multi)\.[^ ]* [0-9.]+$' "$KNOT_RESOLVE_PAIRS" >"$W/want"
check "-4: IPv4 addresses only" "$W/diff" same "$W/want" "$W/pairs"

timeout 60 "$T" -q -6 --resolve --dns-server "$DNS" dual.lab.example \
    v6only.lab.example >"$W/out" 2>"$W/err"
rc=$?
pairs "$W/out" >"$W/pairs"
grep -E '^(dual|v6only)\.[^ ]* .*:' "$KNOT_RESOLVE_PAIRS" >"$W/want"
check "-6: IPv6 addresses only" "$W/diff" same "$W/want" "$W/pairs"
check "-6: both names have an IPv6 address, exit 0" "$W/err" [ "$rc" -eq 0 ]

# --- a CNAME resolves to its target's addresses ----------------------------
timeout 60 "$T" -q --resolve --dns-server "$DNS" alias003.lab.example \
    >"$W/out" 2>"$W/err"
pairs "$W/out" >"$W/pairs"
grep '^host0021\.' "$KNOT_AXFR_PAIRS" | sed 's/^host0021/alias003/' \
    >"$W/want"
check "a CNAME gives the addresses of its target, host kept" "$W/diff" \
    same "$W/want" "$W/pairs"

# --- many names in flight, from stdin --------------------------------------
awk '{ print $1 }' "$KNOT_AXFR_PAIRS" | LC_ALL=C sort -u | head -n 1500 \
    >"$W/names"
grep -F -w -f "$W/names" "$KNOT_AXFR_PAIRS" | LC_ALL=C sort >"$W/want"
timeout 120 "$T" -q --resolve --dns-server "$DNS" <"$W/names" \
    >"$W/out" 2>"$W/err"
rc=$?
pairs "$W/out" >"$W/pairs"
check "1500 names from stdin: exit 0" "$W/err" [ "$rc" -eq 0 ]
check "1500 names from stdin: exactly their addresses" "$W/diff" \
    same "$W/want" "$W/pairs"

# --- JSON records keep their fields -----------------------------------------
echo '{"type":"target","host":"multi.lab.example","port":22,"note":"x"}' |
    timeout 60 "$T" -q --resolve --dns-server "$DNS" >"$W/out" 2>"$W/err"
check "a JSON target keeps its fields on each address" "$W/out" \
    jqs "$W/out" 'length == 3 and all(.port == 22 and .note == "x" and
	.host == "multi.lab.example")'

# --- a DNS server that does not answer --------------------------------------
closed=$KNOT_PORT
while ! knot_port_free "$closed" || [ "$closed" -eq "$KNOT_PORT" ]; do
	closed=$((closed % 40000 + 20001))
done
timeout 60 "$T" -q --resolve --timeout 0.3 --dns-server "127.0.0.1:$closed" \
    multi.lab.example >"$W/out" 2>"$W/err"
rc=$?
if [ "$rc" -eq 1 ] && [ ! -s "$W/out" ] &&
    grep -q "multi.lab.example: " "$W/err"; then
	ok "no DNS server: exit 1, the name and the reason on stderr"
else
	not_ok "no DNS server: exit 1 (got $rc), the name and the reason" \
	    "$W/err"
fi
