/*
 * parse_range.c: the Range request header (RFC 9110 section 14), bytes
 * only, for one representation of a known size.  The header is the
 * client's: any byte string, of any length, is answered with one of
 * four verdicts and never read past its NUL.
 *
 *   RANGE_NONE    serve the whole file, 200: no header, another unit,
 *                 or a bytes range-set that does not parse (the RFC's
 *                 precondition for 206 is a *valid* ranges-specifier)
 *   RANGE_ONE     206 of [*first, *last]
 *   RANGE_MULTI   several ranges: served whole, 200, because a
 *                 multipart/byteranges body is rarely wanted and an
 *                 easy amplifier ("bytes=0-,0-,0-,...")
 *   RANGE_UNSAT   416 with "Content-Range: bytes * /size"
 *
 * Numbers are saturated at UINT64_MAX rather than wrapping, so that a
 * last-pos of a hundred digits still means "to the end" and a
 * first-pos of a hundred digits is past any end.
 */
#include <stdint.h>

#include "internal.h"

/* A bytes range-set ends here: "bytes=" is 6, a spec is "N-M". */
#define RANGE_MAX_SPECS	1000

static int
is_ows(char c)
{

	return c == ' ' || c == '\t';
}

static int
is_digit(char c)
{

	return c >= '0' && c <= '9';
}

/* Digits at *pp into *v, saturating; 0 if there were none. */
static int
digits(const char **pp, uint64_t *v)
{
	const char	*p = *pp;
	uint64_t	 n = 0;

	if (!is_digit(*p))
		return 0;
	for (; is_digit(*p); p++) {
		if (n > (UINT64_MAX - 9) / 10)
			n = UINT64_MAX;
		else
			n = n * 10 + (uint64_t)(*p - '0');
	}
	*pp = p;
	*v = n;
	return 1;
}

/*
 * One range-spec at *pp: int-range "first-[last]" or suffix-range
 * "-length".  *sat is set when it overlaps [0, size).  -1 on bad
 * syntax.
 */
static int
one_spec(const char **pp, uint64_t size, uint64_t *first, uint64_t *last,
    int *sat, int *suffix)
{
	const char	*p = *pp;
	uint64_t	 a, b;

	if (*p == '-') {
		p++;
		if (!digits(&p, &b))
			return -1;
		/* RFC 9110 14.1.1: a suffix is satisfiable if non-zero. */
		*sat = b > 0 && size > 0;
		*suffix = b > 0;
		*first = b >= size ? 0 : size - b;
		*last = size > 0 ? size - 1 : 0;
		*pp = p;
		return 0;
	}
	if (!digits(&p, &a) || *p++ != '-')
		return -1;
	if (digits(&p, &b)) {
		if (b < a)
			return -1;	/* invalid: the whole header is */
	} else
		b = UINT64_MAX;
	*sat = a < size;
	*first = a;
	*last = b >= size ? (size > 0 ? size - 1 : 0) : b;
	*pp = p;
	return 0;
}

/* "bytes" in any case, then '='. */
static const char *
bytes_unit(const char *h)
{
	static const char	 unit[] = "bytes";
	size_t			 i;

	for (i = 0; i < sizeof(unit) - 1; i++)
		if ((h[i] | 0x20) != unit[i])
			return NULL;
	return h[i] == '=' ? h + i + 1 : NULL;
}

enum range_res
range_parse(const char *h, uint64_t size, uint64_t *first, uint64_t *last)
{
	const char	*p;
	uint64_t	 f = 0, l = 0;
	size_t		 nspec = 0, nsat = 0;
	int		 sat, suffix = 0;

	if (h == NULL || (p = bytes_unit(h)) == NULL)
		return RANGE_NONE;
	/* 1#range-spec: empty list elements and OWS around commas are fine */
	for (;;) {
		while (is_ows(*p) || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (++nspec > RANGE_MAX_SPECS ||
		    one_spec(&p, size, &f, &l, &sat, &suffix) != 0)
			return RANGE_NONE;
		if (sat && nsat++ == 0) {
			*first = f;
			*last = l;
		}
		while (is_ows(*p))
			p++;
		if (*p != ',' && *p != '\0')
			return RANGE_NONE;
	}
	if (nspec == 0)
		return RANGE_NONE;
	/*
	 * An empty file has no byte to send: a non-zero suffix asks for
	 * "the last N bytes", which is all of it (200); anything else 416.
	 */
	if (size == 0)
		return suffix ? RANGE_NONE : RANGE_UNSAT;
	if (nsat == 0)
		return RANGE_UNSAT;
	return nspec > 1 ? RANGE_MULTI : RANGE_ONE;
}
