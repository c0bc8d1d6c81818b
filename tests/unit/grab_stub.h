/*
 * grab_stub.h - a fake nray-grab engine for unit tests and fuzzing.
 *
 * It implements the grab_* functions of nray-grab/grab.h in memory: no
 * sockets, no TLS.  A test creates a grab for one module, feeds it bytes
 * as a server would send them (in any pieces) and then looks at what the
 * module sent, the result object, the record's "service" and the last
 * grab_next value.  The stub keeps the bytes a module leaves unconsumed,
 * as the engine does, hands over no more than max_read bytes per grab
 * (and fails it when the module still wants more), and follows
 * GRAB_STARTTLS (pretends the handshake worked and calls tls_ready) and
 * GRAB_RECONNECT (calls start again).
 *
 * Ownership: grab_stub_new returns a grab the caller releases with
 * grab_stub_free (which runs the module's cleanup); grab_stub_free(NULL)
 * is a no-op.  Returned pointers are borrowed from the grab.
 */
#ifndef NRAY_GRAB_STUB_H
#define NRAY_GRAB_STUB_H

#include <stddef.h>
#include <stdint.h>

#include "grab.h"

/* A grab of MODULE on 127.0.0.1:PORT with the default configuration. */
struct grab *grab_stub_new(const struct grab_module *module, uint16_t port);

/* Replaces the configuration (copied) before grab_stub_start. */
void grab_stub_set_config(struct grab *g, const struct grab_config *cfg);

/* Sets the record's host name (NULL: none). */
void grab_stub_set_host(struct grab *g, const char *host);

/*
 * Calls start (after a pretend handshake when the module has implicit
 * TLS).  Returns what it returned, after following STARTTLS/RECONNECT.
 */
enum grab_next grab_stub_start(struct grab *g);

/*
 * Hands LEN bytes to the module (appended to what it left unconsumed) and
 * returns the module's answer.  After GRAB_DONE/GRAB_FAIL/GRAB_HANDOFF the
 * grab is finished and further feeds return that value again.
 */
enum grab_next grab_stub_feed(struct grab *g, const void *data, size_t len);

/* Tells the module the peer closed the connection. */
enum grab_next grab_stub_eof(struct grab *g);

/* Tells the module its wait for bytes ran out (the timeout callback). */
enum grab_next grab_stub_timeout(struct grab *g);

/* The last wait asked for with grab_set_timeout (0: none). */
double grab_stub_timeout_asked(const struct grab *g);

/* True when the grab ended (DONE, FAIL or HANDOFF). */
int grab_stub_finished(const struct grab *g);

/* The bytes queued by grab_send since the last grab_stub_clear_sent. */
const uint8_t *grab_stub_sent(const struct grab *g, size_t *len);
void grab_stub_clear_sent(struct grab *g);

/* How often STARTTLS and RECONNECT were asked for. */
int grab_stub_starttls_count(const struct grab *g);
int grab_stub_reconnect_count(const struct grab *g);

/* The module named by grab_handoff, or NULL. */
const char *grab_stub_handoff(const struct grab *g);

/* The "status" of the result (NULL when not set). */
const char *grab_stub_status(const struct grab *g);

/*
 * Runs MODULE over fuzz input: DATA[0] is the size of the pieces fed (0:
 * all at once), DATA[1] option bits (favicon, redirects, small max_body,
 * small max_read, a host name, timeout instead of eof at the end), the
 * rest what the server sends.  Aborts when the record does not
 * serialize.  Returns 0 (libFuzzer's convention).
 */
int grab_stub_fuzz(
    const struct grab_module *module, const uint8_t *data, size_t size);

/* Releases the grab (runs the module's cleanup). */
void grab_stub_free(struct grab *g);

#endif
