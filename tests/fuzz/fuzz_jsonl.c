/*
 * fuzz_jsonl.c - the JSON-lines reader fed through a non-blocking pipe in
 * chunks, with record_parse and record_target on every line.
 *
 * The first input byte picks the line limit (1-64 bytes, or the default)
 * and the second the chunk size per read; the rest is the stream.  Checks:
 * lines hold no newline and respect the limit, line numbers increase, and
 * the reader ends at EOF.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonl.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t lastno;
static size_t maxline;

static void
one_line(const struct jsonl_line *l)
{
	const char *why, *ports;
	struct target t;
	json_t *o = NULL;
	char *s;

	if (l->lineno <= lastno || l->len > maxline ||
	    memchr(l->text, '\n', l->len) != NULL)
		abort();
	lastno = l->lineno;
	if (record_parse(l->text, l->len, &o, &why) != 0) {
		if (o != NULL || why == NULL)
			abort();
		return;
	}
	if (o == NULL)
		return; /* a comment line */
	(void)record_target(o, &t, &ports, &why);
	s = json_dumps(o, JSON_COMPACT);
	if (s == NULL)
		abort();
	free(s);
	json_decref(o);
}

/* Hands out every buffered line; returns the status that stopped it. */
static enum jsonl_status
drain(struct jsonl_reader *r)
{
	struct jsonl_line l;
	enum jsonl_status st;

	while ((st = jsonl_next(r, &l)) == JSONL_LINE || st == JSONL_TOOLONG) {
		if (st == JSONL_LINE) {
			one_line(&l);
		} else {
			if (l.lineno <= lastno)
				abort();
			lastno = l.lineno;
		}
	}
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonl_reader *r;
	size_t chunk, off = 0, n;
	int fds[2], rounds = 0;
	long got;

	if (size < 2)
		return 0;
	maxline = data[0] >= 64 ? JSONL_MAXLINE_DEFAULT : (size_t)data[0] + 1;
	chunk = (size_t)data[1] % 64 + 1;
	data += 2;
	size -= 2;
	lastno = 0;
	if (pipe(fds) != 0)
		abort();
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	r = jsonl_reader_new(fds[0], data[-2] >= 64 ? 0 : maxline);
	while (off < size) {
		n = size - off < chunk ? size - off : chunk;
		if (write(fds[1], data + off, n) != (ssize_t)n)
			abort();
		off += n;
		do {
			drain(r);
			got = jsonl_fill(r);
		} while (got > 0);
		if (got != -EAGAIN)
			abort();
	}
	close(fds[1]);
	while (drain(r) != JSONL_EOF) {
		if (jsonl_fill(r) < 0 || ++rounds > 1000000)
			abort();
	}
	jsonl_reader_free(r);
	close(fds[0]);
	return 0;
}
