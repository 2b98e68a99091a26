/*
 * loop.c: the event loop, and the FastCGI sink of a request.
 *
 * One thread at a time leads the loop and owns every connection that
 * is not running a handler: it accepts, reads records under limits and
 * deadlines (fcgi.c keeps the protocol state), answers what it can
 * itself (404, 405, 413, 431, 503, and the protocol's own replies)
 * without ever blocking, and runs the complete requests of a round
 * itself once the round's events are handled (run_inline).  A handler
 * that would wait takes that thread with it, and a pool thread leads
 * the loop from there (lead.c).  No thread is held while a peer
 * dawdles over its params, and a peer that reads nothing only stops
 * its own connection from being read.
 *
 * While a handler runs its thread owns the connection (conn.h): it
 * writes STDOUT records straight from the stream's buffers, and its
 * waits poll the socket (hang-up, ABORT_REQUEST) and the server's stop
 * eventfd.  A departed client is thus seen whichever way the front
 * server shows it: lighttpd closes the backend connection only when
 * the backend writes again, and then that write or the next wait
 * fails.  The loop never closes a connection it does not own.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fastcgi.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "fcgi.h"
#include "conn.h"
#include "channel.h"
#include "sendq.h"

#define READ_CHUNK	(64 * 1024)
/*
 * Reads outside the loop's buffer (a handler's peer_input, a held
 * subscriber's sub_input) start this small: only a body coming (a read
 * that filled it) reads READ_CHUNK at a time.
 */
#define READ_FIRST	4096
#define READS_PER_EVENT	4		/* then the other connections */
#define ACCEPTS_PER_EVENT 512
#define KEEP_IDLE_MS	(300 * 1000)	/* a kept connection, unused */
#define CLOSE_MS	2000		/* to flush an answer, read on */
#define STOP_GRACE_MS	10000		/* for handlers to finish */
#define STOP_POLL_MS	50
#define ACCEPT_PAUSE_MS	100		/* out of fds: retry after */
#define BATCH		16		/* records a sendmsg */
#define WRITE_SLICE_MS	250		/* a blocked write: see stop */
#define DISCARD_MAX	(256 * 1024)	/* read before a close, max */
#define SUB_HEARTBEAT_MS 30000		/* subscribers, with heartbeat 0 */
#define BODYQ_MAX	(256 * 1024)	/* streamed body read ahead, max */
#define FANOUT_BATCH	256		/* subscribers' sends a system call */
#define FANOUT_BYTES	(1024 * 1024)	/* or fewer, of big items */

/* A subscriber's queued bytes in a fan-out: in the loop's arena. */
struct fanout_send {
	struct conn	*c;		/* NULL: closed meanwhile */
	size_t		 off, len;
};

struct tqueue {
	struct conn	*head, *tail;	/* by deadline (one span) */
	int64_t		 span;
};

struct loopstate {
	int		 epfd;
	int		 listenfd;
	int		 listening;	/* listenfd is in the epoll set */
	int		 tcp;		/* set TCP_NODELAY */
	int64_t		 accept_resume;	/* ms; 0: not paused */
	int64_t		 accept_logged;
	unsigned long	 refused;	/* peers not in allow */
	int64_t		 refused_logged;
	pthread_mutex_t	 done_mu;
	struct conn	*done;		/* back from handlers */
	/* Complete requests its leading thread runs itself (lead.c). */
	struct conn	*inl_head, *inl_tail;
	struct lead	*lead;
	int64_t		 grace_end;	/* ms; 0: not stopping */
	pthread_mutex_t	 end_mu;	/* rv_server_serve() waits: */
	pthread_cond_t	 end_cv;
	int		 ended;
	struct conn	*conns;		/* every loop-owned one */
	unsigned	 nconns;
	struct tqueue	 tq[TQ__MAX];
	/*
	 * A fan-out (loop_batch_begin to loop_batch_end): subscribers'
	 * records wait in one arena, and go out FANOUT_BATCH at a time.
	 */
	int		 batching;
	struct sendq	*sendq;		/* NULL: one send(2) each */
	struct rv_buf	 arena;
	size_t		 nbatch;
	struct fanout_send batch[FANOUT_BATCH];
	struct sendq_op	 ops[FANOUT_BATCH];
	char		 rx[READ_CHUNK];	/* conn_readable's */
};

static int	 conn_write(struct rv_sink *, const struct iovec *, int, int);
static int	 conn_finish(struct rv_sink *, int);
static int	 conn_wait(struct rv_sink *, unsigned long);
static int	 conn_read(struct rv_sink *, void *, size_t, size_t *);
static int	 conn_parse(struct rv_server *, struct conn *);

int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* Writing                                                              */

/* A send failed for good: the client left, or the socket broke. */
static int
send_failed(struct conn *c, int err)
{

	if (err == EPIPE || err == ECONNRESET) {
		atomic_store(&c->gone, 1);
		return RV_EGONE;
	}
	logx(RV_LOG_WARN, "fd %d: send: %s", c->fd, strerror(err));
	c->cut = 1;
	return RV_EIO;
}

/*
 * Handler thread: send all of iov, waiting for room (the fd is
 * non-blocking) up to write_timeout_ms without progress.  A failure
 * may leave a record half sent: the connection is then cut.
 */
static int
send_all(struct conn *c, struct iovec *iov, int n)
{
	struct msghdr	 mh;
	struct pollfd	 pfd;
	int64_t		 stall = 0, t;
	int64_t		 tmo = (int64_t)c->srv->lim.write_timeout_ms;
	ssize_t		 w;

	while (n > 0) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)n;
		if ((w = sendmsg(c->fd, &mh, MSG_NOSIGNAL)) >= 0) {
			stall = 0;
			for (; n > 0 && (size_t)w >= iov->iov_len; iov++, n--)
				w -= (ssize_t)iov->iov_len;
			if (n > 0) {
				iov->iov_base = (char *)iov->iov_base + w;
				iov->iov_len -= (size_t)w;
			}
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return send_failed(c, errno);
		/* The peer reads nothing for now: wait, a bounded time. */
		t = now_ms();
		if (stall == 0)
			stall = t;
		else if (tmo > 0 && t - stall >= tmo) {
			logx(RV_LOG_WARN, "fd %d: nothing read for %lld ms "
			    "(write_timeout): cutting the response", c->fd,
			    (long long)tmo);
			c->cut = 1;
			return RV_EIO;
		}
		if (atomic_load(&c->srv->stopping) > 1) {
			c->cut = 1;	/* the grace is over */
			return RV_ESHUTDOWN;
		}
		lead_yield();	/* the loop goes on without us */
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		(void)poll(&pfd, 1, tmo > 0 && tmo - (t - stall) <
		    WRITE_SLICE_MS ? (int)(tmo - (t - stall)) : WRITE_SLICE_MS);
	}
	return RV_OK;
}

/* Handler thread: the protocol replies queued while reading. */
static int
send_wbuf(struct conn *c)
{
	struct iovec	 iov;
	int		 rc;

	if (c->wbuf.len == 0)
		return RV_OK;
	iov.iov_base = c->wbuf.p;
	iov.iov_len = c->wbuf.len;
	rc = send_all(c, &iov, 1);
	c->wbuf.len = 0;
	return rc;
}

/* Loop: send what wbuf holds, without waiting.  -1: the peer is gone. */
static int
flush_nowait(struct conn *c)
{
	size_t	 off = 0;
	ssize_t	 n;
	int	 rc = 0;

	while (off < c->wbuf.len) {
		n = send(c->fd, c->wbuf.p + off, c->wbuf.len - off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			(void)send_failed(c, errno);
			rc = -1;
		}
		break;
	}
	memmove(c->wbuf.p, c->wbuf.p + off, c->wbuf.len - off);
	c->wbuf.len -= off;
	return rc;
}

/*
 * Loop, nothing queued: send what the socket takes of iov now, without
 * waiting.  0, or -1 if the peer is gone.
 */
static int
send_nowait(struct conn *c, const struct iovec *iov, int n, size_t *sent)
{
	struct msghdr	 mh;
	ssize_t		 w;

	*sent = 0;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = (struct iovec *)(uintptr_t)iov;
	mh.msg_iovlen = (size_t)n;
	while ((w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0 &&
	    errno == EINTR)
		continue;
	if (w >= 0)
		*sent = (size_t)w;
	else if (errno != EAGAIN && errno != EWOULDBLOCK) {
		(void)send_failed(c, errno);
		return -1;
	}
	return 0;
}

static void	 batch_flush(struct loopstate *);

/*
 * A fan-out: c's records wait in the loop's arena, after its earlier
 * ones if it has some there (they are then the last: one subscriber's
 * writes come one after the other).
 */
static int
batch_add(struct loopstate *L, struct conn *c, const struct iovec *iov,
    int n)
{
	struct fanout_send	*f = NULL;
	size_t			 len = 0;
	int			 i;

	if (L->nbatch > 0 && L->batch[L->nbatch - 1].c == c)
		f = &L->batch[L->nbatch - 1];
	else if (L->nbatch == FANOUT_BATCH || L->arena.len >= FANOUT_BYTES)
		batch_flush(L);
	for (i = 0; i < n; i++) {
		if (buf_add(&L->arena, iov[i].iov_base, iov[i].iov_len) !=
		    RV_OK) {
			L->arena.err = RV_OK;
			L->arena.len -= len;
			c->cut = 1;
			return RV_ENOMEM;
		}
		len += iov[i].iov_len;
	}
	if (f == NULL) {
		f = &L->batch[L->nbatch++];
		f->c = c;
		f->off = L->arena.len - len;
		f->len = 0;
		c->batched = 1;
	}
	f->len += len;
	return RV_OK;
}

/*
 * Loop: answers and a held subscriber's items are small; what the
 * socket does not take is queued, so that an idle subscriber keeps
 * no buffer.  In a fan-out, they wait in the arena: batch_flush.
 */
static int
queue_out(struct conn *c, const struct iovec *iov, int n)
{
	size_t	 sent = 0, skip;
	int	 i, batching = c->srv->loop->batching;
	int	 direct = c->wbuf.len == 0;

	if (batching && direct)
		return batch_add(c->srv->loop, c, iov, n);

	if (direct && send_nowait(c, iov, n, &sent) != 0)
		return RV_EGONE;
	for (i = 0; i < n; i++) {
		skip = direct ? (sent < iov[i].iov_len ? sent :
		    iov[i].iov_len) : 0;
		if (direct)
			sent -= skip;
		if (iov[i].iov_len > skip && buf_add(&c->wbuf,
		    (const char *)iov[i].iov_base + skip,
		    iov[i].iov_len - skip) != RV_OK) {
			c->wbuf.err = RV_OK;
			c->cut = 1;
			return RV_ENOMEM;
		}
	}
	if (!direct && !batching && flush_nowait(c) != 0)
		return RV_EGONE;
	return RV_OK;
}

/*
 * The sink's write: STDOUT records over the caller's buffers; with
 * last, the empty STDOUT and END_REQUEST go in the same system call.
 * A handler thread blocks for room; the loop never does (it queues).
 */
static int
conn_write(struct rv_sink *sk, const struct iovec *in, int nin, int last)
{
	struct conn	*c = (struct conn *)sk;
	unsigned char	 hdr[BATCH][FCGI_HDR], end[FCGI_HDR + 16];
	struct iovec	 out[2 * BATCH + 1];
	size_t		 off = 0;
	int		 iv = 0, n, more, rc;

	if (atomic_load(&c->gone))
		return RV_EGONE;
	if (c->ended || c->cut)
		return RV_ECLOSED;
	/* A hung handler's 504 went out instead (conn_hung): too late. */
	if (c->handler && atomic_load_explicit(&c->claim,
	    memory_order_relaxed) != CLAIM_HANDLER) {
		int	 none = CLAIM_NONE;

		if (!atomic_compare_exchange_strong(&c->claim, &none,
		    CLAIM_HANDLER))
			return RV_EGONE;
	}
	if (c->handler && (rc = send_wbuf(c)) != RV_OK)
		return rc;
	if (c->handler)
		lead_check();	/* a long one on the loop's thread */
	do {
		n = fcgi_frame_stdout(c->fp.reqid, in, nin, &iv, &off, hdr,
		    BATCH, out);
		more = n == 2 * BATCH;
		if (!more && last) {
			fcgi_header(end, FCGI_STDOUT, c->fp.reqid, 0);
			fcgi_end_request(end + FCGI_HDR, c->fp.reqid,
			    FCGI_REQUEST_COMPLETE);
			out[n].iov_base = end;
			out[n++].iov_len = sizeof(end);
		}
		if (n > 0 && (rc = c->handler ? send_all(c, out, n) :
		    queue_out(c, out, n)) != RV_OK)
			return rc;
	} while (more);
	if (last) {
		c->ended = 1;
		/* Not DRAIN: a refused request's input still comes. */
		if (c->fp.state == FP_RUNNING)
			fcgi_request_done(&c->fp);
		else if (c->fp.state == FP_STREAM)
			c->fp.state = FP_DRAIN;	/* a body nobody reads */
	}
	return RV_OK;
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

/* ------------------------------------------------------------------ */
/* Reading in a handler's thread                                       */

static size_t
body_backlog(const struct conn *c)
{

	return c->bodyq.len - c->bodyq_off;
}

/*
 * Records that came while the handler runs: only a few matter, and
 * the pieces of a streamed body.
 */
static void
parse_running(struct conn *c)
{
	size_t		 used, off = 0;
	enum fcgi_ev	 ev;

	/* A streamed body is read ahead BODYQ_MAX at most. */
	while (c->fp.state != FP_STREAM || body_backlog(c) < BODYQ_MAX) {
		ev = fcgi_feed(&c->fp, (unsigned char *)c->rbuf.p + off,
		    c->rbuf.len - off, &used, &c->wbuf);
		off += used;
		if (ev == FCGI_EV_DATA) {
			if (buf_add(&c->bodyq, c->fp.data, c->fp.datalen) !=
			    RV_OK) {
				c->cut = 1;
				atomic_store(&c->gone, 1);
				break;
			}
		} else if (ev == FCGI_EV_STDIN) {
			/*
			 * The body ended, or was refused (413): the handler
			 * must see that before the records after it, whose
			 * end would reset the parser and its refusal.
			 */
			break;
		} else if (ev == FCGI_EV_ABORT)
			atomic_store(&c->gone, 1);
		else if (ev == FCGI_EV_BAD) {
			logx(RV_LOG_WARN, "fd %d: not FastCGI: cutting the "
			    "response", c->fd);
			atomic_store(&c->gone, 1);
			c->cut = 1;
			break;
		} else if (ev == FCGI_EV_NONE) {
			/* Paused on unread replies: send them, go on. */
			if (c->wbuf.len < FCGI_REPLY_MAX ||
			    send_wbuf(c) != RV_OK)
				break;
		}
	}
	memmove(c->rbuf.p, c->rbuf.p + off, c->rbuf.len - off);
	c->rbuf.len -= off;
	/* A refused second BEGIN_REQUEST, say: between our records. */
	if (!c->cut && !atomic_load(&c->gone))
		(void)send_wbuf(c);
}

/* Bytes to read next: READ_FIRST until a read filled the buffer. */
static size_t
read_size(const struct conn *c)
{

	return c->rbuf.cap >= READ_CHUNK ? READ_CHUNK : READ_FIRST;
}

/*
 * The peer spoke while a handler owns the connection: an EOF, an
 * error or an ABORT_REQUEST means the client is gone; a second
 * BEGIN_REQUEST is refused; anything else is dropped.
 */
static void
peer_input(struct conn *c)
{
	size_t	 want = read_size(c);
	ssize_t	 n;
	int	 i;

	for (i = 0; i < READS_PER_EVENT; i++) {
		/* The handler has not taken what came of its body yet. */
		if (c->fp.state == FP_STREAM && body_backlog(c) >= BODYQ_MAX)
			return;
		if (buf_grow(&c->rbuf, want) != RV_OK) {
			/* Out of memory: the request cannot go on. */
			c->cut = 1;
			atomic_store(&c->gone, 1);
			return;
		}
		n = recv(c->fd, c->rbuf.p + c->rbuf.len, want, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			atomic_store(&c->gone, 1);
			return;
		}
		c->rbuf.len += (size_t)n;
		parse_running(c);
		if ((size_t)n < want || c->cut || atomic_load(&c->gone))
			return;
		want = READ_CHUNK;
	}
}

/*
 * The sink's wait, in the handler's own thread: poll the socket (a
 * hang-up or an abort ends the wait) and the stop eventfd, which stays
 * readable once the server stops.  After the response ended the socket
 * is left alone: what comes then is the next request's.
 */
static int
conn_wait_inner(struct rv_sink *sk, unsigned long ms)
{
	struct conn	*c = (struct conn *)sk;
	struct pollfd	 pfd[3];
	struct sub	*sb;
	int64_t		 end, left;
	nfds_t		 nfd;
	int		 n, rc;

	if (ms > (unsigned long)INT32_MAX * 1000UL)
		ms = (unsigned long)INT32_MAX * 1000UL;
	end = now_ms() + (int64_t)ms;
	for (;;) {
		if (atomic_load(&c->gone))
			return RV_EGONE;
		if (atomic_load(&c->srv->stopping))
			return RV_ESHUTDOWN;
		if (!c->handler)
			return RV_OK;	/* the loop never sleeps */
		if ((left = end - now_ms()) < 0)
			left = 0;
		pfd[0].fd = c->srv->stop_evfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = c->fd;
		pfd[1].events = POLLIN | POLLRDHUP;
		/* A body read ahead to the full: only a hang-up now. */
		if (c->fp.state == FP_STREAM && body_backlog(c) >= BODYQ_MAX)
			pfd[1].events = 0;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		nfd = c->ended || c->cut ? 1 : 2;
		/* A subscribed handler: channel items wake its waits. */
		sb = c->rq != NULL ? c->rq->stream.sub : NULL;
		if (nfd == 2 && sb != NULL && !c->rq->stream.in_item) {
			pfd[2].fd = sb->evfd;
			pfd[2].events = POLLIN;
			nfd = 3;
		}
		if (left > 0)
			lead_yield();
		n = poll(pfd, nfd, left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno != EINTR)
			return RV_EIO;
		if (n > 0 && nfd == 3 && pfd[2].revents != 0 &&
		    (rc = hub_drain_inbox(sb)) != RV_OK)
			return rc;
		if (n > 0 && nfd >= 2 && pfd[1].revents != 0) {
			if (pfd[1].events == 0)	/* hung up, body unread */
				atomic_store(&c->gone, 1);
			else
				peer_input(c);
		} else if (n == 0 && left <= INT_MAX)
			return RV_OK;
	}
}

/* Give the handler what came of its body. */
static size_t
body_take(struct conn *c, void *buf, size_t len)
{
	size_t	 n = body_backlog(c);

	if (n > len)
		n = len;
	memcpy(buf, c->bodyq.p + c->bodyq_off, n);
	if ((c->bodyq_off += n) == c->bodyq.len)
		c->bodyq.len = c->bodyq_off = 0;
	else if (c->bodyq_off >= BODYQ_MAX) {
		memmove(c->bodyq.p, c->bodyq.p + c->bodyq_off,
		    c->bodyq.len - c->bodyq_off);
		c->bodyq.len -= c->bodyq_off;
		c->bodyq_off = 0;
	}
	return n;
}

/*
 * The sink's read, in the handler's thread: the streamed body as it
 * comes.  A front server that sends nothing of it for params_timeout
 * is given up on (RV_EIO); a stopping server lets an upload go on
 * through its grace period.
 */
static int
conn_read_inner(struct rv_sink *sk, void *buf, size_t len, size_t *got)
{
	struct conn	*c = (struct conn *)sk;
	struct pollfd	 pfd;
	int64_t		 tmo = (int64_t)c->srv->lim.params_timeout_ms;
	int64_t		 stall = now_ms();
	size_t		 before;

	*got = 0;
	for (;;) {
		if (body_backlog(c) > 0) {
			*got = body_take(c, buf, len);
			return RV_OK;
		}
		if (c->fp.reject != 0)
			return c->fp.reject == 413 ? RV_ETOOBIG : RV_EINVAL;
		if (c->ended)
			return RV_ECLOSED;
		if (c->fp.state != FP_STREAM)
			return RV_OK;	/* the end of the body */
		if (atomic_load(&c->gone))
			return RV_EGONE;
		if (c->cut)
			return RV_EIO;
		if (atomic_load(&c->srv->stopping) > 1)
			return RV_ESHUTDOWN;
		before = c->fp.streamed;
		if (c->rbuf.len > 0)
			parse_running(c);
		if (c->fp.streamed != before || c->fp.state != FP_STREAM)
			continue;
		if (now_ms() - stall >= tmo) {
			logx(RV_LOG_WARN, "fd %d: no request body for %lld ms "
			    "(params_timeout): giving up", c->fd,
			    (long long)tmo);
			return RV_EIO;
		}
		lead_yield();
		pfd.fd = c->fd;
		pfd.events = POLLIN | POLLRDHUP;
		pfd.revents = 0;
		if (poll(&pfd, 1, WRITE_SLICE_MS) > 0)
			peer_input(c);
		if (c->fp.streamed != before)
			stall = now_ms();
	}
}

/* A handler that waits is not hung (pool.c's handler_timeout). */
static int
conn_wait(struct rv_sink *sk, unsigned long ms)
{
	struct conn	*c = (struct conn *)sk;
	int		 rc;

	atomic_fetch_add(&c->waiting, 1);
	rc = conn_wait_inner(sk, ms);
	atomic_fetch_sub(&c->waiting, 1);
	return rc;
}

static int
conn_read(struct rv_sink *sk, void *buf, size_t len, size_t *got)
{
	struct conn	*c = (struct conn *)sk;
	int		 rc;

	atomic_fetch_add(&c->waiting, 1);
	rc = conn_read_inner(sk, buf, len, got);
	atomic_fetch_sub(&c->waiting, 1);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Connections                                                          */

static struct conn *
conn_new(struct rv_server *srv, int fd)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->sink.write = conn_write;
	c->sink.finish = conn_finish;
	c->sink.wait = conn_wait;
	c->sink.read = conn_read;
	c->fd = fd;
	c->srv = srv;
	fcgi_init(&c->fp, srv->lim.max_params, srv->lim.max_body,
	    srv->lim.max_handlers);
	fcgi_set_stream(&c->fp, srv->lim.max_upload);
	/* A partial record and one read, at most: parsing empties it. */
	c->rbuf.max = FCGI_HDR + FCGI_MAXDATA + 255 + READ_CHUNK;
	atomic_init(&c->gone, 0);
	c->tq = TQ_NONE;
	return c;
}

/* Read what the peer sent and drop it, a bounded amount. */
static void
discard_input(int fd)
{
	char	 junk[4096];
	size_t	 total = 0;
	ssize_t	 n;

	while (total < DISCARD_MAX) {
		n = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (n > 0)
			total += (size_t)n;
		else if (n == 0 || errno != EINTR)
			break;
	}
}

/*
 * Close and free a connection that no list, queue or epoll set holds
 * any more.  Bytes left unread would make close() reset the connection,
 * and a reset can destroy response bytes still on their way: read them
 * first, unless the response is cut or nobody listens anyway.
 */
static void
conn_free(struct conn *c)
{

	if (!c->cut && !atomic_load(&c->gone))
		discard_input(c->fd);
	close(c->fd);
	if (c->rq != NULL) {
		req_free(c->rq);
		free(c->rq);
	}
	fcgi_free(&c->fp);
	buf_free(&c->rbuf);
	buf_free(&c->wbuf);
	buf_free(&c->bodyq);
	free(c);
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

static void
tq_del(struct loopstate *L, struct conn *c)
{
	struct tqueue	*q;

	if (c->tq == TQ_NONE)
		return;
	q = &L->tq[c->tq];
	if (c->tprev != NULL)
		c->tprev->tnext = c->tnext;
	else
		q->head = c->tnext;
	if (c->tnext != NULL)
		c->tnext->tprev = c->tprev;
	else
		q->tail = c->tprev;
	c->tprev = c->tnext = NULL;
	c->tq = TQ_NONE;
}

/* (Re)arm c's deadline: each queue has one span, so stays sorted. */
static void
tq_put(struct loopstate *L, struct conn *c, enum conn_tq which)
{
	struct tqueue	*q = &L->tq[which];

	tq_del(L, c);
	c->tq = which;
	c->deadline = now_ms() + q->span;
	c->overdue = 0;
	c->tnext = NULL;
	if ((c->tprev = q->tail) != NULL)
		q->tail->tnext = c;
	else
		q->head = c;
	q->tail = c;
}

/* c closes in a fan-out, its send still queued: nothing to send. */
static void
batch_forget(struct loopstate *L, struct conn *c)
{
	size_t	 i;

	for (i = 0; i < L->nbatch; i++)
		if (L->batch[i].c == c)
			L->batch[i].c = NULL;
	c->batched = 0;
}

/* Close a loop-owned connection. */
static void
conn_close(struct rv_server *srv, struct conn *c)
{
	struct loopstate	*L = srv->loop;

	conn_unlink(L, c);
	tq_del(L, c);
	if (c->batched)
		batch_forget(L, c);
	if (c->events != 0)
		epoll_ctl(L->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	conn_free(c);
}

/*
 * What epoll watches: input, unless replies pile up unread (then the
 * peer is not read until it reads); output while some wait.
 */
static int
conn_watch(struct loopstate *L, struct conn *c)
{
	struct epoll_event	 ev;
	uint32_t		 want = EPOLLRDHUP;

	if (c->wbuf.len < FCGI_REPLY_MAX)
		want |= EPOLLIN;
	if (c->wbuf.len > 0)
		want |= EPOLLOUT;
	if (want == c->events)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.ptr = c;
	if (epoll_ctl(L->epfd, c->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD,
	    c->fd, &ev) != 0) {
		logx(RV_LOG_WARN, "fd %d: epoll: %s", c->fd, strerror(errno));
		return -1;
	}
	c->events = want;
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
	    rq->stream.idle_ended ? " (idle: stream_idle_timeout)" :
	    rq->stream.err == RV_ESHUTDOWN || rq->stream.stopping ?
	    " (shutdown)" : "");
	stats_note(rq, ms);
}

/*
 * A hung handler: running handler_timeout without a byte sent and not
 * waiting.  pool.c holds the claim on its response, so the handler's
 * own writes fail from now on (RV_EGONE) and this thread may write to
 * the socket; it touches nothing else of c but gone.  Its thread cannot
 * be stopped, only its process: a replaceable worker drains and exits.
 */
void
conn_hung(struct rv_server *srv, struct conn *c, int64_t ms)
{
	const struct route	*r = c->rq->route;
	struct rv_buf		 head, body;
	struct iovec		 in[2], out[2 * BATCH + 1];
	unsigned char		 hdr[BATCH][FCGI_HDR], end[FCGI_HDR + 16];
	struct msghdr		 mh;
	size_t			 off = 0;
	int			 iv = 0, n;

	memset(&head, 0, sizeof(head));
	memset(&body, 0, sizeof(body));
	if (problem_render(&head, &body, 504, NULL, "the handler did not "
	    "answer within handler_timeout", NULL) == RV_OK) {
		in[0].iov_base = head.p;
		in[0].iov_len = head.len;
		in[1].iov_base = body.p;
		in[1].iov_len = body.len;
		n = fcgi_frame_stdout(c->fp.reqid, in, 2, &iv, &off, hdr,
		    BATCH, out);
		fcgi_header(end, FCGI_STDOUT, c->fp.reqid, 0);
		fcgi_end_request(end + FCGI_HDR, c->fp.reqid,
		    FCGI_REQUEST_COMPLETE);
		out[n].iov_base = end;
		out[n++].iov_len = sizeof(end);
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = out;
		mh.msg_iovlen = (size_t)n;
		/* A few hundred bytes into an idle socket: never blocks. */
		(void)sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	buf_free(&head);
	buf_free(&body);
	atomic_store(&c->gone, 1);
	logx(RV_LOG_INFO, "%s %s 504 0 bytes 0 items %lld ms (hung)",
	    c->rq->method != NULL ? c->rq->method : "-",
	    c->rq->path != NULL ? c->rq->path : "-", (long long)ms);
	crash_last_words(srv, "handler_timeout", r);
	stats_note_hung(srv);
	logx(RV_LOG_ERROR, "handler_timeout: %s %s ran %lld ms without "
	    "answering or waiting: 504 sent%s", r != NULL ? r->method : "-",
	    r != NULL ? r->pattern : "-", (long long)ms,
	    srv->lim.replaceable ? "; this worker drains, to be replaced" :
	    "; its thread stays busy (no supervisor to replace this process)");
	if (srv->lim.replaceable)
		rv_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* Requests, from the loop                                              */

/*
 * The current request of a loop-owned connection is over (answered,
 * aborted, or its refused input all read): wait for the next one on a
 * kept connection, else close once the answer is out.  -1: closed.
 */
static int
request_over(struct rv_server *srv, struct conn *c)
{
	struct loopstate	*L = srv->loop;

	if (c->rq != NULL) {
		req_free(c->rq);
		free(c->rq);
		c->rq = NULL;
	}
	/* Draining: a kept connection gets no next request from us. */
	if (c->cut || atomic_load(&c->gone) ||
	    (c->fp.state == FP_DONE && c->wbuf.len == 0) ||
	    (c->fp.state == FP_IDLE && c->wbuf.len == 0 && c->rbuf.len == 0 &&
	    atomic_load(&srv->stopping))) {
		conn_close(srv, c);
		return -1;
	}
	if (c->fp.state == FP_IDLE)
		tq_put(L, c, TQ_KEEP);
	else if (c->fp.state == FP_DONE || c->fp.state == FP_DRAIN)
		tq_put(L, c, TQ_CLOSE);
	if (conn_watch(L, c) != 0) {
		conn_close(srv, c);
		return -1;
	}
	return 0;
}

/* Answer from the loop, before any handler ran.  -1: c was closed. */
static int
answer(struct rv_server *srv, struct conn *c, int status, const char *detail,
    const char *extra)
{

	req_problem(c->rq, status, NULL, detail, extra);
	log_access(c->rq);
	return request_over(srv, c);
}

static int
load_env(struct conn *c)
{
	const unsigned char	*k, *v;
	size_t			 kn, vn, off = 0, n = 0, bytes = 0, qlen = 0;

	/* Count first: the request's arena is sized to fit them. */
	while (fcgi_param_next(&c->fp, &off, &k, &kn, &v, &vn) == 1) {
		n++;
		bytes += kn + vn;
		if (kn == 12 && memcmp(k, "QUERY_STRING", 12) == 0)
			qlen = vn;
	}
	if (req_env_reserve(c->rq, n, bytes, qlen) != RV_OK)
		return RV_ENOMEM;
	off = 0;
	/* Up to a malformed pair, if any: the parser refused it already. */
	while (fcgi_param_next(&c->fp, &off, &k, &kn, &v, &vn) == 1)
		if (req_add_env(c->rq, (const char *)k, kn, (const char *)v,
		    vn) != RV_OK)
			return RV_ENOMEM;
	return RV_OK;
}

/* Params are complete: build the request, refuse it if we must. */
static int
params_done(struct rv_server *srv, struct conn *c)
{

	if ((c->rq = calloc(1, sizeof(*c->rq))) == NULL ||
	    req_init(c->rq, srv, &c->sink) != RV_OK || load_env(c) != RV_OK ||
	    req_finish_env(c->rq) != RV_OK) {
		logx(RV_LOG_ERROR, "fd %d: out of memory reading a request: "
		    "closing", c->fd);
		conn_close(srv, c);
		return -1;
	}
	/* Copied into the request; many may wait for a thread at once. */
	buf_free(&c->fp.params);
	switch (c->fp.reject) {
	case 0:
		return 0;
	case 431:
		return answer(srv, c, 431, "the request's parameters and "
		    "headers are over max_params", NULL);
	case 413:
		return answer(srv, c, 413, "the request body (CONTENT_LENGTH) "
		    "is over the server's limits (max_body, max_upload)",
		    NULL);
	default:
		return answer(srv, c, 400, "malformed FastCGI parameters or "
		    "CONTENT_LENGTH", NULL);
	}
}

/* A complete request: route it, answer it here or hand it over. */
static int
dispatch(struct rv_server *srv, struct conn *c)
{
	struct loopstate	*L = srv->loop;
	struct rv_req		*rq = c->rq;
	char			 allow[128], extra[160];
	size_t			 lim;

	/* A streamed body is read by the handler (conn_read). */
	c->bodyq.len = c->bodyq_off = 0;
	rq->body_streamed = c->fp.state == FP_STREAM;
	rq->body = rq->body_streamed ? NULL : c->fp.body.p;
	rq->body_len = rq->body_streamed ? 0 : c->fp.body.len;
	if (srv->lim.max_requests > 0 &&
	    atomic_fetch_add(&srv->n_requests, 1) + 1 == srv->lim.max_requests) {
		logx(RV_LOG_INFO, "served max_requests (%lu): draining, to be "
		    "replaced", srv->lim.max_requests);
		rv_server_stop(srv);	/* this request is still served */
	} else if (srv->lim.max_requests == 0)
		atomic_fetch_add(&srv->n_requests, 1);
	/* A malformed request (no method, a NUL in a param) runs nothing. */
	if (rq->bad_status != 0)
		return answer(srv, c, rq->bad_status, rq->bad, NULL);
	switch (route_match(srv->routes, srv->nroutes, rq, allow,
	    sizeof(allow))) {
	case ROUTE_NOT_FOUND:
		return answer(srv, c, 404, "no route for this path", NULL);
	case ROUTE_BAD_METHOD:
		snprintf(extra, sizeof(extra), "Allow: %s\r\n", allow);
		return answer(srv, c, 405, "the resource does not answer "
		    "this method", extra);
	default:
		break;
	}
	rq->mod_data = rq->route->mod_data;
	/* The route's own body limit, under the server's (body_limit). */
	if ((lim = rq->route->body_limit) > 0) {
		if ((c->fp.clen >= 0 && (uint64_t)c->fp.clen > lim) ||
		    rq->body_len > lim)
			return answer(srv, c, 413, "the request body is over "
			    "this route's body_limit", NULL);
		if (c->fp.state == FP_STREAM && lim < c->fp.max_stream)
			c->fp.max_stream = lim;	/* a chunked one is cut there */
	}
	/*
	 * The handler thread owns c from its submission on: off every list
	 * and out of the epoll set first, so nothing here names it later.
	 */
	conn_unlink(L, c);
	tq_del(L, c);
	if (c->events != 0)
		epoll_ctl(L->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	c->events = 0;
	/* Nothing more read yet (a GET): its thread reads into a new one. */
	if (c->rbuf.len == 0)
		buf_free(&c->rbuf);
	/* Run once this round's events are handled (run_inline). */
	c->handler = 1;
	c->qnext = NULL;
	if (L->inl_tail != NULL)
		L->inl_tail->qnext = c;
	else
		L->inl_head = c;
	L->inl_tail = c;
	return -1;
}

static int
conn_event(struct rv_server *srv, struct conn *c, enum fcgi_ev ev)
{

	switch (ev) {
	case FCGI_EV_BEGIN:
		c->ended = c->cut = 0;
		fcgi_set_stream(&c->fp, srv->lim.max_upload);	/* a route's went */
		tq_put(srv->loop, c, TQ_REQUEST);
		return 0;
	case FCGI_EV_PARAMS:
		if (params_done(srv, c) != 0)
			return -1;
		/* A body to stream: the handler runs as it comes. */
		return c->fp.state == FP_STREAM ? dispatch(srv, c) : 0;
	case FCGI_EV_STDIN:
		if (c->fp.reject != 0)
			return answer(srv, c, 413, "the request body is over "
			    "max_body", NULL);
		return dispatch(srv, c);
	case FCGI_EV_ABORT:	/* the parser has answered it */
	case FCGI_EV_ENDED:
		return request_over(srv, c);
	default:
		logx(RV_LOG_WARN, "fd %d: not FastCGI (bad version byte or "
		    "record): closing the connection", c->fd);
		conn_close(srv, c);
		return -1;
	}
}

/* Act on the records rbuf holds.  -1: c was closed or handed over. */
static int
conn_parse(struct rv_server *srv, struct conn *c)
{
	struct loopstate	*L = srv->loop;
	enum fcgi_ev		 ev;
	size_t			 used;

	for (;;) {
		ev = fcgi_feed(&c->fp, (unsigned char *)c->rbuf.p, c->rbuf.len,
		    &used, &c->wbuf);
		/* A handler thread that gets c finds only what follows. */
		memmove(c->rbuf.p, c->rbuf.p + used, c->rbuf.len - used);
		c->rbuf.len -= used;
		if (ev == FCGI_EV_NONE)
			break;
		if (conn_event(srv, c, ev) < 0)
			return -1;
	}
	/* A request starts with its first byte: from then on, its deadline. */
	if (c->tq == TQ_KEEP && c->rbuf.len > 0)
		tq_put(L, c, TQ_REQUEST);
	if ((c->wbuf.len > 0 && flush_nowait(c) != 0) ||
	    (c->fp.state == FP_DONE && c->wbuf.len == 0) ||
	    conn_watch(L, c) != 0) {
		conn_close(srv, c);
		return -1;
	}
	return 0;
}

/*
 * Reads go through the loop's own buffer: a connection's grows by what
 * came (a request's params, about a KiB), not by READ_CHUNK each, which
 * made malloc grow and trim its heap for every request.
 */
static int
conn_readable(struct rv_server *srv, struct conn *c)
{
	char	*rx = srv->loop->rx;
	ssize_t	 n;
	int	 i;

	for (i = 0; i < READS_PER_EVENT; i++) {
		n = recv(c->fd, rx, READ_CHUNK, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			break;
		/* Parsing leaves at most a partial record: room remains. */
		if (buf_add(&c->rbuf, rx, (size_t)n) != RV_OK)
			break;
		if (c->fp.state == FP_STDIN)
			tq_put(srv->loop, c, TQ_REQUEST);	/* progress */
		if (conn_parse(srv, c) < 0)
			return -1;
		if (n < READ_CHUNK || c->wbuf.len >= FCGI_REPLY_MAX)
			return 0;
	}
	if (i == READS_PER_EVENT)
		return 0;
	conn_close(srv, c);	/* EOF or error: the peer has left */
	return -1;
}

/* Replies could go out: send more, and read again if that paused it. */
static void
conn_writable(struct rv_server *srv, struct conn *c)
{
	int	 paused = c->wbuf.len >= FCGI_REPLY_MAX;

	if (flush_nowait(c) != 0 ||
	    (c->fp.state == FP_DONE && c->wbuf.len == 0)) {
		conn_close(srv, c);
		return;
	}
	if (paused && c->wbuf.len < FCGI_REPLY_MAX && c->rbuf.len > 0) {
		(void)conn_parse(srv, c);
		return;
	}
	if (conn_watch(srv->loop, c) != 0)
		conn_close(srv, c);
}

static void	 sub_event(struct rv_server *, struct conn *, uint32_t);

static void
on_event(struct rv_server *srv, struct conn *c, uint32_t events)
{
	if (c->rq != NULL && c->rq->stream.sub != NULL) {
		sub_event(srv, c, events);
		return;
	}

	if (events & EPOLLOUT) {
		conn_writable(srv, c);
		return;		/* level-triggered: input next round */
	}
	if (events & EPOLLIN)
		(void)conn_readable(srv, c);
	else if (events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR))
		conn_close(srv, c);
}

/* ------------------------------------------------------------------ */
/* Hand-backs, accepting, deadlines                                     */

void
conn_release(struct rv_server *srv, struct conn *c)
{
	struct loopstate	*L;
	uint64_t		 one = 1;

	/*
	 * Only a kept connection whose response ended cleanly goes back,
	 * or one whose streamed body is still coming (FP_DRAIN): closing
	 * on a peer that still sends makes it fail the whole request
	 * (Apache answers 503), so the loop reads the rest and drops it.
	 */
	if (!c->ended || c->cut || atomic_load(&c->gone) ||
	    (c->fp.state != FP_IDLE && c->fp.state != FP_DRAIN) ||
	    atomic_load(&srv->stopping)) {
		conn_free(c);
		return;
	}
	L = srv->loop;
	pthread_mutex_lock(&L->done_mu);
	c->qnext = L->done;
	L->done = c;
	pthread_mutex_unlock(&L->done_mu);
	(void)!write(srv->stopfd, &one, sizeof(one));
}

void
loop_wake(struct rv_server *srv)
{
	uint64_t	 one = 1;

	(void)!write(srv->stopfd, &one, sizeof(one));
}

void
conn_adopt(struct rv_server *srv, struct conn *c)
{
	struct loopstate	*L = srv->loop;

	pthread_mutex_lock(&L->done_mu);
	c->qnext = L->done;
	L->done = c;
	pthread_mutex_unlock(&L->done_mu);
	loop_wake(srv);
}

/* ------------------------------------------------------------------ */
/* Channel subscribers: streams the loop holds for the hub             */

/*
 * Thousands may wait here: keep no buffer that is empty.  The next
 * item or heartbeat allocates again (its bytes mostly go straight to
 * the socket: queue_out).
 */
static void
sub_trim(struct conn *c)
{
	struct rv_stream	*s = &c->rq->stream;

	if (c->rbuf.len == 0)
		buf_free(&c->rbuf);
	if (c->wbuf.len == 0)
		buf_free(&c->wbuf);
	if (s->out.len == 0)
		buf_free(&s->out);
}

/* What a subscriber's send left: watched for room, or for its end. */
static void
sub_sent(struct loopstate *L, struct conn *c)
{

	sub_trim(c);
	if (conn_watch(L, c) != 0)
		atomic_store(&c->gone, 1);	/* ended at its next event */
}

/*
 * The fan-out's queued records, one send a subscriber, in one system
 * call where io_uring serves; what a socket did not take waits in its
 * wbuf for EPOLLOUT.  A failed send ends its subscriber at its next
 * event (EPOLLERR, EPOLLRDHUP) or write (a heartbeat), as in sub_sent.
 */
static void
batch_flush(struct loopstate *L)
{
	struct fanout_send	*f;
	struct sendq_op		*op;
	struct conn		*c;
	size_t			 i, n = 0, sent;

	for (i = 0; i < L->nbatch; i++) {
		f = &L->batch[i];
		if (f->c == NULL)
			continue;	/* closed meanwhile */
		L->batch[n] = *f;
		op = &L->ops[n++];
		op->fd = f->c->fd;
		op->p = L->arena.p + f->off;
		op->len = f->len;
	}
	L->nbatch = 0;
	sendq_run(L->sendq, L->ops, n);
	for (i = 0; i < n; i++) {
		c = L->batch[i].c;
		op = &L->ops[i];
		c->batched = 0;
		sent = op->res > 0 ? (size_t)op->res : 0;
		if (op->res < 0 && op->res != -EAGAIN &&
		    op->res != -EWOULDBLOCK && op->res != -EINTR)
			(void)send_failed(c, (int)-op->res);
		else if (sent < op->len && buf_add(&c->wbuf,
		    (const char *)op->p + sent, op->len - sent) != RV_OK) {
			c->wbuf.err = RV_OK;
			c->cut = 1;	/* a record lost: the stream with it */
		}
		sub_sent(L, c);
	}
	L->arena.len = 0;
	if (L->arena.cap > 4 * READ_CHUNK)
		buf_free(&L->arena);	/* a burst's: not kept */
}

/*
 * Around a channel's fan-out: its subscribers' items are queued, and
 * sent together at the end (or each FANOUT_BATCH), not one by one.
 */
void
loop_batch_begin(struct rv_server *srv)
{

	srv->loop->batching = 1;
}

void
loop_batch_end(struct rv_server *srv)
{
	struct loopstate	*L = srv->loop;

	batch_flush(L);
	L->batching = 0;
}

void
loop_sub_wrote(struct rv_server *srv, struct conn *c)
{
	struct loopstate	*L = srv->loop;

	tq_put(L, c, TQ_SUB);
	if (!c->batched)
		sub_sent(L, c);		/* else once its send is made */
}

/*
 * The subscriber leaves (client gone, too slow, server stopping): end
 * its framing if the client can still get it, log, and then as any
 * answered request (a kept connection serves again).
 */
void
loop_sub_end(struct rv_server *srv, struct conn *c)
{
	struct rv_stream	*s = &c->rq->stream;

	if (s->sub != NULL)
		hub_unsubscribe(srv->hub, s->sub);
	if (atomic_load(&c->gone))
		stream_fail(s, RV_EGONE);
	stream_end_ret(s, RV_OK);
	if (c->batched)
		batch_flush(srv->loop);	/* its last records, before a close */
	log_access(c->rq);
	(void)request_over(srv, c);
}

/* A handler handed its subscribed stream over: the loop holds it now. */
static void
sub_adopted(struct rv_server *srv, struct conn *c)
{
	struct rv_stream	*s = &c->rq->stream;

	if (atomic_load(&srv->stopping)) {
		s->stopping = 1;
		loop_sub_end(srv, c);
		return;
	}
	s->sub->c = c;
	/* What the handler needed and a held stream will not. */
	buf_free(&c->fp.body);
	c->rq->body = NULL;
	c->rq->body_len = 0;
	arena_reset(&s->scratch);
	s->ev_name = s->ev_id = NULL;	/* an rv_event() unused: in scratch */
	if (s->depth == 0) {
		free(s->lvx);		/* deep items allocate it again */
		s->lvx = NULL;
	}
	if (s->state != SS_OPEN)
		buf_free(&s->head);	/* sent (or never will be) */
	if (hub_adopt(srv->hub, s->sub) != RV_OK || s->err != RV_OK) {
		loop_sub_end(srv, c);
		return;
	}
	loop_sub_wrote(srv, c);
}

/*
 * Input on a subscriber's connection: only an EOF, an ABORT_REQUEST or
 * garbage matter (the client left); protocol replies are queued after
 * the records already queued, never sent with a wait.
 */
static void
sub_input(struct conn *c)
{
	size_t		 used, off;
	enum fcgi_ev	 ev;
	ssize_t		 n;

	for (;;) {
		/* Only an end or an abort is looked for: read little. */
		if (buf_grow(&c->rbuf, READ_FIRST) != RV_OK) {
			atomic_store(&c->gone, 1);
			return;
		}
		n = recv(c->fd, c->rbuf.p + c->rbuf.len, READ_FIRST,
		    MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			atomic_store(&c->gone, 1);
			return;
		}
		c->rbuf.len += (size_t)n;
		for (off = 0; off < c->rbuf.len; off += used) {
			ev = fcgi_feed(&c->fp, (unsigned char *)c->rbuf.p + off,
			    c->rbuf.len - off, &used, &c->wbuf);
			if (ev == FCGI_EV_ABORT || ev == FCGI_EV_BAD) {
				atomic_store(&c->gone, 1);
				c->cut = ev == FCGI_EV_BAD;
				return;
			}
			if (ev == FCGI_EV_NONE && used == 0)
				break;
		}
		memmove(c->rbuf.p, c->rbuf.p + off, c->rbuf.len - off);
		c->rbuf.len -= off;
	}
}

static void
sub_event(struct rv_server *srv, struct conn *c, uint32_t events)
{

	if ((events & EPOLLOUT) && flush_nowait(c) != 0)
		atomic_store(&c->gone, 1);
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		sub_input(c);
	if (atomic_load(&c->gone) || c->cut) {
		loop_sub_end(srv, c);
		return;
	}
	sub_trim(c);
	if (conn_watch(srv->loop, c) != 0)
		loop_sub_end(srv, c);
}

/* An idle subscriber: a heartbeat, which is also how departures show. */
static void
sub_heartbeat(struct rv_server *srv, struct conn *c)
{

	if (stream_idle_left(&c->rq->stream) == 0 ||
	    rv_comment(&c->rq->stream, "") != RV_OK || atomic_load(&c->gone))
		loop_sub_end(srv, c);
	else
		loop_sub_wrote(srv, c);
}

/* Kept connections back from their handlers: the next request. */
static void
take_done(struct rv_server *srv)
{
	struct loopstate	*L = srv->loop;
	struct conn		*c, *next;

	pthread_mutex_lock(&L->done_mu);
	c = L->done;
	L->done = NULL;
	pthread_mutex_unlock(&L->done_mu);
	for (; c != NULL; c = next) {
		next = c->qnext;
		c->qnext = NULL;
		c->handler = 0;
		conn_link(L, c);
		if (c->rq != NULL && c->rq->stream.sub != NULL) {
			sub_adopted(srv, c);
			continue;
		}
		if (atomic_load(&srv->stopping)) {
			conn_close(srv, c);
			continue;
		}
		tq_put(L, c, c->fp.state == FP_DRAIN ? TQ_CLOSE : TQ_KEEP);
		/* Bytes its handler read past the request are parsed now. */
		if (c->rbuf.len > 0)
			(void)conn_parse(srv, c);
		else if (conn_watch(L, c) != 0)
			conn_close(srv, c);
	}
}

static void
accept_pause(struct loopstate *L, int err)
{
	int64_t	 t = now_ms();

	if (t - L->accept_logged >= 10000 || L->accept_logged == 0) {
		logx(RV_LOG_WARN, "accept: %s: not accepting for %d ms",
		    strerror(err), ACCEPT_PAUSE_MS);
		L->accept_logged = t;
	}
	/* Level-triggered, the listener would wake us at once, forever. */
	epoll_ctl(L->epfd, EPOLL_CTL_DEL, L->listenfd, NULL);
	L->listening = 0;
	L->accept_resume = t + ACCEPT_PAUSE_MS;
}

/* A peer not on the allow list: logged, at most once a second. */
static void
refuse_peer(struct loopstate *L, const struct sockaddr_storage *ss)
{
	char		 a[INET6_ADDRSTRLEN];
	const void	*p;
	int64_t		 t = now_ms();

	L->refused++;
	if (t - L->refused_logged < 1000)
		return;
	p = ss->ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)(const void *)ss)->
	    sin_addr : (const void *)&((const struct sockaddr_in6 *)
	    (const void *)ss)->sin6_addr;
	if (inet_ntop(ss->ss_family, p, a, sizeof(a)) == NULL)
		strcpy(a, "?");
	logx(RV_LOG_WARN, "connection from %s refused: not in allow (%lu "
	    "refused so far)", a, L->refused);
	L->refused_logged = t;
}

static void
accept_all(struct rv_server *srv)
{
	struct loopstate	*L = srv->loop;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	struct conn		*c;
	int			 fd, i, one = 1;

	for (i = 0; i < ACCEPTS_PER_EVENT; i++) {
		sl = sizeof(ss);
		fd = accept4(L->listenfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				accept_pause(L, errno);
			return;
		}
		if (L->tcp && !allow_check(srv, (struct sockaddr *)&ss)) {
			refuse_peer(L, &ss);
			close(fd);
			continue;
		}
		/* Items are flushed one by one: Nagle would hold them. */
		if (L->tcp)
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
		if ((c = conn_new(srv, fd)) == NULL) {
			logx(RV_LOG_ERROR, "out of memory: refusing a "
			    "connection");
			close(fd);
			continue;
		}
		conn_link(L, c);
		tq_put(L, c, TQ_REQUEST);
		/*
		 * A front server writes its request as it connects: it is
		 * often all here, and needs no round through epoll.
		 */
		if (conn_readable(srv, c) == 0 && c->events == 0 &&
		    conn_watch(L, c) != 0)
			conn_close(srv, c);
	}
}

/* Peers past their deadline: params too slow, drain over, idle. */
static void
expire(struct rv_server *srv, int64_t t)
{
	struct loopstate	*L = srv->loop;
	struct conn		*c;
	int			 q;

	for (q = 0; q < TQ__MAX; q++)
		while ((c = L->tq[q].head) != NULL && c->deadline <= t) {
			if (q == TQ_SUB) {
				sub_heartbeat(srv, c);
				continue;
			}
			/*
			 * Its bytes may be waiting behind a long round of other
			 * events: read them first (that may re-arm, answer or
			 * hand it over), and close only if still overdue.
			 */
			if (!c->overdue && q != TQ_CLOSE) {
				c->overdue = 1;
				(void)conn_readable(srv, c);
				continue;
			}
			if (q == TQ_REQUEST && (c->fp.state != FP_IDLE ||
			    c->rbuf.len > 0))
				logx(RV_LOG_WARN, "fd %d: request not complete "
				    "within params_timeout (%llu ms): closing",
				    c->fd, (unsigned long long)
				    srv->lim.params_timeout_ms);
			conn_close(srv, c);
		}
}

/* ms until the next deadline (-1: none), at most cap if cap >= 0. */
static int
next_timeout(struct loopstate *L, int64_t t, int cap)
{
	int64_t	 d, best = cap;
	int	 q;

	for (q = 0; q < TQ__MAX; q++)
		if (L->tq[q].head != NULL) {
			d = L->tq[q].head->deadline - t;
			d = d < 0 ? 0 : d;
			best = best < 0 || d < best ? d : best;
		}
	if (L->accept_resume != 0) {
		d = L->accept_resume - t;
		d = d < 0 ? 0 : d;
		best = best < 0 || d < best ? d : best;
	}
	return best > INT_MAX ? INT_MAX : (int)best;
}

/* ------------------------------------------------------------------ */
/* Serving                                                              */

static struct loopstate *
loop_new(struct rv_server *srv, int listenfd)
{
	struct loopstate	*L;
	struct epoll_event	 ev;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	int			 fl;

	if ((L = calloc(1, sizeof(*L))) == NULL)
		return NULL;
	L->listenfd = listenfd;
	L->tq[TQ_REQUEST].span = (int64_t)srv->lim.params_timeout_ms;
	L->tq[TQ_KEEP].span = KEEP_IDLE_MS;
	L->tq[TQ_CLOSE].span = CLOSE_MS;
	L->tq[TQ_SUB].span = srv->lim.heartbeat_ms > 0 ?
	    (int64_t)srv->lim.heartbeat_ms : SUB_HEARTBEAT_MS;
	/* Idle subscribers are looked at (and end) at their heartbeats. */
	if (srv->lim.stream_idle_ms > 0 &&
	    (int64_t)srv->lim.stream_idle_ms < L->tq[TQ_SUB].span)
		L->tq[TQ_SUB].span = (int64_t)srv->lim.stream_idle_ms;
	if (getsockname(listenfd, (struct sockaddr *)&ss, &sl) == 0)
		L->tcp = ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
	if ((fl = fcntl(listenfd, F_GETFL)) < 0 ||
	    fcntl(listenfd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    (L->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		logx(RV_LOG_ERROR, "serve: %s", strerror(errno));
		free(L);
		return NULL;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = L;
	if (epoll_ctl(L->epfd, EPOLL_CTL_ADD, listenfd, &ev) != 0 ||
	    (ev.data.ptr = srv, epoll_ctl(L->epfd, EPOLL_CTL_ADD, srv->stopfd,
	    &ev)) != 0 || pthread_mutex_init(&L->done_mu, NULL) != 0) {
		logx(RV_LOG_ERROR, "serve: fd %d: %s", listenfd,
		    strerror(errno));
		close(L->epfd);
		free(L);
		return NULL;
	}
	if ((L->lead = lead_new(srv->pool)) == NULL)
		goto nomem;
	if (pthread_mutex_init(&L->end_mu, NULL) != 0)
		goto nolead;
	if (pthread_cond_init(&L->end_cv, NULL) != 0) {
		pthread_mutex_destroy(&L->end_mu);
		goto nolead;
	}
	L->listening = 1;
	/* Without it, fan-outs take one send(2) a subscriber. */
	if (srv->lim.io_uring && (L->sendq = sendq_new(FANOUT_BATCH)) == NULL)
		logx(RV_LOG_INFO, "io_uring: %s: fan-outs send one by one",
		    strerror(errno));
	return L;
nolead:
	lead_free(L->lead);
nomem:
	logx(RV_LOG_ERROR, "serve: out of memory");
	pthread_mutex_destroy(&L->done_mu);
	close(L->epfd);
	free(L);
	return NULL;
}

static void
loop_free(struct loopstate *L)
{

	sendq_free(L->sendq);
	buf_free(&L->arena);
	close(L->epfd);
	lead_free(L->lead);
	pthread_cond_destroy(&L->end_cv);
	pthread_mutex_destroy(&L->end_mu);
	pthread_mutex_destroy(&L->done_mu);
	free(L);
}

/* Stopping: accept nothing more; requests not yet running are dropped. */
static void
stop_begin(struct rv_server *srv)
{
	struct loopstate	*L = srv->loop;
	struct shm_worker	*w;
	struct conn		*c, *next;

	if (L->listening)
		epoll_ctl(L->epfd, EPOLL_CTL_DEL, L->listenfd, NULL);
	L->listening = 0;
	if ((w = shm_slot(hub_shared(srv->hub))) != NULL)
		atomic_store(&w->draining, 1);	/* for the status route */
	L->accept_resume = 0;
	take_done(srv);
	hub_run(srv->hub);
	/* Subscribers end their framing, with a reconnect hint for SSE. */
	for (c = L->conns; c != NULL; c = next) {
		next = c->next;
		if (c->rq != NULL && c->rq->stream.sub != NULL) {
			c->rq->stream.stopping = 1;
			loop_sub_end(srv, c);
		}
	}
	/*
	 * Idle kept connections go.  A request on its way in stays and is
	 * served: the front server sent it here, and a connection closed
	 * under it is an error for its client (a reload under load would
	 * not be clean).
	 */
	for (c = L->conns; c != NULL; c = next) {
		next = c->next;
		if (c->tq == TQ_KEEP && c->fp.state == FP_IDLE &&
		    c->rbuf.len == 0 && c->wbuf.len == 0)
			conn_close(srv, c);
	}
	/* Running handlers see stop_evfd and srv->stopping by themselves. */
}

/* One round: wait, handle the events, then what they left to do. */
static void
loop_once(struct rv_server *srv, int cap)
{
	struct loopstate	*L = srv->loop;
	struct epoll_event	 evs[64];
	uint64_t		 v;
	int			 i, n, woke = 0;

	if ((i = pool_tick(srv->pool)) >= 0 && (cap < 0 || i < cap))
		cap = i;
	n = epoll_wait(L->epfd, evs, 64, next_timeout(L, now_ms(), cap));
	if (n < 0 && errno != EINTR) {
		logx(RV_LOG_ERROR, "epoll_wait: %s: stopping", strerror(errno));
		rv_server_stop(srv);
	}
	for (i = 0; i < n; i++) {
		if (evs[i].data.ptr == L)
			accept_all(srv);
		else if (evs[i].data.ptr == srv)
			woke = 1;
		else
			on_event(srv, evs[i].data.ptr, evs[i].events);
	}
	/*
	 * After the batch: a connection closed now could be named by a
	 * later event of the same batch.
	 */
	if (woke) {
		(void)!read(srv->stopfd, &v, sizeof(v));
		take_done(srv);
		hub_run(srv->hub);
	}
	expire(srv, now_ms());
	if (L->accept_resume != 0 && now_ms() >= L->accept_resume &&
	    !atomic_load(&srv->stopping)) {
		struct epoll_event	 ev = { .events = EPOLLIN };

		ev.data.ptr = L;
		L->accept_resume = 0;
		if (epoll_ctl(L->epfd, EPOLL_CTL_ADD, L->listenfd, &ev) == 0)
			L->listening = 1;
		else
			accept_pause(L, errno);
	}
}

/*
 * The requests this round completed, in the leading thread itself.
 * 0 if one of them took the loop's thread: the loop, and the requests
 * still waiting here, went to another thread (lead.c).
 */
static int
run_inline(struct rv_server *srv)
{
	struct loopstate	*L = srv->loop;
	struct conn		*c;
	uint64_t		 run;

	while ((c = L->inl_head) != NULL) {
		if ((L->inl_head = c->qnext) == NULL)
			L->inl_tail = NULL;
		c->qnext = NULL;
		/*
		 * max_handlers counts handlers running or waiting, not the
		 * requests of a burst queued here.
		 */
		if (pool_reserve(srv->pool) != RV_OK) {
			c->handler = 0;
			conn_link(L, c);
			(void)answer(srv, c, 503, "max_handlers requests are "
			    "running", "Retry-After: 1\r\n");
			continue;
		}
		run = lead_inline_begin(L->lead);
		pool_run_inline(srv->pool, c);
		if (!lead_inline_end(L->lead, run))
			return 0;
	}
	return 1;
}

/* The leader is done with the loop: rv_server_serve() takes over. */
static void
loop_end(struct loopstate *L)
{

	pthread_mutex_lock(&L->end_mu);
	L->ended = 1;
	pthread_cond_signal(&L->end_cv);
	pthread_mutex_unlock(&L->end_mu);
}

/*
 * One round, in the thread that leads the loop.  0 when that thread
 * no longer leads: the loop ended, or went to another thread.
 */
static int
lead_round(struct rv_server *srv)
{
	struct loopstate	*L = srv->loop;
	struct conn		*c;
	unsigned		 busy, hung = 0;

	if (atomic_load(&srv->stopping)) {
		if (L->grace_end == 0) {
			stop_begin(srv);
			L->grace_end = now_ms() + STOP_GRACE_MS;
		}
		busy = pool_busy(srv->pool, &hung);
		if ((busy == hung && L->conns == NULL && L->inl_head == NULL) ||
		    now_ms() >= L->grace_end) {
			/* Requests never run: rv_server_serve() closes them. */
			for (c = L->inl_head; c != NULL; c = L->inl_head) {
				L->inl_head = c->qnext;
				c->qnext = NULL;
				c->handler = 0;
				conn_link(L, c);
			}
			L->inl_tail = NULL;
			loop_end(L);
			return 0;
		}
	}
	/* Requests left by a leader whose handler took its thread first. */
	if (L->inl_head == NULL)
		loop_once(srv, L->grace_end != 0 ? STOP_POLL_MS : -1);
	return run_inline(srv);
}

void
loop_follow(struct rv_server *srv)
{

	while (lead_round(srv))
		continue;
}

int
rv_server_serve(struct rv_server *srv, int listenfd)
{
	struct loopstate	*L;
	unsigned		 busy, hung = 0;

	if (srv->loop != NULL)
		return RV_ESTATE;
	if (server_own_fds(srv) != RV_OK || stats_start(srv) != RV_OK ||
	    allow_start(srv) != RV_OK || (L = loop_new(srv, listenfd)) == NULL)
		return RV_EIO;
	if (hub_start(srv->hub) != RV_OK)
		logx(RV_LOG_ERROR, "channels: cannot start the backend's "
		    "reader: channel items will not be delivered");
	srv->loop = L;
	/*
	 * Pool threads lead the loop in turn; this thread (which takes the
	 * process's signals) waits for its end.
	 */
	pthread_mutex_lock(&L->end_mu);
	if (pool_lead(srv->pool) != RV_OK && pool_lead_cancel(srv->pool)) {
		logx(RV_LOG_ERROR, "serve: no thread for the event loop");
		pthread_mutex_unlock(&L->end_mu);
		srv->loop = NULL;
		loop_free(L);
		return RV_ENOMEM;
	}
	while (!L->ended)
		pthread_cond_wait(&L->end_cv, &L->end_mu);
	pthread_mutex_unlock(&L->end_mu);
	take_done(srv);
	hub_log_stats(srv->hub);
	if ((busy = pool_busy(srv->pool, &hung)) > 0) {
		/*
		 * Handlers that ignored the stop still own connections and
		 * may still hand them back: the loop state stays for them.
		 */
		if (busy > hung)
			logx(RV_LOG_WARN, "%u handlers still running after "
			    "the %d s grace period", busy, STOP_GRACE_MS / 1000);
		atomic_store(&srv->stopping, 2);
		return RV_ESHUTDOWN;
	}
	while (L->conns != NULL)
		conn_close(srv, L->conns);
	srv->loop = NULL;
	loop_free(L);
	return RV_OK;
}
