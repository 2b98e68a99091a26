/*
 * test_encoders.c: every built-in encoder, byte for byte, including
 * the edges: empty items, multi-line SSE data, CSV quoting, invalid
 * UTF-8, huge items, MessagePack container sizes and JSON round trips.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "unit.h"

static int
e_dogs(struct rv_stream *s)
{
	int	 i, rc;

	for (i = 0; i < 2; i++) {
		rv_map_open(s);
		rv_kstr(s, "name", rv_fmt(s, "Dog %d", i));
		rv_kint(s, "age", i);
		if ((rc = rv_map_close(s)) != RV_OK)
			return rc;
	}
	return 0;
}

START_TEST(ndjson_values)
{
	BODY_IS(RV_ITEMS, "ndjson", e_dogs,
	    "{\"name\":\"Dog 0\",\"age\":0}\n{\"name\":\"Dog 1\",\"age\":1}\n");
}
END_TEST

START_TEST(jsonseq_values)
{
	BODY_IS(RV_ITEMS, "json-seq", e_dogs,
	    "\x1e{\"name\":\"Dog 0\",\"age\":0}\n"
	    "\x1e{\"name\":\"Dog 1\",\"age\":1}\n");
}
END_TEST

START_TEST(array_values)
{
	BODY_IS(RV_ITEMS, "array", e_dogs,
	    "[{\"name\":\"Dog 0\",\"age\":0},{\"name\":\"Dog 1\",\"age\":1}]");
	/* ?format=json picks the array among the offered items framings */
	BODY_IS(RV_ITEMS, "json", e_dogs,
	    "[{\"name\":\"Dog 0\",\"age\":0},{\"name\":\"Dog 1\",\"age\":1}]");
}
END_TEST

static int
e_nothing(struct rv_stream *s)
{

	(void)s;
	return 0;
}

START_TEST(empty_streams)
{
	BODY_IS(RV_ITEMS, "array", e_nothing, "[]");
	BODY_IS(RV_ITEMS, "ndjson", e_nothing, "");
	BODY_IS(RV_ITEMS, "sse", e_nothing, "");
	BODY_IS(RV_ITEMS, "msgpack", e_nothing, "");
	BODY_IS(RV_JSON, NULL, e_nothing, "null");
}
END_TEST

static int
e_envelope(struct rv_stream *s)
{

	ck_assert_int_eq(rv_envelope(s, "items"), RV_OK);
	return rv_packf(s, "{s:i}", "id", 1);
}

START_TEST(array_envelope)
{
	BODY_IS(RV_ITEMS, "array", e_envelope, "{\"items\":[{\"id\":1}]}");
	/* Other framings ignore the envelope. */
	BODY_IS(RV_ITEMS, "ndjson", e_envelope, "{\"id\":1}\n");
}
END_TEST

static int
e_two_docs(struct rv_stream *s)
{

	ck_assert_int_eq(rv_packf(s, "{s:b}", "ok", 1), RV_OK);
	ck_assert_int_eq(rv_int(s, 2), RV_ESTATE);
	return 0;
}

START_TEST(json_one_document)
{
	BODY_IS(RV_JSON, NULL, e_two_docs, "{\"ok\":true}");
}
END_TEST

static int
e_multiline(struct rv_stream *s)
{

	ck_assert_int_eq(rv_text(s, "a\nb\r\nc\rd"), RV_OK);
	ck_assert_int_eq(rv_text(s, "x\n"), RV_OK);
	ck_assert_int_eq(rv_text(s, ""), RV_OK);
	return 0;
}

START_TEST(sse_multiline_text)
{
	BODY_IS(RV_SSE, NULL, e_multiline,
	    "data: a\ndata: b\ndata: c\ndata: d\n\n"
	    "data: x\ndata: \n\n"
	    "data: \n\n");
}
END_TEST

static int
e_counter(struct rv_stream *s)
{

	ck_assert_int_eq(rv_retry(s, 1000), RV_OK);
	ck_assert_int_eq(rv_eventf(s, "counter", "msg-1", "{s:i}", "count",
	    1), RV_OK);
	ck_assert_int_eq(rv_event(s, NULL, "msg-2"), RV_OK);
	ck_assert_int_eq(rv_text(s, "two"), RV_OK);
	ck_assert_int_eq(rv_comment(s, "hi"), RV_OK);
	return 0;
}

START_TEST(sse_events)
{
	BODY_IS(RV_ITEMS, "sse", e_counter,
	    "event: counter\nid: msg-1\nretry: 1000\ndata: {\"count\":1}\n\n"
	    "id: msg-2\ndata: two\n\n"
	    ": hi\n\n");
	/* JSON framings wrap enveloped items; comments vanish. */
	BODY_IS(RV_ITEMS, "ndjson", e_counter,
	    "{\"event\":\"counter\",\"id\":\"msg-1\",\"data\":{\"count\":1}}\n"
	    "{\"id\":\"msg-2\",\"data\":\"two\"}\n");
}
END_TEST

static int
e_bad_fields(struct rv_stream *s)
{

	ck_assert_int_eq(rv_event(s, "a\nb", NULL), RV_EINVAL);
	ck_assert_int_eq(rv_event(s, NULL, "1\r2"), RV_EINVAL);
	ck_assert_int_eq(rv_event(s, "", NULL), RV_EINVAL);
	ck_assert_int_eq(rv_event(s, "\xff", NULL), RV_EINVAL);
	ck_assert_int_eq(rv_retry(s, 0), RV_EINVAL);
	return rv_text(s, "ok");
}

START_TEST(sse_bad_fields)
{
	BODY_IS(RV_SSE, NULL, e_bad_fields, "data: ok\n\n");
}
END_TEST

static int
e_error_after(struct rv_stream *s)
{

	ck_assert_int_eq(rv_int(s, 1), RV_OK);
	ck_assert_int_eq(rv_error(s, 502, "Upstream failed", "try %d", 2),
	    RV_OK);
	ck_assert_int_eq(rv_int(s, 3), RV_ECLOSED);
	return 0;
}

START_TEST(error_items)
{
	BODY_IS(RV_ITEMS, "sse", e_error_after,
	    "data: 1\n\nevent: error\ndata: {\"type\":\"about:blank\","
	    "\"title\":\"Upstream failed\",\"status\":502,"
	    "\"detail\":\"try 2\"}\n\n");
	BODY_IS(RV_ITEMS, "ndjson", e_error_after,
	    "1\n{\"error\":{\"type\":\"about:blank\",\"title\":"
	    "\"Upstream failed\",\"status\":502,\"detail\":\"try 2\"}}\n");
	BODY_IS(RV_ITEMS, "array", e_error_after,
	    "[1,{\"error\":{\"type\":\"about:blank\",\"title\":"
	    "\"Upstream failed\",\"status\":502,\"detail\":\"try 2\"}}]");
	BODY_IS(RV_TEXT, NULL, e_error_after,
	    "1\n\nerror: {\"type\":\"about:blank\",\"title\":"
	    "\"Upstream failed\",\"status\":502,\"detail\":\"try 2\"}\n");
}
END_TEST

static int
e_error_before(struct rv_stream *s)
{

	return rv_error(s, 400, "Invalid stock symbol", "no symbol %s", "X");
}

START_TEST(error_before_first_byte)
{
	struct rv_test_response	 r;
	json_t			*doc;

	t_run(RV_SSE, NULL, e_error_before, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "application/problem+json");
	doc = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "status")),
	    400);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "title")),
	    "Invalid stock symbol");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "detail")),
	    "no symbol X");
	json_decref(doc);
	rv_test_response_free(&r);
}
END_TEST

static int
e_bad_utf8(struct rv_stream *s)
{

	ck_assert_int_eq(rv_text(s, "ok\xc3("), RV_EUTF8);
	ck_assert_int_eq(rv_str(s, "\xed\xa0\x80"), RV_EUTF8); /* surrogate */
	/* inside a map: the whole item goes, the next one is fine */
	rv_map_open(s);
	rv_kstr(s, "a", "fine");
	rv_kstr(s, "b", "\xc0\xaf");	/* overlong '/' */
	rv_kint(s, "c", 3);
	ck_assert_int_eq(rv_map_close(s), RV_EUTF8);
	ck_assert_int_eq(rv_key(s, "x"), RV_ESTATE);
	return rv_text(s, "after");
}

START_TEST(invalid_utf8_dropped)
{
	BODY_IS(RV_SSE, NULL, e_bad_utf8, "data: after\n\n");
	BODY_IS(RV_ITEMS, "ndjson", e_bad_utf8, "\"after\"\n");
	BODY_IS(RV_TEXT, NULL, e_bad_utf8, "after");
}
END_TEST

static int
e_escapes(struct rv_stream *s)
{
	static const char	 raw[] = "q\"b\\n\n\x01\x1f\t\xe2\x80\xa8\0z";

	return rv_strn(s, raw, sizeof(raw) - 1);
}

START_TEST(json_escapes)
{
	BODY_IS(RV_ITEMS, "ndjson", e_escapes,
	    "\"q\\\"b\\\\n\\n\\u0001\\u001f\\t\xe2\x80\xa8\\u0000z\"\n");
}
END_TEST

static int
e_numbers(struct rv_stream *s)
{

	/* NaN has no JSON form: refused, and no item is started */
	ck_assert_int_eq(rv_double(s, NAN), RV_EINVAL);
	rv_array_open(s);
	rv_double(s, 0.1);
	rv_double(s, 1.0);
	rv_double(s, -2.5e-300);
	rv_double(s, 1e21);
	rv_int(s, INT64_MIN);
	rv_uint(s, UINT64_MAX);
	rv_bool(s, 0);
	rv_null(s);
	return rv_array_close(s);
}

START_TEST(json_numbers)
{
	BODY_IS(RV_ITEMS, "ndjson", e_numbers,
	    "[0.1,1.0,-2.5e-300,1e+21,-9223372036854775808,"
	    "18446744073709551615,false,null]\n");
}
END_TEST

static int
e_bin(struct rv_stream *s)
{

	rv_array_open(s);
	rv_bin(s, "\x00\xff\x10", 3);
	rv_bin(s, "ab", 2);
	rv_bin(s, "", 0);
	return rv_array_close(s);
}

START_TEST(json_binary_base64)
{
	BODY_IS(RV_ITEMS, "ndjson", e_bin, "[\"AP8Q\",\"YWI=\",\"\"]\n");
}
END_TEST

/* ------------------------------------------------------------------ */

static int
e_mp_small(struct rv_stream *s)
{

	return rv_packf(s, "{s:i, s:[i,i,i], s:n, s:b, s:f}", "a", 127, "b",
	    128, -32, -33, "c", "d", 1, "e", 1.5);
}

START_TEST(msgpack_bytes)
{
	BODY_IS(RV_ITEMS, "msgpack", e_mp_small,
	    "\x85" "\xa1" "a" "\x7f"
	    "\xa1" "b" "\x93" "\xcc\x80" "\xe0" "\xd0\xdf"
	    "\xa1" "c" "\xc0"
	    "\xa1" "d" "\xc3"
	    "\xa1" "e" "\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00");
}
END_TEST

static int
e_mp_sizes(struct rv_stream *s)
{
	int	 i;

	rv_map_open(s);
	for (i = 0; i < 16; i++) {
		rv_key(s, rv_fmt(s, "%c", 'a' + i));
		rv_int(s, i);
	}
	rv_map_close(s);
	rv_array_open(s);
	for (i = 0; i < 70000; i++)
		rv_null(s);
	return rv_array_close(s);
}

START_TEST(msgpack_container_headers)
{
	struct rv_test_response	 r;
	const unsigned char	*b;

	t_run(RV_ITEMS, "msgpack", e_mp_sizes, &r);
	b = (const unsigned char *)r.body;
	/* map16 with 16 pairs: 3 + 16 * (2 + 1) bytes */
	ck_assert_uint_eq(b[0], 0xde);
	ck_assert_uint_eq(b[1], 0x00);
	ck_assert_uint_eq(b[2], 0x10);
	ck_assert_uint_eq(b[3], 0xa1);
	ck_assert_uint_eq(b[4], 'a');
	/* array32 with 70000 nils */
	b += 3 + 16 * 3;
	ck_assert_uint_eq(b[0], 0xdd);
	ck_assert_uint_eq((unsigned)(b[1] << 24 | b[2] << 16 | b[3] << 8 |
	    b[4]), 70000);
	ck_assert_uint_eq(r.body_len, 3 + 16 * 3 + 5 + 70000);
	ck_assert_uint_eq(json_array_size(r.items), 2);
	rv_test_response_free(&r);
}
END_TEST

static int
e_mp_ints(struct rv_stream *s)
{
	static const int64_t	 v[] = { 0, 127, 128, 255, 256, 65535, 65536,
	    4294967295LL, 4294967296LL, -1, -32, -33, -128, -129, -32768,
	    -32769, -2147483648LL, -2147483649LL, INT64_MIN, INT64_MAX };
	size_t			 i;

	rv_array_open(s);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		rv_int(s, v[i]);
	/* (UINT64_MAX is checked byte for byte in json_numbers: jansson,
	 * the decoder here, cannot hold it) */
	return rv_array_close(s);
}

static int
e_doubles(struct rv_stream *s)
{

	return rv_packf(s, "[f,f,f,f,f,b,n]", 0.1, 1.0, -2.5e-300, 1e21,
	    123456789.123456789, 0);
}

/* JSON -> MessagePack -> JSON is lossless for what JSON can say. */
START_TEST(msgpack_round_trip)
{
	struct rv_test_response	 a, b;

	t_run(RV_ITEMS, "msgpack", e_mp_ints, &a);
	t_run(RV_ITEMS, "ndjson", e_mp_ints, &b);
	ck_assert_uint_eq(json_array_size(json_array_get(a.items, 0)), 20);
	ck_assert(json_equal(a.items, b.items));
	rv_test_response_free(&a);
	rv_test_response_free(&b);
	t_run(RV_ITEMS, "msgpack", e_doubles, &a);
	t_run(RV_ITEMS, "ndjson", e_doubles, &b);
	ck_assert_ptr_nonnull(b.items);
	ck_assert(json_equal(a.items, b.items));
	/* a double stays a double */
	ck_assert(json_is_real(json_array_get(json_array_get(a.items, 0), 1)));
	rv_test_response_free(&a);
	rv_test_response_free(&b);
}
END_TEST

static int
e_mp_input(struct rv_stream *s)
{
	/* {"k": [1, "x", bin(2)], 7: true} */
	static const char	 ok[] = "\x82\xa1k\x93\x01\xa1x\xc4\x02\xab\xcd"
	    "\x07\xc3";

	ck_assert_int_eq(rv_msgpack(s, ok, sizeof(ok) - 1), RV_OK);
	ck_assert_int_eq(rv_msgpack(s, ok, 5), RV_EINVAL);	/* truncated */
	ck_assert_int_eq(rv_msgpack(s, "\x01\x02", 2), RV_EINVAL); /* two */
	ck_assert_int_eq(rv_msgpack(s, "\xc1", 1), RV_EINVAL);	/* never used */
	ck_assert_int_eq(rv_msgpack(s, "\xa2\xff\xfe", 3), RV_EUTF8);
	return 0;
}

START_TEST(msgpack_input)
{
	BODY_IS(RV_ITEMS, "ndjson", e_mp_input,
	    "{\"k\":[1,\"x\",\"q80=\"],\"7\":true}\n");
	BODY_IS(RV_ITEMS, "msgpack", e_mp_input,
	    "\x82\xa1k\x93\x01\xa1x\xc4\x02\xab\xcd\xa1" "7\xc3");
}
END_TEST

static int
e_jansson(struct rv_stream *s)
{
	json_t	*j = json_pack("{s:[i,f,s,b,n]}", "v", 1, 2.5, "x", 0);
	int	 rc;

	rc = rv_json(s, j);
	json_decref(j);
	return rc != RV_OK ? rc : rv_packf(s, "[o, O, s?]",
	    json_string("stolen"), json_true(), NULL);
}

START_TEST(jansson_and_packf)
{
	BODY_IS(RV_ITEMS, "ndjson", e_jansson,
	    "{\"v\":[1,2.5,\"x\",false,null]}\n[\"stolen\",true,null]\n");
}
END_TEST

static int
e_packf_bad(struct rv_stream *s)
{

	ck_assert_int_eq(rv_packf(s, "{s:q}", "a"), RV_EINVAL);
	ck_assert_int_eq(rv_packf(s, "{s:i", "a", 1), RV_EINVAL);
	ck_assert_int_eq(rv_packf(s, "i i", 1, 2), RV_EINVAL);
	ck_assert_int_eq(rv_packf(s, "{i:i}", 1, 2), RV_EINVAL);
	ck_assert_int_eq(rv_packf(s, "s", NULL), RV_EINVAL);
	/* formats that end right after a scalar */
	ck_assert_int_eq(rv_packf(s, "s", "end"), RV_OK);
	ck_assert_int_eq(rv_packf(s, "[s]", "x"), RV_OK);
	return rv_packf(s, "s#", "abcdef", 3);
}

START_TEST(packf_errors_drop_item)
{
	BODY_IS(RV_ITEMS, "ndjson", e_packf_bad,
	    "\"end\"\n[\"x\"]\n\"abc\"\n");
}
END_TEST

/* ------------------------------------------------------------------ */

static int
e_csv(struct rv_stream *s)
{

	rv_packf(s, "{s:i,s:s,s:f,s:b}", "id", 1, "name", "plain", "score",
	    0.5, "ok", 1);
	rv_packf(s, "{s:i,s:s,s:f,s:n}", "id", 2, "name", "a,b \"q\"\r\nz",
	    "score", 2.0, "ok");
	/* wrong key order: refused, nothing written */
	ck_assert_int_eq(rv_packf(s, "{s:i,s:s,s:f,s:b}", "name", 3, "id",
	    "x", "score", 1.0, "ok", 0), RV_EINVAL);
	/* missing column */
	ck_assert_int_eq(rv_packf(s, "{s:i,s:s,s:f}", "id", 3, "name", "x",
	    "score", 1.0), RV_EINVAL);
	/* nested values have no cell */
	ck_assert_int_eq(rv_packf(s, "{s:i,s:[i],s:f,s:b}", "id", 3, "name",
	    1, "score", 1.0, "ok", 0), RV_ETYPE);
	ck_assert_int_eq(rv_bytes(s, "x", 1), RV_ETYPE);
	return rv_packf(s, "[i,s]", 4, "positional");
}

START_TEST(csv_rows)
{
	BODY_IS(RV_CSV, NULL, e_csv,
	    "id,name,score,ok\r\n"
	    "1,plain,0.5,true\r\n"
	    "2,\"a,b \"\"q\"\"\r\nz\",2,\r\n"
	    "4,positional\r\n");
}
END_TEST

static int
e_csv_columns(struct rv_stream *s)
{
	static const char *const cols[] = { "id", "na,me" };

	ck_assert_int_eq(rv_columns(s, 2, cols), RV_OK);
	rv_packf(s, "{s:i,s:s}", "id", 1, "na,me", "x");
	return rv_text(s, "one cell");
}

START_TEST(csv_declared_columns)
{
	struct rv_test_response	 r;

	BODY_IS(RV_CSV, NULL, e_csv_columns,
	    "id,\"na,me\"\r\n1,x\r\none cell\r\n");
	/* and the decoder reads it back */
	t_run(RV_CSV, NULL, e_csv_columns, &r);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    r.items, 0), "na,me")), "x");
	rv_test_response_free(&r);
}
END_TEST

static int
e_text_plain(struct rv_stream *s)
{

	ck_assert_int_eq(rv_text(s, "Hello "), RV_OK);
	ck_assert_int_eq(rv_bytes(s, "\xff", 1), RV_ETYPE);
	ck_assert_int_eq(rv_packf(s, "{s:i}", "n", 1), RV_OK);
	return rv_text(s, "world!");
}

START_TEST(text_plain)
{
	struct rv_test_response	 r;

	BODY_IS(RV_TEXT, NULL, e_text_plain, "Hello {\"n\":1}\nworld!");
	t_run(RV_TEXT, NULL, e_text_plain, &r);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "text/plain; charset=utf-8");
	rv_test_response_free(&r);
}
END_TEST

static int
e_octets(struct rv_stream *s)
{

	ck_assert_int_eq(rv_bytes(s, "\x00\xff", 2), RV_OK);
	ck_assert_int_eq(rv_packf(s, "{s:i}", "n", 1), RV_ETYPE);
	return rv_text(s, "t");
}

START_TEST(octet_stream)
{
	BODY_IS(RV_BYTES, NULL, e_octets, "\x00\xff" "t");
}
END_TEST

static int
e_huge(struct rv_stream *s)
{
	size_t	 n = 17u << 20;
	char	*big = malloc(n);
	int	 rc;

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', n);
	rc = rv_textn(s, big, n);
	ck_assert_int_eq(rc, RV_ETOOBIG);
	/* a structured item that grows past the limit */
	rv_array_open(s);
	big[n - 1] = '\0';
	rv_str(s, big);
	ck_assert_int_eq(rv_array_close(s), RV_ETOOBIG);
	free(big);
	return rv_text(s, "small");
}

START_TEST(huge_items_refused)
{
	BODY_IS(RV_SSE, NULL, e_huge, "data: small\n\n");
}
END_TEST

START_TEST(negotiation_in_open)
{
	struct rv_test_response	 r;

	t_run(RV_ITEMS, "Accept: text/event-stream", e_dogs, &r);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "text/event-stream; charset=utf-8");
	ck_assert_str_eq(rv_test_header(&r, "Cache-Control"), "no-cache");
	ck_assert_str_eq(rv_test_header(&r, "X-Accel-Buffering"), "no");
	ck_assert_uint_eq(json_array_size(r.items), 2);
	rv_test_response_free(&r);

	t_run(RV_ITEMS, "Accept: application/msgpack;q=0.9, "
	    "application/x-ndjson;q=0.5", e_dogs, &r);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "application/msgpack");
	rv_test_response_free(&r);

	t_run(RV_ITEMS, "Accept: image/png", e_dogs, &r);
	ck_assert_int_eq(r.status, 406);
	ck_assert_str_eq(rv_test_header(&r, "Content-Type"),
	    "application/problem+json");
	ck_assert_ptr_nonnull(strstr(r.body, "application/x-ndjson"));
	ck_assert_int_eq(t_emit_rc, RV_ECLOSED);
	rv_test_response_free(&r);

	t_run(RV_SSE, "ndjson", e_dogs, &r);
	ck_assert_int_eq(r.status, 406);
	rv_test_response_free(&r);
}
END_TEST

/*
 * The writer's short paths (a key/value pair, an open or a close
 * written straight into the buffer) must give the token path's bytes.
 * t_split writes each pair as rv_key and a value instead, through the
 * token path; "refjson", a module encoder that is NDJSON by another
 * name, has no short path at all.
 */
static int	 t_split;

static int
sp_kint(struct rv_stream *s, const char *k, int64_t v)
{

	int	 rc;

	if (!t_split)
		return rv_kint(s, k, v);
	rc = rv_key(s, k);
	return rc != RV_OK ? rv_int(s, v), rc : rv_int(s, v);
}

static int
sp_kstr(struct rv_stream *s, const char *k, const char *v)
{

	int	 rc;

	if (!t_split)
		return rv_kstr(s, k, v);
	rc = rv_key(s, k);
	return rc != RV_OK ? rv_str(s, v), rc : rv_str(s, v);
}

static int
sp_kbool(struct rv_stream *s, const char *k, int v)
{

	int	 rc;

	if (!t_split)
		return v < 0 ? rv_knull(s, k) : rv_kbool(s, k, v);
	if ((rc = rv_key(s, k)) != RV_OK) {
		rv_null(s);
		return rc;
	}
	return v < 0 ? rv_null(s) : rv_bool(s, v);
}

static int
e_short_paths(struct rv_stream *s)
{
	static const int64_t	 v[] = { 0, 9, 10, 99, 100, 127, 128, 255, 256,
	    999999, 1000000, 65535, 65536, 4294967295LL, 4294967296LL,
	    999999999999999999LL, 1000000000000000000LL, -1, -9, -10, -32,
	    -33, -128, -129, -32768, -32769, -2147483648LL, -2147483649LL,
	    INT64_MIN, INT64_MAX };
	static const char *const str[] = { "", "x", "Dog 1", "a\"b", "t\tb",
	    "\x01", "\xc3\xa9t\xc3\xa9", "\xe6\x97\xa5", "a\\", "~\x7f" };
	static char		 big[70001];
	char			 k[48];
	size_t			 i;

	memset(big, 'b', sizeof(big) - 1);
	rv_map_open(s);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(k, sizeof(k), "k%zu", i);
		ck_assert_int_eq(sp_kint(s, k, v[i]), RV_OK);
	}
	/* keys around the lengths where copies, scans, fixstr change */
	for (i = 0; i < 41; i++) {
		memset(k, 'a' + (int)(i % 26), i);
		k[i] = '\0';
		sp_kint(s, k, (int64_t)i);
		sp_kstr(s, k, k);
	}
	for (i = 0; i < sizeof(str) / sizeof(str[0]); i++) {
		sp_kstr(s, str[i], str[i]);
		sp_kbool(s, str[i], (int)i % 3 - 1);
	}
	sp_kstr(s, "null", NULL);
	sp_kbool(s, "t", 7);
	for (i = 255; i <= 257; i++) {
		big[i] = '\0';
		sp_kstr(s, big, big);
		big[i] = 'b';
	}
	sp_kstr(s, "big", big);
	ck_assert_int_eq(rv_map_close(s), RV_OK);
	/* nesting: separators in arrays of arrays, maps in maps */
	rv_array_open(s);
	rv_array_open(s);
	rv_array_close(s);
	rv_array_open(s);
	rv_int(s, 1);
	rv_map_open(s);
	rv_key(s, "m");
	rv_map_open(s);
	sp_kint(s, "a", 1);
	rv_key(s, "l");
	rv_array_open(s);
	rv_map_open(s);
	rv_map_close(s);
	rv_map_open(s);
	sp_kbool(s, "b", 1);
	rv_map_close(s);
	rv_array_close(s);
	sp_kstr(s, "z", "z");
	rv_map_close(s);
	rv_map_close(s);
	rv_array_close(s);
	ck_assert_int_eq(rv_array_close(s), RV_OK);
	/* failed items are cut whole, the next is whole */
	rv_map_open(s);
	sp_kint(s, "ok", 1);
	ck_assert_int_eq(sp_kstr(s, "bad", "\xff"), RV_EUTF8);
	ck_assert_int_ne(rv_map_close(s), RV_OK);
	rv_map_open(s);
	ck_assert_int_eq(sp_kint(s, "\xc3(", 1), RV_EUTF8);
	sp_kint(s, "after", 2);
	ck_assert_int_ne(rv_map_close(s), RV_OK);
	rv_map_open(s);
	ck_assert_int_eq(rv_kint(s, NULL, 1), RV_EINVAL);
	sp_kint(s, "ok", 3);
	ck_assert_int_eq(rv_map_close(s), RV_OK);
	/* an envelope around a map */
	ck_assert_int_eq(rv_event(s, "ev", "7"), RV_OK);
	rv_map_open(s);
	sp_kint(s, "e", -1);
	ck_assert_int_eq(rv_map_close(s), RV_OK);
	return 0;
}

static int
ref_item_end(struct rv_enc *e, const struct rv_item *it)
{

	(void)it;
	return rv_enc_write(e, "\n", 1);
}

static const struct rv_encoder ref_json = {
	.abi = RV_ABI_VERSION,
	.name = "refjson",
	.media_type = "application/x-ref-json",
	.token = rv_enc_json_token,
	.item_end = ref_item_end,
};
static const struct rv_encoder *const ref_encs[] = { &ref_json, NULL };
static const struct rv_module ref_module = {
	RV_MODULE_HEAD,
	.name = "ref",
	.routes = t_routes,
	.encoders = ref_encs,
};

static void
run_ref(const char *format, int split, struct rv_test_response *r)
{
	struct rv_server	*srv = rv_server_new();
	struct rv_test_request	 rq;
	const char		*hdrs[1] = { NULL };
	char			 uri[64], err[256];

	ck_assert_ptr_nonnull(srv);
	ck_assert_int_eq(rv_server_add_module(srv, &ref_module, err,
	    sizeof(err)), RV_OK);
	memset(&rq, 0, sizeof(rq));
	t_offer = "refjson " RV_ITEMS " json";
	t_emit = e_short_paths;
	t_split = split;
	snprintf(uri, sizeof(uri), "/t?format=%s", format);
	rq.uri = uri;
	rq.headers = hdrs;
	ck_assert_int_eq(rv_test_run(srv, &rq, r), RV_OK);
	ck_assert_int_eq(r->status, 200);
	rv_server_free(srv);
}

#define ENV	"{\"event\":\"ev\",\"id\":\"7\",\"data\":"

START_TEST(short_paths_same_bytes)
{
	static const char *const fmts[] = { "ndjson", "msgpack", "sse",
	    "array", "json-seq" };
	struct rv_test_response	 a, b;
	size_t			 i, n;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		run_ref(fmts[i], 0, &a);
		run_ref(fmts[i], 1, &b);
		ck_assert_uint_gt(a.body_len, 70000);
		ck_assert_uint_eq(a.body_len, b.body_len);
		ck_assert_mem_eq(a.body, b.body, a.body_len);
		rv_test_response_free(&a);
		rv_test_response_free(&b);
	}
	/* what both paths share: MessagePack reads back as the JSON */
	run_ref("msgpack", 0, &a);
	run_ref("ndjson", 0, &b);
	ck_assert_uint_eq(json_array_size(b.items), 4);
	ck_assert(json_equal(a.items, b.items));
	rv_test_response_free(&a);
	rv_test_response_free(&b);
	/* no short path anywhere; the last item's envelope is ndjson's */
	run_ref("ndjson", 0, &a);
	run_ref("refjson", 0, &b);
	ck_assert_uint_eq(a.body_len, b.body_len + sizeof(ENV) - 1 + 1);
	n = b.body_len - sizeof("{\"e\":-1}\n") + 1;
	ck_assert_mem_eq(a.body, b.body, n);
	ck_assert_str_eq(a.body + n, ENV "{\"e\":-1}}\n");
	ck_assert_str_eq(b.body + n, "{\"e\":-1}\n");
	rv_test_response_free(&a);
	rv_test_response_free(&b);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("encoders");
	TCase	*tc = tcase_create("bytes");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ndjson_values);
	tcase_add_test(tc, jsonseq_values);
	tcase_add_test(tc, array_values);
	tcase_add_test(tc, empty_streams);
	tcase_add_test(tc, array_envelope);
	tcase_add_test(tc, json_one_document);
	tcase_add_test(tc, sse_multiline_text);
	tcase_add_test(tc, sse_events);
	tcase_add_test(tc, sse_bad_fields);
	tcase_add_test(tc, error_items);
	tcase_add_test(tc, error_before_first_byte);
	tcase_add_test(tc, invalid_utf8_dropped);
	tcase_add_test(tc, json_escapes);
	tcase_add_test(tc, json_numbers);
	tcase_add_test(tc, json_binary_base64);
	tcase_add_test(tc, msgpack_bytes);
	tcase_add_test(tc, msgpack_container_headers);
	tcase_add_test(tc, msgpack_round_trip);
	tcase_add_test(tc, msgpack_input);
	tcase_add_test(tc, jansson_and_packf);
	tcase_add_test(tc, packf_errors_drop_item);
	tcase_add_test(tc, csv_rows);
	tcase_add_test(tc, csv_declared_columns);
	tcase_add_test(tc, text_plain);
	tcase_add_test(tc, octet_stream);
	tcase_add_test(tc, short_paths_same_bytes);
	tcase_add_test(tc, huge_items_refused);
	tcase_add_test(tc, negotiation_in_open);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{

	return t_main(suite());
}
