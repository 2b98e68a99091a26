/*
 * guard.c: checks that run before a route's handler, and the stock
 * bearer-token guard.
 *
 * A route's guards are resolved to pointers when the route is added
 * (its own names) or when the operator applies one by glob, so that a
 * request walks a short array and never looks a name up.  A name no
 * module registered is an error at load time, never an open route.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define BEARER_MAX	4096	/* bytes of one token */

struct bearer {
	char	**tok;
	size_t	 *len;
	size_t	  n;
};

static int	 bearer_check(struct rv_req *, void *);

static struct guard *
guard_add(struct rv_server *srv, const char *name, rv_guard_fn fn,
    void *arg)
{
	struct guard	*g;

	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->name = strdup(name)) == NULL) {
		free(g);
		return NULL;
	}
	g->fn = fn;
	g->arg = arg;
	g->next = srv->guard_list;
	srv->guard_list = g;
	return g;
}

/* By name; "bearer" exists from its first mention. */
static struct guard *
guard_find(struct rv_server *srv, const char *name, size_t n)
{
	struct guard	*g;

	for (g = srv->guard_list; g != NULL; g = g->next)
		if (strlen(g->name) == n && memcmp(g->name, name, n) == 0)
			return g;
	if (n == 6 && memcmp(name, "bearer", 6) == 0)
		return guard_add(srv, "bearer", bearer_check, srv);
	return NULL;
}

static int
name_ok(const char *s)
{

	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

int
rv_server_add_guard(struct rv_server *srv, const char *name, rv_guard_fn fn,
    void *arg)
{
	struct guard	*g;

	if (srv->loop != NULL)
		return RV_ESTATE;
	if (!name_ok(name) || fn == NULL)
		return RV_EINVAL;
	for (g = srv->guard_list; g != NULL; g = g->next)
		if (strcmp(g->name, name) == 0)
			return RV_EINVAL;
	if (strcmp(name, "bearer") == 0)
		return RV_EINVAL;	/* the stock one's name */
	return guard_add(srv, name, fn, arg) != NULL ? RV_OK : RV_ENOMEM;
}

/* Put g after r's guards, once. */
static int
route_add_guard(struct route *r, struct guard *g)
{
	struct guard	**gs;
	size_t		  i;

	for (i = 0; i < r->nguards; i++)
		if (r->guards[i] == g)
			return RV_OK;
	if ((gs = reallocarray(r->guards, r->nguards + 1, sizeof(*gs))) ==
	    NULL)
		return RV_ENOMEM;
	gs[r->nguards++] = g;
	r->guards = gs;
	return RV_OK;
}

int
guards_resolve(struct rv_server *srv, struct route *r, char *err,
    size_t errlen)
{
	const char	*p, *q;
	struct guard	*g;

	for (p = r->guard_names; p != NULL && *p != '\0'; p = q) {
		while (*p == ' ')
			p++;
		for (q = p; *q != '\0' && *q != ' '; q++)
			continue;
		if (q == p)
			break;
		if ((g = guard_find(srv, p, (size_t)(q - p))) == NULL) {
			snprintf(err, errlen, "%s %s: no guard named '%.*s' "
			    "(a module adds its guards before its routes)",
			    r->method, r->pattern, (int)(q - p), p);
			return RV_ENOTFOUND;
		}
		if (route_add_guard(r, g) != RV_OK) {
			snprintf(err, errlen, "out of memory");
			return RV_ENOMEM;
		}
	}
	return RV_OK;
}

int
rv_server_guard_routes(struct rv_server *srv, const char *guard,
    const char *glob, char *err, size_t errlen)
{
	struct guard	*g;
	size_t		 i;
	int		 n = 0;

	if (errlen > 0)
		*err = '\0';
	if (srv->loop != NULL) {
		snprintf(err, errlen, "guards are set before serving");
		return -1;
	}
	if (guard == NULL || glob == NULL || glob[0] != '/') {
		snprintf(err, errlen, "a guard name and a pattern starting "
		    "with '/' are needed");
		return -1;
	}
	if ((g = guard_find(srv, guard, strlen(guard))) == NULL) {
		snprintf(err, errlen, "no guard named '%s'", guard);
		return -1;
	}
	for (i = 0; i < srv->nroutes; i++) {
		if (fnmatch(glob, srv->routes[i].pattern, 0) != 0)
			continue;
		if (route_add_guard(&srv->routes[i], g) != RV_OK) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		n++;
	}
	return n;
}

int
route_run(struct rv_req *rq)
{
	const struct route	*r = rq->route;
	size_t			 i;
	char			 why[128];

	for (i = 0; i < r->nguards; i++) {
		if (r->guards[i]->fn(rq, r->guards[i]->arg) == RV_OK)
			continue;
		/*
		 * Refused: the guard answered, or we do (also when it opened
		 * a stream and sent nothing: never an empty 200).
		 */
		snprintf(why, sizeof(why), "refused by the guard '%s'",
		    r->guards[i]->name);
		if (rq->stream.state == SS_NONE)
			rv_deny(rq, 403, NULL, NULL, why);
		else if (rq->stream.state == SS_OPEN)
			rv_error(&rq->stream, 403, NULL, "%s", why);
		return RV_ECLOSED;
	}
	return r->handler(rq);
}

static int
header_ok(const char *name, const char *value)
{
	const char	*p;

	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == ':' || *p == 0x7f)
			return 0;
	for (p = value; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			return 0;
	return *name != '\0';
}

int
rv_deny(struct rv_req *rq, int status, const char *hname, const char *hval,
    const char *detail)
{
	struct rv_buf	 x = { 0 };
	int		 rc;

	if (rq->stream.state != SS_NONE)
		return rq->stream.state == SS_CLOSED ? RV_ECLOSED : RV_ESTATE;
	if (status < 400 || status > 599)
		status = 403;
	if (hname != NULL && (hval == NULL || !header_ok(hname, hval)))
		return RV_EINVAL;
	if (hname != NULL && buf_printf(&x, "%s: %s\r\n", hname, hval) !=
	    RV_OK) {
		buf_free(&x);
		return RV_ENOMEM;
	}
	rq->stream.rq = rq;
	rq->stream.state = SS_CLOSED;
	rq->stream.status = status;
	rc = req_problem(rq, status, NULL, detail, x.p);
	buf_free(&x);
	return rc != RV_OK ? rc : RV_ECLOSED;
}

/* ------------------------------------------------------------------ */
/* bearer                                                               */

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-._~+/" ) *"=" */
static int
b64token_ok(const char *t, size_t n)
{
	size_t	 i = 0;

	for (; i < n && ((t[i] >= 'a' && t[i] <= 'z') ||
	    (t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9') ||
	    strchr("-._~+/", t[i]) != NULL); i++)
		continue;
	if (i == 0)
		return 0;
	while (i < n && t[i] == '=')
		i++;
	return i == n && n <= BEARER_MAX;
}

int
rv_server_bearer_token(struct rv_server *srv, const char *token)
{
	struct bearer	*b = srv->bearer;
	char		**tok;
	size_t		 *len, n;

	if (srv->loop != NULL)
		return RV_ESTATE;
	if (token == NULL || !b64token_ok(token, n = strlen(token)))
		return RV_EINVAL;
	if (b == NULL && (b = srv->bearer = calloc(1, sizeof(*b))) == NULL)
		return RV_ENOMEM;
	if ((tok = reallocarray(b->tok, b->n + 1, sizeof(*tok))) == NULL)
		return RV_ENOMEM;
	b->tok = tok;
	if ((len = reallocarray(b->len, b->n + 1, sizeof(*len))) == NULL)
		return RV_ENOMEM;
	b->len = len;
	if ((tok[b->n] = strdup(token)) == NULL)
		return RV_ENOMEM;
	len[b->n++] = n;
	return RV_OK;
}

/*
 * Equal, in a time that depends on the configured token's length only:
 * every byte of it is looked at whatever the client sent.
 */
static int
ct_equal(const char *got, size_t gn, const char *want, size_t wn)
{
	volatile unsigned char	 d = gn != wn;
	size_t			 i;

	for (i = 0; i < wn; i++)
		d |= (unsigned char)(got[gn > 0 ? i % gn : 0] ^ want[i]);
	return d == 0;
}

static int
bearer_check(struct rv_req *rq, void *arg)
{
	struct rv_server	*srv = arg;
	const struct bearer	*b = srv->bearer;
	const char		*h = rv_req_header(rq, "Authorization"), *t;
	size_t			 n, i;
	int			 ok = 0;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return rv_deny(rq, 401, "WWW-Authenticate",
		    "Bearer realm=\"rivulet\"", "a bearer token is needed");
	for (t = h + 7; *t == ' '; t++)
		continue;
	for (n = strlen(t); n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t');)
		n--;
	for (i = 0; b != NULL && i < b->n; i++)
		ok |= ct_equal(t, n, b->tok[i], b->len[i]);
	if (ok)
		return RV_OK;
	return rv_deny(rq, 401, "WWW-Authenticate",
	    "Bearer realm=\"rivulet\", error=\"invalid_token\"",
	    "the bearer token is not valid");
}

void
guards_free(struct rv_server *srv)
{
	struct guard	*g, *next;
	size_t		 i;

	for (g = srv->guard_list; g != NULL; g = next) {
		next = g->next;
		free(g->name);
		free(g);
	}
	srv->guard_list = NULL;
	if (srv->bearer != NULL) {
		for (i = 0; i < srv->bearer->n; i++) {
			/* A token is a secret: not left in freed memory. */
			explicit_bzero(srv->bearer->tok[i],
			    srv->bearer->len[i]);
			free(srv->bearer->tok[i]);
		}
		free(srv->bearer->tok);
		free(srv->bearer->len);
		free(srv->bearer);
		srv->bearer = NULL;
	}
}
