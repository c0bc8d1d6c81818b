/*
 * sniff.h - auto-detection: what a server's first bytes say, and which
 * step of the auto choice comes next.  Pure functions (no I/O), so the
 * fuzzer drives them alone.
 */
#ifndef NRAY_GRAB_SNIFF_H
#define NRAY_GRAB_SNIFF_H

#include <stddef.h>
#include <stdint.h>

enum sniff_verdict {
	SNIFF_MORE,    /* could still be something: wait for more bytes */
	SNIFF_MATCH,   /* *module names the module that speaks it */
	SNIFF_UNKNOWN, /* no module speaks it */
};

/*
 * Classifies the first LEN bytes a server sent on its own.  FINAL says
 * no more will come (quiet or closed): then SNIFF_MORE is never returned.
 * On SNIFF_MATCH *module points at a static module name ("ssh", "smtp").
 */
enum sniff_verdict
sniff_classify(const uint8_t *data, size_t len, int final, const char **module);

/*
 * The answer to a Redis inline "PING\r\n": "+PONG", or an error line
 * that only Redis gives ("-NOAUTH ...", "-DENIED ...", "-ERR ...").
 * SNIFF_MATCH means Redis; FINAL as for sniff_classify.
 */
enum sniff_verdict sniff_redis(const uint8_t *data, size_t len, int final);

/*
 * The answer to a PostgreSQL SSLRequest: exactly one byte, 'S' or 'N',
 * and nothing after it (FINAL: no more came).  SNIFF_MATCH means
 * PostgreSQL; one such byte while more may come is SNIFF_MORE.
 */
enum sniff_verdict sniff_postgres(const uint8_t *data, size_t len, int final);

/* The answer to an HTTP request: a status line ("HTTP/1.1 ..."). */
enum sniff_verdict sniff_http(const uint8_t *data, size_t len, int final);

/*
 * The module that speaks PLAIN (a sniff_classify name) over implicit TLS
 * ("imap" -> "imaps"), or NULL when there is none.
 */
const char *sniff_tls_module(const char *plain);

/* Steps of the auto choice. */
enum auto_step {
	STEP_LIST,  /* --modules: every listed module, side by side */
	STEP_PORT,  /* the module of a well-known port */
	STEP_SNIFF, /* parallel probes, then the module they chose */
	STEP_END,
};

/*
 * The step after a module (not a probe) that ran in STEP ended with
 * STATUS (a GRAB_S_* string): a well-known port's module that failed
 * with a protocol error is followed by sniffing; anything else ends.
 */
enum auto_step sniff_next_step(enum auto_step step, const char *status);

#endif
