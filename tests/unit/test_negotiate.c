/*
 * test_negotiate.c: Accept q-values, wildcards, specificity, ties,
 * q=0, malformed headers; ?format= with names and aliases.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "runner.h"

/* A server of the built-in encoders only, built by hand. */
static const struct rv_encoder *builtins[] = { &enc_text, &enc_bytes,
    &enc_json, &enc_array, &enc_ndjson, &enc_jsonseq, &enc_sse,
    &enc_msgpack, &enc_csv };

static struct rv_server *
server(const struct rv_encoder **encs, size_t n)
{
	static struct rv_server	 srv;

	memset(&srv, 0, sizeof(srv));
	srv.encs = encs;
	srv.nencs = n;
	return &srv;
}

static const char *
pick(const char *offer, const char *format, const char *accept)
{
	const struct rv_encoder	*e;

	e = negotiate(server(builtins, sizeof(builtins) / sizeof(builtins[0])),
	    offer, format, accept);
	return e != NULL ? e->name : "none";
}

#define Q(accept, mt)	accept_quality((accept), (mt))

START_TEST(no_accept)
{
	ck_assert_str_eq(pick(RV_ITEMS, NULL, NULL), "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, ""), "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "  \t "), "ndjson");
	ck_assert_str_eq(pick(RV_SSE, NULL, NULL), "sse");
	ck_assert_str_eq(pick(RV_JSON, NULL, NULL), "json");
	/* unknown names in an offer are skipped; spaces are loose */
	ck_assert_str_eq(pick("nosuch ndjson", NULL, NULL), "ndjson");
	ck_assert_str_eq(pick("  sse   ndjson ", NULL, NULL), "sse");
	ck_assert_str_eq(pick("", NULL, NULL), "none");
	ck_assert_str_eq(pick("nosuch", NULL, NULL), "none");
	ck_assert_str_eq(pick(NULL, NULL, NULL), "none");
	/* an alias in an offer names its encoder */
	ck_assert_str_eq(pick("jsonl", NULL, NULL), "ndjson");
}
END_TEST

START_TEST(q_values)
{
	ck_assert_int_eq(Q("a/b", "a/b"), 1000);
	ck_assert_int_eq(Q("a/b;q=0.5", "a/b"), 500);
	ck_assert_int_eq(Q("a/b;q=0.05", "a/b"), 50);
	ck_assert_int_eq(Q("a/b;q=0.001", "a/b"), 1);
	ck_assert_int_eq(Q("a/b;q=0.", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;q=1", "a/b"), 1000);
	ck_assert_int_eq(Q("a/b;q=1.", "a/b"), 1000);
	ck_assert_int_eq(Q("a/b;q=1.000", "a/b"), 1000);
	ck_assert_int_eq(Q("a/b;Q=0.25", "a/b"), 250);
	ck_assert_int_eq(Q("a/b;q=0", "a/b"), 0);
	ck_assert_int_eq(Q("a/c", "a/b"), 0);
	/* not qvalues: the element is ignored */
	ck_assert_int_eq(Q("a/b;q=1.5", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;q=1.001", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;q=0.0001", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;q=2", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;q=-1", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;q=.5", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;q=0.5x", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;q=", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;q", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;q=x, a/b;q=0.3", "a/b"), 300);
	/* order of preference in the header does not matter, q does */
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    "application/msgpack;q=0.5, application/x-ndjson"), "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    "application/msgpack, application/x-ndjson;q=0.5"), "msgpack");
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    "application/x-ndjson;q=0.001, application/json-seq;q=0.002"),
	    "json-seq");
}
END_TEST

START_TEST(wildcards)
{
	ck_assert_int_eq(Q("*/*", "a/b"), 1000);
	ck_assert_int_eq(Q("a/*;q=0.4", "a/b"), 400);
	ck_assert_int_eq(Q("c/*", "a/b"), 0);
	/* "*" for the type only is not a media range */
	ck_assert_int_eq(Q("*/b", "a/b"), 0);
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "*/*"), "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "text/*"), "sse");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "application/*"), "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    "application/*;q=0.1, text/*;q=0.2"), "sse");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "image/*"), "none");
	/* a browser */
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "text/html,application/"
	    "xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"), "ndjson");
	/* EventSource */
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "text/event-stream"), "sse");
}
END_TEST

START_TEST(specificity)
{
	/* the most specific range decides, whatever its q */
	ck_assert_int_eq(Q("a/*;q=0.3, a/b;q=0.7", "a/b"), 700);
	ck_assert_int_eq(Q("a/b;q=0.7, */*;q=0.9", "a/b"), 700);
	ck_assert_int_eq(Q("*/*;q=0.9, a/*;q=0.2", "a/b"), 200);
	ck_assert_int_eq(Q("a/*, a/b;q=0", "a/b"), 0);
	ck_assert_int_eq(Q("a/*;q=0, a/b", "a/b"), 1000);
	/* among equally specific ranges, the best q */
	ck_assert_int_eq(Q("a/b;q=0.2, a/b;q=0.6", "a/b"), 600);
	/* RFC 9110's example: text/plain;format=flowed is another type */
	ck_assert_int_eq(Q("text/*;q=0.3, text/plain;q=0.7, "
	    "text/plain;format=flowed, text/plain;format=fixed;q=0.4, "
	    "*/*;q=0.5", "text/plain"), 700);
	ck_assert_int_eq(Q("text/plain;format=flowed", "text/plain"), 0);
	ck_assert_int_eq(Q("text/plain;format=flowed, text/*;q=0.3",
	    "text/plain"), 300);
	/* our text framings are UTF-8: charset=utf-8 is ours, and wins */
	ck_assert_int_eq(Q("text/event-stream;q=0.9, "
	    "text/event-stream;charset=utf-8;q=0.5", "text/event-stream"), 500);
	ck_assert_int_eq(Q("text/csv;charset=\"UTF-8\"", "text/csv"), 1000);
	ck_assert_int_eq(Q("text/csv;charset=utf8", "text/csv"), 1000);
	ck_assert_int_eq(Q("text/csv;charset=latin1", "text/csv"), 0);
	/* q=0 refuses one type; the wildcard still takes the rest */
	ck_assert_str_eq(pick("msgpack sse", NULL,
	    "application/msgpack;q=0, */*"), "sse");
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    "application/x-ndjson;q=0, */*;q=0.1"), "sse");
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    "application/*;q=0, application/msgpack"), "msgpack");
	ck_assert_str_eq(pick("msgpack", NULL, "application/msgpack;q=0"),
	    "none");
	ck_assert_str_eq(pick(RV_TEXT, NULL, "text/plain;q=0"), "none");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "image/png"), "none");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "*/*;q=0"), "none");
}
END_TEST

START_TEST(ties)
{
	/* equal q: the handler's order */
	ck_assert_str_eq(pick("sse ndjson", NULL,
	    "application/x-ndjson, text/event-stream"), "sse");
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    "text/event-stream, application/x-ndjson"), "ndjson");
	ck_assert_str_eq(pick("msgpack ndjson", NULL,
	    "application/x-ndjson;q=0.5, application/msgpack;q=0.5"),
	    "msgpack");
	/* array and json share application/json: the first offered */
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "application/json"), "array");
	ck_assert_str_eq(pick("json array", NULL, "application/json"),
	    "json");
}
END_TEST

START_TEST(malformed)
{
	/* whitespace, case, empty and junk elements */
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    " Text/Event-Stream ; charset=utf-8 ; q=0.9 , junk, ;;, a/b;q=x"),
	    "sse");
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    "\ttext/event-stream\t;\tq=0.5\t,\t,,"), "sse");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "TEXT/EVENT-STREAM"), "sse");
	ck_assert_int_eq(Q("a/b;;q=0.5;", "a/b"), 500);
	ck_assert_int_eq(Q("a/b ;q=0.5", "a/b"), 500);
	ck_assert_int_eq(Q("a / b", "a/b"), 0);
	ck_assert_int_eq(Q("a/b c", "a/b"), 0);
	ck_assert_int_eq(Q("a/", "a/b"), 0);
	ck_assert_int_eq(Q("/b", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;noequals", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;q = 0.5", "a/b"), 0);
	ck_assert_int_eq(Q("a/b;x=\"unterminated", "a/b"), 0);
	/* a comma inside a quoted string does not split */
	ck_assert_int_eq(Q("a/b;x=\", a/c, \"", "a/c"), 0);
	ck_assert_int_eq(Q("a/b;x=\", a/c, \", a/c;q=0.2", "a/c"), 200);
	ck_assert_int_eq(Q("a/b;x=\"q\\\"s,\";q=0.5, a/b;q=0.9", "a/b"), 900);
	ck_assert_str_eq(pick(RV_ITEMS, NULL,
	    "text/plain;x=\"a,b\", application/msgpack"), "msgpack");
	/* after q, extension parameters are ignored */
	ck_assert_int_eq(Q("a/b;q=0.5;level=1", "a/b"), 500);
	/* valid elements survive malformed ones */
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "garbage, application/msgpack"),
	    "msgpack");
	/*
	 * No well-formed element at all: as if there were no Accept.
	 */
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "text/event-stream;q=2"),
	    "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, "json"), "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, NULL, ",,;;"), "ndjson");
	ck_assert_int_eq(Q("", "a/b"), 0);
	ck_assert_int_eq(Q(NULL, "a/b"), 0);
}
END_TEST

START_TEST(format_override)
{
	/* ?format= beats Accept */
	ck_assert_str_eq(pick(RV_ITEMS, "msgpack", "text/event-stream"),
	    "msgpack");
	ck_assert_str_eq(pick(RV_ITEMS, "msgpack", "application/msgpack;q=0"),
	    "msgpack");
	/* aliases */
	ck_assert_str_eq(pick(RV_ITEMS, "jsonl", NULL), "ndjson");
	ck_assert_str_eq(pick(RV_ITEMS, "messagepack", NULL), "msgpack");
	ck_assert_str_eq(pick(RV_ITEMS, "event-stream", NULL), "sse");
	ck_assert_str_eq(pick(RV_TEXT, "plain", NULL), "text");
	/* "json" is the json encoder's name and the array's alias */
	ck_assert_str_eq(pick(RV_ITEMS, "json", NULL), "array");
	ck_assert_str_eq(pick(RV_JSON, "json", NULL), "json");
	ck_assert_str_eq(pick("array json", "json", NULL), "json");
	ck_assert_str_eq(pick("json array", "array", NULL), "array");
	/* exact and case-sensitive; only what is offered */
	ck_assert_str_eq(pick(RV_ITEMS, "csv", NULL), "none");
	ck_assert_str_eq(pick(RV_ITEMS, "nope", NULL), "none");
	ck_assert_str_eq(pick(RV_ITEMS, "NDJSON", NULL), "none");
	ck_assert_str_eq(pick(RV_ITEMS, "ndjso", NULL), "none");
	ck_assert_str_eq(pick(RV_ITEMS, "ndjson ", NULL), "none");
	ck_assert_str_eq(pick(RV_ITEMS, "ndjson sse", NULL), "none");
	ck_assert_str_eq(pick("nosuch", "nosuch", NULL), "none");
	/* an empty ?format= is no override */
	ck_assert_str_eq(pick(RV_ITEMS, "", "text/event-stream"), "sse");
	ck_assert_str_eq(pick(RV_ITEMS, "", NULL), "ndjson");
}
END_TEST

/* Module encoders, stubbed: only the fields negotiation reads. */
static const struct rv_encoder stub_cbor = { .name = "cbor",
	.alias = "c", .media_type = "application/cbor" };
static const struct rv_encoder stub_c = { .name = "c",
	.media_type = "application/x-c" };
static const struct rv_encoder stub_upper = { .name = "UP",
	.media_type = "Text/X-Up" };

START_TEST(module_encoders)
{
	const struct rv_encoder	*encs[] = { &stub_cbor, &stub_c, &stub_upper };
	struct rv_server	*srv = server(encs, 3);

	ck_assert_ptr_eq(encoder_by_name(srv, "cbor", 4), &stub_cbor);
	ck_assert_ptr_eq(encoder_by_name(srv, "cborx", 4), &stub_cbor);
	ck_assert_ptr_null(encoder_by_name(srv, "cbo", 3));
	ck_assert_ptr_null(encoder_by_name(srv, "CBOR", 4));
	/* a name beats another encoder's alias */
	ck_assert_ptr_eq(encoder_by_name(srv, "c", 1), &stub_c);
	ck_assert_ptr_eq(negotiate(srv, "cbor c", "c", NULL), &stub_c);
	ck_assert_ptr_eq(negotiate(srv, "cbor", "c", NULL), &stub_cbor);
	ck_assert_ptr_eq(negotiate(srv, "c cbor", NULL,
	    "application/cbor"), &stub_cbor);
	ck_assert_ptr_eq(negotiate(srv, "cbor UP", NULL, "text/x-up"),
	    &stub_upper);
	ck_assert_ptr_null(negotiate(srv, "cbor c", NULL, "text/*"));
	/* the built-ins are not there */
	ck_assert_ptr_null(negotiate(srv, "ndjson", NULL, NULL));
	ck_assert_ptr_eq(negotiate(srv, "ndjson cbor", NULL, NULL),
	    &stub_cbor);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("negotiate");
	TCase	*tc = tcase_create("negotiate");

	tcase_add_test(tc, no_accept);
	tcase_add_test(tc, q_values);
	tcase_add_test(tc, wildcards);
	tcase_add_test(tc, specificity);
	tcase_add_test(tc, ties);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, format_override);
	tcase_add_test(tc, module_encoders);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
