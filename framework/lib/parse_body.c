/*
 * parse_body.c: structure checks run on a JSON or MessagePack body
 * before a library parses it.  jansson has no depth limit a caller can
 * set, and msgpack-c sizes its allocations from the counts a value
 * declares: a five-byte body claiming 2^32 array elements must not
 * cost gigabytes.  Both checks walk the bytes once, without recursion
 * and without allocating.  Pure.
 */
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "input.h"

int
json_depth_ok(const char *s, size_t n, unsigned max)
{
	unsigned	 depth = 0;
	size_t		 i;
	int		 in_str = 0;

	for (i = 0; i < n; i++) {
		if (in_str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_str = 0;
			continue;
		}
		switch (s[i]) {
		case '"':
			in_str = 1;
			break;
		case '[':
		case '{':
			if (++depth > max)
				return -1;
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Big-endian unsigned of w bytes at p. */
static uint64_t
be(const unsigned char *p, size_t w)
{
	uint64_t	 v = 0;

	while (w-- > 0)
		v = v << 8 | *p++;
	return v;
}

/*
 * The head of the value at p: *hl header bytes, then *skip bytes of
 * payload and *kids values inside (elements, or keys and values).
 * -1 on a byte that is not MessagePack (0xc1), or a cut header.
 */
static int
mp_head(const unsigned char *p, size_t n, size_t *hl, uint64_t *skip,
    uint64_t *kids)
{
	unsigned char	 c = p[0];
	static const unsigned char fixext[] = { 1, 2, 4, 8, 16 };

	*hl = 1;
	*skip = *kids = 0;
	if (c <= 0x7f || c >= 0xe0 || (c >= 0xc0 && c <= 0xc3 && c != 0xc1))
		return 0;
	if (c >= 0x80 && c <= 0x8f) {
		*kids = 2 * (uint64_t)(c & 0x0f);
		return 0;
	}
	if (c >= 0x90 && c <= 0x9f) {
		*kids = c & 0x0f;
		return 0;
	}
	if (c >= 0xa0 && c <= 0xbf) {
		*skip = c & 0x1f;
		return 0;
	}
	switch (c) {
	case 0xc4: case 0xd9: *hl = 2; break;	/* bin8, str8 */
	case 0xc5: case 0xda: *hl = 3; break;	/* bin16, str16 */
	case 0xc6: case 0xdb: *hl = 5; break;	/* bin32, str32 */
	case 0xc7: *hl = 3; break;		/* ext8: len, type */
	case 0xc8: *hl = 4; break;
	case 0xc9: *hl = 6; break;
	case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce: case 0xcf:
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		*skip = c == 0xca ? 4 : c == 0xcb ? 8 :
		    (uint64_t)1 << ((c - 0xcc) & 3);
		return 0;
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
		*skip = 1 + (uint64_t)fixext[c - 0xd4];
		return 0;
	case 0xdc: case 0xde: *hl = 3; break;	/* array16, map16 */
	case 0xdd: case 0xdf: *hl = 5; break;	/* array32, map32 */
	default:
		return -1;			/* 0xc1 */
	}
	if (n < *hl)
		return -1;
	switch (c) {
	case 0xc4: case 0xd9: case 0xc5: case 0xda: case 0xc6: case 0xdb:
		*skip = be(p + 1, *hl - 1);
		break;
	case 0xc7: case 0xc8: case 0xc9:
		*skip = be(p + 1, *hl - 2) + 1;	/* the type byte after */
		*hl -= 1;
		break;
	case 0xdc: case 0xdd:
		*kids = be(p + 1, *hl - 1);
		break;
	default:
		*kids = 2 * be(p + 1, *hl - 1);
		break;
	}
	return 0;
}

int
msgpack_check(const unsigned char *p, size_t n, unsigned max)
{
	uint64_t	 left[RV_MAX_DEPTH + 1], skip, kids;
	size_t		 off = 0, hl;
	unsigned	 depth = 0;

	if (max > RV_MAX_DEPTH)
		max = RV_MAX_DEPTH;
	left[0] = 1;		/* one value at top level */
	while (depth > 0 || left[0] > 0) {
		if (left[depth] == 0) {
			depth--;
			continue;
		}
		left[depth]--;
		if (off >= n || mp_head(p + off, n - off, &hl, &skip,
		    &kids) != 0)
			return -1;
		off += hl;
		if (skip > n - off)
			return -1;
		off += (size_t)skip;
		if (kids == 0)
			continue;
		/* Every value takes a byte at least: count against bytes. */
		if (kids > n - off || depth + 1 > max)
			return -1;
		left[++depth] = kids;
	}
	return off == n ? 0 : -1;
}
