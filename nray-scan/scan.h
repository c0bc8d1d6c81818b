/*
 * scan.h - the parts of nray-scan and how they share state.
 *
 * main.c     options, start-up, exit status
 * input.c    input items -> windows of targets; resolution; positions
 * engine.c   the epoll loop: jobs, queues, timing wheel (engine.h)
 * probe.c    one try: connect() and what its outcome means
 * timing.c   RTT estimates, token bucket, congestion control (AIMD)
 * hosts.c    bounded per-host table (in-flight counts, discovery, flags)
 * output.c   port/host records, progress, summary
 * resume.c   the resume file and the options hash
 *
 * Ownership: struct scan owns everything hanging off it; windows own their
 * targets, targets own their input record, ports and addresses.
 */
#ifndef NRAY_SCAN_H
#define NRAY_SCAN_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "addr.h"
#include "addrset.h"
#include "jsonl.h"
#include "perm.h"
#include "ports.h"
#include "target.h"

/* --states bits */
#define ST_OPEN     1u
#define ST_CLOSED   2u
#define ST_FILTERED 4u
#define ST_UNREACH  8u
#define ST_ALL      15u

#define WHEEL_BITS   16 /* 65536 one-millisecond slots */
#define WHEEL_SLOTS  (1u << WHEEL_BITS)
#define TIMEOUT_MAX  60.0 /* --timeout ceiling, fits in the wheel */
#define APO_MIN      32   /* answers before the all-ports-open verdict */
#define APO_OPENFRAC 0.95

struct scan_opts {
	const char *ports_spec;
	struct ports *ports; /* the default (-p) */
	const char *input_file;
	char **args;
	int nargs;
	unsigned states;
	double rate; /* 0: no cap */
	uint64_t concurrency;
	uint64_t host_conc;
	double timeout, min_timeout;
	int retries;     /* extra tries */
	int retries_set; /* given on the command line: do not adapt */
	int discover;
	uint64_t seed;
	struct shard shard;
	int sharded;
	const char *resume_path;
	uint64_t window;
	int have_source;
	u128 source;
	const char *dns_server;
	struct addrset *exclude;
	size_t max_line;
	int progress, quiet;
	const char *stats_path;
	uint64_t hash; /* of the options that shape the probe space */
	int workers;   /* processes sharing the scan (workers.c) */
	int worker;    /* this one's index, 0-based */
	int status_fd; /* a worker's status pipe to the parent, else -1 */
};

struct window;

/* One input target inside a window. */
struct tgt {
	uint64_t item;       /* 0-based input item number */
	uint64_t lineno;     /* for messages; 0 for arguments */
	json_t *rec;         /* the input record */
	struct ports *ports; /* own copy or the default */
	int own_ports;
	int excl;       /* some address may be excluded: check each */
	u128 lo;        /* first address of a range/CIDR/IP */
	u128 *addrs;    /* a resolved name's addresses, else NULL */
	uint64_t naddr; /* number of addresses */
	uint64_t base;  /* first element of the window's index space */
	uint64_t count; /* naddr * ports->n */
	char *host;     /* the name, when the target was one */
	int resolving;  /* a lookup is pending */
	struct window *w;
};

struct window {
	uint64_t first_item, n_items;
	uint64_t want_items; /* from a resume file: exactly this many, else 0 */
	uint64_t expect_size; /* from a resume file, else 0 */
	int have_expect;
	struct tgt *t;
	size_t nt, cap;
	size_t resolving; /* lookups pending */
	int sealed, prepared, done, abandoned;
	uint64_t size; /* elements: sum of the targets' counts */
	struct perm perm;
	uint64_t next;  /* positions below were taken */
	uint64_t *redo; /* positions to take first (from a resume file) */
	size_t nredo, redo_i, capredo;
	uint64_t outstanding; /* taken and not final */
	struct window *next_w;
};

/* An element of a window: what one probe is about. */
struct elem {
	struct window *w;
	struct tgt *t;
	uint64_t pos;
	u128 addr;
	uint16_t port;
};

/* ---- input.c ---- */
struct input;

struct input *input_new(struct scan_opts *o);
void input_free(struct input *in);
/* The fd to watch for input, or -1 (arguments or a regular file). */
int input_fd(const struct input *in);
/* Input fd became readable. */
void input_readable(struct input *in);
/* The input fd cannot be watched (e.g. /dev/null): treat it as readable. */
void input_unwatchable(struct input *in);
/*
 * Reads what is available into windows.  ENGINE_IDLE says the engine has
 * nothing left to start: a partial window is then sealed rather than kept.
 * STOPPING: read nothing more.
 */
void input_pump(struct input *in, int engine_idle, int stopping);
/*
 * The next element to probe: 1 and *e, or 0 when none is ready now.
 * Elements outside the shard or excluded are skipped (and counted).
 */
int input_take(struct input *in, struct elem *e);
/* An element taken earlier is final (reported or skipped for good). */
void input_release(struct input *in, struct window *w);
/* Everything read, resolved, taken and released. */
int input_finished(const struct input *in);
/* Nothing left to take in any started or ready window. */
int input_drained(const struct input *in);
/* Resolver hooks for the engine's epoll loop. */
struct resolver *input_resolver(struct input *in);
/* Stats and resume support. */
uint64_t input_rejected(const struct input *in);
uint64_t input_items(const struct input *in);
uint64_t input_skipped(const struct input *in);
uint64_t input_unresolved(const struct input *in);
/* Total elements when known (input at end and every window prepared). */
int input_total(const struct input *in, uint64_t *total);
struct window *input_windows(const struct input *in);
/* Apply a resume point: skip done items and replay partial windows. */
void input_set_resume(struct input *in, uint64_t items_done,
    struct window *partial /* list, adopted */);
/* Items fully done: the first item of the oldest live window. */
uint64_t input_items_done(const struct input *in);
/* Set by the engine: called with (engine, fd, readable, writable). */
void input_set_sock_cb(
    struct input *in, void (*cb)(void *, int, int, int), void *arg);

/* ---- hosts.c ---- */
struct host {
	u128 addr;
	uint32_t inflight;
	uint32_t answered, open, closed, silent;
	int32_t dhead, dtail; /* deferred jobs (per-host cap) */
	uint8_t used, up, flagged;
};

struct hosts;
struct hosts *hosts_new(size_t capacity);
void hosts_free(struct hosts *h);
/* The entry for ADDR; with CREATE a new one (which may evict an idle one). */
struct host *hosts_get(struct hosts *h, u128 addr, int create);
/* Calls FN for every entry (for the resume file). */
void
hosts_foreach(struct hosts *h, void (*fn)(void *, struct host *), void *arg);
size_t hosts_evicted(const struct hosts *h);

/* ---- timing.c ---- */
struct rtt;
struct rtt *rtt_new(double min_timeout, double max_timeout);
void rtt_free(struct rtt *r);
/* The probe timeout for ADDR in seconds; *informed: based on samples. */
double rtt_timeout(struct rtt *r, u128 addr, int *informed);
/* A round-trip sample for ADDR. */
void rtt_sample(struct rtt *r, u128 addr, double secs);
/* The global smoothed estimate (srtt), or -1 before any sample. */
double rtt_global(const struct rtt *r);

struct bucket {
	double rate; /* tokens per second; 0: unlimited */
	double tokens, burst, last;
};
void bucket_init(struct bucket *b, double rate, double now);
void bucket_refill(struct bucket *b, double rate, double now);
/* Milliseconds until one token is there (0: now). */
int bucket_wait_ms(const struct bucket *b, double rate);

struct cc {
	double cwnd, cmin, cmax; /* in-flight window */
	double ratef;            /* factor on --rate, (0, 1] */
	double epoch_start, hold_until;
	uint64_t ep_answers, ep_late, ep_timeouts;
	double base_silent; /* slow average of the silent fraction */
	double start;
	int have_base, jumps;
	uint64_t answers, late; /* totals, for the loss estimate */
	uint64_t cuts;
};
void cc_init(struct cc *c, double cmax, double now);
/* Answer to a probe on try TRIES (1 = first). */
void cc_answer(struct cc *c, int tries);
/* A silent try; INFORMED: its timeout came from RTT samples. */
void cc_timeout(struct cc *c, int informed);
/* A local resource error: shrink to below INFLIGHT at once. */
void cc_local(struct cc *c, uint64_t inflight);
/* Ends an epoch when due: cut on loss, else grow. HOLD: seconds to wait. */
void cc_tick(struct cc *c, double now, double hold);
/* Measured loss per try (late answers / answers), 0 before enough data. */
double cc_loss(const struct cc *c);
/* Extra tries to use: at least MIN, more when measured loss asks for it. */
int cc_retries(const struct cc *c, int min);

/* ---- output.c ---- */
struct scan_counts {
	uint64_t probes, answers, open, closed, filtered, unreach;
	uint64_t retries, local_errs, skipped, hosts_up, flagged;
	uint64_t final, cuts;
	double loss;
	int retries_used;
};

void out_init(struct scan_opts *o);
/*
 * A final port state for E: STATE "open", "closed", ...; RTT in seconds or
 * < 0 when nothing answered.  Writes when --states asks for it.
 */
void out_port(const struct elem *e, unsigned stbit, const char *state,
    const char *reason, double rtt);
/* A host record (discovery, all-ports-open). FLAG may be NULL. */
void out_host(
    const struct elem *e, const char *reason, double rtt, const char *flag);
/* Flushes stdout when something was written: 0, or -1 when stdout went. */
int out_flush(void);
/* True when stdout failed for another reason than a closed pipe. */
int out_failed(void);
/* Progress on stderr when due; FORCE at the end clears the line. */
void out_progress(const struct scan_counts *c, uint64_t done, int have_total,
    uint64_t total, double now, int force);

/* ---- workers.c ---- */
/*
 * With o->workers > 1: forks the workers.  Returns -1 in a worker (which
 * then scans its share as usual) and the exit status in the parent, after
 * every worker ended and their output and summaries were merged.
 */
int workers_run(struct scan_opts *o);
/* True when ADDR's host belongs to this worker. */
int workers_owns(const struct scan_opts *o, u128 addr);
/* A worker's progress, to the parent. */
void workers_report(const struct scan_opts *o, uint64_t done, int have_total,
    uint64_t total, uint64_t probes, uint64_t open);

/* ---- resume.c ---- */
/* Hash of the options that shape the probe space. */
uint64_t resume_hash(const struct scan_opts *o);
/*
 * Loads PATH when it exists: 1 and the state applied to IN and HOSTS,
 * 0 when there is no file.  Exits 2 on a mismatch, 1 on a bad file.
 */
int
resume_load(const struct scan_opts *o, struct input *in, struct hosts *hosts);
/* Writes the resume point; REDO lists taken-but-not-final jobs. 0 or -1. */
int
resume_save(const struct scan_opts *o, struct input *in, struct hosts *hosts);
/* Registers a taken-but-not-final position of W (before resume_save). */
void resume_add_redo(struct window *w, uint64_t pos);

/* ---- engine.c ---- */
/*
 * Runs the scan; the counts through *c.  0 when it completed (or stopped on
 * a signal: see sig_stop), 1 when stdout went away, -1 on a failure.
 */
int engine_run(struct scan_opts *o, struct input *in, struct hosts *hosts,
    struct scan_counts *c);

#endif
