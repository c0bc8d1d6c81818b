/*
 * nray-scan - TCP connect port scanner: options, start-up and exit status.
 */
#include <getopt.h>
#include <stdnoreturn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "scan.h"

#include "cli.h"
#include "log.h"
#include "nerr.h"
#include "opt.h"
#include "sig.h"
#include "stats.h"

#define FD_RESERVE       64 /* stdio, epoll, resolver sockets, files */
#define CONC_DEFAULT_MAX 65536
#define HOSTCONC_DEFAULT 256
#define WINDOW_DEFAULT   1024

enum {
	OPT_STATES = 256,
	OPT_RATE,
	OPT_CONC,
	OPT_HOSTCONC,
	OPT_TIMEOUT,
	OPT_MINTIMEOUT,
	OPT_RETRIES,
	OPT_DISCOVER,
	OPT_SEED,
	OPT_SHARD,
	OPT_RESUME,
	OPT_WINDOW,
	OPT_WORKERS,
	OPT_SOURCE,
	OPT_DNS,
	OPT_EXCLUDE,
	OPT_EXCLUDE_FILE,
	OPT_NO_DEFAULT_EXCLUDE,
	OPT_MAXLINE,
	OPT_PROGRESS,
	OPT_STATS,
	OPT_VERSION,
};

static const struct option longopts[] = {
    {"ports", required_argument, NULL, 'p'},
    {"input-file", required_argument, NULL, 'f'},
    {"states", required_argument, NULL, OPT_STATES},
    {"rate", required_argument, NULL, OPT_RATE},
    {"concurrency", required_argument, NULL, OPT_CONC},
    {"host-concurrency", required_argument, NULL, OPT_HOSTCONC},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"min-timeout", required_argument, NULL, OPT_MINTIMEOUT},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"discover", no_argument, NULL, OPT_DISCOVER},
    {"seed", required_argument, NULL, OPT_SEED},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"source-ip", required_argument, NULL, OPT_SOURCE},
    {"dns-server", required_argument, NULL, OPT_DNS},
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

static noreturn void
usage(void)
{
	printf(
	    "usage: nray-scan [options] [TARGET ...]\n"
	    "TCP connect port scan of targets from arguments, -f FILE or "
	    "stdin\n"
	    "(JSON records or bare lines: IP, CIDR, range, name, host:port).\n"
	    "\n"
	    "  -p, --ports SPEC          TCP ports: lists, ranges, all, topN "
	    "(default top100)\n"
	    "  -f, --input-file FILE     read targets from FILE ('-': stdin)\n"
	    "      --states LIST         report "
	    "open,closed,filtered,unreachable or all\n"
	    "                            (default open)\n"
	    "      --rate N              new probes per second, suffix k/M "
	    "(default 0: no cap)\n"
	    "      --concurrency N       probes in flight (default: from "
	    "RLIMIT_NOFILE, <= 65536)\n"
	    "      --host-concurrency N  probes in flight per host (default "
	    "256)\n"
	    "      --timeout DUR         ceiling of the adaptive timeout "
	    "(default 2s, <= 60s)\n"
	    "      --min-timeout DUR     floor of the adaptive timeout "
	    "(default 100ms)\n"
	    "      --retries N           extra tries for a silent port "
	    "(default 2, more when\n"
	    "                            loss is measured)\n"
	    "      --discover            report live hosts (\"host\" "
	    "records), not ports\n"
	    "      --seed N|random       permutation seed (default fixed)\n"
	    "      --shard I/N           scan only shard I of N\n"
	    "      --resume FILE         continue from FILE if it exists; "
	    "write it when stopped\n"
	    "      --window N            streamed targets permuted together "
	    "(default 1024)\n"
	    "      --workers N           processes sharing the scan, hosts "
	    "split among them\n"
	    "                            (default: one per core, at most 4; "
	    "1 with --resume)\n"
	    "      --source-ip ADDR      bind probes to this source address\n"
	    "      --dns-server ADDR[:PORT]  resolver for host names "
	    "(default: system)\n"
	    "      --exclude LIST        never probe these IPs, CIDRs, ranges\n"
	    "      --exclude-file FILE   never probe the entries of FILE\n"
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

static unsigned
states_parse(const char *s)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {{"open", ST_OPEN}, {"closed", ST_CLOSED},
	    {"filtered", ST_FILTERED}, {"unreachable", ST_UNREACH},
	    {"all", ST_ALL}};
	unsigned bits = 0;
	const char *p = s;

	while (*p != '\0') {
		size_t len = strcspn(p, ","), i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len &&
			    strncmp(names[i].name, p, len) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			opt_usage_error("--states: unknown state '%.*s' (open, "
			                "closed, filtered, unreachable, all)",
			    (int)len, p);
		bits |= names[i].bit;
		p += len;
		if (*p == ',')
			p++;
	}
	if (bits == 0)
		opt_usage_error("--states: empty list");
	return bits;
}

/* Raises RLIMIT_NOFILE to its hard limit; returns the soft limit now. */
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
parse_options(int argc, char **argv, struct scan_opts *o,
    struct cli_exclude *ce, uint64_t *conc_arg)
{
	const char *why = NULL;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "p:f:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			o->ports_spec = optarg;
			break;
		case 'f':
			o->input_file = optarg;
			break;
		case OPT_STATES:
			o->states = states_parse(optarg);
			break;
		case OPT_RATE:
			o->rate = opt_rate("--rate", optarg, 0, 1e8);
			if (o->rate > 0 && o->rate < 0.1)
				opt_usage_error(
				    "--rate: at least 0.1 per second");
			break;
		case OPT_CONC:
			*conc_arg =
			    opt_u64("--concurrency", optarg, 1, 1 << 24);
			break;
		case OPT_HOSTCONC:
			o->host_conc =
			    opt_u64("--host-concurrency", optarg, 1, 1 << 24);
			break;
		case OPT_TIMEOUT:
			o->timeout = opt_duration(
			    "--timeout", optarg, 0.001, TIMEOUT_MAX);
			break;
		case OPT_MINTIMEOUT:
			o->min_timeout = opt_duration(
			    "--min-timeout", optarg, 0.001, TIMEOUT_MAX);
			break;
		case OPT_RETRIES:
			o->retries = (int)opt_u64("--retries", optarg, 0, 20);
			o->retries_set = 1;
			break;
		case OPT_DISCOVER:
			o->discover = 1;
			break;
		case OPT_SEED:
			if (seed_parse(optarg, &o->seed) < 0)
				opt_usage_error("--seed: '%s' is not a number "
				                "or 'random'",
				    optarg);
			break;
		case OPT_SHARD:
			if (shard_parse(optarg, &o->shard, &why) < 0)
				opt_usage_error("--shard %s: %s", optarg,
				    why ? why : "expected I/N");
			o->sharded = o->shard.count > 1;
			break;
		case OPT_RESUME:
			o->resume_path = optarg;
			break;
		case OPT_WORKERS:
			o->workers = (int)opt_u64("--workers", optarg, 1, 64);
			break;
		case OPT_WINDOW:
			o->window = opt_u64("--window", optarg, 1, 1 << 20);
			break;
		case OPT_SOURCE:
			if (addr_parse(optarg, strlen(optarg), &o->source) < 0)
				opt_usage_error("--source-ip: '%s' is not an "
				                "IP address",
				    optarg);
			o->have_source = 1;
			break;
		case OPT_DNS:
			o->dns_server = optarg;
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
			o->stats_path = optarg;
			break;
		case OPT_VERSION:
			opt_version();
		case 'h':
			usage();
		default:
			if (optopt != 0 && strchr("pf", optopt) != NULL)
				opt_usage_error("-%c needs a value", optopt);
			opt_usage_error("unknown option or missing value: %s",
			    argv[optind - 1]);
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->nargs > 0 && o->input_file != NULL)
		opt_usage_error(
		    "give targets as arguments or with -f, not both");
	if (o->min_timeout > o->timeout)
		opt_usage_error("--min-timeout (%gs) is above --timeout (%gs)",
		    o->min_timeout, o->timeout);
}

static void
summary(const struct scan_opts *o, const struct scan_counts *c,
    struct input *in, struct stats *st)
{
	stats_u64(st, "in", input_items(in));
	stats_u64(st, "rejected", input_rejected(in));
	stats_u64(st, "unresolved", input_unresolved(in));
	stats_u64(st, "probes", c->probes);
	stats_u64(st, "open", c->open);
	stats_u64(st, "closed", c->closed);
	stats_u64(st, "filtered", c->filtered);
	stats_u64(st, "unreachable", c->unreach);
	stats_u64(st, "retries", c->retries);
	stats_u64(st, "local_errors", c->local_errs);
	if (o->discover)
		stats_u64(st, "hosts_up", c->hosts_up);
	stats_u64(st, "all_ports_open", c->flagged);
	stats_u64(st, "skipped", c->skipped + input_skipped(in));
	stats_u64(st, "cuts", c->cuts);
	stats_double(st, "loss", c->loss);
	stats_u64(st, "max_retries", (uint64_t)c->retries_used);
}

/* nray-scan: see nray-scan(1). */
int
main(int argc, char **argv)
{
	struct scan_opts o;
	struct cli_exclude ce;
	struct scan_counts c;
	struct stats *st;
	struct hosts *hosts;
	struct input *in;
	uint64_t conc_arg = 0, nofile, conc_max;
	const char *why = NULL;
	int rc, status = 0;

	log_init("nray-scan");
	sig_init();
	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	o.ports_spec = "top100";
	o.states = ST_OPEN;
	o.host_conc = HOSTCONC_DEFAULT;
	o.timeout = 2.0;
	o.min_timeout = 0.1;
	o.retries = 2;
	o.seed = SEED_DEFAULT;
	o.shard.index = 0;
	o.shard.count = 1;
	o.window = WINDOW_DEFAULT;
	o.max_line = JSONL_MAXLINE_DEFAULT;
	cli_exclude_init(&ce);
	parse_options(argc, argv, &o, &ce, &conc_arg);
	if (o.min_timeout > o.timeout)
		o.min_timeout = o.timeout;
	if (ports_parse(o.ports_spec, PORTS_TCP, &o.ports, &why) < 0)
		opt_usage_error("--ports %s: %s", o.ports_spec,
		    why ? why : "bad port list");
	cli_exclude_finish(&ce);
	o.exclude = ce.set;
	log_quiet = o.quiet;

	nofile = raise_nofile();
	conc_max = nofile > FD_RESERVE + 16 ? nofile - FD_RESERVE : 16;
	if (conc_arg == 0)
		o.concurrency =
		    conc_max < CONC_DEFAULT_MAX ? conc_max : CONC_DEFAULT_MAX;
	else if (conc_arg > conc_max) {
		log_warnx("--concurrency %llu capped at %llu (RLIMIT_NOFILE "
		          "%llu)",
		    (unsigned long long)conc_arg, (unsigned long long)conc_max,
		    (unsigned long long)nofile);
		o.concurrency = conc_max;
	} else
		o.concurrency = conc_arg;
	o.hash = resume_hash(&o);
	o.status_fd = -1;
	if (o.workers == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		o.workers = o.resume_path != NULL ? 1
		    : cores < 1                   ? 1
		    : cores > 4                   ? 4
		                                  : (int)cores;
	} else if (o.workers > 1 && o.resume_path != NULL) {
		opt_usage_error("--resume needs --workers 1");
	}

	out_init(&o);
	if (o.workers > 1 && (status = workers_run(&o)) >= 0) {
		ports_free(o.ports);
		cli_exclude_free(&ce);
		if (opt_close_stdout() != 0 && status == 0)
			status = EXIT_REJECTED;
		return status;
	}
	status = 0;
	if (o.workers > 1) {
		/* A worker: its summary goes to the parent's status pipe. */
		static char path[32];
		snprintf(path, sizeof(path), "/dev/fd/%d", o.status_fd);
		o.stats_path = path;
	}
	st = stats_new();
	hosts = hosts_new(4 * (o.concurrency > 4096 ? o.concurrency : 4096));
	in = input_new(&o);
	if (o.resume_path != NULL && resume_load(&o, in, hosts))
		log_info("resuming from %s", o.resume_path);
	rc = engine_run(&o, in, hosts, &c);
	summary(&o, &c, in, st);

	if (sig_stop)
		status = sig_exit_status();
	else if (rc < 0 || input_rejected(in) > 0 || out_failed())
		status = EXIT_REJECTED;
	if (!sig_stop && rc == 0 && o.resume_path != NULL)
		(void)unlink(o.resume_path); /* the scan is complete */
	if (stats_emit(st, o.stats_path) < 0 && status == 0)
		status = EXIT_REJECTED;
	input_free(in);
	hosts_free(hosts);
	ports_free(o.ports);
	cli_exclude_free(&ce);
	if (opt_close_stdout() != 0 && status == 0)
		status = EXIT_REJECTED;
	return status;
}
