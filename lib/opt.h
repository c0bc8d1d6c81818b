/*
 * opt.h - option helpers shared by every program.
 *
 * Numbers are range-checked; a bad value is a usage error (exit 2) with a
 * message that names the option.
 */
#ifndef NRAY_OPT_H
#define NRAY_OPT_H

#include <stdint.h>
#include <stdnoreturn.h>

#define NRAY_VERSION "0.1.0"

/* Exit statuses shared by the suite. */
#define EXIT_REJECTED 1 /* runtime failure or rejected input */
#define EXIT_USAGE    2

/* Parses a whole decimal number in [min, max]; 0, or NERR_PARSE/NERR_RANGE. */
int opt_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Parses a duration: a number with an optional unit ms, s (default), m, h;
 * fractions allowed ("1.5s", "250ms").  0, or NERR_PARSE/NERR_RANGE when
 * outside [min, max] seconds.
 */
int opt_parse_duration(const char *s, double min, double max, double *secs);

/*
 * Parses a rate: a number with an optional k or M suffix ("50k"), in
 * [min, max] per second.
 */
int opt_parse_rate(const char *s, double min, double max, double *out);

/* Option-value wrappers: on error, a usage error naming OPT and the range. */
uint64_t opt_u64(const char *opt, const char *s, uint64_t min, uint64_t max);
double opt_duration(const char *opt, const char *s, double min, double max);
double opt_rate(const char *opt, const char *s, double min, double max);

/* "PROG: MSG" and "Try 'PROG --help'." on stderr, then exit(2). */
noreturn void
opt_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "PROG VERSION" on stdout and exits 0. */
noreturn void opt_version(void);

/*
 * Closes stdout at exit and checks that every write reached it: returns 0,
 * or 1 after a message when a write failed (a closed pipe is not a failure:
 * the program was stopped by its reader, e.g. | head).
 */
int opt_close_stdout(void);

/* True once a write to stdout failed with EPIPE: stop quietly. */
int opt_stdout_closed(void);

#endif
