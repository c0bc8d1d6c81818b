/*
 * jsonl.h - reading and writing JSON lines.
 *
 * The reader splits a byte stream into lines with a bound on their length.
 * It never blocks by itself: jsonl_fill() does one read() on the fd (which
 * may be non-blocking, for an event loop) and jsonl_next() hands out the
 * complete lines buffered so far.  jsonl_getline() is the blocking loop of
 * the two for programs without an event loop.
 *
 * Ownership: jsonl_reader_new returns a reader released with
 * jsonl_reader_free (which does not close the fd).  A line handed out
 * points into the reader's buffer and is valid until the next call on it.
 */
#ifndef NRAY_JSONL_H
#define NRAY_JSONL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define JSONL_MAXLINE_DEFAULT (1024 * 1024)

struct jsonl_reader;

struct jsonl_line {
	const char *text; /* without the newline (and without a \r before it) */
	size_t len;
	uint64_t lineno; /* 1-based */
};

enum jsonl_status {
	JSONL_AGAIN = 0,   /* no complete line buffered: fill first */
	JSONL_LINE = 1,    /* *line is set */
	JSONL_TOOLONG = 2, /* line lineno exceeded the limit and was skipped */
	JSONL_EOF = 3,     /* end of input, nothing left */
};

/* A reader on FD for lines of at most MAXLINE bytes (0: the default). */
struct jsonl_reader *jsonl_reader_new(int fd, size_t maxline);
void jsonl_reader_free(struct jsonl_reader *r);

/*
 * Reads once from the fd.  Returns the number of bytes read, 0 at end of
 * input, or a negative errno (-EAGAIN on a non-blocking fd with no data,
 * -EINTR when a signal arrived).
 */
long jsonl_fill(struct jsonl_reader *r);

/*
 * The next buffered line: JSONL_LINE with *line set, JSONL_TOOLONG (the
 * overlong line's number is in line->lineno, its text skipped; its first
 * bytes are in line->text/len for the message), JSONL_AGAIN or JSONL_EOF.
 * Blank lines are skipped.  A last line without a newline counts at EOF.
 */
enum jsonl_status jsonl_next(struct jsonl_reader *r, struct jsonl_line *line);

/*
 * Blocking: fills until a line, TOOLONG or EOF.  Returns JSONL_AGAIN only
 * when a read failed or was interrupted (errno is set; check sig_stop).
 */
enum jsonl_status
jsonl_getline(struct jsonl_reader *r, struct jsonl_line *line);

/* Bytes buffered and not yet handed out (for flow control). */
size_t jsonl_buffered(const struct jsonl_reader *r);

/*
 * Writes OBJ as one compact line to F.  Returns 0, or NERR_SYSTEM when the
 * stream failed (errno set; EPIPE means the reader went away).
 */
int jsonl_write(FILE *f, const json_t *obj);

#endif
