/*
 * parse_query.c: application/x-www-form-urlencoded, the format of query
 * strings and of simple form bodies.  Pairs split on '&' only (';' is
 * data, as in the WHATWG URL standard), '+' is a space, percent-escapes
 * decoded; a bad escape (%zz, a cut %4), a NUL (raw or %00) or bytes
 * that do not decode to UTF-8 make the pair invalid.  Pure: the input
 * and an arena, nothing else.
 */
#include <string.h>

#include "internal.h"
#include "input.h"

int
urlenc_decode(char *dst, const char *src, size_t n, size_t *outlen)
{

	if (pct_decode(dst, src, n, 1, outlen) != 0 ||
	    !utf8_valid(dst, *outlen))
		return -1;
	return 0;
}

static int
push(struct rv_arena *a, struct rv_kv **kv, size_t *n, size_t *cap,
    const char *k, const char *v)
{
	struct rv_kv	*q;

	if (*n == *cap) {
		*cap = *cap == 0 ? 8 : *cap * 2;
		if ((q = arena_alloc(a, *cap * sizeof(*q))) == NULL)
			return RV_ENOMEM;
		if (*n > 0)
			memcpy(q, *kv, *n * sizeof(*q));
		*kv = q;
	}
	(*kv)[*n].key = k;
	(*kv)[(*n)++].val = v;
	return RV_OK;
}

int
urlenc_parse(struct rv_arena *a, const char *s, size_t len, size_t max,
    struct rv_kv **out, size_t *nout)
{
	const char	*p = s, *end = s + len, *amp, *eq;
	size_t		 n, kn, kl, vl, cap = 0;
	char		*k, *v;
	int		 rc = RV_OK;

	*out = NULL;
	*nout = 0;
	for (; p < end; p += n + 1) {
		amp = memchr(p, '&', (size_t)(end - p));
		n = amp != NULL ? (size_t)(amp - p) : (size_t)(end - p);
		if (n == 0)
			continue;
		if (*nout == max)
			return RV_ETOOBIG;
		eq = memchr(p, '=', n);
		kn = eq != NULL ? (size_t)(eq - p) : n;
		if ((k = arena_chars(a, kn + 1)) == NULL ||
		    (v = arena_chars(a, n - kn + 1)) == NULL)
			return RV_ENOMEM;
		if (urlenc_decode(k, p, kn, &kl) != 0 ||
		    urlenc_decode(v, eq != NULL ? eq + 1 : "", eq != NULL ?
		    n - kn - 1 : 0, &vl) != 0) {
			rc = RV_EINVAL;
			continue;
		}
		if (push(a, out, nout, &cap, k, v) != RV_OK)
			return RV_ENOMEM;
	}
	return rc;
}

size_t
kv_values(const struct rv_kv *kv, size_t n, const char *key,
    const char **vals, size_t max)
{
	size_t	 i, found = 0;

	for (i = 0; key != NULL && i < n; i++)
		if (strcmp(kv[i].key, key) == 0) {
			if (found < max && vals != NULL)
				vals[found] = kv[i].val;
			found++;
		}
	return found;
}
