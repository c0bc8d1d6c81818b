/*
 * log.h - messages on stderr, prefixed with the program name.
 *
 * The only place where nray prints diagnostics.  Messages carry no trailing
 * newline; log_* adds it.  The *x variants do not append strerror(errno).
 */
#ifndef NRAY_LOG_H
#define NRAY_LOG_H

#include <stdint.h>
#include <stdnoreturn.h>

/* Sets the program name used as the prefix (e.g. "nray-scan"). */
void log_init(const char *progname);
const char *log_progname(void);

/* Nonzero silences log_info (set by -q); warnings and errors still print. */
extern int log_quiet;

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void log_fatal(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
noreturn void log_fatalx(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Reports a rejected input line: "PROG: SOURCE:LINE: WHY: TEXT" with TEXT
 * shortened and made printable.  SOURCE is "stdin", "-" or a file name.
 */
void log_input_error(const char *source, uint64_t lineno, const char *why,
    const char *text, size_t len);

#endif
