/*
 * fuzz_sniff.c - libFuzzer harness for auto-detection (sniff.c).
 *
 * The input is what a server sends first.  Every prefix is classified as
 * the engine sees it (more bytes may come), then the whole as final: a
 * match must name a module, a final verdict is never "more", and the
 * verdict on a prefix is never contradicted once it is a match.  The
 * first byte also drives the step planner.
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name = NULL;
	enum sniff_verdict v;
	enum auto_step step;
	size_t n;
	int keep;

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
	if (size >= 2) {
		step = (enum auto_step)(data[0] % (STEP_END + 1));
		step = sniff_next_step(step, statuses[data[1] % 8], data[0] & 1,
		    data[0] & 2, &keep);
		if (step > STEP_END || (keep != 0 && keep != 1))
			abort();
	}
	return 0;
}
