/* test_request.c: query decoding, numbers, header names, bad input. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "reqkit.h"
#include "runner.h"

static struct rv_server	*srv;
static struct rv_req	 rq;

static void
with_query(const char *qs)
{
	char		 q[512];
	const char	*env[] = { "REQUEST_METHOD=GET", "PATH_INFO=/x", q,
	    "HTTP_ACCEPT=text/event-stream", "HTTP_LAST_EVENT_ID=42",
	    "CONTENT_TYPE=application/json", "HTTP_ACCEPT=second", NULL };

	snprintf(q, sizeof(q), "QUERY_STRING=%s", qs);
	srv = rv_server_new();
	mkreq(&rq, srv, env);
}

static void
done(void)
{

	req_free(&rq);
	rv_server_free(srv);
}

START_TEST(decoding)
{
	with_query("a=1&b=x+y%20z&a=2&empty=&flag&%C3%A9=%E2%82%AC&&");
	ck_assert_str_eq(rv_query(&rq, "a", NULL), "1");
	ck_assert_str_eq(rv_query(&rq, "b", NULL), "x y z");
	ck_assert_str_eq(rv_query(&rq, "empty", "d"), "");
	ck_assert_str_eq(rv_query(&rq, "flag", "d"), "");
	ck_assert_str_eq(rv_query(&rq, "\xc3\xa9", NULL), "\xe2\x82\xac");
	ck_assert_str_eq(rv_query(&rq, "missing", "def"), "def");
	ck_assert_int_eq(rq.bad_status, 0);
	done();
}
END_TEST

START_TEST(bad_escapes)
{
	static const char *const bad[] = { "a=%zz", "a=%4", "a=%", "a=%00",
	    "a=%ff", "%C0%AF=1" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		with_query(bad[i]);
		ck_assert_ptr_null(rv_query(&rq, "a", NULL));
		ck_assert_msg(rq.bad_status == 400, "%s", bad[i]);
		done();
	}
}
END_TEST

START_TEST(numbers)
{
	with_query("n=42&neg=-7&junk=12x&sp=%2012&big=99999999999999999999"
	    "&empty=&r=500");
	ck_assert_int_eq(rv_query_long(&rq, "n", 0), 42);
	ck_assert_int_eq(rv_query_long(&rq, "neg", 0), -7);
	ck_assert_int_eq(rv_query_long(&rq, "absent", 5), 5);
	ck_assert_int_eq(rq.bad_status, 0);
	ck_assert_int_eq(rv_query_long(&rq, "junk", 5), 5);
	ck_assert_int_eq(rq.bad_status, 400);
	ck_assert_ptr_nonnull(strstr(rq.bad, "'junk'"));
	/* the first problem is the one reported */
	ck_assert_int_eq(rv_query_long(&rq, "big", 6), 6);
	ck_assert_ptr_nonnull(strstr(rq.bad, "'junk'"));
	done();
	with_query("sp=%2012");
	ck_assert_int_eq(rv_query_long(&rq, "sp", 1), 1);
	ck_assert_int_eq(rq.bad_status, 400);
	done();
	with_query("empty=");
	ck_assert_int_eq(rv_query_long(&rq, "empty", 1), 1);
	ck_assert_int_eq(rq.bad_status, 400);
	done();
	with_query("r=500");
	ck_assert_int_eq(rv_query_range(&rq, "r", 1, 1, 100), 1);
	ck_assert_ptr_nonnull(strstr(rq.bad, "between 1 and 100"));
	done();
}
END_TEST

START_TEST(headers)
{
	with_query("");
	ck_assert_str_eq(rv_req_header(&rq, "Accept"), "text/event-stream");
	ck_assert_str_eq(rv_req_header(&rq, "accept"), "text/event-stream");
	ck_assert_str_eq(rv_req_header(&rq, "Last-Event-ID"), "42");
	ck_assert_str_eq(rv_req_header(&rq, "Content-Type"),
	    "application/json");
	ck_assert_ptr_null(rv_req_header(&rq, "X-Missing"));
	ck_assert_str_eq(rv_method(&rq), "GET");
	done();
}
END_TEST

START_TEST(no_method)
{
	const char	*env[] = { "PATH_INFO=/x", NULL };

	srv = rv_server_new();
	mkreq(&rq, srv, env);
	ck_assert_int_eq(rq.bad_status, 400);
	done();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("request");
	TCase	*tc = tcase_create("request");

	tcase_add_test(tc, decoding);
	tcase_add_test(tc, bad_escapes);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, headers);
	tcase_add_test(tc, no_method);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
