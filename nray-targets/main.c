/*
 * nray-targets - turns target expressions into target records.
 *
 * Reads arguments, -f files and stdin (bare expressions or JSON records),
 * applies the exclusions, and writes one target record per line: as given,
 * split into smaller networks (--split), resolved (--resolve), one per
 * address in a seeded permutation (--expand), or from DNS zone transfers
 * (--axfr).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axfr.h"
#include "cli.h"
#include "expand.h"
#include "jsonl.h"
#include "log.h"
#include "nerr.h"
#include "opt.h"
#include "perm.h"
#include "ports.h"
#include "record.h"
#include "resolve.h"
#include "sig.h"
#include "stats.h"
#include "strmap.h"
#include "targets.h"
#include "xalloc.h"

static struct targets_ctx ctx;

static const char usage_text[] =
    "Usage: nray-targets [OPTION]... [TARGET]...\n"
    "Turn IPs, CIDRs, ranges and host names into nray target records.\n"
    "Targets come from the arguments, then -f files; with neither (and no\n"
    "--axfr), from standard input.  Input lines are bare targets or JSON "
    "records.\n"
    "\n"
    "  -f, --input-file FILE     read targets from FILE ('-' = stdin); "
    "repeatable\n"
    "      --expand              one record per address, in a seeded "
    "pseudo-random\n"
    "                            order (reads all input first)\n"
    "      --seed N|random       permutation seed for --expand (default "
    "fixed)\n"
    "      --shard I/N           with --expand: only shard I of N\n"
    "      --split N             cut networks into blocks of at most N "
    "addresses\n"
    "  -p, --ports SPEC          add \"ports\": SPEC to records that have no "
    "port\n"
    "      --resolve             resolve host names (A and AAAA), many at "
    "once\n"
    "  -4, --ipv4-only           resolve and emit IPv4 addresses only\n"
    "  -6, --ipv6-only           resolve and emit IPv6 addresses only\n"
    "      --dns-server ADDR[:PORT]  DNS server for --resolve and --axfr\n"
    "                            name-server lookups (default: system)\n"
    "      --axfr ZONE[@SERVER[:PORT]]  host names of a DNS zone transfer;\n"
    "                            repeatable (default server: the zone's NS)\n"
    "      --timeout DUR         DNS timeout per try (default 2s)\n"
    "      --concurrency N       names resolved at once (default 256)\n"
    "      --exclude LIST        never emit these IPs, CIDRs, ranges\n"
    "      --exclude-file FILE   ... nor those listed in FILE\n"
    "      --no-default-exclude  drop the built-in never-scan list\n"
    "      --max-line BYTES      longest input line (default 1048576)\n"
    "  -q, --quiet               no summary on stderr\n"
    "      --stats FILE          write the summary as JSON to FILE\n"
    "      --help                show this help\n"
    "      --version             show the version\n"
    "\n"
    "Exit status: 0 success, 1 some input rejected or a failure, 2 usage "
    "error.\n"
    "See nray-targets(1) and nray-json(5).\n";

enum {
	OPT_EXPAND = 256,
	OPT_SEED,
	OPT_SHARD,
	OPT_SPLIT,
	OPT_RESOLVE,
	OPT_DNS_SERVER,
	OPT_AXFR,
	OPT_TIMEOUT,
	OPT_CONCURRENCY,
	OPT_EXCLUDE,
	OPT_EXCLUDE_FILE,
	OPT_NO_DEFAULT_EXCLUDE,
	OPT_MAX_LINE,
	OPT_STATS,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option longopts[] = {
    {"input-file", required_argument, NULL, 'f'},
    {"expand", no_argument, NULL, OPT_EXPAND},
    {"seed", required_argument, NULL, OPT_SEED},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"split", required_argument, NULL, OPT_SPLIT},
    {"ports", required_argument, NULL, 'p'},
    {"resolve", no_argument, NULL, OPT_RESOLVE},
    {"ipv4-only", no_argument, NULL, '4'},
    {"ipv6-only", no_argument, NULL, '6'},
    {"dns-server", required_argument, NULL, OPT_DNS_SERVER},
    {"axfr", required_argument, NULL, OPT_AXFR},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"exclude-file", required_argument, NULL, OPT_EXCLUDE_FILE},
    {"no-default-exclude", no_argument, NULL, OPT_NO_DEFAULT_EXCLUDE},
    {"max-line", required_argument, NULL, OPT_MAX_LINE},
    {"quiet", no_argument, NULL, 'q'},
    {"stats", required_argument, NULL, OPT_STATS},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void
usage(void)
{
	fputs(usage_text, stdout);
	exit(opt_close_stdout());
}

/* Reads every line of FD (named SOURCE in messages) through the pipeline. */
static void
read_source(int fd, const char *source)
{
	struct jsonl_reader *r = jsonl_reader_new(fd, ctx.max_line);
	struct jsonl_line line;
	enum jsonl_status st;
	struct pollfd pfd;
	long n;

	/* Non-blocking, so names in flight resolve while input pauses. */
	if (ctx.resolver != NULL)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (!sig_stop && !ctx.out_closed) {
		st = jsonl_next(r, &line);
		if (st == JSONL_EOF)
			break;
		if (st == JSONL_LINE) {
			targets_line(
			    &ctx, source, line.lineno, line.text, line.len);
			continue;
		}
		if (st == JSONL_TOOLONG) {
			log_input_error(source, line.lineno, "line too long",
			    line.text, line.len);
			ctx.rejected++;
			continue;
		}
		/* Hand on what is done before waiting for more input. */
		if (fflush(stdout) != 0 && errno == EPIPE)
			ctx.out_closed = 1;
		n = jsonl_fill(r);
		if (n >= 0 || n == -EINTR)
			continue;
		if (n != -EAGAIN) {
			errno = (int)-n;
			log_warn("read %s", source);
			ctx.failed = 1;
			break;
		}
		/* Nothing to read: serve the resolver until input comes. */
		if (ctx.resolver != NULL && resolve_pending(ctx.resolver) > 0) {
			resolve_wait(ctx.resolver, 20);
		} else {
			pfd.fd = fd;
			pfd.events = POLLIN;
			poll(&pfd, 1, -1);
		}
	}
	jsonl_reader_free(r);
}

static void
read_file(const char *path)
{
	int fd;

	if (strcmp(path, "-") == 0) {
		read_source(0, "stdin");
		return;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		log_warn("%s", path);
		ctx.failed = 1;
		return;
	}
	read_source(fd, path);
	close(fd);
}

int
main(int argc, char **argv)
{
	const char *stats_path = NULL, *dns_server = NULL, *ports_spec = NULL;
	const char **files = NULL, **zones = NULL, *why;
	size_t nfiles = 0, nzones = 0, i;
	struct resolve_opts ro;
	struct ports *ports;
	struct stats *st;
	double timeout = 2;
	int c, resolve = 0, status;

	log_init("nray-targets");
	sig_init();
	memset(&ctx, 0, sizeof(ctx));
	ctx.seed = SEED_DEFAULT;
	ctx.shard.index = 0;
	ctx.shard.count = 1;
	ctx.families = RESOLVE_V4 | RESOLVE_V6;
	ctx.concurrency = 256;
	ctx.max_line = JSONL_MAXLINE_DEFAULT;
	cli_exclude_init(&ctx.excl);
	files = xcalloc((size_t)argc, sizeof(*files));
	zones = xcalloc((size_t)argc, sizeof(*zones));

	while ((c = getopt_long(argc, argv, "f:p:46q", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			files[nfiles++] = optarg;
			break;
		case OPT_EXPAND:
			ctx.expand = expand_new();
			break;
		case OPT_SEED:
			if (seed_parse(optarg, &ctx.seed) != 0)
				opt_usage_error("--seed: '%s' is not a number "
				                "or 'random'",
				    optarg);
			break;
		case OPT_SHARD:
			if (shard_parse(optarg, &ctx.shard, &why) != 0)
				opt_usage_error("--shard %s: %s", optarg, why);
			break;
		case OPT_SPLIT:
			ctx.split =
			    opt_u64("--split", optarg, 1, UINT64_C(1) << 62);
			break;
		case 'p':
			if (ports_parse(optarg, PORTS_TCP, &ports, &why) != 0)
				opt_usage_error("--ports %s: %s", optarg, why);
			ports_free(ports);
			ports_spec = optarg;
			break;
		case OPT_RESOLVE:
			resolve = 1;
			break;
		case '4':
			ctx.families = RESOLVE_V4;
			break;
		case '6':
			ctx.families = RESOLVE_V6;
			break;
		case OPT_DNS_SERVER:
			dns_server = optarg;
			break;
		case OPT_AXFR:
			zones[nzones++] = optarg;
			break;
		case OPT_TIMEOUT:
			timeout = opt_duration("--timeout", optarg, 0.01, 3600);
			break;
		case OPT_CONCURRENCY:
			ctx.concurrency =
			    (size_t)opt_u64("--concurrency", optarg, 1, 65536);
			break;
		case OPT_EXCLUDE:
			cli_exclude_list(&ctx.excl, optarg);
			break;
		case OPT_EXCLUDE_FILE:
			cli_exclude_file(&ctx.excl, optarg);
			break;
		case OPT_NO_DEFAULT_EXCLUDE:
			ctx.excl.no_default = 1;
			break;
		case OPT_MAX_LINE:
			ctx.max_line = (size_t)opt_u64(
			    "--max-line", optarg, 64, UINT64_C(1) << 30);
			break;
		case 'q':
			log_quiet = 1;
			break;
		case OPT_STATS:
			stats_path = optarg;
			break;
		case OPT_HELP:
			usage();
			break;
		case OPT_VERSION:
			opt_version();
			break;
		default:
			opt_usage_error("unknown option");
		}
	}
	if (ctx.shard.count > 1 && ctx.expand == NULL)
		opt_usage_error("--shard needs --expand");
	if (ctx.split && ctx.expand != NULL)
		opt_usage_error("--split and --expand exclude each other");
	if (ports_spec != NULL)
		ctx.ports = json_string(ports_spec);
	cli_exclude_finish(&ctx.excl);

	if (resolve) {
		memset(&ro, 0, sizeof(ro));
		ro.servers = dns_server;
		ro.timeout = timeout;
		if (resolve_new(&ro, &ctx.resolver, &why) != 0)
			log_fatalx(1, "resolver: %s", why);
	}
	st = stats_new();

	for (i = 0; i < (size_t)(argc - optind) && !sig_stop; i++)
		targets_line(&ctx, "argument", i + 1, argv[optind + i],
		    strlen(argv[optind + i]));
	for (i = 0; i < nzones && !sig_stop; i++)
		targets_axfr(&ctx, zones[i], dns_server, timeout);
	for (i = 0; i < nfiles && !sig_stop; i++)
		read_file(files[i]);
	if (optind == argc && nfiles == 0 && nzones == 0)
		read_source(0, "stdin");
	targets_drain(&ctx);
	if (ctx.expand != NULL && !sig_stop)
		targets_expand(&ctx);

	stats_u64(st, "in", ctx.in);
	stats_u64(st, "out", ctx.out);
	stats_u64(st, "rejected", ctx.rejected);
	stats_u64(st, "excluded", ctx.excluded);
	if (resolve)
		stats_u64(st, "unresolved", ctx.unresolved);
	if (stats_emit(st, stats_path) != 0)
		ctx.failed = 1;

	resolve_free(ctx.resolver);
	expand_free(ctx.expand);
	cli_exclude_free(&ctx.excl);
	json_decref(ctx.ports);
	free(files);
	free(zones);
	status = ctx.rejected || ctx.unresolved || ctx.failed ? 1 : 0;
	if (opt_close_stdout() != 0)
		status = 1;
	if (sig_stop)
		status = sig_exit_status();
	return status;
}
