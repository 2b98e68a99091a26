/*
 * test_catdec.c: rivulet-cat's streaming decoders.  Every body is
 * decoded whole, a byte at a time, and split at every point in two:
 * the items must be the same whichever way the bytes came, and a body
 * that is not of its framing must be refused every way too.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "catdec.h"
#include "runner.h"

struct got {
	struct rv_buf	 out;
	int		 stop_after;	/* 0: never */
	int		 n;
};

static int
collect(json_t *item, void *arg)
{
	struct got	*g = arg;
	char		*s = json_dumps(item, JSON_COMPACT | JSON_ENCODE_ANY);

	ck_assert_ptr_nonnull(s);
	buf_puts(&g->out, s);
	buf_putc(&g->out, '\n');
	free(s);
	json_decref(item);
	return g->stop_after > 0 && ++g->n >= g->stop_after;
}

/*
 * body[0..len) fed in pieces: first piece `split` bytes (0: none),
 * then pieces of `step` bytes.  The items as JSON lines, with "BAD\n"
 * after them if the decoder refused the body; a new string.
 */
static char *
decode(enum cat_framing f, const char *body, size_t len, size_t split,
    size_t step)
{
	struct got	 g = { { 0 }, 0, 0 };
	struct catdec	*d = catdec_new(f, collect, &g);
	enum cat_res	 r = CD_OK;
	size_t		 off = 0, k;

	ck_assert_ptr_nonnull(d);
	while (r == CD_OK && off < len) {
		k = off == 0 && split > 0 ? split : step;
		if (k > len - off)
			k = len - off;
		r = catdec_feed(d, body + off, k);
		off += k;
	}
	if (r == CD_OK)
		r = catdec_end(d);
	if (r == CD_BAD)
		buf_puts(&g.out, "BAD\n");
	catdec_free(d);
	buf_putc(&g.out, '\0');
	return g.out.p;
}

/* The same items however the body is cut into pieces. */
static void
expect(enum cat_framing f, const char *body, size_t len, const char *want)
{
	char	*got;
	size_t	 split;

	got = decode(f, body, len, 0, len > 0 ? len : 1);
	ck_assert_str_eq(got, want);
	free(got);
	got = decode(f, body, len, 0, 1);
	ck_assert_msg(strcmp(got, want) == 0, "byte by byte: %s", got);
	free(got);
	for (split = 1; split < len; split++) {
		got = decode(f, body, len, split, len);
		ck_assert_msg(strcmp(got, want) == 0, "split at %zu: %s",
		    split, got);
		free(got);
	}
}

#define EXPECT(f, lit, want)	expect(f, lit, sizeof(lit) - 1, want)

START_TEST(sse)
{
	EXPECT(CF_SSE, "retry: 1000\nid: a\nevent: e\ndata: {\"x\":1}\n\n"
	    ": a comment\n\ndata: line1\r\ndata: line2\r\n\r\n"
	    "data:caf\xc3\xa9\r\rdata: cut short",
	    "{\"event\":\"e\",\"id\":\"a\",\"retry\":1000,\"data\":{\"x\":1}}\n"
	    "{\"data\":\"line1\\nline2\"}\n"
	    "{\"data\":\"caf\xc3\xa9\"}\n");
	EXPECT(CF_SSE, "data: \xff\n\n", "BAD\n");
}
END_TEST

START_TEST(ndjson_and_seq)
{
	EXPECT(CF_NDJSON, "{\"a\":[1,2]}\n\n  \n\"s\\n\"\r\n3",
	    "{\"a\":[1,2]}\n\"s\\n\"\n3\n");
	EXPECT(CF_NDJSON, "1\n{bad\n2\n", "1\nBAD\n");
	/* "12" of "123" is a value too: a record is tried at its LF only */
	EXPECT(CF_SEQ, "\x1e{\"a\":1}\n\x1e" "123\n\x1e\"x\"\n\x1e\n",
	    "{\"a\":1}\n123\n\"x\"\n");
	EXPECT(CF_SEQ, "\x1e{\n\"a\":\n1}\n", "{\"a\":1}\n");
	EXPECT(CF_SEQ, "x\x1e" "1\n", "BAD\n");
	EXPECT(CF_SEQ, "\x1e" "1\n\x1e{nope\n", "1\nBAD\n");
}
END_TEST

START_TEST(json)
{
	EXPECT(CF_JSON, " [ 1 , {\"k\":\"a]}\\\"\"}, [2,[3]], \"s\", true,"
	    "null ] \n",
	    "1\n{\"k\":\"a]}\\\"\"}\n[2,[3]]\n\"s\"\ntrue\nnull\n");
	EXPECT(CF_JSON, "{\"items\": [1, 2], \"total\": 2, "
	    "\"more\": {\"x\": [1]}}",
	    "1\n2\n{\"total\":2}\n{\"more\":{\"x\":[1]}}\n");
	EXPECT(CF_JSON, "{\"a\": 1, \"b\": [1]}", "{\"a\":1,\"b\":[1]}\n");
	EXPECT(CF_JSON, "[]", "");
	EXPECT(CF_JSON, "", "");
	EXPECT(CF_JSON, "42", "42\n");
	EXPECT(CF_JSON, "[1,2", "1\n2\nBAD\n");
	EXPECT(CF_JSON, "[1 2]", "1\nBAD\n");
	EXPECT(CF_JSON, "[1,]", "1\nBAD\n");
	EXPECT(CF_JSON, "[1] x", "1\nBAD\n");
	/* an envelope's items are out before its end shows it is bad */
	EXPECT(CF_JSON, "{\"a\": [1}", "1\nBAD\n");
}
END_TEST

START_TEST(msgpack)
{
	/* {"a": [1, -1, 1.5, nil, true], "b": bin 00 ff}, then 300 */
	EXPECT(CF_MSGPACK, "\x82\xa1" "a\x95\x01\xff\xcb\x3f\xf8\0\0\0\0\0\0"
	    "\xc0\xc3\xa1" "b\xc4\x02\x00\xff\xcd\x01\x2c",
	    "{\"a\":[1,-1,1.5,null,true],\"b\":\"AP8=\"}\n300\n");
	EXPECT(CF_MSGPACK, "\x01\xc1", "1\nBAD\n");
	EXPECT(CF_MSGPACK, "\x01\x92\x01", "1\nBAD\n");
}
END_TEST

START_TEST(csv_and_text)
{
	char	*got;

	EXPECT(CF_CSV, "id,name\r\n1,\"a, \"\"b\"\"\r\nc\"\r\n2,x",
	    "[\"id\",\"name\"]\n[\"1\",\"a, \\\"b\\\"\\r\\nc\"]\n"
	    "[\"2\",\"x\"]\n");
	EXPECT(CF_CSV, "a\n\"b\"c\n", "[\"a\"]\nBAD\n");
	EXPECT(CF_CSV, "\"open\n", "BAD\n");
	EXPECT(CF_TEXT, "one\ntwo\r\nthree", "\"one\"\n\"two\"\n\"three\"\n");
	EXPECT(CF_TEXT, "ok\n\xff\n", "\"ok\"\nBAD\n");
	/* bytes: each piece as it came */
	got = decode(CF_BYTES, "\x00\xff", 2, 0, 2);
	ck_assert_str_eq(got, "\"AP8=\"\n");
	free(got);
	got = decode(CF_BYTES, "\x00\xff", 2, 0, 1);
	ck_assert_str_eq(got, "\"AA==\"\n\"/w==\"\n");
	free(got);
}
END_TEST

START_TEST(stop_and_names)
{
	struct got	 g = { { 0 }, 2, 0 };
	struct catdec	*d = catdec_new(CF_NDJSON, collect, &g);
	enum cat_framing f;

	ck_assert_int_eq(catdec_feed(d, "1\n2\n3\n", 6), CD_STOP);
	ck_assert_int_eq(catdec_feed(d, "4\n", 2), CD_STOP);
	buf_putc(&g.out, '\0');
	ck_assert_str_eq(g.out.p, "1\n2\n");
	catdec_free(d);
	buf_free(&g.out);

	ck_assert_int_eq(catdec_framing("text/event-stream; charset=utf-8"),
	    CF_SSE);
	ck_assert_int_eq(catdec_framing("Application/X-NDJSON"), CF_NDJSON);
	ck_assert_int_eq(catdec_framing("application/problem+json"), CF_JSON);
	ck_assert_int_eq(catdec_framing("application/vnd.x+json"), CF_JSON);
	ck_assert_int_eq(catdec_framing("application/rss+xml"), CF_TEXT);
	ck_assert_int_eq(catdec_framing("image/png"), CF_BYTES);
	ck_assert_int_eq(catdec_framing(NULL), CF_BYTES);
	ck_assert_int_eq(catdec_framing_byname("json-seq", &f), 0);
	ck_assert_int_eq(f, CF_SEQ);
	ck_assert_int_eq(catdec_framing_byname("nope", &f), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("catdec");
	TCase	*tc = tcase_create("catdec");

	tcase_add_test(tc, sse);
	tcase_add_test(tc, ndjson_and_seq);
	tcase_add_test(tc, json);
	tcase_add_test(tc, msgpack);
	tcase_add_test(tc, csv_and_text);
	tcase_add_test(tc, stop_and_names);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
