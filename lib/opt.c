/* opt.c - range-checked option values and the shared exit conventions. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "nerr.h"
#include "opt.h"

static int stdout_epipe;

int
opt_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return NERR_PARSE;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return NERR_PARSE;
	if (errno == ERANGE || v < min || v > max)
		return NERR_RANGE;
	*out = v;
	return 0;
}

/* A non-negative decimal number with an optional suffix from units[]. */
static int
parse_scaled(const char *s, const char *const *units, const double *scale,
    double min, double max, double *out)
{
	double v;
	char *end;
	size_t i;

	if (s == NULL || !((*s >= '0' && *s <= '9') || *s == '.'))
		return NERR_PARSE;
	errno = 0;
	v = strtod(s, &end);
	/* Plain decimals only: strtod would also take "0x10" and "1e3". */
	if ((size_t)(end - s) != strspn(s, "0123456789."))
		return NERR_PARSE;
	if (errno == ERANGE || !isfinite(v))
		return NERR_RANGE;
	for (i = 0; units[i] != NULL; i++)
		if (strcmp(end, units[i]) == 0)
			break;
	if (units[i] == NULL)
		return NERR_PARSE;
	v *= scale[i];
	if (v < min || v > max)
		return NERR_RANGE;
	*out = v;
	return 0;
}

int
opt_parse_duration(const char *s, double min, double max, double *secs)
{
	static const char *const units[] = {"", "ms", "s", "m", "h", NULL};
	static const double scale[] = {1, 0.001, 1, 60, 3600};

	return parse_scaled(s, units, scale, min, max, secs);
}

int
opt_parse_rate(const char *s, double min, double max, double *out)
{
	static const char *const units[] = {"", "k", "K", "M", NULL};
	static const double scale[] = {1, 1e3, 1e3, 1e6};

	return parse_scaled(s, units, scale, min, max, out);
}

void
opt_usage_error(const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n",
	    log_progname(), msg, log_progname());
	exit(EXIT_USAGE);
}

uint64_t
opt_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (opt_parse_u64(s, min, max, &v) != 0)
		opt_usage_error(
		    "%s: '%s' is not a whole number from %llu to %llu", opt, s,
		    (unsigned long long)min, (unsigned long long)max);
	return v;
}

double
opt_duration(const char *opt, const char *s, double min, double max)
{
	double v;

	if (opt_parse_duration(s, min, max, &v) != 0)
		opt_usage_error("%s: '%s' is not a duration from %gs to %gs "
		                "(a number with ms, s, m or h)",
		    opt, s, min, max);
	return v;
}

double
opt_rate(const char *opt, const char *s, double min, double max)
{
	double v;

	if (opt_parse_rate(s, min, max, &v) != 0)
		opt_usage_error(
		    "%s: '%s' is not a rate from %g to %g per second "
		    "(a number, optionally with k or M)",
		    opt, s, min, max);
	return v;
}

void
opt_version(void)
{
	printf("%s %s\n", log_progname(), NRAY_VERSION);
	exit(opt_close_stdout());
}

/* True when stdout is a pipe or socket whose reader has gone away. */
static int
reader_gone(void)
{
	struct pollfd pfd = {.fd = 1, .events = POLLOUT};

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP));
}

int
opt_stdout_closed(void)
{
	if (!stdout_epipe && ferror(stdout) &&
	    (errno == EPIPE || reader_gone()))
		stdout_epipe = 1;
	return stdout_epipe;
}

int
opt_close_stdout(void)
{
	int failed = ferror(stdout), gone;

	/* A write that failed earlier left no errno behind: ask the pipe. */
	gone = stdout_epipe || (failed && reader_gone());
	errno = 0;
	if (fclose(stdout) != 0)
		failed = 1;
	if (!failed || gone || errno == EPIPE)
		return 0;
	log_warn("write error on standard output");
	return 1;
}
