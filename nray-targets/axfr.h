/*
 * axfr.h - DNS zone transfer (AXFR over TCP, RFC 5936) client.
 *
 * The DNS messages are built and parsed with glibc's resolver library
 * (res_nmkquery, ns_initparse, ns_parserr, ns_name_uncompress); this code
 * only frames them on TCP and checks them.
 *
 * Ownership: every function borrows its arguments; the record handed to a
 * callback, and every string in it, lives only for that call.  Errors come
 * back as a negative NERR_* code plus a message in the caller's ERR buffer
 * (never printed here).
 */
#ifndef NRAY_AXFR_H
#define NRAY_AXFR_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define AXFR_PORT 53

/* axfr_parse_message results besides the negative NERR_* codes. */
#define AXFR_MORE    0 /* the transfer goes on: read the next message */
#define AXFR_DONE    1 /* the closing SOA arrived */
#define AXFR_STOPPED 2 /* the callback asked to stop */

/*
 * One resource record of the zone.  Only records whose owner is the zone
 * or lies below it are passed on (a server cannot slip in outside names).
 * owner: the owner name, no final dot.  type: ns_t_a, ns_t_aaaa, ns_t_cname,
 * ... (every type is passed).  name: the host name in the rdata of CNAME,
 * DNAME, NS, PTR, MX and SRV records (it may lie outside the zone), else
 * NULL.  addr/has_addr: the address of an A or AAAA record.  server: the
 * address (text) of the server the record came from; NULL from
 * axfr_parse_message alone.
 */
struct axfr_rr {
	const char *owner;
	int type;
	const char *name;
	u128 addr;
	int has_addr;
	const char *server;
};

/* Called for each record; returning nonzero stops the transfer. */
typedef int (*axfr_cb)(void *arg, const struct axfr_rr *rr);

/*
 * Splits "ZONE[@SERVER[:PORT]]" (SERVER an address, [v6] or a bare IPv6
 * address without port, or a host name) into ZONE (no final dot), SERVER
 * ("" when none is given: the zone's name servers) and *PORT (53 unless
 * given).  "ZONE@:PORT" asks the zone's name servers on PORT.  0, or
 * NERR_PARSE / NERR_TOOLONG / NERR_RANGE with a static reason in *why;
 * the outputs are written only on success.
 */
int axfr_parse_spec(const char *spec, char *zone, size_t zlen, char *server,
    size_t slen, int *port, const char **why);

/*
 * Transfers ZONE from SERVER (an address or a host name; NULL or "": each
 * address of each of the zone's NS records in turn, until one transfers;
 * the NS and their addresses are looked up through DNS_SERVERS,
 * "ADDR[:PORT],..." of IPv4 servers, or NULL: the system's resolver), on
 * PORT, waiting at most TIMEOUT seconds (0: 10 s) for the connection and
 * for each read.  CB gets every record of the zone; records of a transfer
 * that fails midway have already been passed when the next server is tried.
 * Returns 0 when the zone arrived complete, AXFR_STOPPED when CB stopped
 * it, or a negative NERR_* code with a message in ERR, e.g.
 * "192.0.2.53 port 53 refused the zone transfer of example.com: REFUSED".
 */
int
axfr_transfer(const char *zone, const char *server, int port, double timeout,
    const char *dns_servers, axfr_cb cb, void *arg, char *err, size_t errlen);

/*
 * Checks and parses one AXFR response message MSG of LEN bytes (without
 * the TCP length prefix): ID must match, QR set, opcode QUERY, rcode
 * NOERROR, the first record of the transfer a SOA of ZONE.  *SOA_COUNT
 * (0 before the first message) carries the SOA count across messages.
 * Returns AXFR_MORE, AXFR_DONE, AXFR_STOPPED, or NERR_PROTO with ERR
 * holding what the server did, written to follow its name ("refused the
 * zone transfer of example.com: NOTAUTH", "sent a malformed message: ...").
 */
int axfr_parse_message(const unsigned char *msg, size_t len, uint16_t id,
    const char *zone, axfr_cb cb, void *arg, int *soa_count, char *err,
    size_t errlen);

#endif
