#!/bin/sh
# grab-servers.t - nray-grab against real servers on loopback.
#
# tests/lab/servers.sh starts sshd, nginx (HTTP and TLS), two redis-servers
# (one with a password), vsftpd (AUTH TLS), exim (STARTTLS and SMTPS),
# dovecot (IMAP, POP3, each with STARTTLS/STLS and implicit TLS), PostgreSQL
# (ssl on) and MariaDB, all on 127.0.0.1 and random high ports, with one
# certificate this run made.  Each module is run on its server with -m and
# its facts are compared with what the test knows (certificate fingerprints
# and SANs, the ssh host key fingerprint from ssh-keygen -lf, sshd's
# algorithm lists from sshd -T, the page's title and hash, redis-server
# --version, ...).  Then every port at once without -m: auto-detection on
# unusual ports must name each protocol.
#
# Only loopback is contacted.  Needs root (the daemons drop privileges to
# their own users); a server whose package is missing skips its tests.

here=$(cd "$(dirname "$0")" && pwd)
NRAY_BIN=${NRAY_BIN:-build/bin}
G=$NRAY_BIN/nray-grab

for tool in jq openssl python3 ss base64 sha256sum timeout; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool not installed (make deps)"
		exit 0
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (the servers drop privileges to their users)"
	exit 0
fi
if [ ! -x "$G" ]; then
	echo "1..0 # SKIP $G not built"
	exit 0
fi

. "$here/../lab/servers.sh"
if ! lab_start; then
	echo "1..0 # SKIP no server started: $(tr '\n' ';' <"${LAB_DOWN:-/dev/null}" 2>/dev/null)"
	exit 0
fi
W=$LAB_DIR/work
mkdir -p "$W"
A=$LAB_ADDR

n=0
failed=0
skip_reason=
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	if [ -n "$2" ] && [ -s "$2" ]; then
		head -c 3000 "$2" | head -n 30 | sed 's/^/# /'
		echo
	fi
}
# check DESCRIPTION DIAGFILE COMMAND...: one test; skipped (TAP # SKIP)
# while the current server is down.
check() {
	d=$1
	f=$2
	shift 2
	if [ -n "$skip_reason" ]; then
		n=$((n + 1))
		echo "ok $n # SKIP $d: $skip_reason"
	elif "$@"; then
		ok "$d"
	else
		not_ok "$d" "$f"
	fi
}
# server NAME: the following checks need server NAME (skipped when down).
server() {
	skip_reason=
	case " $LAB_UP " in
	*" $1 "*) ;;
	*) skip_reason="$(grep "^$1:" "$LAB_DOWN" | head -n 1)"
	   [ -n "$skip_reason" ] || skip_reason="$1 not started" ;;
	esac
}

# jq helpers: fp normalises hex fingerprints and serials; sans strips type
# prefixes; txt turns arrays and objects into searchable text.
JQDEFS='
def fp: ascii_downcase | gsub("[^0-9a-f]"; "") | sub("^0+"; "");
def sans: map(sub("^(DNS|IP|IP Address|IP address):"; "")) | sort;
def txt: if type == "string" then . elif type == "array"
    then map(if type == "string" then . else tostring end) | join("\n")
    else tostring end;
def words: env[.] | split(" ");
def cert_ok: (.chain[0].sha256 | fp) == (env.LAB_CERT_SHA256 | fp);
'
# jr FILE EXPR: EXPR is true on the (single) record of FILE.
jr() {
	jq -e -s "$JQDEFS (length == 1) and (.[0] | $2)" "$1" >/dev/null 2>&1
}

# grab NAME ARGS...: runs nray-grab ARGS, output in $W/NAME.out, stderr in
# $W/NAME.err, status in $W/NAME.rc; $R is the output file.
grab() {
	name=$1
	shift
	timeout 60 "$G" -q --timeout 15s "$@" >"$W/$name.out" 2>"$W/$name.err"
	echo $? >"$W/$name.rc"
	R=$W/$name.out
	# the record and stderr, for failure diagnostics
	{ cat "$R"; cat "$W/$name.err"; } >"$W/$name.diag"
	D=$W/$name.diag
}
# basic NAME PORT: the checks every single grab gets.
basic() {
	check "$1: exit status 0" "$D" [ "$(cat "$W/$1.rc")" = 0 ]
	check "$1: one port record for $A:$2, input fields kept" "$D" \
	    jr "$R" ".type == \"port\" and .ip == \"$A\" and .port == $2 and .proto == \"tcp\""
}

# --- ssh ------------------------------------------------------------------
server sshd
if [ -z "$skip_reason" ]; then
	# What sshd offers, from its own effective configuration.
	/usr/sbin/sshd -T -f "$LAB_SSH_CONFIG" >"$W/sshd-T" 2>&1
	SSHD_CIPHERS=$(awk '$1 == "ciphers" { print $2 }' "$W/sshd-T")
	SSHD_MACS=$(awk '$1 == "macs" { print $2 }' "$W/sshd-T")
	SSHD_KEX=$(awk '$1 == "kexalgorithms" { print $2 }' "$W/sshd-T")
	export SSHD_CIPHERS SSHD_MACS SSHD_KEX
	grab ssh -m ssh "$A:$LAB_SSH_PORT"
fi
basic ssh "${LAB_SSH_PORT:-0}"
check "ssh: status success" "$D" jr "$R" '.grab.ssh.status == "success"'
check "ssh: ident is the line sshd sent ($LAB_SSH_IDENT)" "$D" \
    jr "$R" '.grab.ssh.ident == env.LAB_SSH_IDENT'
check "ssh: software $LAB_SSH_SOFTWARE, comment $LAB_SSH_COMMENT" "$D" \
    jr "$R" '.grab.ssh.software == env.LAB_SSH_SOFTWARE and .grab.ssh.comment == env.LAB_SSH_COMMENT'
check "ssh: host key type ssh-ed25519" "$D" \
    jr "$R" '.grab.ssh.host_key.type == env.LAB_SSH_KEYTYPE'
check "ssh: host key fingerprint = ssh-keygen -lf ($LAB_SSH_FP)" "$D" \
    jr "$R" '.grab.ssh.host_key.fingerprint == env.LAB_SSH_FP and
        ("SHA256:" + .grab.ssh.host_key.sha256) == env.LAB_SSH_FP'
check "ssh: ciphers both ways = sshd -T ciphers" "$D" \
    jr "$R" '(env.SSHD_CIPHERS | split(",")) as $c | .grab.ssh.kex.ciphers_c2s == $c and .grab.ssh.kex.ciphers_s2c == $c'
check "ssh: macs both ways = sshd -T macs" "$D" \
    jr "$R" '(env.SSHD_MACS | split(",")) as $c | .grab.ssh.kex.macs_c2s == $c and .grab.ssh.kex.macs_s2c == $c'
check "ssh: kex_algorithms contain every sshd -T kexalgorithms, in order" "$D" \
    jr "$R" '(env.SSHD_KEX | split(",")) as $c | [.grab.ssh.kex.kex_algorithms[] | select(. as $a | $c | index([$a]))] == $c'
check "ssh: host_key_algorithms = [ssh-ed25519] (the only host key)" "$D" \
    jr "$R" '.grab.ssh.kex.host_key_algorithms == ["ssh-ed25519"]'
check "ssh: compression offers none" "$D" \
    jr "$R" '(.grab.ssh.kex.compression_s2c | index(["none"])) != null'
check "ssh: service ssh, no grab.tls" "$D" \
    jr "$R" '.service == "ssh" and (.grab | has("tls") | not)'

# --- http (nginx) ---------------------------------------------------------
server nginx
[ -z "$skip_reason" ] && grab http -m http "$A:$LAB_HTTP_PORT"
basic http "${LAB_HTTP_PORT:-0}"
check "http: status success, 200, HTTP/1.1" "$D" \
    jr "$R" '.grab.http | .status == "success" and .status_code == 200 and .protocol == "HTTP/1.1" and (.status_line | startswith("HTTP/1.1 200"))'
check "http: title \"$LAB_HTTP_TITLE\"" "$D" \
    jr "$R" '.grab.http.title == env.LAB_HTTP_TITLE'
check "http: server $LAB_HTTP_SERVER (field and header)" "$D" \
    jr "$R" '.grab.http.server == env.LAB_HTTP_SERVER and .grab.http.headers.server == env.LAB_HTTP_SERVER'
check "http: content type text/html, length $LAB_HTTP_BODY_LEN" "$D" \
    jr "$R" '(.grab.http.content_type | startswith("text/html")) and .grab.http.content_length == (env.LAB_HTTP_BODY_LEN | tonumber)'
check "http: body_sha256 = sha256sum of the page" "$D" \
    jr "$R" '.grab.http.body_sha256 == env.LAB_HTTP_BODY_SHA256 and (.grab.http.body | contains(env.LAB_HTTP_TITLE))'
check "http: service http, no grab.tls" "$D" \
    jr "$R" '.service == "http" and (.grab | has("tls") | not)'

[ -z "$skip_reason" ] &&
    grab redirect -m http --http-path "$LAB_HTTP_REDIRECT_PATH" "$A:$LAB_HTTP_PORT"
check "http: 301 from $LAB_HTTP_REDIRECT_PATH followed to / (chain recorded)" "$D" \
    jr "$R" '.grab.http | .status_code == 200 and .title == env.LAB_HTTP_TITLE and
        (.redirects | length) == 1 and .redirects[0].status_code == 301 and
        (.redirects[0].location | endswith("/")) and (.final_url | endswith(":" + env.LAB_HTTP_PORT + "/"))'

[ -z "$skip_reason" ] && grab favicon -m http --favicon "$A:$LAB_HTTP_PORT"
check "http: --favicon mmh3 = Shodan's hash computed by the test ($LAB_FAVICON_MMH3)" "$D" \
    jr "$R" '.grab.http.favicon | .status_code == 200 and (.mmh3 | tostring) == env.LAB_FAVICON_MMH3 and .sha256 == env.LAB_FAVICON_SHA256'

# --- https (nginx) and grab.tls ------------------------------------------
[ -z "$skip_reason" ] && grab https -m https "$A:$LAB_HTTPS_PORT"
basic https "${LAB_HTTPS_PORT:-0}"
check "https: status success, 200, title" "$D" \
    jr "$R" '(.grab.https // .grab.http) | .status == "success" and .status_code == 200 and .title == env.LAB_HTTP_TITLE'
check "https: tls version TLSv1.3, a cipher" "$D" \
    jr "$R" '.grab.tls.version == "TLSv1.3" and (.grab.tls.cipher | length) > 0'
check "https: leaf sha256 = openssl's fingerprint" "$D" \
    jr "$R" '.grab.tls | cert_ok'
check "https: leaf SANs = $LAB_CERT_SANS" "$D" \
    jr "$R" '(.grab.tls.chain[0].sans | sans) == ("LAB_CERT_SANS" | words | sort)'
check "https: chain of 2, leaf first, then the lab CA" "$D" \
    jr "$R" '.grab.tls.chain | length == 2 and (.[1].sha256 | fp) == (env.LAB_CA_SHA256 | fp) and
        (.[0].issuer | contains("nray lab CA")) and (.[0].subject | contains(env.LAB_CERT_NAME))'
check "https: leaf key EC 256, serial $LAB_CERT_SERIAL, validity as RFC 3339" "$D" \
    jr "$R" '.grab.tls.chain[0] | .key_type == "EC" and .key_bits == 256 and
        (.serial | fp) == (env.LAB_CERT_SERIAL | fp) and
        (.not_before | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")) and
        (.not_after | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$"))'
if [ -z "$skip_reason" ]; then
	jq -r '.grab.tls.chain[0].der' "$R" 2>/dev/null | base64 -d 2>/dev/null |
	    sha256sum | cut -c1-64 >"$W/der.sha"
fi
check "https: leaf der (base64) hashes to the fingerprint" "$D" \
    [ "$(cat "$W/der.sha" 2>/dev/null)" = "$LAB_CERT_SHA256" ]
check "https: not verified (the lab CA is not in the system store)" "$D" \
    jr "$R" '.grab.tls.verified == false and (.grab.tls.verify_error | length) > 0'
check "https: ja3s is an md5 of ja3s_string" "$D" \
    jr "$R" '(.grab.tls.ja3s | test("^[0-9a-f]{32}$")) and (.grab.tls.ja3s_string | test("^[0-9]+,[0-9]+,[0-9-]*$"))'
if [ -z "$skip_reason" ]; then
	printf '%s' "$(jq -r '.grab.tls.ja3s_string' "$R" 2>/dev/null)" |
	    openssl md5 -r 2>/dev/null | cut -c1-32 >"$W/ja3s.md5"
fi
check "https: ja3s = md5(ja3s_string)" "$D" \
    jr "$R" ".grab.tls.ja3s == \"$(cat "$W/ja3s.md5" 2>/dev/null)\""
check "https: service https" "$D" jr "$R" '.service == "https"'

# SNI from the record's host, and verification for that name when the lab
# CA is the trust store (SSL_CERT_FILE: OpenSSL's default verify paths).
if [ -z "$skip_reason" ]; then
	echo "{\"ip\":\"$A\",\"port\":$LAB_HTTPS_PORT,\"host\":\"$LAB_CERT_NAME\",\"src\":{\"file\":\"lab\"}}" \
	    >"$W/sni.in"
	SSL_CERT_FILE=$LAB_CA_CRT
	export SSL_CERT_FILE
	grab sni -m https -f "$W/sni.in"
	unset SSL_CERT_FILE
fi
check "https: SNI sent = record's host; input fields kept" "$D" \
    jr "$R" ".grab.tls.sni == env.LAB_CERT_NAME and .host == env.LAB_CERT_NAME and .src.file == \"lab\" and .port == ${LAB_HTTPS_PORT:-0}"
check "https: with the lab CA as trust store: verified for $LAB_CERT_NAME" "$D" \
    jr "$R" '.grab.tls.verified == true and .grab.tls.verified_name == env.LAB_CERT_NAME'
if [ -z "$skip_reason" ]; then
	echo "{\"ip\":\"$A\",\"port\":$LAB_HTTPS_PORT,\"host\":\"nomatch.lab.example\"}" \
	    >"$W/sni2.in"
	SSL_CERT_FILE=$LAB_CA_CRT
	export SSL_CERT_FILE
	grab sni2 -m https -f "$W/sni2.in"
	unset SSL_CERT_FILE
fi
check "https: a host the certificate does not name is not verified_name" "$D" \
    jr "$R" '.grab.tls.sni == "nomatch.lab.example" and (.grab.tls.verified_name // "") != "nomatch.lab.example"'

# --- ftp (vsftpd) ---------------------------------------------------------
server vsftpd
[ -z "$skip_reason" ] && grab ftp -m ftp "$A:$LAB_FTP_PORT"
basic ftp "${LAB_FTP_PORT:-0}"
check "ftp: status success, code 220, banner \"$LAB_FTP_BANNER\"" "$D" \
    jr "$R" '.grab.ftp | .status == "success" and .code == 220 and (.banner | contains(env.LAB_FTP_BANNER))'
check "ftp: FEAT lists AUTH TLS, PASV, EPSV" "$D" \
    jr "$R" '.grab.ftp.features | txt | contains("AUTH TLS") and contains("PASV") and contains("EPSV")'
check "ftp: auth_tls true, then the lab certificate under grab.tls" "$D" \
    jr "$R" '.grab.ftp.auth_tls == true and (.grab.tls | cert_ok)'
check "ftp: service ftp" "$D" jr "$R" '.service == "ftp"'

# --- smtp (exim) ----------------------------------------------------------
server exim
[ -z "$skip_reason" ] && grab smtp -m smtp "$A:$LAB_SMTP_PORT"
basic smtp "${LAB_SMTP_PORT:-0}"
check "smtp: status success, code 220, ESMTP banner of $LAB_SMTP_HOSTNAME" "$D" \
    jr "$R" '.grab.smtp | .status == "success" and .code == 220 and (.banner | contains(env.LAB_SMTP_HOSTNAME + " ESMTP"))'
check "smtp: extensions contain STARTTLS, PIPELINING, SIZE, 8BITMIME" "$D" \
    jr "$R" '.grab.smtp.extensions | (index(["STARTTLS"]) != null) and (index(["PIPELINING"]) != null) and (index(["8BITMIME"]) != null) and any(.[]; startswith("SIZE"))'
check "smtp: ehlo holds the full reply" "$D" \
    jr "$R" '.grab.smtp.ehlo | contains(env.LAB_SMTP_HOSTNAME) and contains("STARTTLS")'
check "smtp: starttls true, then the lab certificate under grab.tls" "$D" \
    jr "$R" '.grab.smtp.starttls == true and (.grab.tls | cert_ok) and (.grab.tls.chain[0].sans | sans) == ("LAB_CERT_SANS" | words | sort)'
check "smtp: EHLO again after STARTTLS (ehlo_tls, without STARTTLS)" "$D" \
    jr "$R" '.grab.smtp.ehlo_tls | contains("PIPELINING") and (contains("STARTTLS") | not)'
check "smtp: service smtp" "$D" jr "$R" '.service == "smtp"'

[ -z "$skip_reason" ] && grab smtps -m smtps "$A:$LAB_SMTPS_PORT"
basic smtps "${LAB_SMTPS_PORT:-0}"
check "smtps: status success, banner over implicit TLS" "$D" \
    jr "$R" '(.grab.smtps // .grab.smtp) | .status == "success" and (.banner | contains(env.LAB_SMTP_HOSTNAME))'
check "smtps: the lab certificate under grab.tls; service smtp" "$D" \
    jr "$R" '(.grab.tls | cert_ok) and (.service == "smtp" or .service == "smtps")'

# --- imap, pop3 (dovecot) -------------------------------------------------
server dovecot
[ -z "$skip_reason" ] && grab imap -m imap "$A:$LAB_IMAP_PORT"
basic imap "${LAB_IMAP_PORT:-0}"
check "imap: status success, greeting \"$LAB_MAIL_GREETING\"" "$D" \
    jr "$R" '.grab.imap | .status == "success" and (.banner | contains(env.LAB_MAIL_GREETING))'
check "imap: capabilities IMAP4rev1, STARTTLS, IDLE" "$D" \
    jr "$R" '.grab.imap.capabilities | txt | contains("IMAP4rev1") and contains("STARTTLS") and contains("IDLE")'
check "imap: starttls true, then the lab certificate under grab.tls" "$D" \
    jr "$R" '.grab.imap.starttls == true and (.grab.tls | cert_ok)'
check "imap: service imap" "$D" jr "$R" '.service == "imap"'

[ -z "$skip_reason" ] && grab imaps -m imaps "$A:$LAB_IMAPS_PORT"
basic imaps "${LAB_IMAPS_PORT:-0}"
check "imaps: status success, greeting over implicit TLS, lab certificate" "$D" \
    jr "$R" '((.grab.imaps // .grab.imap) | .status == "success" and (.banner | contains(env.LAB_MAIL_GREETING))) and (.grab.tls | cert_ok)'
check "imaps: service imap" "$D" jr "$R" '.service == "imap" or .service == "imaps"'

[ -z "$skip_reason" ] && grab pop3 -m pop3 "$A:$LAB_POP3_PORT"
basic pop3 "${LAB_POP3_PORT:-0}"
check "pop3: status success, greeting \"$LAB_MAIL_GREETING\"" "$D" \
    jr "$R" '.grab.pop3 | .status == "success" and (.banner | contains(env.LAB_MAIL_GREETING))'
check "pop3: CAPA lists STLS, UIDL, TOP" "$D" \
    jr "$R" '.grab.pop3.capabilities | txt | contains("STLS") and contains("UIDL") and contains("TOP")'
check "pop3: stls true, then the lab certificate under grab.tls" "$D" \
    jr "$R" '.grab.pop3.stls == true and (.grab.tls | cert_ok)'
check "pop3: service pop3" "$D" jr "$R" '.service == "pop3"'

[ -z "$skip_reason" ] && grab pop3s -m pop3s "$A:$LAB_POP3S_PORT"
basic pop3s "${LAB_POP3S_PORT:-0}"
check "pop3s: status success, greeting over implicit TLS, lab certificate" "$D" \
    jr "$R" '((.grab.pop3s // .grab.pop3) | .status == "success" and (.banner | contains(env.LAB_MAIL_GREETING))) and (.grab.tls | cert_ok)'
check "pop3s: service pop3" "$D" jr "$R" '.service == "pop3" or .service == "pop3s"'

# --- redis ----------------------------------------------------------------
server redis
[ -z "$skip_reason" ] && grab redis -m redis "$A:$LAB_REDIS_PORT"
basic redis "${LAB_REDIS_PORT:-0}"
check "redis: status success, version $LAB_REDIS_VERSION (redis-server --version)" "$D" \
    jr "$R" '.grab.redis | .status == "success" and .version == env.LAB_REDIS_VERSION'
check "redis: mode standalone, os Linux, auth_required false" "$D" \
    jr "$R" '.grab.redis | .mode == "standalone" and (.os | startswith("Linux")) and .auth_required == false'
check "redis: service redis" "$D" jr "$R" '.service == "redis"'

[ -z "$skip_reason" ] && grab redis-auth -m redis "$A:$LAB_REDIS_AUTH_PORT"
basic redis-auth "${LAB_REDIS_AUTH_PORT:-0}"
check "redis with requirepass: auth_required true, no version" "$D" \
    jr "$R" '.grab.redis | .auth_required == true and (has("version") | not)'
check "redis with requirepass: service redis" "$D" jr "$R" '.service == "redis"'

# --- postgres -------------------------------------------------------------
server postgres
[ -z "$skip_reason" ] && grab postgres -m postgres "$A:$LAB_PG_PORT"
basic postgres "${LAB_PG_PORT:-0}"
check "postgres: status success, tls_supported true (ssl on)" "$D" \
    jr "$R" '.grab.postgres | .status == "success" and .tls_supported == true'
check "postgres: the startup answer asks for SCRAM-SHA-256 (pg_hba)" "$D" \
    jr "$R" '.grab.postgres | txt | test("SCRAM-SHA-256|sasl"; "i")'
check "postgres: service postgres" "$D" jr "$R" '.service == "postgres"'

# --- mysql (mariadb) ------------------------------------------------------
server mariadb
[ -z "$skip_reason" ] && grab mysql -m mysql "$A:$LAB_MYSQL_PORT"
basic mysql "${LAB_MYSQL_PORT:-0}"
check "mysql: status success, protocol 10, version $LAB_MYSQL_VERSION" "$D" \
    jr "$R" '.grab.mysql | .status == "success" and .protocol_version == 10 and .server_version == env.LAB_MYSQL_VERSION'
check "mysql: tls_supported true, capabilities and auth plugin recorded" "$D" \
    jr "$R" '.grab.mysql | .tls_supported == true and (.capabilities | length) > 3 and (.auth_plugin | length) > 0 and .connection_id > 0'
check "mysql: service mysql" "$D" jr "$R" '.service == "mysql"'

# MariaDB has a user for clients from 127.0.0.1 only: from LAB_ADDR2 it
# refuses with an error packet (1130, ER_HOST_NOT_PRIVILEGED).
[ -z "$skip_reason" ] &&
    grab mysql-denied -m mysql --source-ip "$LAB_ADDR2" "$A:$LAB_MYSQL_PORT"
check "mysql from $LAB_ADDR2 (--source-ip, no grant): application-error 1130" "$D" \
    jr "$R" '.grab.mysql | .status == "application-error" and ([.. | numbers] | index(1130)) != null and (txt | contains("is not allowed"))'

# --- every port at once, auto-detection on unusual ports ------------------
skip_reason=
awk '{ print $1 }' "$LAB_PORTS" >"$W/auto.in"
grab auto -f "$W/auto.in"
nin=$(wc -l <"$W/auto.in" | tr -d ' ')
check "auto: exit status 0" "$D" [ "$(cat "$W/auto.rc")" = 0 ]
check "auto: one line per input line ($nin)" "$D" \
    [ "$(jq -c . "$R" 2>/dev/null | wc -l | tr -d ' ')" = "$nin" ]
while read -r ap want; do
	port=${ap##*:}
	jq -c "select(.port == $port)" "$R" >"$W/auto.$port" 2>/dev/null
	case $want in
	smtps | imaps | pop3s) alt=${want%s} ;; # the greeting inside TLS
	*) alt=$want ;;
	esac
	# redis and postgres are silent until spoken to: named by the answers
	# to the PING and SSLRequest probes.
	check "auto: $ap ($want) named $want" "$W/auto.$port" \
	    jr "$W/auto.$port" ".service == \"$want\" or .service == \"$alt\""
done <"$LAB_PORTS"
server sshd
check "auto: ssh facts on an unusual port (host key fingerprint)" "$W/auto.${LAB_SSH_PORT:-0}" \
    jr "$W/auto.${LAB_SSH_PORT:-0}" '.grab.ssh.host_key.fingerprint == env.LAB_SSH_FP'
server redis
check "auto: redis (found by PING) on an unusual port: version $LAB_REDIS_VERSION" "$W/auto.${LAB_REDIS_PORT:-0}" \
    jr "$W/auto.${LAB_REDIS_PORT:-0}" '.grab.redis.version == env.LAB_REDIS_VERSION and .grab.redis.auth_required == false'
check "auto: redis with requirepass on an unusual port: auth_required true" "$W/auto.${LAB_REDIS_AUTH_PORT:-0}" \
    jr "$W/auto.${LAB_REDIS_AUTH_PORT:-0}" '.grab.redis.auth_required == true'
server postgres
check "auto: postgres (found by SSLRequest) on an unusual port: tls_supported true" "$W/auto.${LAB_PG_PORT:-0}" \
    jr "$W/auto.${LAB_PG_PORT:-0}" '.grab.postgres.status == "success" and .grab.postgres.tls_supported == true'
server dovecot
check "auto: imaps on an unusual port: the greeting inside TLS, lab certificate" "$W/auto.${LAB_IMAPS_PORT:-0}" \
    jr "$W/auto.${LAB_IMAPS_PORT:-0}" '(.grab.imaps.banner | contains(env.LAB_MAIL_GREETING)) and (.grab.tls | cert_ok)'
server nginx
check "auto: nginx on an unusual port: title and certificate" "$W/auto.${LAB_HTTPS_PORT:-0}" \
    jr "$W/auto.${LAB_HTTPS_PORT:-0}" '(.grab | to_entries | map(.value.title? // empty) | index([env.LAB_HTTP_TITLE])) != null and (.grab.tls | cert_ok)'

# --- the same servers on their well-known ports: module chosen by port ----
# A second lab on 127.0.0.2 (so nothing on 127.0.0.1's well-known ports is
# in the way), in a subshell with its own traps; the answers are compared
# here.  A port that cannot be bound leaves its server down (skipped).
std=$W/std
mkdir -p "$std"
(
	LAB_STD_PORTS=1
	LAB_ADDR=127.0.0.2
	. "$here/../lab/servers.sh"
	if lab_start 2>"$std/lab.err"; then
		cp "$LAB_PORTS" "$std/ports"
		cp "$LAB_DOWN" "$std/down"
		awk '{ print $1 }' "$LAB_PORTS" >"$std/in"
		timeout 60 "$G" -q --timeout 15s -f "$std/in" >"$std/out" \
		    2>"$std/err"
		echo $? >"$std/rc"
		echo "$LAB_SSH_FP" >"$std/ssh_fp"
	fi
)
skip_reason=
[ -s "$std/ports" ] || skip_reason="the well-known-port lab did not start: $(tr '\n' ';' <"$std/lab.err" | cut -c1-200)"
check "well-known ports: exit status 0" "$std/err" [ "$(cat "$std/rc" 2>/dev/null)" = 0 ]
check "well-known ports: one line per input line" "$std/out" \
    [ "$(jq -c . "$std/out" 2>/dev/null | wc -l | tr -d ' ')" = "$(wc -l <"$std/in" 2>/dev/null | tr -d ' ')" ]
if [ -s "$std/down" ]; then
	sed 's/^/# well-known-port lab, not started: /' "$std/down"
fi
[ -s "$std/ports" ] || echo "127.0.0.2:0 none" >"$std/ports"
while read -r ap want; do
	port=${ap##*:}
	jq -c "select(.port == $port)" "$std/out" >"$std/auto.$port" 2>/dev/null
	if [ "$port" -gt 1023 ] && [ "$port" != 3306 ] && [ "$port" != 5432 ] &&
	    [ "$port" != 6379 ]; then
		# the password redis: not a well-known port, sniffed
		check "well-known ports: $ap ($want, sniffed) named $want" "$std/auto.$port" \
		    jr "$std/auto.$port" ".service == \"$want\""
		continue
	fi
	case $want in
	smtps | imaps | pop3s) alt=${want%s} ;;
	*) alt=$want ;;
	esac
	check "well-known ports: $ap ($want) named $want" "$std/auto.$port" \
	    jr "$std/auto.$port" ".service == \"$want\" or .service == \"$alt\""
done <"$std/ports"
if grep -q '^127.0.0.2:22 ' "$std/ports"; then
	LAB_STD_SSH_FP=$(cat "$std/ssh_fp")
	export LAB_STD_SSH_FP
	check "well-known ports: ssh on 22, its own host key fingerprint" "$std/auto.22" \
	    jr "$std/auto.22" '.grab.ssh.host_key.fingerprint == env.LAB_STD_SSH_FP'
fi
if grep -q '^127.0.0.2:443 ' "$std/ports"; then
	check "well-known ports: https on 443, title and TLS chain" "$std/auto.443" \
	    jr "$std/auto.443" '((.grab.https // .grab.http).title == env.LAB_HTTP_TITLE) and (.grab.tls.chain | length) == 2'
fi

echo "1..$n"
[ "$failed" -eq 0 ]
