/*
 * test_request.c: query decoding, numbers, header names, the routed
 * path as each front server sends it, bad input, problem bodies, logs.
 */
#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "reqkit.h"
#include "runner.h"

static struct rv_server	 srv;
static struct rv_req	 rq;

static void
env_req(const char *mount, const char *const *env)
{

	memset(&srv, 0, sizeof(srv));
	srv.mount = (char *)mount;
	mkreq(&rq, &srv, env);
}

static void
with_query(const char *qs)
{
	char		 q[512];
	const char	*env[] = { "REQUEST_METHOD=GET", "PATH_INFO=/x", q,
	    "HTTP_ACCEPT=text/event-stream", "HTTP_LAST_EVENT_ID=42",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=0",
	    "HTTP_X_FORWARDED_FOR=10.0.0.1", "HTTP_ACCEPT=second", NULL };

	snprintf(q, sizeof(q), "QUERY_STRING=%s", qs);
	env_req(NULL, env);
}

static void
done(void)
{

	req_free(&rq);
}

START_TEST(decoding)
{
	with_query("a=1&b=x+y%20z&a=2&empty=&flag&%C3%A9=%E2%82%AC&&"
	    "k%2Bey=v%2b&eq=a=b&semi=1;2&=novalue&%c3%a9x=lower");
	ck_assert_str_eq(rv_query(&rq, "a", NULL), "1");	/* the first */
	ck_assert_str_eq(rv_query(&rq, "b", NULL), "x y z");
	ck_assert_str_eq(rv_query(&rq, "empty", "d"), "");
	ck_assert_str_eq(rv_query(&rq, "flag", "d"), "");
	ck_assert_str_eq(rv_query(&rq, "\xc3\xa9", NULL), "\xe2\x82\xac");
	ck_assert_str_eq(rv_query(&rq, "\xc3\xa9x", NULL), "lower");
	ck_assert_str_eq(rv_query(&rq, "k+ey", NULL), "v+");
	ck_assert_str_eq(rv_query(&rq, "eq", NULL), "a=b");
	/* ';' is not a separator */
	ck_assert_str_eq(rv_query(&rq, "semi", NULL), "1;2");
	ck_assert_str_eq(rv_query(&rq, "", NULL), "novalue");
	ck_assert_str_eq(rv_query(&rq, "missing", "def"), "def");
	ck_assert_ptr_null(rv_query(&rq, "missing", NULL));
	ck_assert_str_eq(rv_query(&rq, NULL, "def"), "def");
	/* keys are exact */
	ck_assert_ptr_null(rv_query(&rq, "A", NULL));
	ck_assert_int_eq(rq.bad_status, 0);
	done();
	with_query("");
	ck_assert_str_eq(rv_query(&rq, "a", "d"), "d");
	ck_assert_uint_eq(rq.nquery, 0);
	done();
}
END_TEST

START_TEST(no_query_string)
{
	const char	*env[] = { "REQUEST_METHOD=GET", "PATH_INFO=/x", NULL };

	env_req(NULL, env);
	ck_assert_str_eq(rv_query(&rq, "a", "d"), "d");
	ck_assert_int_eq(rq.bad_status, 0);
	done();
}
END_TEST

START_TEST(bad_escapes)
{
	static const char *const bad[] = { "a=%zz", "a=%4", "a=%", "a=%00",
	    "a=%ff", "a=%C3", "a=%C0%AF", "a=%ED%A0%80", "a%=1", "%00=1",
	    "a=x%g1" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		with_query(bad[i]);
		ck_assert_msg(rv_query(&rq, "a", NULL) == NULL, "%s", bad[i]);
		ck_assert_msg(rq.bad_status == 400, "%s", bad[i]);
		ck_assert_msg(utf8_valid(rq.bad, strlen(rq.bad)), "%s", bad[i]);
		done();
	}
	/* the bad pair is skipped, the others kept; the message says why */
	with_query("a=%zz&b=2&c=%ff");
	ck_assert_ptr_null(rv_query(&rq, "a", NULL));
	ck_assert_str_eq(rv_query(&rq, "b", NULL), "2");
	ck_assert_ptr_null(rv_query(&rq, "c", NULL));
	ck_assert_int_eq(rq.bad_status, 400);
	ck_assert_ptr_nonnull(strstr(rq.bad, "percent-escape"));
	done();
	with_query("c=%ff");
	ck_assert_ptr_null(rv_query(&rq, "c", NULL));
	ck_assert_ptr_nonnull(strstr(rq.bad, "UTF-8"));
	done();
}
END_TEST

START_TEST(pct)
{
	char	 out[32];
	size_t	 n;

	ck_assert_int_eq(pct_decode(out, "a+b%2F%2f", 9, 0, &n), 0);
	ck_assert_str_eq(out, "a+b//");
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(pct_decode(out, "a+b", 3, 1, &n), 0);
	ck_assert_str_eq(out, "a b");
	/* n bounds the input: "%4" then the rest is not read */
	ck_assert_int_eq(pct_decode(out, "%41", 2, 0, &n), -1);
	ck_assert_int_eq(pct_decode(out, "%41", 3, 0, &n), 0);
	ck_assert_str_eq(out, "A");
	ck_assert_int_eq(pct_decode(out, "", 0, 0, &n), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(pct_decode(out, "a\0b", 3, 0, &n), -1);
	ck_assert_int_eq(pct_decode(out, "%00", 3, 0, &n), -1);
	/* decoding is byte-wise: UTF-8 is checked by the caller */
	ck_assert_int_eq(pct_decode(out, "%ff", 3, 0, &n), 0);
	ck_assert_uint_eq((unsigned char)out[0], 0xff);
}
END_TEST

START_TEST(numbers)
{
	with_query("n=42&neg=-7&plus=%2B5&zero=-0&junk=12x&big="
	    "99999999999999999999&max=9223372036854775807&min="
	    "-9223372036854775808&under=-9223372036854775809&hex=0x10"
	    "&exp=1e3&sp=%2012&trail=12+&empty=&dot=1.0&sign=-");
	ck_assert_int_eq(rv_query_long(&rq, "n", 0), 42);
	ck_assert_int_eq(rv_query_long(&rq, "neg", 0), -7);
	ck_assert_int_eq(rv_query_long(&rq, "plus", 0), 5);
	ck_assert_int_eq(rv_query_long(&rq, "zero", 9), 0);
	ck_assert_int_eq(rv_query_long(&rq, "absent", 5), 5);
	ck_assert_int_eq(rv_query_long(&rq, "max", 0), LONG_MAX);
	ck_assert_int_eq(rv_query_long(&rq, "min", 0), LONG_MIN);
	ck_assert_int_eq(rq.bad_status, 0);
	ck_assert_int_eq(rv_query_long(&rq, "junk", 5), 5);
	ck_assert_int_eq(rq.bad_status, 400);
	ck_assert_str_eq(rq.bad,
	    "invalid query parameter 'junk': expected an integer");
	/* the first problem is the one reported */
	ck_assert_int_eq(rv_query_long(&rq, "big", 6), 6);
	ck_assert_ptr_nonnull(strstr(rq.bad, "'junk'"));
	done();
	{
		static const char *const bad[] = { "big", "under", "hex",
		    "exp", "sp", "trail", "empty", "dot", "sign" };
		size_t	 i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			with_query("big=99999999999999999999&under="
			    "-9223372036854775809&hex=0x10&exp=1e3&sp=%2012"
			    "&trail=12+&empty=&dot=1.0&sign=-");
			ck_assert_msg(rv_query_long(&rq, bad[i], 3) == 3,
			    "%s", bad[i]);
			ck_assert_msg(rq.bad_status == 400, "%s", bad[i]);
			ck_assert_msg(strstr(rq.bad, bad[i]) != NULL, "%s",
			    bad[i]);
			done();
		}
	}
}
END_TEST

START_TEST(ranges)
{
	with_query("r=500&lo=1&hi=100&neg=-5");
	ck_assert_int_eq(rv_query_range(&rq, "lo", 7, 1, 100), 1);
	ck_assert_int_eq(rv_query_range(&rq, "hi", 7, 1, 100), 100);
	ck_assert_int_eq(rv_query_range(&rq, "neg", 7, -10, -1), -5);
	ck_assert_int_eq(rv_query_range(&rq, "absent", 7, 1, 5), 7);
	ck_assert_int_eq(rq.bad_status, 0);
	ck_assert_int_eq(rv_query_range(&rq, "r", 7, 1, 100), 7);
	ck_assert_int_eq(rq.bad_status, 400);
	ck_assert_str_eq(rq.bad, "invalid query parameter 'r': expected an "
	    "integer between 1 and 100");
	done();
	with_query("neg=-5");
	ck_assert_int_eq(rv_query_range(&rq, "neg", 0, 0, 10), 0);
	ck_assert_ptr_nonnull(strstr(rq.bad, "between 0 and 10"));
	done();
}
END_TEST

START_TEST(first_problem_kept)
{
	with_query("a=1");
	req_mark_bad(&rq, 413, "first %d", 1);
	req_mark_bad(&rq, 400, "second");
	ck_assert_int_eq(rq.bad_status, 413);
	ck_assert_str_eq(rq.bad, "first 1");
	ck_assert_int_eq(rv_query_long(&rq, "a", 0), 1);
	done();
}
END_TEST

START_TEST(headers)
{
	char	 longname[300];

	with_query("");
	ck_assert_str_eq(rv_req_header(&rq, "Accept"), "text/event-stream");
	ck_assert_str_eq(rv_req_header(&rq, "accept"), "text/event-stream");
	ck_assert_str_eq(rv_req_header(&rq, "Last-Event-ID"), "42");
	ck_assert_str_eq(rv_req_header(&rq, "last-event-id"), "42");
	ck_assert_str_eq(rv_req_header(&rq, "X-Forwarded-For"), "10.0.0.1");
	/* no HTTP_ prefix for these two */
	ck_assert_str_eq(rv_req_header(&rq, "Content-Type"),
	    "application/json");
	ck_assert_str_eq(rv_req_header(&rq, "content-length"), "0");
	ck_assert_ptr_null(rv_req_header(&rq, "X-Missing"));
	ck_assert_ptr_null(rv_req_header(&rq, ""));
	ck_assert_ptr_null(rv_req_header(&rq, NULL));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_ptr_null(rv_req_header(&rq, longname));
	/* raw params; the first of a duplicate, as libfcgi reads it */
	ck_assert_str_eq(rv_env(&rq, "HTTP_ACCEPT"), "text/event-stream");
	ck_assert_str_eq(rv_env(&rq, "PATH_INFO"), "/x");
	ck_assert_ptr_null(rv_env(&rq, "path_info"));
	ck_assert_ptr_null(rv_env(&rq, NULL));
	ck_assert_str_eq(rv_method(&rq), "GET");
	ck_assert_int_eq(rq.head_only, 0);
	done();
}
END_TEST

START_TEST(methods)
{
	const char	*none[] = { "PATH_INFO=/x", NULL };
	const char	*empty[] = { "REQUEST_METHOD=", "PATH_INFO=/x", NULL };
	const char	*head[] = { "REQUEST_METHOD=HEAD", "PATH_INFO=/x",
	    NULL };
	const char	*post[] = { "REQUEST_METHOD=POST", "PATH_INFO=/x",
	    NULL };

	env_req(NULL, none);
	ck_assert_int_eq(rq.bad_status, 400);
	ck_assert_ptr_nonnull(strstr(rq.bad, "REQUEST_METHOD"));
	done();
	env_req(NULL, empty);
	ck_assert_int_eq(rq.bad_status, 400);
	done();
	env_req(NULL, head);
	ck_assert_str_eq(rv_method(&rq), "HEAD");
	ck_assert_int_eq(rq.head_only, 1);
	ck_assert_int_eq(rq.bad_status, 0);
	done();
	env_req(NULL, post);
	ck_assert_str_eq(rv_method(&rq), "POST");
	ck_assert_int_eq(rq.head_only, 0);
	done();
}
END_TEST

/* A NUL in a param name or value: dropped, and the request is bad. */
START_TEST(nul_in_params)
{
	struct rv_req	 r;

	memset(&srv, 0, sizeof(srv));
	req_init(&r, &srv, &null_sink);
	ck_assert_int_eq(req_add_env(&r, "PATH_INFO\0x", 11, "/evil", 5),
	    RV_OK);
	ck_assert_int_eq(req_add_env(&r, "QUERY_STRING", 12, "a\0b", 3),
	    RV_OK);
	ck_assert_int_eq(req_add_env(&r, "REQUEST_METHOD", 14, "GET", 3),
	    RV_OK);
	ck_assert_int_eq(req_add_env(&r, "PATH_INFO", 9, "/ok", 3), RV_OK);
	ck_assert_int_eq(req_finish_env(&r), RV_OK);
	ck_assert_str_eq(rv_path(&r), "/ok");
	ck_assert_ptr_null(rv_env(&r, "QUERY_STRING"));
	ck_assert_int_eq(r.bad_status, 400);
	ck_assert_ptr_nonnull(strstr(r.bad, "NUL"));
	req_free(&r);
}
END_TEST

START_TEST(many_params)
{
	char	 k[32], v[32];
	size_t	 i;

	memset(&srv, 0, sizeof(srv));
	req_init(&rq, &srv, &null_sink);
	for (i = 0; i < 1000; i++) {
		snprintf(k, sizeof(k), "HTTP_X_%zu", i);
		snprintf(v, sizeof(v), "v%zu", i);
		ck_assert_int_eq(req_add_env(&rq, k, strlen(k), v, strlen(v)),
		    RV_OK);
	}
	ck_assert_int_eq(req_finish_env(&rq), RV_OK);
	for (i = 0; i < 1000; i += 37) {
		snprintf(k, sizeof(k), "HTTP_X_%zu", i);
		snprintf(v, sizeof(v), "v%zu", i);
		ck_assert_str_eq(rv_env(&rq, k), v);
	}
	ck_assert_str_eq(rv_env(&rq, "HTTP_X_999"), "v999");
	done();
}
END_TEST

/* Params whose count and size are known size the arena's first block. */
START_TEST(reserved_params)
{
	static const char *const kv[][2] = { { "REQUEST_METHOD", "GET" },
	    { "PATH_INFO", "/x" }, { "QUERY_STRING", "room=a%20b&n=7" },
	    { "HTTP_LAST_EVENT_ID", "42" } };
	struct rv_arena	 a = { NULL };
	char		 k[32], v[32], *p, *q;
	void		*big;
	size_t		 i, bytes = 0;

	/* the first block as reserved; strings packed, the rest aligned */
	ck_assert_int_eq(arena_reserve(&a, 1000), RV_OK);
	ck_assert_ptr_nonnull(p = arena_chars(&a, 3));
	ck_assert_ptr_nonnull(q = arena_chars(&a, 5));
	ck_assert_ptr_eq(q, p + 3);
	ck_assert_ptr_nonnull(big = arena_alloc(&a, 700));	/* fits */
	ck_assert_uint_eq((uintptr_t)big % _Alignof(max_align_t), 0);
	ck_assert_ptr_nonnull(p = arena_alloc(&a, 300));	/* spills */
	memset(p, 1, 300);
	memset(big, 2, 700);
	arena_reset(&a);

	memset(&srv, 0, sizeof(srv));
	req_init(&rq, &srv, &null_sink);
	for (i = 0; i < 4; i++)
		bytes += strlen(kv[i][0]) + strlen(kv[i][1]);
	ck_assert_int_eq(req_env_reserve(&rq, 4, bytes, strlen(kv[2][1])),
	    RV_OK);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(req_add_env(&rq, kv[i][0], strlen(kv[i][0]),
		    kv[i][1], strlen(kv[i][1])), RV_OK);
	/* more than were announced still fit */
	for (i = 0; i < 40; i++) {
		snprintf(k, sizeof(k), "HTTP_X_%zu", i);
		snprintf(v, sizeof(v), "v%zu", i);
		ck_assert_int_eq(req_add_env(&rq, k, strlen(k), v, strlen(v)),
		    RV_OK);
	}
	ck_assert_int_eq(req_finish_env(&rq), RV_OK);
	ck_assert_str_eq(rv_path(&rq), "/x");
	ck_assert_str_eq(rv_query(&rq, "room", NULL), "a b");
	ck_assert_int_eq(rv_query_long(&rq, "n", 0), 7);
	ck_assert_str_eq(rv_req_header(&rq, "Last-Event-ID"), "42");
	ck_assert_str_eq(rv_env(&rq, "HTTP_X_0"), "v0");
	ck_assert_str_eq(rv_env(&rq, "HTTP_X_39"), "v39");
	done();
}
END_TEST

START_TEST(body_and_module_data)
{
	size_t	 n = 99;
	int	 data;

	with_query("");
	ck_assert_ptr_null(rv_body(&rq, &n));
	ck_assert_uint_eq(n, 0);
	rq.body = "abc";
	rq.body_len = 3;
	rq.mod_data = &data;
	ck_assert_ptr_eq(rv_body(&rq, &n), rq.body);
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_eq(rv_body(&rq, NULL), rq.body);
	ck_assert_ptr_eq(rv_module_data(&rq), &data);
	rq.body = NULL;
	done();
}
END_TEST

/* ------------------------------------------------------------------ */
/* The routed path: notes/front-servers section 6, /app/api/stream.     */

struct front {
	const char	*server;
	const char	*sn;		/* NULL: not sent */
	const char	*pi;
	const char	*unmounted;	/* rv_path() without a mount */
};

static const struct front fronts[] = {
	{ "lighttpd \"/app\"", "/app", "/api/stream", "/api/stream" },
	{ "lighttpd \"/app/\"", "/app/api", "/stream", "/stream" },
	{ "lighttpd \"/\"", "/app", "/api/stream", "/api/stream" },
	{ "lighttpd fix-root-scriptname", "", "/app/api/stream",
	    "/app/api/stream" },
	{ "nginx fastcgi_params", "/app/api/stream", NULL,
	    "/app/api/stream" },
	{ "nginx split_path_info", "/app", "/api/stream", "/api/stream" },
	{ "Apache ProxyPass", "/app/api/stream", NULL, "/app/api/stream" },
	{ "Apache proxy-fcgi-pathinfo", "/app", "/api/stream",
	    "/api/stream" },
	{ "Apache SetHandler", "/app", "/api/stream", "/api/stream" },
};

static void
front_req(const struct front *f, const char *mount)
{
	char		 sn[128], pi[128];
	const char	*env[4] = { "REQUEST_METHOD=GET", NULL, NULL, NULL };
	int		 i = 1;

	if (f->sn != NULL) {
		snprintf(sn, sizeof(sn), "SCRIPT_NAME=%s", f->sn);
		env[i++] = sn;
	}
	if (f->pi != NULL) {
		snprintf(pi, sizeof(pi), "PATH_INFO=%s", f->pi);
		env[i++] = pi;
	}
	env_req(mount, env);
}

START_TEST(front_servers)
{
	size_t	 i;

	for (i = 0; i < sizeof(fronts) / sizeof(fronts[0]); i++) {
		front_req(&fronts[i], NULL);
		ck_assert_msg(strcmp(rv_path(&rq), fronts[i].unmounted) == 0,
		    "%s: %s", fronts[i].server, rv_path(&rq));
		done();
		/* with the mount, every one of them routes the same path */
		front_req(&fronts[i], "/app");
		ck_assert_msg(rv_path(&rq) != NULL &&
		    strcmp(rv_path(&rq), "/api/stream") == 0, "%s (mounted)",
		    fronts[i].server);
		done();
		front_req(&fronts[i], "/app/");
		ck_assert_msg(rv_path(&rq) != NULL &&
		    strcmp(rv_path(&rq), "/api/stream") == 0, "%s (/app/)",
		    fronts[i].server);
		done();
	}
}
END_TEST

struct mcase {
	const char	*mount;
	const char	*sn;
	const char	*pi;
	const char	*path;		/* NULL: not under the mount */
};

static const struct mcase mcases[] = {
	/* no mount: PATH_INFO if non-empty, else SCRIPT_NAME, else "/" */
	{ NULL, NULL, NULL, "/" },
	{ NULL, "", "", "/" },
	{ NULL, "/app", "", "/app" },
	{ NULL, "/app", NULL, "/app" },
	{ NULL, NULL, "/x", "/x" },
	{ NULL, "/app", "/", "/" },
	/* mounted: below the mount, at a segment boundary */
	{ "/app", "/app", NULL, "/" },
	{ "/app", "/app", "", "/" },
	{ "/app", "/app/", NULL, "/" },
	{ "/app", "/app", "/", "/" },
	{ "/app", "", "/app/x", "/x" },
	{ "/app", "/apple", NULL, NULL },	/* lighttpd's prefix pitfall */
	{ "/app", "/apple/x", NULL, NULL },
	{ "/app", "/ap", NULL, NULL },
	{ "/app", "", "", NULL },
	{ "/app", NULL, NULL, NULL },
	{ "/app", "/other/app/x", NULL, NULL },
	{ "/app", "/App/x", NULL, NULL },	/* case matters */
	{ "/a/b", "/a/b/c", NULL, "/c" },
	{ "/a/b", "/a", "/b/c", "/c" },
	{ "/a/b", "/a/bc", NULL, NULL },
	{ "/", "/x", "/y", "/x/y" },
	{ "/", "", "", "/" },
	{ "/", NULL, "/y", "/y" },
	/* decoded by the front server: kept as is */
	{ "/app", "/app", "/a b/c", "/a b/c" },
};

START_TEST(mount_rules)
{
	struct front	 f;
	size_t		 i;
	const char	*p;

	for (i = 0; i < sizeof(mcases) / sizeof(mcases[0]); i++) {
		f.server = "case";
		f.sn = mcases[i].sn;
		f.pi = mcases[i].pi;
		front_req(&f, mcases[i].mount);
		p = rv_path(&rq);
		if (mcases[i].path == NULL)
			ck_assert_msg(p == NULL, "case %zu: %s", i, p);
		else
			ck_assert_msg(p != NULL && strcmp(p, mcases[i].path) ==
			    0, "case %zu: %s", i, p != NULL ? p : "(null)");
		done();
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Problem bodies                                                       */

static json_t *
render(int status, const char *title, const char *detail, const char *extra,
    struct rv_buf *head)
{
	struct rv_buf	 body = { 0 };
	json_t		*j;
	json_error_t	 e;

	memset(head, 0, sizeof(*head));
	ck_assert_int_eq(problem_render(head, &body, status, title, detail,
	    extra), RV_OK);
	ck_assert_int_eq(buf_putc(head, '\0'), RV_OK);
	ck_assert_int_eq(utf8_valid(body.p, body.len), 1);
	j = json_loadb(body.p, body.len, 0, &e);
	ck_assert_msg(j != NULL, "%s: %.*s", e.text, (int)body.len, body.p);
	buf_free(&body);
	return j;
}

START_TEST(problems)
{
	struct rv_buf	 head;
	json_t		*j;

	j = render(404, NULL, "no route for /x", NULL, &head);
	ck_assert_str_eq(head.p, "Status: 404 Not Found\r\nContent-Type: "
	    "application/problem+json\r\nCache-Control: no-store\r\n\r\n");
	ck_assert_str_eq(json_string_value(json_object_get(j, "type")),
	    "about:blank");
	ck_assert_str_eq(json_string_value(json_object_get(j, "title")),
	    "Not Found");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "status")),
	    404);
	ck_assert_str_eq(json_string_value(json_object_get(j, "detail")),
	    "no route for /x");
	json_decref(j);
	buf_free(&head);
	j = render(405, "Method Not Allowed", NULL, "Allow: GET, HEAD\r\n",
	    &head);
	ck_assert_ptr_nonnull(strstr(head.p, "\r\nAllow: GET, HEAD\r\n\r\n"));
	ck_assert_ptr_null(json_object_get(j, "detail"));
	json_decref(j);
	buf_free(&head);
	/* quotes, backslashes, controls, NUL-free bytes that are not UTF-8 */
	j = render(400, "a \"b\" \\c\n\t\x01\x1f", "bad \xff byte \xc3 and "
	    "\xed\xa0\x80 and \xe2\x82\xac", NULL, &head);
	ck_assert_str_eq(json_string_value(json_object_get(j, "title")),
	    "a \"b\" \\c\n\t\x01\x1f");
	ck_assert_str_eq(json_string_value(json_object_get(j, "detail")),
	    "bad \xef\xbf\xbd byte \xef\xbf\xbd and \xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd and \xe2\x82\xac");
	json_decref(j);
	buf_free(&head);
	/* a status out of range is a 500 */
	j = render(42, NULL, NULL, NULL, &head);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "status")),
	    500);
	ck_assert_ptr_nonnull(strstr(head.p, "Status: 500 Internal Server"));
	json_decref(j);
	buf_free(&head);
	ck_assert_str_eq(http_reason(431), "Request Header Fields Too Large");
	ck_assert_str_eq(http_reason(499), "Client Error");
	ck_assert_str_eq(http_reason(299), "Success");
	ck_assert_str_eq(http_reason(0), "Unknown");
}
END_TEST

/* A sink that keeps what it is given. */
struct keep_sink {
	struct rv_sink	 sink;
	struct rv_buf	 out;
	int		 lasts, finishes;
};

static int
keep_write(struct rv_sink *s, const struct iovec *iov, int n, int last)
{
	struct keep_sink	*k = (struct keep_sink *)s;
	int			 i;

	for (i = 0; i < n; i++)
		buf_add(&k->out, iov[i].iov_base, iov[i].iov_len);
	k->lasts += last;
	return RV_OK;
}

static int
keep_finish(struct rv_sink *s, int cut)
{

	(void)cut;
	((struct keep_sink *)s)->finishes++;
	return RV_OK;
}

START_TEST(problem_to_sink)
{
	struct keep_sink k = { { keep_write, keep_finish, null_wait, NULL },
	    { 0 }, 0, 0 };
	const char	*get[] = { "REQUEST_METHOD=GET", "PATH_INFO=/x", NULL };
	const char	*head[] = { "REQUEST_METHOD=HEAD", "PATH_INFO=/x",
	    NULL };

	env_req(NULL, get);
	rq.sink = &k.sink;
	ck_assert_int_eq(req_problem(&rq, 404, NULL, "nothing here", NULL),
	    RV_OK);
	ck_assert_int_eq(k.lasts, 1);
	ck_assert_int_eq(buf_putc(&k.out, '\0'), RV_OK);
	ck_assert_ptr_nonnull(strstr(k.out.p, "\r\n\r\n{\"type\":"));
	ck_assert_ptr_nonnull(strstr(k.out.p, "\"detail\":\"nothing here\""));
	ck_assert_int_eq(rq.stream.status, 404);
	done();
	buf_free(&k.out);
	env_req(NULL, head);
	rq.sink = &k.sink;
	ck_assert_int_eq(req_problem(&rq, 404, NULL, "nothing here", NULL),
	    RV_OK);
	ck_assert_int_eq(buf_putc(&k.out, '\0'), RV_OK);
	ck_assert_ptr_nonnull(strstr(k.out.p, "Status: 404 Not Found\r\n"));
	/* HEAD: the head alone */
	ck_assert_ptr_null(strstr(k.out.p, "{"));
	done();
	buf_free(&k.out);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Logs                                                                 */

static char *
capture_log(void (*fn)(void))
{
	static char	 got[8192];
	int		 fds[2], saved;
	ssize_t		 n;

	ck_assert_int_eq(pipe(fds), 0);
	saved = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], got, sizeof(got) - 1);
	close(fds[0]);
	got[n > 0 ? n : 0] = '\0';
	return got;
}

static void
log_request(void)
{
	const char	*env[] = { "REQUEST_METHOD=GET",
	    "PATH_INFO=/a\nrivulet[1]: error: forged", NULL };

	env_req(NULL, env);
	rv_log(&rq, RV_LOG_WARN, "slow: %d ms\r", 1500);
	rv_log(&rq, RV_LOG_DEBUG, "not shown at info");
	done();
}

static void
log_long(void)
{
	char	 big[10000];

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	logx(RV_LOG_ERROR, "%s", big);
}

START_TEST(logs)
{
	char	*got, want[128];

	rv_set_log_level(RV_LOG_INFO);
	got = capture_log(log_request);
	snprintf(want, sizeof(want), "rivulet[%ld]: warn: GET /a\\x0arivulet"
	    "[1]: error: forged: slow: 1500 ms\\x0d\n", (long)getpid());
	ck_assert_str_eq(got, want);
	/* one line, cut, never more than an atomic pipe write */
	got = capture_log(log_long);
	ck_assert_uint_le(strlen(got), 4096);
	ck_assert_ptr_eq(strchr(got, '\n'), got + strlen(got) - 1);
	ck_assert_ptr_nonnull(strstr(got, "zzz...\n"));
	rv_set_log_level(RV_LOG__MAX);		/* ignored */
	ck_assert_int_eq(rv_log_threshold, RV_LOG_INFO);
	rv_set_log_level(RV_LOG_ERROR);
	got = capture_log(log_request);
	ck_assert_str_eq(got, "");
	rv_set_log_level(RV_LOG_INFO);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("request");
	TCase	*tc = tcase_create("request");
	TCase	*tp = tcase_create("path");
	TCase	*to = tcase_create("output");

	tcase_add_test(tc, decoding);
	tcase_add_test(tc, no_query_string);
	tcase_add_test(tc, bad_escapes);
	tcase_add_test(tc, pct);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, ranges);
	tcase_add_test(tc, first_problem_kept);
	tcase_add_test(tc, headers);
	tcase_add_test(tc, methods);
	tcase_add_test(tc, nul_in_params);
	tcase_add_test(tc, many_params);
	tcase_add_test(tc, reserved_params);
	tcase_add_test(tc, body_and_module_data);
	suite_add_tcase(s, tc);
	tcase_add_test(tp, front_servers);
	tcase_add_test(tp, mount_rules);
	suite_add_tcase(s, tp);
	tcase_add_test(to, problems);
	tcase_add_test(to, problem_to_sink);
	tcase_add_test(to, logs);
	suite_add_tcase(s, to);
	return run_suite(s);
}
