/*
 * cgi.c: one request as a plain CGI program (RFC 3875).
 *
 * The front server (lighttpd or Apache mod_cgi) starts the program per
 * request with the request in the environment and its body on stdin,
 * and reads the response from stdout.  A FastCGI responder's output is
 * already a CGI response (a "Status:" line, headers, the body), so the
 * sink writes the stream's bytes to stdout as they come; a departed
 * client shows as a broken pipe, or as an error on stdout while the
 * handler waits.  The handler runs on this thread, and the program
 * exits after it.
 */
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "conn.h"

extern char	**environ;

struct cgi_sink {
	struct rv_sink	 sink;		/* first: cast target */
	struct rv_server *srv;
	int		 gone;
	int64_t		 left;		/* body bytes still on stdin; -1: ? */
};

static int
cgi_write(struct rv_sink *sk, const struct iovec *in, int n, int last)
{
	struct cgi_sink	*cs = (struct cgi_sink *)sk;
	struct iovec	 iov[64];
	ssize_t		 w;
	int		 i;

	(void)last;
	if (cs->gone)
		return RV_EGONE;
	if (n > 64)
		return RV_EINVAL;
	memcpy(iov, in, (size_t)n * sizeof(*iov));
	for (i = 0; i < n;) {
		if ((w = writev(STDOUT_FILENO, iov + i, n - i)) < 0) {
			if (errno == EINTR)
				continue;
			cs->gone = 1;
			return errno == EPIPE ? RV_EGONE : RV_EIO;
		}
		for (; i < n && (size_t)w >= iov[i].iov_len; i++)
			w -= (ssize_t)iov[i].iov_len;
		if (i < n) {
			iov[i].iov_base = (char *)iov[i].iov_base + w;
			iov[i].iov_len -= (size_t)w;
		}
	}
	return RV_OK;
}

static int
cgi_finish(struct rv_sink *sk, int abort)
{

	(void)sk;
	(void)abort;
	return RV_OK;
}

/* Sleep, watching stdout: an error or hang-up there is the client gone. */
static int
cgi_wait(struct rv_sink *sk, unsigned long ms)
{
	struct cgi_sink	*cs = (struct cgi_sink *)sk;
	struct pollfd	 pfd;
	int		 n;

	if (cs->gone)
		return RV_EGONE;
	if (atomic_load(&cs->srv->stopping))
		return RV_ESHUTDOWN;
	pfd.fd = STDOUT_FILENO;
	pfd.events = 0;		/* POLLERR and POLLHUP come regardless */
	n = poll(&pfd, 1, ms > INT_MAX ? INT_MAX : (int)ms);
	if (n > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))) {
		cs->gone = 1;
		return RV_EGONE;
	}
	if (atomic_load(&cs->srv->stopping))
		return RV_ESHUTDOWN;
	return RV_OK;
}

static int
cgi_read(struct rv_sink *sk, void *buf, size_t len, size_t *got)
{
	struct cgi_sink	*cs = (struct cgi_sink *)sk;
	ssize_t		 n;

	*got = 0;
	if (cs->left == 0)
		return RV_OK;
	if (cs->left > 0 && (uint64_t)cs->left < len)
		len = (size_t)cs->left;
	do
		n = read(STDIN_FILENO, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return RV_EIO;
	if (n == 0)
		return cs->left > 0 ? RV_EINVAL : RV_OK;	/* cut short */
	if (cs->left > 0)
		cs->left -= n;
	*got = (size_t)n;
	return RV_OK;
}

static int
load_body(struct rv_req *rq, struct cgi_sink *cs)
{
	size_t	 want = (size_t)cs->left, have = 0, got;
	char	*p;
	int	 rc;

	if ((p = arena_alloc(&rq->arena, want + 1)) == NULL)
		return RV_ENOMEM;
	while (have < want) {
		if ((rc = cgi_read(&cs->sink, p + have, want - have, &got)) !=
		    RV_OK || got == 0) {
			cs->left = 0;
			return rc != RV_OK ? rc : RV_EINVAL;
		}
		have += got;
	}
	p[have] = '\0';
	rq->body = p;
	rq->body_len = have;
	return RV_OK;
}

/* The environment as the request's params. */
static int
load_environ(struct rv_req *rq)
{
	char	**e, *eq;
	int	  rc = RV_OK;

	for (e = environ; rc == RV_OK && e != NULL && *e != NULL; e++)
		if ((eq = strchr(*e, '=')) != NULL && eq > *e)
			rc = req_add_env(rq, *e, (size_t)(eq - *e), eq + 1,
			    strlen(eq + 1));
	return rc;
}

/* Route and run; the 404/405/400 answers are the loop's, here. */
static void
run(struct rv_req *rq)
{
	char		 allow[128], extra[160];
	enum route_res	 r;

	if (rq->bad_status != 0) {
		req_problem(rq, rq->bad_status, NULL, rq->bad, NULL);
		return;
	}
	r = route_match(rq->srv->routes, rq->srv->nroutes, rq, allow,
	    sizeof(allow));
	if (r == ROUTE_NOT_FOUND) {
		req_problem(rq, 404, NULL, "no route for this path", NULL);
		return;
	}
	if (r == ROUTE_BAD_METHOD) {
		snprintf(extra, sizeof(extra), "Allow: %s\r\n", allow);
		req_problem(rq, 405, NULL, "the resource does not answer "
		    "this method", extra);
		return;
	}
	rq->mod_data = rq->route->mod_data;
	stream_end_ret(&rq->stream, route_run(rq));
}

int
rv_server_cgi(struct rv_server *srv)
{
	struct cgi_sink	 cs;
	struct rv_req	*rq;
	const char	*cl;
	char		*end;
	int		 rc;

	memset(&cs, 0, sizeof(cs));
	cs.sink.write = cgi_write;
	cs.sink.finish = cgi_finish;
	cs.sink.wait = cgi_wait;
	cs.sink.read = cgi_read;
	cs.srv = srv;
	cs.left = -1;
	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return RV_ENOMEM;
	if ((rc = req_init(rq, srv, &cs.sink)) != RV_OK ||
	    (rc = load_environ(rq)) != RV_OK ||
	    (rc = req_finish_env(rq)) != RV_OK) {
		req_free(rq);
		free(rq);
		return rc;
	}
	/* The body stays on stdin: handlers read it (rv_body_read). */
	if ((cl = rv_env(rq, "CONTENT_LENGTH")) != NULL && *cl != '\0') {
		errno = 0;
		cs.left = strtoll(cl, &end, 10);
		if (errno != 0 || *end != '\0' || cs.left < 0) {
			cs.left = 0;
			req_mark_bad(rq, 400, "CONTENT_LENGTH is not a length");
		}
	} else if (rv_env(rq, "HTTP_TRANSFER_ENCODING") == NULL)
		cs.left = 0;	/* no body */
	/* As over FastCGI: up to max_body in memory, more as a stream. */
	if (cs.left > 0 && (uint64_t)cs.left <= srv->lim.max_body &&
	    load_body(rq, &cs) != RV_OK)
		req_mark_bad(rq, 400, "the body is shorter than its "
		    "CONTENT_LENGTH");
	rq->body_streamed = cs.left != 0;
	clock_gettime(CLOCK_MONOTONIC, &rq->start);
	run(rq);
	log_access(rq);
	req_free(rq);
	free(rq);
	return cs.gone ? RV_EGONE : RV_OK;
}
