/*
 * record.h - records of schema v1 (see nray-json(5)).
 *
 * Every line a program reads becomes a JSON object: a JSON line as it is
 * (unknown fields kept), a bare text line ("192.0.2.0/24", "example.com",
 * "192.0.2.7:8443") as the target record it stands for.
 *
 * Ownership: record_parse returns a new reference the caller releases with
 * json_decref.  Other functions borrow.
 */
#ifndef NRAY_RECORD_H
#define NRAY_RECORD_H

#include <stddef.h>

#include <jansson.h>

#include "target.h"

/*
 * Parses one input line (without its newline).  A line whose first
 * non-blank byte is '{' must be a JSON object; anything else is a bare
 * target expression.  Invalid UTF-8 is sanitized (utf8.h) before parsing.
 * 0 and *obj, or NERR_PARSE with a static reason in *why.
 */
int record_parse(const char *line, size_t len, json_t **obj, const char **why);

/*
 * The target a record names: a "target" record's ip/cidr/range/host, or a
 * "port"/"host" record's ip (or host) and port.  An address that comes
 * with a "host" keeps the name in t->host.  t->port is the record's
 * "port" when present.  *ports points at the record's "ports" spec string
 * or is NULL (it borrows from obj).  0, or NERR_PARSE with *why.
 */
int record_target(
    const json_t *obj, struct target *t, const char **ports, const char **why);

/* The JSON target record for t: {"type":"target","ip"|"cidr"|"range"|"host":...,"port":N}. */
json_t *record_from_target(const struct target *t);

/*
 * The current time as RFC 3339 UTC with milliseconds
 * ("2026-11-27T12:00:00.123Z") into buf (at least 25 bytes); returns buf.
 */
char *record_timestamp(char *buf, size_t size);

#endif
