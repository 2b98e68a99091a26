/*
 * negotiate.c: which offered encoder answers a request.
 *
 *  1. ?format=NAME: the offered encoder of that name, else the one of
 *     that alias ("json" is the array's alias but the json encoder's
 *     name); none offered: NULL, and the client gets 406.  An empty
 *     ?format= is no override.
 *  2. Accept (RFC 9110 section 12.5.1): the offered encoder of highest
 *     quality above 0, ties going to the handler's order.
 *  3. No Accept, or one with no well-formed element: the first offered.
 *
 * Accept parsing.  Elements are split on commas outside quoted
 * strings; a malformed element (no type/subtype, a parameter without
 * '=', a q that is not a qvalue: "q=2", "q=0.0001", "q=x") is ignored.
 * For a media type, the most specific matching range decides, from
 * least to most: * / *, text/ *, text/csv, text/csv;charset=utf-8
 * (spaces added for C); among equally specific ranges the highest q.
 * Types compare case-insensitively.
 * A range with a parameter names a representation with that parameter:
 * our encoders send none but charset=utf-8, so "charset=utf-8" matches
 * and any other parameter ("text/plain;format=flowed") does not.
 * Parameters after q (the old accept-ext) are ignored.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

const struct rv_encoder *
encoder_by_name(const struct rv_server *srv, const char *name, size_t len)
{
	size_t	 i;

	/* Names win over aliases ("json" is a name and an alias). */
	for (i = 0; i < srv->nencs; i++)
		if (strlen(srv->encs[i]->name) == len &&
		    memcmp(srv->encs[i]->name, name, len) == 0)
			return srv->encs[i];
	for (i = 0; i < srv->nencs; i++)
		if (srv->encs[i]->alias != NULL &&
		    strlen(srv->encs[i]->alias) == len &&
		    memcmp(srv->encs[i]->alias, name, len) == 0)
			return srv->encs[i];
	return NULL;
}

/* One element of an Accept header. */
struct mrange {
	const char	*type, *sub;
	size_t		 tlen, slen;
	int		 q;		/* 0..1000 */
	int		 params;	/* media type parameters (before q) */
	int		 foreign;	/* one our encoders never send */
};

static int
is_tchar(int c)
{

	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static size_t
token_len(const char *p, const char *end)
{
	const char	*s = p;

	while (s < end && is_tchar((unsigned char)*s))
		s++;
	return (size_t)(s - p);
}

static const char *
skip_ows(const char *p, const char *end)
{

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* The end of an element: the next comma outside a quoted string. */
static const char *
elem_end(const char *p)
{
	int	 inq = 0;

	for (; *p != '\0'; p++) {
		if (inq) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				inq = 0;
		} else if (*p == '"')
			inq = 1;
		else if (*p == ',')
			break;
	}
	return p;
}

/* qvalue = "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3("0") ]; -1 if not. */
static int
parse_q(const char *p, size_t n)
{
	int	 q, scale = 100;
	size_t	 i;

	if (n == 0 || n > 5 || (p[0] != '0' && p[0] != '1'))
		return -1;
	q = (p[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (p[1] != '.')
		return -1;
	for (i = 2; i < n; i++, scale /= 10) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		q += (p[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/* A parameter value, token or quoted string (quotes left out). */
static int
param_value(const char **pp, const char *end, const char **v, size_t *vn)
{
	const char	*p = *pp;

	if (p < end && *p == '"') {
		*v = ++p;
		while (p < end && *p != '"')
			p += *p == '\\' && p + 1 < end ? 2 : 1;
		if (p >= end)
			return -1;
		*vn = (size_t)(p - *v);
		*pp = p + 1;
		return 0;
	}
	if ((*vn = token_len(p, end)) == 0)
		return -1;
	*v = p;
	*pp = p + *vn;
	return 0;
}

/* The parameters of a range: ";name=value" each, OWS around ';'. */
static int
parse_params(const char *p, const char *end, struct mrange *r)
{
	const char	*name, *v;
	size_t		 nn, vn;
	int		 seen_q = 0;

	for (;;) {
		if ((p = skip_ows(p, end)) == end)
			return 0;
		if (*p++ != ';')
			return -1;
		if ((p = skip_ows(p, end)) == end || *p == ';')
			continue;	/* "a/b;" and "a/b;;q=1" */
		name = p;
		if ((nn = token_len(p, end)) == 0 || (p += nn) == end ||
		    *p++ != '=' || param_value(&p, end, &v, &vn) != 0)
			return -1;
		if (nn == 1 && (*name == 'q' || *name == 'Q')) {
			if (!seen_q && (r->q = parse_q(v, vn)) < 0)
				return -1;
			seen_q = 1;
		} else if (!seen_q) {
			r->params++;
			if (nn != 7 || strncasecmp(name, "charset", 7) != 0 ||
			    !((vn == 5 && strncasecmp(v, "utf-8", 5) == 0) ||
			    (vn == 4 && strncasecmp(v, "utf8", 4) == 0)))
				r->foreign = 1;
		}
	}
}

/* One element, [p, end): 0, or -1 if malformed. */
static int
parse_range(const char *p, const char *end, struct mrange *r)
{

	memset(r, 0, sizeof(*r));
	r->q = 1000;
	p = skip_ows(p, end);
	r->type = p;
	if ((r->tlen = token_len(p, end)) == 0)
		return -1;
	p += r->tlen;
	if (p == end || *p++ != '/')
		return -1;
	r->sub = p;
	if ((r->slen = token_len(p, end)) == 0)
		return -1;
	if (r->tlen == 1 && *r->type == '*' &&
	    (r->slen != 1 || *r->sub != '*'))
		return -1;	/* "*" + "/json" */
	return parse_params(p + r->slen, end, r);
}

/* 0: r does not match mt; else 1 any, 2 type/any, 3 exact, 4 + params. */
static int
range_spec(const struct mrange *r, const char *mt)
{
	const char	*slash = strchr(mt, '/');
	size_t		 tn;

	if (slash == NULL || r->foreign)
		return 0;
	if (r->tlen == 1 && *r->type == '*')
		return 1;
	tn = (size_t)(slash - mt);
	if (r->tlen != tn || strncasecmp(r->type, mt, tn) != 0)
		return 0;
	if (r->slen == 1 && *r->sub == '*')
		return 2;
	if (r->slen != strlen(slash + 1) ||
	    strncasecmp(r->sub, slash + 1, r->slen) != 0)
		return 0;
	return r->params > 0 ? 4 : 3;
}

int
accept_quality(const char *accept, const char *mt)
{
	const char	*p, *e;
	struct mrange	 r;
	int		 best = 0, bestq = 0, spec;

	if (accept == NULL || mt == NULL)
		return 0;
	for (p = accept; ; p = e + 1) {
		e = elem_end(p);
		if (parse_range(p, e, &r) == 0 &&
		    (spec = range_spec(&r, mt)) > 0 &&
		    (spec > best || (spec == best && r.q > bestq))) {
			best = spec;
			bestq = r.q;
		}
		if (*e == '\0')
			break;
	}
	return bestq;
}

/* Does the header hold at least one well-formed element? */
static int
accept_usable(const char *accept)
{
	const char	*p, *e;
	struct mrange	 r;

	for (p = accept; ; p = e + 1) {
		e = elem_end(p);
		if (parse_range(p, e, &r) == 0)
			return 1;
		if (*e == '\0')
			return 0;
	}
}

/*
 * The next name of an offer: *e is its encoder, or NULL when the
 * server has none of that name.  NULL at the end of the offer.
 */
static const char *
next_offer(const struct rv_server *srv, const char *p,
    const struct rv_encoder **e)
{
	const char	*q;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return NULL;
	for (q = p; *q != '\0' && *q != ' '; q++)
		continue;
	*e = encoder_by_name(srv, p, (size_t)(q - p));
	return q;
}

static const struct rv_encoder *
by_format(const struct rv_server *srv, const char *offer, const char *fmt)
{
	const struct rv_encoder	*e;
	const char		*p;

	for (p = offer; (p = next_offer(srv, p, &e)) != NULL; )
		if (e != NULL && strcmp(e->name, fmt) == 0)
			return e;
	for (p = offer; (p = next_offer(srv, p, &e)) != NULL; )
		if (e != NULL && e->alias != NULL && strcmp(e->alias, fmt) == 0)
			return e;
	return NULL;
}

const struct rv_encoder *
negotiate(const struct rv_server *srv, const char *offer, const char *format,
    const char *accept)
{
	const struct rv_encoder	*e, *best = NULL;
	const char		*p;
	int			 bq = 0, q;

	if (offer == NULL)
		return NULL;
	if (format != NULL && *format != '\0')
		return by_format(srv, offer, format);
	if (accept != NULL && !accept_usable(accept))
		accept = NULL;
	for (p = offer; (p = next_offer(srv, p, &e)) != NULL; ) {
		if (e == NULL)
			continue;
		if (accept == NULL)
			return e;
		/* Ties keep the handler's order. */
		if ((q = accept_quality(accept, e->media_type)) > bq) {
			bq = q;
			best = e;
		}
	}
	return best;
}
