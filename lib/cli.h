/*
 * cli.h - options that mean the same in every program.
 *
 * The exclusion options (--exclude, --exclude-file, --no-default-exclude and
 * the site-wide file) and the input sources (arguments, -f FILE, stdin) are
 * handled here once, so every program words them and their errors alike.
 * These helpers are for programs: they print and exit on bad input.
 */
#ifndef NRAY_CLI_H
#define NRAY_CLI_H

#include "addrset.h"

struct cli_exclude {
	struct addrset *set; /* finished by cli_exclude_finish */
	int no_default;
};

/* Starts an empty exclusion set. */
void cli_exclude_init(struct cli_exclude *ce);

/* --exclude LIST: exits 2 with a message on a bad item. */
void cli_exclude_list(struct cli_exclude *ce, const char *list);

/* --exclude-file FILE: exits 2 with a message naming file and line. */
void cli_exclude_file(struct cli_exclude *ce, const char *path);

/* Adds the defaults (unless no_default) and the site file; finishes the set. */
void cli_exclude_finish(struct cli_exclude *ce);

void cli_exclude_free(struct cli_exclude *ce);

#endif
