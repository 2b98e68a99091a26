/*
 * test_files.c: the Range parser with hostile headers, media types,
 * Content-Disposition, HTTP dates, confinement on a temp tree with
 * symlinks (openat2 and the component walk alike), rv_send_file()
 * through the harness (200, 206, 304, 416, HEAD, 404), and guards.
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "runner.h"

/* ------------------------------------------------------------------ */
/* Range                                                                */

struct rcase {
	const char	*h;
	uint64_t	 size;
	enum range_res	 want;
	uint64_t	 first, last;
};

static const struct rcase rcases[] = {
	{ "bytes=0-0", 10, RANGE_ONE, 0, 0 },
	{ "bytes=0-9", 10, RANGE_ONE, 0, 9 },
	{ "bytes=2-", 10, RANGE_ONE, 2, 9 },
	{ "bytes=-3", 10, RANGE_ONE, 7, 9 },
	{ "bytes=-30", 10, RANGE_ONE, 0, 9 },
	{ "bytes=5-100", 10, RANGE_ONE, 5, 9 },
	{ "BYTES=1-2", 10, RANGE_ONE, 1, 2 },
	{ "bytes= 1-2 ", 10, RANGE_ONE, 1, 2 },
	{ "bytes=1-2,", 10, RANGE_ONE, 1, 2 },
	{ "bytes=,1-2", 10, RANGE_ONE, 1, 2 },
	{ "bytes=9-9", 10, RANGE_ONE, 9, 9 },
	/* huge numbers saturate, never wrap */
	{ "bytes=0-99999999999999999999999999999999", 10, RANGE_ONE, 0, 9 },
	{ "bytes=-99999999999999999999999999999999", 10, RANGE_ONE, 0, 9 },
	{ "bytes=18446744073709551615-", 10, RANGE_UNSAT, 0, 0 },
	{ "bytes=99999999999999999999999999999999-", 10, RANGE_UNSAT, 0, 0 },
	/* unsatisfiable */
	{ "bytes=10-", 10, RANGE_UNSAT, 0, 0 },
	{ "bytes=10-20", 10, RANGE_UNSAT, 0, 0 },
	{ "bytes=-0", 10, RANGE_UNSAT, 0, 0 },
	{ "bytes=10-,20-", 10, RANGE_UNSAT, 0, 0 },
	{ "bytes=0-", 0, RANGE_UNSAT, 0, 0 },
	{ "bytes=-5", 0, RANGE_NONE, 0, 0 },
	/* several: the whole file */
	{ "bytes=0-1,3-4", 10, RANGE_MULTI, 0, 0 },
	{ "bytes=0-,0-,0-,0-", 10, RANGE_MULTI, 0, 0 },
	{ "bytes=20-30,0-1", 10, RANGE_MULTI, 0, 0 },
	/* not a bytes range-set we understand: ignored */
	{ NULL, 10, RANGE_NONE, 0, 0 },
	{ "", 10, RANGE_NONE, 0, 0 },
	{ "bytes", 10, RANGE_NONE, 0, 0 },
	{ "bytes=", 10, RANGE_NONE, 0, 0 },
	{ "bytes=,", 10, RANGE_NONE, 0, 0 },
	{ "bytes=-", 10, RANGE_NONE, 0, 0 },
	{ "bytes=--1", 10, RANGE_NONE, 0, 0 },
	{ "bytes=1", 10, RANGE_NONE, 0, 0 },
	{ "bytes=5-1", 10, RANGE_NONE, 0, 0 },
	{ "bytes=1-2-3", 10, RANGE_NONE, 0, 0 },
	{ "bytes=a-b", 10, RANGE_NONE, 0, 0 },
	{ "bytes=+1-2", 10, RANGE_NONE, 0, 0 },
	{ "bytes=0x1-2", 10, RANGE_NONE, 0, 0 },
	{ "bytes=1 -2", 10, RANGE_NONE, 0, 0 },
	{ "bytes=1- 2", 10, RANGE_NONE, 0, 0 },
	{ "bytes=1-2;3-4", 10, RANGE_NONE, 0, 0 },
	{ "bytes=1-2,x", 10, RANGE_NONE, 0, 0 },
	{ "bytes =1-2", 10, RANGE_NONE, 0, 0 },
	{ "items=1-2", 10, RANGE_NONE, 0, 0 },
	{ "byte=1-2", 10, RANGE_NONE, 0, 0 },
	{ "bytesx=1-2", 10, RANGE_NONE, 0, 0 },
	{ "bytes=\xff-\xfe", 10, RANGE_NONE, 0, 0 },
	{ "bytes=1-2\r\n", 10, RANGE_NONE, 0, 0 },
};

START_TEST(range_cases)
{
	const struct rcase	*c = &rcases[_i];
	uint64_t		 f = 77, l = 77;
	enum range_res		 r;

	r = range_parse(c->h, c->size, &f, &l);
	ck_assert_msg(r == c->want, "'%s' size %llu: %d, want %d",
	    c->h != NULL ? c->h : "(null)", (unsigned long long)c->size, r,
	    c->want);
	if (r == RANGE_ONE)
		ck_assert_msg(f == c->first && l == c->last, "'%s': %llu-%llu",
		    c->h, (unsigned long long)f, (unsigned long long)l);
}
END_TEST

/* Long hostile headers: bounded work, no crash, a sane verdict. */
START_TEST(range_long)
{
	size_t		 n = 200000, i;
	char		*h = malloc(n + 16);
	uint64_t	 f, l;

	ck_assert_ptr_nonnull(h);
	memcpy(h, "bytes=", 6);
	for (i = 6; i < n; i += 4)
		memcpy(h + i, "0-1,", 4);
	h[i] = '\0';
	/* too many */
	ck_assert_int_eq(range_parse(h, 10, &f, &l), RANGE_NONE);
	memset(h + 6, '9', n - 6);
	h[n] = '\0';
	/* no '-' */
	ck_assert_int_eq(range_parse(h, 10, &f, &l), RANGE_NONE);
	h[n - 1] = '-';
	ck_assert_int_eq(range_parse(h, 10, &f, &l), RANGE_UNSAT);
	h[6] = '-';
	/* "-99..9-" */
	ck_assert_int_eq(range_parse(h, 10, &f, &l), RANGE_NONE);
	free(h);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Media types, Content-Disposition, dates                              */

START_TEST(mime_table)
{

	ck_assert_str_eq(mime_type("a.txt"), "text/plain; charset=utf-8");
	ck_assert_str_eq(mime_type("dir/A.PNG"), "image/png");
	ck_assert_str_eq(mime_type("x.tar.gz"), "application/gzip");
	ck_assert_str_eq(mime_type("x.json"), "application/json");
	ck_assert_str_eq(mime_type("x.html"), "text/html; charset=utf-8");
	ck_assert_str_eq(mime_type("x.woff2"), "font/woff2");
	ck_assert_str_eq(mime_type("x.zst"), "application/zstd");
	ck_assert_str_eq(mime_type(".bashrc"), "application/octet-stream");
	ck_assert_str_eq(mime_type("a."), "application/octet-stream");
	ck_assert_str_eq(mime_type("noext"), "application/octet-stream");
	ck_assert_str_eq(mime_type("d.txt/noext"), "application/octet-stream");
	ck_assert_str_eq(mime_type("x.unknownext"), "application/octet-stream");
	ck_assert_str_eq(mime_type(NULL), "application/octet-stream");
}
END_TEST

static void
cd_is(const char *type, const char *name, const char *want)
{
	struct rv_buf	 b = { 0 };

	ck_assert_int_eq(content_disposition(&b, type, name), RV_OK);
	buf_putc(&b, '\0');
	ck_assert_str_eq(b.p, want);
	buf_free(&b);
}

START_TEST(disposition)
{

	cd_is("attachment", "report.pdf",
	    "attachment; filename=\"report.pdf\"");
	cd_is("inline", "dir/a b.txt", "inline; filename=\"a b.txt\"");
	cd_is("attachment", "na\xc3\xafve r\xc3\xa9sum\xc3\xa9.pdf",
	    "attachment; filename=\"na__ve r__sum__.pdf\"; "
	    "filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.pdf");
	cd_is("attachment", "\xe2\x82\xac rates.csv",
	    "attachment; filename=\"___ rates.csv\"; "
	    "filename*=UTF-8''%E2%82%AC%20rates.csv");
	/* quotes, backslashes, '%' and controls never reach filename="" */
	cd_is("attachment", "a\"b\\c%41\x01.txt",
	    "attachment; filename=\"a_b_c_41_.txt\"; "
	    "filename*=UTF-8''a%22b%5Cc%2541%01.txt");
	cd_is("attachment", "x;y=1,z.txt",
	    "attachment; filename=\"x;y=1,z.txt\"");
}
END_TEST

START_TEST(dates)
{
	char	 b[32];
	time_t	 t;

	http_date(b, 784111777);
	ck_assert_str_eq(b, "Sun, 06 Nov 1994 08:49:37 GMT");
	ck_assert_int_eq(http_date_parse(b, &t), 0);
	ck_assert_int_eq(t, 784111777);
	http_date(b, 0);
	ck_assert_str_eq(b, "Thu, 01 Jan 1970 00:00:00 GMT");
	ck_assert_int_eq(http_date_parse("Sun, 06 Nov 1994 08:49:37 UTC", &t),
	    -1);
	ck_assert_int_eq(http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT",
	    &t), -1);
	ck_assert_int_eq(http_date_parse("Sun, 06 Nov 1994 25:49:37 GMT", &t),
	    -1);
	ck_assert_int_eq(http_date_parse("Sun, 06 Xyz 1994 08:49:37 GMT", &t),
	    -1);
	ck_assert_int_eq(http_date_parse("Sun, 0a Nov 1994 08:49:37 GMT", &t),
	    -1);
	ck_assert_int_eq(http_date_parse("", &t), -1);
	ck_assert_int_eq(http_date_parse(NULL, &t), -1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A temp tree: root/ with files, symlinks in and out, a FIFO          */

static char	 top[64], root[96];
static char	 big[100000];
static char	 huge[3 * RV_FILE_CHUNK + 17];	/* several chunks */

static void
put(const char *rel, const void *p, size_t n)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	fclose(f);
}

static void
link_at(const char *target, const char *rel)
{
	char	 path[256];

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

static void
tree_up(void)
{
	char	 path[256];
	size_t	 i;

	snprintf(top, sizeof(top), "/tmp/rv-files.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(root, sizeof(root), "%s/root", top);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	snprintf(path, sizeof(path), "%s/root/sub", top);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/root/dir", top);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 251);
	for (i = 0; i < sizeof(huge); i++)
		huge[i] = (char)(i * 13 + i / 509);
	put("secret.txt", "top secret\n", 11);
	put("root/a.txt", "hello world\n", 12);
	put("root/empty.txt", "", 0);
	put("root/sub/b.bin", big, sizeof(big));
	put("root/huge.bin", huge, sizeof(huge));
	put("root/na\xc3\xafve.txt", "n\n", 2);
	put("root/%2e%2e", "literal\n", 8);
	link_at("../secret.txt", "root/link_out");
	link_at("a.txt", "root/link_in");
	link_at("..", "root/sub/up");
	link_at("/etc/passwd", "root/abs_link");
	link_at("root", "rootlink");
	snprintf(path, sizeof(path), "%s/root/fifo", top);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
}

static void
tree_down(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *const refused[] = {
	"../secret.txt", "sub/../a.txt", "sub/../../secret.txt", "./a.txt",
	"/etc/passwd", "a.txt/", "sub//b.bin", "link_out", "link_in",
	"sub/up/a.txt", "sub/up/../secret.txt", "abs_link", "a.txt\\",
	"..\\secret.txt", "..", ".", "", "sub/", "%2e%2e/secret.txt",
	"..%2fsecret.txt", "%252e%252e/secret.txt", "a.txt\n", "a\rb",
	"nope.txt", "sub/nope", "a.txt/x",
};

static void
confined(int flags)
{
	size_t	 i;
	int	 fd;
	char	 b[16];

	ck_assert_int_ge(fd = confine_open(root, "a.txt", flags), 0);
	ck_assert_int_eq(read(fd, b, sizeof(b)), 12);
	close(fd);
	ck_assert_int_ge(fd = confine_open(root, "sub/b.bin", flags), 0);
	close(fd);
	ck_assert_int_ge(fd = confine_open(root, "na\xc3\xafve.txt", flags), 0);
	close(fd);
	/* a literal name, never decoded again */
	ck_assert_int_ge(fd = confine_open(root, "%2e%2e", flags), 0);
	ck_assert_int_eq(read(fd, b, sizeof(b)), 8);
	close(fd);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		fd = confine_open(root, refused[i], flags);
		ck_assert_msg(fd < 0, "'%s' was opened (flags %d)", refused[i],
		    flags);
	}
	/* the FIFO opens without hanging (send_file refuses non-files) */
	ck_assert_int_ge(fd = confine_open(root, "fifo", flags), 0);
	close(fd);
}

START_TEST(confine_openat2)
{

	confined(0);
}
END_TEST

START_TEST(confine_walk)
{

	confined(CONFINE_WALK);
}
END_TEST

START_TEST(confine_root_link)
{
	char	 r[128];
	int	 fd;

	snprintf(r, sizeof(r), "%s/rootlink", top);
	ck_assert_int_ge(fd = confine_open(r, "a.txt", 0), 0);
	close(fd);
	ck_assert_int_lt(confine_open("/nonexistent-rv", "a.txt", 0), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* rv_send_file through the harness                                     */

static struct rv_server	*srv;

static int
h_files(struct rv_req *rq)
{

	return rv_send_file(rq, root, rv_param(rq, "path"), NULL);
}

static int
h_inline(struct rv_req *rq)
{
	struct rv_file_opts	 o = { .disposition = RV_DISP_INLINE,
	    .filename = "r\xc3\xa9sum\xc3\xa9.txt",
	    .cache_control = "max-age=60", .content_type = "text/x-test" };

	return rv_send_file(rq, root, "a.txt", &o);
}

/* A Content-Type with CR/LF is refused before anything is sent. */
static int	 evil_rc;

static int
h_evil(struct rv_req *rq)
{
	struct rv_file_opts	 o = {
		.content_type = "text/plain\r\nX-Evil: 1"
	};

	evil_rc = rv_send_file(rq, root, "a.txt", &o);
	return evil_rc;
}

static int
h_secret(struct rv_req *rq)
{
	struct rv_stream	*s = rv_open(rq, RV_TEXT);

	rv_text(s, "the secret");
	return rv_close(s);
}

static int	 teapot_calls;

static int
g_teapot(struct rv_req *rq, void *arg)
{

	teapot_calls++;
	ck_assert_ptr_eq(arg, &teapot_calls);
	if (rv_req_header(rq, "X-Tea") != NULL)
		return RV_OK;
	return rv_deny(rq, 418, "X-Why", "no tea", "tea first");
}

static int
g_silent(struct rv_req *rq, void *arg)
{

	(void)rq;
	(void)arg;
	return RV_EINVAL;	/* refuses without answering: 403 */
}

/* Opens a stream, then refuses: still a 403, never an empty 200. */
static int
g_opener(struct rv_req *rq, void *arg)
{

	(void)arg;
	rv_header(rv_open(rq, RV_TEXT), "X-Opened", "1");
	return RV_EINVAL;
}

static const struct rv_guard f_guards[] = {
	{ "teapot", g_teapot, &teapot_calls },
	{ "silent", g_silent, NULL },
	{ "opener", g_opener, NULL },
	{ NULL, NULL, NULL }
};

static const struct rv_route f_routes[] = {
	RV_GET("/files/{path...}", h_files),
	RV_GET("/inline", h_inline),
	RV_GET("/evil", h_evil),
	RV_GET_GUARDED("/bearer/secret", h_secret, "bearer"),
	RV_GET_GUARDED("/tea", h_secret, "teapot"),
	RV_GET_GUARDED("/both", h_secret, "bearer teapot"),
	RV_GET_GUARDED("/silent", h_secret, "silent"),
	RV_GET_GUARDED("/opener", h_secret, "opener"),
	RV_GET("/open/a", h_secret),
	RV_GET("/open/b/{x}", h_secret),
	RV_GET("/other", h_secret),
	RV_ROUTES_END
};

static const struct rv_module f_module = {
	RV_MODULE_HEAD,
	.name = "files",
	.routes = f_routes,
	.guards = f_guards,
};

static void
srv_up(void)
{
	char	 err[256];

	tree_up();
	ck_assert_ptr_nonnull(srv = rv_server_new());
	ck_assert_msg(rv_server_add_module(srv, &f_module, err,
	    sizeof(err)) == RV_OK, "%s", err);
	ck_assert_int_eq(rv_server_bearer_token(srv, "s3cr3t-token"), RV_OK);
	ck_assert_int_eq(rv_server_bearer_token(srv, "other.token=="), RV_OK);
}

static void
srv_down(void)
{

	rv_server_free(srv);
	tree_down();
}

static void
req(const char *method, const char *uri, const char *h1, const char *h2,
    struct rv_test_response *r)
{
	const char		*h[3] = { h1, h2, NULL };
	struct rv_test_request	 rq = { .method = method, .uri = uri,
	    .headers = h };

	ck_assert_int_eq(rv_test_run(srv, &rq, r), RV_OK);
}

#define HDR(r, n)	rv_test_header((r), (n))

START_TEST(send_whole)
{
	struct rv_test_response	 r;

	req(NULL, "/files/a.txt", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 12);
	ck_assert_str_eq(r.body, "hello world\n");
	ck_assert_str_eq(HDR(&r, "Content-Length"), "12");
	ck_assert_str_eq(HDR(&r, "X-Content-Size"), "12");
	ck_assert_str_eq(HDR(&r, "Content-Type"), "text/plain; charset=utf-8");
	ck_assert_str_eq(HDR(&r, "Content-Disposition"),
	    "attachment; filename=\"a.txt\"");
	ck_assert_str_eq(HDR(&r, "Accept-Ranges"), "bytes");
	ck_assert_ptr_nonnull(HDR(&r, "ETag"));
	ck_assert_ptr_nonnull(HDR(&r, "Last-Modified"));
	ck_assert_ptr_null(HDR(&r, "X-Sendfile"));
	rv_test_response_free(&r);

	req(NULL, "/files/sub/b.bin", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, sizeof(big));
	ck_assert_mem_eq(r.body, big, sizeof(big));
	rv_test_response_free(&r);

	req(NULL, "/files/empty.txt", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	ck_assert_str_eq(HDR(&r, "Content-Length"), "0");
	rv_test_response_free(&r);

	req(NULL, "/evil", NULL, NULL, &r);
	ck_assert_int_eq(evil_rc, RV_EINVAL);
	ck_assert_int_eq(r.status, 500);
	ck_assert_ptr_null(HDR(&r, "X-Evil"));
	rv_test_response_free(&r);

	req(NULL, "/inline", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(HDR(&r, "Content-Type"), "text/x-test");
	ck_assert_str_eq(HDR(&r, "Cache-Control"), "max-age=60");
	ck_assert_str_eq(HDR(&r, "Content-Disposition"), "inline; "
	    "filename=\"r__sum__.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt");
	rv_test_response_free(&r);
}
END_TEST

/* Several chunks, and a range across their boundaries. */
START_TEST(send_chunks)
{
	struct rv_test_response	 r;
	char			 h[96];

	req(NULL, "/files/huge.bin", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, sizeof(huge));
	ck_assert_mem_eq(r.body, huge, sizeof(huge));
	rv_test_response_free(&r);
	snprintf(h, sizeof(h), "Range: bytes=%d-%d", RV_FILE_CHUNK - 5,
	    2 * RV_FILE_CHUNK + 5);
	req(NULL, "/files/huge.bin", h, NULL, &r);
	ck_assert_int_eq(r.status, 206);
	ck_assert_uint_eq(r.body_len, RV_FILE_CHUNK + 11);
	ck_assert_mem_eq(r.body, huge + RV_FILE_CHUNK - 5, RV_FILE_CHUNK + 11);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(send_head)
{
	struct rv_test_response	 r;

	req("HEAD", "/files/sub/b.bin", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	ck_assert_str_eq(HDR(&r, "Content-Length"), "100000");
	rv_test_response_free(&r);
}
END_TEST

START_TEST(send_ranges)
{
	struct rv_test_response	 r;
	char			 etag[64], h[96];

	req(NULL, "/files/sub/b.bin", "Range: bytes=1000-1999", NULL, &r);
	ck_assert_int_eq(r.status, 206);
	ck_assert_uint_eq(r.body_len, 1000);
	ck_assert_mem_eq(r.body, big + 1000, 1000);
	ck_assert_str_eq(HDR(&r, "Content-Range"), "bytes 1000-1999/100000");
	ck_assert_str_eq(HDR(&r, "Content-Length"), "1000");
	snprintf(etag, sizeof(etag), "%s", HDR(&r, "ETag"));
	rv_test_response_free(&r);

	req(NULL, "/files/sub/b.bin", "Range: bytes=-10", NULL, &r);
	ck_assert_int_eq(r.status, 206);
	ck_assert_mem_eq(r.body, big + sizeof(big) - 10, 10);
	rv_test_response_free(&r);

	req(NULL, "/files/sub/b.bin", "Range: bytes=100000-", NULL, &r);
	ck_assert_int_eq(r.status, 416);
	ck_assert_str_eq(HDR(&r, "Content-Range"), "bytes */100000");
	ck_assert_str_eq(HDR(&r, "Content-Type"), "application/problem+json");
	rv_test_response_free(&r);

	req(NULL, "/files/sub/b.bin", "Range: bytes=0-1,5-6", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, sizeof(big));
	/* so that a front server does not apply the ranges after all */
	ck_assert_str_eq(HDR(&r, "Accept-Ranges"), "none");
	rv_test_response_free(&r);

	req(NULL, "/files/sub/b.bin", "Range: bytes=oops", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	rv_test_response_free(&r);

	/* If-Range: the range only for the same representation */
	snprintf(h, sizeof(h), "If-Range: %s", etag);
	req(NULL, "/files/sub/b.bin", "Range: bytes=0-9", h, &r);
	ck_assert_int_eq(r.status, 206);
	rv_test_response_free(&r);
	req(NULL, "/files/sub/b.bin", "Range: bytes=0-9", "If-Range: \"x\"",
	    &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, sizeof(big));
	rv_test_response_free(&r);
}
END_TEST

START_TEST(send_conditional)
{
	struct rv_test_response	 r;
	char			 etag[64], lm[40], h[128];

	req(NULL, "/files/a.txt", NULL, NULL, &r);
	snprintf(etag, sizeof(etag), "%s", HDR(&r, "ETag"));
	snprintf(lm, sizeof(lm), "%s", HDR(&r, "Last-Modified"));
	rv_test_response_free(&r);

	snprintf(h, sizeof(h), "If-None-Match: \"zz\", W/%s", etag);
	req(NULL, "/files/a.txt", h, NULL, &r);
	ck_assert_int_eq(r.status, 304);
	ck_assert_uint_eq(r.body_len, 0);
	ck_assert_str_eq(HDR(&r, "ETag"), etag);
	rv_test_response_free(&r);

	req(NULL, "/files/a.txt", "If-None-Match: *", NULL, &r);
	ck_assert_int_eq(r.status, 304);
	rv_test_response_free(&r);

	req(NULL, "/files/a.txt", "If-None-Match: \"other\"", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	rv_test_response_free(&r);

	snprintf(h, sizeof(h), "If-Modified-Since: %s", lm);
	req(NULL, "/files/a.txt", h, NULL, &r);
	ck_assert_int_eq(r.status, 304);
	ck_assert_str_eq(HDR(&r, "Last-Modified"), lm);
	rv_test_response_free(&r);

	/* If-None-Match decides alone when both are there */
	req(NULL, "/files/a.txt", h, "If-None-Match: \"other\"", &r);
	ck_assert_int_eq(r.status, 200);
	rv_test_response_free(&r);

	req(NULL, "/files/a.txt",
	    "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	rv_test_response_free(&r);

	req(NULL, "/files/a.txt", "If-Modified-Since: garbage", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	rv_test_response_free(&r);
}
END_TEST

static const char *const uris_404[] = {
	"/files/nope.txt", "/files/..%2fsecret.txt", "/files/../secret.txt",
	"/files/sub/../../secret.txt", "/files/link_out", "/files/link_in",
	"/files/sub/up/a.txt", "/files/abs_link", "/files/dir",
	"/files/fifo", "/files/a%5cb", "/files/..%5csecret.txt",
	"/files/%252e%252e/secret.txt", "/files/./a.txt",
	"/files/a.txt%0d%0aX-Evil:%201",
};

START_TEST(send_404)
{
	struct rv_test_response	 r;
	size_t			 i;

	for (i = 0; i < sizeof(uris_404) / sizeof(uris_404[0]); i++) {
		req(NULL, uris_404[i], NULL, NULL, &r);
		ck_assert_msg(r.status == 404, "%s: %d", uris_404[i], r.status);
		ck_assert_str_eq(HDR(&r, "Content-Type"),
		    "application/problem+json");
		ck_assert_ptr_null(strstr(r.body, "secret"));
		ck_assert_ptr_null(HDR(&r, "X-Evil"));
		rv_test_response_free(&r);
	}
}
END_TEST

START_TEST(send_delegated)
{
	struct rv_test_response	 r;
	char			 want[256];

	ck_assert_int_eq(rv_server_file_delegation(srv, RV_DELEGATE_XSENDFILE,
	    NULL), RV_OK);
	req(NULL, "/files/sub/b.bin", "Range: bytes=0-9", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	snprintf(want, sizeof(want), "%s/sub/b.bin", root);
	ck_assert_str_eq(HDR(&r, "X-Sendfile"), want);
	ck_assert_str_eq(HDR(&r, "X-Content-Size"), "100000");
	ck_assert_ptr_null(HDR(&r, "Content-Length"));
	rv_test_response_free(&r);

	req(NULL, "/files/../secret.txt", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_ptr_null(HDR(&r, "X-Sendfile"));
	rv_test_response_free(&r);

	ck_assert_int_eq(rv_server_file_delegation(srv, RV_DELEGATE_XACCEL,
	    "/internal/"), RV_OK);
	req(NULL, "/files/na%C3%AFve.txt", NULL, NULL, &r);
	ck_assert_str_eq(HDR(&r, "X-Accel-Redirect"),
	    "/internal/na%C3%AFve.txt");
	ck_assert_ptr_null(HDR(&r, "X-Sendfile"));
	rv_test_response_free(&r);

	ck_assert_int_eq(rv_server_file_delegation(srv, RV_DELEGATE_XACCEL,
	    "/"), RV_OK);
	req(NULL, "/files/sub/b.bin", NULL, NULL, &r);
	ck_assert_str_eq(HDR(&r, "X-Accel-Redirect"), "/sub/b.bin");
	rv_test_response_free(&r);
	ck_assert_int_eq(rv_server_file_delegation(srv, RV_DELEGATE_XACCEL,
	    "no-slash"), RV_EINVAL);
	ck_assert_int_eq(rv_server_file_delegation(srv, RV_DELEGATE_XACCEL,
	    "/a\r\nb"), RV_EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Guards                                                               */

START_TEST(guard_bearer)
{
	struct rv_test_response	 r;

	req(NULL, "/bearer/secret", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(HDR(&r, "WWW-Authenticate"),
	    "Bearer realm=\"rivulet\"");
	ck_assert_str_eq(HDR(&r, "Content-Type"), "application/problem+json");
	ck_assert_ptr_null(strstr(r.body, "the secret"));
	rv_test_response_free(&r);

	req(NULL, "/bearer/secret", "Authorization: Bearer wrong", NULL, &r);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(HDR(&r, "WWW-Authenticate"),
	    "Bearer realm=\"rivulet\", error=\"invalid_token\"");
	rv_test_response_free(&r);

	/* prefixes and extensions of a right token are wrong */
	req(NULL, "/bearer/secret", "Authorization: Bearer s3cr3t", NULL, &r);
	ck_assert_int_eq(r.status, 401);
	rv_test_response_free(&r);
	req(NULL, "/bearer/secret", "Authorization: Bearer s3cr3t-tokenX",
	    NULL, &r);
	ck_assert_int_eq(r.status, 401);
	rv_test_response_free(&r);
	req(NULL, "/bearer/secret", "Authorization: Bearer ", NULL, &r);
	ck_assert_int_eq(r.status, 401);
	rv_test_response_free(&r);
	req(NULL, "/bearer/secret", "Authorization: Basic czNjcjN0LXRva2Vu",
	    NULL, &r);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(HDR(&r, "WWW-Authenticate"),
	    "Bearer realm=\"rivulet\"");
	rv_test_response_free(&r);

	req(NULL, "/bearer/secret", "Authorization: Bearer s3cr3t-token", NULL,
	    &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "the secret");
	rv_test_response_free(&r);
	req(NULL, "/bearer/secret", "Authorization: bearer other.token==",
	    NULL, &r);
	ck_assert_int_eq(r.status, 200);
	rv_test_response_free(&r);
}
END_TEST

START_TEST(guard_module)
{
	struct rv_test_response	 r;

	teapot_calls = 0;
	req(NULL, "/tea", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 418);
	ck_assert_str_eq(HDR(&r, "X-Why"), "no tea");
	ck_assert_int_eq(teapot_calls, 1);
	rv_test_response_free(&r);
	req(NULL, "/tea", "X-Tea: yes", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	rv_test_response_free(&r);

	/* in order: bearer refuses first, the teapot is never asked */
	req(NULL, "/both", "X-Tea: yes", NULL, &r);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(teapot_calls, 2);
	rv_test_response_free(&r);
	req(NULL, "/both", "Authorization: Bearer s3cr3t-token", NULL, &r);
	ck_assert_int_eq(r.status, 418);
	rv_test_response_free(&r);

	req(NULL, "/silent", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 403);
	ck_assert_ptr_nonnull(strstr(r.body, "silent"));
	rv_test_response_free(&r);
	req(NULL, "/opener", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 403);
	ck_assert_ptr_null(strstr(r.body, "the secret"));
	rv_test_response_free(&r);
}
END_TEST

START_TEST(guard_glob)
{
	struct rv_test_response	 r;
	char			 err[256];

	ck_assert_int_eq(rv_server_guard_routes(srv, "bearer", "/open/*", err,
	    sizeof(err)), 2);
	ck_assert_int_eq(rv_server_guard_routes(srv, "nope", "/open/*", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "nope"));
	ck_assert_int_eq(rv_server_guard_routes(srv, "bearer", "/zzz*", err,
	    sizeof(err)), 0);
	req(NULL, "/open/a", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	rv_test_response_free(&r);
	req(NULL, "/open/b/c", "Authorization: Bearer s3cr3t-token", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	rv_test_response_free(&r);
	req(NULL, "/other", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	rv_test_response_free(&r);
}
END_TEST

static int
h_plain(struct rv_req *rq)
{

	(void)rq;
	return RV_OK;
}

START_TEST(guard_refusals)
{
	static const struct rv_route bad_routes[] = {
		RV_GET_GUARDED("/x", h_plain, "undefined-guard"),
		RV_ROUTES_END
	};
	static const struct rv_module bad = {
		RV_MODULE_HEAD, .name = "bad", .routes = bad_routes,
	};
	static const struct rv_guard dup_guards[] = {
		{ "teapot", g_silent, NULL },
		{ NULL, NULL, NULL }
	};
	static const struct rv_module dup = {
		RV_MODULE_HEAD, .name = "dup", .guards = dup_guards,
	};
	struct rv_server	*s2;
	char			 err[256];

	ck_assert_int_eq(rv_server_add_module(srv, &bad, err, sizeof(err)),
	    RV_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err, "undefined-guard"));
	ck_assert_int_ne(rv_server_add_module(srv, &dup, err, sizeof(err)),
	    RV_OK);
	ck_assert_int_eq(rv_server_add_guard(srv, "bearer", g_silent, NULL),
	    RV_EINVAL);
	ck_assert_int_eq(rv_server_add_guard(srv, "a b", g_silent, NULL),
	    RV_EINVAL);
	ck_assert_int_eq(rv_server_bearer_token(srv, "has space"), RV_EINVAL);
	ck_assert_int_eq(rv_server_bearer_token(srv, ""), RV_EINVAL);
	ck_assert_int_eq(rv_server_bearer_token(srv, "a=b"), RV_EINVAL);
	ck_assert_int_eq(rv_server_bearer_token(srv, "=="), RV_EINVAL);

	/* no token configured: bearer refuses everyone */
	ck_assert_ptr_nonnull(s2 = rv_server_new());
	ck_assert_int_eq(rv_server_add_module(s2, &f_module, err, sizeof(err)),
	    RV_OK);
	rv_server_free(s2);
}
END_TEST

START_TEST(settings)
{
	struct rv_test_response	 r;

	ck_assert_int_eq(rv_server_setting(srv, "download_dir", "/a"), RV_OK);
	ck_assert_int_eq(rv_server_setting(srv, "download_dir", "/b"), RV_OK);
	ck_assert_int_eq(rv_server_setting(srv, "Bad Name", "x"), RV_EINVAL);
	/* read back through a request */
	req(NULL, "/other", NULL, NULL, &r);
	rv_test_response_free(&r);
	ck_assert_str_eq(srv->settings[0].val, "/b");
	ck_assert_uint_eq(srv->nsettings, 1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("files");
	TCase	*tp = tcase_create("parsers");
	TCase	*tc = tcase_create("confine");
	TCase	*ts = tcase_create("send_file");
	TCase	*tg = tcase_create("guards");

	tcase_add_loop_test(tp, range_cases, 0,
	    sizeof(rcases) / sizeof(rcases[0]));
	tcase_add_test(tp, range_long);
	tcase_add_test(tp, mime_table);
	tcase_add_test(tp, disposition);
	tcase_add_test(tp, dates);
	suite_add_tcase(s, tp);
	tcase_add_checked_fixture(tc, tree_up, tree_down);
	tcase_add_test(tc, confine_openat2);
	tcase_add_test(tc, confine_walk);
	tcase_add_test(tc, confine_root_link);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(ts, srv_up, srv_down);
	tcase_add_test(ts, send_whole);
	tcase_add_test(ts, send_head);
	tcase_add_test(ts, send_chunks);
	tcase_add_test(ts, send_ranges);
	tcase_add_test(ts, send_conditional);
	tcase_add_test(ts, send_404);
	tcase_add_test(ts, send_delegated);
	suite_add_tcase(s, ts);
	tcase_add_checked_fixture(tg, srv_up, srv_down);
	tcase_add_test(tg, guard_bearer);
	tcase_add_test(tg, guard_module);
	tcase_add_test(tg, guard_glob);
	tcase_add_test(tg, guard_refusals);
	tcase_add_test(tg, settings);
	suite_add_tcase(s, tg);
	return run_suite(s);
}
