#!/bin/sh
# nray-grab: the engine against small loopback servers this test starts
# (python3 and openssl s_server): silent, garbage, endless streams, a closed
# port, SSH and telnet greetings, TLS with a certificate made here, HTTP on
# an unusual port; bad input, exclusions, | head, signals, --help.
# Traffic goes to 127.0.0.1 only.
. "$(dirname "$0")/../lib/tap.sh"
G=$NRAY_BIN/nray-grab
command -v python3 >/dev/null || skip_all "python3 is not installed"
command -v openssl >/dev/null || skip_all "openssl is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"
tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cat >"$tmp/srv.py" <<'EOF'
import socket, sys, threading
mode = sys.argv[1]
lock = threading.Lock()
live = [0, 0]  # connections open now, most open at once
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
def serve(c):
    try:
        if mode == "silent":
            with lock:
                live[0] += 1
                if live[0] > live[1]:
                    live[1] = live[0]
                    with open(sys.argv[2], "w") as f:
                        f.write("%d\n" % live[1])
            try:
                while c.recv(4096):
                    pass
            finally:
                with lock:
                    live[0] -= 1
        elif mode == "garbage":
            c.sendall(b"\x00\x01\x02garbage\xff\xfe\r\n")
            while c.recv(4096):
                pass
        elif mode == "stream":
            while True:
                c.sendall(b"A" * 65536)
        elif mode == "stream220":
            c.sendall(b"220 ")
            while True:
                c.sendall(b"B" * 65536)
        elif mode == "ssh":
            c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
            while c.recv(4096):
                pass
        elif mode == "telnet":
            c.sendall(bytes([255, 253, 24, 255, 251, 1]) + b"Welcome\r\nlogin: ")
            got = b""
            c.settimeout(5)
            while len(got) < 6:
                d = c.recv(100)
                if not d:
                    break
                got += d
            # only the telnet client's answer (sniffing's other probes
            # connect too and send their own questions)
            if got[:1] == bytes([255]):
                with open(sys.argv[2], "w") as f:
                    f.write(got.hex())
            while c.recv(4096):
                pass
    except Exception:
        pass
    finally:
        c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF

# start NAME MODE: a server in the background; its port in $tmp/NAME.port.
start() {
	python3 "$tmp/srv.py" "$2" "$tmp/$1.seen" >"$tmp/$1.port" 2>/dev/null &
	pids="$pids $!"
	i=0
	while [ ! -s "$tmp/$1.port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -s "$tmp/$1.port" ] || { echo "Bail out! server $1 did not start"; exit 1; }
}
port() { cat "$tmp/$1.port"; }
for s in silent garbage stream stream220 ssh telnet; do start $s $s; done

# A closed port: bind, note the port, close.
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# --- options -------------------------------------------------------------
$G --help >"$tmp/help"
is $? 0 "--help exits 0"
grep -q -- '--list-modules' "$tmp/help"
ok $? "--help lists the options"
$G --list-modules >"$tmp/mods"
is $? 0 "--list-modules exits 0"
is "$(awk '{print $1}' "$tmp/mods" | sort | tr '\n' ' ')" \
	"banner ftp http https imap imaps mysql pop3 pop3s postgres redis smtp smtps ssh telnet tls " \
	"--list-modules names every module"
$G -m nosuch 127.0.0.1:1 >/dev/null 2>"$tmp/err"
is $? 2 "an unknown module is a usage error"
grep -q "no module 'nosuch'" "$tmp/err"
ok $? "the unknown module is named"
$G --concurrency 0 127.0.0.1:1 >/dev/null 2>&1
is $? 2 "--concurrency 0 is a usage error"

# --- input ---------------------------------------------------------------
printf '127.0.0.1\n{"type":"target","ip":"127.0.0.1"}\nnot a target!\n127.0.0.1:%s\n{"type":"port","ip":"127.0.0.1","port":53,"proto":"udp","state":"open"}\n' \
	"$closed" | $G -q -m http >"$tmp/out" 2>"$tmp/err"
is $? 1 "rejected lines: exit status 1"
is "$(wc -l <"$tmp/out" | tr -d ' ')" 2 "one line for each accepted input line"
grep -q '^nray-grab: stdin:1: no port: nray-grab needs IP:PORT or a port record' "$tmp/err" &&
	grep -q '^nray-grab: stdin:2: no port' "$tmp/err" && grep -q '^nray-grab: stdin:3: ' "$tmp/err"
ok $? "lines without a port are named with their line numbers"
grep -Fqx '{"type":"port","ip":"127.0.0.1","port":53,"proto":"udp","state":"open"}' "$tmp/out"
ok $? "a UDP record passes through unchanged"

# --- a closed port ---------------------------------------------------------
echo '{"type":"port","ip":"127.0.0.1","port":'"$closed"',"state":"open","x":{"y":[1,2]}}' |
	$G -q -m http,banner >"$tmp/out"
is $? 0 "failed grabs are results: exit status 0"
is "$(jq -c '[.type,.proto,.x,.grab.http.status,.grab.banner.status,.service]' "$tmp/out")" \
	'["port","tcp",{"y":[1,2]},"connection-refused","connection-refused","unknown"]' \
	"closed port: connection-refused for each module, input fields kept"
is "$($G -q 127.0.0.1:"$closed" | jq -c '[.grab.banner.status,.grab.banner.error]')" \
	'["connection-refused","connection refused"]' "closed port, auto: refused under banner"

# --- silent, garbage, streams -------------------------------------------
# A silent server: every probe runs at once and ends at the sniff timeout,
# however long --read-timeout is (sequential guesses would wait for it).
$G -q --sniff-timeout 0.3s --read-timeout 60s --timeout 120s \
	--stats "$tmp/silent.json" 127.0.0.1:"$(port silent)" >"$tmp/out"
is "$(jq -c '[.grab.banner.status,.service,(.grab|keys)]' "$tmp/out")" \
	'["io-timeout","unknown",["banner"]]' "silent server: io-timeout under banner, service unknown"
is "$(jq -S -c '.grab.banner.probes' "$tmp/out")" \
	'{"greeting":"silent","http":"no-answer","postgres":"no-answer","redis":"no-answer","tls":"no-answer"}' \
	"silent server: all five probes ran and each ended unanswered at the sniff timeout"
is "$(jq -c '[.probes,.connects,.grabs]' "$tmp/silent.json")" '[5,5,0]' \
	"silent server: five connections in all, one per probe, no module run"
is "$(cat "$tmp/silent.seen")" 5 \
	"silent server: the five probe connections were open at the same time"
jq -r .grab.banner.error "$tmp/out" | grep -q '^no decisive answer within 0.3s'
ok $? "silent server: the error names the sniff timeout"
$G --help | grep -q -- '--sniff-timeout DUR'
ok $? "--help documents --sniff-timeout"
$G -q --sniff-timeout 0 127.0.0.1:1 >/dev/null 2>&1
is $? 2 "--sniff-timeout 0 is a usage error"

is "$($G -q 127.0.0.1:"$(port garbage)" | jq -c '[.grab.banner.status,.grab.banner.hex,.service]')" \
	'["success","00010267617262616765fffe0d0a","unknown"]' "garbage: the banner, with its bytes in hex"

rss() {
	python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], timeout=60)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}
kb=$(rss sh -c "\"$G\" -q 127.0.0.1:$(port stream) >\"$tmp/out\"")
is "$(jq -c '[.grab.banner.status,.grab.banner.truncated,(.grab.banner.banner|length)]' "$tmp/out")" \
	'["success",true,2048]' "endless stream: the banner is cut, marked truncated"
[ "$kb" -lt 40000 ]
ok $? "endless stream: peak RSS stays small ($kb KiB)"
kb=$(rss sh -c "\"$G\" -q --max-read 65536 127.0.0.1:$(port stream220) >\"$tmp/out\"")
is "$(jq -r '.grab | to_entries[0].value.status' "$tmp/out")" "protocol-error" \
	"endless line after a 220 greeting: protocol error"
[ "$kb" -lt 40000 ]
ok $? "endless line: peak RSS stays small ($kb KiB)"

# --- greetings on unusual ports ----------------------------------------
is "$($G -q 127.0.0.1:"$(port ssh)" --read-timeout 1s | jq -r .service)" ssh \
	"an SSH greeting on an unusual port: service ssh"
$G -q 127.0.0.1:"$(port telnet)" >"$tmp/out"
is "$(jq -c '[.service,.grab.telnet.status,.grab.telnet.options,.grab.telnet.banner]' "$tmp/out")" \
	'["telnet","success",[{"cmd":"DO","option":24,"name":"terminal-type"},{"cmd":"WILL","option":1,"name":"echo"}],"Welcome\r\nlogin: "]' \
	"telnet: options recorded, banner after the negotiation"
i=0
while [ ! -s "$tmp/telnet.seen" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "$(cat "$tmp/telnet.seen")" fffc18fffe01 "telnet: every option refused (WONT 24, DONT 1)"

# --- TLS -----------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
	-days 30 -subj "/CN=grab.test" \
	-addext "subjectAltName=DNS:grab.test,DNS:www.grab.test,IP:127.0.0.1" 2>/dev/null
fp=$(openssl x509 -in "$tmp/cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
	tr 'A-F' 'a-f')
der=$(openssl x509 -in "$tmp/cert.pem" -outform DER | base64 -w0)
: >"$tmp/tls.log"
openssl s_server -accept 127.0.0.1:0 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -www \
	>"$tmp/tls.log" 2>&1 &
pids="$pids $!"
i=0
while ! grep -q '^ACCEPT' "$tmp/tls.log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
tport=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$tmp/tls.log")
echo '{"type":"port","ip":"127.0.0.1","host":"grab.test","port":'"$tport"',"proto":"tcp","state":"open"}' |
	$G -q -m tls >"$tmp/out"
is "$(jq -r '.grab.tls.chain[0].sha256' "$tmp/out")" "$fp" "tls: the certificate's SHA-256 fingerprint"
is "$(jq -c '.grab.tls.chain[0].sans' "$tmp/out")" '["grab.test","www.grab.test","127.0.0.1"]' \
	"tls: the certificate's SANs"
is "$(jq -r '.grab.tls.chain[0].der' "$tmp/out")" "$der" "tls: the DER in base64"
is "$(jq -c '.grab.tls | [.status,.sni,.verified,.verify_error,.chain[0].subject,.chain[0].key_type,.chain[0].key_bits]' "$tmp/out")" \
	'["success","grab.test",false,"self-signed certificate","CN=grab.test","RSA",2048]' \
	"tls: SNI sent, self-signed chain recorded as not verified"
jq -e '.grab.tls | (.ja3s|test("^[0-9a-f]{32}$")) and (.ja3s_string|test("^[0-9]+,[0-9]+,[0-9-]*$")) and (.version|startswith("TLSv1"))' \
	"$tmp/out" >/dev/null
ok $? "tls: version and JA3S recorded"
is "$($G -q 127.0.0.1:"$tport" | jq -c '[.service,.grab.tls.chain[0].sha256==$fp]' --arg fp "$fp")" \
	'["https",true]' "TLS web server on an unusual port: found by auto, service https"

# An old server: TLS 1.0 only, old ciphers.  The handshake still happens.
: >"$tmp/tls10.log"
openssl s_server -accept 127.0.0.1:0 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -tls1 \
	-cipher 'ALL:@SECLEVEL=0' -www >"$tmp/tls10.log" 2>&1 &
pids="$pids $!"
i=0
while ! grep -q '^ACCEPT' "$tmp/tls10.log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
t10=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$tmp/tls10.log")
is "$($G -q -m tls 127.0.0.1:"$t10" | jq -c '.grab.tls | [.status,.version,(.ja3s_string|split(",")[0])]')" \
	'["success","TLSv1","769"]' "tls: a TLS 1.0-only server still answers (permissive client)"

# --- HTTP on an unusual port, a name -------------------------------------
: >"$tmp/http.log"
python3 -m http.server 0 --bind 127.0.0.1 >"$tmp/http.log" 2>&1 &
pids="$pids $!"
i=0
while ! grep -q 'port [0-9]' "$tmp/http.log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
hport=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$tmp/http.log" | head -n 1)
is "$($G -q 127.0.0.1:"$hport" | jq -c '[.service,.grab.http.status]')" '["http","success"]' \
	"a web server on an unusual port: found by auto, service http"
is "$($G -q -m http localhost:"$hport" | jq -c '[.host,.ip,.port,.service]')" \
	'["localhost","127.0.0.1",'"$hport"',"http"]' "a name is resolved; ip added, host kept"

# --- exclusions, | head, --stats -------------------------------------------
$G -q --exclude 127.0.0.2 127.0.0.2:"$closed" >"$tmp/out" 2>"$tmp/err"
is $? 0 "an excluded record is not an error"
is "$(cat "$tmp/out")" '{"type":"target","ip":"127.0.0.2","port":'"$closed"'}' \
	"an excluded record is written out unchanged"
grep -q excluded "$tmp/err"
ok $? "an excluded record is reported"

i=0
while [ $i -lt 500 ]; do echo "127.0.0.1:$closed"; i=$((i + 1)); done >"$tmp/many"
{ $G -q -m http -f "$tmp/many" 2>"$tmp/err"; echo $? >"$tmp/st"; } | head -n 1 >/dev/null
is "$(cat "$tmp/st")" 0 "| head: a closed stdout stops quietly"
is "$(cat "$tmp/err")" "" "| head: nothing on stderr"

$G -m http --stats "$tmp/stats.json" -f "$tmp/many" >/dev/null 2>"$tmp/err"
is "$(jq -c '[.in,.out,.grabs,.failed]' "$tmp/stats.json")" '[500,500,500,500]' "--stats: counts"
grep -q '^nray-grab: in=500 out=500 ' "$tmp/err"
ok $? "the summary line on stderr"

# --- a clean stop --------------------------------------------------------
$G -q -m http --read-timeout 60s 127.0.0.1:"$(port silent)" 127.0.0.1:"$(port silent)" \
	>"$tmp/out" 2>"$tmp/err" &
gp=$!
sleep 1
start=$(date +%s)
kill -TERM $gp
wait $gp
is $? 143 "SIGTERM: exit status 143"
end=$(date +%s)
[ $((end - start)) -le 5 ]
ok $? "SIGTERM: in-flight grabs get a short grace, then stop"
is "$(jq -c '[.grab.http.status,.grab.http.error]' "$tmp/out" | sort -u)" \
	'["application-error","stopped"]' "SIGTERM: grabs in flight are written as stopped"
is "$(wc -l <"$tmp/out" | tr -d ' ')" 2 "SIGTERM: one line per input line"

done_testing
