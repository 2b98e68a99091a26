/*
 * test_demo.c: every demo handler through the in-process harness, the
 * way a handler author tests without a web server.  Sleeps are free
 * (real_sleep = 0), so even the 30 s stock ticker runs at once.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rivulet.h"
#include "runner.h"

extern const struct rv_module rivulet_module;

/* Does s start with the string literal lit? */
#define STARTS(s, lit)	(strncmp((s), (lit), sizeof(lit) - 1) == 0)

#define SSE_TYPE	"text/event-stream; charset=utf-8"
#define PROBLEM_TYPE	"application/problem+json"

static struct rv_server	*srv;

/* ------------------------------------------------------------------ */
/* A second module whose one route feeds the demo's XML encoder items  */
/* it must refuse, to see each refusal drop its item and nothing else. */

static int	 xml_rc[16];

static int
xml_probe(struct rv_req *rq)
{
	struct rv_stream	*s = rv_open(rq, "xml");
	int			 i = 0;

	rv_envelope(s, "probe");
	xml_rc[i++] = rv_packf(s, "{s:s,s:i,s:b,s:n,s:f}", "name",
	    "a<b & 'c' \"d\"", "n", -3, "ok", 1, "none", "x", 0.1);
	xml_rc[i++] = rv_packf(s, "{s:{s:i}}", "nested", "a", 1);
	xml_rc[i++] = rv_packf(s, "[i,i]", 1, 2);
	xml_rc[i++] = rv_packf(s, "{s:[i]}", "list", 1);
	xml_rc[i++] = rv_bytes(s, "\x01\x02", 2);
	xml_rc[i++] = rv_packf(s, "{s:i}", "bad key", 1);
	xml_rc[i++] = rv_packf(s, "{s:i}", "1st", 1);
	xml_rc[i++] = rv_packf(s, "{s:s}", "bell", "ding\adong");
	xml_rc[i++] = rv_comment(s, "heartbeats write nothing");
	xml_rc[i++] = rv_eventf(s, "tick", "7", "i", 42);
	xml_rc[i++] = rv_text(s, "line one\r\nline two");
	return rv_close(s);
}

static const struct rv_route probe_routes[] = {
	RV_GET("/probe/xml", xml_probe),
	RV_ROUTES_END
};

static const struct rv_module probe_module = {
	RV_MODULE_HEAD,
	.name = "probe",
	.routes = probe_routes,
};

static void
setup(void)
{
	char	 err[256];

	srv = rv_server_new();
	ck_assert_ptr_nonnull(srv);
	ck_assert_int_eq(rv_server_add_module(srv, &rivulet_module, err,
	    sizeof(err)), RV_OK);
	ck_assert_int_eq(rv_server_add_module(srv, &probe_module, err,
	    sizeof(err)), RV_OK);
	ck_assert_int_eq(rv_server_bearer_token(srv, "demo-token"), RV_OK);
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

/* GET and check the status, the Content-Type and the number of items. */
static void
expect(const char *uri, const char *hdr, int status, const char *ctype,
    size_t nitems, struct rv_test_response *r)
{

	get(uri, hdr, 0, r);
	ck_assert_msg(r->status == status, "%s: status %d, want %d", uri,
	    r->status, status);
	ck_assert_str_eq(rv_test_header(r, "Content-Type"), ctype);
	ck_assert_ptr_nonnull(r->items);
	ck_assert_msg(json_array_size(r->items) == nitems,
	    "%s: %zu items, want %zu", uri, json_array_size(r->items), nitems);
}

/* A 400 problem+json whose detail names the query key. */
static void
expect_bad(const char *uri, const char *key)
{
	struct rv_test_response	 r;

	get(uri, NULL, 0, &r);
	ck_assert_msg(r.status == 400, "%s: status %d", uri, r.status);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"), PROBLEM_TYPE);
	if (key != NULL)
		ck_assert_ptr_nonnull(strstr(r.body, key));
	ck_assert_int_eq(r.handler_ret, RV_OK);
	rv_test_response_free(&r);
}

static json_t *
item(const struct rv_test_response *r, size_t i, const char *k1,
    const char *k2)
{
	json_t	*v = json_array_get(r->items, i);

	if (k1 != NULL)
		v = json_object_get(v, k1);
	if (k2 != NULL)
		v = json_object_get(v, k2);
	return v;
}

static const char *
item_str(const struct rv_test_response *r, size_t i, const char *k1,
    const char *k2)
{

	return json_string_value(item(r, i, k1, k2));
}

static json_int_t
item_int(const struct rv_test_response *r, size_t i, const char *k1,
    const char *k2)
{

	return json_integer_value(item(r, i, k1, k2));
}

/* ------------------------------------------------------------------ */
/* Dioxus                                                               */

START_TEST(text_stream_until_client_leaves)
{
	struct rv_test_response	 r;

	get("/api/test_stream?start=5", NULL, 3, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "text/plain; charset=utf-8");
	ck_assert_str_eq(r.body,
	    "Hello, world! 5\nHello, world! 6\nHello, world! 7\n");
	ck_assert_int_eq(r.handler_ret, RV_EGONE);
	ck_assert_uint_eq(r.items_sent, 3);
	rv_test_response_free(&r);
	get("/api/test_stream", NULL, 1, &r);
	ck_assert_str_eq(r.body, "Hello, world! 0\n");
	rv_test_response_free(&r);
	expect_bad("/api/test_stream?start=ten", "start");
	expect_bad("/api/test_stream?start=99999999999", "start");
}
END_TEST

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

/* /download/{filename}: from the shipped demo files; 404 otherwise. */
START_TEST(download)
{
	struct rv_test_response	 r;

	get("/download/numbers.csv", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "text/csv; charset=utf-8");
	ck_assert_str_eq(rv_test_header(&r, "Content-Disposition"),
	    "attachment; filename=\"numbers.csv\"");
	ck_assert(STARTS(r.body, "n,square,cube\n1,1,1\n"));
	rv_test_response_free(&r);
	get("/download/numbers.csv", "Range: bytes=0-12", 0, &r);
	ck_assert_int_eq(r.status, 206);
	ck_assert_str_eq(r.body, "n,square,cube");
	rv_test_response_free(&r);
	get("/api/download_as_filestream", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(STARTS(rv_test_header(&r, "Content-Disposition"), "inline"));
	rv_test_response_free(&r);
	get("/download/missing.txt", NULL, 0, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"), PROBLEM_TYPE);
	rv_test_response_free(&r);
	get("/download/..", NULL, 0, &r);
	ck_assert_int_eq(r.status, 404);
	rv_test_response_free(&r);
}
END_TEST

/* /protected/stream: behind the bearer guard. */
START_TEST(protected_stream)
{
	struct rv_test_response	 r;

	get("/protected/stream", NULL, 0, &r);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(rv_test_header(&r, "WWW-Authenticate"),
	    "Bearer realm=\"rivulet\"");
	rv_test_response_free(&r);
	get("/protected/stream?count=2", "Authorization: Bearer demo-token",
	    0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"), SSE_TYPE);
	ck_assert_uint_eq(json_array_size(r.items), 3);
	ck_assert_str_eq(item_str(&r, 0, "event", NULL), "authenticated");
	ck_assert_str_eq(item_str(&r, 0, "data", "message"), "Welcome");
	ck_assert_str_eq(item_str(&r, 2, "event", NULL), "data");
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

	expect(uri, hdr, 200, ctype, 10, &r);
	for (i = 0; i < 10; i++) {
		d = json_array_get(r.items, i);
		if (sse)
			d = json_object_get(d, "data");
		snprintf(name, sizeof(name), "Dog %zu", i);
		ck_assert_str_eq(json_string_value(json_object_get(d, "name")),
		    name);
		ck_assert_int_eq(json_integer_value(json_object_get(d, "age")),
		    (json_int_t)i);
		ck_assert_uint_eq(json_object_size(d), 2);
	}
	ck_assert_int_eq(r.handler_ret, RV_OK);
	ck_assert_uint_eq(r.items_sent, 10);
	rv_test_response_free(&r);
}

START_TEST(json_stream_every_framing)
{
	static const struct {
		const char	*format, *accept, *ctype;
		int		 sse;
	} f[] = {
		{ "ndjson", "application/x-ndjson", "application/x-ndjson", 0 },
		{ "sse", "text/event-stream", SSE_TYPE, 1 },
		{ "msgpack", "application/msgpack", "application/msgpack", 0 },
		{ "array", "application/json", "application/json", 0 },
		{ "json-seq", "application/json-seq", "application/json-seq",
		    0 },
	};
	char	 uri[64], hdr[64];
	size_t	 i;

	/* no preference: the first offered, NDJSON */
	check_dogs("/api/json_stream", NULL, "application/x-ndjson", 0);
	check_dogs("/api/json_stream", "Accept: */*", "application/x-ndjson",
	    0);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		snprintf(uri, sizeof(uri), "/api/json_stream?format=%s",
		    f[i].format);
		check_dogs(uri, NULL, f[i].ctype, f[i].sse);
		snprintf(hdr, sizeof(hdr), "Accept: %s", f[i].accept);
		check_dogs("/api/json_stream", hdr, f[i].ctype, f[i].sse);
	}
	/* json is the array's alias; ?format= wins over Accept */
	check_dogs("/api/json_stream?format=json", NULL, "application/json", 0);
	check_dogs("/api/json_stream?format=sse", "Accept: application/json",
	    SSE_TYPE, 1);
	/* q-values */
	check_dogs("/api/json_stream", "Accept: application/x-ndjson;q=0.5, "
	    "application/msgpack", "application/msgpack", 0);
}
END_TEST

START_TEST(json_stream_refusals_and_leaving)
{
	struct rv_test_response	 r;

	get("/api/json_stream", "Accept: text/csv", 0, &r);
	ck_assert_int_eq(r.status, 406);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"), PROBLEM_TYPE);
	rv_test_response_free(&r);
	get("/api/json_stream?format=xml", NULL, 0, &r);
	ck_assert_int_eq(r.status, 406);
	rv_test_response_free(&r);
	get("/api/json_stream", NULL, 4, &r);
	ck_assert_int_eq(r.handler_ret, RV_EGONE);
	ck_assert_uint_eq(r.items_sent, 4);
	ck_assert_uint_eq(json_array_size(r.items), 4);
	rv_test_response_free(&r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Oxian                                                                */

START_TEST(basic_stream)
{
	struct rv_test_response	 r;

	expect("/stream", NULL, 200, "text/plain; charset=utf-8", 1, &r);
	ck_assert_str_eq(r.body, "Hello streaming world!");
	ck_assert_str_eq(rv_test_header(&r, "Cache-Control"), "no-cache");
	ck_assert_uint_eq(r.items_sent, 3);
	rv_test_response_free(&r);
	get("/stream", NULL, 1, &r);
	ck_assert_str_eq(r.body, "Hello ");
	ck_assert_int_eq(r.handler_ret, RV_EGONE);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(data_stream)
{
	struct rv_test_response	 r;
	json_t			*doc;
	size_t			 i;

	expect("/data-stream?count=3", NULL, 200, "application/json", 3, &r);
	doc = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_uint_eq(json_object_size(doc), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "items")), 3);
	json_decref(doc);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(item_int(&r, i, "id", NULL), (json_int_t)i + 1);
		ck_assert(item_int(&r, i, "timestamp", NULL) > 1600000000000LL);
	}
	rv_test_response_free(&r);
	expect("/data-stream", NULL, 200, "application/json", 5, &r);
	rv_test_response_free(&r);
	/* the envelope is only for the JSON document */
	expect("/data-stream?count=2&format=ndjson", NULL, 200,
	    "application/x-ndjson", 2, &r);
	ck_assert(STARTS(r.body, "{\"id\":1,"));
	rv_test_response_free(&r);
	expect("/data-stream?count=2", "Accept: text/event-stream", 200,
	    SSE_TYPE, 2, &r);
	ck_assert_int_eq(item_int(&r, 1, "data", "id"), 2);
	rv_test_response_free(&r);
	expect_bad("/data-stream?count=0", "count");
	expect_bad("/data-stream?count=-1", "count");
	expect_bad("/data-stream?count=10001", "count");
}
END_TEST

START_TEST(csv_export)
{
	struct rv_test_response	 r;

	expect("/export/users.csv", NULL, 200, "text/csv; charset=utf-8",
	    10000, &r);
	ck_assert_str_eq(rv_test_header(&r, "Content-Disposition"),
	    "attachment; filename=users.csv");
	ck_assert(STARTS(r.body, "id,name,email,created_at\r\n"));
	ck_assert_str_eq(item_str(&r, 0, "id", NULL), "1");
	ck_assert_str_eq(item_str(&r, 9999, "id", NULL), "10000");
	ck_assert_str_eq(item_str(&r, 9999, "email", NULL),
	    "user10000@example.org");
	ck_assert_uint_eq(json_object_size(json_array_get(r.items, 0)), 4);
	ck_assert_uint_eq(r.items_sent, 10000);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(csv_export_quoting_and_size)
{
	struct rv_test_response	 r;

	expect("/export/users.csv?rows=250", NULL, 200,
	    "text/csv; charset=utf-8", 250, &r);
	/* a comma and a quote: quoted, quotes doubled, and read back */
	ck_assert_ptr_nonnull(strstr(r.body,
	    "\r\n16,\"Ada O'Neil, Jr.\",user16@example.org,"));
	ck_assert_ptr_nonnull(strstr(r.body,
	    "\r\n48,\"Ada \"\"Maggie\"\" Hamilton\",user48@example.org,"));
	ck_assert_ptr_nonnull(strstr(r.body, "\r\n1,Grace Lovelace,"));
	ck_assert_str_eq(item_str(&r, 15, "name", NULL), "Ada O'Neil, Jr.");
	ck_assert_str_eq(item_str(&r, 47, "name", NULL),
	    "Ada \"Maggie\" Hamilton");
	rv_test_response_free(&r);
	/* no users: still the header row */
	get("/export/users.csv?rows=0", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "id,name,email,created_at\r\n");
	rv_test_response_free(&r);
	/* the same export as JSON, named for what it is */
	expect("/export/users.csv?rows=120&format=ndjson", NULL, 200,
	    "application/x-ndjson", 120, &r);
	ck_assert_str_eq(rv_test_header(&r, "Content-Disposition"),
	    "attachment; filename=users.ndjson");
	ck_assert_int_eq(item_int(&r, 119, "id", NULL), 120);
	rv_test_response_free(&r);
	expect("/export/users.csv?rows=3", "Accept: application/json", 200,
	    "application/json", 3, &r);
	ck_assert_str_eq(rv_test_header(&r, "Content-Disposition"),
	    "attachment; filename=users.json");
	ck_assert(r.body[0] == '[');
	rv_test_response_free(&r);
	/* a client that leaves mid-export ends it */
	get("/export/users.csv", NULL, 500, &r);
	ck_assert_int_eq(r.handler_ret, RV_EGONE);
	ck_assert_uint_lt(r.items_sent, 10000);
	rv_test_response_free(&r);
	expect_bad("/export/users.csv?rows=1000001", "rows");
}
END_TEST

START_TEST(sse_counter)
{
	struct rv_test_response	 r;
	char			 id[16];
	size_t			 i;

	expect("/events", NULL, 200, SSE_TYPE, 10, &r);
	ck_assert_int_eq(item_int(&r, 0, "retry", NULL), 1000);
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "msg-%zu", i + 1);
		ck_assert_str_eq(item_str(&r, i, "event", NULL), "counter");
		ck_assert_str_eq(item_str(&r, i, "id", NULL), id);
		ck_assert_int_eq(item_int(&r, i, "data", "count"),
		    (json_int_t)i + 1);
		ck_assert(item_int(&r, i, "data", "timestamp") > 0);
	}
	ck_assert_int_eq(r.handler_ret, RV_OK);
	rv_test_response_free(&r);
	/* SSE only: a JSON client is told what there is */
	get("/events", "Accept: application/json", 0, &r);
	ck_assert_int_eq(r.status, 406);
	rv_test_response_free(&r);
	/* the client leaves after two: the loop ends there */
	get("/events", NULL, 2, &r);
	ck_assert_int_eq(r.handler_ret, RV_EGONE);
	ck_assert_uint_eq(r.items_sent, 2);
	ck_assert_uint_eq(json_array_size(r.items), 2);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(dashboard)
{
	struct rv_test_response	 r;
	json_t			*d;
	size_t			 i;
	double			 cpu;

	get("/dashboard/metrics?interval_ms=100", NULL, 3, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"), SSE_TYPE);
	ck_assert_uint_eq(json_array_size(r.items), 3);
	ck_assert_int_eq(r.handler_ret, RV_EGONE);
	ck_assert_int_eq(item_int(&r, 0, "retry", NULL), 5000);
	for (i = 0; i < 3; i++) {
		d = item(&r, i, "data", NULL);
		ck_assert_str_eq(item_str(&r, i, "event", NULL), "metrics");
		ck_assert(STARTS(item_str(&r, i, "id", NULL), "metrics-"));
		ck_assert(json_integer_value(json_object_get(d,
		    "memTotalKiB")) > 0);
		ck_assert(json_integer_value(json_object_get(d,
		    "memAvailableKiB")) <= json_integer_value(
		    json_object_get(d, "memTotalKiB")));
		cpu = json_number_value(json_object_get(d, "cpuPercent"));
		ck_assert(cpu >= 0 && cpu <= 100);
		ck_assert(json_number_value(json_object_get(d,
		    "uptimeSeconds")) > 0);
		ck_assert_uint_eq(json_array_size(json_object_get(d, "load")),
		    3);
	}
	rv_test_response_free(&r);
	expect_bad("/dashboard/metrics?interval_ms=99", "interval_ms");
	expect_bad("/dashboard/metrics?interval_ms=60001", "interval_ms");
}
END_TEST

START_TEST(stocks_unknown_symbol)
{
	static const char *const bad[] = { "/stocks/NOPE/stream",
	    "/stocks/aapl/stream", "/stocks/AAPL%20/stream" };
	struct rv_test_response	 r;
	json_t			*p;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect(bad[i], NULL, 400, PROBLEM_TYPE, 1, &r);
		p = json_array_get(r.items, 0);
		ck_assert_str_eq(json_string_value(json_object_get(p,
		    "title")), "Invalid stock symbol");
		ck_assert_int_eq(json_integer_value(json_object_get(p,
		    "status")), 400);
		ck_assert_uint_eq(r.items_sent, 0);
		rv_test_response_free(&r);
	}
	/* an SSE client gets the 400 as well: nothing was streamed yet */
	get("/stocks/NOPE/stream", "Accept: text/event-stream", 0, &r);
	ck_assert_int_eq(r.status, 400);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(stocks_price_updates)
{
	static const char *const known[] = { "AAPL", "AMZN", "GOOG", "META",
	    "MSFT", "NVDA", "TSLA" };
	struct rv_test_response	 r, again;
	char			 uri[64];
	double			 price, prev, change;
	size_t			 i;

	get("/stocks/AAPL/stream?interval_ms=100", NULL, 20, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"), SSE_TYPE);
	ck_assert_uint_eq(json_array_size(r.items), 20);
	ck_assert_int_eq(item_int(&r, 0, "retry", NULL), 10000);
	ck_assert_int_eq(r.handler_ret, RV_EGONE);
	prev = 0;
	for (i = 0; i < 20; i++) {
		ck_assert_str_eq(item_str(&r, i, "event", NULL),
		    "price-update");
		ck_assert(STARTS(item_str(&r, i, "id", NULL), "AAPL-"));
		ck_assert_str_eq(item_str(&r, i, "data", "symbol"), "AAPL");
		price = json_number_value(item(&r, i, "data", "price"));
		change = json_number_value(item(&r, i, "data", "change"));
		ck_assert(price > 0);
		ck_assert(item_int(&r, i, "data", "timestamp") > 0);
		ck_assert_ptr_nonnull(item(&r, i, "data", "changePercent"));
		if (i == 0) {
			ck_assert_double_eq(price, 189.50);
			ck_assert_double_eq(change, 0);
		} else {
			/* sent only when it moved, by what it moved */
			ck_assert(price != prev);
			ck_assert_double_eq_tol(change, price - prev, 1e-6);
			ck_assert(fabs(change) <= prev * 0.005 + 0.01);
		}
		prev = price;
	}
	/* the walk is deterministic: the same prices on every run */
	get("/stocks/AAPL/stream?interval_ms=100", NULL, 20, &again);
	for (i = 0; i < 20; i++)
		ck_assert_double_eq(json_number_value(item(&r, i, "data",
		    "price")), json_number_value(item(&again, i, "data",
		    "price")));
	rv_test_response_free(&again);
	rv_test_response_free(&r);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		snprintf(uri, sizeof(uri), "/stocks/%s/stream?interval_ms=50",
		    known[i]);
		get(uri, "Accept: application/x-ndjson", 2, &r);
		ck_assert_int_eq(r.status, 200);
		ck_assert_str_eq(item_str(&r, 1, "event", NULL),
		    "price-update");
		ck_assert_str_eq(item_str(&r, 1, "data", "symbol"), known[i]);
		rv_test_response_free(&r);
	}
	expect_bad("/stocks/AAPL/stream?interval_ms=1", "interval_ms");
	/*
	 * Without interval_ms the stream subscribes to the live channel:
	 * here, with no loop to hold it, it answers its head and ends.
	 */
	get("/stocks/AAPL/stream", "Accept: application/x-ndjson", 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.items_sent, 0);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(stream_with_errors)
{
	struct rv_test_response	 r;
	json_t			*e;

	expect("/stream-with-errors?interval_ms=10", NULL, 200, SSE_TYPE, 3,
	    &r);
	ck_assert_int_eq(item_int(&r, 0, "retry", NULL), 5000);
	ck_assert_str_eq(item_str(&r, 0, "event", NULL), "data");
	ck_assert_int_eq(item_int(&r, 0, "data", "attempt"), 1);
	ck_assert_str_eq(item_str(&r, 1, "event", NULL), "data");
	ck_assert_str_eq(item_str(&r, 2, "event", NULL), "error");
	e = item(&r, 2, "data", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "status")),
	    502);
	ck_assert_str_eq(json_string_value(json_object_get(e, "title")),
	    "Data processing failed");
	ck_assert_int_eq(r.handler_ret, RV_OK);
	rv_test_response_free(&r);
	expect("/stream-with-errors?fail_at=6", NULL, 200, SSE_TYPE, 6, &r);
	ck_assert_str_eq(item_str(&r, 4, "event", NULL), "data");
	ck_assert_str_eq(item_str(&r, 5, "event", NULL), "error");
	rv_test_response_free(&r);
	/* failing before anything was sent: a real 502 */
	expect("/stream-with-errors?fail_at=1", NULL, 502, PROBLEM_TYPE, 1,
	    &r);
	ck_assert_str_eq(item_str(&r, 0, "title", NULL),
	    "Data processing failed");
	rv_test_response_free(&r);
	expect_bad("/stream-with-errors?fail_at=0", "fail_at");
	expect_bad("/stream-with-errors?interval_ms=5", "interval_ms");
}
END_TEST

START_TEST(big_data)
{
	struct rv_test_response	 r;

	expect("/big-data?rows=2500", NULL, 200, "application/json", 2500, &r);
	ck_assert(STARTS(r.body, "{\"results\":[{\"id\":1,"));
	ck_assert_int_eq(item_int(&r, 2499, "id", NULL), 2500);
	ck_assert_str_eq(item_str(&r, 999, "name", NULL), "record 1000");
	ck_assert_str_eq(item_str(&r, 1000, "name", NULL), "record 1001");
	ck_assert_uint_eq(r.items_sent, 2500);
	rv_test_response_free(&r);
	expect("/big-data?rows=1001&format=csv", NULL, 200,
	    "text/csv; charset=utf-8", 1001, &r);
	ck_assert(STARTS(r.body, "id,name,value\r\n"));
	rv_test_response_free(&r);
	expect("/big-data?rows=10", "Accept: application/msgpack", 200,
	    "application/msgpack", 10, &r);
	rv_test_response_free(&r);
	expect("/big-data?rows=0", NULL, 200, "application/json", 0, &r);
	ck_assert_str_eq(r.body, "{\"results\":[]}");
	rv_test_response_free(&r);
	expect("/big-data", NULL, 200, "application/json", 100000, &r);
	rv_test_response_free(&r);
	expect_bad("/big-data?rows=-1", "rows");
	expect_bad("/big-data?rows=10000001", "rows");
}
END_TEST

START_TEST(feed_every_format)
{
	struct rv_test_response	 r;

	expect("/feed", NULL, 200, "application/json", 5, &r);
	ck_assert(STARTS(r.body, "{\"feed\":[{\"id\":1,"));
	rv_test_response_free(&r);
	expect("/feed?format=json", NULL, 200, "application/json", 5, &r);
	ck_assert_str_eq(item_str(&r, 0, "content", NULL),
	    "All about Rivers & more");
	ck_assert_str_eq(item_str(&r, 1, "title", NULL), "Deltas & \"bays\"");
	rv_test_response_free(&r);
	expect("/feed?format=csv", NULL, 200, "text/csv; charset=utf-8", 5, &r);
	ck_assert(STARTS(r.body, "id,title,content,timestamp\r\n"));
	ck_assert_str_eq(item_str(&r, 3, "title", NULL), "<Rapids>, 'falls'");
	ck_assert_ptr_nonnull(strstr(r.body, "\r\n4,\"<Rapids>, 'falls'\","));
	rv_test_response_free(&r);
	expect("/feed?format=ndjson", NULL, 200, "application/x-ndjson", 5, &r);
	rv_test_response_free(&r);
	get("/feed?format=sse", NULL, 0, &r);
	ck_assert_int_eq(r.status, 406);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(feed_xml)
{
	struct rv_test_response	 r;
	const char		*p;
	size_t			 n;

	get("/feed?format=xml", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "application/xml; charset=utf-8");
	ck_assert(STARTS(r.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<feed>\n<item><id>1</id><title>Rivers</title><content>All about "
	    "Rivers &amp; more</content><timestamp>"));
	ck_assert_ptr_nonnull(strstr(r.body,
	    "<title>Deltas &amp; &quot;bays&quot;</title>"));
	ck_assert_ptr_nonnull(strstr(r.body,
	    "<title>&lt;Rapids&gt;, &apos;falls&apos;</title>"));
	ck_assert(r.body_len > 8 &&
	    strcmp(r.body + r.body_len - 8, "</feed>\n") == 0);
	for (n = 0, p = r.body; (p = strstr(p, "<item>")) != NULL; p++)
		n++;
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(r.items_sent, 5);
	rv_test_response_free(&r);
	/* by Accept too */
	get("/feed", "Accept: application/xml", 0, &r);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "application/xml; charset=utf-8");
	rv_test_response_free(&r);
}
END_TEST

START_TEST(xml_encoder_refusals)
{
	struct rv_test_response	 r;

	memset(xml_rc, -1, sizeof(xml_rc));
	get("/probe/xml", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(xml_rc[0], RV_OK);
	ck_assert_int_eq(xml_rc[1], RV_ETYPE);	/* a map in a map */
	ck_assert_int_eq(xml_rc[2], RV_ETYPE);	/* an array */
	ck_assert_int_eq(xml_rc[3], RV_ETYPE);	/* an array in a map */
	ck_assert_int_eq(xml_rc[4], RV_ETYPE);	/* bytes */
	ck_assert_int_eq(xml_rc[5], RV_ETYPE);	/* not an element name */
	ck_assert_int_eq(xml_rc[6], RV_ETYPE);	/* nor this */
	ck_assert_int_eq(xml_rc[7], RV_ETYPE);	/* a control character */
	ck_assert_int_eq(xml_rc[8], RV_OK);
	ck_assert_int_eq(xml_rc[9], RV_OK);
	ck_assert_int_eq(xml_rc[10], RV_OK);
	ck_assert_str_eq(r.body,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<probe>\n"
	    "<item><name>a&lt;b &amp; &apos;c&apos; &quot;d&quot;</name>"
	    "<n>-3</n><ok>true</ok><none></none><x>0.1</x></item>\n"
	    "<item event=\"tick\" id=\"7\">42</item>\n"
	    "<item>line one&#13;\nline two</item>\n"
	    "</probe>\n");
	ck_assert_uint_eq(r.items_sent, 3);
	rv_test_response_free(&r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Ohkami and Gravity                                                   */

START_TEST(ticks)
{
	struct rv_test_response	 r;

	expect("/ticks", NULL, 200, SSE_TYPE, 3, &r);
	ck_assert_str_eq(item_str(&r, 0, "data", NULL), "tick 1");
	ck_assert_str_eq(item_str(&r, 2, "data", NULL), "tick 3");
	ck_assert_ptr_null(item(&r, 0, "event", NULL));
	ck_assert_str_eq(r.body, "data: tick 1\n\ndata: tick 2\n\n"
	    "data: tick 3\n\n");
	rv_test_response_free(&r);
}
END_TEST

START_TEST(gravity)
{
	struct rv_test_response	 r;
	const char		*id;
	size_t			 i;

	expect("/streaming/ping?to=you", NULL, 200, "application/x-ndjson", 5,
	    &r);
	for (i = 0; i < 5; i++)
		ck_assert_str_eq(json_string_value(json_array_get(r.items, i)),
		    "Sending ping to you");
	rv_test_response_free(&r);
	expect("/streaming/ping", "Accept: text/event-stream", 200, SSE_TYPE,
	    5, &r);
	ck_assert_str_eq(item_str(&r, 0, "data", NULL), "Sending ping to world");
	rv_test_response_free(&r);
	get("/streaming/ping?to=you", NULL, 2, &r);
	ck_assert_int_eq(r.handler_ret, RV_EGONE);
	ck_assert_uint_eq(r.items_sent, 2);
	rv_test_response_free(&r);
	expect("/streaming/streamUsers", NULL, 200, "application/x-ndjson", 5,
	    &r);
	for (i = 0; i < 5; i++) {
		id = item_str(&r, i, "id", NULL);
		ck_assert_ptr_nonnull(id);
		ck_assert_uint_eq(strlen(id), 11);
		ck_assert(STARTS(id, "0."));
	}
	rv_test_response_free(&r);
	expect("/streaming/streamUsers?format=msgpack", NULL, 200,
	    "application/msgpack", 5, &r);
	rv_test_response_free(&r);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("demo");
	TCase	*tc = tcase_create("routes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, text_stream_until_client_leaves);
	tcase_add_test(tc, head_of_endless_stream_ends);
	tcase_add_test(tc, json_stream_every_framing);
	tcase_add_test(tc, json_stream_refusals_and_leaving);
	tcase_add_test(tc, basic_stream);
	tcase_add_test(tc, data_stream);
	tcase_add_test(tc, csv_export);
	tcase_add_test(tc, csv_export_quoting_and_size);
	tcase_add_test(tc, sse_counter);
	tcase_add_test(tc, dashboard);
	tcase_add_test(tc, stocks_unknown_symbol);
	tcase_add_test(tc, stocks_price_updates);
	tcase_add_test(tc, stream_with_errors);
	tcase_add_test(tc, big_data);
	tcase_add_test(tc, feed_every_format);
	tcase_add_test(tc, feed_xml);
	tcase_add_test(tc, xml_encoder_refusals);
	tcase_add_test(tc, ticks);
	tcase_add_test(tc, gravity);
	tcase_add_test(tc, download);
	tcase_add_test(tc, protected_stream);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
