/*
 * nerr.h - error codes returned by libnray.
 *
 * Library functions never print and never exit: they return 0 on success or
 * one of the negative NERR_* codes below.  Parsers that can say more also
 * hand back a static reason string (never freed by the caller).
 */
#ifndef NRAY_NERR_H
#define NRAY_NERR_H

#define NERR_OK      0
#define NERR_PARSE   (-1) /* input does not follow the grammar */
#define NERR_RANGE   (-2) /* a number or range is out of bounds */
#define NERR_TOOLONG (-3) /* input longer than the configured limit */
#define NERR_SYSTEM  (-4) /* a system call failed; errno says why */
#define NERR_TOOBIG  (-5) /* a set or index space is too large */
#define NERR_EMPTY   (-6) /* nothing left (e.g. all excluded) */
#define NERR_PROTO   (-7) /* a peer broke its protocol */

/* Returns a static description of an NERR_* code. */
const char *nerr_str(int code);

#endif
