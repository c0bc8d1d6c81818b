/* exclude.c - the exclusion policy: built-in list, site file, options. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exclude.h"
#include "nerr.h"
#include "target.h"

/*
 * Never scanned unless --no-default-exclude: "this network", multicast,
 * the reserved class E block, limited broadcast, IPv6 multicast.  Loopback
 * and private ranges are deliberately absent: they are legitimate targets.
 */
static const char *const never_scan[] = {
    "0.0.0.0/8",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "ff00::/8",
};

void
exclude_add_defaults(struct addrset *x)
{
	struct target t;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(never_scan) / sizeof(never_scan[0]); i++) {
		if (target_parse(
		        never_scan[i], strlen(never_scan[i]), &t, &why) == 0)
			addrset_add(x, t.lo, t.hi);
	}
	/* 255.255.255.255 lies inside 240.0.0.0/4 already. */
}

/* Adds one item of LEN bytes: an address, CIDR or range (no names). */
static int
add_item(struct addrset *x, const char *s, size_t len, const char **why)
{
	struct target t;
	int rc;

	if ((rc = target_parse(s, len, &t, why)) != 0)
		return rc;
	if (t.kind == TARGET_HOST) {
		*why = "exclusions take addresses, CIDRs and ranges, not names";
		return NERR_PARSE;
	}
	if (t.port >= 0) {
		*why = "exclusions take no ports";
		return NERR_PARSE;
	}
	addrset_add(x, t.lo, t.hi);
	return 0;
}

static int
is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
exclude_add_list(
    struct addrset *x, const char *list, const char **why, const char **bad)
{
	const char *p = list, *start;
	int rc;

	for (;;) {
		while (*p != '\0' && is_sep(*p))
			p++;
		if (*p == '\0')
			return 0;
		start = p;
		while (*p != '\0' && !is_sep(*p))
			p++;
		if ((rc = add_item(x, start, (size_t)(p - start), why)) != 0) {
			*bad = start;
			return rc;
		}
	}
}

int
exclude_add_file(
    struct addrset *x, const char *path, const char **why, uint64_t *lineno)
{
	char *line = NULL, *p, *end;
	size_t cap = 0;
	ssize_t n;
	uint64_t no = 0;
	FILE *f;
	int rc = 0;

	*lineno = 0;
	if ((f = fopen(path, "r")) == NULL) {
		*why = strerror(errno);
		return NERR_SYSTEM;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		no++;
		if ((p = memchr(line, '#', (size_t)n)) != NULL)
			*p = '\0';
		else
			line[n] = '\0';
		for (p = line; *p != '\0' && is_sep(*p); p++)
			;
		for (end = p + strlen(p); end > p && is_sep(end[-1]); end--)
			;
		if (end == p)
			continue;
		if ((rc = add_item(x, p, (size_t)(end - p), why)) != 0) {
			*lineno = no;
			goto out;
		}
	}
	if (ferror(f)) {
		*why = strerror(errno);
		rc = NERR_SYSTEM;
	}
out:
	free(line);
	fclose(f);
	return rc;
}

int
exclude_add_site(
    struct addrset *x, const char **path, const char **why, uint64_t *lineno)
{
	const char *env = getenv("NRAY_EXCLUDE");
	FILE *f;

	*lineno = 0;
	*path = NULL;
	if (env != NULL && *env != '\0') {
		*path = env;
		return exclude_add_file(x, env, why, lineno);
	}
	if ((f = fopen("/etc/nray/exclude", "r")) == NULL)
		return 0; /* no site-wide file: nothing to add */
	fclose(f);
	*path = "/etc/nray/exclude";
	return exclude_add_file(x, *path, why, lineno);
}
