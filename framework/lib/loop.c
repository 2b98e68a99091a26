/*
 * loop.c: the event loop.  One thread owns every connection: it
 * accepts, reads records under limits and a deadline, routes, and
 * hands a complete request to a handler thread.  While the handler
 * writes, the loop keeps reading the socket so that a hang-up or an
 * ABORT_REQUEST wakes the handler's waits.  No thread is held while a
 * peer dawdles over its params.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <fastcgi.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "fcgi.h"
#include "conn.h"

#define READ_CHUNK	(64 * 1024)
#define KEEP_IDLE_MS	(300 * 1000)	/* a kept connection with nothing */
#define DRAIN_MS	2000
#define STOP_GRACE_MS	10000

struct loopstate {
	int		 epfd;
	int		 listenfd;
	pthread_mutex_t	 done_mu;
	struct conn	*done;
	struct conn	*conns;
	unsigned	 nconns;
};

static int	 conn_write(struct rv_sink *, const struct iovec *, int, int);
static int	 conn_finish(struct rv_sink *, int);
static int	 conn_wait(struct rv_sink *, unsigned long);
static void	 conn_read(struct rv_server *, struct conn *);
static void	 conn_link(struct loopstate *, struct conn *);

int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* Writing: records straight from the caller's buffers                 */

/* Send all of iov, waiting for room; the fd is non-blocking. */
static int
send_all(struct conn *c, struct iovec *iov, int n)
{
	struct msghdr	 mh;
	struct pollfd	 pfd;
	int64_t		 deadline = 0;
	ssize_t		 w;
	unsigned long	 tmo = c->srv->lim.write_timeout_ms;

	while (n > 0) {
		if (atomic_load(&c->gone))
			return RV_EGONE;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)n;
		if ((w = sendmsg(c->fd, &mh, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				atomic_store(&c->gone, 1);
				return errno == EPIPE || errno == ECONNRESET ?
				    RV_EGONE : RV_EIO;
			}
			/* The peer reads nothing: wait, a bounded time. */
			if (deadline == 0)
				deadline = now_ms() + (int64_t)tmo;
			else if (tmo > 0 && now_ms() > deadline)
				return RV_EIO;
			pfd.fd = c->fd;
			pfd.events = POLLOUT;
			poll(&pfd, 1, 200);
			if (atomic_load(&c->srv->stopping) > 1)
				return RV_ESHUTDOWN;
			continue;
		}
		deadline = 0;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return RV_OK;
}

#define BATCH	16	/* records a sendmsg */

/*
 * STDOUT records straight from the caller's buffers; with last, the
 * empty STDOUT and END_REQUEST go in the same system call.
 */
static int
conn_write(struct rv_sink *sk, const struct iovec *in, int nin, int last)
{
	struct conn	*c = (struct conn *)sk;
	unsigned char	 hdr[BATCH][FCGI_HDR], end[FCGI_HDR + 16];
	struct iovec	 out[BATCH * 2 + 1];
	size_t		 off, chunk;
	int		 i, nrec = 0, rc;

	if (atomic_load(&c->gone))
		return RV_EGONE;
	if (c->ended || c->cut)
		return RV_ECLOSED;
	for (i = 0; i < nin; i++) {
		for (off = 0; off < in[i].iov_len; off += chunk) {
			chunk = in[i].iov_len - off;
			if (chunk > FCGI_MAXDATA)
				chunk = FCGI_MAXDATA;
			fcgi_header(hdr[nrec], FCGI_STDOUT, c->reqid, chunk);
			out[2 * nrec].iov_base = hdr[nrec];
			out[2 * nrec].iov_len = FCGI_HDR;
			out[2 * nrec + 1].iov_base = (char *)in[i].iov_base +
			    off;
			out[2 * nrec + 1].iov_len = chunk;
			if (++nrec == BATCH) {
				if ((rc = send_all(c, out, 2 * nrec)) != RV_OK)
					return rc;
				nrec = 0;
			}
		}
	}
	if (last) {
		fcgi_header(end, FCGI_STDOUT, c->reqid, 0);
		fcgi_end_request(end + FCGI_HDR, c->reqid,
		    FCGI_REQUEST_COMPLETE);
		out[2 * nrec].iov_base = end;
		out[2 * nrec].iov_len = sizeof(end);
		c->ended = 1;
		return send_all(c, out, 2 * nrec + 1);
	}
	return nrec > 0 ? send_all(c, out, 2 * nrec) : RV_OK;
}

static int
conn_finish(struct rv_sink *sk, int cut)
{
	struct conn	*c = (struct conn *)sk;

	if (c->ended || c->cut)
		return RV_OK;
	if (cut || atomic_load(&c->gone)) {
		c->cut = 1;
		return RV_OK;
	}
	return conn_write(sk, NULL, 0, 1);
}

/*
 * The peer spoke while a handler owns the connection: an EOF or an
 * ABORT_REQUEST means the client is gone; anything else is dropped.
 */
static void
peer_input(struct conn *c)
{
	struct fcgi_rec	 r;
	size_t		 used, off = 0;
	ssize_t		 n;

	if (buf_grow(&c->rbuf, READ_CHUNK) != RV_OK) {
		c->rbuf.len = 0;	/* a flood: keep nothing */
		c->rbuf.err = RV_OK;
		return;
	}
	n = recv(c->fd, c->rbuf.p + c->rbuf.len, READ_CHUNK, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		atomic_store(&c->gone, 1);
		return;
	}
	if (n < 0)
		return;
	c->rbuf.len += (size_t)n;
	while (fcgi_next((unsigned char *)c->rbuf.p + off, c->rbuf.len - off,
	    &r, &used) == FCGI_REC) {
		off += used;
		if (r.type == FCGI_ABORT_REQUEST && r.id == c->reqid)
			atomic_store(&c->gone, 1);
		else if (r.type == FCGI_BEGIN_REQUEST && r.id != c->reqid) {
			/* We answer one request at a time. */
			unsigned char	 rec[16];
			struct iovec	 iov = { rec, sizeof(rec) };

			fcgi_end_request(rec, r.id, FCGI_CANT_MPX_CONN);
			(void)send_all(c, &iov, 1);
		}
	}
	memmove(c->rbuf.p, c->rbuf.p + off, c->rbuf.len - off);
	c->rbuf.len -= off;
}

/*
 * Wait in the handler's own thread: the connection is its alone while
 * it runs, so it polls the socket (a hang-up or an abort ends the wait)
 * and the server's stop eventfd.
 */
static int
conn_wait(struct rv_sink *sk, unsigned long ms)
{
	struct conn	*c = (struct conn *)sk;
	struct pollfd	 pfd[2];
	int64_t		 end = now_ms() + (int64_t)ms, left;
	int		 n;

	for (;;) {
		if (atomic_load(&c->gone))
			return RV_EGONE;
		if (atomic_load(&c->srv->stopping))
			return RV_ESHUTDOWN;
		if ((left = end - now_ms()) < 0)
			left = 0;
		pfd[0].fd = c->fd;
		pfd[0].events = POLLIN | POLLRDHUP;
		pfd[1].fd = c->srv->stop_evfd;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		n = poll(pfd, 2, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n < 0 && errno != EINTR)
			return RV_EIO;
		if (n > 0 && pfd[0].revents != 0)
			peer_input(c);
		else if (n == 0 && left == 0)
			return RV_OK;
	}
}

/* ------------------------------------------------------------------ */
/* Connection life                                                     */

static struct conn *
conn_new(struct rv_server *srv, int fd)
{
	struct loopstate	*L = srv->loop;
	struct conn		*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->sink.write = conn_write;
	c->sink.finish = conn_finish;
	c->sink.wait = conn_wait;
	c->fd = fd;
	c->srv = srv;
	c->rbuf.max = FCGI_HDR + FCGI_MAXDATA + 255 + READ_CHUNK;
	c->params.max = srv->lim.max_params;
	c->body.max = srv->lim.max_body;
	c->deadline = now_ms() + (int64_t)srv->lim.params_timeout_ms;
	conn_link(L, c);
	return c;
}

static void
conn_link(struct loopstate *L, struct conn *c)
{

	c->prev = NULL;
	if ((c->next = L->conns) != NULL)
		c->next->prev = c;
	L->conns = c;
	L->nconns++;
}

static void
conn_unlink(struct loopstate *L, struct conn *c)
{

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		L->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	L->nconns--;
}

/* Close and free; the connection is on no list. */
static void
conn_free(struct conn *c)
{

	/* close() takes the fd out of the epoll set: no DEL needed. */
	close(c->fd);
	if (c->rq != NULL) {
		req_free(c->rq);
		free(c->rq);
	}
	buf_free(&c->rbuf);
	buf_free(&c->params);
	buf_free(&c->body);
	free(c);
}

static void
conn_close(struct rv_server *srv, struct conn *c)
{

	conn_unlink(srv->loop, c);
	conn_free(c);
}

/*
 * After a response: the next request on a kept connection, or close.
 * Returns -1 if c is gone.  Never parses: its caller may be parsing.
 */
static int
conn_next(struct rv_server *srv, struct conn *c, int input_done)
{

	if (c->rq != NULL) {
		req_free(c->rq);
		free(c->rq);
		c->rq = NULL;
	}
	c->params.len = c->body.len = 0;
	c->params.err = c->body.err = RV_OK;
	c->params_big = c->body_big = 0;
	if (c->keep && !c->cut && input_done && !atomic_load(&c->gone) &&
	    !atomic_load(&srv->stopping)) {
		c->state = C_IDLE;
		c->ended = 0;
		c->deadline = now_ms() + KEEP_IDLE_MS;
		return 0;
	}
	if (input_done || c->cut || atomic_load(&c->gone)) {
		conn_close(srv, c);
		return -1;
	}
	/*
	 * The peer may still be sending: closing now could reset the
	 * connection under the answer.  Shut our side, read to the end.
	 */
	shutdown(c->fd, SHUT_WR);
	c->state = C_DRAIN;
	c->deadline = now_ms() + DRAIN_MS;
	return 0;
}

void
log_access(const struct rv_req *rq)
{
	struct timespec	 t;
	long		 ms;

	clock_gettime(CLOCK_MONOTONIC, &t);
	ms = (long)((t.tv_sec - rq->start.tv_sec) * 1000 +
	    (t.tv_nsec - rq->start.tv_nsec) / 1000000);
	logx(RV_LOG_INFO, "%s %s %d %llu bytes %zu items %ld ms%s",
	    rq->method != NULL ? rq->method : "-",
	    rq->path != NULL ? rq->path : "-", rq->stream.status,
	    (unsigned long long)rq->stream.bytes, rq->stream.items, ms,
	    rq->stream.err == RV_EGONE ? " (client gone)" :
	    rq->stream.err == RV_ESHUTDOWN ? " (shutdown)" : "");
}

/* Answer from the loop (errors found before any handler ran). */
static int
answer(struct rv_server *srv, struct conn *c, int status, const char *title,
    const char *detail, const char *extra, int input_done)
{

	req_problem(c->rq, status, title, detail, extra);
	log_access(c->rq);
	return conn_next(srv, c, input_done);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static int
load_params(struct conn *c)
{
	const unsigned char	*k, *v;
	size_t			 kn, vn, off = 0;
	int			 r;

	while ((r = fcgi_pair((unsigned char *)c->params.p, c->params.len,
	    &off, &k, &kn, &v, &vn)) == 1)
		if (req_add_env(c->rq, (const char *)k, kn, (const char *)v,
		    vn) != RV_OK)
			return RV_ENOMEM;
	return r == 0 ? RV_OK : RV_EINVAL;
}

/* Params are complete: build the request, answer what we can here. */
static int
params_done(struct rv_server *srv, struct conn *c)
{
	const char	*cl;
	char		*end;
	unsigned long long n;

	if ((c->rq = calloc(1, sizeof(*c->rq))) == NULL) {
		conn_close(srv, c);
		return -1;
	}
	req_init(c->rq, srv, &c->sink);
	if (c->params_big) {
		req_finish_env(c->rq);
		return answer(srv, c, 431, NULL, "the request's parameters "
		    "and headers are over max_params", NULL, 0);
	}
	if (load_params(c) != RV_OK || req_finish_env(c->rq) != RV_OK) {
		req_finish_env(c->rq);
		return answer(srv, c, 400, NULL, "malformed FastCGI "
		    "parameters", NULL, 0);
	}
	cl = rv_env(c->rq, "CONTENT_LENGTH");
	if (cl != NULL && *cl != '\0') {
		n = strtoull(cl, &end, 10);
		if (*end != '\0' || *cl == '-')
			return answer(srv, c, 400, NULL, "bad CONTENT_LENGTH",
			    NULL, 0);
		if (n > srv->lim.max_body)
			return answer(srv, c, 413, NULL, "the request body is "
			    "over max_body", NULL, 0);
	}
	c->state = C_STDIN;
	return 0;
}

static int
dispatch(struct rv_server *srv, struct conn *c)
{
	char	 allow[128], extra[160];

	if (c->body_big)
		return answer(srv, c, 413, NULL, "the request body is over "
		    "max_body", NULL, 1);
	c->rq->body = c->body.p;
	c->rq->body_len = c->body.len;
	atomic_fetch_add(&srv->n_requests, 1);
	switch (route_match(srv->routes, srv->nroutes, c->rq, allow,
	    sizeof(allow))) {
	case ROUTE_NOT_FOUND:
		return answer(srv, c, 404, NULL, "no route for this path",
		    NULL, 1);
	case ROUTE_BAD_METHOD:
		snprintf(extra, sizeof(extra), "Allow: %s\r\n", allow);
		return answer(srv, c, 405, NULL, "the resource does not "
		    "answer this method", extra, 1);
	default:
		break;
	}
	c->rq->mod_data = c->rq->route->mod_data;
	/*
	 * The handler thread owns the connection from here: off the
	 * loop's list and epoll set, so no state is shared while it runs.
	 */
	c->state = C_RUNNING;
	c->deadline = 0;
	conn_unlink(srv->loop, c);
	epoll_ctl(srv->loop->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	c->in_epoll = 0;
	if (pool_submit(srv->pool, c) != RV_OK) {
		conn_link(srv->loop, c);
		c->state = C_STDIN;
		return answer(srv, c, 503, NULL, "every handler thread is "
		    "busy", "Retry-After: 1\r\n", 1) < 0 ? -1 : 1;
	}
	return 1;	/* c is no longer the loop's */
}

static void
begin_request(struct rv_server *srv, struct conn *c, const struct fcgi_rec *r)
{
	unsigned char	 rec[16];
	unsigned	 role;

	if (r->len < 8)
		return;
	role = (unsigned)r->content[0] << 8 | r->content[1];
	if (c->state != C_IDLE || role != FCGI_RESPONDER) {
		/* One request at a time; we only answer as a responder. */
		fcgi_end_request(rec, r->id, c->state != C_IDLE ?
		    FCGI_CANT_MPX_CONN : FCGI_UNKNOWN_ROLE);
		(void)!send(c->fd, rec, sizeof(rec), MSG_NOSIGNAL);
		return;
	}
	c->reqid = r->id;
	c->keep = (r->content[2] & FCGI_KEEP_CONN) != 0;
	c->state = C_PARAMS;
	c->deadline = now_ms() + (int64_t)srv->lim.params_timeout_ms;
}

static void
management(struct conn *c, const struct fcgi_rec *r)
{
	unsigned char	 out[256];
	size_t		 n;

	if (r->type == FCGI_GET_VALUES)
		n = fcgi_values_result(r->content, r->len, out, sizeof(out),
		    c->srv->lim.max_handlers);
	else {
		fcgi_header(out, FCGI_UNKNOWN_TYPE, 0, 8);
		memset(out + FCGI_HDR, 0, 8);
		out[FCGI_HDR] = (unsigned char)r->type;
		n = 16;
	}
	(void)!send(c->fd, out, n, MSG_NOSIGNAL);
}

/* One record.  Returns 0 to go on, -1 if c was closed. */
static int
record(struct rv_server *srv, struct conn *c, const struct fcgi_rec *r)
{

	if (r->id == FCGI_NULL_REQUEST_ID) {
		management(c, r);
		return 0;
	}
	if (r->type == FCGI_BEGIN_REQUEST) {
		begin_request(srv, c, r);
		return 0;
	}
	if (r->id != c->reqid || c->state == C_IDLE)
		return 0;	/* not the current request: ignore */
	switch (r->type) {
	case FCGI_ABORT_REQUEST:
		/* (a running request's abort is read by its handler) */
		conn_close(srv, c);
		return -1;
	case FCGI_PARAMS:
		if (c->state != C_PARAMS)
			return 0;
		if (r->len == 0)
			return params_done(srv, c);
		if (!c->params_big && buf_add(&c->params, r->content,
		    r->len) != RV_OK)
			c->params_big = 1;
		return 0;
	case FCGI_STDIN:
		if (c->state == C_STDIN) {
			if (r->len == 0)
				return dispatch(srv, c) != 0 ? -1 : 0;
			if (!c->body_big && buf_add(&c->body, r->content,
			    r->len) != RV_OK)
				c->body_big = 1;
		} else if (c->state == C_DRAIN && r->len == 0) {
			conn_close(srv, c);
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/* Parse what rbuf holds.  c may be closed on return (-1). */
static int
parse(struct rv_server *srv, struct conn *c)
{
	struct fcgi_rec	 r;
	size_t		 used, off = 0;
	enum fcgi_next	 n;

	while ((n = fcgi_next((unsigned char *)c->rbuf.p + off,
	    c->rbuf.len - off, &r, &used)) == FCGI_REC) {
		off += used;
		if (r.type == FCGI_STDIN && r.len == 0) {
			/*
			 * This may hand c to a handler thread: leave it only
			 * the bytes after this record, and touch it no more.
			 */
			memmove(c->rbuf.p, c->rbuf.p + off, c->rbuf.len - off);
			c->rbuf.len -= off;
			off = 0;
		}
		if (record(srv, c, &r) < 0)
			return -1;
	}
	if (n == FCGI_BAD) {
		logx(RV_LOG_WARN, "fd %d: not FastCGI (bad version byte): "
		    "closing the connection", c->fd);
		conn_close(srv, c);
		return -1;
	}
	memmove(c->rbuf.p, c->rbuf.p + off, c->rbuf.len - off);
	c->rbuf.len -= off;
	return 0;
}

static void
conn_read(struct rv_server *srv, struct conn *c)
{
	ssize_t	 n;

	for (;;) {
		if (buf_grow(&c->rbuf, READ_CHUNK) != RV_OK) {
			/* Only a record could fill this: parse makes room. */
			if (parse(srv, c) < 0)
				return;
			c->rbuf.err = RV_OK;
			if (buf_grow(&c->rbuf, READ_CHUNK) != RV_OK)
				break;
		}
		n = read(c->fd, c->rbuf.p + c->rbuf.len, READ_CHUNK);
		if (n > 0) {
			c->rbuf.len += (size_t)n;
			if (parse(srv, c) < 0)
				return;
			if (n < READ_CHUNK)
				return;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		break;
	}
	/* EOF or error: no handler holds it (those are not watched here). */
	conn_close(srv, c);
}

void
conn_release(struct rv_server *srv, struct conn *c)
{
	struct loopstate	*L = srv->loop;
	uint64_t		 one = 1;

	/* Only a kept, healthy connection goes back to the loop. */
	if (!c->keep || c->cut || !c->ended || atomic_load(&c->gone) ||
	    atomic_load(&srv->stopping)) {
		conn_free(c);
		return;
	}
	pthread_mutex_lock(&L->done_mu);
	c->done_next = L->done;
	L->done = c;
	pthread_mutex_unlock(&L->done_mu);
	(void)!write(srv->stopfd, &one, sizeof(one));
}

/* Kept connections back from their handlers: the next request. */
static void
take_done(struct rv_server *srv)
{
	struct loopstate	*L = srv->loop;
	struct epoll_event	 ev;
	struct conn		*c, *next;

	pthread_mutex_lock(&L->done_mu);
	c = L->done;
	L->done = NULL;
	pthread_mutex_unlock(&L->done_mu);
	for (; c != NULL; c = next) {
		next = c->done_next;
		conn_link(L, c);
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.ptr = c;
		if (epoll_ctl(L->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
			conn_close(srv, c);
			continue;
		}
		c->in_epoll = 1;
		if (conn_next(srv, c, 1) == 0 && c->rbuf.len > 0)
			parse(srv, c);
	}
}

static void
accept_all(struct rv_server *srv)
{
	struct loopstate	*L = srv->loop;
	struct epoll_event	 ev;
	struct conn		*c;
	int			 fd;

	while ((fd = accept4(L->listenfd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if ((c = conn_new(srv, fd)) == NULL) {
			close(fd);
			continue;
		}
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.ptr = c;
		if (epoll_ctl(L->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			conn_close(srv, c);
			continue;
		}
		c->in_epoll = 1;
	}
	if (errno == EMFILE || errno == ENFILE)
		logx(RV_LOG_WARN, "accept: %s", strerror(errno));
}

/* Peers past their deadline: params too slow, drain done, idle. */
static void
sweep(struct rv_server *srv)
{
	struct conn	*c, *next;
	int64_t		 t = now_ms();

	for (c = srv->loop->conns; c != NULL; c = next) {
		next = c->next;
		if (c->deadline == 0 ||
		    t < c->deadline)
			continue;
		if (c->state == C_PARAMS || (c->state == C_IDLE &&
		    c->rbuf.len > 0) || c->state == C_STDIN)
			logx(RV_LOG_WARN, "fd %d: request not complete "
			    "within params_timeout: closing", c->fd);
		conn_close(srv, c);
	}
}

static void
on_event(struct rv_server *srv, struct epoll_event *ev)
{
	struct conn	*c = ev->data.ptr;

	if (ev->events & EPOLLIN || !(ev->events & (EPOLLHUP | EPOLLERR)))
		conn_read(srv, c);
	else
		conn_close(srv, c);
}

/* Stop: no more accepting; wake waits; give handlers a grace. */
static void
stop_all(struct rv_server *srv)
{
	struct loopstate	*L = srv->loop;
	struct conn		*c, *next;
	int64_t			 end = now_ms() + STOP_GRACE_MS;
	uint64_t		 v;

	/* Handlers' waits see stop_evfd; they end and free their own. */
	epoll_ctl(L->epfd, EPOLL_CTL_DEL, L->listenfd, NULL);
	while (pool_busy(srv->pool) > 0 && now_ms() < end) {
		pool_drain(srv->pool, 100);
		(void)!read(srv->stopfd, &v, sizeof(v));
		take_done(srv);
	}
	take_done(srv);
	for (c = L->conns; c != NULL; c = next) {
		next = c->next;
		conn_close(srv, c);
	}
}

int
rv_server_serve(struct rv_server *srv, int listenfd)
{
	struct loopstate	*L;
	struct epoll_event	 ev, evs[64];
	int			 i, n, done;
	uint64_t		 v;

	if ((L = calloc(1, sizeof(*L))) == NULL)
		return RV_ENOMEM;
	L->listenfd = listenfd;
	if ((L->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		free(L);
		return RV_EIO;
	}
	pthread_mutex_init(&L->done_mu, NULL);
	srv->loop = L;
	fcntl(listenfd, F_SETFL, fcntl(listenfd, F_GETFL) | O_NONBLOCK);
	ev.events = EPOLLIN;
	ev.data.ptr = L;
	epoll_ctl(L->epfd, EPOLL_CTL_ADD, listenfd, &ev);
	ev.data.ptr = srv;
	epoll_ctl(L->epfd, EPOLL_CTL_ADD, srv->stopfd, &ev);
	while (!atomic_load(&srv->stopping)) {
		n = epoll_wait(L->epfd, evs, 64, 250);
		done = 0;
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == L)
				accept_all(srv);
			else if (evs[i].data.ptr == srv)
				done = 1;
			else
				on_event(srv, &evs[i]);
		}
		/*
		 * Finished requests only after the batch: closing one now
		 * would free a connection a later event of the batch names.
		 */
		if (done) {
			(void)!read(srv->stopfd, &v, sizeof(v));
			take_done(srv);
		}
		sweep(srv);
	}
	stop_all(srv);
	if (pool_busy(srv->pool) > 0) {
		/*
		 * Handlers that ignored the stop still hold connections;
		 * their loop state stays allocated for them to finish into.
		 */
		logx(RV_LOG_WARN, "%u handlers still running after the "
		    "grace period", pool_busy(srv->pool));
		atomic_store(&srv->stopping, 2);
		return RV_ESHUTDOWN;
	}
	srv->loop = NULL;
	close(L->epfd);
	pthread_mutex_destroy(&L->done_mu);
	free(L);
	return RV_OK;
}
