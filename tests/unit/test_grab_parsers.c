/*
 * test_grab_parsers.c - nray-grab's protocol modules fed with bytes that
 * real servers sent (OpenSSH 9.2, nginx 1.22, vsftpd 3.0.3, Exim 4.96,
 * Dovecot 2.3, Redis 7.0, MariaDB 10.11, PostgreSQL 15; recorded on
 * loopback, in tests/unit/grab_fixtures/), through the in-memory engine of
 * grab_stub.c.  Each case asserts the exact facts, what the module sent,
 * and the status; a few hand-made inputs cover garbage and edge cases.
 *
 * Fixtures are read relative to $NRAY_SRCDIR (default: the current
 * directory, the top of the tree when run by make).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grab_stub.h"
#include "tap.h"
#include "textproto.h"

extern const struct grab_module mod_ssh, mod_http, mod_https, mod_ftp, mod_smtp,
    mod_smtps, mod_imap, mod_imaps, mod_pop3, mod_pop3s, mod_redis, mod_mysql,
    mod_postgres;

/* The fixture NAME, or NULL (a failed test says why). */
static uint8_t *
fixture(const char *name, size_t *len)
{
	const char *dir = getenv("NRAY_SRCDIR");
	char path[1024];
	uint8_t *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/tests/unit/grab_fixtures/%s",
	    dir ? dir : ".", name);
	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		ok(0, "fixture %s readable", path);
		if (f)
			fclose(f);
		return NULL;
	}
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		ok(0, "fixture %s read", path);
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Feeds fixture NAME, CHUNK bytes at a time (0: all at once). */
static enum grab_next
feed_fixture(struct grab *g, const char *name, size_t chunk)
{
	enum grab_next next = GRAB_FAIL;
	size_t len = 0, off = 0, n;
	uint8_t *buf = fixture(name, &len);

	if (buf == NULL)
		return GRAB_FAIL;
	if (chunk == 0)
		chunk = len;
	do {
		n = len - off < chunk ? len - off : chunk;
		next = grab_stub_feed(g, buf + off, n);
		off += n;
	} while (off < len && !grab_stub_finished(g));
	free(buf);
	return next;
}

static enum grab_next
feed_str(struct grab *g, const char *s)
{
	return grab_stub_feed(g, s, strlen(s));
}

/* The value at a dotted PATH under the module's result ("a.b", "a.0"). */
static json_t *
fact(struct grab *g, const char *path)
{
	json_t *v = grab_result(g);
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof buf, "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v;
	     tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, (size_t)atoi(tok));
		else
			v = json_object_get(v, tok);
	}
	return v;
}

static const char *
fstr(struct grab *g, const char *path)
{
	return json_string_value(fact(g, path));
}

static long long
fint(struct grab *g, const char *path)
{
	json_t *v = fact(g, path);

	return json_is_integer(v) ? json_integer_value(v) : -12345;
}

static int
ftrue(struct grab *g, const char *path)
{
	return json_is_true(fact(g, path));
}

static int
ffalse(struct grab *g, const char *path)
{
	return json_is_false(fact(g, path));
}

static size_t
fsize(struct grab *g, const char *path)
{
	return json_array_size(fact(g, path));
}

static const char *
service(struct grab *g)
{
	return json_string_value(json_object_get(grab_record(g), "service"));
}

/* True when the bytes sent so far are exactly WANT. */
static int
sent_is(struct grab *g, const char *want, size_t wlen)
{
	size_t len;
	const uint8_t *s = grab_stub_sent(g, &len);

	if (len != wlen || memcmp(s, want, wlen) != 0) {
		printf("#   sent %zu bytes: \"%.*s\"\n", len, (int)len, s);
		return 0;
	}
	return 1;
}
#define SENT_IS(g, lit) sent_is((g), (lit), sizeof(lit) - 1)

/* --- ssh ----------------------------------------------------------------- */

/* Checks the client's packets: ident, KEXINIT, KEX_ECDH_INIT of KEYLEN. */
static void
check_ssh_sent(struct grab *g, size_t keylen, const char *what)
{
	size_t len, off = 19, plen, n = 0;
	const uint8_t *s = grab_stub_sent(g, &len);
	uint8_t types[4] = {0};
	size_t qlen = 0;

	ok(len > 19 && memcmp(s, "SSH-2.0-nray_grab\r\n", 19) == 0,
	    "%s: identification sent first", what);
	while (off + 5 <= len && n < 4) {
		plen = (size_t)s[off] << 24 | (size_t)s[off + 1] << 16 |
		    (size_t)s[off + 2] << 8 | s[off + 3];
		if ((plen + 4) % 8 != 0 || s[off + 4] < 4 ||
		    off + 4 + plen > len)
			break;
		types[n++] = s[off + 5];
		if (s[off + 5] == 30)
			qlen = (size_t)s[off + 6] << 24 |
			    (size_t)s[off + 7] << 16 | (size_t)s[off + 8] << 8 |
			    s[off + 9];
		off += 4 + plen;
	}
	is_int(off, len, "%s: whole packets, block-aligned", what);
	ok(n == 2 && types[0] == 20 && types[1] == 30,
	    "%s: KEXINIT then KEX_ECDH_INIT", what);
	is_int(qlen, keylen, "%s: ephemeral key size", what);
}

static void
test_ssh(void)
{
	struct grab *g;
	char junk[64 * 40];
	int i;

	g = grab_stub_new(&mod_ssh, 22);
	is_int(grab_stub_start(g), GRAB_MORE, "ssh: start waits");
	is_int(feed_fixture(g, "ssh-openssh-ed25519", 7), GRAB_DONE,
	    "ssh: OpenSSH (curve25519, ed25519) done, fed 7 bytes at a time");
	is_str(grab_stub_status(g), "success", "ssh: success");
	is_str(fstr(g, "ident"), "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10",
	    "ssh: ident");
	is_str(fstr(g, "software"), "OpenSSH_9.2p1", "ssh: software");
	is_str(fstr(g, "version"), "2.0", "ssh: version");
	is_str(fstr(g, "comment"), "Debian-2+deb12u10", "ssh: comment");
	is_str(fstr(g, "host_key.type"), "ssh-ed25519", "ssh: host key type");
	/* What ssh-keygen -lf printed for the lab's key. */
	is_str(fstr(g, "host_key.sha256"),
	    "VljqLfiy5014rYQU4m2Tow1hh3p+mC+jt6dCegxQLtI", "ssh: sha256");
	is_str(fstr(g, "host_key.fingerprint"),
	    "SHA256:VljqLfiy5014rYQU4m2Tow1hh3p+mC+jt6dCegxQLtI",
	    "ssh: fingerprint");
	is_int(fint(g, "host_key.bits"), 256, "ssh: ed25519 bits");
	is_int(fsize(g, "kex.kex_algorithms"), 12, "ssh: 12 kex algorithms");
	is_str(fstr(g, "kex.kex_algorithms.0"), "sntrup761x25519-sha512",
	    "ssh: first kex algorithm");
	is_str(fstr(g, "kex.host_key_algorithms.2"), "rsa-sha2-256",
	    "ssh: host key algorithms");
	is_str(fstr(g, "kex.macs_s2c.9"), "hmac-sha1", "ssh: last MAC");
	is_str(fstr(g, "kex.compression_c2s.1"), "zlib@openssh.com",
	    "ssh: compression");
	is_str(service(g), "ssh", "ssh: service");
	check_ssh_sent(g, 32, "ssh curve25519");
	grab_stub_free(g);

	g = grab_stub_new(&mod_ssh, 22);
	grab_stub_start(g);
	is_int(feed_fixture(g, "ssh-openssh-rsa-nistp256", 0), GRAB_DONE,
	    "ssh: OpenSSH with only ecdh-sha2-nistp256 and an RSA key");
	is_str(fstr(g, "host_key.type"), "ssh-rsa", "ssh: rsa type");
	is_str(fstr(g, "host_key.sha256"),
	    "iwj9acp848PPGl1OkIuM0AdeERukkv7qwavG8cnjJ9s", "ssh: rsa sha256");
	is_int(fint(g, "host_key.bits"), 3072, "ssh: rsa bits");
	check_ssh_sent(g, 65, "ssh nistp256");
	grab_stub_free(g);

	/* Pre-identification lines are allowed, but not forever. */
	for (i = 0, junk[0] = '\0'; i < 40; i++)
		strcat(junk, "HTTP/1.1 400 Bad Request\r\n");
	g = grab_stub_new(&mod_ssh, 22);
	grab_stub_start(g);
	is_int(feed_str(g, junk), GRAB_FAIL, "ssh: 40 junk lines fail");
	is_str(grab_stub_status(g), "protocol-error", "ssh: protocol-error");
	is_str(fstr(g, "error"), "no SSH identification string", "ssh: error");
	grab_stub_free(g);

	g = grab_stub_new(&mod_ssh, 22);
	grab_stub_start(g);
	feed_str(g, "SSH-2.0-x\r\n");
	is_int(grab_stub_feed(g, "\x7f\xff\xff\xff\x08", 5), GRAB_FAIL,
	    "ssh: huge packet length refused");
	is_str(grab_stub_status(g), "protocol-error", "ssh: bounded packets");
	grab_stub_free(g);

	g = grab_stub_new(&mod_ssh, 22);
	grab_stub_start(g);
	feed_str(g, "SSH-2.0-x\r\n");
	is_int(grab_stub_feed(g,
	           "\0\0\0\x1c\x05\x01\0\0\0\x02\0\0\0\x09too many!"
	           "\0\0\0\0\0\0\0\0\0",
	           32),
	    GRAB_FAIL, "ssh: DISCONNECT ends the grab");
	is_str(grab_stub_status(g), "application-error", "ssh: refused");
	is_str(fstr(g, "error"), "server disconnected (2): too many!",
	    "ssh: disconnect text");
	grab_stub_free(g);

	g = grab_stub_new(&mod_ssh, 22);
	grab_stub_start(g);
	grab_stub_clear_sent(g);
	is_int(feed_str(g, "SSH-1.5-Cisco-1.25\r\n"), GRAB_DONE, "ssh: SSH-1");
	is_str(fstr(g, "software"), "Cisco-1.25", "ssh: SSH-1 software");
	ok(SENT_IS(g, ""), "ssh: no KEXINIT to SSH-1");
	grab_stub_free(g);

	g = grab_stub_new(&mod_ssh, 22);
	grab_stub_start(g);
	is_int(grab_stub_eof(g), GRAB_FAIL, "ssh: silent server");
	is_str(grab_stub_status(g), "protocol-error", "ssh: eof status");
	grab_stub_free(g);
}

/* --- http ---------------------------------------------------------------- */

static struct grab *
http_grab(const struct grab_module *m, uint16_t port, size_t max_body,
    int redirects, int favicon, const char *path)
{
	struct grab *g = grab_stub_new(m, port);
	struct grab_config cfg = *grab_config(g);

	cfg.max_body = max_body;
	cfg.max_redirects = redirects;
	cfg.favicon = favicon;
	cfg.http_path = path;
	grab_stub_set_config(g, &cfg);
	grab_stub_start(g);
	return g;
}

static void
test_http(void)
{
	struct grab *g;
	int i;

	g = http_grab(&mod_http, 8081, 1024, 3, 0, "/");
	ok(SENT_IS(g,
	       "GET / HTTP/1.1\r\nHost: 127.0.0.1:8081\r\n"
	       "User-Agent: nray-grab/test\r\nAccept: */*\r\n"
	       "Connection: close\r\n\r\n"),
	    "http: request");
	is_int(feed_fixture(g, "http-nginx-root", 1), GRAB_DONE,
	    "http: nginx page, byte by byte");
	is_str(grab_stub_status(g), "success", "http: success");
	is_int(fint(g, "status_code"), 200, "http: status_code");
	is_str(fstr(g, "status_line"), "HTTP/1.1 200 OK", "http: status_line");
	is_str(fstr(g, "protocol"), "HTTP/1.1", "http: protocol");
	is_str(fstr(g, "server"), "nginx/1.22.1", "http: server");
	is_str(fstr(g, "headers.etag"), "\"6b09741c-49\"", "http: a header");
	is_str(fstr(g, "content_type"), "text/html", "http: content_type");
	is_int(fint(g, "content_length"), 73, "http: content_length");
	is_str(fstr(g, "title"), "nray lab page", "http: title");
	is_str(fstr(g, "body"),
	    "<html><head><title>nray lab page</title></head>"
	    "<body>hello</body></html>\n",
	    "http: body");
	is_str(fstr(g, "body_sha256"),
	    "9a803a9d8b5b6ff529b144bbdd003f23a6bb251fef6b59fc6d7873044d29bfd9",
	    "http: body_sha256");
	ok(ffalse(g, "body_truncated"), "http: not truncated");
	is_str(
	    fstr(g, "final_url"), "http://127.0.0.1:8081/", "http: final_url");
	is_str(service(g), "http", "http: service");
	grab_stub_free(g);

	/* A redirect on the same address, then the icon: three connections. */
	g = http_grab(&mod_https, 8443, 1024, 3, 1, "/old");
	is_int(feed_fixture(g, "https-nginx-redirect.0", 0), GRAB_MORE,
	    "https: 301 leads to a new connection");
	ok(SENT_IS(g,
	       "GET /old HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n"
	       "User-Agent: nray-grab/test\r\nAccept: */*\r\n"
	       "Connection: close\r\n\r\n"
	       "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n"
	       "User-Agent: nray-grab/test\r\nAccept: */*\r\n"
	       "Connection: close\r\n\r\n"),
	    "https: the redirect's path requested");
	is_int(feed_fixture(g, "https-nginx-redirect.1", 0), GRAB_MORE,
	    "https: page, then the favicon");
	is_int(feed_fixture(g, "https-nginx-redirect.2", 100), GRAB_DONE,
	    "https: favicon read");
	is_int(grab_stub_reconnect_count(g), 2, "https: two reconnects");
	is_int(fint(g, "redirects.0.status_code"), 301, "https: redirect code");
	is_str(fstr(g, "redirects.0.location"),
	    "https://127.0.0.1:8443/index.html", "https: redirect location");
	is_str(fstr(g, "final_url"), "https://127.0.0.1:8443/index.html",
	    "https: final_url");
	is_str(fstr(g, "title"), "nray lab page", "https: final page's title");
	is_int(fint(g, "status_code"), 200, "https: final status");
	is_int(fint(g, "favicon.status_code"), 200, "favicon: status");
	/* Python: mmh3.hash(base64.encodebytes(icon)) of the lab's icon. */
	is_int(fint(g, "favicon.mmh3"), 928480596, "favicon: mmh3");
	is_str(fstr(g, "favicon.sha256"),
	    "89bbb40ada66ad314aa2e2e8be43a5c20c18b106ac5f735707dc02ceb40a1a9a",
	    "favicon: sha256");
	is_str(service(g), "https", "https: service");
	grab_stub_free(g);

	g = http_grab(&mod_http, 80, 4, 3, 0, "/");
	is_int(feed_str(g,
	           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	           "Set-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n"
	           "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n"
	           "X-Trailer: 1\r\n\r\n"),
	    GRAB_DONE, "http: chunked body");
	is_str(fstr(g, "body"), "hell", "http: body cut at max_body");
	ok(ftrue(g, "body_truncated"), "http: body_truncated");
	is_str(fstr(g, "body_sha256"),
	    "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
	    "http: hash covers the whole body");
	is_str(fstr(g, "headers.set-cookie.1"), "b=2",
	    "http: a repeated header is an array");
	is_str(
	    fstr(g, "final_url"), "http://127.0.0.1/", "http: port 80 implied");
	grab_stub_free(g);

	g = http_grab(&mod_http, 80, 1024, 3, 0, "/");
	is_int(feed_str(g,
	           "HTTP/1.0 302 Found\r\nLocation: http://example.com/"
	           "\r\n\r\nmoved"),
	    GRAB_MORE, "http: body until close");
	is_int(grab_stub_eof(g), GRAB_DONE, "http: eof ends the body");
	is_int(grab_stub_reconnect_count(g), 0,
	    "http: redirect elsewhere not followed");
	is_int(fint(g, "status_code"), 302, "http: the 302 is the result");
	is_str(fstr(g, "body"), "moved", "http: body read to close");
	ok(fact(g, "redirects") == NULL, "http: no redirects recorded");
	grab_stub_free(g);

	g = http_grab(&mod_http, 80, 1024, 0, 0, "/");
	feed_str(g,
	    "HTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n");
	is_int(grab_stub_reconnect_count(g), 0, "http: max_redirects 0");
	grab_stub_free(g);

	g = http_grab(&mod_http, 80, 1024, 3, 0, "/");
	is_int(feed_str(g, "SSH-2.0-OpenSSH_9.2\r\n"), GRAB_FAIL,
	    "http: not HTTP fails at once");
	is_str(grab_stub_status(g), "protocol-error", "http: protocol-error");
	is_str(fstr(g, "error"), "not an HTTP response", "http: error text");
	grab_stub_free(g);

	g = http_grab(&mod_http, 80, 1024, 3, 0, "/");
	is_int(feed_str(g, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
	    GRAB_MORE, "http: short body waits");
	is_int(grab_stub_eof(g), GRAB_DONE, "http: short body, eof");
	ok(ftrue(g, "body_truncated"), "http: short body is truncated");
	grab_stub_free(g);

	/* 100 bytes of max_read: 37 of head, then 63 of body at most. */
	g = grab_stub_new(&mod_http, 80);
	{
		struct grab_config cfg = *grab_config(g);

		cfg.max_read = 100;
		cfg.favicon = 1;
		grab_stub_set_config(g, &cfg);
	}
	grab_stub_start(g);
	feed_str(g, "HTTP/1.1 200 OK\r\nLocation: /again\r\n\r\n");
	for (i = 0; i < 7; i++)
		feed_str(g, "0123456789");
	is_int(grab_stub_feed(g, "", 0), GRAB_DONE, "http: stops at max_read");
	is_int(grab_stub_reconnect_count(g), 0, "http: no favicon after it");
	ok(ftrue(g, "body_truncated"), "http: cut at max_read");
	is_int(strlen(fstr(g, "body") ? fstr(g, "body") : ""), 63,
	    "http: the body up to max_read");
	grab_stub_free(g);

	g = http_grab(&mod_http, 80, 1024, 3, 0, "/");
	feed_str(g,
	    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
	    "Content-Length: 5\r\n\r\nabcde");
	is_int(grab_stub_eof(g), GRAB_DONE, "http: two lengths, read to close");
	ok(fact(g, "content_length") == NULL, "http: no content_length");
	is_str(fstr(g, "body"), "abcde", "http: conflicting lengths ignored");
	grab_stub_free(g);

	g = http_grab(&mod_http, 80, 1024, 3, 0, "/");
	feed_str(g, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc");
	is_int(grab_stub_timeout(g), GRAB_DONE, "http: quiet after part");
	is_str(fstr(g, "body"), "abc", "http: kept what came");
	ok(ftrue(g, "body_truncated"), "http: marked truncated");
	grab_stub_free(g);

	g = http_grab(&mod_http, 80, 1024, 3, 0, "/");
	is_int(feed_str(g, "HTTP/1.1 200 OK\r\nContent-Len"), GRAB_MORE,
	    "http: partial head waits");
	is_int(grab_stub_eof(g), GRAB_FAIL, "http: eof inside the head");
	is_str(grab_stub_status(g), "protocol-error", "http: head cut");
	grab_stub_free(g);

	g = http_grab(&mod_http, 80, 1024, 3, 0, "/");
	is_int(feed_str(g,
	           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	           "\r\nzz\r\n"),
	    GRAB_FAIL, "http: bad chunk size");
	grab_stub_free(g);

	g = http_grab(&mod_http, 80, 1024, 3, 0, "/");
	is_int(feed_str(g,
	           "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No "
	           "Content\r\nServer: \xff\r\n\r\n"),
	    GRAB_DONE, "http: 100 then 204");
	is_int(fint(g, "status_code"), 204, "http: interim answer skipped");
	is_str(fstr(g, "server"), "\xc3\xbf", "http: byte 0xff as U+00FF");
	grab_stub_free(g);
}

/* --- ftp, smtp, imap, pop3 ----------------------------------------------- */

static void
test_ftp(void)
{
	struct grab *g;

	g = grab_stub_new(&mod_ftp, 21);
	grab_stub_start(g);
	is_int(feed_fixture(g, "ftp-vsftpd", 0), GRAB_DONE,
	    "ftp: vsftpd, FEAT, AUTH TLS");
	is_str(grab_stub_status(g), "success", "ftp: success");
	is_str(fstr(g, "banner"), "220 (vsFTPd 3.0.3)", "ftp: banner");
	is_int(fint(g, "code"), 220, "ftp: code");
	is_int(fsize(g, "features"), 8, "ftp: 8 features");
	is_str(fstr(g, "features.0"), "AUTH TLS", "ftp: first feature");
	is_str(fstr(g, "features.5"), "REST STREAM", "ftp: feature text");
	ok(ftrue(g, "auth_tls"), "ftp: auth_tls");
	is_int(grab_stub_starttls_count(g), 1, "ftp: TLS upgrade asked");
	ok(SENT_IS(g, "FEAT\r\nAUTH TLS\r\nQUIT\r\n"), "ftp: commands sent");
	is_str(service(g), "ftp", "ftp: service");
	grab_stub_free(g);

	g = grab_stub_new(&mod_ftp, 21);
	grab_stub_start(g);
	is_int(feed_fixture(g, "ftp-vsftpd-oops", 0), GRAB_FAIL,
	    "ftp: vsftpd refusing");
	is_str(grab_stub_status(g), "application-error", "ftp: refused");
	is_str(fstr(g, "banner"),
	    "500 OOPS: vsftpd: both local and anonymous access disabled!",
	    "ftp: refusal recorded");
	is_str(service(g), "ftp", "ftp: still ftp");
	grab_stub_free(g);

	g = grab_stub_new(&mod_ftp, 21);
	grab_stub_start(g);
	is_int(feed_fixture(g, "smtp-exim", 0), GRAB_FAIL, "ftp: SMTP server");
	is_str(grab_stub_status(g), "protocol-error", "ftp: not FTP");
	grab_stub_free(g);

	g = grab_stub_new(&mod_ftp, 21);
	grab_stub_start(g);
	is_int(
	    feed_str(g, "\x16\x03\x01garbage\r\n"), GRAB_FAIL, "ftp: garbage");
	is_str(fstr(g, "error"), "not an FTP reply", "ftp: error text");
	grab_stub_free(g);
}

static void
test_smtp(void)
{
	struct grab *g;

	g = grab_stub_new(&mod_smtp, 25);
	grab_stub_start(g);
	is_int(feed_fixture(g, "smtp-exim", 3), GRAB_MORE,
	    "smtp: Exim, EHLO, STARTTLS, then EHLO over TLS");
	is_int(grab_stub_starttls_count(g), 1, "smtp: STARTTLS done");
	is_int(feed_fixture(g, "smtp-exim.tls", 0), GRAB_DONE, "smtp: done");
	is_str(grab_stub_status(g), "success", "smtp: success");
	is_str(fstr(g, "banner"),
	    "220 lab.example ESMTP Exim 4.96 Fri, 27 Nov 2026 12:16:26 +0000",
	    "smtp: banner");
	is_int(fint(g, "code"), 220, "smtp: code");
	is_str(fstr(g, "ehlo"),
	    "250-lab.example Hello nray-grab.invalid [127.0.0.1]\n"
	    "250-SIZE 52428800\n250-8BITMIME\n250-PIPELINING\n"
	    "250-PIPECONNECT\n250-CHUNKING\n250-STARTTLS\n250-SMTPUTF8\n"
	    "250 HELP",
	    "smtp: ehlo text");
	is_int(fsize(g, "extensions"), 8, "smtp: 8 extensions");
	is_str(fstr(g, "extensions.0"), "SIZE", "smtp: keyword only");
	is_str(fstr(g, "extensions.5"), "STARTTLS", "smtp: STARTTLS listed");
	ok(ftrue(g, "starttls"), "smtp: starttls");
	ok(fstr(g, "ehlo_tls") && !strstr(fstr(g, "ehlo_tls"), "STARTTLS") &&
	        strstr(fstr(g, "ehlo_tls"), "250 HELP"),
	    "smtp: ehlo_tls");
	ok(SENT_IS(g,
	       "EHLO nray-grab.invalid\r\nSTARTTLS\r\n"
	       "EHLO nray-grab.invalid\r\nQUIT\r\n"),
	    "smtp: commands sent");
	is_str(service(g), "smtp", "smtp: service");
	grab_stub_free(g);

	g = grab_stub_new(&mod_smtps, 465);
	grab_stub_start(g);
	feed_str(g, "220 mx ESMTP\r\n");
	is_int(feed_str(g, "250-mx\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
	    GRAB_DONE, "smtps: no STARTTLS inside TLS");
	ok(fact(g, "starttls") == NULL, "smtps: no starttls fact");
	is_int(grab_stub_starttls_count(g), 0, "smtps: no upgrade");
	grab_stub_free(g);

	g = grab_stub_new(&mod_smtp, 25);
	grab_stub_start(g);
	is_int(feed_str(g, "554 5.7.1 go away\r\n"), GRAB_FAIL, "smtp: 554");
	is_str(grab_stub_status(g), "application-error", "smtp: refused");
	is_str(service(g), "smtp", "smtp: still smtp");
	grab_stub_free(g);

	g = grab_stub_new(&mod_smtp, 25);
	grab_stub_start(g);
	is_int(feed_fixture(g, "ftp-vsftpd", 0), GRAB_FAIL, "smtp: FTP server");
	is_str(grab_stub_status(g), "protocol-error", "smtp: not SMTP");
	grab_stub_free(g);
}

static void
test_mail(void)
{
	struct grab *g;

	g = grab_stub_new(&mod_imap, 143);
	grab_stub_start(g);
	is_int(feed_fixture(g, "imap-dovecot", 5), GRAB_MORE,
	    "imap: Dovecot, CAPABILITY, STARTTLS");
	is_int(feed_fixture(g, "imap-dovecot.tls", 0), GRAB_DONE, "imap: done");
	is_str(grab_stub_status(g), "success", "imap: success");
	is_str(fstr(g, "banner"),
	    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
	    "LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.",
	    "imap: banner");
	is_int(fsize(g, "capabilities"), 9, "imap: 9 capabilities");
	is_str(fstr(g, "capabilities.7"), "STARTTLS", "imap: STARTTLS");
	ok(ftrue(g, "starttls"), "imap: starttls");
	is_int(fsize(g, "capabilities_tls"), 8, "imap: 8 over TLS");
	is_str(fstr(g, "capabilities_tls.7"), "AUTH=PLAIN", "imap: after TLS");
	ok(SENT_IS(g,
	       "a1 CAPABILITY\r\na2 STARTTLS\r\na3 CAPABILITY\r\n"
	       "a4 LOGOUT\r\n"),
	    "imap: commands sent");
	is_str(service(g), "imap", "imap: service");
	grab_stub_free(g);

	g = grab_stub_new(&mod_imaps, 993);
	grab_stub_start(g);
	is_int(feed_fixture(g, "imaps-dovecot", 0), GRAB_DONE, "imaps: done");
	is_int(fsize(g, "capabilities"), 8, "imaps: 8 capabilities");
	ok(fact(g, "starttls") == NULL, "imaps: no starttls fact");
	is_str(service(g), "imap", "imaps: service imap");
	grab_stub_free(g);

	g = grab_stub_new(&mod_pop3, 110);
	grab_stub_start(g);
	is_int(feed_fixture(g, "pop3-dovecot", 1), GRAB_MORE,
	    "pop3: Dovecot, CAPA, STLS");
	is_int(feed_fixture(g, "pop3-dovecot.tls", 0), GRAB_DONE, "pop3: done");
	is_str(
	    fstr(g, "banner"), "+OK Dovecot (Debian) ready.", "pop3: banner");
	is_int(fsize(g, "capabilities"), 9, "pop3: 9 capabilities");
	is_str(fstr(g, "capabilities.8"), "SASL PLAIN", "pop3: whole line");
	ok(ftrue(g, "stls"), "pop3: stls");
	is_int(fsize(g, "capabilities_tls"), 8, "pop3: 8 over TLS");
	ok(SENT_IS(g, "CAPA\r\nSTLS\r\nCAPA\r\nQUIT\r\n"), "pop3: commands");
	is_str(service(g), "pop3", "pop3: service");
	grab_stub_free(g);

	g = grab_stub_new(&mod_pop3s, 995);
	grab_stub_start(g);
	is_int(feed_fixture(g, "pop3s-dovecot", 0), GRAB_DONE, "pop3s: done");
	is_int(fsize(g, "capabilities"), 8, "pop3s: 8 capabilities");
	grab_stub_free(g);

	g = grab_stub_new(&mod_imap, 143);
	grab_stub_start(g);
	is_int(feed_str(g, "+OK Dovecot ready.\r\n"), GRAB_FAIL,
	    "imap: a POP3 greeting");
	is_str(grab_stub_status(g), "protocol-error", "imap: not IMAP");
	grab_stub_free(g);

	g = grab_stub_new(&mod_pop3, 110);
	grab_stub_start(g);
	is_int(
	    feed_str(g, "-ERR [SYS/TEMP] busy\r\n"), GRAB_FAIL, "pop3: -ERR");
	is_str(grab_stub_status(g), "application-error", "pop3: refused");
	grab_stub_free(g);
}

/* --- redis, mysql, postgres ---------------------------------------------- */

static void
test_redis(void)
{
	struct grab *g;

	g = grab_stub_new(&mod_redis, 6379);
	grab_stub_start(g);
	ok(SENT_IS(g, "*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"), "redis: INFO");
	is_int(feed_fixture(g, "redis-info", 11), GRAB_DONE, "redis: 7.0 INFO");
	is_str(grab_stub_status(g), "success", "redis: success");
	is_str(fstr(g, "version"), "7.0.15", "redis: version");
	is_str(fstr(g, "mode"), "standalone", "redis: mode");
	is_str(fstr(g, "os"), "Linux 6.18.44-fc-v657 x86_64", "redis: os");
	ok(ffalse(g, "auth_required"), "redis: no auth");
	is_str(fstr(g, "info.tcp_port"), "6380", "redis: raw INFO field");
	is_str(fstr(g, "info.config_file"), "", "redis: empty field");
	is_int(json_object_size(fact(g, "info")), 24, "redis: 24 fields");
	is_str(service(g), "redis", "redis: service");
	grab_stub_free(g);

	g = grab_stub_new(&mod_redis, 6379);
	grab_stub_start(g);
	is_int(feed_fixture(g, "redis-noauth", 0), GRAB_DONE, "redis: NOAUTH");
	is_str(grab_stub_status(g), "success", "redis: still a result");
	ok(ftrue(g, "auth_required"), "redis: auth_required");
	is_str(service(g), "redis", "redis: service with auth");
	grab_stub_free(g);

	g = grab_stub_new(&mod_redis, 6379);
	grab_stub_start(g);
	is_int(feed_str(g, "HTTP/1.1 400 Bad Request\r\n"), GRAB_FAIL,
	    "redis: HTTP answer");
	is_str(grab_stub_status(g), "protocol-error", "redis: not RESP");
	grab_stub_free(g);

	g = grab_stub_new(&mod_redis, 6379);
	grab_stub_start(g);
	is_int(feed_str(g, "$99999999999\r\n"), GRAB_FAIL, "redis: huge bulk");
	grab_stub_free(g);

	g = grab_stub_new(&mod_redis, 6379);
	grab_stub_start(g);
	is_int(feed_str(g, "-DENIED Redis is running in protected mode\r\n"),
	    GRAB_FAIL, "redis: protected mode");
	is_str(grab_stub_status(g), "application-error", "redis: refused");
	grab_stub_free(g);
}

static void
test_mysql(void)
{
	struct grab *g;

	g = grab_stub_new(&mod_mysql, 3306);
	is_int(grab_stub_start(g), GRAB_MORE, "mysql: waits for the server");
	is_int(feed_fixture(g, "mysql-mariadb", 9), GRAB_DONE,
	    "mysql: MariaDB handshake");
	is_str(grab_stub_status(g), "success", "mysql: success");
	is_int(fint(g, "protocol_version"), 10, "mysql: protocol 10");
	is_str(fstr(g, "server_version"), "5.5.5-10.11.19-MariaDB-0+deb12u1",
	    "mysql: server_version");
	is_int(fint(g, "connection_id"), 5, "mysql: connection_id");
	is_str(fstr(g, "auth_plugin"), "mysql_native_password",
	    "mysql: auth_plugin");
	ok(ffalse(g, "tls_supported"), "mysql: no TLS configured");
	is_int(fsize(g, "capabilities"), 24, "mysql: 24 capabilities");
	is_str(fstr(g, "capabilities.8"), "CLIENT_PROTOCOL_41",
	    "mysql: capability names");
	is_str(service(g), "mysql", "mysql: service");
	grab_stub_free(g);

	g = grab_stub_new(&mod_mysql, 3306);
	grab_stub_start(g);
	is_int(feed_fixture(g, "mysql-mariadb-denied", 0), GRAB_FAIL,
	    "mysql: host not allowed");
	is_str(grab_stub_status(g), "application-error", "mysql: refused");
	is_int(fint(g, "code"), 1130, "mysql: error code");
	is_str(fstr(g, "message"),
	    "Host '127.0.0.1' is not allowed to connect to this MariaDB server",
	    "mysql: error message");
	is_str(service(g), "mysql", "mysql: still mysql");
	grab_stub_free(g);

	/* MySQL's 4.1 form: '#' and an SQL state before the message. */
	g = grab_stub_new(&mod_mysql, 3306);
	grab_stub_start(g);
	is_int(grab_stub_feed(
	           g, "\x1d\0\0\0\xff\x10\x04#08004Too many connections", 33),
	    GRAB_FAIL, "mysql: error with SQL state");
	is_int(fint(g, "code"), 1040, "mysql: 1040");
	is_str(fstr(g, "message"), "Too many connections",
	    "mysql: state not in the message");
	grab_stub_free(g);

	g = grab_stub_new(&mod_mysql, 3306);
	grab_stub_start(g);
	is_int(feed_fixture(g, "ssh-openssh-ed25519", 0), GRAB_FAIL,
	    "mysql: an SSH server");
	is_str(grab_stub_status(g), "protocol-error", "mysql: not MySQL");
	grab_stub_free(g);
}

static const char pg_startup[] =
    "\0\0\0\x3c\0\x03\0\0user\0nray\0database\0nray\0"
    "application_name\0nray-grab\0";

static void
test_postgres(void)
{
	struct grab *g;

	g = grab_stub_new(&mod_postgres, 5432);
	grab_stub_start(g);
	ok(SENT_IS(g, "\0\0\0\x08\x04\xd2\x16\x2f"), "postgres: SSLRequest");
	grab_stub_clear_sent(g);
	is_int(feed_fixture(g, "postgres-scram.0", 0), GRAB_MORE,
	    "postgres: 'S', then a new connection");
	is_int(grab_stub_reconnect_count(g), 1, "postgres: reconnected");
	ok(sent_is(g, pg_startup, sizeof pg_startup), "postgres: startup");
	is_int(feed_fixture(g, "postgres-scram.1", 0), GRAB_DONE,
	    "postgres: SCRAM asked");
	is_str(grab_stub_status(g), "success", "postgres: success");
	ok(ftrue(g, "tls_supported"), "postgres: tls_supported");
	is_str(fstr(g, "auth_method"), "sasl", "postgres: auth_method");
	is_int(fint(g, "auth_code"), 10, "postgres: auth_code");
	is_str(fstr(g, "sasl_mechanisms.0"), "SCRAM-SHA-256",
	    "postgres: mechanisms");
	is_str(service(g), "postgres", "postgres: service");
	grab_stub_free(g);

	g = grab_stub_new(&mod_postgres, 5432);
	grab_stub_start(g);
	feed_fixture(g, "postgres-trust.0", 0);
	is_int(feed_fixture(g, "postgres-trust.1", 13), GRAB_DONE,
	    "postgres: trust, parameters, ready");
	is_str(fstr(g, "auth_method"), "ok", "postgres: let in");
	is_str(fstr(g, "server_version"), "15.18 (Debian 15.18-0+deb12u1)",
	    "postgres: server_version");
	grab_stub_free(g);

	g = grab_stub_new(&mod_postgres, 5432);
	grab_stub_start(g);
	feed_fixture(g, "postgres-nohba.0", 0);
	is_int(feed_fixture(g, "postgres-nohba.1", 0), GRAB_FAIL,
	    "postgres: no pg_hba.conf entry");
	is_str(grab_stub_status(g), "application-error", "postgres: refused");
	is_str(fstr(g, "severity"), "FATAL", "postgres: severity");
	is_str(fstr(g, "code"), "28000", "postgres: SQLSTATE");
	is_str(fstr(g, "message"),
	    "no pg_hba.conf entry for host \"127.0.0.1\", user \"nray\", "
	    "database \"nray\", no encryption",
	    "postgres: message");
	is_str(service(g), "postgres", "postgres: still postgres");
	grab_stub_free(g);

	g = grab_stub_new(&mod_postgres, 5432);
	grab_stub_start(g);
	feed_fixture(g, "postgres-norole.0", 0);
	is_int(feed_fixture(g, "postgres-norole.1", 0), GRAB_FAIL,
	    "postgres: no such role");
	is_str(fstr(g, "message"), "role \"nray\" does not exist",
	    "postgres: role message");
	grab_stub_free(g);

	/* 'N': the startup message follows on the same connection. */
	g = grab_stub_new(&mod_postgres, 5432);
	grab_stub_start(g);
	grab_stub_clear_sent(g);
	is_int(feed_str(g, "N"), GRAB_MORE, "postgres: 'N'");
	is_int(grab_stub_reconnect_count(g), 0, "postgres: same connection");
	ok(sent_is(g, pg_startup, sizeof pg_startup), "postgres: startup");
	is_int(feed_fixture(g, "postgres-scram.1", 0), GRAB_DONE,
	    "postgres: answer");
	ok(ffalse(g, "tls_supported"), "postgres: no TLS");
	grab_stub_free(g);

	g = grab_stub_new(&mod_postgres, 5432);
	grab_stub_start(g);
	is_int(feed_str(g, "SSH-2.0-OpenSSH_9.2\r\n"), GRAB_FAIL,
	    "postgres: an SSH server is not an 'S'");
	ok(service(g) == NULL, "postgres: no verdict");
	grab_stub_free(g);

	g = grab_stub_new(&mod_postgres, 5432);
	grab_stub_start(g);
	is_int(feed_str(g, "HTTP/1.1 400"), GRAB_FAIL, "postgres: garbage");
	is_str(grab_stub_status(g), "protocol-error", "postgres: not postgres");
	grab_stub_free(g);
}

int
main(void)
{
	test_ssh();
	test_http();
	test_ftp();
	test_smtp();
	test_mail();
	test_redis();
	test_mysql();
	test_postgres();
	return done_testing();
}
