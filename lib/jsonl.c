/* jsonl.c - a bounded, non-blocking line reader and the JSON line writer. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "jsonl.h"
#include "nerr.h"
#include "xalloc.h"

struct jsonl_reader {
	int fd;
	size_t max; /* longest line accepted, in bytes */
	char *buf;
	size_t cap;
	size_t start, end; /* unconsumed bytes are buf[start, end) */
	size_t scanned;    /* buf[start, scanned) holds no newline */
	uint64_t lineno;
	int eof;
	int skipping;  /* discarding the rest of an overlong line */
	int toolong;   /* an overlong line is still to be reported */
	char head[64]; /* its first bytes, for the message */
	size_t head_len;
};

struct jsonl_reader *
jsonl_reader_new(int fd, size_t maxline)
{
	struct jsonl_reader *r = xcalloc(1, sizeof(*r));

	r->fd = fd;
	r->max = maxline ? maxline : JSONL_MAXLINE_DEFAULT;
	r->cap = r->max + 2 < 65536 ? r->max + 2 : 65536;
	r->buf = xmalloc(r->cap);
	return r;
}

void
jsonl_reader_free(struct jsonl_reader *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

size_t
jsonl_buffered(const struct jsonl_reader *r)
{
	return r->end - r->start;
}

long
jsonl_fill(struct jsonl_reader *r)
{
	ssize_t n;

	if (r->eof)
		return 0;
	if (r->end == r->cap && r->start == 0 && r->cap >= r->max + 2 &&
	    !r->skipping) {
		/* Full and no newline: the line is too long.  Keep its head
		 * for the report and drop the rest, so reading goes on. */
		r->head_len =
		    r->cap < sizeof(r->head) ? r->cap : sizeof(r->head);
		memcpy(r->head, r->buf, r->head_len);
		r->toolong = 1;
		r->skipping = 1;
		r->end = r->scanned = 0;
	} else if (r->end == r->cap && r->skipping) {
		r->start = r->end = r->scanned = 0;
	} else if (r->end == r->cap) {
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->scanned -= r->start;
			r->start = 0;
		} else {
			/* Grow up to one byte past the limit: enough to see
			 * that a line is too long. */
			r->cap =
			    r->cap * 2 < r->max + 2 ? r->cap * 2 : r->max + 2;
			r->buf = xreallocarray(r->buf, r->cap, 1);
		}
	}
	n = read(r->fd, r->buf + r->end, r->cap - r->end);
	if (n < 0)
		return -errno;
	if (n == 0)
		r->eof = 1;
	r->end += (size_t)n;
	return n;
}

static int
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

enum jsonl_status
jsonl_next(struct jsonl_reader *r, struct jsonl_line *line)
{
	char *nl;
	size_t len;

	if (r->toolong) {
		r->toolong = 0;
		line->text = r->head;
		line->len = r->head_len;
		line->lineno = ++r->lineno;
		return JSONL_TOOLONG;
	}
	for (;;) {
		nl = memchr(r->buf + r->scanned, '\n', r->end - r->scanned);
		if (r->skipping) {
			if (nl == NULL) {
				r->start = r->end = r->scanned = 0;
				return r->eof ? JSONL_EOF : JSONL_AGAIN;
			}
			r->start = r->scanned = (size_t)(nl - r->buf) + 1;
			r->skipping = 0;
			continue;
		}
		if (nl == NULL) {
			r->scanned = r->end;
			len = r->end - r->start;
			if (len > r->max) {
				/* Report now, with the first bytes; the rest of
				 * the line is dropped as it arrives. */
				r->lineno++;
				line->text = r->buf + r->start;
				line->len = len < 64 ? len : 64;
				line->lineno = r->lineno;
				r->skipping = 1;
				r->scanned = r->end;
				return JSONL_TOOLONG;
			}
			if (!r->eof)
				return JSONL_AGAIN;
			if (len == 0)
				return JSONL_EOF;
			nl = r->buf + r->end; /* last line without newline */
		}
		len = (size_t)(nl - r->buf) - r->start;
		line->text = r->buf + r->start;
		line->lineno = ++r->lineno;
		r->start = r->scanned =
		    nl < r->buf + r->end ? (size_t)(nl - r->buf) + 1 : r->end;
		if (len > r->max) {
			line->len = len < 64 ? len : 64;
			return JSONL_TOOLONG;
		}
		if (len > 0 && line->text[len - 1] == '\r')
			len--;
		if (blank(line->text, len))
			continue;
		line->len = len;
		return JSONL_LINE;
	}
}

enum jsonl_status
jsonl_getline(struct jsonl_reader *r, struct jsonl_line *line)
{
	enum jsonl_status st;
	long n;

	while ((st = jsonl_next(r, line)) == JSONL_AGAIN) {
		n = jsonl_fill(r);
		if (n < 0) {
			errno = (int)-n;
			return JSONL_AGAIN;
		}
	}
	return st;
}

int
jsonl_write(FILE *f, const json_t *obj)
{
	if (json_dumpf(obj, f, JSON_COMPACT | JSON_REAL_PRECISION(9)) != 0 ||
	    putc('\n', f) == EOF)
		return NERR_SYSTEM;
	return 0;
}
