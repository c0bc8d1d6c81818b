/*
 * tlsinfo.c - the permissive TLS client context and the grab.tls facts:
 * version, cipher, ALPN, SNI, verification against the system store and
 * for which name, JA3S (from the raw ServerHello, seen through the
 * message callback), and the certificate chain in detail.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "engine.h"
#include "ja3s.h"

#include "utf8.h"
#include "xalloc.h"

#define CHAIN_MAX 10 /* certificates recorded */
#define SANS_MAX  256

/* Keeps the JA3S string of the first ServerHello of a connection. */
static void
on_msg(int write_p, int version, int content_type, const void *buf, size_t len,
    SSL *ssl, void *arg)
{
	char **ja3s = arg, s[JA3S_MAX];

	(void)version;
	(void)ssl;
	if (write_p || content_type != SSL3_RT_HANDSHAKE || ja3s == NULL ||
	    *ja3s != NULL || len < 1 || ((const uint8_t *)buf)[0] != 2)
		return;
	if (ja3s_string(buf, len, s, sizeof(s)) == 0)
		*ja3s = xstrdup(s);
}

/* See engine.h: old versions, every cipher, no failure on verification. */
SSL_CTX *
tlsinfo_ctx_new(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	(void)SSL_CTX_set_min_proto_version(ctx, 0); /* the lowest built in */
	(void)SSL_CTX_set_max_proto_version(ctx, 0);
	SSL_CTX_set_security_level(ctx, 0);
	(void)SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	SSL_CTX_set_options(ctx,
	    SSL_OP_LEGACY_SERVER_CONNECT |
	        SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION);
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	        SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* Verified after the handshake, recorded, never fatal. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	(void)SSL_CTX_set_default_verify_paths(ctx);
	SSL_CTX_set_msg_callback(ctx, on_msg);
	return ctx;
}

/* See engine.h. */
void
tlsinfo_ssl_setup(SSL *ssl, char **ja3s)
{
	SSL_set_msg_callback_arg(ssl, ja3s);
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static json_t *
name_text(const X509_NAME *nm)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;
	json_t *s;

	if (b == NULL)
		return json_string("");
	(void)X509_NAME_print_ex(
	    b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(b, &p);
	s = utf8_json_string(p != NULL ? p : "", n > 0 ? (size_t)n : 0);
	BIO_free(b);
	return s;
}

static json_t *
time_text(const ASN1_TIME *t)
{
	struct tm tm;
	char buf[32];

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *
sans(X509 *x)
{
	GENERAL_NAMES *gens =
	    X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	json_t *a = json_array();
	char ip[ADDR_STRLEN];
	int i, n;

	if (gens == NULL)
		return a;
	n = sk_GENERAL_NAME_num(gens);
	for (i = 0; i < n && i < SANS_MAX; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
		const ASN1_OCTET_STRING *os;
		u128 v = 0;
		int k;

		if (gn->type == GEN_DNS) {
			os = gn->d.dNSName;
			json_array_append_new(a,
			    utf8_json_string(ASN1_STRING_get0_data(os),
			        (size_t)ASN1_STRING_length(os)));
		} else if (gn->type == GEN_IPADD) {
			os = gn->d.iPAddress;
			if (ASN1_STRING_length(os) == 4) {
				const unsigned char *b =
				    ASN1_STRING_get0_data(os);
				v = addr_from_v4((uint32_t)b[0] << 24 |
				    (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
				    b[3]);
			} else if (ASN1_STRING_length(os) == 16) {
				for (k = 0; k < 16; k++)
					v = v << 8 |
					    ASN1_STRING_get0_data(os)[k];
			} else
				continue;
			json_array_append_new(
			    a, json_string(addr_format(v, ip)));
		}
	}
	GENERAL_NAMES_free(gens);
	return a;
}

static const char *
key_type(int id)
{
	switch (id) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		return "RSA";
	case EVP_PKEY_EC:
		return "EC";
	case EVP_PKEY_ED25519:
		return "Ed25519";
	case EVP_PKEY_ED448:
		return "Ed448";
	case EVP_PKEY_DSA:
		return "DSA";
	default:
		return "unknown";
	}
}

/* One certificate of the chain. */
static json_t *
cert_facts(X509 *x)
{
	json_t *c = json_object();
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int mdlen = 0;
	char hexbuf[2 * EVP_MAX_MD_SIZE + 1], *b64, *serial;
	EVP_PKEY *pk = X509_get0_pubkey(x);
	BIGNUM *bn;
	int dlen, nid;

	json_object_set_new(c, "subject", name_text(X509_get_subject_name(x)));
	json_object_set_new(c, "issuer", name_text(X509_get_issuer_name(x)));
	json_object_set_new(c, "sans", sans(x));
	json_object_set_new(c, "not_before", time_text(X509_get0_notBefore(x)));
	json_object_set_new(c, "not_after", time_text(X509_get0_notAfter(x)));
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	if (bn != NULL && (serial = BN_bn2hex(bn)) != NULL) {
		char *p;

		for (p = serial; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
		json_object_set_new(c, "serial", json_string(serial));
		OPENSSL_free(serial);
	}
	BN_free(bn);
	if (pk != NULL) {
		json_object_set_new(c, "key_type",
		    json_string(key_type(EVP_PKEY_get_base_id(pk))));
		json_object_set_new(
		    c, "key_bits", json_integer(EVP_PKEY_get_bits(pk)));
	}
	nid = X509_get_signature_nid(x);
	json_object_set_new(c, "signature_algorithm",
	    json_string(nid != NID_undef ? OBJ_nid2ln(nid) : "unknown"));
	if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1) {
		hex(md, mdlen, hexbuf);
		json_object_set_new(c, "sha256", json_string(hexbuf));
	}
	dlen = i2d_X509(x, &der);
	if (dlen > 0) {
		b64 = xmalloc(4 * (((size_t)dlen + 2) / 3) + 1);
		EVP_EncodeBlock((unsigned char *)b64, der, dlen);
		json_object_set_new(c, "der", json_string(b64));
		free(b64);
		OPENSSL_free(der);
	}
	return c;
}

static void
set_ja3s(json_t *o, const char *ja3s)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hexbuf[2 * EVP_MAX_MD_SIZE + 1];

	if (ja3s == NULL)
		return;
	if (EVP_Digest(ja3s, strlen(ja3s), md, &mdlen, EVP_md5(), NULL) == 1) {
		hex(md, mdlen, hexbuf);
		json_object_set_new(o, "ja3s", json_string(hexbuf));
	}
	json_object_set_new(o, "ja3s_string", json_string(ja3s));
}

/* See engine.h. */
json_t *
tlsinfo_facts(SSL *ssl, const char *name, const char *ip, const char *ja3s)
{
	json_t *o = json_object(), *chain = json_array();
	const unsigned char *alpn = NULL;
	unsigned int alpnlen = 0;
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(ssl);
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	long vr = SSL_get_verify_result(ssl);
	int i, n, verified;

	json_object_set_new(o, "status", json_string(GRAB_S_SUCCESS));
	json_object_set_new(o, "version", json_string(SSL_get_version(ssl)));
	json_object_set_new(o, "cipher", json_string(SSL_get_cipher_name(ssl)));
	SSL_get0_alpn_selected(ssl, &alpn, &alpnlen);
	if (alpnlen > 0)
		json_object_set_new(o, "alpn", utf8_json_string(alpn, alpnlen));
	if (name != NULL)
		json_object_set_new(o, "sni", json_string(name));
	verified = leaf != NULL && vr == X509_V_OK;
	json_object_set_new(o, "verified", json_boolean(verified));
	if (leaf == NULL)
		json_object_set_new(
		    o, "verify_error", json_string("no certificate"));
	else if (vr != X509_V_OK)
		json_object_set_new(o, "verify_error",
		    json_string(X509_verify_cert_error_string(vr)));
	if (verified && name != NULL &&
	    X509_check_host(leaf, name, strlen(name), 0, NULL) == 1)
		json_object_set_new(o, "verified_name", json_string(name));
	else if (verified && name == NULL && ip != NULL &&
	    X509_check_ip_asc(leaf, ip, 0) == 1)
		json_object_set_new(o, "verified_name", json_string(ip));
	else if (verified)
		json_object_set_new(o, "verify_error",
		    json_string("the certificate is not for this name"));
	set_ja3s(o, ja3s);
	n = sk != NULL ? sk_X509_num(sk) : 0;
	if (n == 0 && leaf != NULL)
		json_array_append_new(chain, cert_facts(leaf));
	for (i = 0; i < n && i < CHAIN_MAX; i++)
		json_array_append_new(chain, cert_facts(sk_X509_value(sk, i)));
	json_object_set_new(o, "chain", chain);
	if (n > CHAIN_MAX)
		json_object_set_new(o, "truncated", json_true());
	return o;
}
