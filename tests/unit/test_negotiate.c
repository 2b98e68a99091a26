/* test_negotiate.c: Accept q-values, wildcards, specificity, ?format=. */
#include <check.h>
#include <stdlib.h>

#include "internal.h"
#include "runner.h"

static const char *
pick(const char *offer, const char *format, const char *accept)
{
	struct rv_server	*srv = rv_server_new();
	const struct rv_encoder	*e;
	const char		*name;

	e = negotiate(srv, offer, format, accept);
	name = e != NULL ? e->name : "none";
	rv_server_free(srv);
	return name;
}

START_TEST(accept_header)
{
	ck_assert_str_eq(pick(RV_ITEMS, NULL, NULL), "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, ""), "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "*/*"), "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "text/*"), "sse");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "text/event-stream"), "sse");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "application/json"), "array");
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    "application/msgpack;q=0.5, application/x-ndjson"), "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    "application/msgpack, application/x-ndjson;q=0.5"), "msgpack");
	/* the most specific range decides: msgpack is refused by q=0 */
	ck_assert_str_eq(pick("msgpack sse", NULL,
	    "application/msgpack;q=0, */*"), "sse");
	ck_assert_str_eq(pick("msgpack", NULL, "application/msgpack;q=0"),
	    "none");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "image/png"), "none");
	/* ties keep the handler's order */
	ck_assert_str_eq(pick("sse ndjson", NULL,
	    "application/x-ndjson, text/event-stream"), "sse");
	/* tolerant parsing: spaces, params, case, junk elements */
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    " Text/Event-Stream ; charset=utf-8 ; q=0.9 , junk, ;;, a/b;q=x"),
	    "sse");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "text/event-stream;q=2"),
	    "none");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "text/event-stream;q=0.0001"),
	    "none");
}
END_TEST

START_TEST(format_override)
{
	ck_assert_str_eq(pick(RV_ITEMS, "msgpack", "text/event-stream"),
	    "msgpack");
	ck_assert_str_eq(pick(RV_ITEMS, "json", NULL), "array");
	ck_assert_str_eq(pick(RV_JSON, "json", NULL), "json");
	ck_assert_str_eq(pick(RV_ITEMS, "jsonl", NULL), "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, "csv", NULL), "none");
	ck_assert_str_eq(pick(RV_ITEMS, "nope", NULL), "none");
	ck_assert_str_eq(pick("nosuch ndjson", NULL, NULL), "ndjson");
}
END_TEST

START_TEST(quality_values)
{
	ck_assert_int_eq(accept_quality("a/b;q=0.5", "a/b"), 500);
	ck_assert_int_eq(accept_quality("a/b;q=1.000", "a/b"), 1000);
	ck_assert_int_eq(accept_quality("a/*;q=0.3, a/b;q=0.7", "a/b"), 700);
	ck_assert_int_eq(accept_quality("a/b;q=0.7, */*;q=0.9", "a/b"), 700);
	ck_assert_int_eq(accept_quality("a/b;q=1.5", "a/b"), 0);
	ck_assert_int_eq(accept_quality("a/c", "a/b"), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("negotiate");
	TCase	*tc = tcase_create("negotiate");

	tcase_add_test(tc, accept_header);
	tcase_add_test(tc, format_override);
	tcase_add_test(tc, quality_values);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
