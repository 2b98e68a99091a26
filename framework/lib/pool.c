/*
 * pool.c: handler threads, made on demand up to max_handlers and let
 * go after a while idle.  A thread runs one request at a time: the
 * handler, then whatever the handler left of the response.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "conn.h"

#define IDLE_EXIT_S	30
#define KEEP_THREADS	2

struct pool {
	struct rv_server	*srv;
	pthread_mutex_t		 mu;
	pthread_cond_t		 work;		/* a job was queued */
	pthread_cond_t		 quiet;		/* a job finished */
	struct conn		*head, *tail;	/* queued jobs */
	unsigned		 threads;
	unsigned		 idle;		/* waiting for work */
	unsigned		 queued;	/* jobs not yet taken */
	unsigned		 busy;		/* queued + running */
	int			 stopping;
};

static void
run(struct pool *p, struct conn *c)
{
	struct rv_req	*rq = c->rq;
	int		 ret;

	atomic_fetch_add(&p->srv->n_active, 1);
	ret = rq->route->handler(rq);
	stream_end_ret(&rq->stream, ret);
	if (ret != RV_OK && ret != RV_EGONE && ret != RV_ESHUTDOWN &&
	    ret != RV_ECLOSED)
		rv_log(rq, RV_LOG_WARN, "handler returned: %s",
		    rv_strerror((enum rv_err)ret));
	log_access(rq);
	atomic_fetch_sub(&p->srv->n_active, 1);
	conn_release(p->srv, c);
}

static void *
worker(void *arg)
{
	struct pool	*p = arg;
	struct conn	*c;
	struct timespec	 ts;
	sigset_t	 all;

	/* Signals are for the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->head == NULL && !p->stopping) {
			p->idle++;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += IDLE_EXIT_S;
			if (pthread_cond_timedwait(&p->work, &p->mu, &ts) ==
			    ETIMEDOUT && p->head == NULL &&
			    p->threads > KEEP_THREADS) {
				p->idle--;
				goto out;
			}
			p->idle--;
		}
		if (p->head == NULL)
			break;
		c = p->head;
		if ((p->head = c->done_next) == NULL)
			p->tail = NULL;
		p->queued--;
		c->done_next = NULL;
		pthread_mutex_unlock(&p->mu);
		run(p, c);
		pthread_mutex_lock(&p->mu);
		p->busy--;
		pthread_cond_broadcast(&p->quiet);
	}
out:
	p->threads--;
	pthread_cond_broadcast(&p->quiet);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct pool *
pool_new(struct rv_server *srv)
{
	struct pool	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->srv = srv;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->quiet, NULL);
	return p;
}

static int
spawn(struct pool *p)
{
	pthread_attr_t	 a;
	pthread_t	 t;
	int		 rc;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (p->srv->lim.thread_stack > 0)
		pthread_attr_setstacksize(&a, p->srv->lim.thread_stack);
	rc = pthread_create(&t, &a, worker, p);
	pthread_attr_destroy(&a);
	if (rc != 0)
		return RV_ENOMEM;
	p->threads++;
	return RV_OK;
}

int
pool_submit(struct pool *p, struct conn *c)
{
	int	 rc = RV_OK;

	pthread_mutex_lock(&p->mu);
	/* Every thread busy and none may be added: refuse, do not queue. */
	if (p->busy >= p->srv->lim.max_handlers) {
		pthread_mutex_unlock(&p->mu);
		return RV_ETOOBIG;
	}
	/*
	 * A thread counted idle may already be promised to an earlier
	 * job it has not woken up for: compare jobs waiting with threads
	 * waiting, or a job could sit behind a stream that never ends.
	 */
	if (p->idle <= p->queued && p->threads < p->srv->lim.max_handlers)
		rc = spawn(p);
	if (rc != RV_OK && p->idle <= p->queued) {
		pthread_mutex_unlock(&p->mu);
		return rc;
	}
	c->done_next = NULL;
	if (p->tail != NULL)
		p->tail->done_next = c;
	else
		p->head = c;
	p->tail = c;
	p->queued++;
	p->busy++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return RV_OK;
}

unsigned
pool_busy(struct pool *p)
{
	unsigned	 n;

	pthread_mutex_lock(&p->mu);
	n = p->busy;
	pthread_mutex_unlock(&p->mu);
	return n;
}

int
pool_drain(struct pool *p, unsigned long ms)
{
	struct timespec	 ts;
	int		 rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&p->mu);
	if (p->busy > 0)
		pthread_cond_timedwait(&p->quiet, &p->mu, &ts);
	rc = p->busy == 0 ? RV_OK : RV_EIO;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* Idle threads leave; a pool with threads still running is kept. */
void
pool_free(struct pool *p)
{
	struct timespec	 ts;

	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 2;
	while (p->threads > 0 && p->busy == 0)
		if (pthread_cond_timedwait(&p->quiet, &p->mu, &ts) ==
		    ETIMEDOUT)
			break;
	if (p->threads > 0) {
		pthread_mutex_unlock(&p->mu);
		return;
	}
	pthread_mutex_unlock(&p->mu);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->quiet);
	free(p);
}
