/*
 * conn.h: one FastCGI connection.  The event loop owns it while a
 * request arrives; from dispatch to the end of the response it belongs
 * to one handler thread alone (off the loop's list and epoll set), and
 * a kept connection then comes back to the loop.  Never installed.
 */
#ifndef RV_CONN_H
#define RV_CONN_H

#include "internal.h"

enum conn_state {
	C_IDLE,		/* waiting for BEGIN_REQUEST */
	C_PARAMS,	/* reading PARAMS */
	C_STDIN,	/* reading the body */
	C_RUNNING,	/* a handler owns the response */
	C_DRAIN		/* answered: read what is left, then close */
};

struct conn {
	struct rv_sink		 sink;		/* first: the request's sink */
	int			 fd;
	struct rv_server	*srv;
	enum conn_state		 state;
	unsigned		 reqid;
	int			 keep;		/* FCGI_KEEP_CONN */
	struct rv_buf		 rbuf;		/* bytes not yet parsed */
	struct rv_buf		 params;
	struct rv_buf		 body;
	int			 params_big;	/* over max_params */
	int			 body_big;	/* over max_body */
	struct rv_req		*rq;
	atomic_int		 gone;		/* client left or aborted */
	int			 ended;		/* END_REQUEST sent */
	int			 cut;		/* response cut: close only */
	int			 in_epoll;
	int64_t			 deadline;	/* ms, monotonic; 0: none */
	struct conn		*prev, *next;	/* every connection */
	struct conn		*done_next;	/* handler finished */
};

/* loop.c */
RV_HIDDEN int64_t now_ms(void);
/*
 * A handler finished with c, which it owned while it ran: close it, or
 * hand a kept connection back to the loop for its next request.
 */
RV_HIDDEN void	 conn_release(struct rv_server *, struct conn *);
RV_HIDDEN void	 log_access(const struct rv_req *);

/* pool.c */
struct pool;
RV_HIDDEN struct pool *pool_new(struct rv_server *);
/* Run c's request on a handler thread; RV_ETOOBIG if all are busy. */
RV_HIDDEN int	 pool_submit(struct pool *, struct conn *);
/* Wait up to ms for running handlers; RV_OK if none is left. */
RV_HIDDEN int	 pool_drain(struct pool *, unsigned long ms);
RV_HIDDEN void	 pool_free(struct pool *);
RV_HIDDEN unsigned pool_busy(struct pool *);

#endif
