/*
 * live.c: one producer for every client.  The guides' dashboard and
 * stock ticker, asked for without ?interval_ms=, subscribe to channels
 * that a single thread of this module publishes to once a second:
 *
 *   "dashboard" / "metrics"	event "metrics", the host's numbers
 *   "stocks" / SYMBOL		event "price-update", when it moved
 *
 * so every client sees the same items with the same ids, and one that
 * reconnects with Last-Event-ID gets what it missed.  With several
 * workers, the one that holds the "demo-live" lease publishes.  The thread starts
 * with the first such subscriber and stops when the module is unloaded.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "demo.h"

#define TICK_MS	1000

static pthread_mutex_t	 mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 cv = PTHREAD_COND_INITIALIZER;
static pthread_t	 producer;
static int		 running, stopping;
static struct rv_server	*server;

static void *
produce(void *arg)
{
	struct demo_market	*mk = demo_market_new();
	struct demo_cpu		 cpu = { 0, 0 };
	struct timespec		 ts;

	(void)arg;
	pthread_mutex_lock(&mu);
	while (!stopping) {
		pthread_mutex_unlock(&mu);
		/* With workers, one of them publishes for all. */
		if (rv_server_lease(server, "demo-live")) {
			demo_publish_metrics(server, &cpu);
			if (mk != NULL)
				demo_market_tick(mk, server);
		}
		pthread_mutex_lock(&mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += TICK_MS / 1000;
		while (!stopping &&
		    pthread_cond_timedwait(&cv, &mu, &ts) != ETIMEDOUT)
			continue;
	}
	pthread_mutex_unlock(&mu);
	demo_market_free(mk);
	return NULL;
}

int
demo_live_start(struct rv_req *rq)
{
	int	 rc = RV_OK;

	pthread_mutex_lock(&mu);
	if (!running) {
		server = rv_req_server(rq);
		stopping = 0;
		if (pthread_create(&producer, NULL, produce, NULL) == 0)
			running = 1;
		else
			rc = RV_ENOMEM;
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

void
demo_live_stop(void *data)
{

	(void)data;
	pthread_mutex_lock(&mu);
	if (!running) {
		pthread_mutex_unlock(&mu);
		return;
	}
	stopping = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(producer, NULL);
	pthread_mutex_lock(&mu);
	running = 0;
	server = NULL;
	pthread_mutex_unlock(&mu);
}
