/*
 * test_writer.c: the structured writer and the stream's state rules:
 * misplaced tokens, depth, order of status/headers/items, close,
 * clients that leave, and the handler that answers nothing.
 */
#include <stdio.h>

#include "unit.h"

static int
e_misplaced(struct rv_stream *s)
{
	int	 i;

	ck_assert_int_eq(rv_key(s, "k"), RV_ESTATE);
	ck_assert_int_eq(rv_map_close(s), RV_ESTATE);
	ck_assert_int_eq(rv_array_close(s), RV_ESTATE);
	/* a value where a key is wanted fails the item */
	rv_map_open(s);
	ck_assert_int_eq(rv_int(s, 1), RV_ESTATE);
	ck_assert_int_eq(rv_map_close(s), RV_ESTATE);
	/* a close that does not match its open */
	rv_array_open(s);
	ck_assert_int_eq(rv_map_close(s), RV_ESTATE);
	ck_assert_int_eq(rv_array_close(s), RV_ESTATE);
	/* a map closed while it waits for a value */
	rv_map_open(s);
	rv_key(s, "k");
	ck_assert_int_eq(rv_map_close(s), RV_ESTATE);
	rv_null(s);
	ck_assert_int_eq(rv_map_close(s), RV_ESTATE);
	/* too deep */
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(rv_array_open(s), RV_OK);
	ck_assert_int_eq(rv_array_open(s), RV_ETOOBIG);
	for (i = 0; i < 63; i++)
		rv_array_close(s);
	ck_assert_int_eq(rv_array_close(s), RV_ETOOBIG);
	return rv_packf(s, "{s:[]}", "ok");
}

/*
 * Maps and arrays nested past the levels a stream holds itself (8): a
 * map's keys and an array's commas stay right on both sides of that.
 */
static int
e_deep(struct rv_stream *s)
{
	int	 i, rc;

	for (i = 0; i < 12; i++) {
		if (i % 2 == 0) {
			rv_map_open(s);
			rv_key(s, "k");
		} else {
			rv_array_open(s);
			rv_int(s, i);
		}
	}
	rv_null(s);
	for (i = 11; i >= 0; i--) {
		if (i % 2 == 0) {
			rv_key(s, "z");
			rv_int(s, i);
			rv_map_close(s);
		} else
			rv_array_close(s);
	}
	if ((rc = rv_packf(s, "{s:s}", "after", "deep")) != RV_OK)
		return rc;
	/* a second deep item reuses the levels allocated for the first */
	for (i = 0; i < 10; i++)
		rv_array_open(s);
	for (i = 0; i < 10; i++)
		rv_array_close(s);
	return RV_OK;
}

START_TEST(deep_items)
{
	BODY_IS(RV_ITEMS, "ndjson", e_deep,
	    "{\"k\":[1,{\"k\":[3,{\"k\":[5,{\"k\":[7,{\"k\":[9,{\"k\":[11,"
	    "null],\"z\":10}],\"z\":8}],\"z\":6}],\"z\":4}],\"z\":2}],"
	    "\"z\":0}\n{\"after\":\"deep\"}\n[[[[[[[[[[]]]]]]]]]]\n");
}
END_TEST

START_TEST(misplaced_tokens)
{
	BODY_IS(RV_ITEMS, "ndjson", e_misplaced, "{\"ok\":[]}\n");
}
END_TEST

static int
e_order(struct rv_stream *s)
{

	ck_assert_int_eq(rv_status(s, 99), RV_EINVAL);
	ck_assert_int_eq(rv_status(s, 201), RV_OK);
	ck_assert_int_eq(rv_header(s, "X-Ok", "yes"), RV_OK);
	ck_assert_int_eq(rv_header(s, "X-Bad", "a\r\nSet-Cookie: x"),
	    RV_EINVAL);
	ck_assert_int_eq(rv_header(s, "X Bad", "v"), RV_EINVAL);
	ck_assert_int_eq(rv_header(s, "Status", "500"), RV_EINVAL);
	ck_assert_int_eq(rv_header(s, "Cache-Control", "max-age=5"), RV_OK);
	ck_assert_int_eq(rv_text(s, "a"), RV_OK);
	ck_assert_int_eq(rv_status(s, 500), RV_ESTATE);
	ck_assert_int_eq(rv_header(s, "X-Late", "1"), RV_ESTATE);
	ck_assert_int_eq(rv_envelope(s, "x"), RV_ESTATE);
	ck_assert_int_eq(rv_close(s), RV_OK);
	ck_assert_int_eq(rv_text(s, "b"), RV_ECLOSED);
	ck_assert_int_eq(rv_close(s), RV_OK);
	return 0;
}

START_TEST(state_order)
{
	struct rv_test_response	 r;

	t_run(RV_TEXT, NULL, e_order, &r);
	ck_assert_int_eq(r.status, 201);
	ck_assert_str_eq(rv_test_header(&r, "X-Ok"), "yes");
	ck_assert_str_eq(rv_test_header(&r, "Cache-Control"), "max-age=5");
	ck_assert_ptr_null(rv_test_header(&r, "Set-Cookie"));
	ck_assert_str_eq(r.body, "a");
	rv_test_response_free(&r);
}
END_TEST

static int
e_open_item(struct rv_stream *s)
{

	rv_text(s, "whole");
	rv_map_open(s);
	rv_kint(s, "half", 1);
	/* closing with an item open drops the item */
	ck_assert_int_eq(rv_close(s), RV_ESTATE);
	return 0;
}

START_TEST(close_drops_open_item)
{
	BODY_IS(RV_ITEMS, "array", e_open_item, "[\"whole\"]");
}
END_TEST

static int
e_forever(struct rv_stream *s)
{
	int	 n = 0, rc;

	while ((rc = rv_textf(s, "line %d\n", n++)) == RV_OK &&
	    (rc = rv_sleep(s, 500)) == RV_OK)
		continue;
	return rc;
}

START_TEST(client_leaves)
{
	struct rv_server	*srv = t_server();
	struct rv_test_request	 rq = { .uri = "/t", .leave_after = 3 };
	struct rv_test_response	 r;

	t_offer = RV_TEXT;
	t_emit = e_forever;
	ck_assert_int_eq(rv_test_run(srv, &rq, &r), RV_OK);
	ck_assert_int_eq(r.handler_ret, RV_EGONE);
	ck_assert_uint_eq(r.items_sent, 3);
	ck_assert_str_eq(r.body, "line 0\nline 1\nline 2\n");
	rv_test_response_free(&r);
	rv_server_free(srv);
}
END_TEST

static int
e_bulk(struct rv_stream *s)
{
	int	 i;

	ck_assert_int_eq(rv_bulk(s, 1), RV_OK);
	for (i = 0; i < 5000; i++)
		if (rv_packf(s, "{s:i}", "i", i) != RV_OK)
			return RV_EIO;
	return 0;
}

START_TEST(bulk_mode)
{
	struct rv_test_response	 r;

	t_run(RV_CSV, NULL, e_bulk, &r);
	ck_assert_uint_eq(json_array_size(r.items), 5000);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    r.items, 4999), "i")), "4999");
	rv_test_response_free(&r);
}
END_TEST

static int
h_silent(struct rv_req *rq)
{

	(void)rq;
	return 0;
}

static int
h_failed(struct rv_req *rq)
{

	(void)rq;
	return RV_EIO;
}

static int
h_bad_query(struct rv_req *rq)
{
	long	 n = rv_query_range(rq, "count", 5, 1, 100);

	return rv_close(rv_open(rq, RV_TEXT)) == RV_OK && n == 5 ? 0 : 1;
}

static const struct rv_route h_routes[] = {
	RV_GET("/silent", h_silent),
	RV_GET("/failed", h_failed),
	RV_GET("/count", h_bad_query),
	RV_POST("/count", h_silent),
	RV_ROUTES_END
};

static const struct rv_module h_module = {
	RV_MODULE_HEAD, .name = "h", .routes = h_routes,
};

static int
status_of(struct rv_server *srv, const char *method, const char *uri,
    struct rv_test_response *r)
{
	struct rv_test_request	 rq = { .method = method, .uri = uri };

	ck_assert_int_eq(rv_test_run(srv, &rq, r), RV_OK);
	return r->status;
}

START_TEST(runtime_answers)
{
	struct rv_server	*srv = rv_server_new();
	struct rv_test_response	 r;
	char			 err[256];

	ck_assert_int_eq(rv_server_add_module(srv, &h_module, err,
	    sizeof(err)), RV_OK);
	ck_assert_int_eq(status_of(srv, "GET", "/silent", &r), 204);
	ck_assert_uint_eq(r.body_len, 0);
	rv_test_response_free(&r);
	ck_assert_int_eq(status_of(srv, "GET", "/failed", &r), 500);
	rv_test_response_free(&r);
	ck_assert_int_eq(status_of(srv, "GET", "/count?count=7", &r), 200);
	rv_test_response_free(&r);
	ck_assert_int_eq(status_of(srv, "GET", "/count?count=abc", &r), 400);
	ck_assert_ptr_nonnull(strstr(r.body, "count"));
	rv_test_response_free(&r);
	ck_assert_int_eq(status_of(srv, "GET", "/count?count=1000", &r), 400);
	rv_test_response_free(&r);
	ck_assert_int_eq(status_of(srv, "GET", "/nowhere", &r), 404);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "application/problem+json");
	rv_test_response_free(&r);
	ck_assert_int_eq(status_of(srv, "DELETE", "/count", &r), 405);
	ck_assert_ptr_nonnull(rv_test_header(&r, "Allow"));
	ck_assert_ptr_nonnull(strstr(rv_test_header(&r, "Allow"), "POST"));
	rv_test_response_free(&r);
	ck_assert_int_eq(status_of(srv, "HEAD", "/count", &r), 200);
	ck_assert_uint_eq(r.body_len, 0);
	rv_test_response_free(&r);
	rv_server_free(srv);
}
END_TEST

static int	 abi_init_called;

static int
abi_init(void **data)
{

	(void)data;
	abi_init_called = 1;
	return 0;
}

START_TEST(module_abi_checked)
{
	struct rv_server	*srv = rv_server_new();
	struct rv_module	 m = h_module;
	char			 err[256];

	m.abi = RV_ABI_VERSION + 1;
	m.init = abi_init;
	ck_assert_int_eq(rv_server_add_module(srv, &m, err, sizeof(err)),
	    RV_EABI);
	ck_assert_ptr_nonnull(strstr(err, "ABI"));
	ck_assert_int_eq(abi_init_called, 0);
	rv_server_free(srv);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("writer");
	TCase	*tc = tcase_create("rules");

	tcase_add_test(tc, misplaced_tokens);
	tcase_add_test(tc, deep_items);
	tcase_add_test(tc, state_order);
	tcase_add_test(tc, close_drops_open_item);
	tcase_add_test(tc, client_leaves);
	tcase_add_test(tc, bulk_mode);
	tcase_add_test(tc, runtime_answers);
	tcase_add_test(tc, module_abi_checked);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{

	return t_main(suite());
}
