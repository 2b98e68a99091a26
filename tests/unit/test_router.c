/*
 * test_router.c: patterns, captures, precedence, 404/405 and Allow,
 * HEAD, rest captures, bad patterns, and mounts through req_*.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "reqkit.h"
#include "runner.h"

static int h_sym(struct rv_req *rq) { (void)rq; return 1; }
static int h_top(struct rv_req *rq) { (void)rq; return 2; }
static int h_dl(struct rv_req *rq) { (void)rq; return 3; }
static int h_up(struct rv_req *rq) { (void)rq; return 4; }
static int h_file(struct rv_req *rq) { (void)rq; return 5; }
static int h_root(struct rv_req *rq) { (void)rq; return 6; }
static int h_ev(struct rv_req *rq) { (void)rq; return 7; }
static int h_evs(struct rv_req *rq) { (void)rq; return 8; }
static int h_one(struct rv_req *rq) { (void)rq; return 9; }
static int h_two(struct rv_req *rq) { (void)rq; return 10; }
static int h_head(struct rv_req *rq) { (void)rq; return 11; }
static int h_del(struct rv_req *rq) { (void)rq; return 12; }

static const struct rv_route table[] = {
	RV_GET("/stocks/{symbol}/stream", h_sym),
	RV_GET("/stocks/top/stream", h_top),
	RV_GET("/download/{filename}", h_dl),
	RV_POST("/download/{filename}", h_up),
	RV_GET("/files/{path...}", h_file),
	RV_GET("/files/{name}", h_one),
	RV_GET("/", h_root),
	RV_GET("/events", h_ev),
	RV_GET("/events/", h_evs),
	RV_GET("/a/{x}/b/{y}", h_two),
	RV_ROUTE("HEAD", "/probe", h_head),
	RV_GET("/probe", h_one),
	RV_DELETE("/items/{id}", h_del),
	RV_PUT("/items/{id}", h_del),
	RV_ROUTES_END
};

static struct route	 routes[32];
static size_t		 nroutes;
static struct rv_server	 srv;
static struct rv_req	 rq;
static char		 allow[128];

static void
compile(const struct rv_route *t)
{
	char	 err[256];

	for (nroutes = 0; t[nroutes].pattern != NULL; nroutes++)
		ck_assert_msg(route_compile(&routes[nroutes], t[nroutes].method,
		    t[nroutes].pattern, t[nroutes].handler, "t", NULL, err,
		    sizeof(err)) == RV_OK, "%s: %s", t[nroutes].pattern, err);
}

static void
setup(void)
{

	memset(&srv, 0, sizeof(srv));
	compile(table);
}

static void
teardown(void)
{
	size_t	 i;

	for (i = 0; i < nroutes; i++)
		route_free(&routes[i]);
	nroutes = 0;
}

/* Route METHOD PATH_INFO (SCRIPT_NAME empty), as lighttpd would send. */
static enum route_res
match(const char *method, const char *pi)
{
	const char	*env[] = { NULL, NULL, "SCRIPT_NAME=", NULL };
	char		 m[64], p[512];

	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	snprintf(p, sizeof(p), "PATH_INFO=%s", pi);
	env[0] = m;
	env[1] = p;
	mkreq(&rq, &srv, env);
	return route_match(routes, nroutes, &rq, allow, sizeof(allow));
}

/* The handler's return value identifies the route; 0 if none. */
static int
routed(const char *method, const char *pi)
{
	int	 r = 0;

	if (match(method, pi) == ROUTE_FOUND)
		r = rq.route->handler(&rq);
	req_free(&rq);
	return r;
}

START_TEST(captures)
{
	ck_assert_int_eq(match("GET", "/stocks/AAPL/stream"), ROUTE_FOUND);
	ck_assert(rq.route->handler == h_sym);
	ck_assert_str_eq(rv_param(&rq, "symbol"), "AAPL");
	ck_assert_ptr_null(rv_param(&rq, "other"));
	ck_assert_ptr_null(rv_param(&rq, "symbol}"));
	ck_assert_ptr_null(rv_param(&rq, NULL));
	/* values are copies in the request's arena, not the path's bytes */
	ck_assert(rv_param(&rq, "symbol") < rq.path ||
	    rv_param(&rq, "symbol") > rq.path + strlen(rq.path));
	req_free(&rq);
	ck_assert_int_eq(match("GET", "/a/1/b/two%20x"), ROUTE_FOUND);
	ck_assert_uint_eq(rq.ncaps, 2);
	ck_assert_str_eq(rv_param(&rq, "x"), "1");
	ck_assert_str_eq(rv_param(&rq, "y"), "two%20x");	/* no 2nd decode */
	req_free(&rq);
	ck_assert_int_eq(match("GET", "/a/caf\xc3\xa9/b/a b"), ROUTE_FOUND);
	ck_assert_str_eq(rv_param(&rq, "x"), "caf\xc3\xa9");
	ck_assert_str_eq(rv_param(&rq, "y"), "a b");
	req_free(&rq);
	ck_assert_int_eq(match("GET", "/"), ROUTE_FOUND);
	ck_assert(rq.route->handler == h_root);
	ck_assert_uint_eq(rq.ncaps, 0);
	req_free(&rq);
}
END_TEST

START_TEST(rest_capture)
{
	ck_assert_int_eq(match("GET", "/files/a/b/c.txt"), ROUTE_FOUND);
	ck_assert(rq.route->handler == h_file);
	ck_assert_str_eq(rv_param(&rq, "path"), "a/b/c.txt");
	req_free(&rq);
	/* one segment: {name} beats {path...} */
	ck_assert_int_eq(match("GET", "/files/c.txt"), ROUTE_FOUND);
	ck_assert(rq.route->handler == h_one);
	ck_assert_str_eq(rv_param(&rq, "name"), "c.txt");
	ck_assert_ptr_null(rv_param(&rq, "path"));
	req_free(&rq);
	/* a trailing '/' is kept for a directory */
	ck_assert_int_eq(match("GET", "/files/dir/"), ROUTE_FOUND);
	ck_assert(rq.route->handler == h_file);
	ck_assert_str_eq(rv_param(&rq, "path"), "dir/");
	req_free(&rq);
	/* empty segments never fill a capture */
	ck_assert_int_eq(routed("GET", "/files/"), 0);
	ck_assert_int_eq(routed("GET", "/files"), 0);
	ck_assert_int_eq(routed("GET", "/files//etc/passwd"), 0);
	ck_assert_int_eq(routed("GET", "/files/a//b"), 0);
	ck_assert_int_eq(routed("GET", "/files/a/b//"), 0);
}
END_TEST

START_TEST(precedence)
{
	static const struct rv_route rev[] = {
		RV_GET("/stocks/top/stream", h_top),
		RV_GET("/stocks/{symbol}/stream", h_sym),
		RV_GET("/{a}/b", h_two),
		RV_GET("/a/{b}", h_one),
		RV_GET("/x/{rest...}", h_file),
		RV_GET("/x/{one}", h_one),
		RV_GET("/{p}/{q}/{r}", h_root),
		RV_ROUTES_END
	};

	/* more literal segments win, whatever the order of registration */
	ck_assert_int_eq(routed("GET", "/stocks/top/stream"), 2);
	ck_assert_int_eq(routed("GET", "/stocks/TOP/stream"), 1);
	ck_assert_int_eq(routed("GET", "/stocks/topx/stream"), 1);
	teardown();
	compile(rev);
	ck_assert_int_eq(routed("GET", "/stocks/top/stream"), 2);
	ck_assert_int_eq(routed("GET", "/stocks/msft/stream"), 1);
	/* same count: the literal further left wins */
	ck_assert_int_eq(routed("GET", "/a/b"), 9);
	ck_assert_int_eq(routed("GET", "/z/b"), 10);
	/* a capture beats a rest capture */
	ck_assert_int_eq(routed("GET", "/x/y"), 9);
	ck_assert_int_eq(routed("GET", "/x/y/z"), 5);
	/* stocks/top/stream has 3 literals, the three captures none */
	ck_assert_int_eq(routed("GET", "/q/r/s"), 6);
}
END_TEST

START_TEST(strict_slashes)
{
	ck_assert_int_eq(routed("GET", "/events"), 7);
	ck_assert_int_eq(routed("GET", "/events/"), 8);
	ck_assert_int_eq(routed("GET", "/events//"), 0);
	ck_assert_int_eq(routed("GET", "//events"), 0);
	ck_assert_int_eq(routed("GET", "/stocks/AAPL/stream/"), 0);
	ck_assert_int_eq(routed("GET", "/stocks//stream"), 0);
	ck_assert_int_eq(routed("GET", "/stocks/AAPL"), 0);
	ck_assert_int_eq(routed("GET", "/download/"), 0);
	ck_assert_int_eq(routed("GET", "/nope"), 0);
	ck_assert_int_eq(routed("GET", "//"), 0);
	ck_assert_int_eq(routed("GET", "/Events"), 0);	/* case matters */
	ck_assert_int_eq(routed("GET", "/events?x"), 0);
}
END_TEST

START_TEST(not_found)
{
	static const char *const nf[] = { "/stocks//stream",
	    "/stocks/AAPL/stream/", "/stocks/AAPL", "/files/", "/nope",
	    "/download/", "/download/a/b", "/a/1/b", "/a/1/b/" };
	size_t	 i;

	for (i = 0; i < sizeof(nf) / sizeof(nf[0]); i++) {
		ck_assert_msg(match("GET", nf[i]) == ROUTE_NOT_FOUND, "%s",
		    nf[i]);
		ck_assert_ptr_null(rq.route);
		ck_assert_str_eq(allow, "");
		req_free(&rq);
	}
	/* a path the server cannot route at all */
	ck_assert_int_eq(match("GET", "relative"), ROUTE_NOT_FOUND);
	req_free(&rq);
}
END_TEST

START_TEST(bad_method)
{
	ck_assert_int_eq(match("DELETE", "/download/x"), ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD, POST");
	ck_assert_ptr_null(rq.route);
	req_free(&rq);
	ck_assert_int_eq(match("POST", "/stocks/AAPL/stream"),
	    ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD");
	req_free(&rq);
	/* the path is routed by two patterns: all their methods, sorted */
	ck_assert_int_eq(match("POST", "/stocks/top/stream"),
	    ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD");
	req_free(&rq);
	ck_assert_int_eq(match("GET", "/items/7"), ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "DELETE, PUT");
	req_free(&rq);
	/* methods are case-sensitive */
	ck_assert_int_eq(match("get", "/events"), ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD");
	req_free(&rq);
	/* another method of the same path is found */
	ck_assert_int_eq(routed("POST", "/download/x"), 4);
	ck_assert_int_eq(routed("DELETE", "/items/7"), 12);
	/* a small buffer gets whole names only */
	ck_assert_int_eq(match("DELETE", "/download/x"), ROUTE_BAD_METHOD);
	req_free(&rq);
	mkreq(&rq, &srv, (const char *const[]){ "REQUEST_METHOD=DELETE",
	    "PATH_INFO=/download/x", NULL });
	ck_assert_int_eq(route_match(routes, nroutes, &rq, allow, 10),
	    ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD");
	ck_assert_int_eq(route_match(routes, nroutes, &rq, allow, 3),
	    ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "");
	ck_assert_int_eq(route_match(routes, nroutes, &rq, NULL, 0),
	    ROUTE_BAD_METHOD);
	req_free(&rq);
}
END_TEST

START_TEST(head)
{
	ck_assert_int_eq(match("HEAD", "/download/x"), ROUTE_FOUND);
	ck_assert(rq.route->handler == h_dl);
	ck_assert_int_eq(rq.head_only, 1);
	ck_assert_str_eq(rv_param(&rq, "filename"), "x");
	req_free(&rq);
	ck_assert_int_eq(match("GET", "/download/x"), ROUTE_FOUND);
	ck_assert_int_eq(rq.head_only, 0);
	req_free(&rq);
	/* a HEAD route beats the GET route of the same pattern */
	ck_assert_int_eq(routed("HEAD", "/probe"), 11);
	ck_assert_int_eq(routed("GET", "/probe"), 9);
	/* HEAD where only POST/PUT/DELETE answer */
	ck_assert_int_eq(match("HEAD", "/items/1"), ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "DELETE, PUT");
	req_free(&rq);
	/* GET does not answer for a HEAD-only route */
	teardown();
	compile((const struct rv_route[]){ RV_ROUTE("HEAD", "/h", h_head),
	    RV_ROUTES_END });
	ck_assert_int_eq(match("GET", "/h"), ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "HEAD");
	req_free(&rq);
}
END_TEST

static int
compile_err(const char *method, const char *pattern, char *err, size_t len)
{
	struct route	 r;
	int		 rc;

	err[0] = '\0';
	rc = route_compile(&r, method, pattern, h_one, "t", NULL, err, len);
	if (rc == RV_OK)
		route_free(&r);
	return rc;
}

START_TEST(bad_patterns)
{
	static const char *const bad[] = { "nostart", "", "/a/{}", "/a/{x-y}",
	    "/a/{x", "/a/x}", "/{rest...}/after", "/a{b}", "/{a}b", "/{a}/{a}",
	    "/{a}/{a...}", "/a//b", "//", "/{...}", "/{a.b}", "/{a..}",
	    "/{{a}}", "/{ a}", "/{a}}", "/{a....}", "/x/{r...}/" };
	static const char *const good[] = { "/", "/a", "/a/", "/{x}",
	    "/{x}/", "/a/{b}/c", "/{r...}", "/a/{A_1}/{b...}", "/a.b/c-d~",
	    "/%7Bx%7D", "/a/{b}/{c}/d" };
	char		 err[256], pat[512];
	size_t		 i;
	int		 n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(compile_err("GET", bad[i], err, sizeof(err)) ==
		    RV_EINVAL, "%s", bad[i]);
		ck_assert_msg(err[0] != '\0', "%s: no message", bad[i]);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(compile_err("GET", good[i], err, sizeof(err)) ==
		    RV_OK, "%s: %s", good[i], err);
	/* the messages say what is wrong */
	compile_err("GET", "nostart", err, sizeof(err));
	ck_assert_ptr_nonnull(strstr(err, "must start with '/'"));
	compile_err("GET", "/{a}/{a}", err, sizeof(err));
	ck_assert_ptr_nonnull(strstr(err, "appears twice"));
	compile_err("GET", "/a//b", err, sizeof(err));
	ck_assert_ptr_nonnull(strstr(err, "empty segment"));
	compile_err("GET", "/{r...}/x", err, sizeof(err));
	ck_assert_ptr_nonnull(strstr(err, "last segment"));
	compile_err("GET", "/a/{x-y}", err, sizeof(err));
	ck_assert_ptr_nonnull(strstr(err, "'{x-y}'"));
	ck_assert_ptr_nonnull(strstr(err, "letters, digits and _"));
	/* methods: an HTTP token */
	ck_assert_int_eq(compile_err("GET\r\nX: y", "/a", err, sizeof(err)),
	    RV_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not an HTTP token"));
	ck_assert_int_eq(compile_err("", "/a", err, sizeof(err)), RV_EINVAL);
	ck_assert_int_eq(compile_err(NULL, "/a", err, sizeof(err)), RV_EINVAL);
	ck_assert_int_eq(compile_err("GET", NULL, err, sizeof(err)),
	    RV_EINVAL);
	ck_assert_int_eq(compile_err("PROPFIND", "/a", err, sizeof(err)),
	    RV_OK);
	/* RV_MAX_CAPS captures, and one more */
	for (n = 0, i = 0; i < RV_MAX_CAPS; i++)
		n += snprintf(pat + n, sizeof(pat) - (size_t)n, "/{c%zu}", i);
	ck_assert_int_eq(compile_err("GET", pat, err, sizeof(err)), RV_OK);
	snprintf(pat + n, sizeof(pat) - (size_t)n, "/{last}");
	ck_assert_int_eq(compile_err("GET", pat, err, sizeof(err)),
	    RV_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "more than 16 captures"));
	/* a tiny error buffer is not overrun */
	ck_assert_int_eq(compile_err("GET", "/a/{}", err, 4), RV_EINVAL);
	ck_assert_uint_eq(strlen(err), 3);
}
END_TEST

START_TEST(many_captures_match)
{
	struct rv_route	 t[2] = { RV_ROUTES_END, RV_ROUTES_END };
	char		 pat[512], path[512], name[8];
	int		 n = 0, m = 0;
	size_t		 i;

	for (i = 0; i < RV_MAX_CAPS; i++) {
		n += snprintf(pat + n, sizeof(pat) - (size_t)n, "/{c%zu}", i);
		m += snprintf(path + m, sizeof(path) - (size_t)m, "/v%zu", i);
	}
	t[0] = (struct rv_route)RV_GET(pat, h_two);
	teardown();
	compile(t);
	ck_assert_int_eq(match("GET", path), ROUTE_FOUND);
	ck_assert_uint_eq(rq.ncaps, RV_MAX_CAPS);
	for (i = 0; i < RV_MAX_CAPS; i++) {
		snprintf(name, sizeof(name), "c%zu", i);
		snprintf(pat, sizeof(pat), "v%zu", i);
		ck_assert_str_eq(rv_param(&rq, name), pat);
	}
	req_free(&rq);
}
END_TEST

START_TEST(duplicate_routes_refused)
{
	static const struct rv_route two[] = {
		RV_GET("/x", h_one),
		RV_POST("/x", h_two),
		RV_ROUTES_END
	};
	static const struct rv_module m1 = { RV_MODULE_HEAD, .name = "one",
		.routes = two };
	struct rv_server	*s = rv_server_new();
	struct rv_module	 m2 = m1;
	char			 err[256];

	ck_assert_int_eq(rv_server_add_module(s, &m1, err, sizeof(err)),
	    RV_OK);
	m2.name = "again";
	ck_assert_int_eq(rv_server_add_module(s, &m2, err, sizeof(err)),
	    RV_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "already routed"));
	ck_assert_uint_eq(s->nroutes, 2);
	rv_server_free(s);
}
END_TEST

/*
 * Mounts through req_*: what each front server sends for /app/events
 * (notes/front-servers section 6) routes the same with mount "/app".
 */
START_TEST(mount_rules)
{
	static const char *const envs[][4] = {
		/* lighttpd "/app", nginx split_path_info, Apache unescape */
		{ "REQUEST_METHOD=GET", "SCRIPT_NAME=/app",
		    "PATH_INFO=/events", NULL },
		/* lighttpd "/app/" */
		{ "REQUEST_METHOD=GET", "SCRIPT_NAME=/app/events",
		    "PATH_INFO=", NULL },
		/* lighttpd fix-root-scriptname */
		{ "REQUEST_METHOD=GET", "SCRIPT_NAME=",
		    "PATH_INFO=/app/events", NULL },
		/* nginx fastcgi_params, Apache ProxyPass */
		{ "REQUEST_METHOD=GET", "SCRIPT_NAME=/app/events", NULL },
	};
	const char	*apple[] = { "REQUEST_METHOD=GET",
	    "SCRIPT_NAME=/apple/events", NULL };
	const char	*root[] = { "REQUEST_METHOD=GET", "SCRIPT_NAME=/app",
	    NULL };
	size_t		 i;

	srv.mount = "/app";
	for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		mkreq(&rq, &srv, envs[i]);
		ck_assert_msg(route_match(routes, nroutes, &rq, allow,
		    sizeof(allow)) == ROUTE_FOUND, "case %zu", i);
		ck_assert(rq.route->handler == h_ev);
		req_free(&rq);
	}
	/* /app must not match /apple: not under the mount, 404 */
	mkreq(&rq, &srv, apple);
	ck_assert_ptr_null(rv_path(&rq));
	ck_assert_int_eq(route_match(routes, nroutes, &rq, allow,
	    sizeof(allow)), ROUTE_NOT_FOUND);
	req_free(&rq);
	/* the mount itself is "/" */
	mkreq(&rq, &srv, root);
	ck_assert_int_eq(route_match(routes, nroutes, &rq, allow,
	    sizeof(allow)), ROUTE_FOUND);
	ck_assert(rq.route->handler == h_root);
	req_free(&rq);
	/* without the mount, nginx's whole SCRIPT_NAME is the path */
	srv.mount = NULL;
	mkreq(&rq, &srv, envs[3]);
	ck_assert_str_eq(rv_path(&rq), "/app/events");
	ck_assert_int_eq(route_match(routes, nroutes, &rq, allow,
	    sizeof(allow)), ROUTE_NOT_FOUND);
	req_free(&rq);
	mkreq(&rq, &srv, envs[0]);
	ck_assert_int_eq(route_match(routes, nroutes, &rq, allow,
	    sizeof(allow)), ROUTE_FOUND);
	req_free(&rq);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("router");
	TCase	*tc = tcase_create("router");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, captures);
	tcase_add_test(tc, rest_capture);
	tcase_add_test(tc, precedence);
	tcase_add_test(tc, strict_slashes);
	tcase_add_test(tc, not_found);
	tcase_add_test(tc, bad_method);
	tcase_add_test(tc, head);
	tcase_add_test(tc, bad_patterns);
	tcase_add_test(tc, many_captures_match);
	tcase_add_test(tc, duplicate_routes_refused);
	tcase_add_test(tc, mount_rules);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
