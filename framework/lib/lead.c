/*
 * lead.c: which thread runs the event loop, and handlers run on it.
 *
 * Handing every request from the loop's thread to a handler thread
 * costs two context switches, more than a short handler itself.  So
 * the thread that leads the loop runs the requests it completes
 * itself, one after the other, and gives the loop away (to a pool
 * thread: pool_lead) only when a handler would make it wait: before
 * the handler blocks (a wait, a write the peer is not reading, a body
 * not yet there), or once it has kept the loop for LEAD_BUDGET_NS.
 * A handler that blocks outside rivulet (a database, sleep(3)) or
 * computes for long is caught by a watchdog thread, armed while
 * handlers run inline, which gives the loop away for it.
 *
 * State, one word: the number of the leader's current inline run and
 * LEAD_IDLE (the leader runs the loop), LEAD_INLINE (it runs a handler
 * and may still take the loop back) or LEAD_GIVEN (the loop went to a
 * pool thread).  The one CAS from a run's LEAD_INLINE to its LEAD_GIVEN
 * decides, whoever makes it: the handler's thread at a wait, or the
 * watchdog.  A thread whose run was given away finds another number
 * or LEAD_GIVEN when its handler returns, and leads no more, unless it
 * takes back the lead job no pool thread has taken yet.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "conn.h"

#define LEAD_BUDGET_NS	(5 * 1000000LL)		/* a handler may keep it */
#define LEAD_TICK_NS	(5 * 1000000L)		/* the watchdog looks */
#define LEAD_REST_NS	(1000 * 1000000LL)	/* no handler: it sleeps */

enum { LEAD_IDLE, LEAD_INLINE, LEAD_GIVEN };

#define WORD(run, st)	((run) << 2 | (uint64_t)(st))

struct lead {
	struct pool	*pool;
	_Atomic uint64_t word;		/* WORD(run, state) */
	uint64_t	 run;		/* the leader's: its last run */
	atomic_llong	 since;		/* ns: that run began */
	pthread_mutex_t	 mu;		/* the watchdog's: */
	pthread_cond_t	 cv;
	atomic_int	 armed;		/* it looks every LEAD_TICK_NS */
	int		 started, quit;
	pthread_t	 watch;
};

/* The run this thread may still give away, while its handler runs. */
static _Thread_local struct lead *tl_lead;
static _Thread_local uint64_t tl_run;

static int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Whoever wins the CAS gives the loop to a pool thread. */
static void
give_away(struct lead *ld, uint64_t run)
{
	uint64_t	 inl = WORD(run, LEAD_INLINE);

	if (atomic_compare_exchange_strong(&ld->word, &inl,
	    WORD(run, LEAD_GIVEN)))
		pool_lead(ld->pool);
}

static void *
watchdog(void *arg)
{
	struct lead	*ld = arg;
	struct timespec	 tick = { 0, LEAD_TICK_NS };
	uint64_t	 w;
	int64_t		 held;

	/* Born with the async signals blocked (arm()). */
	pthread_mutex_lock(&ld->mu);
	while (!ld->quit) {
		if (!atomic_load(&ld->armed)) {
			pthread_cond_wait(&ld->cv, &ld->mu);
			continue;
		}
		pthread_mutex_unlock(&ld->mu);
		nanosleep(&tick, NULL);
		w = atomic_load(&ld->word);
		held = now_ns() - atomic_load(&ld->since);
		if ((w & 3) == LEAD_INLINE && held >= LEAD_BUDGET_NS)
			give_away(ld, w >> 2);
		pthread_mutex_lock(&ld->mu);
		/* Quiet for a while: sleep until the next inline handler. */
		if ((w & 3) != LEAD_INLINE && held >= LEAD_REST_NS) {
			atomic_store(&ld->armed, 0);
			/* A handler that began meanwhile saw it armed. */
			if (now_ns() - atomic_load(&ld->since) < LEAD_REST_NS)
				atomic_store(&ld->armed, 1);
		}
	}
	pthread_mutex_unlock(&ld->mu);
	return NULL;
}

struct lead *
lead_new(struct pool *p)
{
	struct lead	*ld;

	if ((ld = calloc(1, sizeof(*ld))) == NULL)
		return NULL;
	ld->pool = p;
	if (pthread_mutex_init(&ld->mu, NULL) != 0) {
		free(ld);
		return NULL;
	}
	if (pthread_cond_init(&ld->cv, NULL) != 0) {
		pthread_mutex_destroy(&ld->mu);
		free(ld);
		return NULL;
	}
	return ld;
}

void
lead_free(struct lead *ld)
{

	if (ld == NULL)
		return;
	pthread_mutex_lock(&ld->mu);
	ld->quit = 1;
	pthread_cond_signal(&ld->cv);
	pthread_mutex_unlock(&ld->mu);
	if (ld->started)
		pthread_join(ld->watch, NULL);
	pthread_cond_destroy(&ld->cv);
	pthread_mutex_destroy(&ld->mu);
	free(ld);
}

/*
 * Arm the watchdog, made on first use.  Without it (no thread to be
 * had), handlers still give the loop away at their waits.
 */
static void
arm(struct lead *ld)
{
	sigset_t	 set, old;
	int		 rc = 0;

	pthread_mutex_lock(&ld->mu);
	if (!ld->started) {
		async_signals(&set);
		pthread_sigmask(SIG_BLOCK, &set, &old);
		rc = pthread_create(&ld->watch, NULL, watchdog, ld);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		ld->started = rc == 0;
		if (rc != 0)
			logx(RV_LOG_WARN, "inline handlers: no watchdog "
			    "thread: %s", strerror(rc));
	}
	atomic_store(&ld->armed, 1);
	pthread_cond_signal(&ld->cv);
	pthread_mutex_unlock(&ld->mu);
}

uint64_t
lead_inline_begin(struct lead *ld)
{

	atomic_store(&ld->since, now_ns());
	if (!atomic_load(&ld->armed))
		arm(ld);
	tl_run = ++ld->run;
	atomic_store(&ld->word, WORD(tl_run, LEAD_INLINE));
	tl_lead = ld;
	return tl_run;
}

int
lead_inline_end(struct lead *ld, uint64_t run)
{
	uint64_t	 inl = WORD(run, LEAD_INLINE);

	tl_lead = NULL;
	if (atomic_compare_exchange_strong(&ld->word, &inl,
	    WORD(run, LEAD_IDLE)))
		return 1;
	/*
	 * Given away.  A lead job no thread has taken yet (ours, or a
	 * later leader's) is the loop itself: this thread takes it.
	 */
	if (pool_lead_cancel(ld->pool)) {
		atomic_store(&ld->word, WORD(ld->run, LEAD_IDLE));
		return 1;
	}
	return 0;
}

void
lead_yield(void)
{
	struct lead	*ld = tl_lead;

	if (ld == NULL)
		return;
	tl_lead = NULL;
	give_away(ld, tl_run);
}

void
lead_check(void)
{
	struct lead	*ld = tl_lead;

	if (ld != NULL && now_ns() - atomic_load(&ld->since) >= LEAD_BUDGET_NS)
		lead_yield();
}
