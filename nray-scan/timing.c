/*
 * timing.c - how long to wait, how fast to go.
 *
 * RTT: like TCP (RFC 6298), srtt and rttvar per destination network (/24
 * for IPv4, /48 for IPv6) in a bounded 4-way set-associative table (a new
 * network replaces the least recently used of its set), plus one global
 * estimate.  The timeout is clamp(srtt + K * rttvar, --min-timeout,
 * --timeout) with K = 4; a network without samples uses the global
 * estimate, and before the first sample at all the ceiling is used.
 *
 * Rate: a token bucket refilled continuously from the monotonic clock;
 * the burst is 10 ms worth of tokens (at least one), so it is smooth from
 * 10/s to millions per second.
 *
 * Congestion (AIMD): answers are counted per epoch (100 ms).  An answer
 * that came on a retry means earlier tries were lost.  When the late
 * share of an epoch's answers exceeds max(10%, twice the long-run share),
 * or the silent share of the epoch's tries jumps 25 points above its slow
 * average while answers still come, two epochs in a row, after a warm-up
 * of one --timeout (only tries whose timeout came from RTT samples count:
 * the ceiling timeouts of the first probes would look like a burst), the
 * in-flight window and the rate factor are halved; then no cut for HOLD
 * seconds (a timeout: the delay of the signal).  Every other epoch adds
 * 1/50 of the configured concurrency (and 2% of the rate) back.
 */
#include <math.h>
#include <string.h>

#include "scan.h"

#include "xalloc.h"

#define RTT_K       4.0
#define RTT_SETS    4096
#define RTT_WAYS    4
#define EPOCH       0.1
#define CUT         0.5
#define MIN_EVENTS  50
#define LATE_FLOOR  0.10
#define SILENT_JUMP 0.25

struct rttnet {
	u128 key;
	float srtt, rttvar;
	uint32_t n, used;
};

struct rtt {
	struct rttnet *t;
	uint32_t clock;
	double min, max;
	double g_srtt, g_rttvar;
	uint64_t g_n;
};

static u128
net_key(u128 a)
{
	if (addr_is_v4(a))
		return a & ~(u128)0xff;
	return a >> 80 << 80;
}

static size_t
net_set(u128 k)
{
	uint64_t x = (uint64_t)k ^ (uint64_t)(k >> 64);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdu;
	x ^= x >> 33;
	return (size_t)(x % RTT_SETS) * RTT_WAYS;
}

/* Estimator with timeouts clamped to [MIN_TIMEOUT, MAX_TIMEOUT] seconds. */
struct rtt *
rtt_new(double min_timeout, double max_timeout)
{
	struct rtt *r = xcalloc(1, sizeof(*r));

	r->t = xcalloc((size_t)RTT_SETS * RTT_WAYS, sizeof(*r->t));
	r->min = min_timeout;
	r->max = max_timeout;
	return r;
}

void
rtt_free(struct rtt *r)
{
	if (r == NULL)
		return;
	free(r->t);
	free(r);
}

static struct rttnet *
net_find(struct rtt *r, u128 k, int create)
{
	struct rttnet *s = &r->t[net_set(k)], *old = s;
	int i;

	for (i = 0; i < RTT_WAYS; i++) {
		if (s[i].n > 0 && s[i].key == k) {
			s[i].used = ++r->clock;
			return &s[i];
		}
		if (s[i].used < old->used)
			old = &s[i];
	}
	if (!create)
		return NULL;
	memset(old, 0, sizeof(*old));
	old->key = k;
	old->used = ++r->clock;
	return old;
}

static double
clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The timeout for a probe of ADDR, in seconds; *INFORMED: from samples. */
double
rtt_timeout(struct rtt *r, u128 addr, int *informed)
{
	struct rttnet *e = net_find(r, net_key(addr), 0);

	*informed = 1;
	if (e != NULL)
		return clampd(e->srtt + RTT_K * e->rttvar, r->min, r->max);
	if (r->g_n > 0)
		return clampd(r->g_srtt + RTT_K * r->g_rttvar, r->min, r->max);
	*informed = 0;
	return r->max;
}

static void
update(double *srtt, double *rttvar, uint64_t n, double m)
{
	if (n == 0) {
		*srtt = m;
		*rttvar = m / 2;
		return;
	}
	*rttvar = 0.75 * *rttvar + 0.25 * fabs(*srtt - m);
	*srtt = 0.875 * *srtt + 0.125 * m;
}

/* One round-trip sample of SECS for ADDR. */
void
rtt_sample(struct rtt *r, u128 addr, double secs)
{
	struct rttnet *e = net_find(r, net_key(addr), 1);
	double s = e->srtt, v = e->rttvar;

	update(&s, &v, e->n, secs);
	e->srtt = (float)s;
	e->rttvar = (float)v;
	e->n++;
	update(&r->g_srtt, &r->g_rttvar, r->g_n, secs);
	r->g_n++;
}

/* The global srtt, or -1 before any sample. */
double
rtt_global(const struct rtt *r)
{
	return r->g_n ? r->g_srtt : -1;
}

/* A full bucket for RATE tokens per second (0: unlimited). */
void
bucket_init(struct bucket *b, double rate, double now)
{
	b->rate = rate;
	b->burst = rate * 0.01 < 1 ? 1 : rate * 0.01;
	b->tokens = 1;
	b->last = now;
}

/* Adds the tokens earned since the last refill at RATE (the current one). */
void
bucket_refill(struct bucket *b, double rate, double now)
{
	double burst = rate * 0.01 < 1 ? 1 : rate * 0.01;

	if (b->rate <= 0)
		return;
	b->tokens += (now - b->last) * rate;
	if (b->tokens > burst)
		b->tokens = burst;
	b->last = now;
}

/* Milliseconds until a whole token is there. */
int
bucket_wait_ms(const struct bucket *b, double rate)
{
	double need;

	if (b->rate <= 0 || b->tokens >= 1)
		return 0;
	need = (1 - b->tokens) / rate * 1000;
	return need < 1 ? 1 : (int)ceil(need);
}

/* Starts the controller wide open at CMAX in flight. */
void
cc_init(struct cc *c, double cmax, double now)
{
	memset(c, 0, sizeof(*c));
	c->cmax = cmax;
	c->cmin = cmax < 16 ? cmax : 16;
	c->cwnd = cmax;
	c->ratef = 1;
	c->epoch_start = now;
}

/* An answer on try TRIES (1: the first). */
void
cc_answer(struct cc *c, int tries)
{
	c->ep_answers++;
	c->answers++;
	if (tries > 1) {
		c->ep_late++;
		c->late++;
	}
}

/* A try went unanswered (see cc_tick for INFORMED). */
void
cc_timeout(struct cc *c, int informed)
{
	if (informed)
		c->ep_timeouts++;
}

/* Local resources ran out with INFLIGHT probes: stay below that for now. */
void
cc_local(struct cc *c, uint64_t inflight)
{
	double w = (double)inflight * 0.9;

	if (w < c->cmin)
		w = c->cmin;
	if (w < c->cwnd)
		c->cwnd = w;
}

/* Measured loss per try: the share of answers that needed a retry. */
double
cc_loss(const struct cc *c)
{
	if (c->answers < 100)
		return 0;
	return (double)c->late / (double)c->answers;
}

/* Ends the epoch when due and adjusts the window and the rate factor. */
void
cc_tick(struct cc *c, double now, double hold)
{
	uint64_t ev = c->ep_answers + c->ep_timeouts;
	double late, silent;
	int congested = 0, warm;

	if (now - c->epoch_start < EPOCH)
		return;
	if (c->start == 0)
		c->start = c->epoch_start;
	/* the first timeouts come one ceiling after the start: until then
	 * the silent share only builds its average */
	warm = now - c->start >= hold + EPOCH;
	if (c->ep_answers >= MIN_EVENTS) {
		late = (double)c->ep_late / (double)c->ep_answers;
		if (late > LATE_FLOOR && late > 2 * cc_loss(c))
			congested = 1;
	}
	if (ev >= MIN_EVENTS) {
		silent = (double)c->ep_timeouts / (double)ev;
		/* a jump in silence while answers still come, two epochs in
		 * a row (the end of a scan, where only silent ports are
		 * left, is no burst) */
		if (warm && c->have_base && c->ep_answers >= MIN_EVENTS &&
		    silent > c->base_silent + SILENT_JUMP) {
			if (c->jumps++ > 0)
				congested = 1;
		} else
			c->jumps = 0;
		if (!c->have_base) {
			c->base_silent = silent;
			c->have_base = 1;
		} else
			c->base_silent = (warm ? 0.95 : 0.7) * c->base_silent +
			    (warm ? 0.05 : 0.3) * silent;
	}
	if (congested && now >= c->hold_until) {
		c->cwnd *= CUT;
		if (c->cwnd < c->cmin)
			c->cwnd = c->cmin;
		c->ratef *= CUT;
		if (c->ratef < 1.0 / 64)
			c->ratef = 1.0 / 64;
		c->hold_until = now + hold;
		c->cuts++;
	} else if (!congested) {
		c->cwnd += c->cmax / 50 > 1 ? c->cmax / 50 : 1;
		if (c->cwnd > c->cmax)
			c->cwnd = c->cmax;
		c->ratef += 0.02;
		if (c->ratef > 1)
			c->ratef = 1;
	}
	c->epoch_start = now;
	c->ep_answers = c->ep_late = c->ep_timeouts = 0;
}

/*
 * Extra tries: at least MIN; with measured loss p per try, enough that an
 * answering port stays silent on every try with probability under 1e-6
 * (p^tries), at most 6 extra.
 */
int
cc_retries(const struct cc *c, int min)
{
	double p = cc_loss(c);
	int t;

	if (p <= 0)
		return min;
	if (p > 0.5)
		p = 0.5;
	for (t = 1; t < 7 && pow(p, t) > 1e-6; t++)
		;
	return t - 1 > min ? t - 1 : min;
}
