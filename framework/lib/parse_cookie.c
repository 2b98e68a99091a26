/*
 * parse_cookie.c: the Cookie request header (RFC 6265 section 5.4):
 * "a=1; b=2".  Pairs split on ';', optional white space around them
 * and around '=' trimmed; a value in double quotes loses them.  Cookie
 * values are not percent-decoded (the RFC gives them no escapes).  A
 * pair without '=' or with an empty name, or whose name is not a token
 * or whose value holds control bytes, is skipped: one bad cookie from
 * another site must not make the request fail.  Pure.
 */
#include <string.h>

#include "internal.h"
#include "input.h"

static int
is_ows(char c)
{

	return c == ' ' || c == '\t';
}

/* RFC 9110 token characters. */
static int
is_tchar(unsigned char c)
{

	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("\"(),/:;<=>?@[\\]{}", c) == NULL;
}

static int
good_name(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Printable ASCII and UTF-8 (browsers send raw UTF-8); no controls. */
static int
good_value(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return utf8_valid(s, n);
}

int
cookie_parse(struct rv_arena *a, const char *s, size_t max,
    struct rv_kv **out, size_t *nout)
{
	const char	*p = s, *end = s + strlen(s), *semi, *eq, *k, *v;
	const char	*ke, *ve;
	struct rv_kv	*q;
	size_t		 cap = 0;

	*out = NULL;
	*nout = 0;
	for (; p < end; p = semi + 1) {
		if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
			semi = end;
		if ((eq = memchr(p, '=', (size_t)(semi - p))) == NULL)
			continue;
		for (k = p; k < eq && is_ows(*k); k++)
			continue;
		for (ke = eq; ke > k && is_ows(ke[-1]); ke--)
			continue;
		for (v = eq + 1; v < semi && is_ows(*v); v++)
			continue;
		for (ve = semi; ve > v && is_ows(ve[-1]); ve--)
			continue;
		if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
			v++;
			ve--;
		}
		if (!good_name(k, (size_t)(ke - k)) ||
		    !good_value(v, (size_t)(ve - v)))
			continue;
		if (*nout == max)
			return RV_ETOOBIG;
		if (*nout == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((q = arena_alloc(a, cap * sizeof(*q))) == NULL)
				return RV_ENOMEM;
			if (*nout > 0)
				memcpy(q, *out, *nout * sizeof(*q));
			*out = q;
		}
		if (((*out)[*nout].key = arena_strndup(a, k, (size_t)(ke -
		    k))) == NULL || ((*out)[*nout].val = arena_strndup(a, v,
		    (size_t)(ve - v))) == NULL)
			return RV_ENOMEM;
		(*nout)++;
	}
	return RV_OK;
}
