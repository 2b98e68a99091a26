/* test_router.c: patterns, captures, precedence, 404/405, HEAD, mounts. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "reqkit.h"
#include "runner.h"

static int h_any(struct rv_req *rq) { (void)rq; return 0; }
static int h_top(struct rv_req *rq) { (void)rq; return 1; }

static const struct rv_route routes[] = {
	RV_GET("/stocks/{symbol}/stream", h_any),
	RV_GET("/stocks/top/stream", h_top),
	RV_GET("/download/{filename}", h_any),
	RV_POST("/download/{filename}", h_any),
	RV_GET("/files/{path...}", h_any),
	RV_GET("/", h_any),
	{ NULL, NULL, NULL }
};
static const struct rv_module mod = { RV_MODULE_HEAD, .name = "t",
	.routes = routes };

static struct rv_server *
server(const char *mount)
{
	struct rv_server	*srv = rv_server_new();
	char			 err[256];

	ck_assert_int_eq(rv_server_add_module(srv, &mod, err, sizeof(err)),
	    RV_OK);
	if (mount != NULL)
		ck_assert_int_eq(rv_server_mount(srv, mount), RV_OK);
	return srv;
}

static enum route_res
match(struct rv_server *srv, const char *method, const char *pi,
    struct rv_req *rq, char *allow)
{
	const char	*env[] = { NULL, NULL, "SCRIPT_NAME=", NULL };
	char		 m[64], p[256];

	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	snprintf(p, sizeof(p), "PATH_INFO=%s", pi);
	env[0] = m;
	env[1] = p;
	mkreq(rq, srv, env);
	return route_match(srv->routes, srv->nroutes, rq, allow, 128);
}

START_TEST(captures_and_precedence)
{
	struct rv_server	*srv = server(NULL);
	struct rv_req		 rq;
	char			 allow[128];

	ck_assert_int_eq(match(srv, "GET", "/stocks/AAPL/stream", &rq, allow),
	    ROUTE_FOUND);
	ck_assert_str_eq(rv_param(&rq, "symbol"), "AAPL");
	ck_assert_ptr_null(rv_param(&rq, "other"));
	req_free(&rq);
	ck_assert_int_eq(match(srv, "GET", "/stocks/top/stream", &rq, allow),
	    ROUTE_FOUND);
	ck_assert(rq.route->handler == h_top);
	req_free(&rq);
	ck_assert_int_eq(match(srv, "GET", "/files/a/b/c.txt", &rq, allow),
	    ROUTE_FOUND);
	ck_assert_str_eq(rv_param(&rq, "path"), "a/b/c.txt");
	req_free(&rq);
	ck_assert_int_eq(match(srv, "GET", "/", &rq, allow), ROUTE_FOUND);
	req_free(&rq);
	rv_server_free(srv);
}
END_TEST

START_TEST(misses)
{
	struct rv_server	*srv = server(NULL);
	struct rv_req		 rq;
	char			 allow[128];
	static const char *const nf[] = { "/stocks//stream",
	    "/stocks/AAPL/stream/", "/stocks/AAPL", "/files/", "/nope",
	    "/download/" };
	size_t			 i;

	for (i = 0; i < sizeof(nf) / sizeof(nf[0]); i++) {
		ck_assert_msg(match(srv, "GET", nf[i], &rq, allow) ==
		    ROUTE_NOT_FOUND, "%s", nf[i]);
		req_free(&rq);
	}
	ck_assert_int_eq(match(srv, "DELETE", "/download/x", &rq, allow),
	    ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD, POST");
	req_free(&rq);
	ck_assert_int_eq(match(srv, "HEAD", "/download/x", &rq, allow),
	    ROUTE_FOUND);
	ck_assert_int_eq(rq.head_only, 1);
	req_free(&rq);
	rv_server_free(srv);
}
END_TEST

START_TEST(bad_patterns)
{
	struct route	 r;
	char		 err[256];
	static const char *const bad[] = { "nostart", "/a/{}", "/a/{x-y}",
	    "/a/{x", "/a/x}", "/{rest...}/after", "/a{b}" };
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(route_compile(&r, "GET", bad[i], h_any, "t", NULL,
		    err, sizeof(err)) == RV_EINVAL, "%s", bad[i]);
	ck_assert_int_eq(route_compile(&r, "GET", "/a/{b}/c", h_any, "t",
	    NULL, err, sizeof(err)), RV_OK);
	route_free(&r);
}
END_TEST

START_TEST(duplicate_routes_refused)
{
	struct rv_server	*srv = server(NULL);
	char			 err[256];
	struct rv_module	 m2 = mod;

	m2.name = "again";
	ck_assert_int_eq(rv_server_add_module(srv, &m2, err, sizeof(err)),
	    RV_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "already routed"));
	ck_assert_uint_eq(srv->nroutes, 6);
	rv_server_free(srv);
}
END_TEST

/* What each front server sends (notes/front-servers §6). */
START_TEST(mount_rules)
{
	struct rv_server	*srv = server(NULL), *msrv = server("/app");
	struct rv_req		 rq;
	const char *lighttpd[] = { "REQUEST_METHOD=GET", "SCRIPT_NAME=/app",
	    "PATH_INFO=/api/stream", NULL };
	const char *rootfix[] = { "REQUEST_METHOD=GET", "SCRIPT_NAME=",
	    "PATH_INFO=/api/stream", NULL };
	const char *apache[] = { "REQUEST_METHOD=GET",
	    "SCRIPT_NAME=/app/api/stream", NULL };
	const char *apple[] = { "REQUEST_METHOD=GET",
	    "SCRIPT_NAME=/apple/x", NULL };

	mkreq(&rq, srv, lighttpd);
	ck_assert_str_eq(rv_path(&rq), "/api/stream");
	req_free(&rq);
	mkreq(&rq, srv, rootfix);
	ck_assert_str_eq(rv_path(&rq), "/api/stream");
	req_free(&rq);
	mkreq(&rq, srv, apache);
	ck_assert_str_eq(rv_path(&rq), "/app/api/stream");
	req_free(&rq);
	mkreq(&rq, msrv, apache);
	ck_assert_str_eq(rv_path(&rq), "/api/stream");
	req_free(&rq);
	mkreq(&rq, msrv, lighttpd);
	ck_assert_str_eq(rv_path(&rq), "/api/stream");
	req_free(&rq);
	mkreq(&rq, msrv, apple);	/* /app must not match /apple */
	ck_assert_ptr_null(rv_path(&rq));
	req_free(&rq);
	rv_server_free(srv);
	rv_server_free(msrv);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("router");
	TCase	*tc = tcase_create("router");

	tcase_add_test(tc, captures_and_precedence);
	tcase_add_test(tc, misses);
	tcase_add_test(tc, bad_patterns);
	tcase_add_test(tc, duplicate_routes_refused);
	tcase_add_test(tc, mount_rules);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
