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

/* Steps of the auto choice. */
enum auto_step {
	STEP_LIST,  /* --modules: every listed module, side by side */
	STEP_PORT,  /* the module of a well-known port */
	STEP_SNIFF, /* wait for the server to speak first */
	STEP_TLS,   /* silent: try a TLS handshake (https inside) */
	STEP_HTTP,  /* no TLS: try an HTTP request */
	STEP_END,
};

/*
 * The step after STEP ended with STATUS (a GRAB_S_* string).  HANDED_OFF:
 * the sniffer passed the connection to a module; TLS_DONE: a handshake
 * completed.  *keep gets 1 when the grab's result belongs in the record,
 * 0 when it was only a guess that did not pan out.
 */
enum auto_step sniff_next_step(enum auto_step step, const char *status,
    int handed_off, int tls_done, int *keep);

#endif
