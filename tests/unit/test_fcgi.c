/*
 * test_fcgi.c: the FastCGI protocol layer on hostile bytes, without a
 * socket: records split at every byte, lengths near 2 GiB that must
 * not be allocated, truncation, bad versions, records out of order,
 * the limits (431, 413), refusals (CANT_MPX_CONN, UNKNOWN_ROLE),
 * management records, and STDOUT framing without copies.
 */
#include <check.h>
#include <fastcgi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "runner.h"
#include "fcgi.h"

/* ------------------------------------------------------------------ */
/* Building input                                                       */

struct bytes {
	unsigned char	 b[1 << 20];
	size_t		 len;
};

static void
put_rec(struct bytes *o, unsigned type, unsigned id, const void *p, size_t n,
    unsigned pad)
{

	ck_assert(n <= FCGI_MAXDATA && o->len + 8 + n + pad <= sizeof(o->b));
	fcgi_header(o->b + o->len, type, id, n);
	o->b[o->len + 6] = (unsigned char)pad;
	if (n > 0)
		memcpy(o->b + o->len + 8, p, n);
	memset(o->b + o->len + 8 + n, 0xEE, pad);
	o->len += 8 + n + pad;
}

static void
put_begin(struct bytes *o, unsigned id, unsigned role, int keep)
{
	unsigned char	 c[8] = { 0 };

	c[0] = (unsigned char)(role >> 8);
	c[1] = (unsigned char)role;
	c[2] = keep ? FCGI_KEEP_CONN : 0;
	put_rec(o, FCGI_BEGIN_REQUEST, id, c, 8, 0);
}

/* One name-value pair, lengths in 1 or 4 bytes as they need. */
static size_t
pair(unsigned char *o, const char *k, const char *v)
{
	size_t		 kn = strlen(k), vn = strlen(v), n = 0, i, l[2];

	l[0] = kn;
	l[1] = vn;
	for (i = 0; i < 2; i++) {
		if (l[i] < 128)
			o[n++] = (unsigned char)l[i];
		else {
			o[n++] = (unsigned char)(0x80 | l[i] >> 24);
			o[n++] = (unsigned char)(l[i] >> 16);
			o[n++] = (unsigned char)(l[i] >> 8);
			o[n++] = (unsigned char)l[i];
		}
	}
	memcpy(o + n, k, kn);
	memcpy(o + n + kn, v, vn);
	return n + kn + vn;
}

/* A whole request: params in records of at most per bytes. */
static void
put_request(struct bytes *o, unsigned id, int keep, const char *const *env,
    size_t per, const char *body)
{
	unsigned char	 p[8192];
	size_t		 n = 0, off, chunk;

	put_begin(o, id, FCGI_RESPONDER, keep);
	for (; env != NULL && env[0] != NULL; env += 2)
		n += pair(p + n, env[0], env[1]);
	for (off = 0; off < n; off += chunk) {
		chunk = n - off < per ? n - off : per;
		put_rec(o, FCGI_PARAMS, id, p + off, chunk, (unsigned)off % 7);
	}
	put_rec(o, FCGI_PARAMS, id, NULL, 0, 0);
	if (body != NULL && *body != '\0')
		put_rec(o, FCGI_STDIN, id, body, strlen(body), 3);
	put_rec(o, FCGI_STDIN, id, NULL, 0, 0);
}

/* ------------------------------------------------------------------ */
/* Driving the parser as the loop does                                  */

struct run {
	struct fcgi_parser	 p;
	unsigned char		*pend;		/* as an rbuf */
	size_t			 plen;
	struct rv_buf		 out;		/* replies */
	char			 ev[256];	/* the events, as text */
	char			 env[4096];	/* their params */
	char			 body[4096];
};

static void
run_init(struct run *r, size_t max_params, size_t max_body)
{

	memset(r, 0, sizeof(*r));
	fcgi_init(&r->p, max_params, max_body, 7);
	ck_assert_ptr_nonnull(r->pend = malloc(sizeof(((struct bytes *)0)->b)));
}

static void
run_free(struct run *r)
{

	fcgi_free(&r->p);
	buf_free(&r->out);
	free(r->pend);
}

/* Note a finished request's params and body; its response is "sent". */
static void
took_request(struct run *r)
{
	const unsigned char	*k, *v;
	size_t			 kn, vn, off = 0, n = strlen(r->env);

	while (fcgi_param_next(&r->p, &off, &k, &kn, &v, &vn) == 1)
		n += (size_t)snprintf(r->env + n, sizeof(r->env) - n,
		    "%.*s=%.*s;", (int)kn, k, (int)vn, v);
	n = strlen(r->body);
	snprintf(r->body + n, sizeof(r->body) - n, "%.*s|",
	    (int)r->p.body.len, r->p.body.p != NULL ? r->p.body.p : "");
	fcgi_request_done(&r->p);
}

static void
feed(struct run *r, const unsigned char *b, size_t n)
{
	static const char	 code[] = "-BPSAEXD";
	enum fcgi_ev		 ev;
	size_t			 used, l;

	memcpy(r->pend + r->plen, b, n);
	r->plen += n;
	for (;;) {
		ev = fcgi_feed(&r->p, r->pend, r->plen, &used, &r->out);
		ck_assert_uint_le(used, r->plen);
		if (ev == FCGI_EV_DATA) {	/* valid until the move */
			l = strlen(r->body);
			snprintf(r->body + l, sizeof(r->body) - l, "%.*s/",
			    (int)r->p.datalen, r->p.data);
		}
		memmove(r->pend, r->pend + used, r->plen - used);
		r->plen -= used;
		if (ev == FCGI_EV_NONE)
			break;
		l = strlen(r->ev);
		ck_assert_uint_lt(l + 5, sizeof(r->ev));
		r->ev[l] = code[ev];
		if (ev == FCGI_EV_PARAMS || ev == FCGI_EV_STDIN)
			snprintf(r->ev + l + 1, sizeof(r->ev) - l - 1, "%d",
			    r->p.reject);
		if (ev == FCGI_EV_STDIN && r->p.reject == 0)
			took_request(r);
		if (ev == FCGI_EV_BAD)
			break;
	}
}

static const char *const env1[] = {
	"REQUEST_METHOD", "POST", "PATH_INFO", "/a/b", "QUERY_STRING", "x=1",
	"CONTENT_LENGTH", "11", "HTTP_X_LONG",
	"0123456789012345678901234567890123456789012345678901234567890123"
	"456789012345678901234567890123456789012345678901234567890123456789",
	NULL
};

/* ------------------------------------------------------------------ */

START_TEST(good_requests)
{
	static struct bytes	 in;
	struct run		 r;

	in.len = 0;
	run_init(&r, 64 * 1024, 1024);
	put_request(&in, 1, 1, env1, 13, "hello world");
	put_request(&in, 2, 1, (const char *const[]){ "REQUEST_METHOD", "GET",
	    NULL }, 100, NULL);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "BP0S0BP0S0");
	ck_assert_str_eq(r.env, "REQUEST_METHOD=POST;PATH_INFO=/a/b;"
	    "QUERY_STRING=x=1;CONTENT_LENGTH=11;HTTP_X_LONG="
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4567890123456789012345678901234567890123456789012345678901234567"
	    "89;REQUEST_METHOD=GET;");
	ck_assert_str_eq(r.body, "hello world||");
	ck_assert_uint_eq(r.out.len, 0);
	ck_assert_uint_eq(r.plen, 0);
	ck_assert_int_eq(r.p.state, FP_IDLE);
	ck_assert_uint_eq(r.p.reqid, 2);
	ck_assert_int_eq(r.p.keep, 1);
	run_free(&r);
}
END_TEST

/* Whatever the cuts, the same events, requests and replies. */
START_TEST(split_at_every_byte)
{
	static struct bytes	 in;
	static const unsigned char ask[] = "\16\0FCGI_MAX_CONNS";
	struct run		 whole, part;
	size_t			 cut, i;

	in.len = 0;
	put_rec(&in, FCGI_GET_VALUES, 0, ask, sizeof(ask) - 1, 5);
	put_request(&in, 1, 1, env1, 5, "hello world");
	put_begin(&in, 9, FCGI_RESPONDER, 0);	/* the next one */
	put_rec(&in, FCGI_PARAMS, 9, "\1\1ab", 4, 255);
	put_rec(&in, FCGI_PARAMS, 9, NULL, 0, 0);
	put_rec(&in, FCGI_STDIN, 9, NULL, 0, 0);
	run_init(&whole, 64 * 1024, 1024);
	feed(&whole, in.b, in.len);
	ck_assert_str_eq(whole.ev, "BP0S0BP0S0");
	ck_assert_uint_gt(whole.out.len, 8);
	for (cut = 1; cut < in.len; cut++) {
		run_init(&part, 64 * 1024, 1024);
		feed(&part, in.b, cut);
		feed(&part, in.b + cut, in.len - cut);
		ck_assert_str_eq(part.ev, whole.ev);
		ck_assert_str_eq(part.env, whole.env);
		ck_assert_str_eq(part.body, whole.body);
		ck_assert_uint_eq(part.out.len, whole.out.len);
		ck_assert(memcmp(part.out.p, whole.out.p, whole.out.len) == 0);
		run_free(&part);
	}
	run_init(&part, 64 * 1024, 1024);
	for (i = 0; i < in.len; i++)
		feed(&part, in.b + i, 1);
	ck_assert_str_eq(part.ev, whole.ev);
	ck_assert_str_eq(part.env, whole.env);
	ck_assert_str_eq(part.body, whole.body);
	run_free(&part);
	run_free(&whole);
}
END_TEST

START_TEST(huge_declared_lengths)
{
	static struct bytes	 in;
	unsigned char		 p[16] = { 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 'a', 'b' };
	unsigned char		 big[FCGI_MAXDATA];
	struct run		 r;
	int			 i;

	/* 0x7FFFFFFF for name and value, then two bytes */
	in.len = 0;
	put_begin(&in, 1, FCGI_RESPONDER, 0);
	put_rec(&in, FCGI_PARAMS, 1, p, 10, 0);
	put_rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	put_rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	run_init(&r, 64 * 1024, 1024);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "BP400E");
	ck_assert_uint_lt(r.p.params.cap, 4096);
	ck_assert_int_eq(r.p.state, FP_DONE);
	run_free(&r);

	/* The same declared, then sent on and on: kept to max_params. */
	in.len = 0;
	put_begin(&in, 1, FCGI_RESPONDER, 1);
	put_rec(&in, FCGI_PARAMS, 1, p, 8, 0);
	memset(big, 'x', sizeof(big));
	for (i = 0; i < 8; i++)
		put_rec(&in, FCGI_PARAMS, 1, big, sizeof(big), 0);
	put_rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	put_rec(&in, FCGI_STDIN, 1, "body", 4, 0);
	put_rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	run_init(&r, 4096, 1024);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "BP431E");
	ck_assert_uint_le(r.p.params.cap, 4096);
	ck_assert_int_eq(r.p.state, FP_IDLE);	/* kept: for the next */
	run_free(&r);
}
END_TEST

START_TEST(truncated_records)
{
	static struct bytes	 in;
	struct run		 r;
	struct rv_buf		 out = { 0 };
	size_t			 used;
	unsigned char		 shortbegin[] = { 1, FCGI_BEGIN_REQUEST, 0,
	    1, 0, 4, 0, 0, 0, 1, 0, 0 };

	/* A header, and part of its content: nothing yet, nothing taken. */
	in.len = 0;
	put_begin(&in, 1, FCGI_RESPONDER, 0);
	run_init(&r, 1024, 1024);
	for (size_t n = 0; n < in.len; n++) {
		ck_assert_int_eq(fcgi_feed(&r.p, in.b, n, &used, &out),
		    FCGI_EV_NONE);
		ck_assert_uint_eq(used, 0);
	}
	ck_assert_int_eq(fcgi_feed(&r.p, in.b, in.len, &used, &out),
	    FCGI_EV_BEGIN);
	ck_assert_uint_eq(used, in.len);
	/* Padding counts: a record is whole with its padding only. */
	in.len = 0;
	put_rec(&in, FCGI_PARAMS, 1, "\1\1ab", 4, 200);
	ck_assert_int_eq(fcgi_feed(&r.p, in.b, in.len - 1, &used, &out),
	    FCGI_EV_NONE);
	ck_assert_uint_eq(used, 0);
	/* A pair cut short inside the params: refused, 400. */
	in.len = 0;
	put_rec(&in, FCGI_PARAMS, 1, "\12\1abc", 5, 0);
	put_rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "P400");
	run_free(&r);
	/* A BEGIN_REQUEST without its 8 bytes of body: not FastCGI. */
	run_init(&r, 1024, 1024);
	feed(&r, shortbegin, sizeof(shortbegin));
	ck_assert_str_eq(r.ev, "X");
	run_free(&r);
	buf_free(&out);
}
END_TEST

START_TEST(wrong_version)
{
	static struct bytes	 in;
	struct rv_buf		 out = { 0 };
	struct fcgi_parser	 p;
	struct fcgi_rec		 rec;
	unsigned char		 b[16] = { 2, FCGI_BEGIN_REQUEST, 0, 1, 0,
	    8 };
	size_t			 used = 99;

	ck_assert_int_eq(fcgi_next(b, sizeof(b), &rec, &used), FCGI_BAD);
	b[0] = 0;
	ck_assert_int_eq(fcgi_next(b, 1, &rec, &used), FCGI_BAD);
	fcgi_init(&p, 1024, 1024, 1);
	ck_assert_int_eq(fcgi_feed(&p, b, 1, &used, &out), FCGI_EV_BAD);
	ck_assert_uint_eq(used, 0);
	/* After a good record: the bad one is where it stops. */
	in.len = 0;
	put_begin(&in, 1, FCGI_RESPONDER, 0);
	memcpy(in.b + in.len, "GET / HTTP/1.1\r\n", 16);
	in.len += 16;
	ck_assert_int_eq(fcgi_feed(&p, in.b, in.len, &used, &out),
	    FCGI_EV_BEGIN);
	ck_assert_int_eq(fcgi_feed(&p, in.b + used, in.len - used, &used,
	    &out), FCGI_EV_BAD);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(out.len, 0);
	fcgi_free(&p);
}
END_TEST

START_TEST(params_before_begin)
{
	static struct bytes	 in;
	struct run		 r;

	in.len = 0;
	put_rec(&in, FCGI_PARAMS, 1, "\1\1ab", 4, 0);
	put_rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	put_rec(&in, FCGI_STDIN, 1, "x", 1, 0);
	put_rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	put_rec(&in, FCGI_ABORT_REQUEST, 1, NULL, 0, 0);
	run_init(&r, 1024, 1024);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "");
	ck_assert_uint_eq(r.out.len, 0);
	ck_assert_uint_eq(r.plen, 0);
	ck_assert_int_eq(r.p.state, FP_IDLE);
	ck_assert_uint_eq(r.p.params.len, 0);
	/* and a real request after them is fine */
	in.len = 0;
	put_request(&in, 1, 0, env1, 100, NULL);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "BP0S0");
	/* STDIN before the params end is dropped too */
	run_free(&r);
	run_init(&r, 1024, 1024);
	in.len = 0;
	put_begin(&in, 1, FCGI_RESPONDER, 0);
	put_rec(&in, FCGI_STDIN, 1, "early", 5, 0);
	put_rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	put_rec(&in, FCGI_STDIN, 1, "late", 4, 0);
	put_rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "BP0S0");
	ck_assert_str_eq(r.body, "late|");
	run_free(&r);
}
END_TEST

static void
assert_end_request(const struct rv_buf *out, size_t at, unsigned id,
    unsigned pstatus)
{
	const unsigned char	*b = (const unsigned char *)out->p + at;

	ck_assert_uint_ge(out->len, at + 16);
	ck_assert_uint_eq(b[0], FCGI_VERSION_1);
	ck_assert_uint_eq(b[1], FCGI_END_REQUEST);
	ck_assert_uint_eq((unsigned)b[2] << 8 | b[3], id);
	ck_assert_uint_eq((unsigned)b[4] << 8 | b[5], 8);
	ck_assert_uint_eq(b[8 + 4], pstatus);
}

START_TEST(second_begin_refused)
{
	static struct bytes	 in;
	struct run		 r;

	in.len = 0;
	put_begin(&in, 1, FCGI_RESPONDER, 1);
	put_begin(&in, 2, FCGI_RESPONDER, 1);	/* while in PARAMS */
	put_begin(&in, 1, FCGI_RESPONDER, 1);	/* same id: ignored */
	put_rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	put_rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	run_init(&r, 1024, 1024);
	r.p.max_conns = 3;
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "BP0S0");
	ck_assert_uint_eq(r.out.len, 16);
	assert_end_request(&r.out, 0, 2, FCGI_CANT_MPX_CONN);
	run_free(&r);

	/* While the response is being made (FP_RUNNING) too. */
	run_init(&r, 1024, 1024);
	in.len = 0;
	put_request(&in, 1, 0, NULL, 10, NULL);
	ck_assert_int_eq(fcgi_feed(&r.p, in.b, in.len - 8, &(size_t){ 0 },
	    &r.out), FCGI_EV_BEGIN);
	feed(&r, in.b + 16, in.len - 16 - 8);
	ck_assert_str_eq(r.ev, "P0");
	ck_assert_int_eq(fcgi_feed(&r.p, in.b + in.len - 8, 8, &(size_t){ 0 },
	    &r.out), FCGI_EV_STDIN);
	ck_assert_int_eq(r.p.state, FP_RUNNING);
	in.len = 0;
	put_begin(&in, 7, FCGI_RESPONDER, 0);
	feed(&r, in.b, in.len);
	assert_end_request(&r.out, 0, 7, FCGI_CANT_MPX_CONN);
	ck_assert_int_eq(r.p.state, FP_RUNNING);
	ck_assert_uint_eq(r.p.reqid, 1);
	run_free(&r);
}
END_TEST

START_TEST(unknown_role)
{
	static struct bytes	 in;
	struct run		 r;

	in.len = 0;
	put_begin(&in, 3, FCGI_AUTHORIZER, 0);
	put_rec(&in, FCGI_PARAMS, 3, "\1\1ab", 4, 0);
	put_rec(&in, FCGI_PARAMS, 3, NULL, 0, 0);
	put_begin(&in, 4, 99, 0);
	put_request(&in, 5, 0, env1, 64, NULL);
	run_init(&r, 1024, 1024);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "BP0S0");
	ck_assert_uint_eq(r.p.reqid, 5);
	ck_assert_uint_eq(r.out.len, 32);
	assert_end_request(&r.out, 0, 3, FCGI_UNKNOWN_ROLE);
	assert_end_request(&r.out, 16, 4, FCGI_UNKNOWN_ROLE);
	run_free(&r);
}
END_TEST

START_TEST(management_records)
{
	static struct bytes	 in;
	unsigned char		 ask[128];
	const unsigned char	*k, *v, *o;
	size_t			 n = 0, kn, vn, off = 0;
	struct run		 r;
	char			 got[256] = "";

	n += pair(ask + n, "FCGI_MAX_CONNS", "");
	n += pair(ask + n, "FCGI_MAX_REQS", "");
	n += pair(ask + n, "FCGI_MPXS_CONNS", "");
	n += pair(ask + n, "SOMETHING_ELSE", "");
	in.len = 0;
	put_rec(&in, FCGI_GET_VALUES, 0, ask, n, 0);
	put_rec(&in, 42, 0, NULL, 0, 0);		/* unknown type */
	put_rec(&in, 200, 1, "zz", 2, 0);	/* unknown, with an id */
	put_rec(&in, FCGI_BEGIN_REQUEST, 0, "\0\1\0\0\0\0\0\0", 8, 0);
	run_init(&r, 1024, 1024);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "");
	o = (const unsigned char *)r.out.p;
	ck_assert_uint_eq(o[1], FCGI_GET_VALUES_RESULT);
	ck_assert_uint_eq((unsigned)o[2] << 8 | o[3], 0);
	n = (size_t)o[4] << 8 | o[5];
	while (fcgi_pair(o + 8, n, &off, &k, &kn, &v, &vn) == 1)
		snprintf(got + strlen(got), sizeof(got) - strlen(got),
		    "%.*s=%.*s;", (int)kn, k, (int)vn, v);
	ck_assert_str_eq(got, "FCGI_MAX_CONNS=7;FCGI_MAX_REQS=7;"
	    "FCGI_MPXS_CONNS=0;");
	o += 8 + n;
	ck_assert_uint_eq(r.out.len, 8 + n + 3 * 16);
	ck_assert_uint_eq(o[1], FCGI_UNKNOWN_TYPE);
	ck_assert_uint_eq(o[8], 42);
	ck_assert_uint_eq(o[16 + 1], FCGI_UNKNOWN_TYPE);
	ck_assert_uint_eq(o[16 + 8], 200);
	ck_assert_uint_eq(o[32 + 8], FCGI_BEGIN_REQUEST);
	ck_assert_int_eq(r.p.state, FP_IDLE);
	run_free(&r);
}
END_TEST

START_TEST(params_over_limit)
{
	static struct bytes	 in;
	static char		 v[3000];
	struct run		 r;

	memset(v, 'v', sizeof(v) - 1);
	in.len = 0;
	put_request(&in, 1, 1, (const char *const[]){ "HTTP_X_BIG", v, NULL },
	    500, "some body");
	put_request(&in, 2, 1, env1, 64, NULL);
	run_init(&r, 2048, 1024);
	feed(&r, in.b, in.len);
	/* refused at the end of the params, body dropped, next one fine */
	ck_assert_str_eq(r.ev, "BP431EBP0S0");
	ck_assert_uint_le(r.p.params.cap, 2048);
	ck_assert_str_eq(r.body, "|");
	run_free(&r);
	/* Exactly max_params is fine. */
	in.len = 0;
	v[2048 - 1 - 4 - 10] = '\0';	/* 1 + 4 length bytes, 10 name */
	put_request(&in, 1, 0, (const char *const[]){ "HTTP_X_BIG", v, NULL },
	    500, NULL);
	run_init(&r, 2048, 1024);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "BP0S0");
	ck_assert_uint_eq(r.p.state, FP_DONE);
	run_free(&r);
}
END_TEST

static const char *
cl_verdict(const char *cl, size_t max_body)
{
	static struct bytes	 in;
	static struct run	 r;
	static char		 ev[sizeof(r.ev)];

	in.len = 0;
	put_request(&in, 1, 0, (const char *const[]){ "CONTENT_LENGTH", cl,
	    "CONTENT_LENGTH", "5", NULL }, 100, NULL);
	run_init(&r, 1024, max_body);
	feed(&r, in.b, in.len);
	snprintf(ev, sizeof(ev), "%s", r.ev);
	run_free(&r);
	return ev;
}

START_TEST(content_length)
{

	ck_assert_str_eq(cl_verdict("", 100), "BP0S0");	/* nginx GET */
	ck_assert_str_eq(cl_verdict("0", 100), "BP0S0");
	ck_assert_str_eq(cl_verdict("100", 100), "BP0S0");
	ck_assert_str_eq(cl_verdict("101", 100), "BP413E");
	ck_assert_str_eq(cl_verdict("67108864", 1048576), "BP413E");
	ck_assert_str_eq(cl_verdict("99999999999999999999", 100), "BP400E");
	ck_assert_str_eq(cl_verdict("12x", 100), "BP400E");
	ck_assert_str_eq(cl_verdict("-1", 100), "BP400E");
	ck_assert_str_eq(cl_verdict("+1", 100), "BP400E");
	ck_assert_str_eq(cl_verdict(" 1", 100), "BP400E");
	ck_assert_str_eq(cl_verdict("1", 0), "BP413E");
}
END_TEST

START_TEST(body_over_limit)
{
	static struct bytes	 in;
	struct run		 r;

	in.len = 0;
	put_begin(&in, 1, FCGI_RESPONDER, 1);
	put_rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	put_rec(&in, FCGI_STDIN, 1, "123456", 6, 0);
	put_rec(&in, FCGI_STDIN, 1, "12345", 5, 0);	/* 11 > 10 */
	put_rec(&in, FCGI_STDIN, 1, "more", 4, 0);
	put_rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	put_request(&in, 2, 1, NULL, 10, "0123456789");	/* exactly 10 */
	run_init(&r, 1024, 10);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "BP0S413EBP0S0");
	ck_assert_str_eq(r.body, "0123456789|");
	ck_assert_uint_le(r.p.body.cap, 10);
	run_free(&r);
	/* max_body 0: no body at all */
	in.len = 0;
	put_request(&in, 1, 0, NULL, 10, "x");
	run_init(&r, 1024, 0);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "BP0S413E");
	run_free(&r);
}
END_TEST

/* A streamed body: params end in FP_STREAM, pieces come one by one. */
static const char *
stream_verdict(const char *cl, const char *te, const char *const *pieces,
    size_t max_stream, char *body, size_t bodylen)
{
	static struct bytes	 in;
	static struct run	 r;
	static char		 ev[sizeof(r.ev)];
	const char		*env[6] = { NULL };
	int			 i = 0;

	if (cl != NULL) {
		env[i++] = "CONTENT_LENGTH";
		env[i++] = cl;
	}
	if (te != NULL) {
		env[i++] = "HTTP_TRANSFER_ENCODING";
		env[i++] = te;
	}
	in.len = 0;
	put_request(&in, 1, 1, env, 100, NULL);
	in.len -= FCGI_HDR;	/* the empty STDIN comes after the pieces */
	for (; *pieces != NULL; pieces++)
		put_rec(&in, FCGI_STDIN, 1, *pieces, strlen(*pieces), 1);
	put_rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	run_init(&r, 1024, 10);
	fcgi_set_stream(&r.p, max_stream);
	feed(&r, in.b, in.len);
	snprintf(ev, sizeof(ev), "%s", r.ev);
	ck_assert_uint_lt(strlen(r.body), bodylen);
	memcpy(body, r.body, strlen(r.body) + 1);
	ck_assert_uint_eq(r.p.body.len, 0);	/* nothing was buffered */
	run_free(&r);
	return ev;
}

START_TEST(streamed_bodies)
{
	static const char *const p20[] = { "0123456789", "abcdefghij", NULL };
	static const char *const p25[] = { "0123456789", "abcdefghij",
	    "12345", NULL };
	static const char *const p15[] = { "0123456789", "abcde", NULL };
	static const char *const none[] = { NULL };
	char	 body[256];

	/* Over max_body, under max_stream: streamed, piece by piece. */
	ck_assert_str_eq(stream_verdict("20", NULL, p20, 100, body,
	    sizeof(body)), "BP0DDS0");
	ck_assert_str_eq(body, "0123456789/abcdefghij/|");
	/* Over both: 413 before any handler. */
	ck_assert_str_eq(stream_verdict("101", NULL, p20, 100, body,
	    sizeof(body)), "BP413E");
	/* No streaming: as before. */
	ck_assert_str_eq(stream_verdict("20", NULL, p20, 0, body,
	    sizeof(body)), "BP413E");
	/* Longer than declared: 400, the rest dropped. */
	ck_assert_str_eq(stream_verdict("20", NULL, p25, 100, body,
	    sizeof(body)), "BP0DDS400E");
	/* Shorter than declared: the end says 400. */
	ck_assert_str_eq(stream_verdict("20", NULL, p15, 100, body,
	    sizeof(body)), "BP0DDS400");
	/* Chunked, no length (Apache), or an empty one (nginx). */
	ck_assert_str_eq(stream_verdict(NULL, "chunked", p25, 100, body,
	    sizeof(body)), "BP0DDDS0");
	ck_assert_str_eq(body, "0123456789/abcdefghij/12345/|");
	ck_assert_str_eq(stream_verdict("", "chunked", p20, 100, body,
	    sizeof(body)), "BP0DDS0");
	/* Chunked growing over max_stream: 413 at the piece that does. */
	ck_assert_str_eq(stream_verdict(NULL, "chunked", p25, 22, body,
	    sizeof(body)), "BP0DDS413E");
	ck_assert_str_eq(body, "0123456789/abcdefghij/");
	/* No length and no Transfer-Encoding: a GET, buffered. */
	ck_assert_str_eq(stream_verdict(NULL, NULL, none, 100, body,
	    sizeof(body)), "BP0S0");
	/* A small known length stays buffered. */
	ck_assert_str_eq(stream_verdict("5", NULL, none, 100, body,
	    sizeof(body)), "BP0S0");
}
END_TEST

START_TEST(abort_request)
{
	static struct bytes	 in;
	struct run		 r;

	/* During the params: answered here, the request is over. */
	in.len = 0;
	put_begin(&in, 1, FCGI_RESPONDER, 1);
	put_rec(&in, FCGI_PARAMS, 1, "\1\1ab", 4, 0);
	put_rec(&in, FCGI_ABORT_REQUEST, 2, NULL, 0, 0);	/* not ours */
	put_rec(&in, FCGI_ABORT_REQUEST, 1, NULL, 0, 0);
	put_rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);	/* late: dropped */
	run_init(&r, 1024, 1024);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "BA");
	ck_assert_uint_eq(r.out.len, 16);
	assert_end_request(&r.out, 0, 1, FCGI_REQUEST_COMPLETE);
	ck_assert_int_eq(r.p.state, FP_IDLE);
	run_free(&r);
	/* While running: only reported (the handler's thread acts). */
	in.len = 0;
	put_begin(&in, 1, FCGI_RESPONDER, 0);
	put_rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	put_rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	run_init(&r, 1024, 1024);
	ck_assert_int_eq(fcgi_feed(&r.p, in.b, in.len, &(size_t){ 0 },
	    &r.out), FCGI_EV_BEGIN);
	ck_assert_int_eq(fcgi_feed(&r.p, in.b + 16, in.len - 16,
	    &(size_t){ 0 }, &r.out), FCGI_EV_PARAMS);
	ck_assert_int_eq(fcgi_feed(&r.p, in.b + 24, in.len - 24,
	    &(size_t){ 0 }, &r.out), FCGI_EV_STDIN);
	in.len = 0;
	put_rec(&in, FCGI_ABORT_REQUEST, 1, NULL, 0, 0);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "A");
	ck_assert_uint_eq(r.out.len, 0);
	ck_assert_int_eq(r.p.state, FP_RUNNING);
	run_free(&r);
}
END_TEST

/* A peer that asks and never reads: the parser pauses, it never grows. */
START_TEST(reply_flood_pauses)
{
	static struct bytes	 in;
	struct run		 r;
	size_t			 used, total = 0;
	int			 i, rounds = 0;

	in.len = 0;
	for (i = 0; i < 20000; i++)
		put_rec(&in, 77, 0, NULL, 0, 0);
	run_init(&r, 1024, 1024);
	while (total < in.len) {
		ck_assert_int_eq(fcgi_feed(&r.p, in.b + total, in.len - total,
		    &used, &r.out), FCGI_EV_NONE);
		ck_assert_uint_gt(used, 0);
		ck_assert_uint_lt(r.out.len, FCGI_REPLY_MAX + 64);
		total += used;
		r.out.len = 0;	/* "sent" */
		rounds++;
	}
	ck_assert_int_gt(rounds, 1);
	ck_assert_uint_eq(total, in.len);
	run_free(&r);
}
END_TEST

/* A connection not kept reads nothing after its request. */
START_TEST(done_reads_nothing)
{
	static struct bytes	 in;
	struct run		 r;

	in.len = 0;
	put_request(&in, 1, 0, NULL, 10, NULL);
	put_request(&in, 2, 0, NULL, 10, NULL);
	in.b[in.len++] = 0x55;			/* even garbage */
	run_init(&r, 1024, 1024);
	feed(&r, in.b, in.len);
	ck_assert_str_eq(r.ev, "BP0S0");
	ck_assert_int_eq(r.p.state, FP_DONE);
	ck_assert_uint_eq(r.out.len, 0);
	ck_assert_uint_eq(r.plen, 0);
	run_free(&r);
}
END_TEST

START_TEST(stdout_framing)
{
	static char		 a[200000];
	char			 b[10];
	struct iovec		 in[3] = { { a, sizeof(a) }, { b, 0 },
	    { b, sizeof(b) } };
	unsigned char		 hdr[2][FCGI_HDR];
	struct iovec		 out[4];
	size_t			 off = 0, lens[8], nlens = 0, total = 0;
	const char		*expect = a;
	int			 iv = 0, n, j;

	while ((n = fcgi_frame_stdout(0x1234, in, 3, &iv, &off, hdr, 2,
	    out)) > 0) {
		ck_assert_int_eq(n % 2, 0);
		for (j = 0; j < n; j += 2) {
			const unsigned char *h = out[j].iov_base;

			ck_assert_uint_eq(out[j].iov_len, FCGI_HDR);
			ck_assert_uint_eq(h[0], FCGI_VERSION_1);
			ck_assert_uint_eq(h[1], FCGI_STDOUT);
			ck_assert_uint_eq((unsigned)h[2] << 8 | h[3], 0x1234);
			ck_assert_uint_eq((size_t)h[4] << 8 | h[5],
			    out[j + 1].iov_len);
			ck_assert_uint_gt(out[j + 1].iov_len, 0);
			/* the payload is the caller's memory, not a copy */
			if (expect == a + sizeof(a))
				expect = b;
			ck_assert_ptr_eq(out[j + 1].iov_base, expect);
			expect += out[j + 1].iov_len;
			lens[nlens++] = out[j + 1].iov_len;
			total += out[j + 1].iov_len;
		}
	}
	ck_assert_uint_eq(nlens, 5);
	ck_assert_uint_eq(lens[0], 65535);
	ck_assert_uint_eq(lens[1], 65535);
	ck_assert_uint_eq(lens[2], 65535);
	ck_assert_uint_eq(lens[3], 200000 - 3 * 65535);
	ck_assert_uint_eq(lens[4], 10);
	ck_assert_uint_eq(total, sizeof(a) + sizeof(b));
	/* nothing to frame: nothing, not an empty record */
	iv = 0;
	off = 0;
	ck_assert_int_eq(fcgi_frame_stdout(1, in + 1, 1, &iv, &off, hdr, 2,
	    out), 0);
	ck_assert_int_eq(fcgi_frame_stdout(1, NULL, 0, &iv, &off, hdr, 2,
	    out), 0);
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

int
main(void)
{
	Suite	*s = suite_create("fcgi");
	TCase	*tc = tcase_create("records");
	TCase	*tp = tcase_create("protocol");

	tcase_add_test(tc, wrong_version);
	tcase_add_test(tc, truncated_records);
	tcase_add_test(tc, pairs_short_and_long);
	tcase_add_test(tc, pairs_hostile_lengths);
	tcase_add_test(tc, stdout_framing);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tp, 60);
	tcase_add_test(tp, good_requests);
	tcase_add_test(tp, split_at_every_byte);
	tcase_add_test(tp, huge_declared_lengths);
	tcase_add_test(tp, params_before_begin);
	tcase_add_test(tp, second_begin_refused);
	tcase_add_test(tp, unknown_role);
	tcase_add_test(tp, management_records);
	tcase_add_test(tp, params_over_limit);
	tcase_add_test(tp, content_length);
	tcase_add_test(tp, body_over_limit);
	tcase_add_test(tp, streamed_bodies);
	tcase_add_test(tp, abort_request);
	tcase_add_test(tp, reply_flood_pauses);
	tcase_add_test(tp, done_reads_nothing);
	suite_add_tcase(s, tp);
	return run_suite(s);
}
