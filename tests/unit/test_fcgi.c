/*
 * test_fcgi.c: the FastCGI record layer on hostile bytes: records
 * split at every byte, lengths near 2 GiB, truncation, bad versions.
 */
#include <check.h>
#include <fastcgi.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "runner.h"
#include "fcgi.h"

static size_t
mkrec(unsigned char *b, unsigned type, unsigned id, const void *p, size_t n,
    unsigned pad)
{

	fcgi_header(b, type, id, n);
	b[6] = (unsigned char)pad;
	memcpy(b + 8, p, n);
	memset(b + 8 + n, 0, pad);
	return 8 + n + pad;
}

START_TEST(records_split_anywhere)
{
	unsigned char	 b[512];
	struct fcgi_rec	 r;
	size_t		 len = 0, used, cut;

	len += mkrec(b + len, FCGI_BEGIN_REQUEST, 1,
	    "\0\1\1\0\0\0\0\0", 8, 0);
	len += mkrec(b + len, FCGI_PARAMS, 1, "\4\3HOSTabc", 10, 6);
	len += mkrec(b + len, FCGI_PARAMS, 1, "", 0, 0);
	for (cut = 0; cut < 8 + 8; cut++) {
		/* a prefix short of the first record never yields it */
		ck_assert_int_eq(fcgi_next(b, cut < 16 ? cut : 0, &r, &used),
		    FCGI_MORE);
	}
	ck_assert_int_eq(fcgi_next(b, len, &r, &used), FCGI_REC);
	ck_assert_uint_eq(r.type, FCGI_BEGIN_REQUEST);
	ck_assert_uint_eq(used, 16);
	ck_assert_int_eq(fcgi_next(b + 16, 24 - 1, &r, &used),
	    FCGI_MORE);	/* padding still missing */
	ck_assert_int_eq(fcgi_next(b + 16, len - 16, &r, &used), FCGI_REC);
	ck_assert_uint_eq(r.len, 10);
	ck_assert_uint_eq(used, 24);
	ck_assert_int_eq(fcgi_next(b + 40, len - 40, &r, &used), FCGI_REC);
	ck_assert_uint_eq(r.len, 0);
}
END_TEST

START_TEST(bad_version)
{
	unsigned char	 b[16] = { 2, FCGI_BEGIN_REQUEST, 0, 1, 0, 8 };
	struct fcgi_rec	 r;
	size_t		 used;

	ck_assert_int_eq(fcgi_next(b, sizeof(b), &r, &used), FCGI_BAD);
	b[0] = 0;
	ck_assert_int_eq(fcgi_next(b, sizeof(b), &r, &used), FCGI_BAD);
}
END_TEST

START_TEST(pairs_short_and_long)
{
	/* name 4 bytes (1-byte length), value 200 bytes (4-byte length) */
	unsigned char	 p[300], *q = p;
	const unsigned char *k, *v;
	size_t		 kn, vn, off = 0;

	*q++ = 4;
	*q++ = 0x80; *q++ = 0; *q++ = 0; *q++ = 200;
	memcpy(q, "NAME", 4);
	q += 4;
	memset(q, 'v', 200);
	q += 200;
	ck_assert_int_eq(fcgi_pair(p, (size_t)(q - p), &off, &k, &kn, &v, &vn),
	    1);
	ck_assert_uint_eq(kn, 4);
	ck_assert_uint_eq(vn, 200);
	ck_assert(memcmp(k, "NAME", 4) == 0);
	ck_assert_int_eq(fcgi_pair(p, (size_t)(q - p), &off, &k, &kn, &v, &vn),
	    0);
}
END_TEST

START_TEST(pairs_hostile_lengths)
{
	/* the record that aborts Debian's libfcgi: lengths near 2^31 */
	unsigned char	 p[] = { 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff,
	    0xfe, 'a', 'b' };
	unsigned char	 q[] = { 3, 0x80, 0, 0, 9, 'a', 'b', 'c', 'x' };
	unsigned char	 t[] = { 0x80, 0, 0 };
	const unsigned char *k, *v;
	size_t		 kn, vn, off = 0;

	ck_assert_int_eq(fcgi_pair(p, sizeof(p), &off, &k, &kn, &v, &vn), -1);
	off = 0;
	ck_assert_int_eq(fcgi_pair(q, sizeof(q), &off, &k, &kn, &v, &vn), -1);
	off = 0;
	ck_assert_int_eq(fcgi_pair(t, sizeof(t), &off, &k, &kn, &v, &vn), -1);
	off = 0;
	ck_assert_int_eq(fcgi_pair(q, 1, &off, &k, &kn, &v, &vn), -1);
}
END_TEST

START_TEST(values_result)
{
	unsigned char	 ask[64], out[256], *q = ask;
	const unsigned char *k, *v;
	size_t		 n, kn, vn, off = 0;

	*q++ = 15; *q++ = 0; memcpy(q, "FCGI_MPXS_CONNS", 15); q += 15;
	*q++ = 14; *q++ = 0; memcpy(q, "FCGI_MAX_CONNS", 14); q += 14;
	n = fcgi_values_result(ask, (size_t)(q - ask), out, sizeof(out), 256);
	ck_assert_uint_eq(out[1], FCGI_GET_VALUES_RESULT);
	ck_assert_uint_eq(n, 8 + (2 + 15 + 1) + (2 + 14 + 3));
	ck_assert_int_eq(fcgi_pair(out + 8, n - 8, &off, &k, &kn, &v, &vn), 1);
	ck_assert(vn == 1 && v[0] == '0');
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("fcgi");
	TCase	*tc = tcase_create("records");

	tcase_add_test(tc, records_split_anywhere);
	tcase_add_test(tc, bad_version);
	tcase_add_test(tc, pairs_short_and_long);
	tcase_add_test(tc, pairs_hostile_lengths);
	tcase_add_test(tc, values_result);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
