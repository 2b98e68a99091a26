/*
 * conn.h: one FastCGI connection, and the handler pool that runs its
 * requests.  Never installed.
 *
 * Ownership: a connection has exactly one owner at a time, and only
 * its owner reads, writes or closes its fd or touches its fields.
 * The event loop owns it while a request arrives and while the loop
 * itself answers (404, 405, 413, 431, 503).  From dispatch to the end
 * of the response it belongs to one handler thread alone: off the
 * loop's lists and epoll set.  The hand-overs go through the pool's
 * queue and the loop's done queue, both under a mutex, so each owner
 * sees everything the previous one wrote.  The handler thread then
 * closes the connection itself, or gives a kept one back to the loop.
 */
#ifndef RV_CONN_H
#define RV_CONN_H

#include "internal.h"
#include "fcgi.h"

enum conn_tq {
	TQ_NONE = -1,
	TQ_REQUEST,	/* a request arriving: params_timeout */
	TQ_KEEP,	/* a kept connection between requests */
	TQ_CLOSE,	/* answered: flushing, reading the rest */
	TQ_SUB,		/* a channel subscriber: heartbeat when idle */
	TQ__MAX
};

struct conn {
	struct rv_sink		 sink;	/* first: cast target */
	int			 fd;
	struct rv_server	*srv;
	struct fcgi_parser	 fp;
	struct rv_buf		 rbuf;	/* read, not yet parsed */
	struct rv_buf		 wbuf;	/* to send before anything */
	struct rv_req		*rq;	/* the current request */
	int			 handler; /* a handler thread owns it */
	atomic_int		 gone;	/* client left or aborted */
	int			 ended;	/* END_REQUEST sent */
	int			 cut;	/* no END_REQUEST: close only */
	/* A streamed body (FP_STREAM): read, not yet taken by the handler. */
	struct rv_buf		 bodyq;
	size_t			 bodyq_off;
	/* The loop's, while it owns the connection: */
	uint32_t		 events; /* epoll interest */
	int			 tq;	/* timer queue, or TQ_NONE */
	int64_t			 deadline; /* ms, monotonic */
	int			 overdue; /* past it: read once more */
	struct conn		*tprev, *tnext;	/* its timer queue */
	struct conn		*prev, *next;	/* loop-owned ones */
	/* The pool's queue, then the loop's done queue. */
	struct conn		*qnext;
	int64_t			 qtime;	/* ms: queued for a thread at */
	/*
	 * While its handler runs (pool.c's list): who writes the response,
	 * CLAIM_HANDLER at its first write or CLAIM_WATCHDOG for a hung
	 * one's 504, whichever comes first; and whether it waits (rv_sleep,
	 * a body read), which a hung handler does not.
	 */
	atomic_int		 claim;
	atomic_int		 waiting;
	int64_t			 run_since;	/* ms */
	int			 hung;
	struct conn		*rprev, *rnext;
};

enum { CLAIM_NONE, CLAIM_HANDLER, CLAIM_WATCHDOG };

/* loop.c */
RV_HIDDEN int64_t now_ms(void);
/*
 * A handler thread is done with c (its request freed): close it, or
 * hand a kept connection back to the loop for its next request.
 */
RV_HIDDEN void	 conn_release(struct rv_server *, struct conn *);
/* A handler thread hands a subscribed stream's connection to the loop. */
RV_HIDDEN void	 conn_adopt(struct rv_server *, struct conn *);
/* The access log line of a finished request. */
RV_HIDDEN void	 log_access(const struct rv_req *);
/*
 * pool.c claimed the response of a hung handler (CLAIM_WATCHDOG): answer
 * 504, log it, leave the last words, and a replaceable worker drains.
 */
RV_HIDDEN void	 conn_hung(struct rv_server *, struct conn *, int64_t ms);

/* pool.c */
struct pool;
RV_HIDDEN struct pool *pool_new(struct rv_server *);
/*
 * Run c's request on a handler thread, which then owns c; RV_ETOOBIG
 * if max_handlers are busy (c stays the caller's).
 */
RV_HIDDEN int	 pool_submit(struct pool *, struct conn *);
/*
 * Loop: threads for requests that waited too long for one; -1, or the
 * ms until it should be called again.
 */
RV_HIDDEN int	 pool_tick(struct pool *);
/* Handlers running or queued, and of those the hung ones. */
RV_HIDDEN unsigned pool_busy(struct pool *, unsigned *hung);
/* Join the idle threads and free; RV_ESTATE (nothing freed) if busy. */
RV_HIDDEN int	 pool_free(struct pool *);

#endif
