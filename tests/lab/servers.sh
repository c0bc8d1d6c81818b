# servers.sh - real servers on loopback for nray-grab's tests and benchmark.
#
# Source it, then call lab_start [NAME...] (default: every server); lab_stop
# (also run by the EXIT/HUP/INT/PIPE/TERM traps that lab_start installs)
# stops them and removes the temp dir.  A script with traps of its own sets
# LAB_TRAP=0 and calls lab_stop from them.
#
# Servers (NAME: the Debian package; the ports it gets):
#   sshd      openssh-server  LAB_SSH_PORT
#   nginx     nginx           LAB_HTTP_PORT, LAB_HTTPS_PORT
#   redis     redis-server    LAB_REDIS_PORT (no auth), LAB_REDIS_AUTH_PORT
#                             (requirepass: INFO answers NOAUTH)
#   vsftpd    vsftpd          LAB_FTP_PORT (AUTH TLS offered)
#   exim      exim4-daemon-light  LAB_SMTP_PORT (STARTTLS), LAB_SMTPS_PORT
#   dovecot   dovecot-imapd, dovecot-pop3d  LAB_IMAP_PORT, LAB_IMAPS_PORT,
#                             LAB_POP3_PORT, LAB_POP3S_PORT
#   postgres  postgresql      LAB_PG_PORT (ssl on, scram-sha-256 for TCP)
#   mariadb   mariadb-server  LAB_MYSQL_PORT (a user exists for clients from
#                             127.0.0.1, so they get the handshake; a client
#                             from LAB_ADDR2, e.g. nray-grab --source-ip,
#                             gets "Host ... is not allowed")
#
# Every server runs in the foreground as a background job of the test (no
# daemon, no system service), with a configuration this script writes, its
# files under one temp dir (LAB_DIR), and listens on LAB_ADDR (default
# 127.0.0.1) only.  Ports are free ports in 20000-31999 picked at random; with
# LAB_STD_PORTS=1 the well-known ports are used instead (22, 80, 443, ...:
# set LAB_ADDR to an otherwise unused loopback address such as 127.0.0.2).
# Every server is ready-checked (it answers its protocol) before lab_start
# returns.  Needs root (daemons that drop privileges to their own users).
#
# One TLS certificate for every server: a leaf signed by a lab CA, both made
# here with openssl (EC P-256).  What the tests know, exported after lab_start:
#   LAB_DIR, LAB_ADDR
#   LAB_ADDR2            a loopback source address that MariaDB refuses
#   LAB_UP               names of the servers that started, space-separated
#   LAB_DOWN             file: "NAME: reason" for each that did not
#   LAB_PORTS            file: "ADDR:PORT SERVICE" for every open port, where
#                        SERVICE is the expected nray verdict (ssh, http,
#                        https, ftp, smtp, smtps, imap, imaps, pop3, pop3s,
#                        redis, postgres, mysql)
#   LAB_CA_CRT, LAB_CERT_CRT      PEM files (the CA; the leaf)
#   LAB_CERT_SHA256, LAB_CA_SHA256  lower-case hex SHA-256 of the DER
#   LAB_CERT_SANS        "grab.lab.example www.lab.example 127.0.0.1"
#   LAB_CERT_NAME        grab.lab.example (the CN, and the first SAN)
#   LAB_CERT_SERIAL      lower-case hex
#   LAB_SSH_IDENT        the identification line sshd sent (no CR LF)
#   LAB_SSH_SOFTWARE, LAB_SSH_COMMENT   "OpenSSH_9.2p1", "Debian-2+deb12u10"
#   LAB_SSH_KEYTYPE      ssh-ed25519
#   LAB_SSH_FP           "SHA256:..." as ssh-keygen -lf prints it
#   LAB_SSH_CONFIG       the sshd_config (sshd -T -f it for the algorithms)
#   LAB_HTTP_TITLE, LAB_HTTP_SERVER ("nginx/1.22.1"), LAB_HTTP_BODY_SHA256,
#   LAB_HTTP_BODY_LEN, LAB_FAVICON_SHA256, LAB_FAVICON_MMH3 (Shodan's hash),
#   LAB_HTTP_REDIRECT_PATH (answers 301 to /)
#   LAB_REDIS_VERSION    from redis-server --version
#   LAB_FTP_BANNER       the text after "220 "
#   LAB_SMTP_HOSTNAME    the name in the SMTP greeting (mail.lab.example)
#   LAB_MAIL_GREETING    dovecot's greeting text
#   LAB_PG_VERSION       "15.18" (from postgres --version)
#   LAB_MYSQL_VERSION    the version string of the handshake packet

LAB_DIR=
LAB_ADDR=${LAB_ADDR:-127.0.0.1}
LAB_ADDR2=${LAB_ADDR2:-127.0.0.254}
LAB_STD_PORTS=${LAB_STD_PORTS:-0}
LAB_UP=
LAB_PIDS=
LAB_USED_PORTS=
LAB_PG_BIN=
# Debian's python3 when there is one: a version manager's shim costs
# 0.15 s a call, and the ready checks make many.
LAB_PY=python3
[ -x /usr/bin/python3 ] && LAB_PY=/usr/bin/python3

# lab_log MSG: to stderr, prefixed.
lab_log() {
	echo "servers.sh: $*" >&2
}

# lab_down NAME REASON: records that NAME did not start.
lab_down() {
	echo "$1: $2" >>"$LAB_DOWN"
	lab_log "$1 not started: $2"
}

# lab_port_free PORT: 0 when nothing listens on TCP PORT (any address).
lab_port_free() {
	! ss -Hltn 2>/dev/null | awk '{ print $4 }' | grep -q ":$1\$"
}

# lab_port VAR WELLKNOWN: sets VAR to a port: WELLKNOWN with LAB_STD_PORTS=1
# (unless it is 0), else a free random high port not handed out before in
# this run.
lab_port() {
	local p
	if [ "$LAB_STD_PORTS" = 1 ] && [ "$2" != 0 ]; then
		eval "$1=$2"
		return 0
	fi
	while :; do
		p=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		# below Linux's ephemeral range (32768-60999), where outgoing
		# connections could hold the port
		p=$((20000 + p % 12000))
		case " $LAB_USED_PORTS " in *" $p "*) continue ;; esac
		lab_port_free "$p" || continue
		LAB_USED_PORTS="$LAB_USED_PORTS $p"
		eval "$1=$p"
		return 0
	done
}

# lab_probe_py: writes the ready-check helper (python3).
#   probe.py ADDR PORT TLS SEND REGEX: connects (TLS when TLS is 1,
#   certificate not checked), sends SEND (C escapes), reads until REGEX
#   matches the bytes read (exit 0) or 1 s passes (exit 1); prints the
#   first match group, or the match, on stdout.
lab_probe_py() {
	cat >"$LAB_DIR/probe.py" <<'EOF'
import re, socket, ssl, sys, time
addr, port, tls, send, rx = sys.argv[1:6]
try:
    s = socket.create_connection((addr, int(port)), timeout=1)
    if tls == "1":
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        c.check_hostname = False
        c.verify_mode = ssl.CERT_NONE
        s = c.wrap_socket(s)
    if send:
        s.sendall(send.encode().decode("unicode_escape").encode("latin-1"))
    buf = b""
    end = time.time() + 1
    while time.time() < end:
        m = re.search(rx.encode(), buf, re.S)
        if m:
            g = m.group(1) if m.groups() else m.group(0)
            print(g.decode("latin-1"))
            sys.exit(0)
        s.settimeout(max(0.01, end - time.time()))
        b = s.recv(4096)
        if not b:
            break
        buf += b
except Exception:
    pass
sys.exit(1)
EOF
}

# lab_probe PORT TLS SEND REGEX: see lab_probe_py.
lab_probe() {
	"$LAB_PY" "$LAB_DIR/probe.py" "$LAB_ADDR" "$@" 2>/dev/null
}

# lab_wait NAME PID CHECK...: runs CHECK every 0.1 s until it succeeds
# (0), PID dies or 15 s pass (1, the reason in LAB_WHY).
lab_wait() {
	local name pid i
	name=$1
	pid=$2
	shift 2
	i=0
	while [ $i -lt 150 ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			LAB_WHY="exited; see $LAB_DIR/$name.log"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	LAB_WHY="not ready after 15 s; see $LAB_DIR/$name.log"
	return 1
}

# lab_bg NAME CMD...: starts CMD in the background, output to NAME.log;
# the pid goes to LAB_PIDS, to LAB_PIDS_NAME and to $LAB_PID.
lab_bg() {
	local n
	n=$1
	shift
	"$@" >>"$LAB_DIR/$n.log" 2>&1 &
	LAB_PID=$!
	LAB_PIDS="$LAB_PIDS $LAB_PID"
	eval "LAB_PIDS_$n=\"\${LAB_PIDS_$n:-} $LAB_PID\""
}

# lab_kill NAME: stops NAME's processes (before a second attempt).
lab_kill() {
	local p
	for p in $(eval "echo \${LAB_PIDS_$1:-}"); do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	eval "LAB_PIDS_$1="
}

# lab_expect LINE: one "ADDR:PORT SERVICE" line of LAB_PORTS.
lab_expect() {
	echo "$LAB_ADDR:$1 $2" >>"$LAB_PORTS"
}

# lab_copy_tls DIR USER: copies the leaf key and chain into DIR, owned by
# USER (daemons that read their key after dropping privileges).
lab_copy_tls() {
	mkdir -p "$1"
	cp "$LAB_DIR/tls/leaf.key" "$LAB_DIR/tls/chain.crt" "$1/"
	chown "$2" "$1" "$1/leaf.key" "$1/chain.crt"
	chmod 600 "$1/leaf.key"
}

# lab_hex_fp PEM: lower-case hex SHA-256 of the certificate's DER.
lab_hex_fp() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 |
	    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}

# lab_certs: the lab CA and the leaf every server uses.
lab_certs() {
	local d
	d=$LAB_DIR/tls
	mkdir -p "$d"
	LAB_CERT_NAME=grab.lab.example
	LAB_CERT_SANS="grab.lab.example www.lab.example 127.0.0.1"
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$d/ca.key" -out "$d/ca.crt" -days 30 \
	    -subj "/O=nray lab/CN=nray lab CA" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign \
	    >"$d/openssl.log" 2>&1 || return 1
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/leaf.key" -out "$d/leaf.csr" \
	    -subj "/O=nray lab/CN=$LAB_CERT_NAME" >>"$d/openssl.log" 2>&1 ||
	    return 1
	cat >"$d/leaf.ext" <<EOF
subjectAltName=DNS:grab.lab.example,DNS:www.lab.example,IP:127.0.0.1
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
EOF
	openssl x509 -req -in "$d/leaf.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
	    -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
	    -days 30 -extfile "$d/leaf.ext" -out "$d/leaf.crt" \
	    >>"$d/openssl.log" 2>&1 || return 1
	cat "$d/leaf.crt" "$d/ca.crt" >"$d/chain.crt"
	chmod 644 "$d/leaf.crt" "$d/ca.crt" "$d/chain.crt"
	LAB_CA_CRT=$d/ca.crt
	LAB_CERT_CRT=$d/leaf.crt
	LAB_CERT_SHA256=$(lab_hex_fp "$d/leaf.crt")
	LAB_CA_SHA256=$(lab_hex_fp "$d/ca.crt")
	LAB_CERT_SERIAL=$(openssl x509 -in "$d/leaf.crt" -noout -serial |
	    sed 's/.*=//' | tr 'A-F' 'a-f')
	export LAB_CA_CRT LAB_CERT_CRT LAB_CERT_SHA256 LAB_CA_SHA256
	export LAB_CERT_SANS LAB_CERT_NAME LAB_CERT_SERIAL
}

# --- sshd -----------------------------------------------------------------

lab_launch_sshd() {
	local d
	d=$LAB_DIR/sshd
	mkdir -p "$d"
	[ -f "$d/host_ed25519_key" ] ||
	    ssh-keygen -q -t ed25519 -N '' -C nray-lab -f "$d/host_ed25519_key" ||
	    return 1
	lab_port LAB_SSH_PORT 22
	cat >"$d/sshd_config" <<EOF
HostKey $d/host_ed25519_key
ListenAddress $LAB_ADDR:$LAB_SSH_PORT
PidFile none
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication no
AuthorizedKeysFile none
MaxStartups 100:30:200
EOF
	# sshd insists on its privilege-separation directory.
	mkdir -p /run/sshd
	lab_bg sshd /usr/sbin/sshd -D -e -f "$d/sshd_config"
	LAB_SSHD_PID=$LAB_PID
}

lab_ready_sshd() {
	lab_wait sshd "$LAB_SSHD_PID" \
	    lab_probe "$LAB_SSH_PORT" 0 '' '^(SSH-2\.0-[^\r\n]*)\r?\n' || return 1
	LAB_SSH_IDENT=$(lab_probe "$LAB_SSH_PORT" 0 '' \
	    '^(SSH-2\.0-[^\r\n]*)\r?\n')
	# "SSH-2.0-" software [SP comments] (RFC 4253 section 4.2)
	LAB_SSH_SOFTWARE=$(echo "$LAB_SSH_IDENT" | sed 's/^SSH-2\.0-//; s/ .*//')
	LAB_SSH_COMMENT=$(echo "$LAB_SSH_IDENT" | sed -n 's/^[^ ]* //p')
	LAB_SSH_KEYTYPE=ssh-ed25519
	LAB_SSH_FP=$(ssh-keygen -lf "$LAB_DIR/sshd/host_ed25519_key.pub" |
	    awk '{ print $2 }')
	LAB_SSH_CONFIG=$LAB_DIR/sshd/sshd_config
	export LAB_SSH_PORT LAB_SSH_IDENT LAB_SSH_SOFTWARE LAB_SSH_COMMENT
	export LAB_SSH_KEYTYPE LAB_SSH_FP LAB_SSH_CONFIG
	lab_expect "$LAB_SSH_PORT" ssh
}

# --- nginx ----------------------------------------------------------------

# lab_mmh3 FILE: Shodan's favicon hash (MurmurHash3 x86_32, seed 0, of the
# base64 text with a newline every 76 characters and at the end), signed.
lab_mmh3() {
	"$LAB_PY" - "$1" <<'EOF'
import base64, sys
data = base64.encodebytes(open(sys.argv[1], "rb").read())
c1, c2, h, m = 0xcc9e2d51, 0x1b873593, 0, 0xffffffff
rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & m
n = len(data) // 4 * 4
for i in range(0, n, 4):
    k = int.from_bytes(data[i:i + 4], "little")
    k = rotl((k * c1) & m, 15) * c2 & m
    h = (rotl(h ^ k, 13) * 5 + 0xe6546b64) & m
k = int.from_bytes(data[n:], "little") if len(data) > n else 0
if len(data) > n:
    h ^= rotl((k * c1) & m, 15) * c2 & m
h ^= len(data)
h = (h ^ (h >> 16)) * 0x85ebca6b & m
h = (h ^ (h >> 13)) * 0xc2b2ae35 & m
h ^= h >> 16
print(h - (1 << 32) if h & 0x80000000 else h)
EOF
}

lab_launch_nginx() {
	local d
	d=$LAB_DIR/nginx
	mkdir -p "$d/html" "$d/tmp"
	LAB_HTTP_TITLE="nray lab: nginx on loopback"
	cat >"$d/html/index.html" <<EOF
<!doctype html>
<html><head><meta charset="utf-8"><title>$LAB_HTTP_TITLE</title></head>
<body><p>nray-grab test page.</p></body></html>
EOF
	# A small binary "icon": the hash covers whatever bytes are served.
	head -c 1500 /dev/urandom >"$d/html/favicon.ico"
	chmod -R a+rX "$d/html"
	lab_port LAB_HTTP_PORT 80
	lab_port LAB_HTTPS_PORT 443
	LAB_HTTP_REDIRECT_PATH=/old
	cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 512; }
http {
	access_log off;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	types { text/html html; image/x-icon ico; }
	default_type application/octet-stream;
	server {
		listen $LAB_ADDR:$LAB_HTTP_PORT;
		listen $LAB_ADDR:$LAB_HTTPS_PORT ssl;
		server_name grab.lab.example;
		ssl_certificate $LAB_DIR/tls/chain.crt;
		ssl_certificate_key $LAB_DIR/tls/leaf.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $d/html;
		location = /old { return 301 /; }
	}
}
EOF
	lab_bg nginx nginx -e stderr -c "$d/nginx.conf" -p "$d/"
	LAB_NGINX_PID=$LAB_PID
}

lab_ready_nginx() {
	local d
	d=$LAB_DIR/nginx
	lab_wait nginx "$LAB_NGINX_PID" lab_probe "$LAB_HTTP_PORT" 0 \
	    'GET / HTTP/1.0\r\n\r\n' '<title>([^<]*)</title>' || return 1
	lab_wait nginx "$LAB_NGINX_PID" lab_probe "$LAB_HTTPS_PORT" 1 \
	    'GET / HTTP/1.0\r\n\r\n' '<title>([^<]*)</title>' || return 1
	LAB_HTTP_SERVER=$(nginx -v 2>&1 | sed 's/.*version: //')
	LAB_HTTP_BODY_SHA256=$(sha256sum <"$d/html/index.html" | cut -c1-64)
	LAB_HTTP_BODY_LEN=$(wc -c <"$d/html/index.html" | tr -d ' ')
	LAB_FAVICON_SHA256=$(sha256sum <"$d/html/favicon.ico" | cut -c1-64)
	LAB_FAVICON_MMH3=$(lab_mmh3 "$d/html/favicon.ico")
	export LAB_HTTP_PORT LAB_HTTPS_PORT LAB_HTTP_TITLE LAB_HTTP_SERVER
	export LAB_HTTP_BODY_SHA256 LAB_HTTP_BODY_LEN LAB_FAVICON_SHA256
	export LAB_FAVICON_MMH3 LAB_HTTP_REDIRECT_PATH
	lab_expect "$LAB_HTTP_PORT" http
	lab_expect "$LAB_HTTPS_PORT" https
}

# --- redis ----------------------------------------------------------------

lab_launch_redis() {
	local d p which
	d=$LAB_DIR/redis
	mkdir -p "$d"
	chown redis "$d" 2>/dev/null
	lab_port LAB_REDIS_PORT 6379
	lab_port LAB_REDIS_AUTH_PORT 0
	for which in open auth; do
		if [ $which = open ]; then p=$LAB_REDIS_PORT; else p=$LAB_REDIS_AUTH_PORT; fi
		cat >"$d/$which.conf" <<EOF
bind $LAB_ADDR
port $p
protected-mode no
daemonize no
save ""
appendonly no
dir $d
logfile ""
EOF
		if [ $which = auth ]; then
			echo "requirepass nray-lab-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
			    >>"$d/$which.conf"
		fi
	done
	lab_bg redis redis-server "$d/open.conf"
	LAB_REDIS_PID=$LAB_PID
	lab_bg redis redis-server "$d/auth.conf"
	LAB_REDIS_AUTH_PID=$LAB_PID
}

lab_ready_redis() {
	lab_wait redis "$LAB_REDIS_PID" lab_probe "$LAB_REDIS_PORT" 0 \
	    'INFO server\r\n' 'redis_version:([0-9.]+)' || return 1
	lab_wait redis "$LAB_REDIS_AUTH_PID" lab_probe "$LAB_REDIS_AUTH_PORT" 0 \
	    'INFO server\r\n' '^-(NOAUTH)' || return 1
	LAB_REDIS_VERSION=$(redis-server --version | sed 's/.* v=\([^ ]*\).*/\1/')
	export LAB_REDIS_PORT LAB_REDIS_AUTH_PORT LAB_REDIS_VERSION
	lab_expect "$LAB_REDIS_PORT" redis
	lab_expect "$LAB_REDIS_AUTH_PORT" redis
}

# --- vsftpd ---------------------------------------------------------------

lab_launch_vsftpd() {
	local d
	d=$LAB_DIR/vsftpd
	mkdir -p "$d/empty"
	chmod 755 "$d/empty"
	lab_port LAB_FTP_PORT 21
	LAB_FTP_BANNER="nray lab FTP server ready"
	# local_enable only because vsftpd refuses to run with no access at
	# all; nobody logs in (no user has a password the test knows).
	cat >"$d/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$LAB_ADDR
listen_port=$LAB_FTP_PORT
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=NO
ftpd_banner=$LAB_FTP_BANNER
ssl_enable=YES
rsa_cert_file=$LAB_DIR/tls/chain.crt
rsa_private_key_file=$LAB_DIR/tls/leaf.key
ssl_tlsv1=YES
ssl_sslv2=NO
ssl_sslv3=NO
require_ssl_reuse=NO
allow_anon_ssl=NO
force_local_logins_ssl=NO
force_local_data_ssl=NO
secure_chroot_dir=$d/empty
seccomp_sandbox=NO
xferlog_enable=NO
max_clients=200
max_per_ip=200
pam_service_name=vsftpd
EOF
	lab_bg vsftpd vsftpd "$d/vsftpd.conf"
	LAB_VSFTPD_PID=$LAB_PID
}

lab_ready_vsftpd() {
	lab_wait vsftpd "$LAB_VSFTPD_PID" lab_probe "$LAB_FTP_PORT" 0 \
	    'FEAT\r\n' 'AUTH TLS' || return 1
	export LAB_FTP_PORT LAB_FTP_BANNER
	lab_expect "$LAB_FTP_PORT" ftp
}

# --- exim (SMTP with STARTTLS, and SMTPS) ---------------------------------

lab_launch_exim() {
	local d
	d=$LAB_DIR/exim
	mkdir -p "$d/spool" "$d/log"
	lab_copy_tls "$d/tls" Debian-exim
	chown -R Debian-exim "$d/spool" "$d/log"
	lab_port LAB_SMTP_PORT 25
	lab_port LAB_SMTPS_PORT 465
	LAB_SMTP_HOSTNAME=mail.lab.example
	# Accepts no mail at all: every recipient is refused.
	cat >"$d/exim.conf" <<EOF
primary_hostname = $LAB_SMTP_HOSTNAME
keep_environment =
spool_directory = $d/spool
log_file_path = $d/log/%slog
pid_file_path = $d/exim.pid
local_interfaces = <; $LAB_ADDR
daemon_smtp_ports = $LAB_SMTP_PORT : $LAB_SMTPS_PORT
tls_on_connect_ports = $LAB_SMTPS_PORT
tls_advertise_hosts = *
tls_certificate = $d/tls/chain.crt
tls_privatekey = $d/tls/leaf.key
# Exim's stock banner, so that peers (nmap -sV) recognise it too.
smtp_banner = \$smtp_active_hostname ESMTP Exim \$version_number \$tod_full
host_lookup =
rfc1413_hosts =
smtp_accept_max = 200
acl_smtp_rcpt = acl_rcpt
begin acl
acl_rcpt:
  deny message = relay not permitted
begin routers
begin transports
EOF
	lab_bg exim exim4 -bdf -oX "$LAB_SMTP_PORT:$LAB_SMTPS_PORT" -C "$d/exim.conf"
	LAB_EXIM_PID=$LAB_PID
}

lab_ready_exim() {
	lab_wait exim "$LAB_EXIM_PID" lab_probe "$LAB_SMTP_PORT" 0 \
	    'EHLO probe.lab.example\r\n' '250[- ]STARTTLS' || return 1
	lab_wait exim "$LAB_EXIM_PID" lab_probe "$LAB_SMTPS_PORT" 1 '' \
	    '^220 ' || return 1
	export LAB_SMTP_PORT LAB_SMTPS_PORT LAB_SMTP_HOSTNAME
	lab_expect "$LAB_SMTP_PORT" smtp
	lab_expect "$LAB_SMTPS_PORT" smtps
}

# --- dovecot (IMAP, POP3; STARTTLS/STLS and implicit TLS) -----------------

lab_launch_dovecot() {
	local d
	d=$LAB_DIR/dovecot
	mkdir -p "$d/run" "$d/state"
	: >"$d/users"
	lab_port LAB_IMAP_PORT 143
	lab_port LAB_IMAPS_PORT 993
	lab_port LAB_POP3_PORT 110
	lab_port LAB_POP3S_PORT 995
	LAB_MAIL_GREETING="nray lab dovecot ready"
	cat >"$d/dovecot.conf" <<EOF
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
protocols = imap pop3
listen = $LAB_ADDR
ssl = yes
ssl_cert = <$LAB_DIR/tls/chain.crt
ssl_key = <$LAB_DIR/tls/leaf.key
login_greeting = $LAB_MAIL_GREETING
mail_location = mbox:$d/mail
passdb {
  driver = passwd-file
  args = $d/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$d/home
}
service imap-login {
  inet_listener imap {
    port = $LAB_IMAP_PORT
  }
  inet_listener imaps {
    port = $LAB_IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $LAB_POP3_PORT
  }
  inet_listener pop3s {
    port = $LAB_POP3S_PORT
    ssl = yes
  }
}
EOF
	lab_bg dovecot dovecot -F -c "$d/dovecot.conf"
	LAB_DOVECOT_PID=$LAB_PID
}

lab_ready_dovecot() {
	lab_wait dovecot "$LAB_DOVECOT_PID" lab_probe "$LAB_IMAP_PORT" 0 '' \
	    '^\* OK .*STARTTLS' || return 1
	lab_wait dovecot "$LAB_DOVECOT_PID" lab_probe "$LAB_IMAPS_PORT" 1 '' \
	    '^\* OK ' || return 1
	lab_wait dovecot "$LAB_DOVECOT_PID" lab_probe "$LAB_POP3_PORT" 0 \
	    'CAPA\r\n' 'STLS' || return 1
	lab_wait dovecot "$LAB_DOVECOT_PID" lab_probe "$LAB_POP3S_PORT" 1 '' \
	    '^\+OK ' || return 1
	export LAB_IMAP_PORT LAB_IMAPS_PORT LAB_POP3_PORT LAB_POP3S_PORT
	export LAB_MAIL_GREETING
	lab_expect "$LAB_IMAP_PORT" imap
	lab_expect "$LAB_IMAPS_PORT" imaps
	lab_expect "$LAB_POP3_PORT" pop3
	lab_expect "$LAB_POP3S_PORT" pop3s
}

# --- postgres -------------------------------------------------------------

# lab_prepare_postgres: the cluster (initdb, about 1 s; run in the
# background while other servers start).  Local connections are trusted,
# TCP ones must authenticate (scram-sha-256).
lab_prepare_postgres() {
	mkdir -p "$LAB_DIR/postgres"
	chown postgres "$LAB_DIR/postgres"
	setpriv --reuid postgres --regid postgres --init-groups \
	    "$LAB_PG_BIN/initdb" -D "$LAB_DIR/postgres/data" -U postgres \
	    -E UTF8 --locale=C --auth-local=trust --auth-host=scram-sha-256 -N \
	    >>"$LAB_DIR/postgres.log" 2>&1
}

lab_launch_postgres() {
	local d
	d=$LAB_DIR/postgres
	lab_copy_tls "$d/tls" postgres
	if [ -n "${LAB_PREP_postgres:-}" ]; then
		wait "$LAB_PREP_postgres" || return 1
		LAB_PREP_postgres=
	fi
	lab_port LAB_PG_PORT 5432
	lab_bg postgres setpriv --reuid postgres --regid postgres --init-groups \
	    "$LAB_PG_BIN/postgres" -D "$d/data" -k "$d" -p "$LAB_PG_PORT" \
	    -h "$LAB_ADDR" -c ssl=on -c "ssl_cert_file=$d/tls/chain.crt" \
	    -c "ssl_key_file=$d/tls/leaf.key" -c fsync=off \
	    -c logging_collector=off -c max_connections=100
	LAB_POSTGRES_PID=$LAB_PID
}

lab_ready_postgres() {
	# SSLRequest: 8 bytes, code 80877103; the server answers 'S'.
	lab_wait postgres "$LAB_POSTGRES_PID" lab_probe "$LAB_PG_PORT" 0 \
	    '\x00\x00\x00\x08\x04\xd2\x16\x2f' '^S' || return 1
	LAB_PG_VERSION=$("$LAB_PG_BIN/postgres" --version |
	    sed 's/^[^0-9]*\([0-9][0-9.]*\).*/\1/')
	export LAB_PG_PORT LAB_PG_VERSION
	lab_expect "$LAB_PG_PORT" postgres
}

# --- mariadb --------------------------------------------------------------

# lab_prepare_mariadb: the system tables (run in the background).
lab_prepare_mariadb() {
	mkdir -p "$LAB_DIR/mariadb"
	chown mysql "$LAB_DIR/mariadb"
	mariadb-install-db --no-defaults --user=mysql \
	    --datadir="$LAB_DIR/mariadb/data" \
	    --auth-root-authentication-method=socket --skip-test-db \
	    >>"$LAB_DIR/mariadb.log" 2>&1
}

lab_launch_mariadb() {
	local d
	d=$LAB_DIR/mariadb
	lab_copy_tls "$d/tls" mysql
	if [ -n "${LAB_PREP_mariadb:-}" ]; then
		wait "$LAB_PREP_mariadb" || return 1
		LAB_PREP_mariadb=
	fi
	lab_port LAB_MYSQL_PORT 3306
	lab_bg mariadb mariadbd --no-defaults --user=mysql --datadir="$d/data" \
	    --socket="$d/sock" --pid-file="$d/pid" --port="$LAB_MYSQL_PORT" \
	    --bind-address="$LAB_ADDR" --skip-name-resolve \
	    --ssl-cert="$d/tls/chain.crt" --ssl-key="$d/tls/leaf.key" \
	    --innodb-buffer-pool-size=16M --skip-log-bin --log-error="$d/error.log"
	LAB_MARIADB_PID=$LAB_PID
}

lab_ready_mariadb() {
	local d
	d=$LAB_DIR/mariadb
	# Before the grant every TCP client is refused: wait for the socket.
	lab_wait mariadb "$LAB_MARIADB_PID" \
	    mariadb --no-defaults -S "$d/sock" -u root -e 'SELECT 1' || return 1
	# MariaDB checks the client's address: a user for 127.0.0.1 (the
	# source of every loopback connection unless bound otherwise), none for
	# LAB_ADDR2, whose clients get "Host ... is not allowed".
	mariadb --no-defaults -S "$d/sock" -u root -e \
	    "CREATE USER 'nraylab'@'127.0.0.1' IDENTIFIED BY 'x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')'" \
	    >>"$LAB_DIR/mariadb.log" 2>&1 || {
		LAB_WHY="CREATE USER failed; see $LAB_DIR/mariadb.log"
		return 1
	}
	# Handshake v10: protocol byte 10, then the NUL-terminated version.
	LAB_MYSQL_VERSION=$(lab_probe "$LAB_MYSQL_PORT" 0 '' \
	    '^....\x0a([^\x00]+)\x00') || {
		LAB_WHY="no handshake on $LAB_ADDR:$LAB_MYSQL_PORT"
		return 1
	}
	export LAB_MYSQL_PORT LAB_MYSQL_VERSION
	lab_expect "$LAB_MYSQL_PORT" mysql
}

# --- start and stop -------------------------------------------------------

# lab_have NAME: 0 when NAME's programs are installed, else records why.
lab_have() {
	local n
	case $1 in
	sshd) set -- sshd /usr/sbin/sshd openssh-server ssh-keygen ssh-keygen openssh-client ;;
	nginx) set -- nginx nginx nginx ;;
	redis) set -- redis redis-server redis-server ;;
	vsftpd) set -- vsftpd vsftpd vsftpd ;;
	exim) set -- exim exim4 exim4-daemon-light ;;
	dovecot) set -- dovecot dovecot dovecot-imapd ;;
	postgres) set -- postgres "$LAB_PG_BIN/postgres" postgresql ;;
	mariadb) set -- mariadb mariadbd mariadb-server mariadb mariadb-client ;;
	*)
		lab_down "$1" "unknown server name"
		return 1
		;;
	esac
	n=$1
	shift
	while [ $# -ge 2 ]; do
		if ! command -v "$1" >/dev/null 2>&1; then
			lab_down "$n" "$1 not installed (Debian package $2)"
			return 1
		fi
		shift 2
	done
}

# lab_start [NAME...]: starts the servers (default: all); 0 when at least one
# runs (see LAB_UP and LAB_DOWN), 1 when none can.
lab_start() {
	local t s ok launched
	if [ "$(id -u)" != 0 ]; then
		lab_log "needs root (daemons drop privileges to their own users)"
		return 1
	fi
	for t in openssl python3 ss setpriv od; do
		if ! command -v $t >/dev/null 2>&1; then
			lab_log "$t not installed"
			return 1
		fi
	done
	[ $# -gt 0 ] || set -- sshd nginx redis vsftpd exim dovecot postgres mariadb
	LAB_PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nray-grablab.XXXXXX") || return 1
	if [ "${LAB_TRAP:-1}" = 1 ]; then
		trap 'lab_stop' EXIT
		trap 'lab_stop; exit 129' HUP
		trap 'lab_stop; exit 130' INT
		trap 'lab_stop; exit 141' PIPE
		trap 'lab_stop; exit 143' TERM
	fi
	# Daemons that drop privileges must reach their files.
	chmod 755 "$LAB_DIR"
	LAB_DOWN=$LAB_DIR/down.txt
	LAB_PORTS=$LAB_DIR/ports.txt
	: >"$LAB_DOWN"
	: >"$LAB_PORTS"
	export LAB_DIR LAB_ADDR LAB_ADDR2 LAB_DOWN LAB_PORTS
	lab_probe_py
	if ! lab_certs; then
		lab_log "openssl could not make the certificates:"
		cat "$LAB_DIR/tls/openssl.log" >&2
		return 1
	fi
	# Slow preparations in the background, then launch every server, then
	# wait for each: start-up overlaps.
	ok=
	for s in "$@"; do
		lab_have "$s" || continue
		ok="$ok $s"
		case $s in
		postgres | mariadb)
			lab_prepare_$s &
			eval "LAB_PREP_$s=\$!"
			;;
		esac
	done
	launched=
	for s in $ok; do
		if lab_launch_$s; then
			launched="$launched $s"
		else
			lab_down "$s" "could not be set up; see $LAB_DIR/$s.log"
		fi
	done
	LAB_UP=
	for s in $launched; do
		if lab_ready_$s; then
			LAB_UP="$LAB_UP $s"
			continue
		fi
		# Once more on fresh ports: a port picked as free may have been
		# taken meanwhile by another program.
		lab_log "$s: $LAB_WHY; its log ends:"
		tail -n 5 "$LAB_DIR/$s.log" | sed 's/^/servers.sh:   /' >&2
		lab_kill "$s"
		lab_log "$s: trying again on other ports"
		LAB_WHY="could not be set up; see $LAB_DIR/$s.log"
		if lab_launch_$s && lab_ready_$s; then
			LAB_UP="$LAB_UP $s"
		else
			lab_down "$s" "$LAB_WHY"
		fi
	done
	LAB_UP=${LAB_UP# }
	export LAB_UP
	[ -n "$LAB_UP" ]
}

# lab_stop: stops every server (TERM, then KILL after 5 s) and removes
# LAB_DIR (kept, for a look at the logs, with LAB_KEEP=1).  Safe to call
# twice.
lab_stop() {
	local p i
	for p in $LAB_PIDS; do
		# postgres: SIGINT is the fast shutdown (TERM waits for clients).
		if [ "$p" = "${LAB_POSTGRES_PID:-}" ]; then
			kill -INT "$p" 2>/dev/null
		else
			kill -TERM "$p" 2>/dev/null
		fi
	done
	i=0
	for p in $LAB_PIDS; do
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	LAB_PIDS=
	if [ -n "$LAB_DIR" ] && [ "${LAB_KEEP:-0}" = 1 ]; then
		lab_log "LAB_KEEP=1: left $LAB_DIR"
	elif [ -n "$LAB_DIR" ]; then
		rm -rf "$LAB_DIR"
	fi
	LAB_DIR=
}
