/*
 * router.c: METHOD + path patterns.
 *
 * A pattern is '/' and segments split on '/'.  A segment is literal
 * text, "{name}" (one non-empty segment) or, last only, "{name...}"
 * (the rest of the path: one or more segments, '/' included).  Names
 * are [A-Za-z0-9_]+, unique in a pattern, at most RV_MAX_CAPS of them.
 *
 * Matching is strict: "/events/" does not match "/events" nor the
 * other way round (a route for both says so twice), and an empty
 * segment ("/stocks//stream") never fills a capture.  The rest capture
 * refuses empty segments too ("a//b", "/etc" after "/files/"), but
 * keeps a trailing '/' so that a file route can tell a directory.
 *
 * Several routes may match one path: the one with more literal
 * segments wins ("/stocks/top/stream" over "/stocks/{symbol}/stream");
 * then, left to right, a literal segment beats a capture and a capture
 * beats a rest capture; then the route registered first.  A GET route
 * answers HEAD too; a HEAD route of the same pattern is preferred.
 *
 * Captures are the routed path's own bytes: front servers have already
 * percent-decoded PATH_INFO, so nothing is decoded twice here.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum seg_kind { SEG_LIT, SEG_CAP, SEG_REST };	/* in order of precedence */

struct span {
	size_t	 off;
	size_t	 len;
};

static enum seg_kind
seg_kind(const char *seg)
{
	size_t	 n;

	if (seg[0] != '{')
		return SEG_LIT;
	n = strlen(seg);
	return n > 5 && strcmp(seg + n - 4, "...}") == 0 ? SEG_REST : SEG_CAP;
}

/* The name of a capture segment: "{name}" or "{name...}" -> "name". */
static size_t
cap_name(const char *seg, const char **name)
{

	*name = seg + 1;
	return strcspn(seg + 1, ".}");
}

static int
is_tchar(int c)
{

	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
is_namechar(int c)
{

	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/* A literal, "{name}" or "{name...}"; braces anywhere else are refused. */
static int
check_segment(const char *pattern, const char *seg, size_t n, char *err,
    size_t errlen)
{
	size_t	 i, end;

	if (memchr(seg, '{', n) == NULL && memchr(seg, '}', n) == NULL)
		return 0;
	end = n >= 5 && memcmp(seg + n - 4, "...}", 4) == 0 ? n - 4 : n - 1;
	if (n < 3 || seg[0] != '{' || seg[n - 1] != '}' || end <= 1)
		goto bad;
	for (i = 1; i < end; i++)
		if (!is_namechar((unsigned char)seg[i]))
			goto bad;
	return 0;
bad:
	snprintf(err, errlen, "pattern '%s': bad segment '%.*s': a capture "
	    "is a whole segment, {name} or {name...}, the name made of "
	    "letters, digits and _", pattern, (int)n, seg);
	return -1;
}

/* Is this capture's name already used by an earlier segment? */
static int
dup_name(const struct route *r, const char *seg)
{
	const char	*name, *prev;
	size_t		 nl, pl, i;

	nl = cap_name(seg, &name);
	for (i = 0; i < r->nsegs; i++) {
		if (seg_kind(r->segs[i]) == SEG_LIT)
			continue;
		pl = cap_name(r->segs[i], &prev);
		if (pl == nl && memcmp(prev, name, nl) == 0)
			return 1;
	}
	return 0;
}

/* Check one segment against the pattern so far, then keep a copy. */
static int
add_segment(struct route *r, const char *pattern, const char *seg, size_t n,
    int last, size_t *caps, char *err, size_t errlen)
{
	char	**segs;

	if (n == 0 && !last) {
		snprintf(err, errlen, "pattern '%s': empty segment ('//')",
		    pattern);
		return RV_EINVAL;
	}
	if (check_segment(pattern, seg, n, err, errlen) != 0)
		return RV_EINVAL;
	if (r->nsegs > 0 && seg_kind(r->segs[r->nsegs - 1]) == SEG_REST) {
		snprintf(err, errlen, "pattern '%s': {name...} must be the "
		    "last segment", pattern);
		return RV_EINVAL;
	}
	if (n > 0 && seg[0] == '{') {
		if (++*caps > RV_MAX_CAPS) {
			snprintf(err, errlen, "pattern '%s': more than %d "
			    "captures", pattern, RV_MAX_CAPS);
			return RV_EINVAL;
		}
		if (dup_name(r, seg)) {
			snprintf(err, errlen, "pattern '%s': capture '%.*s' "
			    "appears twice", pattern, (int)n, seg);
			return RV_EINVAL;
		}
	}
	if ((r->nsegs & 7) == 0) {
		if ((segs = reallocarray(r->segs, r->nsegs + 8,
		    sizeof(*segs))) == NULL)
			goto nomem;
		r->segs = segs;
	}
	if ((r->segs[r->nsegs] = strndup(seg, n)) == NULL)
		goto nomem;
	if (n == 0 || seg[0] != '{')
		r->literal++;
	r->nsegs++;
	return RV_OK;
nomem:
	snprintf(err, errlen, "out of memory");
	return RV_ENOMEM;
}

int
route_compile(struct route *r, const char *method, const char *pattern,
    rv_handler h, const char *module, void *data, char *err, size_t errlen)
{
	const char	*p, *e, *m;
	size_t		 caps = 0;
	int		 rc;

	memset(r, 0, sizeof(*r));
	if (method == NULL || pattern == NULL || h == NULL || *method == '\0') {
		snprintf(err, errlen, "a route needs a method, a pattern and "
		    "a handler");
		return RV_EINVAL;
	}
	for (m = method; *m != '\0'; m++)
		if (!is_tchar((unsigned char)*m)) {
			snprintf(err, errlen, "pattern '%s': method '%s' is "
			    "not an HTTP token", pattern, method);
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
	if (pattern[1] == '\0')
		return RV_OK;		/* "/" itself: no segments */
	for (p = pattern + 1; ; p = e + 1) {
		e = strchr(p, '/');
		if ((rc = add_segment(r, pattern, p, e != NULL ?
		    (size_t)(e - p) : strlen(p), e == NULL, &caps, err,
		    errlen)) != RV_OK) {
			route_free(r);
			return rc;
		}
		if (e == NULL)
			break;
	}
	return RV_OK;
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
	r->literal = 0;
	free(r->guards);
	r->guards = NULL;
	r->nguards = 0;
}

/* The rest of a path for {name...}: no empty segment but a last one. */
static int
rest_ok(const char *p)
{
	const char	*s;

	if (*p == '\0' || *p == '/')
		return 0;
	for (s = p; (s = strchr(s, '/')) != NULL; s++)
		if (s[1] == '/')
			return 0;
	return 1;
}

/* Does path match r?  Captures as offsets into path. */
static int
path_match(const struct route *r, const char *path, struct span *caps,
    size_t *ncaps)
{
	const char	*p = path + 1, *e;
	size_t		 i, n;
	enum seg_kind	 k;

	*ncaps = 0;
	for (i = 0; i < r->nsegs; i++) {
		if (p == NULL)
			return 0;
		k = seg_kind(r->segs[i]);
		if (k == SEG_REST) {
			if (!rest_ok(p))
				return 0;
			caps[*ncaps].off = (size_t)(p - path);
			caps[(*ncaps)++].len = strlen(p);
			return 1;
		}
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (k == SEG_CAP) {
			if (n == 0)
				return 0;
			caps[*ncaps].off = (size_t)(p - path);
			caps[(*ncaps)++].len = n;
		} else if (strlen(r->segs[i]) != n ||
		    memcmp(r->segs[i], p, n) != 0)
			return 0;
		p = e != NULL ? e + 1 : NULL;
	}
	/* "/" has no segments: it matches the empty remainder only. */
	return p == NULL || (r->nsegs == 0 && *p == '\0');
}

/* Is a more specific than b (both matching the same path)? */
static int
more_specific(const struct route *a, const struct route *b)
{
	size_t		 i;
	enum seg_kind	 ka, kb;

	if (a->literal != b->literal)
		return a->literal > b->literal;
	for (i = 0; i < a->nsegs && i < b->nsegs; i++) {
		ka = seg_kind(a->segs[i]);
		kb = seg_kind(b->segs[i]);
		if (ka != kb)
			return ka < kb;
	}
	return 0;
}

static int
method_ok(const struct route *r, const char *m)
{

	return strcmp(r->method, m) == 0 ||
	    (strcmp(m, "HEAD") == 0 && strcmp(r->method, "GET") == 0);
}

#define MAX_ALLOW	16

/* "DELETE, GET, HEAD": the methods, sorted, each once. */
static void
build_allow(const char **ms, size_t n, char *allow, size_t len)
{
	const char	*t;
	size_t		 i, j, used = 0, ml;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(ms[j - 1], ms[j]) > 0; j--) {
			t = ms[j];
			ms[j] = ms[j - 1];
			ms[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		ml = strlen(ms[i]);
		if (used + ml + (used > 0 ? 2 : 0) + 1 > len)
			break;		/* whole names only */
		if (used > 0) {
			memcpy(allow + used, ", ", 2);
			used += 2;
		}
		memcpy(allow + used, ms[i], ml + 1);
		used += ml;
	}
}

static void
allow_add(const char **ms, size_t *n, const char *m)
{
	size_t	 i;

	for (i = 0; i < *n; i++)
		if (strcmp(ms[i], m) == 0)
			return;
	if (*n < MAX_ALLOW)
		ms[(*n)++] = m;
}

/* Copy the captures into the request's arena, named. */
static int
set_caps(struct rv_req *rq, const struct route *r, const struct span *caps,
    size_t n)
{
	const char	*name;
	size_t		 i, c = 0, nl;

	rq->ncaps = 0;
	if (n == 0)
		return RV_OK;
	/* Sized to the route: most have none, few more than two. */
	if ((rq->caps = arena_alloc(&rq->arena, n * sizeof(*rq->caps))) ==
	    NULL)
		return RV_ENOMEM;
	for (i = 0; i < r->nsegs && c < n; i++) {
		if (seg_kind(r->segs[i]) == SEG_LIT)
			continue;
		nl = cap_name(r->segs[i], &name);
		rq->caps[c].key = arena_strndup(&rq->arena, name, nl);
		rq->caps[c].val = arena_strndup(&rq->arena,
		    rq->path + caps[c].off, caps[c].len);
		if (rq->caps[c].key == NULL || rq->caps[c].val == NULL)
			return RV_ENOMEM;
		c++;
	}
	rq->ncaps = c;
	return RV_OK;
}

/*
 * The best route for the request's method and path.  When some route
 * has the path but none the method: ROUTE_BAD_METHOD, with the methods
 * that would do in allow ("GET, HEAD, POST").  An allocation failure
 * for the captures reads as ROUTE_NOT_FOUND (and marks the request
 * 503), never as a route whose captures are missing.
 */
enum route_res
route_match(const struct route *rt, size_t n, struct rv_req *rq, char *allow,
    size_t allowlen)
{
	struct span	 caps[RV_MAX_CAPS], bestcaps[RV_MAX_CAPS];
	const struct route *best = NULL;
	const char	*ms[MAX_ALLOW], *m = rq->method != NULL ? rq->method : "";
	size_t		 i, nc, bestnc = 0, nms = 0;

	if (allowlen > 0)
		*allow = '\0';
	rq->head_only = strcmp(m, "HEAD") == 0;
	if (rq->path == NULL || rq->path[0] != '/')
		return ROUTE_NOT_FOUND;
	for (i = 0; i < n; i++) {
		if (!path_match(&rt[i], rq->path, caps, &nc))
			continue;
		if (!method_ok(&rt[i], m)) {
			allow_add(ms, &nms, rt[i].method);
			if (strcmp(rt[i].method, "GET") == 0)
				allow_add(ms, &nms, "HEAD");
			continue;
		}
		if (best != NULL && !more_specific(&rt[i], best) &&
		    (more_specific(best, &rt[i]) ||
		    strcmp(best->method, m) == 0 ||
		    strcmp(rt[i].method, m) != 0))
			continue;
		best = &rt[i];
		bestnc = nc;
		memcpy(bestcaps, caps, nc * sizeof(caps[0]));
	}
	if (best == NULL) {
		if (nms == 0)
			return ROUTE_NOT_FOUND;
		if (allowlen > 0)
			build_allow(ms, nms, allow, allowlen);
		return ROUTE_BAD_METHOD;
	}
	if (set_caps(rq, best, bestcaps, bestnc) != RV_OK) {
		rq->ncaps = 0;
		req_mark_bad(rq, 503, "out of memory routing the request");
		return ROUTE_NOT_FOUND;
	}
	rq->route = best;
	return ROUTE_FOUND;
}

/* body_limit = GLOB SIZE: the routes matched get their own 413. */
int
rv_server_body_limit(struct rv_server *srv, const char *glob, size_t max,
    char *err, size_t errlen)
{
	size_t	 i;
	int	 n = 0;

	if (errlen > 0)
		*err = '\0';
	if (srv->loop != NULL) {
		snprintf(err, errlen, "body limits are set before serving");
		return -1;
	}
	if (glob == NULL || glob[0] != '/' || max == 0) {
		snprintf(err, errlen, "a pattern starting with '/' and a size "
		    "over 0 are needed");
		return -1;
	}
	for (i = 0; i < srv->nroutes; i++)
		if (fnmatch(glob, srv->routes[i].pattern, 0) == 0) {
			srv->routes[i].body_limit = max;
			n++;
		}
	return n;
}
