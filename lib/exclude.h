/*
 * exclude.h - the exclusion policy shared by every program.
 *
 * What a program never emits or probes is the union of: the built-in
 * never-scan list (0.0.0.0/8, 224.0.0.0/4, 240.0.0.0/4, 255.255.255.255,
 * ff00::/8; not loopback, not private ranges) unless --no-default-exclude,
 * the site-wide file ($NRAY_EXCLUDE, else /etc/nray/exclude when it exists),
 * and --exclude / --exclude-file.
 *
 * Exclusion files hold one IP, CIDR or range per line; '#' starts a comment.
 */
#ifndef NRAY_EXCLUDE_H
#define NRAY_EXCLUDE_H

#include <stddef.h>
#include <stdint.h>

#include "addrset.h"

/* Adds the built-in never-scan list. */
void exclude_add_defaults(struct addrset *x);

/*
 * Adds a comma- or blank-separated LIST of IPs, CIDRs and ranges.
 * 0, or a negative NERR_* with *why and *bad pointing at the bad item.
 */
int exclude_add_list(
    struct addrset *x, const char *list, const char **why, const char **bad);

/*
 * Adds the entries of the file at PATH.  0, or a negative NERR_* with
 * *why set and *lineno the bad line (0 when the file could not be read:
 * errno says why).
 */
int exclude_add_file(
    struct addrset *x, const char *path, const char **why, uint64_t *lineno);

/*
 * The site-wide file: $NRAY_EXCLUDE when set (it must exist), else
 * /etc/nray/exclude when it exists.  *path gets the name used or NULL.
 */
int exclude_add_site(
    struct addrset *x, const char **path, const char **why, uint64_t *lineno);

#endif
