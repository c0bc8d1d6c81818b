/*
 * resume.c - the --resume file.
 *
 * On a clean stop nray-scan writes, as one JSON object:
 *
 *   {"nray-scan-resume":1, "options":"<hash>", "items_done":K,
 *    "windows":[{"first":F,"items":N,"done":true},
 *               {"first":F,"items":N,"size":S,"next":P,"redo":[...]}],
 *    "hosts":[{"ip":"...","up":true,"flagged":false}]}
 *
 * Input items below K are done.  Each live window (in item order, starting
 * at K) is either done, or was taken up to position P of its permutation
 * with the positions in "redo" taken but not final (retries, deferred
 * probes).  A resumed run skips K items, rebuilds each listed window from
 * exactly N items, takes the "redo" positions and then P..S-1: nothing
 * reported is probed again and nothing is missed.  "hosts" keeps the
 * discovery and all-ports-open verdicts so they are not reported twice.
 *
 * The options hash covers what shapes the probe space (ports, seed, shard,
 * window, discovery, exclusions, target arguments); a mismatch is refused.
 * The file is replaced atomically (write, rename) and removed when a run
 * completes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scan.h"

#include "log.h"
#include "opt.h"
#include "xalloc.h"

#define FNV_OFF   UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0) {
		h ^= *b++;
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t
fnv_str(uint64_t h, const char *s)
{
	if (s == NULL)
		s = "";
	return fnv(h, s, strlen(s) + 1);
}

/* The hash of the options that shape the probe space. */
uint64_t
resume_hash(const struct scan_opts *o)
{
	uint64_t h = fnv_str(FNV_OFF, "nray-scan-resume-1");
	size_t i, n;
	int k;

	h = fnv(h, &o->ports->n, sizeof(o->ports->n));
	h = fnv(h, o->ports->port, o->ports->n * sizeof(*o->ports->port));
	h = fnv(h, &o->seed, sizeof(o->seed));
	h = fnv(h, &o->sharded, sizeof(o->sharded));
	h = fnv(h, &o->shard, sizeof(o->shard));
	h = fnv(h, &o->window, sizeof(o->window));
	h = fnv(h, &o->discover, sizeof(o->discover));
	n = addrset_nintervals(o->exclude);
	for (i = 0; i < n; i++) {
		u128 lo, hi;

		addrset_interval(o->exclude, i, &lo, &hi);
		h = fnv(h, &lo, sizeof(lo));
		h = fnv(h, &hi, sizeof(hi));
	}
	for (k = 0; k < o->nargs; k++)
		h = fnv_str(h, o->args[k]);
	return h;
}

/* Adds POS to the positions W must take again. */
void
resume_add_redo(struct window *w, uint64_t pos)
{
	if (w->nredo == w->capredo) {
		w->capredo = w->capredo ? w->capredo * 2 : 64;
		w->redo = xreallocarray(w->redo, w->capredo, sizeof(*w->redo));
	}
	w->redo[w->nredo++] = pos;
}

static json_t *
window_json(const struct window *w)
{
	json_t *o = json_object(), *redo;
	size_t i;

	json_object_set_new(
	    o, "first", json_integer((json_int_t)w->first_item));
	json_object_set_new(o, "items", json_integer((json_int_t)w->n_items));
	if (w->done) {
		json_object_set_new(o, "done", json_true());
		return o;
	}
	if (w->prepared) {
		json_object_set_new(
		    o, "size", json_integer((json_int_t)w->size));
		json_object_set_new(
		    o, "next", json_integer((json_int_t)w->next));
	} else
		json_object_set_new(o, "next", json_integer(0));
	redo = json_array();
	for (i = w->redo_i; i < w->nredo; i++)
		json_array_append_new(
		    redo, json_integer((json_int_t)w->redo[i]));
	json_object_set_new(o, "redo", redo);
	return o;
}

static void
host_json(void *arg, struct host *h)
{
	char ip[ADDR_STRLEN];
	json_t *o;

	if (!h->up && !h->flagged)
		return;
	o = json_object();
	json_object_set_new(o, "ip", json_string(addr_format(h->addr, ip)));
	json_object_set_new(o, "up", json_boolean(h->up));
	json_object_set_new(o, "flagged", json_boolean(h->flagged));
	json_array_append_new(arg, o);
}

/* Writes the resume point (see above).  0, or -1 after a message. */
int
resume_save(const struct scan_opts *o, struct input *in, struct hosts *hosts)
{
	json_t *root = json_object(), *wins = json_array(), *hs = json_array();
	const struct window *w;
	char hash[24], *tmp;
	size_t len;
	int rc = -1;

	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)o->hash);
	json_object_set_new(root, "nray-scan-resume", json_integer(1));
	json_object_set_new(root, "options", json_string(hash));
	json_object_set_new(
	    root, "items_done", json_integer((json_int_t)input_items_done(in)));
	for (w = input_windows(in); w != NULL; w = w->next_w)
		json_array_append_new(wins, window_json(w));
	json_object_set_new(root, "windows", wins);
	hosts_foreach(hosts, host_json, hs);
	json_object_set_new(root, "hosts", hs);
	len = strlen(o->resume_path);
	tmp = xmalloc(len + 5);
	memcpy(tmp, o->resume_path, len);
	memcpy(tmp + len, ".tmp", 5);
	if (json_dump_file(root, tmp, JSON_COMPACT) < 0) {
		log_warn("--resume %s", tmp);
		goto out;
	}
	if (rename(tmp, o->resume_path) < 0) {
		log_warn("--resume: rename %s", tmp);
		(void)unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	json_decref(root);
	return rc;
}

static uint64_t
get_u64(const json_t *o, const char *key, int *bad)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*bad = 1;
		return 0;
	}
	return (uint64_t)json_integer_value(v);
}

static struct window *
window_load(const json_t *o, int *bad)
{
	struct window *w = xcalloc(1, sizeof(*w));
	json_t *redo, *v;
	size_t i;

	w->first_item = get_u64(o, "first", bad);
	w->n_items = w->want_items = get_u64(o, "items", bad);
	if (json_is_true(json_object_get(o, "done"))) {
		w->done = 1;
		return w;
	}
	w->next = get_u64(o, "next", bad);
	if (json_object_get(o, "size") != NULL) {
		w->expect_size = get_u64(o, "size", bad);
		w->have_expect = 1;
	}
	redo = json_object_get(o, "redo");
	if (!json_is_array(redo)) {
		*bad = 1;
		return w;
	}
	json_array_foreach(redo, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    (w->have_expect &&
		        (uint64_t)json_integer_value(v) >= w->expect_size)) {
			*bad = 1;
			break;
		}
		resume_add_redo(w, (uint64_t)json_integer_value(v));
	}
	w->n_items = 0; /* counted again as the items come */
	return w;
}

/* Loads the resume point when the file exists (see scan.h). */
int
resume_load(const struct scan_opts *o, struct input *in, struct hosts *hosts)
{
	struct window *head = NULL, **tail = &head, *w;
	json_t *root, *wins, *hs, *v;
	json_error_t jerr;
	char hash[24];
	uint64_t done, expect;
	size_t i;
	int bad = 0;

	if (access(o->resume_path, F_OK) < 0 && errno == ENOENT)
		return 0;
	root = json_load_file(o->resume_path, 0, &jerr);
	if (root == NULL)
		log_fatalx(1, "--resume %s: %s", o->resume_path, jerr.text);
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)o->hash);
	v = json_object_get(root, "options");
	if (!json_is_string(v) ||
	    json_integer_value(json_object_get(root, "nray-scan-resume")) != 1)
		log_fatalx(1, "--resume %s: not a nray-scan resume file",
		    o->resume_path);
	if (strcmp(json_string_value(v), hash) != 0)
		log_fatalx(EXIT_USAGE,
		    "--resume %s was written with other options (ports, seed, "
		    "shard, window, discover, exclusions or targets differ); "
		    "use the same ones, or remove the file to start over",
		    o->resume_path);
	done = get_u64(root, "items_done", &bad);
	expect = done;
	wins = json_object_get(root, "windows");
	if (!json_is_array(wins))
		bad = 1;
	json_array_foreach(wins, i, v)
	{
		w = window_load(v, &bad);
		*tail = w;
		tail = &w->next_w;
		if (w->first_item != expect)
			bad = 1;
		expect = w->first_item + w->want_items;
		if (w->done)
			w->n_items = w->want_items;
	}
	if (bad) {
		json_decref(root);
		log_fatalx(
		    1, "--resume %s: damaged resume file", o->resume_path);
	}
	hs = json_object_get(root, "hosts");
	json_array_foreach(hs, i, v)
	{
		const char *ip = json_string_value(json_object_get(v, "ip"));
		struct host *h;
		u128 a;

		if (ip == NULL || addr_parse(ip, strlen(ip), &a) < 0)
			continue;
		if ((h = hosts_get(hosts, a, 1)) == NULL)
			continue;
		h->up = json_is_true(json_object_get(v, "up"));
		h->flagged = json_is_true(json_object_get(v, "flagged"));
	}
	input_set_resume(in, done, head);
	json_decref(root);
	return 1;
}
