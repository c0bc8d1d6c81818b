/*
 * engine.h - the engine's jobs and state, shared by engine.c (the loop,
 * queues and timing wheel) and probe.c (starting probes and judging their
 * outcome).  Internal to nray-scan.
 */
#ifndef NRAY_SCAN_ENGINE_H
#define NRAY_SCAN_ENGINE_H

#include <stdint.h>

#include "scan.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define TAG_INPUT   (UINT64_C(1) << 62)
#define TAG_RES     (UINT64_C(1) << 61)
#define TAG_OUT     (UINT64_C(1) << 60)
#define NEVENTS     4096
#define TURN_START  512   /* probes started per loop turn at most */
#define TURN_ELEMS  65536 /* elements looked at per turn (skips, defers) */
#define CLOCK_EVERY 128   /* probes started between clock readings */
#define MAX_LFAILS  200   /* local errors on one job before giving up */

/* Where a job is. */
enum {
	J_FREE,   /* on the free list */
	J_FLIGHT, /* a socket in epoll, on the timing wheel */
	J_JUDGED, /* its try just ended: being judged */
	J_RETRY,  /* queued for another try */
	J_READY,  /* was deferred, may start now */
	J_DEFER,  /* waits behind its host's in-flight cap */
};

struct job {
	struct elem e;
	double start;
	int fd;
	int32_t next, prev;
	uint8_t tries, where, informed;
	uint16_t lfails;
};

struct fifo {
	int32_t head, tail;
	size_t n;
};

struct engine {
	struct scan_opts *o;
	struct input *in;
	struct hosts *hosts;
	struct scan_counts *c;
	int ep;
	struct job *jobs;
	int32_t freelist;
	size_t njobs, nfree, ndefer;
	int32_t *wheel;
	uint64_t tick, now_ms, inflight;
	struct fifo retry, ready;
	struct rtt *rtt;
	struct bucket bk;
	struct cc cc;
	double now, pause_until, backoff;
	int stopping, gone, retries, turn_full;
	int warned_local, warned_family;
};

/* Seconds on the monotonic clock. */
double mono(void);
/* Appends J to F (or puts it first with FRONT). */
void fifo_push(struct engine *g, struct fifo *f, int32_t j, int front);
/* Puts in-flight J on the wheel, due TIMEOUT seconds from now. */
void wheel_add(struct engine *g, int32_t j, double timeout);
/* Takes in-flight J off the wheel. */
void wheel_del(struct engine *g, int32_t j);
/* After the first RTT sample: shortens the ceiling timeouts in flight. */
void wheel_rearm(struct engine *g);

/* probe.c */
/* J is final: releases its element and the job. */
void job_final(struct engine *g, int32_t j);
/* A silent try of J: queue a retry, or report the port filtered. */
void job_silent(struct engine *g, int32_t j);
/*
 * Moves every job deferred on H (by --host-concurrency) to the ready
 * queue: for a host that needs no more probes (flagged, or up with
 * --discover), whose deferred jobs no answer would otherwise release.
 */
void host_release_deferred(struct engine *g, struct host *h);
/* Starts a try of J (a probe, or an outcome at once on a local error). */
void probe_start(struct engine *g, int32_t j);
/* Epoll reported EVENTS on J's socket: the connect finished. */
void probe_event(struct engine *g, int32_t j, uint32_t events);

#endif
