/*
 * test_input.c: request input on hostile bytes: query strings and
 * urlencoded forms, cookies, multipart/form-data split at every byte
 * and with delimiter look-alikes, JSON/MessagePack structure checks,
 * the validators, and bodies streamed through the harness (pieces,
 * chunked, over the limits).
 */
#include <check.h>
#include <jansson.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "input.h"
#include "runner.h"

/* ------------------------------------------------------------------ */
/* urlencoded                                                          */

static struct rv_arena	 arena;
static struct rv_kv	*kv;
static size_t		 nkv;

static int
ue(const char *s)
{

	arena_reset(&arena);
	return urlenc_parse(&arena, s, strlen(s), 100, &kv, &nkv);
}

START_TEST(urlenc_good)
{
	ck_assert_int_eq(ue("a=1&b=x+y%20z&a=2&&flag&e=&%C3%A9=%e2%82%ac&k=a=b"),
	    RV_OK);
	ck_assert_uint_eq(nkv, 7);
	ck_assert_str_eq(kv[0].key, "a");
	ck_assert_str_eq(kv[0].val, "1");
	ck_assert_str_eq(kv[1].val, "x y z");
	ck_assert_str_eq(kv[2].val, "2");
	ck_assert_str_eq(kv[3].key, "flag");
	ck_assert_str_eq(kv[3].val, "");
	ck_assert_str_eq(kv[5].key, "\xc3\xa9");
	ck_assert_str_eq(kv[5].val, "\xe2\x82\xac");
	ck_assert_str_eq(kv[6].val, "a=b");
	ck_assert_int_eq(ue(""), RV_OK);
	ck_assert_uint_eq(nkv, 0);
	ck_assert_int_eq(ue("&&&"), RV_OK);
	ck_assert_uint_eq(nkv, 0);
	ck_assert_int_eq(ue("=v"), RV_OK);
	ck_assert_str_eq(kv[0].key, "");
}
END_TEST

START_TEST(urlenc_hostile)
{
	static const char *const bad[] = { "a=%zz", "a=%4", "a=%", "a%=1",
	    "a=%00", "%00=1", "a=%ff", "a=%c3", "a=%e2%82", "a=%C0%AF",
	    "a=%ed%a0%80", NULL };
	char	 nul[] = "a=1\0b=2";
	int	 i;

	for (i = 0; bad[i] != NULL; i++) {
		ck_assert_msg(ue(bad[i]) == RV_EINVAL, "%s accepted", bad[i]);
		ck_assert_uint_eq(nkv, 0);
	}
	/* The good pairs around a bad one stay. */
	ck_assert_int_eq(ue("x=1&a=%zz&y=2"), RV_EINVAL);
	ck_assert_uint_eq(nkv, 2);
	ck_assert_str_eq(kv[1].key, "y");
	/* A raw NUL inside the given length is refused. */
	arena_reset(&arena);
	ck_assert_int_eq(urlenc_parse(&arena, nul, sizeof(nul) - 1, 100, &kv,
	    &nkv), RV_EINVAL);
	ck_assert_uint_eq(nkv, 0);
}
END_TEST

START_TEST(urlenc_counts)
{
	struct rv_buf	 b = { 0 };
	int		 i;

	for (i = 0; i < 100000; i++)
		buf_puts(&b, "k=v&");
	buf_putc(&b, '\0');
	arena_reset(&arena);
	ck_assert_int_eq(urlenc_parse(&arena, b.p, b.len - 1, 1000, &kv,
	    &nkv), RV_ETOOBIG);
	ck_assert_uint_eq(nkv, 1000);
	arena_reset(&arena);
	ck_assert_int_eq(urlenc_parse(&arena, b.p, b.len - 1, SIZE_MAX, &kv,
	    &nkv), RV_OK);
	ck_assert_uint_eq(nkv, 100000);
	buf_free(&b);
	arena_reset(&arena);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Cookies                                                              */

static int
ck(const char *s, size_t max)
{

	arena_reset(&arena);
	return cookie_parse(&arena, s, max, &kv, &nkv);
}

START_TEST(cookies)
{
	ck_assert_int_eq(ck("a=1; b=\"two\";c = 3 ;d=;e=x=y; f=%41", 16),
	    RV_OK);
	ck_assert_uint_eq(nkv, 6);
	ck_assert_str_eq(kv[0].val, "1");
	ck_assert_str_eq(kv[1].val, "two");
	ck_assert_str_eq(kv[2].key, "c");
	ck_assert_str_eq(kv[2].val, "3");
	ck_assert_str_eq(kv[3].val, "");
	ck_assert_str_eq(kv[4].val, "x=y");
	ck_assert_str_eq(kv[5].val, "%41");	/* no decoding */
	/* Bad pairs are skipped, the rest kept. */
	ck_assert_int_eq(ck("noeq; =v; a b=1; ok=1; c\x01=2; d=\x7f; "
	    "e=\"; x(y)=1; g=\xff", 16), RV_OK);
	ck_assert_uint_eq(nkv, 2);
	ck_assert_str_eq(kv[0].key, "ok");
	ck_assert_str_eq(kv[1].key, "e");
	ck_assert_str_eq(kv[1].val, "\"");
	ck_assert_int_eq(ck("", 16), RV_OK);
	ck_assert_uint_eq(nkv, 0);
	ck_assert_int_eq(ck(";;;   ;", 16), RV_OK);
	ck_assert_uint_eq(nkv, 0);
	ck_assert_int_eq(ck("a=1;b=2;c=3", 2), RV_ETOOBIG);
	ck_assert_uint_eq(nkv, 2);
	arena_reset(&arena);
}
END_TEST

/* ------------------------------------------------------------------ */
/* multipart/form-data                                                  */

/* What the parser reported, as text: [name|filename|type]data/ ... */
struct mpout {
	struct rv_buf	 log;
	int		 stop_at_part;	/* callback error on part N (1-based) */
	int		 parts;
};

static int
t_part(void *arg, const struct mp_head *h)
{
	struct mpout	*o = arg;

	buf_printf(&o->log, "[%s|%s|%s]", h->name, h->filename != NULL ?
	    h->filename : "-", h->ctype != NULL ? h->ctype : "-");
	return ++o->parts == o->stop_at_part ? RV_EIO : RV_OK;
}

static int
t_data(void *arg, const char *s, size_t n)
{
	struct mpout	*o = arg;

	return buf_add(&o->log, s, n);
}

static int
t_end(void *arg)
{
	struct mpout	*o = arg;

	return buf_putc(&o->log, '/');
}

static const struct mp_cb t_cb = { t_part, t_data, t_end };

/* Parse body fed in pieces of per bytes (0: all at once); the result. */
static int
mp_run(const char *boundary, const char *body, size_t len, size_t per,
    size_t max_header, size_t max_parts, struct mpout *o)
{
	struct mp_parser	 p;
	size_t			 off, n;
	int			 rc;

	memset(o, 0, sizeof(*o));
	ck_assert_int_eq(mp_init(&p, boundary, max_header, max_parts, &t_cb,
	    o), RV_OK);
	for (off = 0, rc = RV_OK; off < len && rc == RV_OK; off += n) {
		n = per == 0 || per > len - off ? len - off : per;
		rc = mp_feed(&p, body + off, n);
	}
	if (rc == RV_OK)
		rc = mp_finish(&p);
	buf_putc(&o->log, '\0');
	mp_free(&p);
	return rc;
}

#define BODY1 "preamble\r\n--xyz\r\n" \
	"Content-Disposition: form-data; name=\"a\"\r\n\r\n" \
	"one\r\n--xyz  \t\r\n" \
	"content-disposition: form-data; name=f; filename=\"x\\\"y.txt\"\r\n" \
	"Content-Type: text/plain\r\nX-Other: 1\r\n\r\n" \
	"\r\n--xy\r\r\n-\r\n--xy-z\r\n-\r\n--x" \
	"\r\n--xyz--\r\nepilogue \r\n--xyz\r\n junk"
#define LOG1 "[a|-|-]one/[f|x\"y.txt|text/plain]\r\n--xy\r\r\n-\r\n--xy-z\r\n-\r\n--x/"

START_TEST(multipart_every_split)
{
	struct mpout	 o;
	size_t		 per, len = sizeof(BODY1) - 1;

	/* The same parts whatever pieces the body comes in. */
	for (per = 0; per <= len; per++) {
		ck_assert_int_eq(mp_run("xyz", BODY1, len, per, 0, 0, &o),
		    RV_OK);
		ck_assert_msg(strcmp(o.log.p, LOG1) == 0, "per %zu: %s", per,
		    o.log.p);
		buf_free(&o.log);
	}
}
END_TEST

START_TEST(multipart_forms)
{
	struct mpout	 o;
	const char	*b;

	/* The first delimiter opens the body; an empty part; filename*. */
	b = "--b\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--b\r\n"
	    "Content-Disposition: form-data; name=\"u\"; filename=\"a.txt\"; "
	    "filename*=UTF-8''%e2%82%ac.txt\r\n\r\nz\r\n--b--";
	ck_assert_int_eq(mp_run("b", b, strlen(b), 1, 0, 0, &o), RV_OK);
	ck_assert_str_eq(o.log.p, "[e|-|-]/[u|\xe2\x82\xac.txt|-]z/");
	buf_free(&o.log);
	/* A boundary that is a prefix of data lines. */
	b = "--a\r\nContent-Disposition: form-data; name=x\r\n\r\n--a\r\n-\r\n"
	    "--b\r\n--a--";
	ck_assert_int_eq(mp_run("a", b, strlen(b), 0, 0, 0, &o), RV_OK);
	ck_assert_str_eq(o.log.p, "[x|-|-]--a\r\n-\r\n--b/");
	buf_free(&o.log);
	/* Data that holds the delimiter and more: malformed (RFC 2046). */
	b = "--a\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--aa"
	    "\r\n--a--";
	ck_assert_int_eq(mp_run("a", b, strlen(b), 0, 0, 0, &o), RV_EINVAL);
	buf_free(&o.log);
	/* Close delimiter directly after the preamble: no parts. */
	ck_assert_int_eq(mp_run("a", "--a--", 5, 0, 0, 0, &o), RV_OK);
	ck_assert_str_eq(o.log.p, "");
	buf_free(&o.log);
}
END_TEST

START_TEST(multipart_hostile)
{
	static const struct {
		const char	*body;
		int		 rc;
	} cases[] = {
		{ "", RV_EINVAL },				/* nothing */
		{ "no delimiter at all", RV_EINVAL },
		{ "--b", RV_EINVAL },				/* cut */
		{ "--b\r\n", RV_EINVAL },
		{ "--bx\r\n", RV_EINVAL },			/* no: --b then x */
		{ "--b\r\n\r\ndata\r\n--b--", RV_EINVAL },	/* no headers */
		{ "--b\r\nX: 1\r\n\r\nd\r\n--b--", RV_EINVAL },	/* no C-D */
		{ "--b\r\nContent-Disposition: attachment; name=a\r\n\r\n"
		    "\r\n--b--", RV_EINVAL },
		{ "--b\r\nContent-Disposition: form-data\r\n\r\n\r\n--b--",
		    RV_EINVAL },				/* no name */
		{ "--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\n"
		    "\r\n--b--", RV_EINVAL },			/* open quote */
		{ "--b\r\nContent-Disposition: form-data; name=a\r\n"
		    " folded\r\n\r\n\r\n--b--", RV_EINVAL },
		{ "--b\r\nContent-Disposition: form-data; name=a\r\nnocolon"
		    "\r\n\r\n\r\n--b--", RV_EINVAL },
		{ "--b\r\nContent-Disposition: form-data; name=a\r\n"
		    "Content-Disposition: form-data; name=b\r\n\r\n\r\n--b--",
		    RV_EINVAL },
		{ "--b\r\nContent-Disposition: form-data; name=a\nX: y\r\n"
		    "\r\n\r\n--b--", RV_EINVAL },		/* bare LF */
		{ "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n"
		    "data, never closed", RV_EINVAL },
		{ "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n"
		    "x\r\n--b-x", RV_EINVAL },			/* -x after */
		{ "--b \r\nContent-Disposition: form-data; name=a\r\n\r\n"
		    "x\r\n--b \tz", RV_EINVAL },
		{ "--b\r\nContent-Disposition: form-data; name=a; "
		    "filename*=UTF-8''%00\r\n\r\n\r\n--b--", RV_EINVAL },
		{ "--b\r\nContent-Disposition: form-data; name=a; "
		    "filename*=UTF-8''%ff\r\n\r\n\r\n--b--", RV_EINVAL },
	};
	struct mpout	 o;
	char		 nul[] = "--b\r\nContent-Disposition: form-data; "
	    "name=a\r\nX: \0\r\n\r\n\r\n--b--";
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(mp_run("b", cases[i].body, strlen(cases[i].body),
		    0, 0, 0, &o) == cases[i].rc, "case %zu", i);
		buf_free(&o.log);
		/* The same byte by byte. */
		ck_assert_msg(mp_run("b", cases[i].body, strlen(cases[i].body),
		    1, 0, 0, &o) == cases[i].rc, "case %zu bytewise", i);
		buf_free(&o.log);
	}
	ck_assert_int_eq(mp_run("b", nul, sizeof(nul) - 1, 0, 0, 0, &o),
	    RV_EINVAL);
	buf_free(&o.log);
}
END_TEST

START_TEST(multipart_limits)
{
	struct mpout	 o;
	struct rv_buf	 b = { 0 };
	int		 i;

	/* Header block over max_header. */
	buf_puts(&b, "--b\r\nContent-Disposition: form-data; name=a\r\nX: ");
	for (i = 0; i < 10000; i++)
		buf_putc(&b, 'h');
	buf_puts(&b, "\r\n\r\nx\r\n--b--");
	ck_assert_int_eq(mp_run("b", b.p, b.len, 0, 1024, 0, &o), RV_ETOOBIG);
	buf_free(&o.log);
	ck_assert_int_eq(mp_run("b", b.p, b.len, 0, 16384, 0, &o), RV_OK);
	buf_free(&o.log);
	b.len = 0;
	/* A thousand parts against a limit of 10. */
	for (i = 0; i < 1000; i++)
		buf_puts(&b, "--b\r\nContent-Disposition: form-data; name=p"
		    "\r\n\r\nv\r\n");
	buf_puts(&b, "--b--");
	ck_assert_int_eq(mp_run("b", b.p, b.len, 0, 0, 10, &o), RV_ETOOBIG);
	buf_free(&o.log);
	ck_assert_int_eq(mp_run("b", b.p, b.len, 0, 0, 0, &o), RV_OK);
	buf_free(&o.log);
	/* A callback's error stops the parse and comes back. */
	memset(&o, 0, sizeof(o));
	buf_free(&b);
}
END_TEST

START_TEST(multipart_callback_stops)
{
	struct mp_parser	 p;
	struct mpout		 o;
	const char		*b = "--b\r\nContent-Disposition: form-data; "
	    "name=a\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; "
	    "name=b\r\n\r\ny\r\n--b--";

	memset(&o, 0, sizeof(o));
	o.stop_at_part = 2;
	mp_init(&p, "b", 0, 0, &t_cb, &o);
	ck_assert_int_eq(mp_feed(&p, b, strlen(b)), RV_EIO);
	ck_assert_int_eq(mp_feed(&p, "more", 4), RV_EIO);	/* sticky */
	ck_assert_int_eq(mp_finish(&p), RV_EIO);
	mp_free(&p);
	buf_free(&o.log);
}
END_TEST

START_TEST(multipart_boundaries)
{
	char	 b[80];

	ck_assert_int_eq(mp_boundary("multipart/form-data; boundary=abc", b,
	    sizeof(b)), 0);
	ck_assert_str_eq(b, "abc");
	ck_assert_int_eq(mp_boundary("Multipart/Form-Data ; charset=x; "
	    "BOUNDARY=\"a b'()+_,-./:=?\"", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "a b'()+_,-./:=?");
	ck_assert_int_eq(mp_boundary("multipart/form-data", b, sizeof(b)), -1);
	ck_assert_int_eq(mp_boundary("multipart/mixed; boundary=a", b,
	    sizeof(b)), -1);
	ck_assert_int_eq(mp_boundary("multipart/form-data; boundary=", b,
	    sizeof(b)), -1);
	ck_assert_int_eq(mp_boundary("multipart/form-data; boundary=\"a \"",
	    b, sizeof(b)), -1);		/* space last */
	ck_assert_int_eq(mp_boundary("multipart/form-data; boundary=a\rb",
	    b, sizeof(b)), -1);
	ck_assert_int_eq(mp_boundary("multipart/form-data; boundary=a; "
	    "boundary=b", b, sizeof(b)), -1);
	ck_assert_int_eq(mp_boundary("multipart/form-data; boundary=\"abc",
	    b, sizeof(b)), -1);
	ck_assert_int_eq(mp_boundary("multipart/form-data; boundary="
	    "12345678901234567890123456789012345678901234567890123456789012345"
	    "678901", b, sizeof(b)), -1);	/* 71 */
	ck_assert_int_eq(mp_boundary(NULL, b, sizeof(b)), -1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* JSON and MessagePack structure                                       */

START_TEST(json_depth)
{
	char	 deep[300];

	ck_assert_int_eq(json_depth_ok("[[[]]]", 6, 3), 0);
	ck_assert_int_eq(json_depth_ok("[[[[]]]]", 8, 3), -1);
	ck_assert_int_eq(json_depth_ok("[\"[[[[\\\"[[[\"]", 14, 1), 0);
	ck_assert_int_eq(json_depth_ok("{\"a\":{\"b\":[1]}}", 15, 3), 0);
	ck_assert_int_eq(json_depth_ok("{\"a\":{\"b\":[1]}}", 15, 2), -1);
	memset(deep, '[', sizeof(deep));
	ck_assert_int_eq(json_depth_ok(deep, sizeof(deep), 64), -1);
	ck_assert_int_eq(json_depth_ok("]]]][", 5, 1), 0);
}
END_TEST

START_TEST(msgpack_structure)
{
	static const unsigned char ok1[] = { 0x82, 0xa1, 'a', 0x01, 0xa1, 'b',
	    0x93, 0xc0, 0xc3, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char ext[] = { 0x92, 0xd4, 1, 2, 0xc7, 2, 5, 'x',
	    'y' };
	static const unsigned char huge_arr[] = { 0xdd, 0xff, 0xff, 0xff,
	    0xff, 0x01 };
	static const unsigned char huge_map[] = { 0xdf, 0x7f, 0xff, 0xff,
	    0xff };
	static const unsigned char huge_str[] = { 0xdb, 0xff, 0xff, 0xff,
	    0xff, 'a' };
	static const unsigned char cut[] = { 0xcd, 0x01 };
	static const unsigned char junk[] = { 0x01, 0x02 };
	static const unsigned char never[] = { 0xc1 };
	static const unsigned char map_odd[] = { 0x81, 0x01 };
	unsigned char	 deep[100];

	ck_assert_int_eq(msgpack_check(ok1, sizeof(ok1), 8), 0);
	ck_assert_int_eq(msgpack_check(ok1, sizeof(ok1), 1), -1);
	ck_assert_int_eq(msgpack_check(ext, sizeof(ext), 8), 0);
	ck_assert_int_eq(msgpack_check(huge_arr, sizeof(huge_arr), 8), -1);
	ck_assert_int_eq(msgpack_check(huge_map, sizeof(huge_map), 8), -1);
	ck_assert_int_eq(msgpack_check(huge_str, sizeof(huge_str), 8), -1);
	ck_assert_int_eq(msgpack_check(cut, sizeof(cut), 8), -1);
	ck_assert_int_eq(msgpack_check(junk, sizeof(junk), 8), -1);
	ck_assert_int_eq(msgpack_check(never, sizeof(never), 8), -1);
	ck_assert_int_eq(msgpack_check(map_odd, sizeof(map_odd), 8), -1);
	ck_assert_int_eq(msgpack_check(ok1, 0, 8), -1);
	memset(deep, 0x91, sizeof(deep));
	deep[sizeof(deep) - 1] = 0xc0;
	ck_assert_int_eq(msgpack_check(deep, sizeof(deep), 64), -1);
	ck_assert_int_eq(msgpack_check(deep + 40, sizeof(deep) - 40, 64), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Validators                                                           */

static int
ok(const struct rv_field *f, const char *v)
{
	char	 why[256];

	return check_field(f, v, why, sizeof(why));
}

START_TEST(validators)
{
	static const char *const ch[] = { "a", "b", NULL };
	const struct rv_field i = RV_FIELD_INT("i", -5, 10);
	const struct rv_field anyint = { .name = "n", .check = RV_CHECK_INT };
	const struct rv_field d = RV_FIELD_NUMBER("d", -1.5, 2.5);
	const struct rv_field b = RV_FIELD_BOOL("b");
	const struct rv_field s = RV_FIELD_STRING("s", 2, 4, "[a-z\xc3\xa9]+");
	const struct rv_field badre = RV_FIELD_STRING("s", 0, 0, "(");
	const struct rv_field e = RV_FIELD_EMAIL("e");
	const struct rv_field u = RV_FIELD_UUID("u");
	const struct rv_field t = RV_FIELD_DATE("t");
	const struct rv_field en = RV_FIELD_ENUM("en", ch);

	ck_assert(ok(&i, "-5") && ok(&i, "10") && ok(&i, "+3") && ok(&i, "0"));
	ck_assert(!ok(&i, "11") && !ok(&i, "-6") && !ok(&i, "") &&
	    !ok(&i, " 1") && !ok(&i, "1 ") && !ok(&i, "0x1") &&
	    !ok(&i, "1e1") && !ok(&i, "-") && !ok(&i, "99999999999999999999"));
	ck_assert(ok(&anyint, "-9223372036854775808") &&
	    ok(&anyint, "9223372036854775807") &&
	    !ok(&anyint, "9223372036854775808"));
	ck_assert(ok(&d, "2.5") && ok(&d, "-1.5e0") && ok(&d, "0") &&
	    ok(&d, "1E-3"));
	ck_assert(!ok(&d, "2.6") && !ok(&d, "nan") && !ok(&d, "inf") &&
	    !ok(&d, "1.") && !ok(&d, ".5") && !ok(&d, "1e") && !ok(&d, "") &&
	    !ok(&d, "0x10") && !ok(&d, "1e400"));
	ck_assert(ok(&b, "true") && ok(&b, "OFF") && ok(&b, "0") &&
	    !ok(&b, "") && !ok(&b, "truthy") && !ok(&b, "2"));
	ck_assert(ok(&s, "ab") && ok(&s, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));
	ck_assert(!ok(&s, "a") && !ok(&s, "abcde") && !ok(&s, "AB") &&
	    !ok(&s, "ab1") && !ok(&s, "\xff\xfe"));
	ck_assert(!ok(&badre, "x"));
	ck_assert(ok(&e, "a.b+c@example.org") && ok(&e, "x@a-b.co"));
	ck_assert(!ok(&e, "a@b") && !ok(&e, "@b.c") && !ok(&e, "a@@b.c") &&
	    !ok(&e, "a..b@c.d") && !ok(&e, ".a@b.c") && !ok(&e, "a@-b.c") &&
	    !ok(&e, "a@b..c") && !ok(&e, "a b@c.d") && !ok(&e, "a@b.c.") &&
	    !ok(&e, "") && !ok(&e, "a@b_c.d"));
	ck_assert(ok(&u, "123e4567-e89b-12d3-a456-426614174000") &&
	    ok(&u, "ABCDEF01-2345-6789-abcd-ef0123456789"));
	ck_assert(!ok(&u, "123e4567e89b12d3a456426614174000") &&
	    !ok(&u, "123e4567-e89b-12d3-a456-42661417400g") &&
	    !ok(&u, "123e4567-e89b-12d3-a456-4266141740000") && !ok(&u, ""));
	ck_assert(ok(&t, "2024-02-29") && ok(&t, "2000-02-29") &&
	    ok(&t, "2023-12-31T23:59:60Z") && ok(&t, "2023-01-01T00:00") &&
	    ok(&t, "2023-01-01T00:00:00.123+05:30"));
	ck_assert(!ok(&t, "2023-02-29") && !ok(&t, "1900-02-29") &&
	    !ok(&t, "2023-13-01") && !ok(&t, "2023-00-10") &&
	    !ok(&t, "2023-04-31") && !ok(&t, "2023-1-1") &&
	    !ok(&t, "2023-01-01T24:00") && !ok(&t, "2023-01-01T") &&
	    !ok(&t, "2023-01-01Z") && !ok(&t, "2023-01-01T10:00:00.") &&
	    !ok(&t, "2023-01-01T10:00+5:30") && !ok(&t, "") &&
	    !ok(&t, "2023-01-01T10:00:00Zjunk"));
	ck_assert(ok(&en, "a") && !ok(&en, "A") && !ok(&en, "") &&
	    !ok(&en, "ab"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Through the harness: streamed bodies, forms, validation              */

static struct rv_server	*srv;
static char		 seen[512];

/* Read the body in 1000-byte reads: bytes, reads and a checksum. */
static int
h_read(struct rv_req *rq)
{
	char			 buf[1000];
	size_t			 got, total = 0, reads = 0;
	uint32_t		 sum = 0;
	struct rv_stream	*s;
	int			 rc;

	while ((rc = rv_body_read(rq, buf, sizeof(buf), &got)) == RV_OK &&
	    got > 0) {
		for (size_t i = 0; i < got; i++)
			sum = sum * 31 + (unsigned char)buf[i];
		total += got;
		reads++;
	}
	s = rv_open(rq, RV_TEXT);
	if (rc != RV_OK)
		return rv_error(s, rc == RV_ETOOBIG ? 413 : 400, NULL, "%s",
		    rv_strerror((enum rv_err)rc));
	rv_textf(s, "%zu %zu %u %lld%s", total, reads, sum,
	    (long long)rv_body_length(rq), rv_body(rq, NULL) == NULL &&
	    total > 0 ? " streamed" : "");
	return rv_close(s);
}

static int
h_json(struct rv_req *rq)
{
	json_t			*j;
	struct rv_stream	*s;

	rv_body_json(rq, 1000, 4, &j);
	s = rv_open(rq, RV_JSON);
	rv_json(s, j);
	return rv_close(s);
}

static int
h_msgpack(struct rv_req *rq)
{
	const msgpack_object	*o;
	struct rv_stream	*s;
	int			 rc = rv_body_msgpack(rq, 1000, 4, &o);

	s = rv_open(rq, RV_TEXT);
	rv_textf(s, "%d %d", rc, o != NULL ? (int)o->type : -1);
	return rv_close(s);
}

static int
h_form(struct rv_req *rq)
{
	const char		*v[4];
	struct rv_stream	*s;
	size_t			 n = rv_form_values(rq, "a", v, 4);

	s = rv_open(rq, RV_TEXT);
	rv_textf(s, "%zu %s %s|%s", n, n > 0 ? v[0] : "-", n > 1 ? v[1] : "-",
	    rv_form(rq, "b", "nob"));
	return rv_close(s);
}

static int
mp_on_end(void *arg, const struct rv_part *p)
{
	char	 buf[64] = "";
	FILE	*f;

	(void)arg;
	if (p->path != NULL && (f = fopen(p->path, "r")) != NULL) {
		buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
		fclose(f);
	}
	snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen),
	    "%s:%s:%llu:%s;", p->name, p->filename != NULL ? p->filename : "-",
	    (unsigned long long)p->size, buf);
	return RV_OK;
}

static char	 tmp_path[256];

static int
mp_keep_path(void *arg, const struct rv_part *p)
{

	(void)arg;
	if (p->path != NULL)
		snprintf(tmp_path, sizeof(tmp_path), "%s", p->path);
	return mp_on_end(arg, p);
}

static int
h_multipart(struct rv_req *rq)
{
	static const struct rv_multipart_cb cb = { NULL, NULL, mp_keep_path };
	struct rv_multipart_limits lim = { .max_field = 8, .max_file = 100 };
	struct rv_stream	*s;
	int			 rc;

	seen[0] = '\0';
	rc = rv_multipart(rq, &cb, NULL, &lim);
	s = rv_open(rq, RV_TEXT);
	rv_textf(s, "%d %s form=%s", rc, seen, rv_form(rq, "t", "-"));
	return rv_close(s);
}

static int
h_validate(struct rv_req *rq)
{
	static const char *const ch[] = { "x", NULL };
	static const struct rv_field f[] = {
		RV_FIELD_INT("n", 1, 9),
		{ .name = "need", .check = RV_CHECK_STRING, .required = 1 },
		RV_FIELD_ENUM("e", ch),
		RV_FIELD_UUID("u"),
	};
	struct rv_stream	*s;

	rv_validate(rq, RV_FROM_QUERY, f, 4);
	s = rv_open(rq, RV_TEXT);
	rv_textf(s, "valid %s", rv_cookie(rq, "sid", "nocookie"));
	return rv_close(s);
}

static const struct rv_route routes[] = {
	RV_POST("/read", h_read),
	RV_POST("/json", h_json),
	RV_POST("/msgpack", h_msgpack),
	RV_POST("/form", h_form),
	RV_POST("/mp", h_multipart),
	RV_GET("/v", h_validate),
	RV_ROUTES_END
};

static const struct rv_module mod = {
	RV_MODULE_HEAD,
	.name = "input",
	.routes = routes,
};

static void
setup(void)
{
	struct rv_limits	 l;
	char			 err[256];

	ck_assert_ptr_nonnull(srv = rv_server_new());
	rv_server_limits(srv, &l);
	l.max_body = 4096;
	l.max_upload = 100000;
	ck_assert_int_eq(rv_server_set_limits(srv, &l), RV_OK);
	ck_assert_int_eq(rv_server_add_module(srv, &mod, err, sizeof(err)),
	    RV_OK);
}

static void
teardown(void)
{

	rv_server_free(srv);
}

/* POST body to path; the response's status and body in *res. */
static void
post(const char *path, const char *ctype, const void *body, size_t len,
    int chunked, size_t chunk, struct rv_test_response *res)
{
	char				 ct[256];
	const char			*hdrs[] = { ct, NULL };
	struct rv_test_request		 tr = { .method = "POST", .uri = path,
	    .headers = hdrs, .body = body, .body_len = len,
	    .body_chunked = chunked, .body_chunk = chunk };

	snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
	ck_assert_int_eq(rv_test_run(srv, &tr, res), RV_OK);
}

static uint32_t
checksum(const unsigned char *p, size_t n)
{
	uint32_t	 sum = 0;

	while (n-- > 0)
		sum = sum * 31 + *p++;
	return sum;
}

START_TEST(body_streamed)
{
	struct rv_test_response	 res;
	unsigned char		*b = malloc(100000);
	char			 want[128];
	size_t			 i;

	for (i = 0; i < 100000; i++)
		b[i] = (unsigned char)(i * 7 + i / 251);
	/* Buffered (under max_body): one read per 1000 bytes. */
	post("/read", "application/octet-stream", b, 3000, 0, 0, &res);
	snprintf(want, sizeof(want), "3000 3 %u 3000", checksum(b, 3000));
	ck_assert_str_eq(res.body, want);
	rv_test_response_free(&res);
	/* Streamed in odd pieces, Content-Length known. */
	post("/read", "application/octet-stream", b, 100000, 0, 777, &res);
	snprintf(want, sizeof(want), "100000 %zu %u 100000 streamed",
	    (size_t)100000 / 777 + 1, checksum(b, 100000));
	ck_assert_str_eq(res.body, want);
	rv_test_response_free(&res);
	/* Chunked: no length. */
	post("/read", "application/octet-stream", b, 5000, 1, 1, &res);
	snprintf(want, sizeof(want), "5000 5000 %u -1 streamed",
	    checksum(b, 5000));
	ck_assert_str_eq(res.body, want);
	rv_test_response_free(&res);
	/* An empty body. */
	post("/read", "application/octet-stream", "", 0, 0, 0, &res);
	ck_assert_str_eq(res.body, "0 0 0 0");
	rv_test_response_free(&res);
	free(b);
}
END_TEST

START_TEST(body_over_limits)
{
	struct rv_test_response	 res;
	char			*b = calloc(1, 200000);

	/* A known length over max_upload: 413 before the handler. */
	post("/read", "application/octet-stream", b, 200000, 0, 0, &res);
	ck_assert_int_eq(res.status, 413);
	ck_assert_int_eq(res.handler_ret, 0);
	ck_assert_ptr_nonnull(strstr(res.body, "max_upload"));
	rv_test_response_free(&res);
	/* Chunked, growing over it: the read fails, the handler says 413. */
	post("/read", "application/octet-stream", b, 200000, 1, 4096, &res);
	ck_assert_int_eq(res.status, 413);
	ck_assert_ptr_nonnull(strstr(res.body, "limit"));
	rv_test_response_free(&res);
	free(b);
}
END_TEST

START_TEST(bodies_parsed)
{
	struct rv_test_response	 res;
	static const unsigned char mp[] = { 0x82, 0xa1, 'a', 0x01, 0xa1, 'b',
	    0xc3 };
	static const unsigned char mpdeep[] = { 0x91, 0x91, 0x91, 0x91, 0x91,
	    0xc0 };

	post("/json", "application/json", "{\"a\":[1,{\"b\":null}]}", 20, 0,
	    0, &res);
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(res.body, "{\"a\":[1,{\"b\":null}]}");
	rv_test_response_free(&res);
	post("/json", "application/json", "[[[[[1]]]]]", 11, 0, 0, &res);
	ck_assert_int_eq(res.status, 400);
	ck_assert_ptr_nonnull(strstr(res.body, "deeper than 4"));
	rv_test_response_free(&res);
	post("/json", "application/json", "{\"a\":", 5, 0, 0, &res);
	ck_assert_int_eq(res.status, 400);
	rv_test_response_free(&res);
	post("/json", "application/json", "[1]", 3, 1, 1, &res);	/* streamed */
	ck_assert_str_eq(res.body, "[1]");
	rv_test_response_free(&res);
	{
		char *big = malloc(5000);

		memset(big, ' ', 5000);
		big[0] = '1';
		post("/json", "application/json", big, 5000, 0, 100, &res);
		ck_assert_int_eq(res.status, 413);
		rv_test_response_free(&res);
		free(big);
	}
	post("/msgpack", "application/msgpack", mp, sizeof(mp), 0, 0, &res);
	ck_assert_str_eq(res.body, "0 7");	/* MSGPACK_OBJECT_MAP */
	rv_test_response_free(&res);
	post("/msgpack", "application/msgpack", mpdeep, sizeof(mpdeep), 0, 0,
	    &res);
	ck_assert_int_eq(res.status, 400);
	rv_test_response_free(&res);
}
END_TEST

START_TEST(forms)
{
	struct rv_test_response	 res;

	post("/form", "application/x-www-form-urlencoded", "a=1&b=x+y&a=%32",
	    15, 0, 0, &res);
	ck_assert_str_eq(res.body, "2 1 2|x y");
	rv_test_response_free(&res);
	post("/form", "application/x-www-form-urlencoded; charset=UTF-8",
	    "a=%zz", 5, 0, 0, &res);
	ck_assert_int_eq(res.status, 400);
	ck_assert_ptr_nonnull(strstr(res.body, "form body"));
	rv_test_response_free(&res);
	/* Another type: no form read. */
	post("/form", "text/plain", "a=1", 3, 0, 0, &res);
	ck_assert_str_eq(res.body, "0 - -|nob");
	rv_test_response_free(&res);
}
END_TEST

#define MPB(x) "--Q\r\nContent-Disposition: form-data; " x
START_TEST(multipart_request)
{
	struct rv_test_response	 res;
	const char		*b = MPB("name=\"t\"\r\n\r\nhello\r\n")
	    MPB("name=\"f\"; filename=\"../a.txt\"\r\nContent-Type: text/plain"
	    "\r\n\r\nfile\r\ndata\r\n--Q--\r\n");
	const char		*ct = "multipart/form-data; boundary=Q";

	post("/mp", ct, b, strlen(b), 1, 3, &res);
	ck_assert_str_eq(res.body, "0 t:-:5:;f:../a.txt:10:file\r\ndata; "
	    "form=hello");
	/* The temp file went with the request. */
	ck_assert_int_ne(access(tmp_path, F_OK), 0);
	rv_test_response_free(&res);
	/* A text field over max_field (8): 413. */
	b = MPB("name=\"t\"\r\n\r\n123456789\r\n--Q--");
	post("/mp", ct, b, strlen(b), 0, 0, &res);
	ck_assert_int_eq(res.status, 413);
	rv_test_response_free(&res);
	/* A file over max_file (100): 413, its temp file gone. */
	{
		char big[400];

		snprintf(big, sizeof(big), MPB("name=f; filename=x\r\n\r\n%0200d"
		    "\r\n--Q--"), 0);
		post("/mp", ct, big, strlen(big), 0, 0, &res);
		ck_assert_int_eq(res.status, 413);
		rv_test_response_free(&res);
	}
	/* Not multipart at all. */
	post("/mp", "text/plain", "x", 1, 0, 0, &res);
	ck_assert_int_eq(res.status, 400);
	rv_test_response_free(&res);
	/* Text field with a NUL. */
	post("/mp", ct, MPB("name=t\r\n\r\na\0b\r\n--Q--"),
	    sizeof(MPB("name=t\r\n\r\na\0b\r\n--Q--")) - 1, 0, 0, &res);
	ck_assert_int_eq(res.status, 400);
	rv_test_response_free(&res);
}
END_TEST

START_TEST(validation_problem)
{
	struct rv_test_response	 res;
	const char		*hdrs[] = { "Cookie: a=1; sid=\"s1\"", NULL };
	struct rv_test_request	 tr = { .uri = "/v?n=0&e=y&u=zz&n=3",
	    .headers = hdrs };
	json_t			*j, *errs;
	json_error_t		 e;

	ck_assert_int_eq(rv_test_run(srv, &tr, &res), RV_OK);
	ck_assert_int_eq(res.status, 400);
	ck_assert_str_eq(rv_test_header(&res, "Content-Type"),
	    "application/problem+json");
	ck_assert_ptr_nonnull(j = json_loads(res.body, 0, &e));
	errs = json_object_get(j, "errors");
	ck_assert_uint_eq(json_array_size(errs), 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    errs, 0), "field")), "n");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    errs, 1), "reason")), "is required");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    errs, 3), "field")), "u");
	json_decref(j);
	rv_test_response_free(&res);
	tr.uri = "/v?n=3&need=x&e=x&u=123e4567-e89b-12d3-a456-426614174000";
	ck_assert_int_eq(rv_test_run(srv, &tr, &res), RV_OK);
	ck_assert_str_eq(res.body, "valid s1");
	rv_test_response_free(&res);
}
END_TEST

START_TEST(file_names)
{
	char	 out[16];

	rv_filename_safe("../../etc/passwd", out, sizeof(out));
	ck_assert_str_eq(out, "passwd");
	rv_filename_safe("C:\\x\\a b.txt", out, sizeof(out));
	ck_assert_str_eq(out, "a_b.txt");
	rv_filename_safe("...", out, sizeof(out));
	ck_assert_str_eq(out, "upload");
	rv_filename_safe("..\\..", out, sizeof(out));
	ck_assert_str_eq(out, "upload");
	rv_filename_safe("\xe2\x82\xac\n.txt", out, sizeof(out));
	ck_assert_str_eq(out, "____.txt");
	rv_filename_safe("0123456789abcdefghij", out, sizeof(out));
	ck_assert_str_eq(out, "0123456789abcde");
	ck_assert_int_eq(rv_filename_safe("x", out, 4), RV_EINVAL);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("input");
	TCase	*tc;

	tc = tcase_create("parsers");
	tcase_add_test(tc, urlenc_good);
	tcase_add_test(tc, urlenc_hostile);
	tcase_add_test(tc, urlenc_counts);
	tcase_add_test(tc, cookies);
	tcase_add_test(tc, multipart_every_split);
	tcase_add_test(tc, multipart_forms);
	tcase_add_test(tc, multipart_hostile);
	tcase_add_test(tc, multipart_limits);
	tcase_add_test(tc, multipart_callback_stops);
	tcase_add_test(tc, multipart_boundaries);
	tcase_add_test(tc, json_depth);
	tcase_add_test(tc, msgpack_structure);
	tcase_add_test(tc, validators);
	tcase_add_test(tc, file_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("requests");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, body_streamed);
	tcase_add_test(tc, body_over_limits);
	tcase_add_test(tc, bodies_parsed);
	tcase_add_test(tc, forms);
	tcase_add_test(tc, multipart_request);
	tcase_add_test(tc, validation_problem);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
