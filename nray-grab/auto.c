/*
 * auto.c - the default module choice ("auto").
 *
 * A well-known port gets its module; when that fails with a protocol
 * error, or the port says nothing, sniffing starts: parallel probes
 * (probe.c) choose the module.  The steps' order lives in
 * sniff_next_step; this file starts them.
 */
#include <string.h>

#include "engine.h"

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
			(void)engine_start_grab(e, j, o->mods[i]);
		return;
	}
	m = grab_module_for_port(j->port);
	if (m != NULL) {
		j->step = STEP_PORT;
		(void)engine_start_grab(e, j, m);
	} else
		probe_begin(e, j);
}

/* See engine.h. */
int
auto_after(struct engine *e, struct grab *g)
{
	struct job *j = g->j;
	enum auto_step step;

	if (g->probing)
		return probe_after(e, g);
	if (j->step == STEP_LIST || j->step == STEP_END)
		return 1;
	step = sniff_next_step(j->step, g->status);
	if (step == STEP_SNIFF && engine_stopping(e))
		step = STEP_END; /* no more guesses: what there is stays */
	j->step = step;
	if (step == STEP_SNIFF)
		probe_begin(e, j);
	return 1;
}
