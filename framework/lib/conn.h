/*
 * conn.h: one FastCGI connection, and the handler pool that runs its
 * requests.  Never installed.
 *
 * Ownership: a connection has exactly one owner at a time, and only
 * its owner reads, writes or closes its fd or touches its fields.
 * The event loop owns it while a request arrives and while the loop
 * itself answers (404, 405, 413, 431, 503).  From dispatch to the end
 * of the response it belongs to one handler alone: off the loop's
 * lists and epoll set, run by the thread that led the loop (which
 * leaves the loop to another if the handler waits: lead.c) or by a
 * pool thread.  The hand-overs go through the loop's inline queue (the
 * same thread), the pool's lead jobs and the loop's done queue (both
 * under a mutex), so each owner sees everything the previous one
 * wrote.  The handler thread then
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
	int			 batched; /* in the loop's fan-out batch */
	struct conn		*prev, *next;	/* loop-owned ones */
	/* The loop's inline queue, then its done queue. */
	struct conn		*qnext;
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
 * Loop: the watchdog of handler_timeout, and threads that left joined;
 * -1, or the ms until it should be called again.
 */
RV_HIDDEN int	 pool_tick(struct pool *);
/* Handlers running or waiting, and of those the hung ones. */
RV_HIDDEN unsigned pool_busy(struct pool *, unsigned *hung);
/* Join the idle threads and free; RV_ESTATE (nothing freed) if busy. */
RV_HIDDEN int	 pool_free(struct pool *);
/*
 * Inline requests: pool_reserve() counts one handler busy (RV_ETOOBIG
 * past max_handlers or when stopping), pool_run_inline() runs it in
 * the caller's thread.  pool_lead() has a pool thread run the loop
 * (loop_follow); pool_lead_cancel() takes that back if no thread has
 * yet (1), else 0.
 */
RV_HIDDEN int	 pool_reserve(struct pool *);
RV_HIDDEN void	 pool_run_inline(struct pool *, struct conn *);
RV_HIDDEN int	 pool_lead(struct pool *);
RV_HIDDEN int	 pool_lead_cancel(struct pool *);
/* The signals only the main thread takes. */
RV_HIDDEN void	 async_signals(sigset_t *);

/* loop.c: a pool thread leads the loop until it goes to another. */
RV_HIDDEN void	 loop_follow(struct rv_server *);

/*
 * lead.c: the thread that leads the loop runs handlers itself, and
 * gives the loop to a pool thread when one would make it wait.
 * lead_inline_begin/end bracket such a handler (begin gives its run's
 * number, end says 1 if this thread still leads); lead_yield() before a handler blocks, lead_check() at
 * its writes (the time budget).
 */
struct lead;
RV_HIDDEN struct lead *lead_new(struct pool *);
RV_HIDDEN void	 lead_free(struct lead *);
RV_HIDDEN uint64_t lead_inline_begin(struct lead *);
RV_HIDDEN int	 lead_inline_end(struct lead *, uint64_t run);
RV_HIDDEN void	 lead_yield(void);
RV_HIDDEN void	 lead_check(void);

#endif
