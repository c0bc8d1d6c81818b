/* cli.c - the exclusion options, worded alike in every program. */
#include <string.h>

#include "cli.h"
#include "exclude.h"
#include "log.h"
#include "opt.h"

void
cli_exclude_init(struct cli_exclude *ce)
{
	memset(ce, 0, sizeof(*ce));
	ce->set = addrset_new();
}

void
cli_exclude_list(struct cli_exclude *ce, const char *list)
{
	const char *why, *bad;

	if (exclude_add_list(ce->set, list, &why, &bad) != 0)
		opt_usage_error("--exclude: %s: '%.*s'", why,
		    (int)strcspn(bad, ", \t"), bad);
}

static void
file_error(const char *what, const char *path, const char *why, uint64_t lineno)
{
	if (lineno == 0)
		opt_usage_error("%s %s: %s", what, path, why);
	opt_usage_error(
	    "%s %s:%llu: %s", what, path, (unsigned long long)lineno, why);
}

void
cli_exclude_file(struct cli_exclude *ce, const char *path)
{
	const char *why;
	uint64_t lineno;

	if (exclude_add_file(ce->set, path, &why, &lineno) != 0)
		file_error("--exclude-file", path, why, lineno);
}

void
cli_exclude_finish(struct cli_exclude *ce)
{
	const char *why, *path;
	uint64_t lineno;

	if (!ce->no_default)
		exclude_add_defaults(ce->set);
	if (exclude_add_site(ce->set, &path, &why, &lineno) != 0)
		file_error("site-wide exclusions", path, why, lineno);
	addrset_finish(ce->set);
}

void
cli_exclude_free(struct cli_exclude *ce)
{
	addrset_free(ce->set);
	ce->set = NULL;
}
