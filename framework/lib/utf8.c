/*
 * utf8.c: strict UTF-8 (RFC 3629): no overlong forms, no surrogates,
 * nothing above U+10FFFF, no sequence cut short by the end.
 *
 * NUL is a valid character: it is UTF-8, JSON writes it as \u0000 and
 * MessagePack carries it as is.  Where a NUL would cut a C string
 * short (query values, header names) the caller refuses it itself.
 *
 * ASCII runs are checked eight bytes at a time.
 */
#include <stdint.h>
#include <string.h>

#include "internal.h"

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*end;
	uint64_t		 w;
	unsigned		 c, need, i;
	uint32_t		 cp, min;

	if (n == 0)
		return 1;
	end = p + n;
	while (p < end) {
		/* ASCII runs, eight bytes at a time */
		while (end - p >= 8) {
			memcpy(&w, p, 8);
			if (w & 0x8080808080808080ULL)
				break;
			p += 8;
		}
		if (p == end)
			break;
		c = *p++;
		if (c < 0x80)
			continue;
		if (c < 0xc2 || c > 0xf4)
			return 0;
		if (c < 0xe0) {
			need = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c < 0xf0) {
			need = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else {
			need = 3;
			cp = c & 0x07;
			min = 0x10000;
		}
		if ((size_t)(end - p) < need)
			return 0;
		for (i = 0; i < need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += need;
	}
	return 1;
}

const unsigned char str_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

int
span_plain(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint64_t		 w, lo, q, bs;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		lo = (w - 0x2020202020202020ULL) & ~w;	/* < 0x20 or high */
		q = w ^ 0x2222222222222222ULL;		/* '"' -> 0 */
		q = (q - 0x0101010101010101ULL) & ~q;
		bs = w ^ 0x5c5c5c5c5c5c5c5cULL;		/* '\\' -> 0 */
		bs = (bs - 0x0101010101010101ULL) & ~bs;
		if ((lo | q | bs | w) & 0x8080808080808080ULL)
			return 0;
	}
	for (; n > 0; p++, n--)
		if (!str_plain[*p])
			return 0;
	return 1;
}
