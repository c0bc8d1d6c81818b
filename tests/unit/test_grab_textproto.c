/*
 * test_grab_textproto.c - nray-grab's shared readers (textproto.c): CRLF
 * lines, numbered multi-line replies of FTP and SMTP, and where an HTTP
 * redirect leads (followed only on the same address and port).
 */
#include <stdio.h>
#include <string.h>

#include "nerr.h"
#include "tap.h"
#include "textproto.h"

static void
test_textproto(void)
{
	struct tp_reply r;
	static const char ftp[] = "211-Features:\r\n AUTH TLS\r\n211x\r\n"
	                          "211 End\r\nleft";
	json_t *lines;
	size_t ll, used;

	is_int(tp_reply((const uint8_t *)"250-a\r\n250-b\r\n250 c\r\n", 21, &r),
	    TP_COMPLETE, "tp_reply: SMTP multi-line reply");
	is_int(r.code, 250, "tp_reply: code");
	is_int(r.used, 21, "tp_reply: all three lines");
	is_int(r.lines, 3, "tp_reply: line count");
	is_int(tp_reply((const uint8_t *)ftp, sizeof ftp - 1, &r), TP_COMPLETE,
	    "tp_reply: FTP reply with free-form lines");
	is_int(r.used, sizeof ftp - 1 - 4, "tp_reply: ends at \"211 \"");
	lines = tp_reply_lines((const uint8_t *)ftp, r.used, 211);
	is_int(json_array_size(lines), 4, "tp_reply_lines: four lines");
	is_str(json_string_value(json_array_get(lines, 1)), " AUTH TLS",
	    "tp_reply_lines: inner line kept as sent");
	is_str(json_string_value(json_array_get(lines, 3)), "End",
	    "tp_reply_lines: code stripped");
	json_decref(lines);
	is_int(
	    tp_reply((const uint8_t *)"211-a\r\n250 x\r\n211 End\r\n", 23, &r),
	    TP_COMPLETE, "tp_reply: another code inside");
	is_int(r.lines * 100 + r.used, 323, "tp_reply: ends at its own code");
	is_int(tp_reply((const uint8_t *)"250-a\r\n250 b", 12, &r), TP_MORE,
	    "tp_reply: incomplete last line");
	is_int(tp_reply((const uint8_t *)"SSH-2.0-x\r\n", 11, &r), NERR_PROTO,
	    "tp_reply: not a numbered reply");
	is_int(tp_reply((const uint8_t *)"2500 x\r\n", 8, &r), NERR_PROTO,
	    "tp_reply: four digits");
	{
		static char big[TP_MAX_LINE + 10];

		memset(big, 'a', sizeof big);
		is_int(tp_line((const uint8_t *)big, sizeof big, &ll, &used),
		    NERR_TOOLONG, "tp_line: bounded");
	}
	is_int(tp_line((const uint8_t *)"ab\ncd", 5, &ll, &used), TP_COMPLETE,
	    "tp_line: bare LF ends a line");
	is_int(ll * 10 + used, 23, "tp_line: text 2, used 3");
}

static void
redirect_case(const char *loc, const char *path, int tls, int want_rc,
    const char *want_path, int want_tls)
{
	char out[256] = "";
	int rc, t = tls;

	rc = tp_http_redirect(loc, path, "www.example.com", NULL, "127.0.0.1",
	    tls ? 443 : 80, &t, out, sizeof out);
	is_int(rc, want_rc, "redirect %s from %s: %s", loc, path,
	    want_rc ? "not followed" : "followed");
	if (want_rc == 0) {
		is_str(out, want_path, "redirect %s: path", loc);
		is_int(t, want_tls, "redirect %s: tls", loc);
	}
}

static void
test_redirects(void)
{
	redirect_case("/a/b?x=1#frag", "/", 0, 0, "/a/b?x=1", 0);
	redirect_case("c.html", "/dir/x.html", 0, 0, "/dir/c.html", 0);
	redirect_case("http://WWW.example.com/z", "/", 0, 0, "/z", 0);
	redirect_case("http://127.0.0.1", "/", 0, 0, "/", 0);
	redirect_case("http://127.0.0.1?q", "/", 0, 0, "/?q", 0);
	redirect_case("//www.example.com/s", "/", 1, 0, "/s", 1);
	redirect_case("https://www.example.com/", "/", 0, -1, "", 0);
	redirect_case("http://www.example.com:8080/", "/", 0, -1, "", 0);
	redirect_case("http://other.example.com/", "/", 0, -1, "", 0);
	redirect_case("http://u@www.example.com/", "/", 0, -1, "", 0);
	redirect_case("mailto:x@example.com", "/", 0, -1, "", 0);
	redirect_case("/a b", "/", 0, -1, "", 0);
}

int
main(void)
{
	test_textproto();
	test_redirects();
	return done_testing();
}
