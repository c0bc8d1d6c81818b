/*
 * fuzz_record.c - record_parse and record_target on one arbitrary line,
 * and utf8_sanitize on the same bytes.  Checks: a parsed line is an object
 * (or a comment: no record), a failure has a reason, the sanitized bytes
 * are valid UTF-8 and at most twice as long, and a target record's target
 * is written back as a record naming the same addresses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nerr.h"
#include "record.h"
#include "utf8.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *why = NULL, *ports;
	struct target t, u;
	json_t *o = NULL, *back;
	char *out, *line;
	size_t n;

	out = xmalloc(2 * size + 1);
	n = utf8_sanitize(s, size, out);
	if (n > 2 * size || utf8_valid_prefix(out, n) != n)
		abort();
	free(out);

	if (record_parse(s, size, &o, &why) != 0) {
		if (o != NULL || why == NULL)
			abort();
		return 0;
	}
	if (o == NULL)
		return 0;
	if (!json_is_object(o))
		abort();
	if (record_target(o, &t, &ports, &why) == 0 && t.kind != TARGET_HOST) {
		back = record_from_target(&t);
		line = json_dumps(back, JSON_COMPACT);
		json_decref(back);
		back = NULL;
		if (line == NULL ||
		    record_parse(line, strlen(line), &back, &why) != 0 ||
		    record_target(back, &u, &ports, &why) != 0 ||
		    u.lo != t.lo || u.hi != t.hi || u.port != t.port)
			abort();
		free(line);
		json_decref(back);
	}
	json_decref(o);
	return 0;
}
