/*
 * fuzz_sniff.c - libFuzzer harness for auto-detection (sniff.c).
 *
 * The input is what a server sends first, or answers to a probe.  Every
 * prefix is classified as the engine sees it (more bytes may come), then
 * the whole as final: a match must name a module, a final verdict is
 * never "more".  The same for the answers to the probes (Redis PING,
 * PostgreSQL SSLRequest, HTTP GET), where a prefix's match must stay a
 * match once more bytes come (the probe decides at once).  The first byte
 * also drives the step planner.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grab.h"
#include "sniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const statuses[] = {GRAB_S_SUCCESS, GRAB_S_REFUSED,
    GRAB_S_CONN_TIMEOUT, GRAB_S_IO_TIMEOUT, GRAB_S_TLS, GRAB_S_PROTO,
    GRAB_S_APP, GRAB_S_UNKNOWN};

typedef enum sniff_verdict (*answer_fn)(const uint8_t *, size_t, int);

/* One probe's answer classifier on every prefix and on the whole. */
static void
answers(answer_fn f, const uint8_t *data, size_t size, int stays)
{
	enum sniff_verdict v, first = SNIFF_MORE;
	size_t n;

	for (n = 0; n <= size && n <= 600; n++) {
		v = f(data, n, 0);
		if (v != SNIFF_MORE && v != SNIFF_MATCH && v != SNIFF_UNKNOWN)
			abort();
		if (first == SNIFF_MORE)
			first = v;
		else if (stays && first == SNIFF_MATCH && v != SNIFF_MATCH)
			abort();
	}
	v = f(data, size, 1);
	if (v == SNIFF_MORE)
		abort();
	if (stays && size <= 600 && first == SNIFF_MATCH && v != SNIFF_MATCH)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name = NULL, *tname;
	enum sniff_verdict v;
	enum auto_step step;
	size_t n;

	for (n = 0; n <= size && n <= 64; n++) {
		v = sniff_classify(data, n, 0, &name);
		if (v == SNIFF_MATCH && (name == NULL || strlen(name) == 0))
			abort();
		if (v != SNIFF_MATCH && name != NULL)
			abort();
	}
	v = sniff_classify(data, size, 1, &name);
	if (v == SNIFF_MORE)
		abort();
	if (v == SNIFF_MATCH && name == NULL)
		abort();
	if (v == SNIFF_MATCH) {
		tname = sniff_tls_module(name);
		if (tname != NULL && strcmp(tname, "smtps") != 0 &&
		    strcmp(tname, "imaps") != 0 &&
		    strcmp(tname, "pop3s") != 0 && strcmp(tname, "https") != 0)
			abort();
	}
	answers(sniff_redis, data, size, 1);
	answers(sniff_http, data, size, 1);
	answers(sniff_postgres, data, size, 0);
	if (size >= 2) {
		step = (enum auto_step)(data[0] % (STEP_END + 1));
		step = sniff_next_step(step, statuses[data[1] % 8]);
		if (step != STEP_SNIFF && step != STEP_END)
			abort();
	}
	return 0;
}
