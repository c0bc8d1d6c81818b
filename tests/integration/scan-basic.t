#!/bin/sh
# scan-basic.t - nray-scan on loopback only (127.0.0.1 and ::1): the exact
# set of open ports, states and reasons, per-target ports, carried fields,
# rejected lines, | head, usage errors, discovery, exclusions, and an
# interrupted scan resumed (the union equals a full scan, no duplicates).
# Listeners are python3 sockets on a block of ports checked to be free.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"

scan=$NRAY_BIN/nray-scan
[ -x "$scan" ] || skip_all "nray-scan is not built ($scan)"
command -v python3 >/dev/null || skip_all "python3 is needed for listeners"
command -v jq >/dev/null || skip_all "jq is needed"

tmp=$(mktemp -d)
srv=
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The listener: finds a block of 200 ports free on 127.0.0.1 and ::1, listens
# on offsets 3, 50, 177 (IPv4) and 3, 120 (IPv6), writes the base port, and
# accepts and closes connections until killed.
cat >"$tmp/listen.py" <<'EOF'
import random, select, socket, sys
def free(p):
    for fam, a in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        s = socket.socket(fam)
        try:
            s.bind((a, p))
        except OSError:
            return False
        finally:
            s.close()
    return True
for _ in range(50):
    base = random.randrange(20000, 30000, 200)
    if all(free(p) for p in range(base, base + 200)):
        break
else:
    sys.exit("no free block of ports")
socks = []
for fam, a, offs in ((socket.AF_INET, "127.0.0.1", (3, 50, 177)),
                     (socket.AF_INET6, "::1", (3, 120))):
    for o in offs:
        s = socket.socket(fam)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a, base + o))
        s.listen(1024)
        s.setblocking(False)
        socks.append(s)
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % base)
while True:
    for s in select.select(socks, [], [])[0]:
        try:
            s.accept()[0].close()
        except OSError:
            pass
EOF
python3 "$tmp/listen.py" "$tmp/base" &
srv=$!
i=0
while [ ! -s "$tmp/base" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$tmp/base" ] || skip_all "the listener did not start"
B=$(cat "$tmp/base")
E=$((B + 199))
range=$B-$E

pairs() { jq -r '"\(.ip) \(.port)"' | sort; }

# --- help, version, usage errors ------------------------------------------
out=$("$scan" --help)
ok $? "--help exits 0"
echo "$out" | grep -q -- '--host-concurrency'
ok $? "--help lists the options"
is "$("$scan" --version)" "nray-scan 0.1.0" "--version"
for args in "--bogus" "-p 70000 127.0.0.1" "--states nope 127.0.0.1" \
	"--shard 3/2 127.0.0.1" "--timeout 0 127.0.0.1" "--rate x 127.0.0.1" \
	"-f $tmp/base 127.0.0.1"; do
	# shellcheck disable=SC2086
	"$scan" $args >"$tmp/o" 2>"$tmp/e"
	rc=$?
	is "$rc $(wc -c <"$tmp/o") $(grep -c 'nray-scan:' "$tmp/e")" "2 0 1" \
		"usage error exits 2 with one message: $args"
done

# --- the exact set of open ports, IPv4 and IPv6 -----------------------------
printf '%s\n' "127.0.0.1 $((B + 3))" "127.0.0.1 $((B + 50))" \
	"127.0.0.1 $((B + 177))" "::1 $((B + 3))" "::1 $((B + 120))" |
	sort >"$tmp/want"
"$scan" -q -p "$range" 127.0.0.1 ::1 >"$tmp/o" 2>"$tmp/e"
is "$?" 0 "scan of $range exits 0"
is "$(pairs <"$tmp/o")" "$(cat "$tmp/want")" "exactly the open ports"
is "$(cat "$tmp/e")" "" "-q: nothing on stderr"

# --- --states all: closed ports with reason rst ----------------------------
"$scan" -q --states all -p "$range" 127.0.0.1 ::1 >"$tmp/o"
is "$(wc -l <"$tmp/o")" 400 "--states all: one record per probed port"
is "$(jq -r 'select(.state == "closed") | .reason' "$tmp/o" | sort -u)" rst \
	"closed ports have reason rst"
is "$(jq -r 'select(.state == "open") | .reason' "$tmp/o" | sort -u)" \
	syn-ack "open ports have reason syn-ack"
is "$(jq -c 'select((.rtt_ms | type) != "number" or .proto != "tcp" or
	.type != "port")' "$tmp/o" | head -1)" "" \
	"every record: type port, proto tcp, rtt_ms"
is "$(jq -r 'select(.state == "closed") | .port' "$tmp/o" | wc -l)" 395 \
	"395 closed"

# --- --workers: records of several workers never mix within a line ----------
# Tens of thousands of records from two workers at once, through a reader
# that starts late so that the pipes fill: the parent must forward whole
# lines only.  (It once cut lines at its buffer's edge; scan-loss.t caught
# that as a jq parse error, this test did not reproduce it reliably.)
{
	"$scan" -q --workers 2 --states all -p 1-5000 127.0.0.2-127.0.0.9
	echo $? >"$tmp/wrc"
} | { sleep 1; cat; } >"$tmp/w"
is "$(cat "$tmp/wrc")" 0 "--workers 2: exits 0"
is "$(jq -c . "$tmp/w" 2>&1 | wc -l)" 40000 \
	"--workers 2: 40000 records, every line valid JSON"
is "$(jq -r '"\(.ip) \(.port)"' "$tmp/w" 2>/dev/null | sort -u | wc -l)" 40000 \
	"--workers 2: every address and port once"

# --- per-target ports, carried fields --------------------------------------
printf '%s\n' "127.0.0.1:$((B + 3))" "[::1]:$((B + 120))" \
	"{\"type\":\"target\",\"ip\":\"::1\",\"ports\":\"$((B + 3)),$((B + 4))\",\"tag\":\"x\",\"src\":{\"file\":\"f\"}}" \
	>"$tmp/in"
"$scan" -q -p 1 <"$tmp/in" >"$tmp/o"
is "$?" 0 "host:port and records with ports: exit 0"
is "$(pairs <"$tmp/o" | tr '\n' ' ')" \
	"127.0.0.1 $((B + 3)) ::1 $((B + 3)) ::1 $((B + 120)) " \
	"a host:port line and a record's ports replace -p"
is "$(jq -c 'select(.tag) | [.tag, .src.file, has("ports"), .type]' "$tmp/o")" \
	'["x","f",false,"port"]' "unknown fields carried, ports dropped"

# --- a host name keeps host and ip ----------------------------------------
"$scan" -q -p "$((B + 3))" localhost >"$tmp/o"
is "$(jq -r '.host' "$tmp/o" | sort -u)" localhost "a name: records keep host"
is "$(jq -r '.ip' "$tmp/o" | grep -c -e '^127.0.0.1$' -e '^::1$')" \
	"$(wc -l <"$tmp/o" | tr -d ' ')" "a name: ip is one of its addresses"

# --- bad input lines: reported with line numbers, good ones scanned ---------
printf '%s\n' 127.0.0.1 'not a target!' ::1 '10.0.0.0/40' '{"type":' \
	>"$tmp/in"
"$scan" -q -p "$((B + 3))" <"$tmp/in" >"$tmp/o" 2>"$tmp/e"
is "$?" 1 "rejected lines: exit 1"
is "$(grep -o 'stdin:[0-9]*:' "$tmp/e" | tr '\n' ' ')" \
	"stdin:2: stdin:4: stdin:5: " "each bad line reported with its number"
is "$(pairs <"$tmp/o" | tr '\n' ' ')" \
	"127.0.0.1 $((B + 3)) ::1 $((B + 3)) " "good lines still scanned"
"$scan" -q -p "$((B + 3))" -f "$tmp/in" >/dev/null 2>"$tmp/e"
grep -q "$tmp/in:4:" "$tmp/e"
ok $? "-f FILE: messages name the file"

# --- exclusions, discovery -------------------------------------------------
"$scan" -q -p "$range" --exclude 127.0.0.1 127.0.0.1 ::1 >"$tmp/o"
is "$(pairs <"$tmp/o" | cut -d' ' -f1 | sort -u)" "::1" "--exclude honoured"
"$scan" -q --discover -p "$((B + 1)),$((B + 3))" 127.0.0.1 >"$tmp/o"
is "$(jq -c '[.type, .ip, .state]' "$tmp/o")" '["host","127.0.0.1","up"]' \
	"--discover: one host record"

# --- | head ends quietly ----------------------------------------------------
rc=$( ("$scan" -q --states all -p 1-65535 127.0.0.1 2>"$tmp/e"
	echo $? >"$tmp/rc") | head -1 >"$tmp/o"
	cat "$tmp/rc")
is "$rc $(wc -l <"$tmp/o") $(wc -c <"$tmp/e")" "0 1 0" \
	"| head -1: exit 0, nothing on stderr"

# --- SIGINT with --resume, then resume --------------------------------------
st=$tmp/resume.json
"$scan" -q --states all -p 1-65535 127.0.0.1 >"$tmp/full"
"$scan" -q --states all -p 1-65535 --rate 10k --resume "$st" 127.0.0.1 \
	>"$tmp/r1" 2>"$tmp/e1" &
pid=$!
sleep 2
kill -INT $pid
wait $pid
is "$?" 130 "SIGINT: exit 130"
test -s "$st"
ok $? "SIGINT: resume file written"
n1=$(wc -l <"$tmp/r1")
[ "$n1" -gt 0 ] && [ "$n1" -lt 65535 ]
ok $? "SIGINT: stopped mid-scan ($n1 records)"
"$scan" -q --states all -p 1-1000 --resume "$st" 127.0.0.1 >/dev/null \
	2>"$tmp/e"
is "$?" 2 "resume with other options: exit 2"
grep -q 'other options' "$tmp/e"
ok $? "resume with other options: says why"
"$scan" -q --states all -p 1-65535 --resume "$st" 127.0.0.1 >"$tmp/r2"
is "$?" 0 "resumed scan exits 0"
test ! -e "$st"
ok $? "resume file removed when the scan completed"
cat "$tmp/r1" "$tmp/r2" | pairs >"$tmp/union"
is "$(uniq -d "$tmp/union" | head -3)" "" "no port reported twice"
is "$(pairs <"$tmp/full" | cmp - "$tmp/union" && echo same)" same \
	"the union equals a full scan"

# --- SIGTERM: 143 ------------------------------------------------------------
"$scan" -q -p 1-65535 --rate 1k 127.0.0.1 >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -TERM $pid
wait $pid
is "$?" 143 "SIGTERM: exit 143"

done_testing
