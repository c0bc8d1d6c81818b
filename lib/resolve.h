/*
 * resolve.h - non-blocking A/AAAA resolution on c-ares.
 *
 * Many names are in flight at once; results come back through callbacks.
 * The resolver fits either an external event loop (nray-scan's epoll: it
 * tells which sockets to watch through resolve_sock_cb and is driven by
 * resolve_process_fd and resolve_timeout_ms) or stands alone
 * (resolve_wait, for nray-targets).
 *
 * Ownership: resolve_new returns a resolver released with resolve_free,
 * which cancels what is pending (their callbacks run with NERR_EMPTY and
 * no addresses).  Callback arguments are borrowed for the call only.
 */
#ifndef NRAY_RESOLVE_H
#define NRAY_RESOLVE_H

#include <stddef.h>

#include "addr.h"

#define RESOLVE_V4 1
#define RESOLVE_V6 2

struct resolver;

/*
 * Called once per submitted name: status 0 with n >= 1 addresses (v4 ones
 * first, duplicates removed), or a negative NERR_* code with n == 0 and a
 * static reason in why ("no such name", "no address", "timeout", "server
 * failure", ...).
 */
typedef void (*resolve_cb)(void *arg, const char *name, int status,
    const u128 *addrs, size_t n, const char *why);

/*
 * Called when the resolver wants a socket watched: readable/writable say
 * for what; both 0 means stop watching fd.
 */
typedef void (*resolve_sock_cb)(void *arg, int fd, int readable, int writable);

struct resolve_opts {
	const char *servers; /* "ADDR[:PORT],..." or NULL: /etc/resolv.conf */
	double timeout;      /* seconds per try; 0: the default (2 s) */
	int tries;           /* 0: the default (3) */
	resolve_sock_cb sock_cb; /* NULL: standalone use with resolve_wait */
	void *sock_arg;
};

/* 0 and *out, or a negative NERR_* code with a static reason in *why. */
int resolve_new(
    const struct resolve_opts *o, struct resolver **out, const char **why);
void resolve_free(struct resolver *r);

/* Starts resolving NAME for FAMILIES (RESOLVE_V4 | RESOLVE_V6). */
void resolve_submit(struct resolver *r, const char *name, int families,
    resolve_cb cb, void *arg);

/* Names submitted whose callback has not run yet. */
size_t resolve_pending(const struct resolver *r);

/* External loop: FD became readable/writable. */
void resolve_process_fd(struct resolver *r, int fd, int readable, int writable);

/* External loop: ms until resolve_process_timeouts must run; -1: nothing. */
int resolve_timeout_ms(struct resolver *r);
void resolve_process_timeouts(struct resolver *r);

/*
 * Standalone: waits up to TIMEOUT_MS (-1: until one answer) and processes
 * what arrived.  Returns 0, or NERR_SYSTEM (errno; EINTR on a signal).
 */
int resolve_wait(struct resolver *r, int timeout_ms);

#endif
