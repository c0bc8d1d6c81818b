/*
 * mod_ssh.c - the ssh module: the server's identification string, its
 * KEXINIT algorithm lists and its host key.
 *
 * After the identification lines (RFC 4253 section 4.2) both sides send
 * KEXINIT in binary packets (section 6, no cipher and no MAC yet).  The
 * host key only comes with the key exchange reply, so the module does a
 * real curve25519-sha256 exchange (RFC 8731; ecdh-sha2-nistp256 of RFC
 * 5656 when the server lacks it): it sends KEX_ECDH_INIT with a fresh
 * ephemeral key and reads KEX_ECDH_REPLY, whose first field is the host
 * key blob.  It stops there: no NEWKEYS, no authentication, and the
 * signature is not checked (the fingerprint is what a scan records).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "grab.h"
#include "textproto.h"
#include "utf8.h"

#define SSH_MAX_PACKET   65536 /* KEXINIT and the reply are far smaller */
#define SSH_MAX_PRELINES 32    /* lines before the identification */
#define SSH_MAX_IDENT    255   /* RFC 4253: 255 bytes with CR LF */

#define SSH_MSG_DISCONNECT     1
#define SSH_MSG_IGNORE         2
#define SSH_MSG_UNIMPLEMENTED  3
#define SSH_MSG_DEBUG          4
#define SSH_MSG_KEXINIT        20
#define SSH_MSG_KEX_ECDH_INIT  30
#define SSH_MSG_KEX_ECDH_REPLY 31

enum ssh_phase { SSH_IDENT, SSH_KEXINIT, SSH_REPLY, SSH_END };

enum ssh_kex { SSH_KEX_NONE, SSH_KEX_X25519, SSH_KEX_P256 };

struct ssh_state {
	enum ssh_phase phase;
	int prelines;
	enum ssh_kex kex;
};

static const char ssh_our_ident[] = "SSH-2.0-nray_grab\r\n";

/* Our offer, most wanted first; the server takes the first it supports. */
static const char *const ssh_offer[10] = {
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256",
    "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
    "ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256,ssh-rsa,ssh-dss",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-cbc,aes256-cbc,"
    "3des-cbc",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-cbc,aes256-cbc,"
    "3des-cbc",
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
    "umac-128-etm@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha2-256,"
    "hmac-sha2-512,umac-128@openssh.com,umac-64@openssh.com,hmac-sha1",
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
    "umac-128-etm@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha2-256,"
    "hmac-sha2-512,umac-128@openssh.com,umac-64@openssh.com,hmac-sha1",
    "none,zlib@openssh.com,zlib",
    "none,zlib@openssh.com,zlib",
    "",
    "",
};

static const char *const ssh_list_names[8] = {
    "kex_algorithms",
    "host_key_algorithms",
    "ciphers_c2s",
    "ciphers_s2c",
    "macs_c2s",
    "macs_s2c",
    "compression_c2s",
    "compression_s2c",
};

/* A bounded reader over one packet's payload. */
struct ssh_buf {
	const uint8_t *p;
	size_t len, off;
};

static int
ssh_get_u32(struct ssh_buf *b, uint32_t *v)
{
	if (b->len - b->off < 4)
		return -1;
	*v = (uint32_t)b->p[b->off] << 24 | (uint32_t)b->p[b->off + 1] << 16 |
	    (uint32_t)b->p[b->off + 2] << 8 | b->p[b->off + 3];
	b->off += 4;
	return 0;
}

/* An SSH "string": uint32 length, then the bytes (borrowed). */
static int
ssh_get_string(struct ssh_buf *b, const uint8_t **s, size_t *len)
{
	uint32_t n;

	if (ssh_get_u32(b, &n) < 0 || b->len - b->off < n)
		return -1;
	*s = b->p + b->off;
	*len = n;
	b->off += n;
	return 0;
}

static void
ssh_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Sends PAYLOAD in a binary packet without cipher or MAC. */
static void
ssh_send_packet(struct grab *g, const uint8_t *payload, size_t len)
{
	uint8_t hdr[5], pad[16];
	size_t padlen;

	/* Block size 8; at least 4 bytes of padding (RFC 4253 6). */
	padlen = 8 - (5 + len) % 8;
	if (padlen < 4)
		padlen += 8;
	ssh_put_u32(hdr, (uint32_t)(1 + len + padlen));
	hdr[4] = (uint8_t)padlen;
	memset(pad, 0, sizeof pad);
	grab_send(g, hdr, sizeof hdr);
	grab_send(g, payload, len);
	grab_send(g, pad, padlen);
}

static void
ssh_send_kexinit(struct grab *g)
{
	uint8_t buf[2048];
	size_t off = 0, n;
	int i;

	buf[off++] = SSH_MSG_KEXINIT;
	if (RAND_bytes(buf + off, 16) != 1)
		memset(buf + off, 0x5a, 16);
	off += 16;
	for (i = 0; i < 10; i++) {
		n = strlen(ssh_offer[i]);
		ssh_put_u32(buf + off, (uint32_t)n);
		memcpy(buf + off + 4, ssh_offer[i], n);
		off += 4 + n;
	}
	buf[off++] = 0; /* first_kex_packet_follows */
	ssh_put_u32(buf + off, 0);
	off += 4;
	ssh_send_packet(g, buf, off);
}

/* True when the comma-separated LIST holds NAME. */
static int
ssh_list_has(const uint8_t *list, size_t len, const char *name)
{
	size_t nl = strlen(name), i = 0, j;

	while (i <= len) {
		for (j = i; j < len && list[j] != ','; j++)
			;
		if (j - i == nl && memcmp(list + i, name, nl) == 0)
			return 1;
		i = j + 1;
	}
	return 0;
}

static json_t *
ssh_list_json(const uint8_t *list, size_t len)
{
	json_t *a = json_array();
	size_t i = 0, j;

	while (i < len) {
		for (j = i; j < len && list[j] != ','; j++)
			;
		json_array_append_new(a, utf8_json_string(list + i, j - i));
		i = j + 1;
	}
	return a;
}

/* Records "SSH-2.0-OpenSSH_9.2p1 Debian-2" and its parts. */
static int
ssh_parse_ident(struct grab *g, const uint8_t *s, size_t len)
{
	json_t *r = grab_result(g);
	const uint8_t *v, *sw, *sp;
	size_t vlen;

	if (len < 4 || memcmp(s, "SSH-", 4) != 0)
		return -1;
	v = s + 4;
	sw = memchr(v, '-', len - 4);
	if (sw == NULL || sw == v)
		return -1;
	vlen = (size_t)(sw - v);
	sw++;
	sp = memchr(sw, ' ', len - (size_t)(sw - s));
	json_object_set_new(r, "ident", utf8_json_string(s, len));
	json_object_set_new(r, "version", utf8_json_string(v, vlen));
	if (sp) {
		json_object_set_new(
		    r, "software", utf8_json_string(sw, (size_t)(sp - sw)));
		json_object_set_new(r, "comment",
		    utf8_json_string(sp + 1, len - (size_t)(sp + 1 - s)));
	} else {
		json_object_set_new(r, "software",
		    utf8_json_string(sw, len - (size_t)(sw - s)));
	}
	return 0;
}

/* Reads identification lines; returns 1 when the ident was found. */
static int
ssh_read_ident(struct grab *g, struct ssh_state *st, const uint8_t *data,
    size_t len, size_t *used, enum grab_next *next)
{
	size_t ll, n;
	int rc;

	for (;;) {
		rc = tp_line(data + *used, len - *used, &ll, &n);
		if (rc == TP_MORE) {
			if (len - *used > SSH_MAX_IDENT) {
				*next = grab_fail(g, GRAB_S_PROTO,
				    "identification line too long");
				return -1;
			}
			return 0;
		}
		if (rc < 0 || ll > SSH_MAX_IDENT) {
			*next = grab_fail(
			    g, GRAB_S_PROTO, "identification line too long");
			return -1;
		}
		if (ll >= 4 && memcmp(data + *used, "SSH-", 4) == 0) {
			if (ssh_parse_ident(g, data + *used, ll) < 0) {
				*next = grab_fail(g, GRAB_S_PROTO,
				    "malformed identification string");
				return -1;
			}
			*used += n;
			return 1;
		}
		*used += n;
		if (++st->prelines > SSH_MAX_PRELINES) {
			*next = grab_fail(
			    g, GRAB_S_PROTO, "no SSH identification string");
			return -1;
		}
	}
}

/* Sends KEX_ECDH_INIT with a fresh ephemeral public key. */
static int
ssh_send_ecdh_init(struct grab *g, enum ssh_kex kex)
{
	uint8_t pub[133], msg[1 + 4 + sizeof pub];
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pk = NULL;
	size_t plen = sizeof pub;
	int rc = -1;

	if (kex == SSH_KEX_X25519) {
		pc = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
		if (pc == NULL || EVP_PKEY_keygen_init(pc) <= 0 ||
		    EVP_PKEY_keygen(pc, &pk) <= 0 ||
		    EVP_PKEY_get_raw_public_key(pk, pub, &plen) != 1)
			goto out;
	} else {
		pk = EVP_EC_gen("P-256");
		if (pk == NULL ||
		    EVP_PKEY_get_octet_string_param(pk,
		        OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub, sizeof pub,
		        &plen) != 1)
			goto out;
	}
	msg[0] = SSH_MSG_KEX_ECDH_INIT;
	ssh_put_u32(msg + 1, (uint32_t)plen);
	memcpy(msg + 5, pub, plen);
	ssh_send_packet(g, msg, 5 + plen);
	rc = 0;
out:
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(pc);
	return rc;
}

static enum grab_next
ssh_on_kexinit(struct grab *g, struct ssh_state *st, struct ssh_buf *b)
{
	const uint8_t *list[8];
	size_t llen[8], n;
	const uint8_t *s;
	json_t *kex;
	int i;

	if (b->len - b->off < 16)
		return grab_fail(g, GRAB_S_PROTO, "short KEXINIT");
	b->off += 16; /* cookie */
	for (i = 0; i < 10; i++) {
		if (ssh_get_string(b, &s, &n) < 0)
			return grab_fail(g, GRAB_S_PROTO, "malformed KEXINIT");
		if (i < 8)
			list[i] = s, llen[i] = n;
	}
	kex = json_object();
	for (i = 0; i < 8; i++)
		json_object_set_new(
		    kex, ssh_list_names[i], ssh_list_json(list[i], llen[i]));
	json_object_set_new(grab_result(g), "kex", kex);
	if (ssh_list_has(list[0], llen[0], "curve25519-sha256") ||
	    ssh_list_has(list[0], llen[0], "curve25519-sha256@libssh.org"))
		st->kex = SSH_KEX_X25519;
	else if (ssh_list_has(list[0], llen[0], "ecdh-sha2-nistp256"))
		st->kex = SSH_KEX_P256;
	else {
		/* Nothing we speak: the lists are all we can record. */
		st->phase = SSH_END;
		return GRAB_DONE;
	}
	if (ssh_send_ecdh_init(g, st->kex) < 0)
		return grab_fail(g, GRAB_S_UNKNOWN, "cannot make an ECDH key");
	st->phase = SSH_REPLY;
	return GRAB_MORE;
}

/* Bits of an SSH mpint (two's complement, big-endian). */
static int
ssh_mpint_bits(const uint8_t *s, size_t n)
{
	int bits;
	uint8_t c;

	while (n > 0 && s[0] == 0)
		s++, n--;
	if (n == 0)
		return 0;
	bits = (int)(n - 1) * 8;
	for (c = s[0]; c; c >>= 1)
		bits++;
	return bits;
}

/* Records type, SHA-256 fingerprint and size of the host key BLOB. */
static int
ssh_record_host_key(struct grab *g, const uint8_t *blob, size_t len)
{
	struct ssh_buf k = {blob, len, 0};
	unsigned char md[EVP_MAX_MD_SIZE], b64[64];
	char fp[80];
	const uint8_t *type, *s;
	unsigned int mdlen = 0;
	size_t tlen, n;
	json_t *hk;
	int blen, bits = 0;

	if (ssh_get_string(&k, &type, &tlen) < 0 || tlen == 0)
		return -1;
	if (EVP_Digest(blob, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return -1;
	blen = EVP_EncodeBlock(b64, md, (int)mdlen);
	while (blen > 0 && b64[blen - 1] == '=')
		blen--;
	b64[blen] = '\0';
	snprintf(fp, sizeof fp, "SHA256:%s", (char *)b64);
	if (tlen == 7 && memcmp(type, "ssh-rsa", 7) == 0) {
		/* e, then n: the modulus gives the size. */
		if (ssh_get_string(&k, &s, &n) == 0 &&
		    ssh_get_string(&k, &s, &n) == 0)
			bits = ssh_mpint_bits(s, n);
	} else if (tlen == 11 && memcmp(type, "ssh-ed25519", 11) == 0) {
		bits = 256;
	} else if (tlen == 19 && memcmp(type, "ecdsa-sha2-nistp", 16) == 0) {
		bits = (type[16] - '0') * 100 + (type[17] - '0') * 10 +
		    (type[18] - '0');
	}
	hk = json_object();
	json_object_set_new(hk, "type", utf8_json_string(type, tlen));
	json_object_set_new(hk, "sha256", json_string((char *)b64));
	json_object_set_new(hk, "fingerprint", json_string(fp));
	if (bits > 0)
		json_object_set_new(hk, "bits", json_integer(bits));
	json_object_set_new(grab_result(g), "host_key", hk);
	return 0;
}

static enum grab_next
ssh_on_packet(
    struct grab *g, struct ssh_state *st, const uint8_t *p, size_t len)
{
	struct ssh_buf b = {p, len, 1};
	const uint8_t *s;
	uint32_t reason;
	size_t n;

	switch (p[0]) {
	case SSH_MSG_IGNORE:
	case SSH_MSG_DEBUG:
	case SSH_MSG_UNIMPLEMENTED:
		return GRAB_MORE;
	case SSH_MSG_DISCONNECT:
		if (ssh_get_u32(&b, &reason) < 0 ||
		    ssh_get_string(&b, &s, &n) < 0)
			return grab_fail(
			    g, GRAB_S_PROTO, "malformed DISCONNECT");
		if (n > 200)
			n = 200;
		return grab_fail(g, GRAB_S_APP,
		    "server disconnected (%u): %.*s", reason, (int)n,
		    (const char *)s);
	case SSH_MSG_KEXINIT:
		if (st->phase != SSH_KEXINIT)
			return grab_fail(g, GRAB_S_PROTO, "unexpected KEXINIT");
		return ssh_on_kexinit(g, st, &b);
	case SSH_MSG_KEX_ECDH_REPLY:
		if (st->phase != SSH_REPLY)
			return grab_fail(
			    g, GRAB_S_PROTO, "unexpected KEX_ECDH_REPLY");
		if (ssh_get_string(&b, &s, &n) < 0 ||
		    ssh_record_host_key(g, s, n) < 0)
			return grab_fail(
			    g, GRAB_S_PROTO, "malformed KEX_ECDH_REPLY");
		st->phase = SSH_END;
		return GRAB_DONE;
	default:
		return grab_fail(g, GRAB_S_PROTO,
		    "unexpected message %u during key exchange", p[0]);
	}
}

static enum grab_next
ssh_start(struct grab *g)
{
	struct ssh_state *st = grab_state(g);

	st->phase = SSH_IDENT;
	grab_send(g, ssh_our_ident, sizeof ssh_our_ident - 1);
	return GRAB_MORE;
}

static enum grab_next
ssh_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	struct ssh_state *st = grab_state(g);
	enum grab_next next = GRAB_MORE;
	const char *ver;
	uint32_t plen;
	uint8_t padlen;
	int rc;

	*used = 0;
	if (st->phase == SSH_IDENT) {
		rc = ssh_read_ident(g, st, data, len, used, &next);
		if (rc <= 0)
			return rc < 0 ? next : GRAB_MORE;
		grab_set_service(g, "ssh");
		/* SSH-1 only ("1.5"; "1.99" speaks 2.0 too): no KEXINIT. */
		ver = json_string_value(
		    json_object_get(grab_result(g), "version"));
		if (ver && strncmp(ver, "1.", 2) == 0 &&
		    strcmp(ver, "1.99") != 0) {
			st->phase = SSH_END;
			return GRAB_DONE;
		}
		st->phase = SSH_KEXINIT;
		ssh_send_kexinit(g);
	}
	while (st->phase != SSH_END && len - *used >= 5) {
		const uint8_t *p = data + *used;

		plen = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
		padlen = p[4];
		if (plen > SSH_MAX_PACKET || plen < 2 || padlen >= plen - 1)
			return grab_fail(g, GRAB_S_PROTO,
			    "bad packet length %u (padding %u)", plen, padlen);
		if (len - *used - 4 < plen)
			return GRAB_MORE;
		next = ssh_on_packet(g, st, p + 5, plen - 1 - padlen);
		*used += 4 + plen;
		if (next != GRAB_MORE)
			return next;
	}
	return GRAB_MORE;
}

static enum grab_next
ssh_eof(struct grab *g)
{
	struct ssh_state *st = grab_state(g);

	if (st->phase == SSH_IDENT)
		return grab_fail(g, GRAB_S_PROTO,
		    "connection closed before the identification string");
	return grab_fail(
	    g, GRAB_S_PROTO, "connection closed during the key exchange");
}

const struct grab_module mod_ssh = {
    .name = "ssh",
    .service = "ssh",
    .summary = "SSH: identification, KEXINIT lists, host key fingerprint",
    .state_size = sizeof(struct ssh_state),
    .start = ssh_start,
    .input = ssh_input,
    .eof = ssh_eof,
};
