/*
 * probe.c - sniffing: what speaks on a port that says nothing about it.
 *
 * Five probes start at once, each on its own connection and each with
 * one question; the first decisive answer chooses the module:
 *   greeting  waits for the server to speak first (SSH-, 220, * OK, +OK,
 *             a MySQL handshake, telnet IAC ...; sniff_classify): decides
 *             at once and hands its connection to the module;
 *   tls       a TLS handshake: success decides at once (service "tls");
 *             then a greeting inside TLS (smtps, imaps, pop3s) or, when
 *             none comes within TLS_GREETING_WAIT, HTTP inside (https);
 *   http      a GET: an HTTP answer decides only once the tls probe has
 *             failed (nginx answers plain HTTP on its TLS port with a
 *             400), then the http module runs on a fresh connection;
 *   redis     an inline PING: +PONG or a Redis error decides at once and
 *             hands the connection to the redis module;
 *   postgres  an SSLRequest: exactly one byte 'S' or 'N' decides (after
 *             PG_SETTLE of quiet) and the postgres module runs on a fresh
 *             connection (this one waits for a ClientHello or a startup).
 * A decision cancels the other probes.  A probe has --sniff-timeout from
 * its connect to decide (the engine's whole-grab timer); none deciding
 * leaves grab.banner with the greeting probe's failure and "probes": what
 * each probe saw.  Probes are grabs: they take --concurrency slots and
 * --rate tokens like any connection (PROBE_END - 1 per job at most).
 */
#include <string.h>

#include "engine.h"

#define TLS_GREETING_WAIT 0.5  /* inside TLS, before trying HTTP */
#define SNIFF_REST        0.5  /* for the rest of a first line */
#define PG_SETTLE         0.05 /* quiet after 'S'/'N': nothing else comes */
#define SNIFF_KEEP        1024 /* bytes kept to judge at a quiet end */

/* The keys of grab.banner.probes, by enum probe_kind. */
static const char *const probe_names[PROBE_END] = {
    NULL, "greeting", "tls", "http", "redis", "postgres"};

struct probe_state {
	uint8_t buf[SNIFF_KEEP];
	size_t len;
};

/* Records what probe KIND of J saw, unless something is recorded. */
static void
note(struct job *j, enum probe_kind kind, const char *what)
{
	if (j->probe_log == NULL)
		j->probe_log = json_object();
	if (json_object_get(j->probe_log, probe_names[kind]) == NULL)
		json_object_set_new(
		    j->probe_log, probe_names[kind], json_string(what));
}

/* Ends every probe of J but EXCEPT (may be NULL). */
static void
cancel_others(struct job *j, struct grab *except)
{
	struct grab *p;
	int k;

	for (k = PROBE_NONE + 1; k < PROBE_END; k++) {
		p = j->probes[k];
		if (p == NULL || p == except)
			continue;
		note(j, (enum probe_kind)k, "cancelled");
		conn_abort(p, GRAB_S_APP, "cancelled: another probe decided");
	}
}

/* Probe G decided and goes on as the module (same connection). */
static void
decide_here(struct grab *g, const char *what)
{
	struct job *j = g->j;
	double left =
	    engine_opts(g->e)->timeout - (engine_now(g->e) - g->began);

	note(j, g->probe_kind, what);
	j->decided = 1;
	j->probes[g->probe_kind] = NULL;
	g->probing = 0;
	/* From now on the whole-grab deadline, not the probe's. */
	timer_arm(g->e, &g->t_whole, left > 0.001 ? left : 0.001);
	cancel_others(j, g);
}

/* Nothing decided: grab.banner says what the probes saw. */
static void
undecided(struct job *j, double secs)
{
	json_t *r = j->sniff_first;
	const char *st;
	char why[320];

	j->sniff_first = NULL;
	j->step = STEP_END;
	if (r == NULL)
		r = json_pack(
		    "{s:s,s:s}", "status", GRAB_S_APP, "error", "stopped");
	st = json_string_value(json_object_get(r, "status"));
	if (st != NULL && strcmp(st, GRAB_S_IO_TIMEOUT) == 0) {
		snprintf(why, sizeof(why),
		    "no decisive answer within %gs: the server said nothing "
		    "first and answered neither a TLS handshake, an HTTP "
		    "request, a Redis PING nor a PostgreSQL SSLRequest",
		    secs);
		json_object_set_new(r, "error", json_string(why));
	}
	if (j->probe_log != NULL)
		json_object_set(r, "probes", j->probe_log);
	json_object_set_new(j->grabs, "banner", r);
}

/* The module named NAME runs on a fresh connection (EXCEPT ends itself). */
static void
decide_fresh(
    struct engine *e, struct job *j, struct grab *except, const char *name)
{
	const struct grab_module *m = grab_module_find(name);

	j->decided = 1;
	cancel_others(j, except);
	if (m == NULL || engine_stopping(e)) {
		undecided(j, engine_opts(e)->sniff_timeout);
		return;
	}
	(void)engine_start_grab(e, j, m);
}

/* --- greeting: the server speaks first ------------------------------- */

static enum grab_next
greet_start(struct grab *g)
{
	grab_set_timeout(g, engine_opts(g->e)->sniff_timeout);
	return GRAB_MORE;
}

/*
 * Judges what the server said first; IN_TLS: on the tls probe, after
 * its handshake (the module is then the implicit-TLS one).
 */
static enum grab_next
greet_judge(struct grab *g, const uint8_t *data, size_t len, int final)
{
	const char *name = NULL, *tname;
	const struct grab_module *m;
	int in_tls = g->probe_kind == PROBE_TLS;

	switch (sniff_classify(data, len, final, &name)) {
	case SNIFF_MORE:
		grab_set_timeout(g, SNIFF_REST);
		return GRAB_MORE;
	case SNIFF_MATCH:
		tname = in_tls ? sniff_tls_module(name) : name;
		if (tname != NULL && (m = grab_module_find(tname)) != NULL) {
			if (g->probing)
				decide_here(g, name);
			/* The greeting says what it is, whatever follows. */
			if (m->service != NULL)
				grab_set_service(g, m->service);
			grab_handoff(g, tname);
			return GRAB_HANDOFF;
		}
		break;
	case SNIFF_UNKNOWN:
		break;
	}
	if (g->probing)
		decide_here(g, "unknown-banner");
	grab_handoff(g, "banner");
	return GRAB_HANDOFF;
}

static enum grab_next
greet_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	struct probe_state *st = grab_state(g);

	*used = 0; /* the module it hands to reads them again */
	st->len = len < SNIFF_KEEP ? len : SNIFF_KEEP;
	memcpy(st->buf, data, st->len);
	return greet_judge(g, data, len, 0);
}

static enum grab_next
greet_timeout(struct grab *g)
{
	struct probe_state *st = grab_state(g);

	if (st->len > 0)
		return greet_judge(g, st->buf, st->len, 1);
	note(g->j, g->probe_kind, "silent");
	return grab_fail(g, GRAB_S_IO_TIMEOUT,
	    "the server said nothing within %gs",
	    engine_opts(g->e)->sniff_timeout);
}

static enum grab_next
greet_eof(struct grab *g)
{
	struct probe_state *st = grab_state(g);

	if (st->len > 0)
		return greet_judge(g, st->buf, st->len, 1);
	note(g->j, g->probe_kind, "closed");
	return grab_fail(
	    g, GRAB_S_PROTO, "the server closed the connection without a word");
}

static const struct grab_module probe_greeting = {
    .name = "banner",
    .summary = "probe: wait for the server to speak first",
    .state_size = sizeof(struct probe_state),
    .start = greet_start,
    .input = greet_input,
    .eof = greet_eof,
    .timeout = greet_timeout,
};

/* --- tls: a handshake, then a greeting or HTTP inside ----------------- */

static enum grab_next
tls_start(struct grab *g)
{
	/* Any further failure is a fact about this TLS server. */
	decide_here(g, "handshake");
	job_set_service(g->j, "tls");
	grab_set_timeout(g, TLS_GREETING_WAIT);
	return GRAB_MORE;
}

static enum grab_next
tls_quiet(struct grab *g)
{
	struct probe_state *st = grab_state(g);

	if (st->len > 0)
		return greet_judge(g, st->buf, st->len, 1);
	grab_handoff(g, "https");
	return GRAB_HANDOFF;
}

static enum grab_next
tls_eof(struct grab *g)
{
	struct probe_state *st = grab_state(g);

	if (st->len > 0)
		return greet_judge(g, st->buf, st->len, 1);
	return GRAB_DONE; /* grab.tls has the facts; service "tls" */
}

/* Its result, when it ends here, adds to grab.tls (engine.c). */
static const struct grab_module probe_tls = {
    .name = "tls",
    .summary = "probe: TLS handshake, then a greeting or HTTP inside",
    .implicit_tls = 1,
    .state_size = sizeof(struct probe_state),
    .start = tls_start,
    .input = greet_input,
    .eof = tls_eof,
    .timeout = tls_quiet,
};

/* --- http, redis, postgres: one question each ----------------------- */

static enum grab_next
http_start(struct grab *g)
{
	const struct grab_config *c = grab_config(g);
	const char *host = c->http_host;
	char req[1024];
	int n;

	if (host == NULL)
		host = grab_host(g) != NULL ? grab_host(g) : grab_ip(g);
	n = snprintf(req, sizeof(req),
	    "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
	    "Accept: */*\r\nConnection: close\r\n\r\n",
	    host, c->user_agent != NULL ? c->user_agent : "nray-grab");
	if (n > 0 && (size_t)n < sizeof(req))
		grab_send(g, req, (size_t)n);
	return GRAB_MORE;
}

static enum grab_next
http_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	struct job *j = g->j;

	*used = len;
	switch (sniff_http(data, len, 0)) {
	case SNIFF_MORE:
		*used = 0;
		return GRAB_MORE;
	case SNIFF_MATCH:
		note(j, g->probe_kind, "http");
		j->http_seen = 1;
		/* Plain HTTP counts once TLS is out (nginx's 400 on TLS). */
		if (j->tls_failed && !j->decided)
			decide_fresh(g->e, j, g, "http");
		return GRAB_DONE;
	default:
		note(j, g->probe_kind, "not-http");
		return grab_fail(g, GRAB_S_PROTO, "not an HTTP answer");
	}
}

static enum grab_next
redis_start(struct grab *g)
{
	grab_send(g, "PING\r\n", 6);
	return GRAB_MORE;
}

static enum grab_next
redis_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	switch (sniff_redis(data, len, 0)) {
	case SNIFF_MORE:
		*used = 0;
		return GRAB_MORE;
	case SNIFF_MATCH:
		*used = len; /* the redis module asks its own question */
		decide_here(g, "redis");
		grab_handoff(g, "redis");
		return GRAB_HANDOFF;
	default:
		*used = len;
		note(g->j, g->probe_kind, "not-redis");
		return grab_fail(g, GRAB_S_PROTO, "not a Redis answer");
	}
}

static const uint8_t ssl_request[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};

static enum grab_next
pg_start(struct grab *g)
{
	grab_send(g, ssl_request, sizeof(ssl_request));
	return GRAB_MORE;
}

static enum grab_next
pg_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	struct probe_state *st = grab_state(g);

	*used = 0; /* all bytes so far, each time */
	if (sniff_postgres(data, len, 0) == SNIFF_MORE) {
		st->buf[0] = data[0];
		st->len = 1;
		grab_set_timeout(g, PG_SETTLE); /* nothing else may come */
		return GRAB_MORE;
	}
	*used = len;
	st->len = 0;
	note(g->j, g->probe_kind, "not-postgres");
	return grab_fail(g, GRAB_S_PROTO, "not a PostgreSQL answer");
}

static enum grab_next
pg_timeout(struct grab *g)
{
	struct probe_state *st = grab_state(g);

	if (sniff_postgres(st->buf, st->len, 1) == SNIFF_MATCH &&
	    !g->j->decided) {
		note(g->j, g->probe_kind, st->buf[0] == 'S' ? "S" : "N");
		decide_fresh(g->e, g->j, g, "postgres");
		return GRAB_DONE;
	}
	return grab_fail(g, GRAB_S_IO_TIMEOUT, "no answer");
}

/* A question that went unanswered: the server waits, or closed. */
static enum grab_next
ask_timeout(struct grab *g)
{
	return grab_fail(g, GRAB_S_IO_TIMEOUT, "no answer");
}

static enum grab_next
ask_eof(struct grab *g)
{
	note(g->j, g->probe_kind, "closed");
	return grab_fail(g, GRAB_S_PROTO, "closed without an answer");
}

static const struct grab_module probe_http = {
    .name = "http",
    .summary = "probe: a plain HTTP GET",
    .start = http_start,
    .input = http_input,
    .eof = ask_eof,
    .timeout = ask_timeout,
};

static const struct grab_module probe_redis = {
    .name = "redis",
    .summary = "probe: a Redis inline PING",
    .start = redis_start,
    .input = redis_input,
    .eof = ask_eof,
    .timeout = ask_timeout,
};

static const struct grab_module probe_pg = {
    .name = "postgres",
    .summary = "probe: a PostgreSQL SSLRequest",
    .state_size = sizeof(struct probe_state),
    .start = pg_start,
    .input = pg_input,
    .eof = ask_eof,
    .timeout = pg_timeout,
};

static const struct grab_module *const probe_modules[PROBE_END] = {
    NULL, &probe_greeting, &probe_tls, &probe_http, &probe_redis, &probe_pg};

/* --- the engine's side ------------------------------------------------ */

/* See engine.h. */
void
probe_begin(struct engine *e, struct job *j)
{
	/*
	 * Connected in this order, so a server that serves one connection
	 * at a time (openssl s_server) meets the handshake first and a
	 * greeting server's greeting reaches the greeting probe next.
	 */
	static const enum probe_kind order[] = {
	    PROBE_TLS, PROBE_GREETING, PROBE_HTTP, PROBE_REDIS, PROBE_PG};
	struct grab *g;
	enum probe_kind k;
	size_t i;

	j->step = STEP_SNIFF;
	j->decided = j->tls_failed = j->http_seen = 0;
	json_decref(j->probe_log);
	j->probe_log = json_object();
	json_decref(j->sniff_first);
	j->sniff_first = NULL;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		k = order[i];
		g = engine_start_grab(e, j, probe_modules[k]);
		g->probe_kind = k;
		g->probing = 1;
		j->probes[k] = g;
	}
}

/* What a probe that ended on its own saw, from its status. */
static const char *
outcome(const char *status)
{
	if (strcmp(status, GRAB_S_IO_TIMEOUT) == 0)
		return "no-answer";
	if (strcmp(status, GRAB_S_TLS) == 0)
		return "handshake-failed";
	return status;
}

/* See engine.h. */
int
probe_after(struct engine *e, struct grab *g)
{
	struct job *j = g->j;
	int k, live = 0;

	j->probes[g->probe_kind] = NULL;
	note(j, g->probe_kind, outcome(g->status));
	if (g->probe_kind == PROBE_GREETING) {
		json_decref(j->sniff_first);
		j->sniff_first = json_deep_copy(g->result);
	}
	if (j->decided)
		return 0;
	if (g->probe_kind == PROBE_TLS) {
		j->tls_failed = 1;
		if (j->http_seen) {
			decide_fresh(e, j, g, "http");
			return 0;
		}
	}
	for (k = PROBE_NONE + 1; k < PROBE_END; k++)
		live += j->probes[k] != NULL;
	if (live == 0) {
		if (j->http_seen)
			decide_fresh(e, j, g, "http");
		else
			undecided(j, engine_opts(e)->sniff_timeout);
	}
	return 0;
}
