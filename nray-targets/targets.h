/*
 * targets.h - nray-targets' pipeline: one input line or record at a time,
 * through exclusion, splitting, resolution or expansion, to stdout.
 */
#ifndef NRAY_TARGETS_H
#define NRAY_TARGETS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cli.h"
#include "expand.h"
#include "perm.h"
#include "resolve.h"

struct targets_ctx {
	struct cli_exclude excl;
	struct expand *expand;     /* --expand, else NULL */
	struct resolver *resolver; /* --resolve, else NULL */
	uint64_t seed;
	struct shard shard;
	uint64_t split;     /* --split N, or 0 */
	int families;       /* RESOLVE_V4 | RESOLVE_V6 */
	size_t concurrency; /* names resolved at once */
	size_t max_line;
	json_t *ports; /* -p: "ports" for records without, or NULL */

	uint64_t in, out, rejected, excluded, unresolved;
	int failed;     /* a runtime failure: exit 1 */
	int out_closed; /* stdout is gone: stop */
};

/* Parses one input line (from SOURCE, line LINENO) and handles it. */
void targets_line(struct targets_ctx *c, const char *source, uint64_t lineno,
    const char *text, size_t len);

/* Transfers the zone of SPEC ("ZONE[@SERVER[:PORT]]") and handles its names. */
void targets_axfr(struct targets_ctx *c, const char *spec,
    const char *dns_server, double timeout);

/* Waits until every name in flight is resolved and written. */
void targets_drain(struct targets_ctx *c);

/* --expand: writes the gathered addresses in permutation order. */
void targets_expand(struct targets_ctx *c);

#endif
