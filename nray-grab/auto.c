/*
 * auto.c - the default module choice ("auto") and the sniffer.
 *
 * A well-known port gets its module; when that fails with a protocol
 * error, or the port says nothing, the sniffer connects and waits for the
 * server to speak first, then hands the connection to the module that
 * speaks what it heard (sniff.c decides).  A silent server gets a TLS
 * handshake (with HTTP inside), then a plain HTTP request.  The steps'
 * order lives in sniff_next_step; this file starts them.
 */
#include <string.h>

#include "engine.h"

#define SNIFF_WAIT 2.0  /* for the server's first bytes */
#define SNIFF_REST 1.0  /* for the rest of a first line */
#define SNIFF_KEEP 1024 /* bytes kept to judge at a quiet end */

struct sniff_state {
	uint8_t buf[SNIFF_KEEP];
	size_t len;
};

static enum grab_next
sniff_start(struct grab *g)
{
	grab_set_timeout(g, SNIFF_WAIT);
	return GRAB_MORE;
}

static enum grab_next
sniff_judge(struct grab *g, const uint8_t *data, size_t len, int final)
{
	const struct grab_module *m;
	const char *name = NULL;

	switch (sniff_classify(data, len, final, &name)) {
	case SNIFF_MORE:
		grab_set_timeout(g, SNIFF_REST);
		return GRAB_MORE;
	case SNIFF_MATCH:
		if ((m = grab_module_find(name)) != NULL) {
			/* The greeting says what it is, whatever follows. */
			if (m->service != NULL)
				grab_set_service(g, m->service);
			grab_handoff(g, name);
			return GRAB_HANDOFF;
		}
		break;
	case SNIFF_UNKNOWN:
		break;
	}
	grab_handoff(g, "banner");
	return GRAB_HANDOFF;
}

static enum grab_next
sniff_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	struct sniff_state *st = grab_state(g);

	*used = 0; /* the module it hands to reads them again */
	st->len = len < SNIFF_KEEP ? len : SNIFF_KEEP;
	memcpy(st->buf, data, st->len);
	return sniff_judge(g, data, len, 0);
}

static enum grab_next
sniff_timeout(struct grab *g)
{
	struct sniff_state *st = grab_state(g);

	if (st->len == 0)
		return grab_fail(g, GRAB_S_IO_TIMEOUT,
		    "the server said nothing within %gs", SNIFF_WAIT);
	return sniff_judge(g, st->buf, st->len, 1);
}

static enum grab_next
sniff_eof(struct grab *g)
{
	struct sniff_state *st = grab_state(g);

	if (st->len == 0)
		return grab_fail(g, GRAB_S_PROTO,
		    "the server closed the connection without a word");
	return sniff_judge(g, st->buf, st->len, 1);
}

/* Not in the registry: "auto" runs it.  Its own result is grab.banner. */
const struct grab_module sniff_module = {
    .name = "banner",
    .service = NULL,
    .summary = "auto-detection: what the server says first",
    .state_size = sizeof(struct sniff_state),
    .start = sniff_start,
    .input = sniff_input,
    .eof = sniff_eof,
    .timeout = sniff_timeout,
};

/* See engine.h. */
void
auto_begin(struct engine *e, struct job *j)
{
	const struct grab_opts *o = engine_opts(e);
	const struct grab_module *m;
	size_t i;

	if (o->nmods > 0) {
		j->step = STEP_LIST;
		for (i = 0; i < o->nmods; i++)
			engine_start_grab(e, j, o->mods[i]);
		return;
	}
	m = grab_module_for_port(j->port);
	if (m != NULL) {
		j->step = STEP_PORT;
		engine_start_grab(e, j, m);
	} else {
		j->step = STEP_SNIFF;
		engine_start_grab(e, j, &sniff_module);
	}
}

/* Nothing answered the guesses: the record says so under banner. */
static void
silent(struct job *j)
{
	json_object_set_new(j->grabs, sniff_module.name,
	    json_pack("{s:s,s:s}", "status", GRAB_S_IO_TIMEOUT, "error",
	        "the server said nothing and answered neither a TLS "
	        "handshake nor an HTTP request"));
}

/* See engine.h. */
int
auto_after(struct engine *e, struct job *j, const struct grab_module *m,
    const char *status, int tls_done)
{
	const struct grab_module *next = NULL;
	enum auto_step step;
	int keep;

	if (j->step == STEP_LIST || j->step == STEP_END)
		return 1;
	step = sniff_next_step(
	    j->step, status, m != &sniff_module, tls_done, &keep);
	if (step != STEP_END && engine_stopping(e)) {
		step = STEP_END;
		keep = 1; /* no more guesses: what there is stays */
	}
	if (step == STEP_END && !keep && j->step == STEP_HTTP)
		silent(j);
	j->step = step;
	switch (step) {
	case STEP_SNIFF:
		next = &sniff_module;
		break;
	case STEP_TLS:
		next = grab_module_find("https");
		if (next == NULL)
			next = grab_module_find("tls");
		break;
	case STEP_HTTP:
		next = grab_module_find("http");
		break;
	default:
		break;
	}
	if (step != STEP_END && next == NULL) {
		j->step = STEP_END;
		if (!keep)
			silent(j);
	} else if (next != NULL)
		engine_start_grab(e, j, next);
	return keep;
}
