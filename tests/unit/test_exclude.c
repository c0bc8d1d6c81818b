/* test_exclude.c - exclude.h: built-in list, lists, files, $NRAY_EXCLUDE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exclude.h"
#include "nerr.h"
#include "tap.h"

static u128
A(const char *s)
{
	u128 a = 0;

	if (addr_parse(s, strlen(s), &a) != 0) {
		printf("# test bug: bad address %s\n", s);
		abort();
	}
	return a;
}

static void
test_defaults(void)
{
	static const char *const in[] = {
	    "0.0.0.0",
	    "0.255.255.255",
	    "224.0.0.1",
	    "224.0.0.0",
	    "239.255.255.255",
	    "240.0.0.1",
	    "255.255.255.254",
	    "255.255.255.255",
	    "ff02::1",
	    "ff00::",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	static const char *const out[] = {
	    "127.0.0.1",
	    "10.0.0.1",
	    "192.168.1.1",
	    "172.16.0.1",
	    "::1",
	    "1.0.0.0",
	    "223.255.255.255",
	    "192.0.2.1",
	    "fe80::1",
	    "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "2001:db8::1",
	};
	struct addrset *x = addrset_new();
	size_t i;

	exclude_add_defaults(x);
	addrset_finish(x);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		ok(addrset_contains(x, A(in[i])), "default list holds %s",
		    in[i]);
	for (i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		ok(!addrset_contains(x, A(out[i])),
		    "default list does not hold %s", out[i]);
	ok(addrset_count(x) ==
	        ((u128)1 << 24) + ((u128)1 << 28) * 2 + ((u128)1 << 120),
	    "default list: exactly 0/8 + 224/4 + 240/4 + ff00::/8");
	addrset_free(x);
}

/* Adds LIST to a fresh set; returns the set (finished) and the results. */
static struct addrset *
list_set(const char *list, int *rc, const char **why, const char **bad)
{
	struct addrset *x = addrset_new();

	*why = NULL;
	*bad = NULL;
	*rc = exclude_add_list(x, list, why, bad);
	addrset_finish(x);
	return x;
}

static void
test_list(void)
{
	const char *list = "192.0.2.1, 192.0.2.10-20 2001:db8::/126\t"
	                   "198.51.100.0/24,,\n203.0.113.5-203.0.113.6 ,";
	const char *why, *bad;
	struct addrset *x;
	int rc;

	x = list_set(list, &rc, &why, &bad);
	is_int(rc, 0, "list with commas and blanks: 0");
	ok(addrset_count(x) == 1 + 11 + 4 + 256 + 2,
	    "list adds exactly 274 addresses");
	ok(addrset_contains(x, A("192.0.2.1")) &&
	        !addrset_contains(x, A("192.0.2.2")) &&
	        addrset_contains(x, A("192.0.2.10")) &&
	        addrset_contains(x, A("192.0.2.20")) &&
	        !addrset_contains(x, A("192.0.2.21")) &&
	        addrset_contains(x, A("2001:db8::3")) &&
	        !addrset_contains(x, A("2001:db8::4")) &&
	        addrset_contains(x, A("198.51.100.255")) &&
	        addrset_contains(x, A("203.0.113.6")),
	    "list members are the items");
	addrset_free(x);

	x = list_set("", &rc, &why, &bad);
	ok(rc == 0 && addrset_count(x) == 0, "empty list: 0, nothing added");
	addrset_free(x);
	x = list_set(" , ,\t", &rc, &why, &bad);
	ok(rc == 0 && addrset_count(x) == 0,
	    "separators only: 0, nothing added");
	addrset_free(x);
	x = list_set("[2001:db8::1]", &rc, &why, &bad);
	ok(rc == 0 && addrset_count(x) == 1 &&
	        addrset_contains(x, A("2001:db8::1")),
	    "a bracketed IPv6 address");
	addrset_free(x);
}

/* LIST is rejected with a negative code, *bad at BADAT, *why set. */
static void
list_bad(const char *list, size_t badat, const char *item, int want)
{
	const char *why, *bad;
	struct addrset *x;
	int rc;

	x = list_set(list, &rc, &why, &bad);
	is_int(rc, want, "list \"%s\" is rejected", list);
	if (!ok(bad == list + badat,
	        "\"%s\": the bad item is \"%s\" at byte %zu", list, item,
	        badat))
		printf("#   bad at %ld\n", bad ? (long)(bad - list) : -1L);
	ok(bad != NULL && strncmp(bad, item, strlen(item)) == 0,
	    "\"%s\": *bad reads \"%s\"", list, item);
	ok(why != NULL && *why != '\0', "\"%s\": a reason (\"%s\")", list,
	    why ? why : "(null)");
	addrset_free(x);
}

static void
test_list_bad(void)
{
	list_bad(
	    "192.0.2.1,example.com,192.0.2.2", 10, "example.com", NERR_PARSE);
	list_bad("192.0.2.1 192.0.2.2:80", 10, "192.0.2.2:80", NERR_PARSE);
	list_bad("[2001:db8::1]:443", 0, "[2001:db8::1]:443", NERR_PARSE);
	list_bad("192.0.2.0/24, 192.0.2.0/33", 14, "192.0.2.0/33", NERR_RANGE);
	list_bad("192.0.2.9-1", 0, "192.0.2.9-1", NERR_RANGE);
	list_bad("1.2.3", 0, "1.2.3", NERR_PARSE);
	list_bad("192.0.2.1;192.0.2.2", 0, "192.0.2.1;", NERR_PARSE);
}

/* Writes TEXT to a new temporary file; returns its path (static). */
static const char *
tmpfile_with(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/test_exclude.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return path;
}

static void
test_file(void)
{
	const char *path, *why;
	struct addrset *x;
	uint64_t lineno;
	int rc;

	path = tmpfile_with("# site exclusions\n"
	                    "192.0.2.0/28   # lab\n"
	                    "\n"
	                    "   \t\n"
	                    "198.51.100.7\r\n"
	                    "  2001:db8::1-2001:db8::ff\n"
	                    "#198.51.100.8\n"
	                    "203.0.113.2\n"
	                    "203.0.113.9");
	x = addrset_new();
	lineno = 99;
	rc = exclude_add_file(x, path, &why, &lineno);
	addrset_finish(x);
	is_int(rc, 0, "exclusion file with comments, blanks, CRLF: 0");
	is_int(lineno, 0, "no bad line");
	ok(addrset_count(x) == 16 + 1 + 255 + 1 + 1,
	    "file adds exactly 274 addresses");
	ok(addrset_contains(x, A("192.0.2.15")) &&
	        !addrset_contains(x, A("192.0.2.16")) &&
	        addrset_contains(x, A("198.51.100.7")) &&
	        !addrset_contains(x, A("198.51.100.8")) &&
	        addrset_contains(x, A("2001:db8::ff")) &&
	        addrset_contains(x, A("203.0.113.2")) &&
	        addrset_contains(x, A("203.0.113.9")),
	    "file members are its entries");
	addrset_free(x);
	unlink(path);

	path = tmpfile_with("# comment\n192.0.2.1\n\nexample.com\n192.0.2.2\n");
	x = addrset_new();
	why = NULL;
	rc = exclude_add_file(x, path, &why, &lineno);
	is_int(rc, NERR_PARSE, "a name in an exclusion file: NERR_PARSE");
	is_int(lineno, 4, "the bad line is line 4");
	ok(why != NULL && *why != '\0', "with a reason");
	addrset_free(x);
	unlink(path);

	path = tmpfile_with("192.0.2.1\n192.0.2.2:22\n");
	x = addrset_new();
	rc = exclude_add_file(x, path, &why, &lineno);
	ok(rc < 0 && lineno == 2, "a port in an exclusion file: line 2");
	addrset_free(x);
	unlink(path);

	x = addrset_new();
	lineno = 99;
	errno = 0;
	rc = exclude_add_file(x, "/nonexistent/nray/exclude", &why, &lineno);
	is_int(rc, NERR_SYSTEM, "a missing file: NERR_SYSTEM");
	is_int(lineno, 0, "a missing file: line 0");
	is_int(errno, ENOENT, "a missing file: errno ENOENT");
	addrset_free(x);
}

static void
test_site(void)
{
	const char *path, *file, *why;
	struct addrset *x;
	uint64_t lineno;
	int rc;

	file = tmpfile_with("192.0.2.128/25\n");
	setenv("NRAY_EXCLUDE", file, 1);
	x = addrset_new();
	path = NULL;
	rc = exclude_add_site(x, &path, &why, &lineno);
	addrset_finish(x);
	is_int(rc, 0, "$NRAY_EXCLUDE pointing at a file: 0");
	is_str(path, file, "the path used is $NRAY_EXCLUDE");
	ok(addrset_count(x) == 128 && addrset_contains(x, A("192.0.2.200")),
	    "its entries are added");
	addrset_free(x);
	unlink(file);

	setenv("NRAY_EXCLUDE", "/nonexistent/nray-exclude", 1);
	x = addrset_new();
	rc = exclude_add_site(x, &path, &why, &lineno);
	is_int(rc, NERR_SYSTEM, "$NRAY_EXCLUDE at a missing file: NERR_SYSTEM");
	is_int(lineno, 0, "missing file: line 0");
	addrset_free(x);

	file = tmpfile_with("192.0.2.1\nnot-an-address.example\n");
	setenv("NRAY_EXCLUDE", file, 1);
	x = addrset_new();
	rc = exclude_add_site(x, &path, &why, &lineno);
	ok(rc == NERR_PARSE && lineno == 2,
	    "$NRAY_EXCLUDE with a bad line 2: NERR_PARSE, line 2");
	addrset_free(x);
	unlink(file);

	unsetenv("NRAY_EXCLUDE");
	if (access("/etc/nray/exclude", F_OK) == 0) {
		ok(1, "# SKIP /etc/nray/exclude exists on this machine");
		return;
	}
	x = addrset_new();
	path = "x";
	rc = exclude_add_site(x, &path, &why, &lineno);
	addrset_finish(x);
	ok(rc == 0 && path == NULL && addrset_count(x) == 0,
	    "no $NRAY_EXCLUDE, no /etc/nray/exclude: 0, no path, nothing");
	addrset_free(x);
}

int
main(void)
{
	test_defaults();
	test_list();
	test_list_bad();
	test_file();
	test_site();
	return done_testing();
}
