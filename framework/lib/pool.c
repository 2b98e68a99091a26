/*
 * pool.c: the threads that lead the event loop in turn, made when
 * the loop needs one and none is idle, let go after IDLE_EXIT_S idle
 * (beyond KEEP_THREADS).  A thread takes a lead job (pool_lead) and
 * runs the loop, and the requests it completes (pool_run_inline: the
 * handler, whatever the handler left of the response, the access
 * line, then the connection goes back to the loop or is closed), until
 * a handler keeps it (lead.c); then another thread leads, and this one
 * comes back when its handler returns.  A burst of short requests
 * (thousands of clients subscribing at once) is so served by one
 * thread, and a request is never stuck behind streams that do not
 * end.  max_handlers counts handlers running or waiting: past it the
 * loop answers 503.
 *
 * Threads are joinable and always joined (an idle one that leaves is
 * joined by the next pool_tick() or by pool_free), so that nothing of
 * the pool is freed under a thread that is still on its way out.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "conn.h"
#include "channel.h"

#define IDLE_EXIT_S	30
#define KEEP_THREADS	2

struct worker {
	struct pool	*p;
	pthread_t	 tid;
	struct worker	*next;		/* p->zombies once it left */
};

struct pool {
	struct rv_server	*srv;
	pthread_mutex_t		 mu;
	pthread_cond_t		 work;		/* a lead job, or stop */
	pthread_cond_t		 quiet;		/* a request done, or left */
	struct worker		*zombies;	/* left, not yet joined */
	unsigned		 threads;	/* started, not yet left */
	unsigned		 idle;		/* waiting for work */
	unsigned		 starting;	/* made, not yet waiting */
	unsigned		 busy;		/* requests queued + running */
	unsigned		 lead_wanted;	/* the loop, for a thread */
	struct conn		*running;	/* handlers not yet returned */
	unsigned		 hung;		/* of those, past handler_timeout */
	int			 stopping;
};

/* Signals are for the main thread (SIGPIPE is never needed: MSG_NOSIGNAL). */
void
async_signals(sigset_t *set)
{

	sigemptyset(set);
	sigaddset(set, SIGPIPE);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGALRM);
}

/*
 * A subscribed stream whose handler returned well: its head and items
 * go out now, then the loop holds it (no thread) for channel items.
 */
static int
handover(struct rv_server *srv, struct conn *c, int ret)
{
	struct rv_stream	*s = &c->rq->stream;

	if (ret != RV_OK || s->err != RV_OK || s->state == SS_CLOSED ||
	    s->in_item || atomic_load(&c->gone) ||
	    atomic_load(&srv->stopping) || rv_flush(s) != RV_OK)
		return 0;
	conn_adopt(srv, c);
	return 1;
}

/* Under p->mu: c's handler starts; the watchdog may look at it. */
static void
running(struct pool *p, struct conn *c)
{

	c->run_since = now_ms();
	c->hung = 0;
	atomic_store(&c->claim, CLAIM_NONE);
	c->rprev = NULL;
	if ((c->rnext = p->running) != NULL)
		c->rnext->rprev = c;
	p->running = c;
}

/* c's handler returned: off the watchdog's list before c can go. */
static void
unrun(struct pool *p, struct conn *c)
{

	pthread_mutex_lock(&p->mu);
	if (c->rprev != NULL)
		c->rprev->rnext = c->rnext;
	else
		p->running = c->rnext;
	if (c->rnext != NULL)
		c->rnext->rprev = c->rprev;
	c->rprev = c->rnext = NULL;
	if (c->hung)
		p->hung--;
	pthread_mutex_unlock(&p->mu);
}

static void
run(struct pool *p, struct conn *c)
{
	struct rv_server	*srv = p->srv;
	struct rv_req		*rq = c->rq;
	struct shm_worker	*w = shm_slot(hub_shared(srv->hub));
	int			 ret;

	atomic_fetch_add(&srv->n_active, 1);
	if (w != NULL)
		atomic_fetch_add(&w->active, 1);
	crash_route = rq->route;
	ret = route_run(rq);
	crash_route = NULL;
	unrun(p, c);
	if (rq->stream.sub != NULL && handover(srv, c, ret)) {
		atomic_fetch_sub(&srv->n_active, 1);
		if (w != NULL)
			atomic_fetch_sub(&w->active, 1);
		return;
	}
	stream_end_ret(&rq->stream, ret);
	if (ret != RV_OK && ret != RV_EGONE && ret != RV_ESHUTDOWN &&
	    ret != RV_ECLOSED)
		rv_log(rq, RV_LOG_WARN, "handler returned: %s",
		    rv_strerror((enum rv_err)ret));
	/* A client that left unseen by the stream counts too. */
	if (atomic_load(&c->gone) && !rq->stream.gone_counted) {
		rq->stream.gone_counted = 1;
		atomic_fetch_add(&srv->n_gone, 1);
	}
	if (!c->hung)	/* else conn_hung() logged its 504 */
		log_access(rq);
	req_free(rq);
	free(rq);
	c->rq = NULL;
	atomic_fetch_sub(&srv->n_active, 1);
	if (w != NULL)
		atomic_fetch_sub(&w->active, 1);
	conn_release(srv, c);
}

/* Under p->mu: leave the pool's count; the joiner frees w. */
static void
leave(struct pool *p, struct worker *w)
{

	p->threads--;
	w->next = p->zombies;
	p->zombies = w;
	pthread_cond_broadcast(&p->quiet);
}

/* Under p->mu: wait for the loop to lead; 0 when this thread should leave. */
static int
wait_work(struct pool *p)
{
	struct timespec	 ts;
	int		 rc;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += IDLE_EXIT_S;
		rc = 0;
		while (p->lead_wanted == 0 && !p->stopping &&
		    rc != ETIMEDOUT) {
			p->idle++;
			rc = pthread_cond_timedwait(&p->work, &p->mu, &ts);
			p->idle--;
		}
		if (p->lead_wanted > 0 && !p->stopping)
			return 1;
		/* Idle too long: leave, unless among the few kept. */
		if (p->stopping || p->threads > KEEP_THREADS)
			return 0;
	}
}

static void *
worker(void *arg)
{
	struct worker	*w = arg;
	struct pool	*p = w->p;
	sigset_t	 set;

	async_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_mutex_lock(&p->mu);
	p->starting--;
	while (wait_work(p)) {
		p->lead_wanted--;
		pthread_mutex_unlock(&p->mu);
		loop_follow(p->srv);
		pthread_mutex_lock(&p->mu);
	}
	leave(p, w);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct pool *
pool_new(struct rv_server *srv)
{
	struct pool		*p;
	pthread_condattr_t	 ca;
	int			 ok;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->srv = srv;
	if (pthread_condattr_init(&ca) != 0) {
		free(p);
		return NULL;
	}
	/* Idle timeouts must not jump with the wall clock. */
	ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0;
	if (ok && pthread_mutex_init(&p->mu, NULL) != 0)
		ok = 0;
	else if (ok && pthread_cond_init(&p->work, &ca) != 0) {
		pthread_mutex_destroy(&p->mu);
		ok = 0;
	} else if (ok && pthread_cond_init(&p->quiet, &ca) != 0) {
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->mu);
		ok = 0;
	}
	pthread_condattr_destroy(&ca);
	if (!ok) {
		free(p);
		return NULL;
	}
	return p;
}

/* Join threads taken off p->zombies: they are past their use of p. */
static void
join_all(struct worker *w)
{
	struct worker	*next;

	for (; w != NULL; w = next) {
		next = w->next;
		pthread_join(w->tid, NULL);
		free(w);
	}
}

/* Under p->mu: one more thread. */
static int
spawn(struct pool *p)
{
	struct worker	*w;
	pthread_attr_t	 a;
	sigset_t	 set, old;
	int		 rc;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return RV_ENOMEM;
	w->p = p;
	if (pthread_attr_init(&a) != 0) {
		free(w);
		return RV_ENOMEM;
	}
	if (p->srv->lim.thread_stack > 0 &&
	    pthread_attr_setstacksize(&a, p->srv->lim.thread_stack) != 0)
		logx(RV_LOG_WARN, "thread_stack %zu refused: the default is "
		    "used", p->srv->lim.thread_stack);
	/* Born with signals blocked: none lands before it masks them. */
	async_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	rc = pthread_create(&w->tid, &a, worker, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&a);
	if (rc != 0) {
		logx(RV_LOG_WARN, "pthread_create: %s", strerror(rc));
		free(w);
		return RV_ENOMEM;
	}
	p->threads++;
	p->starting++;
	return RV_OK;
}

/*
 * A request the loop's leader runs now: counted busy until it is done
 * (a stop waits for it); RV_ETOOBIG past max_handlers, or stopping.
 */
int
pool_reserve(struct pool *p)
{
	int	 rc = RV_OK;

	pthread_mutex_lock(&p->mu);
	if (p->stopping || p->busy >= p->srv->lim.max_handlers)
		rc = RV_ETOOBIG;
	else
		p->busy++;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void
pool_run_inline(struct pool *p, struct conn *c)
{

	pthread_mutex_lock(&p->mu);
	running(p, c);
	pthread_mutex_unlock(&p->mu);
	run(p, c);
	pthread_mutex_lock(&p->mu);
	p->busy--;
	pthread_cond_broadcast(&p->quiet);
	pthread_mutex_unlock(&p->mu);
}

/*
 * The loop for a pool thread to lead: an idle one, or a new one even
 * past max_handlers (the loop is no handler).  If none can be made,
 * the next thread to come free takes it.
 */
int
pool_lead(struct pool *p)
{
	int	 rc = RV_OK;

	pthread_mutex_lock(&p->mu);
	p->lead_wanted++;
	if (p->idle + p->starting < p->lead_wanted)
		rc = spawn(p);
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

int
pool_lead_cancel(struct pool *p)
{
	int	 taken = 0;

	pthread_mutex_lock(&p->mu);
	if (p->lead_wanted > 0) {
		p->lead_wanted--;
		taken = 1;
	}
	pthread_mutex_unlock(&p->mu);
	return taken;
}

/*
 * Under p->mu: handlers past handler_timeout that sent nothing and wait
 * on nothing are hung: the claim on their response makes their own
 * writes fail, and conn_hung() answers 504.  The ms until the next
 * look, or -1.
 */
static int
watch_hung(struct pool *p, int64_t t)
{
	int64_t		 lim = (int64_t)p->srv->lim.handler_timeout_ms, d;
	int64_t		 next = -1;
	struct conn	*c;
	int		 none;

	if (lim <= 0)
		return -1;
	for (c = p->running; c != NULL; c = c->rnext) {
		if (c->hung || atomic_load(&c->claim) != CLAIM_NONE)
			continue;	/* answered or answering */
		if ((d = c->run_since + lim - t) > 0 ||
		    atomic_load(&c->waiting) > 0) {
			/* A waiting one is looked at again in a second. */
			d = d > 0 ? d : 1000;
			next = next < 0 || d < next ? d : next;
			continue;
		}
		none = CLAIM_NONE;
		if (!atomic_compare_exchange_strong(&c->claim, &none,
		    CLAIM_WATCHDOG))
			continue;
		c->hung = 1;
		p->hung++;
		conn_hung(p->srv, c, t - c->run_since);
	}
	return next > INT32_MAX ? INT32_MAX : (int)next;
}

int
pool_tick(struct pool *p)
{
	struct worker	*left;
	int		 next;

	pthread_mutex_lock(&p->mu);
	left = p->zombies;
	p->zombies = NULL;
	next = watch_hung(p, now_ms());
	pthread_mutex_unlock(&p->mu);
	join_all(left);
	return next;
}

unsigned
pool_busy(struct pool *p, unsigned *hung)
{
	unsigned	 n;

	pthread_mutex_lock(&p->mu);
	n = p->busy;
	if (hung != NULL)
		*hung = p->hung;
	pthread_mutex_unlock(&p->mu);
	return n;
}

int
pool_free(struct pool *p)
{

	if (p == NULL)
		return RV_OK;
	pthread_mutex_lock(&p->mu);
	if (p->busy > 0) {
		/* Handlers still run on it: it must outlive them. */
		pthread_mutex_unlock(&p->mu);
		return RV_ESTATE;
	}
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	while (p->threads > 0)
		pthread_cond_wait(&p->quiet, &p->mu);
	pthread_mutex_unlock(&p->mu);
	join_all(p->zombies);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->quiet);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return RV_OK;
}
