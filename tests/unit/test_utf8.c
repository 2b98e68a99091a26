/*
 * test_utf8.c: strict UTF-8 validation, checked by hand-picked cases
 * and against a reference written from the RFC 3629 grammar; and the
 * other small utilities (buffers, arenas, error names).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "runner.h"

#define VALID(s)	ck_assert_msg(utf8_valid(s, sizeof(s) - 1) == 1, \
			    "should be valid: %s", #s)
#define INVALID(s)	ck_assert_msg(utf8_valid(s, sizeof(s) - 1) == 0, \
			    "should be invalid: %s", #s)

/*
 * RFC 3629 section 4, as written:
 *   UTF8-2 = %xC2-DF UTF8-tail
 *   UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
 *            %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
 *   UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
 *            %xF4 %x80-8F 2( UTF8-tail )
 */
static int
tail(unsigned char c)
{

	return c >= 0x80 && c <= 0xbf;
}

static int
ref_valid(const unsigned char *p, size_t n)
{
	size_t	 i = 0;
	unsigned char lo, hi;

	while (i < n) {
		unsigned char c = p[i];

		if (c <= 0x7f) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (c >= 0xc2 && c <= 0xdf) {
			if (n - i < 2 || !tail(p[i + 1]))
				return 0;
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			if (n - i < 3 || p[i + 1] < lo || p[i + 1] > hi ||
			    !tail(p[i + 2]))
				return 0;
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			if (n - i < 4 || p[i + 1] < lo || p[i + 1] > hi ||
			    !tail(p[i + 2]) || !tail(p[i + 3]))
				return 0;
			i += 4;
		} else
			return 0;
	}
	return 1;
}

START_TEST(valid)
{
	VALID("");
	VALID("a");
	VALID("plain ascii, long enough for the 8-byte path");
	VALID("\x7f");					/* U+007F */
	VALID("\xc2\x80");				/* U+0080 */
	VALID("\xdf\xbf");				/* U+07FF */
	VALID("\xe0\xa0\x80");				/* U+0800 */
	VALID("\xef\xbf\xbf");				/* U+FFFF */
	VALID("\xf0\x90\x80\x80");			/* U+10000 */
	VALID("\xc3\xa9t\xc3\xa9");			/* été */
	VALID("\xe2\x82\xac");				/* € */
	VALID("\xf0\x9f\x8c\x8a");			/* 🌊 */
	VALID("\xf4\x8f\xbf\xbf");			/* U+10FFFF */
	VALID("\xed\x9f\xbf");				/* U+D7FF */
	VALID("\xee\x80\x80");				/* U+E000 */
	VALID("\xef\xbb\xbf");				/* BOM: a character */
	/* NUL is a character (JSON writes \u0000) */
	VALID("nul\0inside");
	VALID("\0\0\0\0\0\0\0\0\0");
	/* multibyte between and after ASCII runs */
	VALID("0123456789\xc3\xa9" "0123456789\xe2\x82\xac" "01234567");
}
END_TEST

START_TEST(invalid)
{
	INVALID("\x80");				/* lone continuation */
	INVALID("\xbf");
	INVALID("\x80\x80\x80\x80\x80\x80\x80\x80");
	INVALID("\xc3");				/* truncated */
	INVALID("abcdefgh\xc3");			/* truncated after ASCII run */
	INVALID("\xe2\x82");				/* truncated € */
	INVALID("\xf0\x9f\x8c");			/* truncated 🌊 */
	INVALID("\xf0\x9f");
	INVALID("\xf0");
	INVALID("\xc3" "a");				/* ASCII for a continuation */
	INVALID("\xe2\x28\xa1");			/* bad continuation */
	INVALID("\xf0\x9f\x8c\x28");
	/* overlong forms */
	INVALID("\xc0\x80");				/* NUL */
	INVALID("\xc0\xaf");				/* / */
	INVALID("\xc1\xbf");				/* U+007F */
	INVALID("\xe0\x80\xaf");			/* / */
	INVALID("\xe0\x9f\xbf");			/* U+07FF */
	INVALID("\xf0\x80\x80\xaf");			/* / */
	INVALID("\xf0\x8f\xbf\xbf");			/* U+FFFF */
	/* surrogates, CESU-8 pairs */
	INVALID("\xed\xa0\x80");			/* U+D800 */
	INVALID("\xed\xaf\xbf");			/* U+DBFF */
	INVALID("\xed\xb0\x80");			/* U+DC00 */
	INVALID("\xed\xbf\xbf");			/* U+DFFF */
	INVALID("\xed\xa0\xbd\xed\xb8\x80");		/* U+1F600 as a pair */
	/* above U+10FFFF, and bytes never used */
	INVALID("\xf4\x90\x80\x80");			/* U+110000 */
	INVALID("\xf5\x80\x80\x80");
	INVALID("\xf7\xbf\xbf\xbf");			/* U+1FFFFF */
	INVALID("\xf8\x88\x80\x80\x80");		/* 5 bytes */
	INVALID("\xfc\x84\x80\x80\x80\x80");		/* 6 bytes */
	INVALID("\xfe");
	INVALID("\xff");
}
END_TEST

/* n bounds the check: a sequence cut by n is invalid. */
START_TEST(length_bounds)
{
	const char	*euro = "\xe2\x82\xac";

	ck_assert_int_eq(utf8_valid(euro, 3), 1);
	ck_assert_int_eq(utf8_valid(euro, 2), 0);
	ck_assert_int_eq(utf8_valid(euro, 1), 0);
	ck_assert_int_eq(utf8_valid(euro, 0), 1);
	ck_assert_int_eq(utf8_valid(NULL, 0), 1);
}
END_TEST

/* A bad byte at every offset of ASCII runs: the 8-byte path must see it. */
START_TEST(fast_path_offsets)
{
	char	 s[40];
	size_t	 len, at;

	for (len = 1; len <= sizeof(s); len++)
		for (at = 0; at < len; at++) {
			memset(s, 'x', sizeof(s));
			ck_assert_int_eq(utf8_valid(s, len), 1);
			s[at] = (char)0x80;
			ck_assert_msg(utf8_valid(s, len) == 0,
			    "len %zu, bad at %zu", len, at);
			if (at + 1 < len) {
				s[at] = (char)0xc3;
				s[at + 1] = (char)0xa9;
				ck_assert_msg(utf8_valid(s, len) == 1,
				    "len %zu, é at %zu", len, at);
			}
		}
}
END_TEST

/* Every 1-, 2- and 3-byte string agrees with the reference. */
START_TEST(exhaustive_short)
{
	unsigned char	 b[3];
	uint32_t	 i;

	for (i = 0; i < 256; i++) {
		b[0] = (unsigned char)i;
		ck_assert_int_eq(utf8_valid((char *)b, 1), ref_valid(b, 1));
	}
	for (i = 0; i < 1u << 16; i++) {
		b[0] = (unsigned char)(i >> 8);
		b[1] = (unsigned char)i;
		ck_assert_int_eq(utf8_valid((char *)b, 2), ref_valid(b, 2));
	}
	for (i = 0; i < 1u << 24; i++) {
		b[0] = (unsigned char)(i >> 16);
		b[1] = (unsigned char)(i >> 8);
		b[2] = (unsigned char)i;
		if (utf8_valid((char *)b, 3) != ref_valid(b, 3))
			ck_abort_msg("%02x %02x %02x", b[0], b[1], b[2]);
	}
}
END_TEST

/* 4-byte leads, every second byte, edge values for the last two. */
START_TEST(four_byte_edges)
{
	static const unsigned char edge[] = { 0x00, 0x7f, 0x80, 0x8f, 0x90,
	    0x9f, 0xa0, 0xbf, 0xc0, 0xff };
	unsigned char	 b[4];
	unsigned	 lead, second, i, j;

	for (lead = 0xe0; lead <= 0xff; lead++)
		for (second = 0; second < 256; second++)
			for (i = 0; i < sizeof(edge); i++)
				for (j = 0; j < sizeof(edge); j++) {
					b[0] = (unsigned char)lead;
					b[1] = (unsigned char)second;
					b[2] = edge[i];
					b[3] = edge[j];
					ck_assert_int_eq(utf8_valid((char *)b,
					    4), ref_valid(b, 4));
				}
}
END_TEST

/* ------------------------------------------------------------------ */
/* buf.c, err.c                                                         */

START_TEST(buf_basics)
{
	struct rv_buf	 b = { 0 };

	ck_assert_int_eq(buf_puts(&b, "abc"), RV_OK);
	ck_assert_int_eq(buf_putc(&b, '-'), RV_OK);
	ck_assert_int_eq(buf_printf(&b, "%d/%s", 42, "x"), RV_OK);
	ck_assert_int_eq(buf_add(&b, "", 0), RV_OK);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_mem_eq(b.p, "abc-42/x", 8);
	/* a long printf takes the second pass */
	ck_assert_int_eq(buf_printf(&b, "%0600d", 7), RV_OK);
	ck_assert_uint_eq(b.len, 608);
	ck_assert_int_eq(b.p[607], '7');
	ck_assert_int_eq(b.p[8], '0');
	buf_free(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	/* printf into an empty buffer */
	ck_assert_int_eq(buf_printf(&b, "%s", ""), RV_OK);
	ck_assert_int_eq(buf_printf(&b, "%s", "x"), RV_OK);
	ck_assert_uint_eq(b.len, 1);
	buf_free(&b);
}
END_TEST

START_TEST(buf_max_is_sticky)
{
	struct rv_buf	 b = { 0 };

	b.max = 10;
	ck_assert_int_eq(buf_puts(&b, "12345678"), RV_OK);
	/* the text fits exactly although vsnprintf's NUL would not */
	ck_assert_int_eq(buf_printf(&b, "%s", "90"), RV_OK);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_mem_eq(b.p, "1234567890", 10);
	ck_assert_uint_le(b.cap, 10);
	ck_assert_int_eq(buf_putc(&b, 'x'), RV_ETOOBIG);
	/* sticky: even what would fit fails now */
	ck_assert_int_eq(buf_add(&b, "", 0), RV_ETOOBIG);
	ck_assert_int_eq(buf_printf(&b, "%s", ""), RV_ETOOBIG);
	ck_assert_uint_eq(b.len, 10);
	buf_free(&b);
	ck_assert_int_eq(b.err, RV_OK);
	ck_assert_int_eq(buf_printf(&b, "%s", "0123456789A"), RV_ETOOBIG);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
	/* a small printf near the limit is not refused for want of 64 */
	b.max = 300;
	ck_assert_int_eq(buf_printf(&b, "%0290d", 0), RV_OK);
	ck_assert_int_eq(buf_printf(&b, "%d", 123456789), RV_OK);
	ck_assert_uint_eq(b.len, 299);
	buf_free(&b);
}
END_TEST

START_TEST(arena)
{
	struct rv_arena	 a = { NULL };
	char		*s, *t, *big, *u;
	void		*p;
	size_t		 i;

	s = arena_strndup(&a, "hello world", 5);
	ck_assert_str_eq(s, "hello");
	big = arena_alloc(&a, 100000);		/* a block of its own */
	ck_assert_ptr_nonnull(big);
	memset(big, 'b', 100000);
	/* the small block keeps serving after the big one */
	t = arena_strndup(&a, "next", 4);
	ck_assert_str_eq(t, "next");
	ck_assert_str_eq(s, "hello");
	for (i = 0; i < 1000; i++) {
		p = arena_alloc(&a, i % 50 + 1);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % _Alignof(max_align_t), 0);
		memset(p, 0xa5, i % 50 + 1);
	}
	ck_assert_ptr_nonnull(arena_alloc(&a, 0));
	ck_assert_ptr_null(arena_alloc(&a, SIZE_MAX));
	ck_assert_ptr_null(arena_alloc(&a, SIZE_MAX - 8));
	ck_assert_ptr_null(arena_strndup(&a, "x", SIZE_MAX));
	arena_rewind(&a);
	u = arena_strndup(&a, "again", 5);
	ck_assert_str_eq(u, "again");
	arena_reset(&a);
	ck_assert_ptr_null(a.head);
	arena_reset(&a);			/* twice is harmless */
	arena_rewind(&a);
}
END_TEST

static char *
vfmt(struct rv_arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

START_TEST(arena_printf)
{
	struct rv_arena	 a = { NULL };
	char		*p;

	ck_assert_str_eq(vfmt(&a, "%s-%d", "dog", 3), "dog-3");
	p = vfmt(&a, "%05000d", 1);
	ck_assert_uint_eq(strlen(p), 5000);
	arena_reset(&a);
}
END_TEST

START_TEST(strerror_names)
{
	int	 e;

	ck_assert_str_eq(rv_strerror(RV_OK), "success");
	ck_assert_str_eq(rv_strerror(RV_EGONE), "the client has left");
	ck_assert_str_eq(rv_strerror(RV_EABI), "built for another ABI");
	for (e = 0; e < RV_ERR__MAX; e++) {
		ck_assert_ptr_nonnull(rv_strerror((enum rv_err)e));
		ck_assert_str_ne(rv_strerror((enum rv_err)e), "unknown error");
	}
	ck_assert_str_eq(rv_strerror(RV_ERR__MAX), "unknown error");
	ck_assert_str_eq(rv_strerror((enum rv_err)-1), "unknown error");
	ck_assert_str_eq(rv_strerror((enum rv_err)1000), "unknown error");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("utf8");
	TCase	*tc = tcase_create("utf8");
	TCase	*tu = tcase_create("util");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, valid);
	tcase_add_test(tc, invalid);
	tcase_add_test(tc, length_bounds);
	tcase_add_test(tc, fast_path_offsets);
	tcase_add_test(tc, exhaustive_short);
	tcase_add_test(tc, four_byte_edges);
	suite_add_tcase(s, tc);
	tcase_add_test(tu, buf_basics);
	tcase_add_test(tu, buf_max_is_sticky);
	tcase_add_test(tu, arena);
	tcase_add_test(tu, arena_printf);
	tcase_add_test(tu, strerror_names);
	suite_add_tcase(s, tu);
	return run_suite(s);
}
