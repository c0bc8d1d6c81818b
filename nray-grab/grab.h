/*
 * grab.h - nray-grab's modules and the engine that drives them.
 *
 * One event loop (epoll) drives thousands of grabs at once.  A grab is one
 * input record: one address and port, spoken to by one module (or a chain:
 * auto-detection may hand a connection to another module).  The engine
 * owns the sockets, TLS (OpenSSL on the non-blocking socket), timeouts and
 * buffers; a module is a protocol state machine that reacts to bytes.
 *
 * A module never blocks, never touches a socket and never allocates more
 * than its bounded state: it reads what the engine hands it, queues what it
 * wants to send with grab_send(), and writes its facts into its result
 * object (grab_result()), which ends up as grab.<module name> on the
 * record.  TLS facts are written by the engine under grab.tls whenever a
 * handshake happens (implicit TLS or STARTTLS).
 *
 * Ownership: the engine owns the grab and everything hanging off it; a
 * module's state (state_size bytes, zeroed) lives as long as its grab and
 * is released by the module's cleanup callback (which must free what the
 * module allocated inside it) and then by the engine.
 */
#ifndef NRAY_GRAB_H
#define NRAY_GRAB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* What a module callback asks the engine to do next. */
enum grab_next {
	GRAB_MORE,      /* wait for more bytes (or for the deadline) */
	GRAB_DONE,      /* the result is complete: close and write the record */
	GRAB_STARTTLS,  /* start a TLS handshake on this connection, then
			 * call tls_ready (SMTP STARTTLS, IMAP/POP3 STLS) */
	GRAB_RECONNECT, /* close, connect again to the same address and port
			 * (with TLS when grab_want_tls() was called), then
			 * call start again; the state is kept (redirects) */
	GRAB_HANDOFF,   /* give this connection, and the bytes read so far,
			 * to the module named by grab_handoff() (sniffing):
			 * this module's cleanup runs and its result is
			 * dropped; the new module gets zeroed state, its
			 * start is called, then input with those bytes */
	GRAB_FAIL,      /* failed: grab_fail() has set status and error */
};

/* The status values of nray-json(5). */
#define GRAB_S_SUCCESS      "success"
#define GRAB_S_REFUSED      "connection-refused"
#define GRAB_S_CONN_TIMEOUT "connection-timeout"
#define GRAB_S_IO_TIMEOUT   "io-timeout"
#define GRAB_S_TLS          "tls-error"
#define GRAB_S_PROTO        "protocol-error"
#define GRAB_S_APP          "application-error"
#define GRAB_S_UNKNOWN      "unknown-error"

struct grab;

/* Options that modules read (from the command line). */
struct grab_config {
	const char *http_method; /* "GET" */
	const char *http_path;   /* "/" */
	const char *http_host; /* Host header; NULL: the record's host or ip */
	const char *user_agent;
	int max_redirects; /* 0: do not follow */
	int favicon;       /* fetch /favicon.ico and hash it (mmh3) */
	size_t max_body;   /* bytes of body kept (hashed: all read) */
	const char
	    *banner_probe; /* banner module: sent after connect, or NULL */
	size_t max_read;   /* bytes a grab may read in all */
};

struct grab_module {
	const char *name;    /* key under "grab", e.g. "http" */
	const char *service; /* the "service" verdict on success, e.g. "http" */
	const char *summary; /* one line for --list-modules */
	int implicit_tls;    /* handshake before start (https, imaps, ...) */
	size_t state_size;   /* bytes of zeroed state for each grab */

	/*
	 * Connected (and, with implicit_tls, the handshake done).  May queue
	 * bytes with grab_send.  Returns what to do next.
	 */
	enum grab_next (*start)(struct grab *g);

	/*
	 * DATA[0..LEN) are all bytes received and not yet consumed (the
	 * engine keeps what the module leaves).  *USED gets how many bytes
	 * the module consumed.  Called again right away while it consumes
	 * bytes and some remain (so a module may take one message per call),
	 * else when more arrive.  If the buffer is full
	 * (grab_config.max_read) and the module still returns GRAB_MORE, the
	 * engine ends the grab as a protocol error.
	 */
	enum grab_next (*input)(
	    struct grab *g, const uint8_t *data, size_t len, size_t *used);

	/*
	 * The peer closed the connection (no more input will come).  A
	 * module that has what it needs returns GRAB_DONE; NULL means
	 * "GRAB_FAIL with protocol-error: connection closed".
	 */
	enum grab_next (*eof)(struct grab *g);

	/* After GRAB_STARTTLS: the handshake succeeded.  NULL: GRAB_DONE. */
	enum grab_next (*tls_ready)(struct grab *g);

	/*
	 * Frees what the module allocated in its state, when the grab ends
	 * (before its record is written: use nothing but the state) or hands
	 * off.  May be NULL.
	 */
	void (*cleanup)(struct grab *g);

	/*
	 * The wait for bytes ran out (--read-timeout, or what the module
	 * asked for with grab_set_timeout).  A module that can end with what
	 * it has returns GRAB_DONE (banners: the server went quiet); NULL
	 * means "GRAB_FAIL with io-timeout".
	 */
	enum grab_next (*timeout)(struct grab *g);
};

/* --- for modules ------------------------------------------------------ */

/* The module's state (state_size zeroed bytes). */
void *grab_state(struct grab *g);

/* The module's result object, grab.<name> (borrowed). */
json_t *grab_result(struct grab *g);

/* The whole record, e.g. to set "service" (borrowed). */
json_t *grab_record(struct grab *g);

const struct grab_config *grab_config(const struct grab *g);

/* The record's host name (SNI, Host:), or NULL; its address as text; port. */
const char *grab_host(const struct grab *g);
const char *grab_ip(const struct grab *g);
uint16_t grab_port(const struct grab *g);

/* True when the connection runs over TLS now. */
int grab_tls_active(const struct grab *g);

/* Ask for TLS on the next connection (with GRAB_RECONNECT). */
void grab_want_tls(struct grab *g, int on);

/* Queues bytes to send (copied; bounded by the engine). */
void grab_send(struct grab *g, const void *buf, size_t len);

/*
 * Sets status (GRAB_S_*) and a formatted error text on the module's
 * result; returns GRAB_FAIL for "return grab_fail(...);".
 */
enum grab_next grab_fail(struct grab *g, const char *status, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/*
 * Waits at most SECS for the next bytes, instead of --read-timeout, from
 * now until the next input call (e.g. "the banner is complete after 1 s
 * of quiet").  The wait never passes the whole-grab deadline.
 */
void grab_set_timeout(struct grab *g, double secs);

/* Names the module that GRAB_HANDOFF passes the connection to. */
void grab_handoff(struct grab *g, const char *module);

/*
 * Sets the record's "service" verdict.  A later call replaces an earlier
 * one; the engine sets the module's service on success when no module did.
 */
void grab_set_service(struct grab *g, const char *service);

/* --- the registry ----------------------------------------------------- */

/* Every module, in --list-modules order; NULL-terminated. */
extern const struct grab_module *const grab_modules[];

/* The module called NAME, or NULL. */
const struct grab_module *grab_module_find(const char *name);

/*
 * The module for a well-known PORT (22 ssh, 443 https, ...), or NULL when
 * the port says nothing: then the engine sniffs (see sniff.c).
 */
const struct grab_module *grab_module_for_port(uint16_t port);

#endif
