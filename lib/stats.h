/*
 * stats.h - the closing summary every program writes.
 *
 * One line on stderr ("nray-targets: in=12 out=40 rejected=1 secs=0.02")
 * unless -q, and the same as one JSON object in the --stats FILE.
 *
 * Ownership: stats_new returns an object released by stats_emit.
 */
#ifndef NRAY_STATS_H
#define NRAY_STATS_H

#include <stdint.h>

struct stats;

/* Starts a summary; the clock for "secs" starts now. */
struct stats *stats_new(void);
void stats_u64(struct stats *st, const char *key, uint64_t v);
void stats_double(struct stats *st, const char *key, double v);
void stats_str(struct stats *st, const char *key, const char *v);

/*
 * Adds "secs", prints the line (unless log_quiet) and writes PATH (when not
 * NULL).  Frees ST.  Returns 0, or NERR_SYSTEM when PATH could not be
 * written (after a message).
 */
int stats_emit(struct stats *st, const char *path);

/* Seconds on the monotonic clock. */
double stats_now(void);

#endif
