/*
 * ports.h - port specifications.
 *
 * A spec is a comma-separated list of items: a port ("443"), a range
 * ("8000-8100", "-1024" = 1-1024, "60000-" = 60000-65535), "all" (1-65535),
 * or "topN" (the N most frequently open ports of our own ranking, for TCP or
 * UDP, see data/).  An item with a leading "!" excludes ("all,!25").
 * Exclusions apply after all inclusions, wherever they stand.
 *
 * Ownership: ports_parse returns a set the caller releases with ports_free;
 * ports_free(NULL) is a no-op.
 */
#ifndef NRAY_PORTS_H
#define NRAY_PORTS_H

#include <stddef.h>
#include <stdint.h>

enum ports_proto { PORTS_TCP, PORTS_UDP };

struct ports {
	size_t n;       /* number of ports */
	uint16_t *port; /* ascending, unique */
};

/*
 * Parses SPEC for PROTO.  0 and *out on success; NERR_PARSE or NERR_RANGE
 * with a static reason in *why (e.g. "port 70000 out of range 0-65535",
 * "top ranking has 1000 ports, asked for top2000").  An empty result is
 * NERR_EMPTY.  Port 0 is allowed only when written explicitly.
 */
int ports_parse(const char *spec, enum ports_proto proto, struct ports **out,
    const char **why);

struct ports *ports_copy(const struct ports *p);
void ports_free(struct ports *p);
int ports_contains(const struct ports *p, uint16_t port);

/* The ranked list for PROTO, most often open first; *n gets its length. */
const uint16_t *ports_ranking(enum ports_proto proto, size_t *n);

#endif
