/*
 * mod_tls.c - implicit TLS: the engine connects and shakes hands, and
 * records the facts under grab.tls; there is nothing left to say.
 */
#include "grab.h"

static enum grab_next
tls_start(struct grab *g)
{
	(void)g;
	return GRAB_DONE;
}

static enum grab_next
tls_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	(void)g;
	(void)data;
	*used = len;
	return GRAB_DONE;
}

const struct grab_module mod_tls = {
    .name = "tls",
    .service = "tls",
    .summary = "TLS handshake: version, cipher, ALPN, certificate chain, "
               "verification, JA3S",
    .implicit_tls = 1,
    .start = tls_start,
    .input = tls_input,
};
