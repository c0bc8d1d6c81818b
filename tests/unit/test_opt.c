/* test_opt.c - opt.h: range-checked numbers, durations and rates. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "nerr.h"
#include "opt.h"
#include "tap.h"

static void
u64_ok(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
	uint64_t v = 12345;
	int rc = opt_parse_u64(s, min, max, &v);

	ok(rc == 0 && v == want, "u64 \"%s\" in [%llu, %llu] is %llu", s,
	    (unsigned long long)min, (unsigned long long)max,
	    (unsigned long long)want);
}

static void
u64_bad(const char *s, uint64_t min, uint64_t max, int want)
{
	uint64_t v = 12345;
	int rc = opt_parse_u64(s, min, max, &v);

	is_int(rc, want, "u64 \"%s\" in [%llu, %llu] is %s", s,
	    (unsigned long long)min, (unsigned long long)max, nerr_str(want));
	is_int(v, 12345, "u64 \"%s\": *out untouched", s);
}

static void
test_u64(void)
{
	u64_ok("0", 0, 10, 0);
	u64_ok("10", 0, 10, 10);
	u64_ok("1", 1, 1, 1);
	u64_ok("65535", 1, 65535, 65535);
	u64_ok("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
	u64_bad("11", 0, 10, NERR_RANGE);
	u64_bad("0", 1, 10, NERR_RANGE);
	u64_bad("65536", 1, 65535, NERR_RANGE);
	u64_bad("18446744073709551616", 0, UINT64_MAX, NERR_RANGE);
	u64_bad("99999999999999999999999", 0, UINT64_MAX, NERR_RANGE);
	u64_bad("", 0, 10, NERR_PARSE);
	u64_bad("abc", 0, 10, NERR_PARSE);
	u64_bad("5x", 0, 10, NERR_PARSE);
	u64_bad("5 ", 0, 10, NERR_PARSE);
	u64_bad(" 5", 0, 10, NERR_PARSE);
	u64_bad("-1", 0, 10, NERR_PARSE);
	u64_bad("+1", 0, 10, NERR_PARSE);
	u64_bad("0x10", 0, 100, NERR_PARSE);
	u64_bad("1e3", 0, 10000, NERR_PARSE);
	u64_bad("1.0", 0, 10, NERR_PARSE);
	u64_bad("1,000", 0, 10000, NERR_PARSE);
}

static void
dur_ok(const char *s, double min, double max, double want)
{
	double v = -7;
	int rc = opt_parse_duration(s, min, max, &v);

	if (!ok(rc == 0 && fabs(v - want) < 1e-9, "duration \"%s\" is %gs", s,
	        want))
		printf("#   rc %d, got %.17g\n", rc, v);
}

static void
dur_bad(const char *s, double min, double max, int want)
{
	double v = -7;
	int rc = opt_parse_duration(s, min, max, &v);

	is_int(rc, want, "duration \"%s\" in [%g, %g] is %s", s, min, max,
	    nerr_str(want));
	ok(v == -7, "duration \"%s\": *secs untouched", s);
}

static void
test_duration(void)
{
	dur_ok("250ms", 0, 3600, 0.25);
	dur_ok("1.5s", 0, 3600, 1.5);
	dur_ok("2m", 0, 3600, 120);
	dur_ok("1h", 0, 3600, 3600);
	dur_ok("10", 0, 3600, 10);
	dur_ok("0.5", 0, 3600, 0.5);
	dur_ok(".5s", 0, 3600, 0.5);
	dur_ok("1ms", 0.001, 1, 0.001);
	dur_ok("0", 0, 1, 0);
	dur_bad("2h", 0, 3600, NERR_RANGE);
	dur_bad("0ms", 0.001, 10, NERR_RANGE);
	dur_bad("0.5ms", 0.001, 10, NERR_RANGE);
	dur_bad("61m", 0, 3600, NERR_RANGE);
	dur_bad("5x", 0, 3600, NERR_PARSE);
	dur_bad("5sec", 0, 3600, NERR_PARSE);
	dur_bad("5 s", 0, 3600, NERR_PARSE);
	dur_bad("5s ", 0, 3600, NERR_PARSE);
	dur_bad("5ss", 0, 3600, NERR_PARSE);
	dur_bad("5d", 0, 1e9, NERR_PARSE);
	dur_bad("5us", 0, 3600, NERR_PARSE);
	dur_bad("s", 0, 3600, NERR_PARSE);
	dur_bad("ms", 0, 3600, NERR_PARSE);
	dur_bad("", 0, 3600, NERR_PARSE);
	dur_bad(".", 0, 3600, NERR_PARSE);
	dur_bad("-1s", -10, 3600, NERR_PARSE);
	dur_bad("1.5.2s", 0, 3600, NERR_PARSE);
	dur_bad("inf", 0, INFINITY, NERR_PARSE);
	dur_bad("nan", 0, 3600, NERR_PARSE);
	/* Decimal numbers only: no hex floats from strtod. */
	dur_bad("0x10", 0, 3600, NERR_PARSE);
	dur_bad("0x1p3s", 0, 3600, NERR_PARSE);
}

static void
rate_ok(const char *s, double min, double max, double want)
{
	double v = -7;
	int rc = opt_parse_rate(s, min, max, &v);

	if (!ok(rc == 0 && fabs(v - want) < 1e-6, "rate \"%s\" is %g", s, want))
		printf("#   rc %d, got %.17g\n", rc, v);
}

static void
rate_bad(const char *s, double min, double max, int want)
{
	double v = -7;
	int rc = opt_parse_rate(s, min, max, &v);

	is_int(rc, want, "rate \"%s\" in [%g, %g] is %s", s, min, max,
	    nerr_str(want));
	ok(v == -7, "rate \"%s\": *out untouched", s);
}

static void
test_rate(void)
{
	rate_ok("50k", 1, 1e7, 50000);
	rate_ok("1M", 1, 1e7, 1e6);
	rate_ok("1000", 1, 1e7, 1000);
	rate_ok("2.5k", 1, 1e7, 2500);
	rate_ok("0.5", 0, 10, 0.5);
	rate_ok("10M", 1, 1e7, 1e7);
	rate_bad("2M", 1, 1e6, NERR_RANGE);
	rate_bad("0", 1, 1e6, NERR_RANGE);
	rate_bad("1000001", 1, 1e6, NERR_RANGE);
	rate_bad("50kk", 1, 1e9, NERR_PARSE);
	rate_bad("k", 1, 1e9, NERR_PARSE);
	rate_bad("50x", 1, 1e9, NERR_PARSE);
	rate_bad("1G", 1, 1e12, NERR_PARSE);
	rate_bad("-5", -10, 1e9, NERR_PARSE);
	rate_bad("", 1, 1e9, NERR_PARSE);
	rate_bad("5 k", 1, 1e9, NERR_PARSE);
	rate_bad("0x10", 1, 1e9, NERR_PARSE);
}

/*
 * Runs FN in a child with stderr captured; returns its exit status
 * (-1 when it did not exit) and the first bytes of its stderr in ERR.
 */
static int
in_child(void (*fn)(void), char *err, size_t errsize)
{
	int fds[2], status;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	fflush(stdout);
	if (pipe(fds) != 0 || (pid = fork()) < 0)
		abort();
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 2);
		fn();
		_exit(99);
	}
	close(fds[1]);
	while (got + 1 < errsize &&
	    (n = read(fds[0], err + got, errsize - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void
bad_u64(void)
{
	opt_u64("--concurrency", "70000", 1, 65535);
}

static void
bad_duration(void)
{
	opt_duration("--timeout", "5 days", 0.001, 3600);
}

static void
bad_rate(void)
{
	opt_rate("--rate", "fast", 1, 1e6);
}

static void
test_wrappers(void)
{
	char err[1024];
	int st;

	log_init("/usr/bin/nray-test");
	ok(opt_u64("--concurrency", "100", 1, 65535) == 100,
	    "opt_u64 returns the value");
	ok(opt_duration("--timeout", "250ms", 0.001, 3600) == 0.25,
	    "opt_duration returns the value");
	ok(opt_rate("--rate", "50k", 1, 1e6) == 50000,
	    "opt_rate returns the value");

	st = in_child(bad_u64, err, sizeof(err));
	is_int(st, EXIT_USAGE, "opt_u64 with a bad value exits 2");
	if (!ok(strncmp(err, "nray-test: ", 11) == 0 &&
	            strstr(err, "--concurrency") != NULL &&
	            strstr(err, "70000") != NULL &&
	            strstr(err, "65535") != NULL,
	        "the message names the program, option, value and range"))
		printf("#   stderr: %s", err);
	st = in_child(bad_duration, err, sizeof(err));
	is_int(st, EXIT_USAGE, "opt_duration with a bad value exits 2");
	ok(strstr(err, "--timeout") != NULL && strstr(err, "5 days") != NULL,
	    "the message names the option and the value");
	st = in_child(bad_rate, err, sizeof(err));
	is_int(st, EXIT_USAGE, "opt_rate with a bad value exits 2");
	ok(strstr(err, "--rate") != NULL && strstr(err, "fast") != NULL,
	    "the message names the option and the value");
}

int
main(void)
{
	test_u64();
	test_duration();
	test_rate();
	test_wrappers();
	return done_testing();
}
