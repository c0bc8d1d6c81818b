/* log.c - diagnostics on stderr, prefixed with the program name. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *progname = "nray";
int log_quiet;

void
log_init(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

const char *
log_progname(void)
{
	return progname;
}

static void __attribute__((format(printf, 2, 0)))
vlog(int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno)
		fprintf(stderr, "%s: %s: %s\n", progname, msg, strerror(saved));
	else
		fprintf(stderr, "%s: %s\n", progname, msg);
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_quiet)
		return;
	va_start(ap, fmt);
	vlog(0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(0, fmt, ap);
	va_end(ap);
}

void
log_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(1, fmt, ap);
	va_end(ap);
	exit(status);
}

void
log_fatalx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(0, fmt, ap);
	va_end(ap);
	exit(status);
}

void
log_input_error(const char *source, uint64_t lineno, const char *why,
    const char *text, size_t len)
{
	char shown[81];
	size_t i, n = 0;

	/* Show at most 60 bytes of the line, with unprintable bytes as '?'. */
	for (i = 0; i < len && n < 60; i++) {
		unsigned char c = (unsigned char)text[i];
		shown[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	shown[n] = '\0';
	fprintf(stderr, "%s: %s:%llu: %s: \"%s%s\"\n", progname, source,
	    (unsigned long long)lineno, why, shown, i < len ? "..." : "");
}
