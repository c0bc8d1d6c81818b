/* stats.c - the closing summary: a line on stderr and a JSON file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "nerr.h"
#include "stats.h"
#include "xalloc.h"

struct stats {
	json_t *obj;
	double start;
};

double
stats_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct stats *
stats_new(void)
{
	struct stats *st = xmalloc(sizeof(*st));

	st->obj = json_object();
	if (st->obj == NULL)
		log_fatalx(1, "out of memory");
	json_object_set_new(st->obj, "program", json_string(log_progname()));
	st->start = stats_now();
	return st;
}

void
stats_u64(struct stats *st, const char *key, uint64_t v)
{
	json_object_set_new(st->obj, key, json_integer((json_int_t)v));
}

void
stats_double(struct stats *st, const char *key, double v)
{
	json_object_set_new(st->obj, key, json_real(v));
}

void
stats_str(struct stats *st, const char *key, const char *v)
{
	json_object_set_new(st->obj, key, json_string(v));
}

int
stats_emit(struct stats *st, const char *path)
{
	const char *key;
	json_t *v;
	int rc = 0;
	FILE *f;

	stats_double(st, "secs", stats_now() - st->start);
	if (!log_quiet) {
		fprintf(stderr, "%s:", log_progname());
		json_object_foreach(st->obj, key, v)
		{
			if (json_is_integer(v))
				fprintf(stderr, " %s=%lld", key,
				    (long long)json_integer_value(v));
			else if (json_is_real(v))
				fprintf(stderr, " %s=%.3f", key,
				    json_real_value(v));
			else if (json_is_string(v) &&
			    strcmp(key, "program") != 0)
				fprintf(stderr, " %s=%s", key,
				    json_string_value(v));
		}
		fputc('\n', stderr);
	}
	if (path != NULL) {
		if ((f = fopen(path, "w")) == NULL) {
			rc = NERR_SYSTEM;
		} else {
			if (json_dumpf(st->obj, f, JSON_COMPACT) != 0 ||
			    fputc('\n', f) == EOF)
				rc = NERR_SYSTEM;
			if (fclose(f) != 0)
				rc = NERR_SYSTEM;
		}
		if (rc != 0)
			log_warn("--stats %s", path);
	}
	json_decref(st->obj);
	free(st);
	return rc;
}
