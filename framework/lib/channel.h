/*
 * channel.h: the embedded channel hub.  Never installed.
 *
 * Publishers (any thread) append to a channel's bounded history under
 * the hub's mutex and queue the message for delivery; the event loop
 * delivers.  A subscription lives in one of three places:
 *
 *   pending   rv_subscribe() made it in a handler thread; the loop has
 *             not seen it yet (hub->pending).
 *   handler   on its channel's list, the handler still runs: messages
 *             go to its inbox (under the mutex) and an eventfd wakes
 *             the handler's waits, which write them.
 *   loop      the handler returned: the loop owns the connection and
 *             writes messages itself.  No thread waits for it.
 *
 * A channel's subscriber list and everything of a loop-mode sub belong
 * to the loop thread alone; the inbox and the dead flag to the mutex.
 */
#ifndef RV_CHANNEL_H
#define RV_CHANNEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct conn;

/* One published item: shared by the history and every inbox. */
struct chmsg {
	atomic_uint	 refs;
	uint64_t	 ms, seq;	/* the id: "<ms>-<seq>" */
	int64_t		 born;		/* monotonic ms, for the age bound */
	char		 id[44];
	char		*event;		/* NULL: none */
	size_t		 len;
	unsigned char	 data[];	/* one MessagePack value */
};

enum sub_where {
	SUB_PENDING,
	SUB_HANDLER,
	SUB_LOOP
};

struct channel;

struct sub {
	struct hub	*hub;
	struct channel	*ch;
	struct conn	*c;
	struct rv_stream *s;
	enum sub_where	 where;
	uint64_t	 last_ms, last_seq;	/* last id written */
	int		 resume;		/* a Last-Event-ID came */
	int		 evfd;			/* handler mode: wake */
	/* Under hub->mu: */
	int		 dead;			/* the handler gave it up */
	struct chmsg	**inbox;
	size_t		 ninbox, capinbox;
	int		 inbox_full;		/* items were dropped */
	/* The loop's: */
	unsigned long	 skipped;		/* slow: items not sent */
	int		 lagging;
	struct sub	*prev, *next;		/* channel list */
	struct sub	*qnext;			/* pending / cancelled */
};

struct hub_stats {
	unsigned long	 channels, subscribers, published, delivered;
	unsigned long	 dropped_slow, skipped_slow, gaps;
};

struct hub;

RV_HIDDEN struct hub *hub_new(struct rv_server *);
RV_HIDDEN void	 hub_free(struct hub *);
/* Handler thread: subscribe s; RV_EBUSY over a limit. */
RV_HIDDEN int	 hub_subscribe(struct hub *, struct rv_stream *,
		    const char *channel, const char *topic,
		    const char *last_id);
/* Handler thread: the handler ended without handing s over. */
RV_HIDDEN void	 hub_cancel(struct sub *);
/* Handler thread: write what the inbox holds into s (handler mode). */
RV_HIDDEN int	 hub_drain_inbox(struct sub *);
/* Loop: register new subscriptions, free cancelled ones, deliver. */
RV_HIDDEN void	 hub_run(struct hub *);
/* Loop: the handler returned, the loop owns sub->c now. */
RV_HIDDEN int	 hub_adopt(struct hub *, struct sub *);
/* Loop: the subscriber is leaving (gone, slow, stopping): free sub. */
RV_HIDDEN void	 hub_unsubscribe(struct hub *, struct sub *);
RV_HIDDEN void	 hub_stats(struct hub *, struct hub_stats *);
/* Loop, at the end of serving: a line on fan-out times and losses. */
RV_HIDDEN void	 hub_log_stats(struct hub *);

/* Messages and ids, for the backends. */
RV_HIDDEN struct chmsg *chmsg_new(const char *event, const void *, size_t);
RV_HIDDEN void	 chmsg_unref(struct chmsg *);
RV_HIDDEN void	 chmsg_set_id(struct chmsg *, uint64_t ms, uint64_t seq);
RV_HIDDEN int	 chid_parse(const char *, uint64_t *ms, uint64_t *seq);
RV_HIDDEN int	 chid_cmp(uint64_t, uint64_t, uint64_t, uint64_t);

/* Serving starts: the backend's reader, if any. */
RV_HIDDEN int	 hub_start(struct hub *);

/* For a backend's reader: the channels with subscribers here. */
struct hub_cursor {
	char		*key;		/* "rivulet:" name 0x1f topic */
	size_t		 keylen;
	uint64_t	 ms, seq;	/* the newest id seen */
};
RV_HIDDEN int	 hub_cursors(struct hub *, struct hub_cursor **, size_t *);
/* An item read from the backend (key: name 0x1f topic). */
RV_HIDDEN void	 hub_inject(struct hub *, const char *key, size_t keylen,
		    struct chmsg *);
/* Tell every subscriber: an event "reset" {"reason": reason}. */
RV_HIDDEN void	 hub_signal(struct hub *, const char *reason);

/* chan_redis.c */
struct redis;
struct redis_prep {
	uint64_t	 cur_ms, cur_seq;	/* the stream's newest id */
	struct chmsg	**items;		/* after last_id, in order */
	size_t		 n;
	int		 gap;			/* some are gone */
};
RV_HIDDEN int	 redis_open(struct hub *, const char *url, struct redis **);
RV_HIDDEN int	 redis_start(struct redis *);
RV_HIDDEN void	 redis_close(struct redis *);
RV_HIDDEN int	 redis_publish(struct redis *, const char *name,
		    const char *topic, const char *event, const void *, size_t,
		    size_t maxlen, char *idbuf, size_t idlen);
RV_HIDDEN int	 redis_prepare(struct redis *, const char *name,
		    const char *topic, const char *last_id, size_t max,
		    struct redis_prep *);

/* chan_shm.c: the workers' shared log (keys: name 0x1f topic) */
#define CH_KEY_MAX	202
#define SHM_WORKERS	64
struct shm_att;
#define LAST_WORDS	160
struct shm_worker {
	atomic_int	 pid;		/* 0: free */
	atomic_ulong	 requests, active, bytes, errors;
	atomic_int	 draining;	/* stopped accepting: status.c */
	/* Why it ended, written as it dies (crash.c), read by the master. */
	char		 last_words[LAST_WORDS];
};
/*
 * Per-route figures every worker adds to (status.c), keyed by "METHOD
 * pattern": counts survive a worker's restart, and any worker shows
 * them all.
 */
#define SHM_ROUTES	256
#define SHM_ROUTE_KEY	96
#define SHM_BUCKETS	10
struct shm_route {
	atomic_uint	 state;		/* 0 free, 1 being claimed, 2 ready */
	char		 key[SHM_ROUTE_KEY];
	atomic_ulong	 n, ms_sum, hist[SHM_BUCKETS];
};
struct shm_totals {
	atomic_ulong	 by_class[6], gone, hung;
};
RV_HIDDEN struct shm_route *shm_route(struct shm_att *, const char *method,
		    const char *pattern);
RV_HIDDEN struct shm_totals *shm_totals(struct shm_att *);
/* rv_server_lease(): one worker of many does a job (a producer). */
#define SHM_LEASES	16
struct shm_lease {
	int		 pid;
	char		 name[48];
};
RV_HIDDEN int	 shm_lease(struct shm_att *, const char *name);
RV_HIDDEN struct shm_worker *shm_slot(struct shm_att *);
RV_HIDDEN struct shm_att *hub_shared(struct hub *);
RV_HIDDEN struct shm_worker *shm_workers(struct shm_att *,
		    unsigned long *restarts);
struct shm_att;
RV_HIDDEN int	 shm_attach(struct hub *, struct rv_shared *,
		    struct shm_att **);
RV_HIDDEN int	 shm_start(struct shm_att *);
RV_HIDDEN void	 shm_close(struct shm_att *);
RV_HIDDEN int	 shm_publish(struct shm_att *, const char *key, size_t keylen,
		    const char *event, const void *, size_t, char *idbuf,
		    size_t idlen);
RV_HIDDEN int	 shm_prepare(struct shm_att *, const char *key, size_t keylen,
		    const char *last_id, size_t max, struct redis_prep *);

/* loop.c, for the hub: a loop-mode subscriber must end. */
RV_HIDDEN void	 loop_sub_end(struct rv_server *, struct conn *);
/* loop.c: a loop-mode subscriber wrote: re-arm its heartbeat, watch. */
RV_HIDDEN void	 loop_sub_wrote(struct rv_server *, struct conn *);
/* Around a fan-out: the subscribers' sends go out together at its end. */
RV_HIDDEN void	 loop_batch_begin(struct rv_server *);
RV_HIDDEN void	 loop_batch_end(struct rv_server *);
/* loop.c: wake the loop (any thread). */
RV_HIDDEN void	 loop_wake(struct rv_server *);

#endif
