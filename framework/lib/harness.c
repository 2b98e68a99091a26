/*
 * harness.c: run one request through a server's routes in-process, as
 * the FastCGI runtime would, and give back the status, the head, the
 * body and the body decoded into items.  Sleeps take no time unless
 * asked, and the client can be made to leave after N items.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "internal.h"

struct test_sink {
	struct rv_sink			 sink;	/* first: cast target */
	struct rv_req			*rq;
	const struct rv_test_request	*tr;
	struct rv_buf			 out;
	size_t				 delivered;
	int				 finished;
	int				 aborted;
	size_t				 body_off;	/* streamed so far */
};

static int
client_left(struct test_sink *ts)
{

	return ts->tr->leave_after > 0 && ts->delivered >= ts->tr->leave_after;
}

static int	 ts_finish(struct rv_sink *, int);

static int
ts_write(struct rv_sink *sk, const struct iovec *iov, int n, int last)
{
	struct test_sink	*ts = (struct test_sink *)sk;
	int			 i;

	if (client_left(ts) || ts->finished)
		return RV_EGONE;
	for (i = 0; i < n; i++)
		buf_add(&ts->out, iov[i].iov_base, iov[i].iov_len);
	ts->delivered = ts->rq->stream.items;
	if (last && ts->out.err == RV_OK)
		ts_finish(sk, 0);
	return ts->out.err;
}

static int
ts_finish(struct rv_sink *sk, int abort)
{
	struct test_sink	*ts = (struct test_sink *)sk;

	ts->finished = 1;
	ts->aborted = abort;
	return RV_OK;
}

static int
ts_wait(struct rv_sink *sk, unsigned long ms)
{
	struct test_sink	*ts = (struct test_sink *)sk;
	struct timespec		 t;

	if (client_left(ts))
		return RV_EGONE;
	if (ts->tr->real_sleep && ms > 0) {
		t.tv_sec = (time_t)(ms / 1000);
		t.tv_nsec = (long)(ms % 1000) * 1000000;
		while (nanosleep(&t, &t) == -1 && errno == EINTR)
			continue;
	}
	return RV_OK;
}

/*
 * A streamed body in pieces, as conn_read gives it: cut at max_upload
 * when its length is unknown.
 */
static int
ts_read(struct rv_sink *sk, void *buf, size_t len, size_t *got)
{
	struct test_sink		*ts = (struct test_sink *)sk;
	const struct rv_test_request	*tr = ts->tr;
	size_t				 n = tr->body_chunk ? tr->body_chunk :
	    4096;

	*got = 0;
	if (client_left(ts))
		return RV_EGONE;
	if (n > tr->body_len - ts->body_off)
		n = tr->body_len - ts->body_off;
	if (n > len)
		n = len;
	if (n > ts->rq->srv->lim.max_upload - ts->body_off)
		return RV_ETOOBIG;
	memcpy(buf, (const char *)tr->body + ts->body_off, n);
	ts->body_off += n;
	*got = n;
	return RV_OK;
}

/* "Accept: x" -> HTTP_ACCEPT=x; Content-Type/-Length keep no prefix. */
static int
add_header(struct rv_req *rq, const char *line)
{
	const char	*colon = strchr(line, ':'), *v;
	char		 name[128];
	size_t		 i, n, off = 0;

	if (colon == NULL || (n = (size_t)(colon - line)) == 0 ||
	    n + 6 > sizeof(name))
		return RV_EINVAL;
	if (!(n == 12 && strncasecmp(line, "Content-Type", 12) == 0) &&
	    !(n == 14 && strncasecmp(line, "Content-Length", 14) == 0)) {
		memcpy(name, "HTTP_", 5);
		off = 5;
	}
	for (i = 0; i < n; i++)
		name[off + i] = line[i] == '-' ? '_' :
		    (char)toupper((unsigned char)line[i]);
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		continue;
	return req_add_env(rq, name, off + n, v, strlen(v));
}

static int
add_envs(struct rv_req *rq, const struct rv_test_request *tr)
{
	const char	*uri = tr->uri != NULL ? tr->uri : "/";
	const char	*q = strchr(uri, '?');
	size_t		 plen = q != NULL ? (size_t)(q - uri) : strlen(uri);
	char		*path, num[32];
	size_t		 dlen;
	int		 rc = RV_OK, i;

	/* PATH_INFO arrives decoded from every front server. */
	if ((path = malloc(plen + 1)) == NULL)
		return RV_ENOMEM;
	if (pct_decode(path, uri, plen, 0, &dlen) != 0) {
		free(path);
		return RV_EINVAL;
	}
#define ENV(k, v) do { if (rc == RV_OK) rc = req_add_env(rq, k,	\
	sizeof(k) - 1, v, strlen(v)); } while (0)
	ENV("REQUEST_METHOD", tr->method != NULL ? tr->method : "GET");
	ENV("REQUEST_URI", uri);
	ENV("SCRIPT_NAME", "");
	if (rc == RV_OK)
		rc = req_add_env(rq, "PATH_INFO", 9, path, dlen);
	ENV("QUERY_STRING", q != NULL ? q + 1 : "");
	ENV("REMOTE_ADDR", "127.0.0.1");
	ENV("SERVER_PROTOCOL", "HTTP/1.1");
	ENV("GATEWAY_INTERFACE", "CGI/1.1");
	if (tr->body != NULL && tr->body_chunked)
		ENV("HTTP_TRANSFER_ENCODING", "chunked");
	else if (tr->body != NULL) {
		snprintf(num, sizeof(num), "%zu", tr->body_len);
		ENV("CONTENT_LENGTH", num);
	}
#undef ENV
	free(path);
	for (i = 0; rc == RV_OK && tr->headers != NULL &&
	    tr->headers[i] != NULL; i++)
		rc = add_header(rq, tr->headers[i]);
	return rc;
}

/* Split the CGI head from the body; read the status. */
static int
split_response(struct test_sink *ts, struct rv_test_response *res)
{
	char	*p = ts->out.p, *end;
	size_t	 hl;

	if (p == NULL || (end = strstr(p, "\r\n\r\n")) == NULL)
		return RV_EIO;
	hl = (size_t)(end - p) + 2;
	if ((res->head = malloc(hl + 1)) == NULL ||
	    (res->body = malloc(ts->out.len - hl - 2 + 1)) == NULL)
		return RV_ENOMEM;
	memcpy(res->head, p, hl);
	res->head[hl] = '\0';
	res->body_len = ts->out.len - hl - 2;
	memcpy(res->body, end + 4, res->body_len);
	res->body[res->body_len] = '\0';
	res->status = strncmp(p, "Status: ", 8) == 0 ? atoi(p + 8) : 200;
	return RV_OK;
}

/*
 * The body as the runtime would have it (fcgi.c judge_params): over
 * max_body or chunked, streamed up to max_upload; a known length over
 * both limits is 413 before any handler.  -1: answered.
 */
static int
set_body(struct rv_req *rq, const struct rv_test_request *tr)
{
	const struct rv_limits	*l = &rq->srv->lim;
	size_t			 n = tr->body != NULL ? tr->body_len : 0;

	if (tr->body != NULL && tr->body_chunked && l->max_upload >
	    l->max_body) {
		rq->body_streamed = 1;
		return 0;
	}
	if (n > l->max_body && n > l->max_upload) {
		req_problem(rq, 413, NULL, "the request body (CONTENT_LENGTH) "
		    "is over the server's limits (max_body, max_upload)",
		    NULL);
		return -1;
	}
	if (n > l->max_body) {
		rq->body_streamed = 1;
		return 0;
	}
	rq->body = tr->body;
	rq->body_len = n;
	return 0;
}

static void
run_route(struct rv_req *rq, struct rv_test_response *res)
{
	char		 allow[128], detail[256];
	enum route_res	 r;

	r = route_match(rq->srv->routes, rq->srv->nroutes, rq, allow,
	    sizeof(allow));
	if (r == ROUTE_NOT_FOUND) {
		snprintf(detail, sizeof(detail), "no route for %s",
		    rq->path != NULL ? rq->path : "(none)");
		req_problem(rq, 404, "Not Found", detail, NULL);
		return;
	}
	if (r == ROUTE_BAD_METHOD) {
		snprintf(detail, sizeof(detail), "Allow: %s\r\n", allow);
		req_problem(rq, 405, "Method Not Allowed",
		    "the resource does not answer this method", detail);
		return;
	}
	rq->mod_data = rq->route->mod_data;
	res->handler_ret = route_run(rq);
	stream_end_ret(&rq->stream, res->handler_ret);
}

int
rv_test_run(struct rv_server *srv, const struct rv_test_request *tr,
    struct rv_test_response *res)
{
	struct test_sink	 ts;
	struct rv_req		*rq;
	char			 err[256];
	const char		*ct;
	int			 rc;

	memset(res, 0, sizeof(*res));
	memset(&ts, 0, sizeof(ts));
	ts.sink.write = ts_write;
	ts.sink.finish = ts_finish;
	ts.sink.wait = ts_wait;
	ts.sink.read = ts_read;
	ts.tr = tr;
	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return RV_ENOMEM;
	ts.rq = rq;
	if ((rc = req_init(rq, srv, &ts.sink)) == RV_OK &&
	    (rc = add_envs(rq, tr)) == RV_OK &&
	    (rc = req_finish_env(rq)) == RV_OK && set_body(rq, tr) == 0)
		run_route(rq, res);
	res->items_sent = ts.delivered;
	req_free(rq);
	free(rq);
	if (rc == RV_OK && (rc = split_response(&ts, res)) == RV_OK) {
		ct = rv_test_header(res, "Content-Type");
		res->items = rv_decode(ct, res->body, res->body_len, err,
		    sizeof(err));
	}
	buf_free(&ts.out);
	return rc;
}

const char *
rv_test_header(const struct rv_test_response *res, const char *name)
{
	static __thread char	 val[1024];
	const char		*p, *eol;
	size_t			 n = strlen(name), vl;

	for (p = res->head; p != NULL && *p != '\0'; p = eol + 1) {
		if ((eol = strchr(p, '\n')) == NULL)
			break;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			for (p += n + 1; *p == ' '; p++)
				continue;
			vl = (size_t)(eol - p);
			if (vl > 0 && p[vl - 1] == '\r')
				vl--;
			if (vl >= sizeof(val))
				vl = sizeof(val) - 1;
			memcpy(val, p, vl);
			val[vl] = '\0';
			return val;
		}
	}
	return NULL;
}

void
rv_test_response_free(struct rv_test_response *res)
{

	free(res->head);
	free(res->body);
	json_decref(res->items);
	memset(res, 0, sizeof(*res));
}
