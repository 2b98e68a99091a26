/*
 * wire.h: the JSON and MessagePack bytes of numbers, strings and whole
 * key/value pairs, written straight into a buffer.  Inline, because
 * they are the encoders' innermost steps and the writer's short paths
 * (writer.c) call them once per pair: a call and its prologue would
 * cost as much as the bytes.  Included after internal.h.
 */
#ifndef RV_WIRE_H
#define RV_WIRE_H

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

/*
 * Decimal of v at o (room for 20 digits); returns the end.  Counting
 * the digits first lets them go straight to their place, two a
 * division, without a copy from a scratch buffer.
 */
static inline char *
put_u64(char *o, uint64_t v)
{
	static const char	 digits2[] =
	    "0001020304050607080910111213141516171819"
	    "2021222324252627282930313233343536373839"
	    "4041424344454647484950515253545556575859"
	    "6061626364656667686970717273747576777879"
	    "8081828384858687888990919293949596979899";
	static const uint64_t	 p10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL,
		1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL,
		10000000000ULL, 100000000000ULL, 1000000000000ULL,
		10000000000000ULL, 100000000000000ULL, 1000000000000000ULL,
		10000000000000000ULL, 100000000000000000ULL,
		1000000000000000000ULL, 10000000000000000000ULL,
	};
	char		*e;
	size_t		 n;
	uint32_t	 w;

	if (v < 10) {
		*o = (char)('0' + v);
		return o + 1;
	}
	/* log10 from the bit length (1233 / 4096 ~ log10(2)), then exact */
	n = (size_t)(64 - __builtin_clzll(v)) * 1233 >> 12;
	n += v >= p10[n];
	e = o += n;
	for (; v > UINT32_MAX; v /= 100) {
		o -= 2;
		__builtin_memcpy(o, digits2 + (v % 100) * 2, 2);
	}
	/* 32-bit divisions for the rest: cheaper, and most numbers */
	for (w = (uint32_t)v; w >= 100; w /= 100) {
		o -= 2;
		__builtin_memcpy(o, digits2 + (w % 100) * 2, 2);
	}
	if (w >= 10)
		__builtin_memcpy(o - 2, digits2 + w * 2, 2);
	else
		o[-1] = (char)('0' + w);
	return e;
}

static inline char *
put_i64(char *o, int64_t v)
{

	if (v >= 0)
		return put_u64(o, (uint64_t)v);
	*o++ = '-';
	return put_u64(o, (uint64_t)0 - (uint64_t)v);
}

/* JSON's open or close ({, [, } or ]), after a comma if sep. */
static inline int
json_punct(struct rv_buf *b, int sep, char c)
{

	if (b->cap - b->len < 2 && buf_grow(b, 2) != RV_OK)
		return b->err;
	if (sep)
		b->p[b->len++] = ',';
	b->p[b->len++] = c;
	return RV_OK;
}

/*
 * The writer's short paths (writer.c): a whole key/value pair with one
 * reservation, for a key and string that are str_plain (nothing to
 * escape or check).  The bytes are rv_enc_json_token's for the two
 * tokens.  sep: not the map's first pair.
 */
static inline char *
json_key(char *o, int sep, const char *k, size_t kn)
{

	if (sep)
		*o++ = ',';
	*o++ = '"';
	copy_small(o, k, kn);
	o += kn;
	*o++ = '"';
	*o++ = ':';
	return o;
}

/* "k":v at o, which has room for kn + 25; returns the end. */
static inline char *
json_put_kint(char *o, int sep, const char *k, size_t kn, int64_t v)
{

	return put_i64(json_key(o, sep, k, kn), v);
}

/* "k":"v" at o, which has room for kn + vn + 6; returns the end. */
static inline char *
json_put_kstr(char *o, int sep, const char *k, size_t kn, const char *v,
    size_t vn)
{

	o = json_key(o, sep, k, kn);
	*o++ = '"';
	copy_small(o, v, vn);
	o += vn;
	*o++ = '"';
	return o;
}

/*
 * The writer's leaf steps: a pair whose key (and string) turns out to
 * be str_plain and under 32 bytes while it is copied; NULL if not.
 * o has room for SHORT_ROOM.
 */
#define SHORT_ROOM	80

static inline char *
json_put_kint_short(char *o, int sep, const char *k, int64_t v)
{
	size_t	 kn;

	if (sep)
		*o++ = ',';
	*o++ = '"';
	if (!str_copy_short(o, k, &kn))
		return NULL;
	o += kn;
	*o++ = '"';
	*o++ = ':';
	return put_i64(o, v);
}

static inline char *
json_put_kstr_short(char *o, int sep, const char *k, const char *v)
{
	size_t	 n;

	if (sep)
		*o++ = ',';
	*o++ = '"';
	if (!str_copy_short(o, k, &n))
		return NULL;
	o += n;
	*o++ = '"';
	*o++ = ':';
	*o++ = '"';
	if (!str_copy_short(o, v, &n))
		return NULL;
	o += n;
	*o++ = '"';
	return o;
}

static inline int
json_kint(struct rv_buf *b, int sep, const char *k, size_t kn, int64_t v)
{

	/* sep, quotes, colon, sign and 20 digits */
	if (b->cap - b->len < kn + 25 && buf_grow(b, kn + 25) != RV_OK)
		return b->err;
	b->len = (size_t)(json_put_kint(b->p + b->len, sep, k, kn, v) - b->p);
	return RV_OK;
}

static inline int
json_kstr(struct rv_buf *b, int sep, const char *k, size_t kn,
    const char *v, size_t vn)
{

	if (b->cap - b->len < kn + vn + 6 && buf_grow(b, kn + vn + 6) != RV_OK)
		return b->err;
	b->len = (size_t)(json_put_kstr(b->p + b->len, sep, k, kn, v, vn) -
	    b->p);
	return RV_OK;
}

/* true, false, null */
static inline int
json_klit(struct rv_buf *b, int sep, const char *k, size_t kn,
    const char *lit, size_t ln)
{
	char	*o;

	if (b->cap - b->len < kn + ln + 4 && buf_grow(b, kn + ln + 4) != RV_OK)
		return b->err;
	o = json_key(b->p + b->len, sep, k, kn);
	copy_small(o, lit, ln);
	b->len = (size_t)(o + ln - b->p);
	return RV_OK;
}

/* ------------------------------------------------------------------ */
/* MessagePack                                                          */

/*
 * The put_ functions write at o, which has room (9 bytes for a number,
 * 5 for a string header), and return the end: a value or a whole
 * key/value pair then costs one reservation of the buffer.
 */
static inline unsigned char *
mp_put_hdr(unsigned char *o, unsigned char tag, uint64_t v, int bytes)
{

	*o++ = tag;
	while (bytes-- > 0)
		*o++ = (unsigned char)(v >> (8 * bytes));
	return o;
}

static inline unsigned char *
mp_put_uint(unsigned char *o, uint64_t v)
{

	if (v < 128) {
		*o++ = (unsigned char)v;
		return o;
	}
	if (v <= 0xff)
		return mp_put_hdr(o, 0xcc, v, 1);
	if (v <= 0xffff)
		return mp_put_hdr(o, 0xcd, v, 2);
	if (v <= 0xffffffffULL)
		return mp_put_hdr(o, 0xce, v, 4);
	return mp_put_hdr(o, 0xcf, v, 8);
}

static inline unsigned char *
mp_put_int(unsigned char *o, int64_t v)
{

	if (v >= 0)
		return mp_put_uint(o, (uint64_t)v);
	if (v >= -32) {
		*o++ = (unsigned char)(0xe0 | (v + 32));
		return o;
	}
	if (v >= INT8_MIN)
		return mp_put_hdr(o, 0xd0, (uint64_t)v, 1);
	if (v >= INT16_MIN)
		return mp_put_hdr(o, 0xd1, (uint64_t)v, 2);
	if (v >= INT32_MIN)
		return mp_put_hdr(o, 0xd2, (uint64_t)v, 4);
	return mp_put_hdr(o, 0xd3, (uint64_t)v, 8);
}

/* Header and bytes of a str (or bin); o has room for n + 5. */
static inline unsigned char *
mp_put_str(unsigned char *o, const char *p, size_t n, int bin)
{

	if (bin) {
		if (n <= 0xff)
			o = mp_put_hdr(o, 0xc4, n, 1);
		else if (n <= 0xffff)
			o = mp_put_hdr(o, 0xc5, n, 2);
		else
			o = mp_put_hdr(o, 0xc6, n, 4);
	} else if (n < 32)
		*o++ = (unsigned char)(0xa0 | n);
	else if (n <= 0xff)
		o = mp_put_hdr(o, 0xd9, n, 1);
	else if (n <= 0xffff)
		o = mp_put_hdr(o, 0xda, n, 2);
	else
		o = mp_put_hdr(o, 0xdb, n, 4);
	copy_small((char *)o, p, n);
	return o + n;
}

/* Room for extra bytes at the end of b, or NULL (b->err says why). */
static inline unsigned char *
mp_room(struct rv_buf *b, size_t extra)
{

	if (b->cap - b->len < extra && buf_grow(b, extra) != RV_OK)
		return NULL;
	return (unsigned char *)b->p + b->len;
}

static inline int
mp_done(struct rv_buf *b, unsigned char *o)
{

	b->len = (size_t)((char *)o - b->p);
	return RV_OK;
}

/*
 * The writer's short paths (writer.c): a whole key/value pair with one
 * reservation; the bytes are mp_token's for the two tokens.  The key
 * and string were checked by the writer (str_plain: valid UTF-8).
 */
static inline int
mp_kint(struct rv_buf *b, const char *k, size_t kn, int64_t v)
{
	unsigned char	*o;

	if ((o = mp_room(b, kn + 14)) == NULL)
		return b->err;
	return mp_done(b, mp_put_int(mp_put_str(o, k, kn, 0), v));
}

static inline int
mp_kstr(struct rv_buf *b, const char *k, size_t kn, const char *v,
    size_t vn)
{
	unsigned char	*o;

	if ((o = mp_room(b, kn + vn + 10)) == NULL)
		return b->err;
	return mp_done(b, mp_put_str(mp_put_str(o, k, kn, 0), v, vn, 0));
}

/* The leaf steps (see json_put_kint_short): fixstr keys and strings. */
static inline unsigned char *
mp_put_kint_short(unsigned char *o, const char *k, int64_t v)
{
	size_t	 kn;

	if (!str_copy_short((char *)o + 1, k, &kn))
		return NULL;
	*o = (unsigned char)(0xa0 | kn);
	return mp_put_int(o + 1 + kn, v);
}

static inline unsigned char *
mp_put_kstr_short(unsigned char *o, const char *k, const char *v)
{
	size_t	 n;

	if (!str_copy_short((char *)o + 1, k, &n))
		return NULL;
	*o = (unsigned char)(0xa0 | n);
	o += 1 + n;
	if (!str_copy_short((char *)o + 1, v, &n))
		return NULL;
	*o = (unsigned char)(0xa0 | n);
	return o + 1 + n;
}

/* nil, true, false */
static inline int
mp_kbyte(struct rv_buf *b, const char *k, size_t kn, unsigned char c)
{
	unsigned char	*o;

	if ((o = mp_room(b, kn + 6)) == NULL)
		return b->err;
	o = mp_put_str(o, k, kn, 0);
	*o++ = c;
	return mp_done(b, o);
}

#endif /* RV_WIRE_H */
