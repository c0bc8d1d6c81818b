/*
 * nray-grab - application-layer grabs on open ports: options, input,
 * output and exit status.  The engine (engine.c, conn.c) does the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"

#include "cli.h"
#include "jsonl.h"
#include "log.h"
#include "nerr.h"
#include "opt.h"
#include "record.h"
#include "sig.h"
#include "stats.h"

#define FD_RESERVE     64 /* stdio, epoll, resolver sockets, files */
#define CONC_DEFAULT   1000
#define LINES_PER_TURN 1024
#define USER_AGENT     "Mozilla/5.0 (compatible; nray-grab/" NRAY_VERSION ")"

enum {
	OPT_LIST = 256,
	OPT_CONC,
	OPT_RATE,
	OPT_CTIMEOUT,
	OPT_RTIMEOUT,
	OPT_TIMEOUT,
	OPT_STIMEOUT,
	OPT_MAXREAD,
	OPT_METHOD,
	OPT_PATH,
	OPT_HOST,
	OPT_UA,
	OPT_REDIRECTS,
	OPT_MAXBODY,
	OPT_FAVICON,
	OPT_PROBE,
	OPT_SOURCE,
	OPT_EXCLUDE,
	OPT_EXCLUDE_FILE,
	OPT_NO_DEFAULT_EXCLUDE,
	OPT_MAXLINE,
	OPT_PROGRESS,
	OPT_STATS,
	OPT_VERSION,
};

static const struct option longopts[] = {
    {"input-file", required_argument, NULL, 'f'},
    {"modules", required_argument, NULL, 'm'},
    {"list-modules", no_argument, NULL, OPT_LIST},
    {"concurrency", required_argument, NULL, OPT_CONC},
    {"rate", required_argument, NULL, OPT_RATE},
    {"connect-timeout", required_argument, NULL, OPT_CTIMEOUT},
    {"read-timeout", required_argument, NULL, OPT_RTIMEOUT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"sniff-timeout", required_argument, NULL, OPT_STIMEOUT},
    {"max-read", required_argument, NULL, OPT_MAXREAD},
    {"http-method", required_argument, NULL, OPT_METHOD},
    {"http-path", required_argument, NULL, OPT_PATH},
    {"http-host", required_argument, NULL, OPT_HOST},
    {"user-agent", required_argument, NULL, OPT_UA},
    {"max-redirects", required_argument, NULL, OPT_REDIRECTS},
    {"max-body", required_argument, NULL, OPT_MAXBODY},
    {"favicon", no_argument, NULL, OPT_FAVICON},
    {"banner-probe", required_argument, NULL, OPT_PROBE},
    {"source-ip", required_argument, NULL, OPT_SOURCE},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"exclude-file", required_argument, NULL, OPT_EXCLUDE_FILE},
    {"no-default-exclude", no_argument, NULL, OPT_NO_DEFAULT_EXCLUDE},
    {"max-line", required_argument, NULL, OPT_MAXLINE},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"quiet", no_argument, NULL, 'q'},
    {"stats", required_argument, NULL, OPT_STATS},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The input: arguments, or the lines of -f FILE or stdin. */
static struct {
	const struct grab_opts *o;
	char **args;
	int nargs, argi;
	const char *file;
	int fd, own_fd, watched, readable, eof, fl_saved, fl;
	struct jsonl_reader *r;
	const char *source;
	uint64_t lines, rejected, passed, excluded, out;
	int read_error, write_error, tty;
	double last_progress;
} in;

static noreturn void
usage(void)
{
	printf(
	    "usage: nray-grab [options] [HOST:PORT ...]\n"
	    "Application-layer grabs (TLS, HTTP, SSH, FTP, SMTP, IMAP, POP3, "
	    "Redis, MySQL,\n"
	    "PostgreSQL, telnet, banners) on port records from arguments, -f "
	    "FILE or stdin\n"
	    "(nray-scan records, target records with a port, IP:PORT, "
	    "[v6]:PORT, name:PORT).\n"
	    "\n"
	    "  -f, --input-file FILE     read records from FILE ('-': stdin)\n"
	    "  -m, --modules LIST        modules to run on every record, each "
	    "on its own\n"
	    "                            connection (default auto: by port, "
	    "else parallel\n"
	    "                            probes: greeting, TLS, HTTP, Redis, "
	    "PostgreSQL)\n"
	    "      --list-modules        list the modules and exit\n"
	    "      --concurrency N       grabs in flight (default 1000)\n"
	    "      --rate N              new connections per second (default "
	    "0: "
	    "no cap)\n"
	    "      --connect-timeout DUR (default 5s)\n"
	    "      --read-timeout DUR    longest wait for the next bytes "
	    "(default 5s)\n"
	    "      --timeout DUR         deadline of a whole grab (default "
	    "20s)\n"
	    "      --sniff-timeout DUR   auto: how long the probes wait for a "
	    "decisive\n"
	    "                            answer (default 1.5s)\n"
	    "      --max-read BYTES      bytes read per grab in all (default "
	    "262144)\n"
	    "      --http-method M       HTTP method (default GET)\n"
	    "      --http-path P         HTTP path (default /)\n"
	    "      --http-host H         Host header (default: the record's "
	    "host or ip)\n"
	    "      --user-agent UA       User-Agent header\n"
	    "      --max-redirects N     redirects followed, same address only "
	    "(default 3)\n"
	    "      --max-body BYTES      body bytes kept in the record "
	    "(default 1024)\n"
	    "      --favicon             also fetch /favicon.ico and hash it "
	    "(mmh3)\n"
	    "      --banner-probe STR    banner module: send STR (\\r \\n "
	    "\\xNN) "
	    "after connecting\n"
	    "      --source-ip ADDR      connect from this address\n"
	    "      --exclude LIST        never connect to these IPs, CIDRs, "
	    "ranges\n"
	    "      --exclude-file FILE   never connect to the entries of FILE\n"
	    "      --no-default-exclude  drop the built-in never-scan list\n"
	    "      --max-line BYTES      longest input line (default 1 MiB)\n"
	    "      --progress            progress on stderr even when not a "
	    "terminal\n"
	    "  -q, --quiet               no progress, no summary\n"
	    "      --stats FILE          write the summary as JSON to FILE\n"
	    "      --version             print the version\n"
	    "  -h, --help                this help\n");
	exit(0);
}

static noreturn void
list_modules(void)
{
	size_t i;

	for (i = 0; grab_modules[i] != NULL; i++)
		printf("%-10s %s\n", grab_modules[i]->name,
		    grab_modules[i]->summary);
	exit(opt_close_stdout());
}

static void
modules_parse(struct grab_opts *o, const char *list)
{
	const struct grab_module *m;
	const char *p = list;
	char name[64];
	size_t len, i;

	o->nmods = 0;
	if (strcmp(list, "auto") == 0)
		return;
	while (*p != '\0') {
		len = strcspn(p, ",");
		if (len == 0 || len >= sizeof(name))
			opt_usage_error("--modules: empty or overlong name in "
			                "'%s'",
			    list);
		memcpy(name, p, len);
		name[len] = '\0';
		if ((m = grab_module_find(name)) == NULL)
			opt_usage_error("--modules: no module '%s' (see "
			                "--list-modules)",
			    name);
		for (i = 0; i < o->nmods && o->mods[i] != m; i++)
			;
		if (i == o->nmods) {
			if (o->nmods == GRAB_MAX_MODULES)
				opt_usage_error("--modules: too many modules");
			o->mods[o->nmods++] = m;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	if (o->nmods == 0)
		opt_usage_error("--modules: empty list");
}

static uint64_t
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? UINT64_C(1) << 20 : rl.rlim_cur;
}

static void
parse_options(int argc, char **argv, struct grab_opts *o,
    struct cli_exclude *ce, const char **stats_path)
{
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "f:m:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			in.file = optarg;
			break;
		case 'm':
			modules_parse(o, optarg);
			break;
		case OPT_LIST:
			list_modules();
		case OPT_CONC:
			o->concurrency =
			    opt_u64("--concurrency", optarg, 1, 1 << 20);
			break;
		case OPT_RATE:
			o->rate = opt_rate("--rate", optarg, 0, 1e7);
			if (o->rate > 0 && o->rate < 0.1)
				opt_usage_error(
				    "--rate: at least 0.1 per second");
			break;
		case OPT_CTIMEOUT:
			o->connect_timeout = opt_duration(
			    "--connect-timeout", optarg, 0.001, 3600);
			break;
		case OPT_RTIMEOUT:
			o->read_timeout =
			    opt_duration("--read-timeout", optarg, 0.001, 3600);
			break;
		case OPT_TIMEOUT:
			o->timeout =
			    opt_duration("--timeout", optarg, 0.001, 3600);
			break;
		case OPT_STIMEOUT:
			o->sniff_timeout = opt_duration(
			    "--sniff-timeout", optarg, 0.001, 3600);
			break;
		case OPT_MAXREAD:
			o->cfg.max_read = (size_t)opt_u64(
			    "--max-read", optarg, 1024, UINT64_C(1) << 30);
			break;
		case OPT_METHOD:
			o->cfg.http_method = optarg;
			break;
		case OPT_PATH:
			if (optarg[0] != '/')
				opt_usage_error("--http-path: '%s' does not "
				                "start with /",
				    optarg);
			o->cfg.http_path = optarg;
			break;
		case OPT_HOST:
			o->cfg.http_host = optarg;
			break;
		case OPT_UA:
			o->cfg.user_agent = optarg;
			break;
		case OPT_REDIRECTS:
			o->cfg.max_redirects =
			    (int)opt_u64("--max-redirects", optarg, 0, 20);
			break;
		case OPT_MAXBODY:
			o->cfg.max_body = (size_t)opt_u64(
			    "--max-body", optarg, 0, UINT64_C(1) << 30);
			break;
		case OPT_FAVICON:
			o->cfg.favicon = 1;
			break;
		case OPT_PROBE:
			o->cfg.banner_probe = optarg;
			break;
		case OPT_SOURCE:
			if (addr_parse(optarg, strlen(optarg), &o->source) < 0)
				opt_usage_error("--source-ip: '%s' is not an "
				                "IP address",
				    optarg);
			o->have_source = 1;
			break;
		case OPT_EXCLUDE:
			cli_exclude_list(ce, optarg);
			break;
		case OPT_EXCLUDE_FILE:
			cli_exclude_file(ce, optarg);
			break;
		case OPT_NO_DEFAULT_EXCLUDE:
			ce->no_default = 1;
			break;
		case OPT_MAXLINE:
			o->max_line = (size_t)opt_u64(
			    "--max-line", optarg, 64, UINT64_C(1) << 30);
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case OPT_STATS:
			*stats_path = optarg;
			break;
		case OPT_VERSION:
			opt_version();
		case 'h':
			usage();
		default:
			if (optopt != 0 && strchr("fm", optopt) != NULL)
				opt_usage_error("-%c needs a value", optopt);
			opt_usage_error("unknown option or missing value: %s",
			    argv[optind - 1]);
		}
	}
	in.args = argv + optind;
	in.nargs = argc - optind;
	if (in.nargs > 0 && in.file != NULL)
		opt_usage_error(
		    "give targets as arguments or with -f, not both");
	if (o->cfg.max_read < o->cfg.max_body)
		o->cfg.max_body = o->cfg.max_read;
}

/* --- input ------------------------------------------------------------ */

static void
input_open(struct engine *e)
{
	struct stat sb;

	in.fd = -1;
	if (in.nargs > 0) {
		in.source = "argument";
		return;
	}
	if (in.file != NULL && strcmp(in.file, "-") != 0) {
		in.fd = open(in.file, O_RDONLY | O_CLOEXEC);
		if (in.fd < 0)
			log_fatal(1, "%s", in.file);
		in.own_fd = 1;
		in.source = in.file;
	} else {
		in.fd = 0;
		in.source = "stdin";
	}
	in.readable = 1;
	if (fstat(in.fd, &sb) == 0 && !S_ISREG(sb.st_mode) &&
	    !S_ISBLK(sb.st_mode) && engine_watch_input(e, in.fd) == 0) {
		in.watched = 1;
		in.fl = fcntl(in.fd, F_GETFL);
		if (in.fl >= 0 && !(in.fl & O_NONBLOCK) &&
		    fcntl(in.fd, F_SETFL, in.fl | O_NONBLOCK) == 0)
			in.fl_saved = 1;
	}
	in.r = jsonl_reader_new(in.fd, in.o->max_line);
}

static void
input_close(void)
{
	jsonl_reader_free(in.r);
	in.r = NULL;
	if (in.fl_saved)
		(void)fcntl(in.fd, F_SETFL, in.fl);
	in.fl_saved = 0;
	if (in.own_fd)
		close(in.fd);
	in.own_fd = 0;
}

static void
write_record(const json_t *rec)
{
	if (in.write_error || opt_stdout_closed())
		return;
	if (jsonl_write(stdout, rec) < 0) {
		if (!opt_stdout_closed()) {
			log_warn("write error on standard output");
			in.write_error = 1;
		}
		return;
	}
	in.out++;
}

static void
reject(uint64_t lineno, const char *why, const char *text, size_t len)
{
	log_input_error(in.source, lineno, why, text, len);
	in.rejected++;
}

/* One input line: a job, a record passed through, or a rejection. */
static void
take_line(struct engine *e, const char *text, size_t len, uint64_t lineno)
{
	const char *why = "unparsable", *pspec = NULL, *s;
	json_t *obj = NULL;
	struct target t;
	struct job *j;

	in.lines++;
	if (record_parse(text, len, &obj, &why) < 0 ||
	    record_target(obj, &t, &pspec, &why) < 0) {
		reject(lineno, why, text, len);
		json_decref(obj);
		return;
	}
	if (t.port < 0) {
		reject(lineno,
		    "no port: nray-grab needs IP:PORT or a port record", text,
		    len);
		json_decref(obj);
		return;
	}
	if (t.kind != TARGET_HOST && t.lo != t.hi) {
		reject(lineno, "nray-grab needs one address, not a network",
		    text, len);
		json_decref(obj);
		return;
	}
	/* UDP and ports that are not open: nothing to grab, out as they are. */
	s = json_string_value(json_object_get(obj, "proto"));
	if ((s != NULL && strcmp(s, "tcp") != 0) ||
	    ((s = json_string_value(json_object_get(obj, "state"))) != NULL &&
	        strcmp(s, "open") != 0)) {
		in.passed++;
		write_record(obj);
		json_decref(obj);
		return;
	}
	if (t.kind != TARGET_HOST && addrset_contains(in.o->exclude, t.lo)) {
		log_input_error(in.source, lineno,
		    "excluded, written out without grabs", text, len);
		in.excluded++;
		write_record(obj);
		json_decref(obj);
		return;
	}
	s = json_string_value(json_object_get(obj, "type"));
	if (s == NULL || strcmp(s, "port") != 0)
		json_object_set_new(obj, "type", json_string("port"));
	if (json_object_get(obj, "proto") == NULL)
		json_object_set_new(obj, "proto", json_string("tcp"));
	j = job_new(obj, (uint16_t)t.port, t.host[0] != '\0' ? t.host : NULL);
	j->lineno = lineno;
	if (t.kind == TARGET_HOST) {
		engine_add_job(e, j, 0);
		return;
	}
	j->addr = t.lo;
	addr_format(t.lo, j->ip);
	if (json_object_get(obj, "ip") == NULL)
		json_object_set_new(obj, "ip", json_string(j->ip));
	engine_add_job(e, j, 1);
}

/* See engine.h. */
int
input_pump(struct engine *e)
{
	struct jsonl_line line;
	int budget = LINES_PER_TURN;
	long n;

	while (!in.eof && engine_wants_jobs(e)) {
		if (budget-- == 0)
			return 1;
		if (in.nargs > 0) {
			if (in.argi >= in.nargs) {
				in.eof = 1;
				break;
			}
			take_line(e, in.args[in.argi], strlen(in.args[in.argi]),
			    (uint64_t)in.argi + 1);
			in.argi++;
			continue;
		}
		switch (jsonl_next(in.r, &line)) {
		case JSONL_LINE:
			take_line(e, line.text, line.len, line.lineno);
			continue;
		case JSONL_TOOLONG:
			in.lines++;
			reject(
			    line.lineno, "line too long", line.text, line.len);
			continue;
		case JSONL_EOF:
			in.eof = 1;
			input_close();
			return 0;
		case JSONL_AGAIN:
			break;
		}
		if (!in.readable)
			return 0;
		n = jsonl_fill(in.r);
		if (n == -EAGAIN) {
			in.readable = !in.watched;
			return 0;
		}
		if (n == -EINTR)
			return 0;
		if (n < 0) {
			errno = (int)-n;
			log_warn("read %s", in.source);
			in.read_error = 1;
			in.eof = 1;
			input_close();
			return 0;
		}
	}
	return 0;
}

void
input_readable(void)
{
	in.readable = 1;
}

int
input_done(void)
{
	return in.eof;
}

void
input_stop(void)
{
	if (!in.eof && in.nargs == 0)
		input_close();
	in.eof = 1;
}

/* --- output ------------------------------------------------------------ */

void
output_job(struct job *j)
{
	write_record(j->rec);
	job_free(j);
}

int
output_closed(void)
{
	return in.write_error || opt_stdout_closed();
}

void
output_progress(const struct engine *e, double now)
{
	struct engine_counts c;

	if (in.o->quiet || !(in.o->progress || in.tty))
		return;
	if (now - in.last_progress < 1.0)
		return;
	if (in.last_progress == 0) {
		in.last_progress = now;
		return;
	}
	in.last_progress = now;
	engine_counts(e, &c);
	fprintf(stderr,
	    "%snray-grab: in=%llu out=%llu in-flight=%llu success=%llu "
	    "failed=%llu%s",
	    in.tty ? "\r\033[K" : "", (unsigned long long)in.lines,
	    (unsigned long long)in.out, (unsigned long long)c.inflight,
	    (unsigned long long)c.success, (unsigned long long)c.failed,
	    in.tty ? "" : "\n");
}

static void
summary(struct engine *e, struct stats *st)
{
	struct engine_counts c;

	engine_counts(e, &c);
	if (in.tty && in.last_progress > 0 && !in.o->quiet)
		fputs("\r\033[K", stderr);
	stats_u64(st, "in", in.lines);
	stats_u64(st, "out", in.out);
	stats_u64(st, "rejected", in.rejected);
	stats_u64(st, "excluded", in.excluded + c.excluded);
	stats_u64(st, "passed", in.passed);
	stats_u64(st, "unresolved", c.unresolved);
	stats_u64(st, "grabs", c.grabs);
	stats_u64(st, "success", c.success);
	stats_u64(st, "failed", c.failed);
	stats_u64(st, "probes", c.probes);
	stats_u64(st, "connects", c.connects);
	stats_u64(st, "bytes_in", c.bytes_in);
}

/* nray-grab: see nray-grab(1). */
int
main(int argc, char **argv)
{
	static struct grab_opts o;
	struct cli_exclude ce;
	const char *stats_path = NULL;
	struct engine *e;
	struct stats *st;
	uint64_t nofile, conc_max;
	int rc, status = 0;

	log_init("nray-grab");
	sig_init();
	o.cfg.http_method = "GET";
	o.cfg.http_path = "/";
	o.cfg.user_agent = USER_AGENT;
	o.cfg.max_redirects = 3;
	o.cfg.max_body = 1024;
	o.cfg.max_read = 262144;
	o.concurrency = CONC_DEFAULT;
	o.connect_timeout = 5;
	o.read_timeout = 5;
	o.timeout = 20;
	o.sniff_timeout = 1.5;
	o.max_line = JSONL_MAXLINE_DEFAULT;
	in.o = &o;
	cli_exclude_init(&ce);
	parse_options(argc, argv, &o, &ce, &stats_path);
	cli_exclude_finish(&ce);
	o.exclude = ce.set;
	log_quiet = o.quiet;
	in.tty = isatty(2);

	nofile = raise_nofile();
	conc_max = nofile > FD_RESERVE + 16 ? nofile - FD_RESERVE : 16;
	if (o.concurrency > conc_max) {
		log_warnx("--concurrency %llu capped at %llu (RLIMIT_NOFILE "
		          "%llu)",
		    (unsigned long long)o.concurrency,
		    (unsigned long long)conc_max, (unsigned long long)nofile);
		o.concurrency = conc_max;
	}

	st = stats_new();
	e = engine_new(&o);
	input_open(e);
	rc = engine_run(e);
	if (rc < 0)
		log_warn("event loop");
	summary(e, st);
	engine_free(e);
	input_close();

	if (sig_stop)
		status = sig_exit_status();
	else if (rc < 0 || in.rejected > 0 || in.read_error || in.write_error)
		status = EXIT_REJECTED;
	if (stats_emit(st, stats_path) < 0 && status == 0)
		status = EXIT_REJECTED;
	cli_exclude_free(&ce);
	if (opt_close_stdout() != 0 && status == 0)
		status = EXIT_REJECTED;
	return status;
}
