/*
 * negotiate.c: which offered encoder answers a request: ?format=
 * first, then the Accept header (RFC 9110 section 12.5.1: q-values,
 * "type/" and "*" wildcards, the most specific range deciding), then
 * the handler's first offer.
 */
#include <ctype.h>
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

/* "q=0.5" -> 500; -1 if malformed. */
static int
parse_q(const char *p, size_t n)
{
	int	 q = 0, scale = 100;
	size_t	 i;

	if (n == 0 || n > 5 || (p[0] != '0' && p[0] != '1'))
		return -1;
	q = (p[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (p[1] != '.')
		return -1;
	for (i = 2; i < n; i++, scale /= 10) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		q += (p[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

static size_t
trim(const char **p, size_t n)
{

	while (n > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		n--;
	}
	while (n > 0 && ((*p)[n - 1] == ' ' || (*p)[n - 1] == '\t'))
		n--;
	return n;
}

/*
 * How well the range r (one Accept element, parameters stripped)
 * matches the media type: 3 exact, 2 type/x, 1 wildcard, 0 not.
 */
static int
range_match(const char *r, size_t rn, const char *mt)
{
	const char	*slash = memchr(r, '/', rn);
	size_t		 tn, mtn = strlen(mt);
	const char	*mslash = strchr(mt, '/');

	if (slash == NULL || mslash == NULL)
		return 0;
	tn = (size_t)(slash - r);
	if (rn == 3 && memcmp(r, "*/*", 3) == 0)
		return 1;
	if (tn != (size_t)(mslash - mt) || strncasecmp(r, mt, tn) != 0)
		return 0;
	if (rn - tn == 2 && slash[1] == '*')
		return 2;
	return rn == mtn && strncasecmp(r, mt, rn) == 0 ? 3 : 0;
}

int
accept_quality(const char *accept, const char *mt)
{
	const char	*p = accept, *e, *semi, *r, *par;
	size_t		 n, rn, pn;
	int		 best = 0, bestq = 0, spec, q;

	while (*p != '\0') {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		semi = memchr(p, ';', n);
		r = p;
		rn = trim(&r, semi != NULL ? (size_t)(semi - p) : n);
		q = 1000;
		/* Parameters: only q matters here; a bad q drops the range. */
		for (par = semi; par != NULL && par < p + n; ) {
			const char *next = memchr(par + 1, ';',
			    (size_t)(p + n - par - 1));
			const char *pv = par + 1;

			pn = trim(&pv, (size_t)((next != NULL ? next : p + n) -
			    pv));
			if (pn >= 2 && (pv[0] == 'q' || pv[0] == 'Q') &&
			    pv[1] == '=')
				q = parse_q(pv + 2, pn - 2);
			par = next;
		}
		spec = q < 0 ? 0 : range_match(r, rn, mt);
		if (spec > best) {
			best = spec;
			bestq = q;
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	return best > 0 ? bestq : 0;
}

const struct rv_encoder *
negotiate(const struct rv_server *srv, const char *offer, const char *format,
    const char *accept)
{
	const struct rv_encoder	*e, *best = NULL, *first = NULL;
	const char		*p, *q;
	int			 bq = 0, qv;

	for (p = offer; *p != '\0'; p = q) {
		while (*p == ' ')
			p++;
		for (q = p; *q != '\0' && *q != ' '; q++)
			continue;
		if (q == p || (e = encoder_by_name(srv, p,
		    (size_t)(q - p))) == NULL)
			continue;
		if (first == NULL)
			first = e;
		if (format != NULL) {
			if (strcmp(e->name, format) == 0 ||
			    (e->alias != NULL && strcmp(e->alias, format) == 0))
				return e;
			continue;
		}
		if (accept == NULL || *accept == '\0')
			return e;
		/* Ties keep the handler's order. */
		if ((qv = accept_quality(accept, e->media_type)) > bq) {
			bq = qv;
			best = e;
		}
	}
	return format != NULL ? NULL : best;
}
