/*
 * engine.h - nray-grab's inside: jobs, the event loop, TLS, auto-detection.
 *
 * A job is one accepted input line: its record, the address and port to
 * speak to, and the grabs (module runs, each on its own connections) that
 * fill record.grab.  main.c reads input and makes jobs; engine.c runs
 * them on one epoll loop and hands finished jobs back to main.c, which
 * writes them out.  auto.c chains the grabs of the default "auto" choice.
 *
 * Ownership: the engine owns a job from engine_add_job until it hands it
 * to output_job, which consumes it (job_free).
 */
#ifndef NRAY_GRAB_ENGINE_H
#define NRAY_GRAB_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "addrset.h"
#include "grab.h"
#include "sniff.h"

#define GRAB_MAX_MODULES 32 /* modules in one --modules list */

struct grab_opts {
	struct grab_config cfg;
	const struct grab_module *mods[GRAB_MAX_MODULES];
	size_t nmods; /* 0: auto */
	uint64_t concurrency;
	double rate; /* new connections per second; 0: no cap */
	double connect_timeout, read_timeout, timeout;
	double sniff_timeout; /* how long the probes wait for an answer */
	int have_source;
	u128 source;
	const struct addrset *exclude;
	size_t max_line;
	int progress, quiet;
};

/*
 * The parallel probes of sniffing (probe.c), each on its own connection:
 * the index of a probe in job.probes.  PROBE_NONE: not a probe.
 */
enum probe_kind {
	PROBE_NONE,
	PROBE_GREETING, /* wait for the server to speak first */
	PROBE_TLS,      /* a TLS handshake, then a greeting or HTTP inside */
	PROBE_HTTP,     /* a plain HTTP GET */
	PROBE_REDIS,    /* a Redis inline PING */
	PROBE_PG,       /* a PostgreSQL SSLRequest */
	PROBE_END,
};

struct job {
	json_t *rec;   /* the output record (owned) */
	json_t *grabs; /* rec.grab (borrowed from rec) */
	u128 addr;
	uint16_t port;
	char ip[ADDR_STRLEN];
	char *host; /* a name from the record, or NULL */
	uint64_t lineno;
	int pending; /* grabs not finished */
	int resolving;
	enum auto_step step;
	struct grab *probes[PROBE_END]; /* probes still running */
	json_t *probe_log;   /* what each probe saw (grab.banner.probes) */
	json_t *sniff_first; /* the greeting probe's result, when it failed */
	int decided;         /* a probe chose the module */
	int tls_failed;      /* the TLS probe ended without a handshake */
	int http_seen;       /* the HTTP probe got an HTTP answer */
	int verdict;         /* "service" set by this run */
	int skip_grab;       /* excluded after resolution: written unchanged */
	struct engine *engine;
};

struct engine;

/* What epoll's data.ptr points at: the first member of its owner. */
enum ev_kind { EV_GRAB, EV_INPUT, EV_RESOLVER };
struct evsrc {
	enum ev_kind kind;
	int fd;
};

/* Timers: FIFO lists, one per duration, so arming is O(1). */
struct tlist;
struct grab;
struct tnode {
	struct tnode *prev, *next;
	struct tlist *list;
	struct grab *g; /* the grab it belongs to */
	double when;
};

enum gphase {
	G_QUEUED,     /* waiting for a slot or a rate token */
	G_CONNECTING, /* non-blocking connect in progress */
	G_HANDSHAKE,  /* TLS handshake in progress */
	G_OPEN,       /* the module talks */
	G_DONE,       /* finished; freed at the end of the loop turn */
};

struct grab {
	struct evsrc ev; /* first: epoll's data.ptr */
	struct engine *e;
	struct job *j;
	const struct grab_module *mod;
	void *state;
	json_t *result;
	enum gphase phase;
	SSL *ssl;
	char *ja3s;
	char *sni;
	int tls_active, want_tls, tls_done, after_starttls;
	int started, in_connq, eof_seen, fresh, starttls_pending;
	int timer_set, service_set, handoffs, reconnects, resets, cleaned;
	enum probe_kind probe_kind; /* which probe this grab is or was */
	int probing;                /* a probe that has not decided */
	double began;               /* when its first connection started */
	uint32_t evmask;
	uint8_t *in;
	size_t in_len, in_cap;
	uint64_t total_read;
	uint8_t *out;
	size_t out_len, out_off;
	int send_overflow;
	char handoff[32];
	const char *status;
	struct tnode t_io, t_whole;
	struct grab *qnext;
	size_t live_idx; /* in the engine's list of live grabs */
};

/* --- engine.c, for conn.c ------------------------------------------- */

/* Seconds on the monotonic clock, cached per loop turn. */
double engine_now(const struct engine *e);
/* The options (borrowed, live as long as the engine). */
const struct grab_opts *engine_opts(const struct engine *e);
/* The shared TLS client context (tlsinfo_ctx_new). */
SSL_CTX *engine_ssl_ctx(const struct engine *e);

/* Arms node T to fire SECS from now (re-arming moves it). */
void timer_arm(struct engine *e, struct tnode *t, double secs);
/* Disarms T; a no-op when it is not armed. */
void timer_cancel(struct tnode *t);

/* Sets G's epoll interest (0: remove); returns 0 or -errno. */
int engine_set_events(struct engine *e, struct grab *g, uint32_t events);

/* Queues G for a connection (FRONT: a reconnect, before new grabs). */
void engine_connq_push(struct engine *e, struct grab *g, int front);

/* G finished (status set): records it, frees it at the end of the turn. */
void engine_grab_done(struct engine *e, struct grab *g);

/* Counts a connection attempt and BYTES read. */
void engine_count(struct engine *e, int connects, uint64_t bytes);

/* --- conn.c --------------------------------------------------------- */

/* A new grab of M for J (queued, not connected). */
struct grab *
conn_new(struct engine *e, struct job *j, const struct grab_module *m);
/* Connects G (a slot and a token are granted). */
void conn_connect(struct grab *g);
/* Epoll reported EVENTS on G's socket. */
void conn_event(struct grab *g, uint32_t events);
/* Timer T of G fired. */
void conn_timer(struct grab *g, struct tnode *t);
/* Ends G now with STATUS and WHY (stop, local failure). */
void conn_abort(struct grab *g, const char *status, const char *why);
/* Releases G (after engine_grab_done). */
void conn_free(struct grab *g);

/* --- engine.c, for main.c ------------------------------------------ */

/* A job for record REC (taken) on PORT; HOST (copied) may be NULL. */
struct job *job_new(json_t *rec, uint16_t port, const char *host);
/* Releases J and its record; job_free(NULL) is a no-op. */
void job_free(struct job *j);

/* An engine for options O (borrowed); exits on a set-up failure. */
struct engine *engine_new(const struct grab_opts *o);
/* Ends what is still running (no output) and releases E. */
void engine_free(struct engine *e);

/*
 * Takes J: resolves its host first unless HAVE_ADDR (j->addr and j->ip
 * set), then runs its grabs; the finished job goes to output_job.
 */
void engine_add_job(struct engine *e, struct job *j, int have_addr);

/* True while the engine wants more jobs (flow control for input). */
int engine_wants_jobs(const struct engine *e);

/* Runs until input is done and every job is out; 0 or NERR_SYSTEM. */
int engine_run(struct engine *e);

/* Watches FD (input, edge-triggered); 0, or -1 when it cannot. */
int engine_watch_input(struct engine *e, int fd);

struct engine_counts {
	uint64_t jobs, grabs, success, failed, connects, bytes_in;
	uint64_t unresolved, excluded, inflight, probes;
};
/* The counts so far, for progress and the summary. */
void engine_counts(const struct engine *e, struct engine_counts *c);

/* --- implemented by main.c, called by the engine -------------------- */

/*
 * Reads what input is available while the engine wants jobs; 1 when more
 * could be read right now (the loop must not sleep), else 0.
 */
int input_pump(struct engine *e);
/* Input fd became readable. */
void input_readable(void);
/* True at end of input (or when input was closed by a stop). */
int input_done(void);
/* Stop reading input (signal). */
void input_stop(void);
/* A finished job: write it and free it. */
void output_job(struct job *j);
/* True once stdout went away (| head): stop everything. */
int output_closed(void);
/* Progress line, at most every so often. */
void output_progress(const struct engine *e, double now);

/* --- auto.c --------------------------------------------------------- */

/* The first modules to run for J; calls engine_start_grab. */
void auto_begin(struct engine *e, struct job *j);

/*
 * Grab G of job G->j ended (G->status set).  Returns 1 to keep its result
 * in the record, 0 to drop it; starts the next step (engine_start_grab)
 * when there is one.
 */
int auto_after(struct engine *e, struct grab *g);

/* --- probe.c -------------------------------------------------------- */

/*
 * Starts sniffing J: every probe at once, each on its own connection.
 * The first decisive answer chooses the module (on the probe's own
 * connection, or a fresh one) and cancels the other probes; no decisive
 * answer within --sniff-timeout leaves grab.banner as the result.
 */
void probe_begin(struct engine *e, struct job *j);

/* Probe G ended without deciding; returns 0 (its result is dropped). */
int probe_after(struct engine *e, struct grab *g);

/* Queues a grab of M on J; returns it (owned by the engine). */
struct grab *
engine_start_grab(struct engine *e, struct job *j, const struct grab_module *m);

/* True while stopping (no new steps). */
int engine_stopping(const struct engine *e);

/* Sets J's "service" verdict. */
void job_set_service(struct job *j, const char *service);

/* --- tlsinfo.c ------------------------------------------------------ */

/* A permissive client context (see nray-grab(1)); NULL on failure. */
SSL_CTX *tlsinfo_ctx_new(void);

/* Per connection: remembers the ServerHello's JA3S fields in *JA3S. */
void tlsinfo_ssl_setup(SSL *ssl, char **ja3s);

/*
 * The grab.tls facts of the handshake on SSL: NAME is the name sent as
 * SNI (or NULL), IP the address text, JA3S the string captured (or NULL).
 * Returns a new object.
 */
json_t *
tlsinfo_facts(SSL *ssl, const char *name, const char *ip, const char *ja3s);

#endif
