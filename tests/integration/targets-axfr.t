#!/bin/sh
# targets-axfr.t - nray-targets --axfr against a real knotd on loopback.
#
# The zone lab.example (3000 A, 200 AAAA, 100 CNAME, MX, SRV, NS, TXT) comes
# from tests/lab/knot.sh, which also writes the expected names and pairs.
# Only 127.0.0.1 is ever contacted; the zone data are documentation
# addresses that are read, never connected to.

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

echo "1..18"
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
jqs() { # jqs FILE EXPR: EXPR over the records of FILE as one array is true
	jq -e -s "$2" "$1" >/dev/null 2>&1
}

# --- the whole zone -------------------------------------------------------
timeout 60 "$T" -q --axfr "lab.example@127.0.0.1:$KNOT_PORT" \
    >"$W/out" 2>"$W/err"
rc=$?
check "transfer of lab.example exits 0" "$W/err" [ "$rc" -eq 0 ]
check "nothing on stderr with -q" "$W/err" [ ! -s "$W/err" ]
check "every line is a target record" "$W/out" \
    jqs "$W/out" 'length > 3000 and all(.type == "target")'

jq -r '.host' "$W/out" | LC_ALL=C sort -u >"$W/hosts"
diff "$KNOT_AXFR_HOSTS" "$W/hosts" >"$W/diff" 2>&1
check "host names: exactly the zone's ($(wc -l <"$KNOT_AXFR_HOSTS"))" \
    "$W/diff" [ ! -s "$W/diff" ]

jq -r 'select(has("ip")) | "\(.host) \(.ip)"' "$W/out" |
    LC_ALL=C sort >"$W/pairs"
LC_ALL=C sort -u "$W/pairs" | diff "$KNOT_AXFR_PAIRS" - >"$W/diff" 2>&1
check "A/AAAA names carry ip: exactly the zone's pairs" "$W/diff" \
    [ ! -s "$W/diff" ]
LC_ALL=C uniq -d "$W/pairs" >"$W/dups"
check "each (name, ip) emitted once" "$W/dups" [ ! -s "$W/dups" ]

jq -r 'select(has("ip") | not) | .host' "$W/out" | LC_ALL=C sort -u \
    >"$W/noip"
LC_ALL=C comm -23 "$KNOT_AXFR_NOIP" "$W/noip" >"$W/diff"
check "CNAME/MX/SRV/NS-only owners appear as host records without ip" \
    "$W/diff" [ ! -s "$W/diff" ]
check "alias007 (CNAME) has no ip of its own" "$W/out" \
    jqs "$W/out" '[.[] | select(.host == "alias007.lab.example")] |
	length == 1 and (.[0] | has("ip") | not)'
check "every record carries src.axfr zone and server" "$W/out" \
    jqs "$W/out" 'all(.src.axfr.zone == "lab.example" and
	.src.axfr.server == "127.0.0.1")'
check "a name with three A records gives three records" "$W/out" \
    jqs "$W/out" '[.[] | select(.host == "multi.lab.example") | .ip] | sort ==
	["198.51.100.201", "198.51.100.202", "198.51.100.203"]'

# --- a refused transfer ----------------------------------------------------
timeout 60 "$T" -q --axfr "refused.example@127.0.0.1:$KNOT_PORT" \
    >"$W/out" 2>"$W/err"
rc=$?
check "refused transfer exits 1" "$W/err" [ "$rc" -eq 1 ]
check "refused transfer writes no record" "$W/out" [ ! -s "$W/out" ]
# Knot answers a transfer its ACL denies with NOTAUTH (BIND: REFUSED).
want="127.0.0.1 port $KNOT_PORT refused the zone transfer of refused.example: NOTAUTH"
check "stderr names the server and the response code" "$W/err" \
    grep -qF "$want" "$W/err"

# --- nothing listening ----------------------------------------------------
closed=$KNOT_PORT
while ! knot_port_free "$closed" || [ "$closed" -eq "$KNOT_PORT" ]; do
	closed=$((closed % 40000 + 20001))
done
timeout 60 "$T" -q --axfr "lab.example@127.0.0.1:$closed" \
    >"$W/out" 2>"$W/err"
rc=$?
want="zone transfer of lab.example from 127.0.0.1 port $closed: Connection refused"
if [ "$rc" -eq 1 ] && [ ! -s "$W/out" ] && grep -qF "$want" "$W/err"; then
	ok "closed port: exit 1, no output, a clear error"
else
	not_ok "closed port: exit 1 (got $rc), no output, a clear error" \
	    "$W/err"
fi

# --- the zone's own name servers (NS lookup through --dns-server) ----------
timeout 60 "$T" -q --axfr "nslab.example@:$KNOT_PORT" \
    --dns-server "127.0.0.1:$KNOT_PORT" >"$W/out" 2>"$W/err"
rc=$?
jq -r '.host' "$W/out" 2>/dev/null | LC_ALL=C sort -u >"$W/hosts"
if [ "$rc" -eq 0 ] && diff "$KNOT_NSLAB_HOSTS" "$W/hosts" >"$W/diff"; then
	ok "no server given: the NS (ns.nslab.example) transfers the zone"
else
	cat "$W/err" >>"$W/diff"
	not_ok "no server given: the NS transfers the zone (exit $rc)" \
	    "$W/diff"
fi
# The server that answered (found through the NS lookup) is named too.
if jqs "$W/out" 'length > 0 and all(.src.axfr.server == "127.0.0.1")'; then
	ok "no server given: records name the server that answered"
else
	not_ok "no server given: records name the server that answered" \
	    "$W/out"
fi

# --- spec forms -----------------------------------------------------------
timeout 60 "$T" -q --axfr "LAB.Example.@127.0.0.1:$KNOT_PORT" \
    >"$W/out" 2>"$W/err"
jq -r '.host' "$W/out" | tr 'A-Z' 'a-z' | LC_ALL=C sort -u >"$W/hosts"
if cmp -s "$KNOT_AXFR_HOSTS" "$W/hosts" &&
    jqs "$W/out" 'all(.src.axfr.zone == "LAB.Example")'; then
	ok "zone name with a final dot and capitals: the same names"
else
	not_ok "zone name with a final dot and capitals: the same names" \
	    "$W/err"
fi

timeout 60 "$T" -q --axfr "lab.example@127.0.0.1:0" >"$W/out" 2>"$W/err"
rc=$?
if [ "$rc" -ne 0 ] && [ ! -s "$W/out" ] &&
    grep -q "port out of range" "$W/err"; then
	ok "port 0 in the spec is rejected with a reason"
else
	not_ok "port 0 in the spec is rejected with a reason (exit $rc)" \
	    "$W/err"
fi
