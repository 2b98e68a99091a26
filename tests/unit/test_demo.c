/*
 * test_demo.c: every demo handler through the in-process harness, the
 * way a handler author tests without a web server.  Sleeps are free.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rivulet.h"
#include "runner.h"

extern const struct rv_module rivulet_module;

static struct rv_server	*srv;

static void
setup(void)
{
	char	 err[256];

	srv = rv_server_new();
	ck_assert_ptr_nonnull(srv);
	ck_assert_int_eq(rv_server_add_module(srv, &rivulet_module, err,
	    sizeof(err)), RV_OK);
}

static void
teardown(void)
{

	rv_server_free(srv);
}

/* GET uri with an optional header; leave after n items if n > 0. */
static void
get(const char *uri, const char *hdr, size_t leave, struct rv_test_response *r)
{
	const char		*h[2] = { hdr, NULL };
	struct rv_test_request	 rq = { .uri = uri, .headers = h,
	    .leave_after = leave };

	ck_assert_int_eq(rv_test_run(srv, &rq, r), RV_OK);
}

static const char *
item_str(const struct rv_test_response *r, size_t i, const char *k1,
    const char *k2)
{
	json_t	*v = json_array_get(r->items, i);

	if (k1 != NULL)
		v = json_object_get(v, k1);
	if (k2 != NULL)
		v = json_object_get(v, k2);
	return json_string_value(v);
}

START_TEST(text_stream_until_client_leaves)
{
	struct rv_test_response	 r;

	get("/api/test_stream?start=5", NULL, 3, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body,
	    "Hello, world! 5\nHello, world! 6\nHello, world! 7\n");
	ck_assert_int_eq(r.handler_ret, RV_EGONE);
	ck_assert_uint_eq(r.items_sent, 3);
	rv_test_response_free(&r);
}
END_TEST

static void
check_dogs(const char *uri, const char *hdr, const char *ctype, int sse)
{
	struct rv_test_response	 r;
	json_t			*d;
	char			 name[16];
	size_t			 i;

	get(uri, hdr, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"), ctype);
	ck_assert_ptr_nonnull(r.items);
	ck_assert_uint_eq(json_array_size(r.items), 10);
	for (i = 0; i < 10; i++) {
		d = json_array_get(r.items, i);
		if (sse)
			d = json_object_get(d, "data");
		snprintf(name, sizeof(name), "Dog %zu", i);
		ck_assert_str_eq(json_string_value(json_object_get(d, "name")),
		    name);
		ck_assert_int_eq(json_integer_value(json_object_get(d, "age")),
		    (json_int_t)i);
	}
	rv_test_response_free(&r);
}

/* HEAD of an endless stream: the head, then the handler is told to stop. */
START_TEST(head_of_endless_stream_ends)
{
	struct rv_test_request	 rq = { .method = "HEAD",
	    .uri = "/api/test_stream" };
	struct rv_test_response	 r;

	ck_assert_int_eq(rv_test_run(srv, &rq, &r), RV_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	ck_assert_int_eq(r.handler_ret, RV_OK);	/* ended cleanly */
	ck_assert_uint_le(r.items_sent, 1);	/* and at once */
	rv_test_response_free(&r);
}
END_TEST

START_TEST(json_stream_every_framing)
{
	check_dogs("/api/json_stream", NULL, "application/x-ndjson", 0);
	check_dogs("/api/json_stream", "Accept: text/event-stream",
	    "text/event-stream; charset=utf-8", 1);
	check_dogs("/api/json_stream", "Accept: application/msgpack",
	    "application/msgpack", 0);
	check_dogs("/api/json_stream", "Accept: application/json",
	    "application/json", 0);
	check_dogs("/api/json_stream?format=json-seq", NULL,
	    "application/json-seq", 0);
	check_dogs("/api/json_stream?format=sse", "Accept: application/json",
	    "text/event-stream; charset=utf-8", 1);
}
END_TEST

START_TEST(basic_stream)
{
	struct rv_test_response	 r;

	get("/stream", NULL, 0, &r);
	ck_assert_str_eq(r.body, "Hello streaming world!");
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "text/plain; charset=utf-8");
	rv_test_response_free(&r);
}
END_TEST

START_TEST(data_stream)
{
	struct rv_test_response	 r;
	json_t			*doc;

	get("/data-stream?count=3", NULL, 0, &r);
	doc = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "items")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    json_object_get(doc, "items"), 2), "id")), 3);
	json_decref(doc);
	rv_test_response_free(&r);
	get("/data-stream?count=-1", NULL, 0, &r);
	ck_assert_int_eq(r.status, 400);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(csv_export)
{
	struct rv_test_response	 r;

	get("/export/users.csv", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(rv_test_header(&r, "Content-Disposition"),
	    "attachment; filename=users.csv");
	ck_assert(strncmp(r.body, "id,name,email,created_at\r\n", 26) == 0);
	ck_assert_uint_eq(json_array_size(r.items), 10000);
	/* names with commas and quotes survive the round trip */
	ck_assert_str_eq(item_str(&r, 15, "name", NULL),
	    "Ada O'Neil, Jr.");
	ck_assert_str_eq(item_str(&r, 47, "name", NULL),
	    "Ada \"Maggie\" Hamilton");
	rv_test_response_free(&r);
}
END_TEST

START_TEST(sse_counter)
{
	struct rv_test_response	 r;
	char			 id[16];
	size_t			 i;

	get("/events", NULL, 0, &r);
	ck_assert_uint_eq(json_array_size(r.items), 10);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    r.items, 0), "retry")), 1000);
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "msg-%zu", i + 1);
		ck_assert_str_eq(item_str(&r, i, "event", NULL), "counter");
		ck_assert_str_eq(item_str(&r, i, "id", NULL), id);
	}
	rv_test_response_free(&r);
}
END_TEST

START_TEST(stocks)
{
	struct rv_test_response	 r;

	get("/stocks/NOPE/stream", NULL, 0, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "application/problem+json");
	rv_test_response_free(&r);
	get("/stocks/AAPL/stream?interval_ms=100", NULL, 2, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(item_str(&r, 0, "event", NULL), "price-update");
	ck_assert_str_eq(item_str(&r, 0, "data", "symbol"), "AAPL");
	ck_assert(strncmp(item_str(&r, 0, "id", NULL), "AAPL-", 5) == 0);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(dashboard)
{
	struct rv_test_response	 r;
	json_t			*d;

	get("/dashboard/metrics?interval_ms=100", NULL, 2, &r);
	ck_assert_uint_eq(json_array_size(r.items), 2);
	d = json_object_get(json_array_get(r.items, 1), "data");
	ck_assert_str_eq(item_str(&r, 1, "event", NULL), "metrics");
	ck_assert(json_integer_value(json_object_get(d, "memTotalKiB")) > 0);
	ck_assert_uint_eq(json_array_size(json_object_get(d, "load")), 3);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(feed_every_format)
{
	struct rv_test_response	 r;

	get("/feed?format=xml", NULL, 0, &r);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "application/xml; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(r.body, "<feed>\n<item><id>1</id>"));
	ck_assert_ptr_nonnull(strstr(r.body, "&amp; more"));
	rv_test_response_free(&r);
	get("/feed?format=csv", NULL, 0, &r);
	ck_assert_uint_eq(json_array_size(r.items), 5);
	rv_test_response_free(&r);
	get("/feed?format=json", NULL, 0, &r);
	ck_assert(strncmp(r.body, "{\"feed\":[", 9) == 0);
	ck_assert_uint_eq(json_array_size(r.items), 5);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(stream_with_errors)
{
	struct rv_test_response	 r;
	size_t			 n;

	get("/stream-with-errors?interval_ms=10", NULL, 0, &r);
	n = json_array_size(r.items);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(item_str(&r, 0, "event", NULL), "data");
	ck_assert_str_eq(item_str(&r, 2, "event", NULL), "error");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    json_array_get(r.items, 2), "data"), "status")), 502);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(big_data_and_small_ones)
{
	struct rv_test_response	 r;

	get("/big-data?rows=2500", NULL, 0, &r);
	ck_assert_uint_eq(json_array_size(r.items), 2500);
	ck_assert(strncmp(r.body, "{\"results\":[", 12) == 0);
	rv_test_response_free(&r);
	get("/ticks", NULL, 0, &r);
	ck_assert_uint_eq(json_array_size(r.items), 3);
	ck_assert_str_eq(item_str(&r, 2, "data", NULL), "tick 3");
	rv_test_response_free(&r);
	get("/streaming/ping?to=you", NULL, 0, &r);
	ck_assert_uint_eq(json_array_size(r.items), 5);
	ck_assert_str_eq(json_string_value(json_array_get(r.items, 4)),
	    "Sending ping to you");
	rv_test_response_free(&r);
	get("/streaming/streamUsers", NULL, 0, &r);
	ck_assert_uint_eq(json_array_size(r.items), 5);
	ck_assert_ptr_nonnull(item_str(&r, 0, "id", NULL));
	rv_test_response_free(&r);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("demo");
	TCase	*tc = tcase_create("routes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, text_stream_until_client_leaves);
	tcase_add_test(tc, head_of_endless_stream_ends);
	tcase_add_test(tc, json_stream_every_framing);
	tcase_add_test(tc, basic_stream);
	tcase_add_test(tc, data_stream);
	tcase_add_test(tc, csv_export);
	tcase_add_test(tc, sse_counter);
	tcase_add_test(tc, stocks);
	tcase_add_test(tc, dashboard);
	tcase_add_test(tc, feed_every_format);
	tcase_add_test(tc, stream_with_errors);
	tcase_add_test(tc, big_data_and_small_ones);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
