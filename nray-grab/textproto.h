/*
 * textproto.h - lines and numbered replies of the text protocols (FTP,
 * SMTP, IMAP, POP3) for nray-grab's modules.
 *
 * A line ends with LF (a CR before it is dropped).  A numbered reply is
 * one line "ddd text" or several lines "ddd-text" ... "ddd text" (SMTP);
 * FTP's multi-line form lets the lines in between be anything, so the
 * reply ends at the first line that starts with the same code and a space.
 * Everything is bounded: a line longer than TP_MAX_LINE, or a reply of more
 * than TP_MAX_LINES lines, is a protocol error.
 *
 * Functions borrow their arguments; json_t results are new references.
 */
#ifndef NRAY_TEXTPROTO_H
#define NRAY_TEXTPROTO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define TP_MAX_LINE  4096
#define TP_MAX_LINES 256

/* What tp_line and tp_reply return besides a negative NERR_* code. */
#define TP_MORE     0 /* incomplete: wait for more bytes */
#define TP_COMPLETE 1

/*
 * Finds the first line of DATA[0..LEN).  On TP_COMPLETE, *LINELEN is the
 * length of its text (without CR LF) and *USED the bytes it takes with its
 * line end.  Returns TP_MORE, TP_COMPLETE or NERR_TOOLONG.
 */
int tp_line(const uint8_t *data, size_t len, size_t *linelen, size_t *used);

/* A complete numbered reply. */
struct tp_reply {
	int code;     /* 100..599 */
	size_t used;  /* bytes of the reply, line ends included */
	size_t lines; /* number of lines */
};

/*
 * Parses the numbered reply at the start of DATA[0..LEN).  Returns
 * TP_COMPLETE (and fills *R), TP_MORE, NERR_PROTO when the first line does
 * not start with three digits and a space or dash, or NERR_TOOLONG.
 */
int tp_reply(const uint8_t *data, size_t len, struct tp_reply *r);

/*
 * Hands each complete reply at the start of DATA[0..LEN) to FN(ARG, the
 * reply's bytes, the reply) while FN returns 0; *USED gets the bytes of the
 * replies handed over.  Returns 0 when more bytes are needed, FN's nonzero
 * result, or NERR_PROTO / NERR_TOOLONG as tp_reply does.
 */
int tp_replies(const uint8_t *data, size_t len, size_t *used,
    int (*fn)(void *arg, const uint8_t *reply, const struct tp_reply *r),
    void *arg);

/*
 * The lines of a reply of USED bytes as a JSON array of strings, each
 * without its "ddd-"/"ddd " prefix when it has the reply's code, CR LF
 * dropped, sanitized (lib/utf8.h).
 */
json_t *tp_reply_lines(const uint8_t *data, size_t used, int code);

/* The reply text as one string: the lines joined with "\n", sanitized. */
json_t *tp_reply_text(const uint8_t *data, size_t used);

/* A new JSON string of the bytes with trailing CR/LF/spaces cut. */
json_t *tp_string_trim(const uint8_t *data, size_t len);

#endif

/* --- HTTP/1.x response heads (mod_http) ------------------------------- */

/*
 * Finds the end of the response head (the empty line) in DATA[0..LEN).
 * Returns 1 and sets *HLEN (bytes up to and with the empty line), 0 when
 * incomplete, or -1 when DATA does not start like "HTTP/".
 */
int tp_http_head_length(const uint8_t *data, size_t len, size_t *hlen);

/* A parsed response head; the json_t fields are new references or NULL. */
struct tp_http_head {
	int status_code;
	json_t *status_line;      /* "HTTP/1.1 200 OK" */
	json_t *protocol;         /* "HTTP/1.1" */
	json_t *headers;          /* lower-case name -> value, or array */
	json_t *server;           /* first Server value */
	json_t *content_type;     /* first Content-Type value */
	long long content_length; /* -1: none or not one valid number */
	int chunked;              /* Transfer-Encoding ends with chunked */
	const char *error;        /* static text on failure */
};

/*
 * Parses the head of HLEN bytes (from tp_http_head_length).  Returns 0 and
 * fills *H (release with tp_http_head_free), or NERR_PROTO with H->error
 * set and nothing to release.
 */
int tp_http_head(const uint8_t *head, size_t hlen, struct tp_http_head *h);

/* Drops the references in H; tp_http_head_free of a zeroed head is a no-op. */
void tp_http_head_free(struct tp_http_head *h);

/*
 * Where a redirect to LOCATION leads when the request was for PATH on a
 * server named HOST (or NAME, the configured Host header, or address IP)
 * at PORT, over TLS when *TLS.  Returns 0 with the new path in OUT and
 * *TLS set when it stays on the same address and port, -1 otherwise
 * (another host or port, another scheme, or too long).
 */
int tp_http_redirect(const char *location, const char *path, const char *host,
    const char *name, const char *ip, uint16_t port, int *tls, char *out,
    size_t size);
