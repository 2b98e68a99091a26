/*
 * router.c: METHOD + path patterns.  "{name}" captures one non-empty
 * segment, a final "{name...}" the rest of the path.  Literal segments
 * beat captures, so "/stocks/top/stream" wins over
 * "/stocks/{symbol}/stream".  A GET route answers HEAD too.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int
is_capture(const char *seg)
{

	return seg[0] == '{';
}

static int
is_rest(const char *seg)
{
	size_t	 n = strlen(seg);

	return n > 5 && strcmp(seg + n - 4, "...}") == 0;
}

static int
check_segment(const char *seg, size_t n, char *err, size_t errlen)
{
	size_t	 i, end;

	if (memchr(seg, '{', n) == NULL && memchr(seg, '}', n) == NULL)
		return 0;
	end = n >= 5 && memcmp(seg + n - 4, "...}", 4) == 0 ? n - 4 : n - 1;
	if (seg[0] != '{' || seg[n - 1] != '}' || end <= 1)
		goto bad;
	for (i = 1; i < end; i++)
		if (!isalnum((unsigned char)seg[i]) && seg[i] != '_')
			goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad capture '%.*s': write {name} or "
	    "{name...} with letters, digits and _", (int)n, seg);
	return -1;
}

int
route_compile(struct route *r, const char *method, const char *pattern,
    rv_handler h, const char *module, void *data, char *err, size_t errlen)
{
	const char	*p, *e;
	size_t		 n, caps = 0;

	memset(r, 0, sizeof(*r));
	if (method == NULL || pattern == NULL || h == NULL || *method == '\0') {
		snprintf(err, errlen, "route needs a method, a pattern and a "
		    "handler");
		return RV_EINVAL;
	}
	if (pattern[0] != '/') {
		snprintf(err, errlen, "pattern '%s' must start with '/'",
		    pattern);
		return RV_EINVAL;
	}
	r->method = method;
	r->pattern = pattern;
	r->handler = h;
	r->module = module;
	r->mod_data = data;
	for (p = pattern + 1; ; p = e + 1) {
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n == 0 && e == NULL && r->nsegs == 0)
			break;		/* "/" itself: no segments */
		if (check_segment(p, n, err, errlen) != 0)
			goto fail;
		if (r->nsegs > 0 && is_rest(r->segs[r->nsegs - 1])) {
			snprintf(err, errlen, "'%s': {name...} must be last",
			    pattern);
			goto fail;
		}
		if (n > 0 && p[0] == '{' && ++caps > RV_MAX_CAPS) {
			snprintf(err, errlen, "'%s': more than %d captures",
			    pattern, RV_MAX_CAPS);
			goto fail;
		}
		if ((r->nsegs & 7) == 0) {
			char **segs = realloc(r->segs, (r->nsegs + 8) *
			    sizeof(char *));
			if (segs == NULL)
				goto nomem;
			r->segs = segs;
		}
		if ((r->segs[r->nsegs] = strndup(p, n)) == NULL)
			goto nomem;
		if (n == 0 || p[0] != '{')
			r->literal++;
		r->nsegs++;
		if (e == NULL)
			break;
	}
	return RV_OK;
nomem:
	snprintf(err, errlen, "out of memory");
	route_free(r);
	return RV_ENOMEM;
fail:
	route_free(r);
	return RV_EINVAL;
}

void
route_free(struct route *r)
{
	size_t	 i;

	for (i = 0; i < r->nsegs; i++)
		free(r->segs[i]);
	free(r->segs);
	r->segs = NULL;
	r->nsegs = 0;
}

/* Does path match r?  Fills caps (pointers into a copy of path). */
static int
path_match(const struct route *r, const char *path, struct rv_kv *caps,
    size_t *ncaps, char *work)
{
	char	*p = work, *e;
	size_t	 i, n;

	*ncaps = 0;
	strcpy(work, path + 1);
	for (i = 0; i < r->nsegs; i++) {
		if (p == NULL)
			return 0;
		if (is_capture(r->segs[i]) && is_rest(r->segs[i])) {
			if (*p == '\0')
				return 0;
			caps[*ncaps].key = r->segs[i];
			caps[(*ncaps)++].val = p;
			return 1;
		}
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (is_capture(r->segs[i])) {
			if (n == 0)
				return 0;
			caps[*ncaps].key = r->segs[i];
			caps[(*ncaps)++].val = p;
		} else if (strlen(r->segs[i]) != n ||
		    memcmp(r->segs[i], p, n) != 0)
			return 0;
		if (e != NULL)
			*e = '\0';
		p = e != NULL ? e + 1 : NULL;
	}
	/* "/" has no segments: it matches the empty remainder only. */
	return p == NULL || (r->nsegs == 0 && *p == '\0');
}

static int
method_ok(const struct route *r, const char *m)
{

	return strcmp(r->method, m) == 0 ||
	    (strcmp(m, "HEAD") == 0 && strcmp(r->method, "GET") == 0);
}

static void
add_allow(char *allow, size_t len, const char *m)
{
	size_t	 ml = strlen(m);
	const char *p;

	for (p = allow; (p = strstr(p, m)) != NULL; p += ml)
		if ((p == allow || p[-1] == ' ') && (p[ml] == ',' ||
		    p[ml] == '\0'))
			return;
	if (*allow != '\0')
		strncat(allow, ", ", len - strlen(allow) - 1);
	strncat(allow, m, len - strlen(allow) - 1);
}

/* Copy a capture's value into the arena, without its braces' name. */
static int
set_caps(struct rv_req *rq, struct rv_kv *caps, size_t n)
{
	size_t	 i, kl;
	const char *k;

	for (i = 0; i < n; i++) {
		k = caps[i].key + 1;
		kl = strcspn(k, ".}");
		rq->caps[i].key = arena_strndup(&rq->arena, k, kl);
		rq->caps[i].val = arena_strndup(&rq->arena, caps[i].val,
		    strlen(caps[i].val));
		if (rq->caps[i].key == NULL || rq->caps[i].val == NULL)
			return RV_ENOMEM;
	}
	rq->ncaps = n;
	return RV_OK;
}

enum route_res
route_match(const struct route *rt, size_t n, struct rv_req *rq, char *allow,
    size_t allowlen)
{
	struct rv_kv	 caps[RV_MAX_CAPS], bestcaps[RV_MAX_CAPS];
	const struct route *best = NULL;
	size_t		 i, nc, bestnc = 0, plen;
	char		*work, *bestwork = NULL;
	int		 path_seen = 0;

	if (allowlen > 0)
		*allow = '\0';
	if (rq->path == NULL || rq->path[0] != '/')
		return ROUTE_NOT_FOUND;
	plen = strlen(rq->path);
	if ((work = malloc(plen)) == NULL ||
	    (bestwork = malloc(plen)) == NULL) {
		free(work);
		return ROUTE_NOT_FOUND;
	}
	for (i = 0; i < n; i++) {
		if (!path_match(&rt[i], rq->path, caps, &nc, work))
			continue;
		path_seen = 1;
		if (!method_ok(&rt[i], rq->method)) {
			add_allow(allow, allowlen, rt[i].method);
			if (strcmp(rt[i].method, "GET") == 0)
				add_allow(allow, allowlen, "HEAD");
			continue;
		}
		if (best == NULL || rt[i].literal > best->literal) {
			best = &rt[i];
			bestnc = nc;
			memcpy(bestcaps, caps, sizeof(caps[0]) * nc);
			/* Captures point into work: keep this copy. */
			{ char *t = bestwork; bestwork = work; work = t; }
		}
	}
	if (best != NULL) {
		rq->route = best;
		if (set_caps(rq, bestcaps, bestnc) != RV_OK)
			best = NULL;
	}
	free(work);
	free(bestwork);
	if (best != NULL)
		return ROUTE_FOUND;
	return path_seen ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}
