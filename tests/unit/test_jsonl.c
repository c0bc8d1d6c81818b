/*
 * test_jsonl.c - jsonl.h: the bounded line reader fed through a pipe in
 * chunks of every size (one byte per read up to 64 KiB per read), and the
 * line writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonl.h"
#include "nerr.h"
#include "tap.h"

/* A growing transcript of what the reader handed out. */
struct ts {
	char *s;
	size_t len, cap;
	int bad; /* an invariant broke (see note) */
	const char *note;
	size_t maxbuf;   /* most bytes ever buffered */
	uint64_t lastno; /* last line number handed out */
};

static void
ts_add(struct ts *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		if (t->s == NULL)
			abort();
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

/* Appends LINE as "N:text|" (long text as "N:#LEN|", bytes < 0x20 as \xNN). */
static void
ts_line(struct ts *t, const struct jsonl_line *l)
{
	char buf[64];
	size_t i;

	if (l->lineno <= t->lastno) {
		t->bad = 1;
		t->note = "line numbers not increasing";
	}
	t->lastno = l->lineno;
	if (memchr(l->text, '\n', l->len) != NULL) {
		t->bad = 1;
		t->note = "newline inside a line";
	}
	if (l->len > 32) {
		snprintf(buf, sizeof(buf), "%llu:#%zu|",
		    (unsigned long long)l->lineno, l->len);
		ts_add(t, buf, strlen(buf));
		return;
	}
	snprintf(buf, sizeof(buf), "%llu:", (unsigned long long)l->lineno);
	ts_add(t, buf, strlen(buf));
	for (i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->text[i];

		if (c < 0x20 || c == '|' || c == '\\') {
			snprintf(buf, sizeof(buf), "\\x%02x", c);
			ts_add(t, buf, 4);
		} else {
			ts_add(t, (const char *)&c, 1);
		}
	}
	ts_add(t, "|", 1);
}

/* Appends "TN:c|" for a too-long line N whose first byte is c. */
static void
ts_toolong(struct ts *t, const struct jsonl_line *l)
{
	char buf[64];

	if (l->lineno <= t->lastno) {
		t->bad = 1;
		t->note = "line numbers not increasing (TOOLONG)";
	}
	t->lastno = l->lineno;
	if (l->len == 0 || l->text == NULL) {
		t->bad = 1;
		t->note = "TOOLONG without the line's first bytes";
		snprintf(
		    buf, sizeof(buf), "T%llu|", (unsigned long long)l->lineno);
	} else {
		snprintf(buf, sizeof(buf), "T%llu:%c|",
		    (unsigned long long)l->lineno, l->text[0]);
	}
	ts_add(t, buf, strlen(buf));
}

/* Hands out every buffered line; returns the last status (AGAIN or EOF). */
static enum jsonl_status
drain(struct jsonl_reader *r, struct ts *t)
{
	struct jsonl_line l;
	enum jsonl_status st;

	for (;;) {
		memset(&l, 0, sizeof(l));
		st = jsonl_next(r, &l);
		if (st == JSONL_LINE)
			ts_line(t, &l);
		else if (st == JSONL_TOOLONG)
			ts_toolong(t, &l);
		else
			return st;
	}
}

/*
 * Feeds DATA through a pipe CHUNK bytes per read (each chunk is read
 * before the next is written) into a reader of MAXLINE and returns the
 * transcript, ending in "E" at EOF.  The caller frees t->s.
 */
static void
run(const char *data, size_t len, size_t maxline, size_t chunk, struct ts *t)
{
	struct jsonl_reader *r;
	enum jsonl_status st;
	size_t off = 0, n;
	int fds[2];
	long got;

	memset(t, 0, sizeof(*t));
	ts_add(t, "", 0);
	if (pipe(fds) != 0)
		abort();
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	r = jsonl_reader_new(fds[0], maxline);
	while (off < len) {
		n = len - off < chunk ? len - off : chunk;
		if (write(fds[1], data + off, n) != (ssize_t)n)
			abort();
		off += n;
		/* Read until the pipe is empty, handing out lines between. */
		for (;;) {
			drain(r, t);
			got = jsonl_fill(r);
			if (jsonl_buffered(r) > t->maxbuf)
				t->maxbuf = jsonl_buffered(r);
			if (got == -EAGAIN)
				break;
			if (got <= 0) {
				t->bad = 1;
				t->note = "fill failed before EOF";
				break;
			}
		}
	}
	close(fds[1]);
	for (;;) {
		st = drain(r, t);
		if (st == JSONL_EOF)
			break;
		got = jsonl_fill(r);
		if (got < 0) {
			t->bad = 1;
			t->note = "fill failed after close";
			break;
		}
	}
	ts_add(t, "E", 1);
	/* EOF sticks. */
	if (jsonl_next(r, &(struct jsonl_line){0}) != JSONL_EOF ||
	    jsonl_fill(r) != 0) {
		t->bad = 1;
		t->note = "EOF does not stick";
	}
	jsonl_reader_free(r);
	close(fds[0]);
}

static const size_t chunks[] = {1, 2, 3, 7, 4096, 65536};

/* Runs one case at every chunk size and checks the transcript. */
static void
check(const char *name, const char *data, size_t len, size_t maxline,
    const char *want)
{
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct ts t;

		run(data, len, maxline, chunks[i], &t);
		if (!ok(strcmp(t.s, want) == 0 && !t.bad,
		        "%s (max %zu, %zu bytes per read)", name, maxline,
		        chunks[i]))
			printf("#   got  \"%s\"%s%s\n#   want \"%s\"\n", t.s,
			    t.bad ? ", " : "", t.bad ? t.note : "", want);
		free(t.s);
	}
}

#define CHECK(name, lit, maxline, want)                                        \
	check(name, lit, sizeof(lit) - 1, maxline, want)

static void
test_lines(void)
{
	CHECK("empty input", "", 8, "E");
	CHECK("one line", "a\n", 8, "1:a|E");
	CHECK("last line without newline", "a\nbc", 8, "1:a|2:bc|E");
	CHECK("only a line without newline", "abc", 8, "1:abc|E");
	CHECK("CRLF", "a\r\nb\r\n", 8, "1:a|2:b|E");
	CHECK("CRLF, last without newline", "a\r\nb", 8, "1:a|2:b|E");
	CHECK("a lone CR inside a line is kept", "a\rb\n", 8, "1:a\\x0db|E");
	CHECK("blank lines skipped but counted", "\n\n a\n\t\n\r\n  \r\nb", 8,
	    "3: a|7:b|E");
	CHECK("only blank lines", "\n \n\t\n", 8, "E");
	CHECK("blank last line without newline", "a\n  ", 8, "1:a|E");
	CHECK(
	    "NUL bytes inside a line", "a\0b\n\0\n", 8, "1:a\\x00b|2:\\x00|E");
	CHECK("line exactly at the limit", "12345678\nx\n", 8,
	    "1:12345678|2:x|E");
	CHECK(
	    "line one byte over the limit", "123456789\nx\n", 8, "T1:1|2:x|E");
	CHECK("limit line without newline at EOF", "a\n12345678", 8,
	    "1:a|2:12345678|E");
	CHECK("over-limit line without newline at EOF", "a\n123456789", 8,
	    "1:a|T2:1|E");
	CHECK("overlong line between good ones",
	    "a\nzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\nb\n", 8,
	    "1:a|T2:z|3:b|E");
	CHECK("overlong lines in a row",
	    "zzzzzzzzzzzzzzzzzzzz\nyyyyyyyyyyyyyyyyyyyy\nok\n", 8,
	    "T1:z|T2:y|3:ok|E");
	CHECK("overlong line, then a blank, then a line",
	    "zzzzzzzzzzzz\n\nok\n", 8, "T1:z|3:ok|E");
	CHECK("maxline 1", "a\nbb\nc\n", 1, "1:a|T2:b|3:c|E");
}

/* An overlong line spread over many reads is skipped in bounded memory. */
static void
test_long_lines(void)
{
	size_t big = 300000, max = 1000, i;
	char *data = malloc(big + 16);
	struct ts t;

	memset(data, 'q', big);
	memcpy(data + big, "\nok\n", 4);
	for (i = 0; i < 2; i++) {
		size_t chunk = i == 0 ? 4096 : 65536;

		run(data, big + 4, max, chunk, &t);
		is_str(t.s, "T1:q|2:ok|E",
		    "300000-byte line over %zu-byte reads is skipped", chunk);
		ok(!t.bad, "invariants hold (%s)", t.bad ? t.note : "ok");
		ok(t.maxbuf <= max + 2,
		    "buffer stays bounded: at most %zu bytes (was %zu)",
		    max + 2, t.maxbuf);
		free(t.s);
	}
	free(data);

	/* The default limit: 1 MiB exactly, and one byte more. */
	data = malloc(JSONL_MAXLINE_DEFAULT + 16);
	memset(data, 'd', JSONL_MAXLINE_DEFAULT);
	memcpy(data + JSONL_MAXLINE_DEFAULT, "\nx\n", 3);
	run(data, JSONL_MAXLINE_DEFAULT + 3, 0, 65536, &t);
	is_str(t.s, "1:#1048576|2:x|E", "default limit: a 1 MiB line is read");
	free(t.s);
	memset(data, 'd', JSONL_MAXLINE_DEFAULT + 1);
	memcpy(data + JSONL_MAXLINE_DEFAULT + 1, "\nx\n", 3);
	run(data, JSONL_MAXLINE_DEFAULT + 4, 0, 65536, &t);
	is_str(t.s, "T1:d|2:x|E",
	    "default limit: 1 MiB + 1 is TOOLONG, next line read");
	free(t.s);
	free(data);
}

static void
test_nonblocking(void)
{
	struct jsonl_reader *r;
	struct jsonl_line l;
	int fds[2];

	if (pipe(fds) != 0)
		abort();
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	r = jsonl_reader_new(fds[0], 0);
	is_int(jsonl_next(r, &l), JSONL_AGAIN, "nothing read yet: AGAIN");
	is_int(jsonl_fill(r), -EAGAIN, "empty non-blocking pipe: -EAGAIN");
	is_int(jsonl_next(r, &l), JSONL_AGAIN, "still AGAIN");
	is_int(write(fds[1], "abc", 3), 3, "write a partial line");
	is_int(jsonl_fill(r), 3, "fill reads 3 bytes");
	is_int(jsonl_buffered(r), 3, "3 bytes buffered");
	is_int(jsonl_next(r, &l), JSONL_AGAIN, "partial line: AGAIN");
	is_int(jsonl_fill(r), -EAGAIN, "then -EAGAIN");
	is_int(write(fds[1], "d\nef", 4), 4, "write the rest and more");
	is_int(jsonl_fill(r), 4, "fill reads 4 bytes");
	ok(jsonl_next(r, &l) == JSONL_LINE && l.len == 4 &&
	        memcmp(l.text, "abcd", 4) == 0 && l.lineno == 1,
	    "line 1 \"abcd\" across two reads");
	is_int(jsonl_buffered(r), 2, "\"ef\" still buffered");
	is_int(jsonl_next(r, &l), JSONL_AGAIN, "\"ef\" waits for more");

	/* jsonl_getline on a non-blocking fd with nothing to read. */
	errno = 0;
	is_int(jsonl_getline(r, &l), JSONL_AGAIN,
	    "getline on an empty non-blocking pipe: AGAIN");
	is_int(errno, EAGAIN, "with errno EAGAIN");
	close(fds[1]);
	ok(jsonl_getline(r, &l) == JSONL_LINE && l.len == 2 &&
	        memcmp(l.text, "ef", 2) == 0 && l.lineno == 2,
	    "getline: \"ef\" at EOF");
	is_int(jsonl_getline(r, &l), JSONL_EOF, "getline: EOF");
	jsonl_reader_free(r);
	close(fds[0]);
	jsonl_reader_free(NULL);
	ok(1, "jsonl_reader_free(NULL) is a no-op");
}

/*
 * Reading until EAGAIN before handing out lines (what an edge-triggered
 * event loop does) must not look like end of input.
 */
static void
test_fill_until_again(void)
{
	static const char data[] = "zzzzzzzzzzzzzzzzzzzz\nok\n";
	struct jsonl_reader *r;
	struct ts t;
	int fds[2], rounds = 0;
	long got;

	memset(&t, 0, sizeof(t));
	ts_add(&t, "", 0);
	if (pipe(fds) != 0)
		abort();
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	r = jsonl_reader_new(fds[0], 8);
	if (write(fds[1], data, sizeof(data) - 1) != sizeof(data) - 1)
		abort();
	while ((got = jsonl_fill(r)) > 0 && ++rounds < 100)
		;
	is_int(got, -EAGAIN,
	    "fill until it stops, writer still open: -EAGAIN, not 0 (EOF)");
	close(fds[1]);
	while (drain(r, &t) != JSONL_EOF && ++rounds < 200)
		if (jsonl_fill(r) < 0)
			break;
	ts_add(&t, "E", 1);
	is_str(t.s, "T1:z|2:ok|E", "and every line is still handed out");
	free(t.s);
	jsonl_reader_free(r);
	close(fds[0]);
}

/* The blocking loop over a file. */
static void
test_getline_file(void)
{
	char path[] = "/tmp/test_jsonl.XXXXXX";
	static const char data[] =
	    "{\"a\":1}\r\n\n192.0.2.7\nzzzzzzzzzzzz\nend";
	struct jsonl_reader *r;
	struct jsonl_line l;
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, data, sizeof(data) - 1) != sizeof(data) - 1)
		abort();
	lseek(fd, 0, SEEK_SET);
	r = jsonl_reader_new(fd, 10);
	ok(jsonl_getline(r, &l) == JSONL_LINE && l.lineno == 1 && l.len == 7 &&
	        memcmp(l.text, "{\"a\":1}", 7) == 0,
	    "getline: line 1 without CRLF");
	ok(jsonl_getline(r, &l) == JSONL_LINE && l.lineno == 3 && l.len == 9 &&
	        memcmp(l.text, "192.0.2.7", 9) == 0,
	    "getline: line 3 (line 2 blank)");
	ok(jsonl_getline(r, &l) == JSONL_TOOLONG && l.lineno == 4,
	    "getline: line 4 TOOLONG");
	ok(jsonl_getline(r, &l) == JSONL_LINE && l.lineno == 5 && l.len == 3 &&
	        memcmp(l.text, "end", 3) == 0,
	    "getline: line 5 without newline");
	is_int(jsonl_getline(r, &l), JSONL_EOF, "getline: EOF");
	is_int(jsonl_getline(r, &l), JSONL_EOF, "getline: EOF again");
	jsonl_reader_free(r);
	close(fd);
	unlink(path);
}

static void
test_write(void)
{
	char *buf = NULL;
	size_t size = 0;
	json_t *o = json_pack("{s:s, s:i, s:[i,b], s:s#}", "type", "target",
	    "port", 443, "list", 1, 1, "nul", "a\0b", (size_t)3);
	FILE *f = open_memstream(&buf, &size);
	int fds[2], rc;

	is_int(jsonl_write(f, o), 0, "jsonl_write to memory: 0");
	fclose(f);
	is_str(buf,
	    "{\"type\":\"target\",\"port\":443,\"list\":[1,true],"
	    "\"nul\":\"a\\u0000b\"}\n",
	    "one compact line, fields in order, newline");
	free(buf);

	f = fopen("/dev/full", "w");
	if (f == NULL) {
		ok(1, "# SKIP /dev/full cannot be opened");
	} else {
		setvbuf(f, NULL, _IONBF, 0);
		is_int(jsonl_write(f, o), NERR_SYSTEM,
		    "a failing stream (/dev/full): NERR_SYSTEM");
		fclose(f);
	}

	signal(SIGPIPE, SIG_IGN);
	if (pipe(fds) != 0)
		abort();
	close(fds[0]);
	f = fdopen(fds[1], "w");
	setvbuf(f, NULL, _IONBF, 0);
	errno = 0;
	rc = jsonl_write(f, o);
	is_int(rc, NERR_SYSTEM, "a closed pipe: NERR_SYSTEM");
	is_int(errno, EPIPE, "with errno EPIPE");
	fclose(f);
	json_decref(o);
}

int
main(void)
{
	test_lines();
	test_long_lines();
	test_nonblocking();
	test_fill_until_again();
	test_getline_file();
	test_write();
	return done_testing();
}
