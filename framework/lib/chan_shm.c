/*
 * chan_shm.c: embedded channels across the worker processes of one
 * instance, and across their restarts and reloads.
 *
 * The supervisor maps one shared log (rv_shared_new()) before it forks
 * any worker; it outlives every worker.  The log is a ring of records
 * {id, channel, event, MessagePack value} under a process-shared robust
 * mutex: publishing appends (ids "<ms>-<seq>", monotonic for the whole
 * log, hence per channel) and wakes a futex; in each worker one reader
 * thread follows the log and hands the records of the channels it has
 * subscribers for to the hub, as the Redis reader does.  A client that
 * resumes is replayed from the log itself, so it may come back to any
 * worker, or to a worker started after a crash or a reload.
 *
 * Records never wrap: one that does not fit before the end of the ring
 * is preceded by a pad record.  The oldest records are dropped to make
 * room; a slot table remembers, per hash of channel, the newest id
 * dropped, so that a resuming client is told of a gap (conservatively:
 * two channels may share a slot).
 */
#include <sys/mman.h>
#include <sys/syscall.h>

#include <linux/futex.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "channel.h"

#define SHM_MAGIC	0x72766c67u	/* "rvlg" */
#define SHM_SLOTS	256
#define SHM_MIN		(64 * 1024)
#define SHM_WAIT_MS	200
#define READ_BATCH	1024

struct shm_hdr {
	uint32_t	 magic;
	pthread_mutex_t	 mu;
	uint64_t	 size;		/* bytes of ring */
	uint64_t	 head, tail;	/* offsets, monotonic */
	uint64_t	 last_ms, last_seq;
	uint64_t	 lost_ms[SHM_SLOTS], lost_seq[SHM_SLOTS];
	atomic_uint	 futex;		/* bumped at each append */
	/* For the status route: every worker's totals, the restarts. */
	struct shm_worker workers[SHM_WORKERS];
	atomic_ulong	 restarts;
	struct shm_totals totals;
	struct shm_route routes[SHM_ROUTES];
	struct shm_lease leases[SHM_LEASES];	/* under mu */
	_Alignas(32) unsigned char ring[];
};

/*
 * A record: the header, then key, event, data, in multiples of REC_UNIT
 * (the header's size), so that the space left before the end of the
 * ring always holds at least a pad record's header.
 */
#define REC_UNIT	32
struct shm_rec {
	uint32_t	 len;		/* all of it; 0 keylen: a pad */
	uint32_t	 keylen, evlen, datalen;
	uint64_t	 ms, seq;
};

struct rv_shared {
	struct shm_hdr	*h;
	size_t		 maplen;
};

struct shm_att {
	struct rv_shared *sh;
	struct hub	*hub;
	struct shm_worker *slot;	/* this worker's totals, or NULL */
	uint64_t	 cursor;
	pthread_t	 th;
	int		 started;
	atomic_int	 stop;
};

_Static_assert(sizeof(struct shm_rec) == REC_UNIT, "a pad fits in a unit");

static uint32_t
slot_of(const char *key, size_t n)
{
	uint32_t	 h = 2166136261u;

	while (n-- > 0)
		h = (h ^ (unsigned char)*key++) * 16777619u;
	return h % SHM_SLOTS;
}

/* The mutex, made consistent if a worker died holding it. */
static void
shm_lock(struct shm_hdr *h)
{

	if (pthread_mutex_lock(&h->mu) == EOWNERDEAD)
		pthread_mutex_consistent(&h->mu);
}

static size_t
rec_len(size_t k, size_t e, size_t d)
{

	return (sizeof(struct shm_rec) + k + e + d + REC_UNIT - 1) &
	    ~(size_t)(REC_UNIT - 1);
}

static struct shm_rec *
rec_at(struct shm_hdr *h, uint64_t off)
{

	return (struct shm_rec *)(void *)(h->ring + off % h->size);
}

/* Under the lock: drop the oldest record, remembering its id. */
static void
drop_oldest(struct shm_hdr *h)
{
	struct shm_rec	*r = rec_at(h, h->tail);
	uint32_t	 s;

	if (r->keylen > 0) {
		s = slot_of((const char *)(r + 1), r->keylen);
		if (chid_cmp(r->ms, r->seq, h->lost_ms[s], h->lost_seq[s]) > 0) {
			h->lost_ms[s] = r->ms;
			h->lost_seq[s] = r->seq;
		}
	}
	h->tail += r->len;
}

/* Under the lock: room for len bytes at head, not across the end. */
static void
make_room(struct shm_hdr *h, size_t len)
{
	uint64_t	 pos = h->head % h->size;
	struct shm_rec	*pad;

	if (pos + len > h->size) {
		while (h->head + (h->size - pos) - h->tail > h->size)
			drop_oldest(h);
		pad = rec_at(h, h->head);
		memset(pad, 0, sizeof(*pad));
		pad->len = (uint32_t)(h->size - pos);
		h->head += h->size - pos;
	}
	while (h->head + len - h->tail > h->size)
		drop_oldest(h);
}

struct rv_shared *
rv_shared_new(size_t bytes)
{
	struct rv_shared	*sh;
	pthread_mutexattr_t	 ma;
	size_t			 len;
	void			*p;

	if (bytes < SHM_MIN || bytes > (size_t)1 << 34)
		return NULL;
	bytes &= ~(size_t)(REC_UNIT - 1);
	len = sizeof(struct shm_hdr) + bytes;
	if ((sh = calloc(1, sizeof(*sh))) == NULL)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED) {
		free(sh);
		return NULL;
	}
	sh->h = p;
	sh->maplen = len;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	if (pthread_mutex_init(&sh->h->mu, &ma) != 0) {
		pthread_mutexattr_destroy(&ma);
		munmap(p, len);
		free(sh);
		return NULL;
	}
	pthread_mutexattr_destroy(&ma);
	sh->h->size = bytes;
	sh->h->magic = SHM_MAGIC;
	return sh;
}

void
rv_shared_free(struct rv_shared *sh)
{

	if (sh == NULL)
		return;
	munmap(sh->h, sh->maplen);
	free(sh);
}

int
shm_publish(struct shm_att *a, const char *key, size_t keylen,
    const char *event, const void *data, size_t len, char *idbuf,
    size_t idlen)
{
	struct shm_hdr	*h = a->sh->h;
	struct shm_rec	*r;
	struct timespec	 ts;
	size_t		 el = event != NULL ? strlen(event) : 0;
	size_t		 need = rec_len(keylen, el, len);
	uint64_t	 ms;
	unsigned char	*p;

	if (need > h->size / 4)
		return RV_ETOOBIG;
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	shm_lock(h);
	make_room(h, need);
	r = rec_at(h, h->head);
	r->len = (uint32_t)need;
	r->keylen = (uint32_t)keylen;
	r->evlen = (uint32_t)el;
	r->datalen = (uint32_t)len;
	if (ms > h->last_ms) {
		r->ms = ms;
		r->seq = 0;
	} else {
		r->ms = h->last_ms;
		r->seq = h->last_seq + 1;
	}
	h->last_ms = r->ms;
	h->last_seq = r->seq;
	p = (unsigned char *)(r + 1);
	memcpy(p, key, keylen);
	if (el > 0)
		memcpy(p + keylen, event, el);
	memcpy(p + keylen + el, data, len);
	h->head += need;
	if (idbuf != NULL && idlen > 0)
		snprintf(idbuf, idlen, "%" PRIu64 "-%" PRIu64, r->ms, r->seq);
	pthread_mutex_unlock(&h->mu);
	atomic_fetch_add(&h->futex, 1);
	syscall(SYS_futex, &h->futex, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	return RV_OK;
}

static struct chmsg *
rec_msg(const struct shm_rec *r)
{
	const char	*p = (const char *)(r + 1);
	char		 ev[256];
	struct chmsg	*m;

	if (r->evlen >= sizeof(ev))
		return NULL;
	memcpy(ev, p + r->keylen, r->evlen);
	ev[r->evlen] = '\0';
	if ((m = chmsg_new(r->evlen > 0 ? ev : NULL, p + r->keylen + r->evlen,
	    r->datalen)) != NULL)
		chmsg_set_id(m, r->ms, r->seq);
	return m;
}

/*
 * For a new subscriber (a handler's thread): the log's newest id, and
 * if it resumes from last, the channel's records after it and whether
 * some were dropped.
 */
int
shm_prepare(struct shm_att *a, const char *key, size_t keylen,
    const char *last, size_t max, struct redis_prep *p)
{
	struct shm_hdr	*h = a->sh->h;
	struct shm_rec	*r;
	struct chmsg	**v;
	uint64_t	 off, lms = 0, lseq = 0;
	uint32_t	 s = slot_of(key, keylen);
	size_t		 n = 0, cap = 0;

	memset(p, 0, sizeof(*p));
	if (last != NULL && chid_parse(last, &lms, &lseq) != 0)
		p->gap = 1;
	shm_lock(h);
	p->cur_ms = h->last_ms;
	p->cur_seq = h->last_seq;
	if (last != NULL && (chid_cmp(lms, lseq, h->lost_ms[s],
	    h->lost_seq[s]) < 0 || chid_cmp(lms, lseq, h->last_ms,
	    h->last_seq) > 0))
		p->gap = 1;
	for (off = h->tail; last != NULL && off < h->head; off += r->len) {
		r = rec_at(h, off);
		if (r->keylen != keylen ||
		    memcmp(r + 1, key, keylen) != 0 || (!p->gap &&
		    chid_cmp(r->ms, r->seq, lms, lseq) <= 0))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((v = reallocarray(p->items, cap, sizeof(*v))) == NULL)
				break;
			p->items = v;
		}
		if ((p->items[n] = rec_msg(r)) != NULL)
			n++;
	}
	pthread_mutex_unlock(&h->mu);
	/* At most max, the newest. */
	if (max > 0 && n > max) {
		for (off = 0; off < n - max; off++)
			chmsg_unref(p->items[off]);
		memmove(p->items, p->items + (n - max), max * sizeof(*p->items));
		n = max;
	}
	p->n = n;
	return RV_OK;
}

/* Copy out up to a batch of records after the cursor; the lock held. */
static size_t
take_batch(struct shm_att *a, struct chmsg **v, char (*keys)[CH_KEY_MAX],
    size_t *klen)
{
	struct shm_hdr	*h = a->sh->h;
	struct shm_rec	*r;
	size_t		 n = 0;

	shm_lock(h);
	if (a->cursor < h->tail)
		a->cursor = h->tail;	/* this worker fell behind the ring */
	while (a->cursor < h->head && n < READ_BATCH) {
		r = rec_at(h, a->cursor);
		a->cursor += r->len;
		if (r->keylen == 0 || r->keylen > CH_KEY_MAX)
			continue;
		if ((v[n] = rec_msg(r)) == NULL)
			continue;
		memcpy(keys[n], r + 1, r->keylen);
		klen[n++] = r->keylen;
	}
	pthread_mutex_unlock(&h->mu);
	return n;
}

static void *
reader(void *arg)
{
	struct shm_att	*a = arg;
	struct shm_hdr	*h = a->sh->h;
	struct chmsg	**v;
	char		(*keys)[CH_KEY_MAX];
	size_t		*klen, n, i;
	struct timespec	 tmo = { 0, SHM_WAIT_MS * 1000000L };
	unsigned	 seen;
	sigset_t	 all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	v = calloc(READ_BATCH, sizeof(*v));
	keys = calloc(READ_BATCH, sizeof(*keys));
	klen = calloc(READ_BATCH, sizeof(*klen));
	while (v != NULL && keys != NULL && klen != NULL &&
	    !atomic_load(&a->stop)) {
		seen = atomic_load(&h->futex);
		n = take_batch(a, v, keys, klen);
		for (i = 0; i < n; i++) {
			hub_inject(a->hub, keys[i], klen[i], v[i]);
			chmsg_unref(v[i]);
		}
		if (n == 0)
			syscall(SYS_futex, &h->futex, FUTEX_WAIT, seen, &tmo,
			    NULL, 0);
	}
	free(v);
	free(keys);
	free(klen);
	return NULL;
}

int
shm_attach(struct hub *hub, struct rv_shared *sh, struct shm_att **out)
{
	struct shm_att	*a;

	if (sh == NULL || sh->h->magic != SHM_MAGIC)
		return RV_EINVAL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return RV_ENOMEM;
	a->sh = sh;
	a->hub = hub;
	atomic_init(&a->stop, 0);
	/* Live from now: what came before is for replays. */
	shm_lock(sh->h);
	a->cursor = sh->h->head;
	pthread_mutex_unlock(&sh->h->mu);
	*out = a;
	return RV_OK;
}

/* This process's slot among the workers' totals: a free or dead one. */
static struct shm_worker *
claim_slot(struct shm_hdr *h)
{
	struct shm_worker	*w;
	int			 pid, me = (int)getpid();
	size_t			 i;

	for (i = 0; i < SHM_WORKERS; i++) {
		w = &h->workers[i];
		pid = atomic_load(&w->pid);
		if (pid == me)
			return w;
		if ((pid == 0 || (kill(pid, 0) != 0 && errno == ESRCH)) &&
		    atomic_compare_exchange_strong(&w->pid, &pid, me)) {
			atomic_store(&w->requests, 0);
			atomic_store(&w->active, 0);
			atomic_store(&w->draining, 0);
			atomic_store(&w->bytes, 0);
			atomic_store(&w->errors, 0);
			w->last_words[0] = '\0';
			return w;
		}
	}
	return NULL;
}

struct shm_worker *
shm_slot(struct shm_att *a)
{

	return a != NULL ? a->slot : NULL;
}

struct shm_worker *
shm_workers(struct shm_att *a, unsigned long *restarts)
{

	*restarts = atomic_load(&a->sh->h->restarts);
	return a->sh->h->workers;
}

void
rv_shared_count_restart(struct rv_shared *sh)
{

	if (sh != NULL)
		atomic_fetch_add(&sh->h->restarts, 1);
}

/*
 * The route's shared figures: found by key, or a free entry claimed.
 * A claim is a few stores long; one left half made by a worker that
 * died in between is passed over after a bounded wait.
 */
struct shm_route *
shm_route(struct shm_att *a, const char *method, const char *pattern)
{
	struct shm_route	*r;
	char			 key[SHM_ROUTE_KEY];
	unsigned		 st, spins;
	size_t			 i;
	int			 n;

	if (a == NULL)
		return NULL;
	n = snprintf(key, sizeof(key), "%s %s", method, pattern);
	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;	/* too long to share: this worker's alone */
	for (i = 0; i < SHM_ROUTES; i++) {
		r = &a->sh->h->routes[i];
		for (spins = 0; spins < 1000000; spins++) {
			st = atomic_load(&r->state);
			if (st == 0 && atomic_compare_exchange_strong(
			    &r->state, &st, 1)) {
				memcpy(r->key, key, (size_t)n + 1);
				atomic_store(&r->state, 2);
				return r;
			}
			if (st == 2)
				break;
		}
		if (st == 2 && strcmp(r->key, key) == 0)
			return r;
	}
	return NULL;
}

/*
 * The named lease: 1 if this process holds it now, 0 if a living one
 * does.  A holder that died (a crash, a drained worker gone) is taken
 * over; under the log's mutex, a lookup a second at most.
 */
int
shm_lease(struct shm_att *a, const char *name)
{
	struct shm_hdr		*h = a->sh->h;
	struct shm_lease	*l, *free_l = NULL;
	int			 me = (int)getpid(), held = 0;
	size_t			 i;

	if (strlen(name) >= sizeof(h->leases[0].name))
		return 0;
	shm_lock(h);
	for (i = 0; i < SHM_LEASES; i++) {
		l = &h->leases[i];
		if (l->name[0] == '\0') {
			if (free_l == NULL)
				free_l = l;
			continue;
		}
		if (strcmp(l->name, name) != 0)
			continue;
		if (l->pid != me && (l->pid == 0 ||
		    (kill(l->pid, 0) != 0 && errno == ESRCH)))
			l->pid = me;
		held = l->pid == me;
		free_l = NULL;
		break;
	}
	if (i == SHM_LEASES && free_l != NULL) {
		memcpy(free_l->name, name, strlen(name) + 1);
		free_l->pid = me;
		held = 1;
	}
	pthread_mutex_unlock(&h->mu);
	return held;
}

struct shm_totals *
shm_totals(struct shm_att *a)
{

	return a != NULL ? &a->sh->h->totals : NULL;
}

size_t
rv_shared_last_words(struct rv_shared *sh, long pid, char *buf, size_t len)
{
	struct shm_worker	*w;
	size_t			 i, n;

	if (sh == NULL || len == 0)
		return 0;
	for (i = 0; i < SHM_WORKERS; i++) {
		w = &sh->h->workers[i];
		if (atomic_load(&w->pid) != (int)pid || w->last_words[0] == '\0')
			continue;
		n = strnlen(w->last_words, sizeof(w->last_words));
		n = n < len ? n : len - 1;
		memcpy(buf, w->last_words, n);
		buf[n] = '\0';
		w->last_words[0] = '\0';
		return n;
	}
	return 0;
}

int
shm_start(struct shm_att *a)
{

	if (a->started)
		return RV_OK;
	a->slot = claim_slot(a->sh->h);
	/* A server attached before a fork reads from where it serves. */
	shm_lock(a->sh->h);
	a->cursor = a->sh->h->head;
	pthread_mutex_unlock(&a->sh->h->mu);
	if (pthread_create(&a->th, NULL, reader, a) != 0)
		return RV_ENOMEM;
	a->started = 1;
	return RV_OK;
}

void
shm_close(struct shm_att *a)
{

	if (a == NULL)
		return;
	atomic_store(&a->stop, 1);
	if (a->started) {
		atomic_fetch_add(&a->sh->h->futex, 1);
		syscall(SYS_futex, &a->sh->h->futex, FUTEX_WAKE, INT_MAX,
		    NULL, NULL, 0);
		pthread_join(a->th, NULL);
	}
	free(a);
}
