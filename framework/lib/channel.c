/*
 * channel.c: named publish/subscribe with a bounded history, the
 * embedded backend (one process).  See channel.h for who owns what.
 *
 * Ids are "<ms>-<seq>" (wall-clock milliseconds, then a sequence within
 * the millisecond), monotonic per channel: the shape Redis Streams use,
 * so that a client's Last-Event-ID means the same with either backend.
 * A message is stored once, as MessagePack, and each subscriber's
 * encoder renders it in that stream's own framing.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#include "internal.h"
#include "conn.h"
#include "channel.h"

#define NAME_MAX_LEN	200	/* channel + topic */
#define EVENT_MAX_LEN	128
#define INBOX_MAX	4096	/* items waiting for a busy handler */
#define QUEUE_MAX	(1u << 20) /* deliveries waiting for the loop */
#define FANOUT_BUCKETS	24

struct channel {
	struct channel	*hnext;
	uint32_t	 hash;
	char		*key;		/* "name\0topic" */
	size_t		 keylen;
	struct chmsg	**ring;		/* history, oldest at head */
	size_t		 cap, head, n;
	uint64_t	 last_ms, last_seq;	/* newest published */
	uint64_t	 gone_ms, gone_seq;	/* newest evicted */
	unsigned	 reserved;	/* subscriptions, under mu */
	struct sub	*subs;		/* registered: the loop's */
	unsigned	 fanned;	/* the loop's: its last fan-out's size */
};

struct delivery {
	struct channel	*ch;
	struct chmsg	*m;
};

struct hub {
	struct rv_server	*srv;
	struct redis		*rb;		/* NULL: embedded */
	struct shm_att		*sa;		/* the workers' shared log */
	pthread_mutex_t		 mu;
	struct channel		**tab;
	size_t			 tabsz, nch;
	uint64_t		 start_ms;	/* ids before: unknown */
	unsigned		 nsubs;
	struct sub		*pending, *cancelled;
	struct delivery		*q;
	size_t			 nq, capq;
	atomic_ulong		 published, delivered, dropped_slow;
	atomic_ulong		 skipped_slow, gaps, lost;
	/*
	 * Fan-out times, publish to the last subscriber's socket (loop),
	 * and the loop's time on a CPU for them: where the two differ,
	 * other processes (the front servers relaying) had the CPU.
	 */
	unsigned long		 fanout[FANOUT_BUCKETS];
	unsigned long		 fanout_cpu[FANOUT_BUCKETS];
	/* Loop: held subscribers encode here, not in a buffer each. */
	struct rv_buf		 obuf;
};

/*
 * One broadcast's item as one framing encodes it, for the framings
 * whose items do not depend on the stream's earlier ones: encoded for
 * the first subscriber that uses it, copied for the others.
 */
#define MEMO_ENCODERS	4

struct memo {
	const struct rv_encoder	*enc;
	struct rv_buf		 bytes;
};

/* Fan-outs this big (the channel's last) have their CPU time taken. */
#define FANOUT_TIMED	64

/* An injected item's age beyond this is a clock's doing: taken as 0. */
#define INJECT_AGE_MAX	60000

/* Upper bounds, in ms, of the fan-out histogram's buckets. */
static const unsigned fanout_ms[FANOUT_BUCKETS] = {
	1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100,
	150, 200, 500, 1000, 2000, UINT_MAX
};

/* This thread's time on a CPU. */
static int64_t
cpu_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t
wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
chid_cmp(uint64_t ams, uint64_t aseq, uint64_t bms, uint64_t bseq)
{

	if (ams != bms)
		return ams < bms ? -1 : 1;
	return aseq < bseq ? -1 : aseq > bseq;
}

/* "<ms>-<seq>" or "<ms>": 0 if well-formed. */
int
chid_parse(const char *s, uint64_t *ms, uint64_t *seq)
{
	char	*end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*ms = strtoull(s, &end, 10);
	*seq = 0;
	if (errno != 0)
		return -1;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return -1;
		*seq = strtoull(end + 1, &end, 10);
		if (errno != 0)
			return -1;
	}
	return *end == '\0' ? 0 : -1;
}

void
chmsg_unref(struct chmsg *m)
{

	if (m != NULL && atomic_fetch_sub(&m->refs, 1) == 1) {
		free(m->event);
		free(m);
	}
}

struct chmsg *
chmsg_new(const char *event, const void *data, size_t len)
{
	struct chmsg	*m;

	if ((m = malloc(sizeof(*m) + len)) == NULL)
		return NULL;
	memset(m, 0, sizeof(*m));
	atomic_init(&m->refs, 1);
	m->len = len;
	memcpy(m->data, data, len);
	if (event != NULL && (m->event = strdup(event)) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
chmsg_set_id(struct chmsg *m, uint64_t ms, uint64_t seq)
{

	m->ms = ms;
	m->seq = seq;
	snprintf(m->id, sizeof(m->id), "%" PRIu64 "-%" PRIu64, ms, seq);
}

/* ------------------------------------------------------------------ */
/* The table of channels (under mu)                                     */

static uint32_t
key_hash(const char *k, size_t n)
{
	uint32_t	 h = 2166136261u;

	while (n-- > 0)
		h = (h ^ (unsigned char)*k++) * 16777619u;
	return h;
}

static int
tab_grow(struct hub *h)
{
	struct channel	**nt, *ch, *next;
	size_t		 nsz = h->tabsz == 0 ? 64 : h->tabsz * 2, i;

	if ((nt = calloc(nsz, sizeof(*nt))) == NULL)
		return RV_ENOMEM;
	for (i = 0; i < h->tabsz; i++)
		for (ch = h->tab[i]; ch != NULL; ch = next) {
			next = ch->hnext;
			ch->hnext = nt[ch->hash & (nsz - 1)];
			nt[ch->hash & (nsz - 1)] = ch;
		}
	free(h->tab);
	h->tab = nt;
	h->tabsz = nsz;
	return RV_OK;
}

/* The channel of key (name '\0' topic), made if create. */
static struct channel *
channel_get_key(struct hub *h, const char *key, size_t keylen, int create)
{
	struct channel	*ch;
	uint32_t	 hash;

	hash = key_hash(key, keylen);
	if (h->tabsz > 0)
		for (ch = h->tab[hash & (h->tabsz - 1)]; ch != NULL;
		    ch = ch->hnext)
			if (ch->hash == hash && ch->keylen == keylen &&
			    memcmp(ch->key, key, ch->keylen) == 0)
				return ch;
	if (!create || (h->nch >= h->tabsz && tab_grow(h) != RV_OK) ||
	    (ch = calloc(1, sizeof(*ch))) == NULL)
		return NULL;
	ch->keylen = keylen;
	ch->cap = h->srv->lim.channel_history;
	if ((ch->key = malloc(ch->keylen + 1)) == NULL ||
	    (ch->cap > 0 && (ch->ring = calloc(ch->cap,
	    sizeof(*ch->ring))) == NULL)) {
		free(ch->key);
		free(ch);
		return NULL;
	}
	memcpy(ch->key, key, ch->keylen);
	ch->key[ch->keylen] = '\0';
	ch->hash = hash;
	ch->hnext = h->tab[hash & (h->tabsz - 1)];
	h->tab[hash & (h->tabsz - 1)] = ch;
	h->nch++;
	return ch;
}

static struct channel *
channel_get(struct hub *h, const char *name, const char *topic, int create)
{
	size_t		 nl = strlen(name), tl = topic ? strlen(topic) : 0;
	char		 key[NAME_MAX_LEN + 2];

	memcpy(key, name, nl + 1);
	if (tl > 0)
		memcpy(key + nl + 1, topic, tl);
	return channel_get_key(h, key, nl + 1 + tl, create);
}

/* Names: not empty, short, printable, and no '\0' inside a topic. */
static int
names_ok(const char *name, const char *topic)
{
	const char	*p;
	size_t		 n;

	if (name == NULL || *name == '\0')
		return 0;
	n = strlen(name) + (topic != NULL ? strlen(topic) : 0);
	if (n > NAME_MAX_LEN)
		return 0;
	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	for (p = topic; p != NULL && *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* History (under mu)                                                   */

static struct chmsg *
hist_at(const struct channel *ch, size_t i)
{

	return ch->ring[(ch->head + i) % ch->cap];
}

static void
hist_evict(struct channel *ch)
{
	struct chmsg	*m = ch->ring[ch->head];

	ch->gone_ms = m->ms;
	ch->gone_seq = m->seq;
	ch->ring[ch->head] = NULL;
	ch->head = (ch->head + 1) % ch->cap;
	ch->n--;
	chmsg_unref(m);
}

/* Drop what is past the age bound. */
static void
hist_expire(struct hub *h, struct channel *ch)
{
	unsigned long	 age = h->srv->lim.channel_history_age_ms;
	int64_t		 t = now_ms();

	while (age > 0 && ch->n > 0 && t - hist_at(ch, 0)->born > (int64_t)age)
		hist_evict(ch);
}

static void
hist_push(struct hub *h, struct channel *ch, struct chmsg *m)
{

	if (ch->cap == 0) {
		ch->gone_ms = m->ms;
		ch->gone_seq = m->seq;
		return;
	}
	hist_expire(h, ch);
	if (ch->n == ch->cap)
		hist_evict(ch);
	atomic_fetch_add(&m->refs, 1);
	ch->ring[(ch->head + ch->n) % ch->cap] = m;
	ch->n++;
}

/* ------------------------------------------------------------------ */
/* Publishing (any thread)                                              */

static int
queue_delivery(struct hub *h, struct channel *ch, struct chmsg *m)
{
	struct delivery	*nq;
	size_t		 ncap;

	if (h->nq == h->capq) {
		if (h->capq >= QUEUE_MAX)
			return RV_ETOOBIG;
		ncap = h->capq == 0 ? 64 : h->capq * 2;
		if ((nq = reallocarray(h->q, ncap, sizeof(*nq))) == NULL)
			return RV_ENOMEM;
		h->q = nq;
		h->capq = ncap;
	}
	atomic_fetch_add(&m->refs, 1);
	h->q[h->nq].ch = ch;
	h->q[h->nq++].m = m;
	return RV_OK;
}

/* A backend's key for name/topic: name 0x1f topic; its length. */
static size_t
bkey_len(char *key, const char *name, const char *topic)
{
	size_t	 nl = strlen(name), tl = topic != NULL ? strlen(topic) : 0;

	memcpy(key, name, nl);
	key[nl] = '\x1f';
	if (tl > 0)
		memcpy(key + nl + 1, topic, tl);
	return nl + 1 + tl;
}

static int
publish(struct hub *h, const char *name, const char *topic,
    const char *event, const void *data, size_t len, char *idbuf,
    size_t idlen)
{
	struct channel	*ch;
	struct chmsg	*m;
	char		 bkey[CH_KEY_MAX];
	uint64_t	 ms;
	int		 rc;

	if (!names_ok(name, topic))
		return RV_EINVAL;
	if (event != NULL && (*event == '\0' || strlen(event) > EVENT_MAX_LEN ||
	    strpbrk(event, "\r\n") != NULL))
		return RV_EINVAL;
	if (h->rb != NULL || h->sa != NULL) {
		/* The backend's reader brings it back, with its id. */
		rc = h->rb != NULL ? redis_publish(h->rb, name, topic, event,
		    data, len, h->srv->lim.channel_history, idbuf, idlen) :
		    shm_publish(h->sa, bkey, bkey_len(bkey, name, topic),
		    event, data, len, idbuf, idlen);
		if (rc == RV_OK)
			atomic_fetch_add(&h->published, 1);
		return rc;
	}
	if ((m = chmsg_new(event, data, len)) == NULL)
		return RV_ENOMEM;
	m->born = now_ms();
	pthread_mutex_lock(&h->mu);
	if ((ch = channel_get(h, name, topic, 1)) == NULL) {
		pthread_mutex_unlock(&h->mu);
		chmsg_unref(m);
		return RV_ENOMEM;
	}
	ms = wall_ms();
	if (ms <= ch->last_ms) {
		m->ms = ch->last_ms;
		m->seq = ch->last_seq + 1;
	} else {
		m->ms = ms;
		m->seq = 0;
	}
	ch->last_ms = m->ms;
	ch->last_seq = m->seq;
	snprintf(m->id, sizeof(m->id), "%" PRIu64 "-%" PRIu64, m->ms, m->seq);
	hist_push(h, ch, m);
	/* Without subscribers, the history is all there is to do. */
	rc = ch->subs != NULL || ch->reserved > 0 ?
	    queue_delivery(h, ch, m) : RV_OK;
	pthread_mutex_unlock(&h->mu);
	atomic_fetch_add(&h->published, 1);
	if (rc != RV_OK)
		atomic_fetch_add(&h->lost, 1);
	if (idbuf != NULL && idlen > 0)
		snprintf(idbuf, idlen, "%s", m->id);
	chmsg_unref(m);
	if (rc == RV_OK)
		loop_wake(h->srv);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Writing one message into a stream (its owner's thread)               */

/* sb's stream took m: its resumption point, the count. */
static void
sub_got(struct sub *sb, const struct chmsg *m)
{

	if (m->id[0] != '\0') {
		sb->last_ms = m->ms;
		sb->last_seq = m->seq;
	}
	atomic_fetch_add(&sb->hub->delivered, 1);
}

static int
write_msg(struct sub *sb, const struct chmsg *m)
{
	struct rv_stream	*s = sb->s;
	int			 rc;

	if ((rc = w_usable(s)) != RV_OK)
		return rc;
	if (s->in_item)
		return RV_ESTATE;
	/*
	 * As rv_event(), without copies: m outlives the item, and its
	 * event and id were checked when it was published.
	 */
	s->ev_name = m->event;
	s->ev_id = m->id[0] != '\0' ? (char *)m->id : NULL;
	if ((rc = rv_msgpack(s, m->data, m->len)) != RV_OK)
		return rc;
	sub_got(sb, m);
	return RV_OK;
}

/* Which memo serves s, if its framing and state allow one. */
static struct memo *
memo_for(struct memo *memo, const struct rv_stream *s)
{
	const struct rv_encoder	*enc = s->enc;
	size_t			 i;

	if (enc != &enc_sse && enc != &enc_ndjson && enc != &enc_jsonseq &&
	    enc != &enc_msgpack)
		return NULL;
	/* Nothing of its own pending: no envelope, no first begin(). */
	if (!s->began || s->ev_retry != 0 || s->ev_name != NULL ||
	    s->ev_id != NULL || s->in_item || s->out.len > 0 ||
	    s->err != RV_OK)
		return NULL;
	for (i = 0; i < MEMO_ENCODERS; i++)
		if (memo[i].enc == enc || memo[i].enc == NULL) {
			memo[i].enc = enc;
			return &memo[i];
		}
	return NULL;
}

/*
 * write_msg for a loop-held subscriber, m's item encoded once for all
 * of them that share a framing (memo), in the hub's buffer.
 */
static int
write_memo(struct hub *h, struct sub *sb, const struct chmsg *m,
    struct memo *memo)
{
	struct rv_stream	*s = sb->s;
	struct memo		*e;
	int			 rc, bulk;

	if (s->out.cap == 0) {
		s->out = h->obuf;
		memset(&h->obuf, 0, sizeof(h->obuf));
	}
	if ((e = memo_for(memo, s)) == NULL)
		rc = write_msg(sb, m);
	else if (e->bytes.len > 0) {
		/* Its bookkeeping as item_end's, then the flush. */
		if (buf_add(&s->out, e->bytes.p, e->bytes.len) != RV_OK) {
			s->out.err = RV_OK;
			rc = RV_ENOMEM;
		} else {
			s->items++;
			rc = rv_flush(s);
		}
		if (rc == RV_OK)
			sub_got(sb, m);
	} else {
		/* The first: kept from the flush until copied. */
		bulk = s->bulk;
		s->bulk = 1;
		rc = write_msg(sb, m);
		s->bulk = bulk;
		if (rc == RV_OK && s->out.len > 0 &&
		    buf_add(&e->bytes, s->out.p, s->out.len) != RV_OK)
			buf_free(&e->bytes);	/* no memo: each encodes */
		if (rc == RV_OK)
			rc = rv_flush(s);
	}
	/* What is left unsent lives in wbuf: the buffer goes back. */
	if (s->out.len == 0 && s->out.err == RV_OK && h->obuf.cap == 0) {
		h->obuf = s->out;
		memset(&s->out, 0, sizeof(s->out));
	}
	return rc;
}

/*
 * A client that missed items it cannot get: an event named "reset"
 * with the reason, so that it can reload its state.
 */
static struct chmsg *
signal_msg(const char *reason, const char *last, unsigned long count)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	struct chmsg	*m;
	size_t		 n = last != NULL ? strlen(last) : 0;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, last != NULL || count > 0 ? 2 : 1);
	msgpack_pack_str(&pk, 6);
	msgpack_pack_str_body(&pk, "reason", 6);
	msgpack_pack_str(&pk, strlen(reason));
	msgpack_pack_str_body(&pk, reason, strlen(reason));
	if (last != NULL) {
		msgpack_pack_str(&pk, 11);
		msgpack_pack_str_body(&pk, "lastEventId", 11);
		msgpack_pack_str(&pk, n);
		msgpack_pack_str_body(&pk, last, n);
	} else if (count > 0) {
		msgpack_pack_str(&pk, 7);
		msgpack_pack_str_body(&pk, "skipped", 7);
		msgpack_pack_uint64(&pk, count);
	}
	m = sb.data != NULL ? chmsg_new("reset", sb.data, sb.size) : NULL;
	msgpack_sbuffer_destroy(&sb);
	return m;
}

/* ------------------------------------------------------------------ */
/* Subscribing (handler thread)                                         */

static void
sub_free(struct sub *sb)
{
	size_t	 i;

	for (i = 0; i < sb->ninbox; i++)
		chmsg_unref(sb->inbox[i]);
	free(sb->inbox);
	if (sb->evfd >= 0)
		close(sb->evfd);
	free(sb);
}

static void	 inbox_put(struct sub *, struct chmsg *);

static void
prep_free(struct redis_prep *p)
{
	size_t	 i;

	for (i = 0; i < p->n; i++)
		chmsg_unref(p->items[i]);
	free(p->items);
	p->items = NULL;
	p->n = 0;
}

/*
 * Under mu: where a new subscriber starts with a backend: after what
 * the backend replayed for its Last-Event-ID, else at the stream's
 * newest id.  A channel nobody here reads yet is read from there on.
 */
static void
from_backend(struct sub *sb, struct redis_prep *p, const char *last_id)
{
	struct channel	*ch = sb->ch;
	struct chmsg	*sig;
	size_t		 i;

	if (ch->reserved == 0 && chid_cmp(ch->last_ms, ch->last_seq,
	    p->cur_ms, p->cur_seq) < 0) {
		ch->last_ms = p->cur_ms;
		ch->last_seq = p->cur_seq;
	}
	sb->last_ms = p->cur_ms;
	sb->last_seq = p->cur_seq;
	if (last_id == NULL)
		return;
	if (p->gap) {
		if ((sig = signal_msg("history", last_id, 0)) != NULL)
			inbox_put(sb, sig);
		chmsg_unref(sig);
		atomic_fetch_add(&sb->hub->gaps, 1);
	}
	sb->last_ms = sb->last_seq = 0;
	(void)chid_parse(last_id, &sb->last_ms, &sb->last_seq);
	for (i = 0; i < p->n; i++)
		inbox_put(sb, p->items[i]);
	/* Nothing newer than the stream's head: live from there. */
	if (chid_cmp(sb->last_ms, sb->last_seq, p->cur_ms, p->cur_seq) < 0 &&
	    !p->gap && p->n == 0) {
		sb->last_ms = p->cur_ms;
		sb->last_seq = p->cur_seq;
	}
}

int
hub_subscribe(struct hub *h, struct rv_stream *s, const char *name,
    const char *topic, const char *last_id)
{
	const struct rv_limits	*lim = &h->srv->lim;
	struct channel		*ch;
	struct sub		*sb;
	struct redis_prep	 prep;
	char			 bkey[CH_KEY_MAX];
	uint64_t		 ms, seq;
	int			 rc;

	if (!names_ok(name, topic))
		return RV_EINVAL;
	if ((sb = calloc(1, sizeof(*sb))) == NULL)
		return RV_ENOMEM;
	sb->hub = h;
	sb->s = s;
	if ((sb->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		free(sb);
		return RV_EIO;
	}
	/* With a backend, the replay comes from it (any instance's items). */
	memset(&prep, 0, sizeof(prep));
	if ((h->rb != NULL && (rc = redis_prepare(h->rb, name, topic, last_id,
	    lim->channel_history, &prep)) != RV_OK) || (h->rb == NULL &&
	    h->sa != NULL && (rc = shm_prepare(h->sa, bkey, bkey_len(bkey,
	    name, topic), last_id, lim->channel_history, &prep)) != RV_OK)) {
		prep_free(&prep);
		sub_free(sb);
		return rc;
	}
	pthread_mutex_lock(&h->mu);
	if (h->nsubs >= lim->max_subscribers ||
	    (ch = channel_get(h, name, topic, 1)) == NULL ||
	    (lim->max_channel_subscribers > 0 &&
	    ch->reserved >= lim->max_channel_subscribers)) {
		rc = h->nsubs >= lim->max_subscribers || ch != NULL ?
		    RV_EBUSY : RV_ENOMEM;
		pthread_mutex_unlock(&h->mu);
		prep_free(&prep);
		sub_free(sb);
		return rc;
	}
	sb->ch = ch;
	if (h->rb != NULL || h->sa != NULL)
		from_backend(sb, &prep, last_id);
	else if (last_id != NULL) {
		sb->resume = 1;
		/* A malformed id is one we cannot place: a gap. */
		if (chid_parse(last_id, &ms, &seq) == 0) {
			sb->last_ms = ms;
			sb->last_seq = seq;
		}
	} else {
		sb->last_ms = ch->last_ms;
		sb->last_seq = ch->last_seq;
	}
	ch->reserved++;
	h->nsubs++;
	sb->qnext = h->pending;
	h->pending = sb;
	pthread_mutex_unlock(&h->mu);
	prep_free(&prep);
	s->sub = sb;
	loop_wake(h->srv);
	return RV_OK;
}

void
hub_cancel(struct sub *sb)
{
	struct hub	*h = sb->hub;
	size_t		 i;

	pthread_mutex_lock(&h->mu);
	sb->dead = 1;
	for (i = 0; i < sb->ninbox; i++)
		chmsg_unref(sb->inbox[i]);
	sb->ninbox = 0;
	sb->qnext = h->cancelled;
	h->cancelled = sb;
	pthread_mutex_unlock(&h->mu);
	loop_wake(h->srv);
}

/* Under mu: give a handler-mode sub one more message. */
static void
inbox_put(struct sub *sb, struct chmsg *m)
{
	struct chmsg	**ni;
	size_t		 ncap;

	if (sb->dead)
		return;
	if (sb->ninbox == sb->capinbox) {
		ncap = sb->capinbox == 0 ? 16 : sb->capinbox * 2;
		if (ncap > INBOX_MAX || (ni = reallocarray(sb->inbox, ncap,
		    sizeof(*ni))) == NULL) {
			sb->inbox_full = 1;
			atomic_fetch_add(&sb->hub->skipped_slow, 1);
			return;
		}
		sb->inbox = ni;
		sb->capinbox = ncap;
	}
	atomic_fetch_add(&m->refs, 1);
	sb->inbox[sb->ninbox++] = m;
	if (m->id[0] != '\0') {
		sb->last_ms = m->ms;
		sb->last_seq = m->seq;
	}
}

int
hub_drain_inbox(struct sub *sb)
{
	struct hub	*h = sb->hub;
	struct chmsg	**box;
	size_t		 n, i;
	uint64_t	 v;
	int		 rc = RV_OK, full;

	(void)!read(sb->evfd, &v, sizeof(v));
	pthread_mutex_lock(&h->mu);
	box = sb->inbox;
	n = sb->ninbox;
	full = sb->inbox_full;
	sb->inbox = NULL;
	sb->ninbox = sb->capinbox = 0;
	sb->inbox_full = 0;
	pthread_mutex_unlock(&h->mu);
	for (i = 0; i < n; i++) {
		if (rc == RV_OK)
			rc = write_msg(sb, box[i]);
		chmsg_unref(box[i]);
	}
	free(box);
	if (rc == RV_OK && full) {
		struct chmsg	*sig = signal_msg("slow", NULL, 0);

		rc = sig != NULL ? write_msg(sb, sig) : RV_ENOMEM;
		chmsg_unref(sig);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* The loop's side                                                      */

static void
sub_unlink(struct sub *sb)
{
	struct channel	*ch = sb->ch;

	if (sb->prev != NULL)
		sb->prev->next = sb->next;
	else if (ch->subs == sb)
		ch->subs = sb->next;
	if (sb->next != NULL)
		sb->next->prev = sb->prev;
	sb->prev = sb->next = NULL;
}

/* Under mu: sb is going: give back its place under the limits. */
static void
sub_release(struct hub *h, struct sub *sb)
{

	sb->ch->reserved--;
	h->nsubs--;
}

/* Under mu: what sb missed, from the history; a gap if it cannot. */
static void
replay(struct hub *h, struct sub *sb, struct chmsg ***out, size_t *nout)
{
	struct channel	*ch = sb->ch;
	struct chmsg	*m, **v = NULL;
	size_t		 i, n = 0;
	int		 gap = 0;
	char		 last[44];

	hist_expire(h, ch);
	if (sb->resume) {
		/* Evicted, older than this hub, or from no history of ours. */
		gap = (ch->gone_ms != 0 && chid_cmp(sb->last_ms, sb->last_seq,
		    ch->gone_ms, ch->gone_seq) < 0) ||
		    sb->last_ms < h->start_ms ||
		    chid_cmp(sb->last_ms, sb->last_seq, ch->last_ms,
		    ch->last_seq) > 0;
		sb->resume = 0;
	}
	if ((v = calloc(ch->n + 1, sizeof(*v))) == NULL) {
		*out = NULL;
		*nout = 0;
		return;
	}
	if (gap) {
		snprintf(last, sizeof(last), "%" PRIu64 "-%" PRIu64,
		    sb->last_ms, sb->last_seq);
		if ((v[n] = signal_msg("history", last, 0)) != NULL)
			n++;
		atomic_fetch_add(&h->gaps, 1);
		sb->last_ms = sb->last_seq = 0;
	}
	for (i = 0; i < ch->n; i++) {
		m = hist_at(ch, i);
		if (chid_cmp(m->ms, m->seq, sb->last_ms, sb->last_seq) > 0) {
			atomic_fetch_add(&m->refs, 1);
			v[n++] = m;
		}
	}
	*out = v;
	*nout = n;
}

/* Register what rv_subscribe() made; each starts with its replay. */
static void
take_pending(struct hub *h)
{
	struct sub	*sb, *next;
	struct chmsg	**v;
	size_t		 n, i;

	pthread_mutex_lock(&h->mu);
	sb = h->pending;
	h->pending = NULL;
	for (; sb != NULL; sb = next) {
		next = sb->qnext;
		sb->qnext = NULL;
		sb->where = SUB_HANDLER;
		sb->prev = NULL;
		if ((sb->next = sb->ch->subs) != NULL)
			sb->next->prev = sb;
		sb->ch->subs = sb;
		replay(h, sb, &v, &n);
		for (i = 0; i < n; i++) {
			inbox_put(sb, v[i]);
			chmsg_unref(v[i]);
		}
		free(v);
		if (n > 0 && !sb->dead)
			(void)!write(sb->evfd, &(uint64_t){ 1 }, 8);
	}
	pthread_mutex_unlock(&h->mu);
}

static void
take_cancelled(struct hub *h)
{
	struct sub	*sb, *next;

	pthread_mutex_lock(&h->mu);
	sb = h->cancelled;
	h->cancelled = NULL;
	for (; sb != NULL; sb = next) {
		next = sb->qnext;
		sub_unlink(sb);
		sub_release(h, sb);
		sub_free(sb);
	}
	pthread_mutex_unlock(&h->mu);
}

/*
 * Loop mode: one message to one subscriber, unless it reads too slowly:
 * then the configured policy (drop it with an error item, or skip items
 * until its queue drains and tell it how many it missed).
 */
static void
deliver_loop(struct hub *h, struct sub *sb, struct chmsg *m,
    struct memo *memo)
{
	const struct rv_limits	*lim = &h->srv->lim;
	struct chmsg		*sig;
	size_t			 queued = sb->c->wbuf.len;
	int			 rc;

	if (queued > lim->channel_queue) {
		if (lim->channel_slow == RV_SLOW_DROP) {
			atomic_fetch_add(&h->dropped_slow, 1);
			logx(RV_LOG_WARN, "channel subscriber fd %d: %zu bytes "
			    "unread: dropped (channel_slow = drop)",
			    sb->c->fd, queued);
			(void)rv_error(sb->s, 503, "Service Unavailable",
			    "this client did not read fast enough");
			loop_sub_end(h->srv, sb->c);
			return;
		}
		if (!sb->lagging)
			logx(RV_LOG_WARN, "channel subscriber fd %d: %zu bytes "
			    "unread: skipping items (channel_slow = skip)",
			    sb->c->fd, queued);
		sb->lagging = 1;
		sb->skipped++;
		atomic_fetch_add(&h->skipped_slow, 1);
		return;
	}
	rc = RV_OK;
	if (sb->lagging && queued <= lim->channel_queue / 2) {
		sb->lagging = 0;
		if ((sig = signal_msg("slow", NULL, sb->skipped)) == NULL)
			rc = RV_ENOMEM;
		else
			rc = write_msg(sb, sig);
		chmsg_unref(sig);
		sb->skipped = 0;
	}
	if (rc == RV_OK && !sb->lagging)
		rc = write_memo(h, sb, m, memo);
	if (rc != RV_OK)
		loop_sub_end(h->srv, sb->c);
	else
		loop_sub_wrote(h->srv, sb->c);
}

/* m to ch's subscribers; how many there were. */
static unsigned
deliver(struct hub *h, struct channel *ch, struct chmsg *m)
{
	struct memo	 memo[MEMO_ENCODERS];
	struct sub	*sb, *next;
	size_t		 i;
	unsigned	 n = 0;
	int		 woke;

	memset(memo, 0, sizeof(memo));
	loop_batch_begin(h->srv);
	for (sb = ch->subs; sb != NULL; sb = next, n++) {
		next = sb->next;
		if (m->id[0] != '\0' &&
		    chid_cmp(m->ms, m->seq, sb->last_ms, sb->last_seq) <= 0)
			continue;	/* had it from the history */
		if (sb->where == SUB_LOOP) {
			deliver_loop(h, sb, m, memo);
			continue;
		}
		pthread_mutex_lock(&h->mu);
		woke = !sb->dead;
		inbox_put(sb, m);
		pthread_mutex_unlock(&h->mu);
		if (woke)
			(void)!write(sb->evfd, &(uint64_t){ 1 }, 8);
	}
	loop_batch_end(h->srv);
	for (i = 0; i < MEMO_ENCODERS; i++)
		buf_free(&memo[i].bytes);
	return n;
}

static void
fanout_note(unsigned long *hist, int64_t ms)
{
	size_t	 b;

	for (b = 0; b < FANOUT_BUCKETS - 1 && ms > (int64_t)fanout_ms[b]; b++)
		continue;
	hist[b]++;
}

/* The bucket bound under which fraction q of the fan-outs fell. */
static unsigned
fanout_quantile(const unsigned long *hist, double q)
{
	unsigned long	 total = 0, run = 0;
	size_t		 b;

	for (b = 0; b < FANOUT_BUCKETS; b++)
		total += hist[b];
	for (b = 0; b < FANOUT_BUCKETS; b++) {
		run += hist[b];
		if (total > 0 && (double)run >= q * (double)total)
			return fanout_ms[b];
	}
	return 0;
}

void
hub_log_stats(struct hub *h)
{
	unsigned long	 total = 0, timed = 0;
	char		 cpu[96] = "";
	size_t		 b;

	for (b = 0; b < FANOUT_BUCKETS; b++) {
		total += h->fanout[b];
		timed += h->fanout_cpu[b];
	}
	if (total == 0)
		return;
	if (timed > 0)
		snprintf(cpu, sizeof(cpu), " (%lu timed on a CPU: p50 <= %u ms, "
		    "p99 <= %u ms)", timed, fanout_quantile(h->fanout_cpu, 0.5),
		    fanout_quantile(h->fanout_cpu, 0.99));
	logx(RV_LOG_INFO, "channels: %lu items fanned out, %lu deliveries, "
	    "publish to last socket p50 <= %u ms, p99 <= %u ms%s; %lu dropped "
	    "and %lu skipped for slowness, %lu lost", total,
	    atomic_load(&h->delivered), fanout_quantile(h->fanout, 0.5),
	    fanout_quantile(h->fanout, 0.99), cpu,
	    atomic_load(&h->dropped_slow), atomic_load(&h->skipped_slow),
	    atomic_load(&h->lost));
}

void
hub_run(struct hub *h)
{
	struct delivery	*q;
	struct channel	*ch;
	size_t		 n, i;
	int64_t		 cpu = 0;
	int		 timed;

	take_pending(h);
	take_cancelled(h);
	pthread_mutex_lock(&h->mu);
	q = h->q;
	n = h->nq;
	h->q = NULL;
	h->nq = h->capq = 0;
	pthread_mutex_unlock(&h->mu);
	for (i = 0; i < n; i++) {
		ch = q[i].ch;
		/*
		 * A thread's CPU clock is a system call: read only around
		 * fan-outs as big as the channel's last was, FANOUT_TIMED.
		 */
		if ((timed = ch->fanned >= FANOUT_TIMED))
			cpu = cpu_us();
		ch->fanned = deliver(h, ch, q[i].m);
		if (ch->fanned > 0 && q[i].m->born > 0)
			fanout_note(h->fanout, now_ms() - q[i].m->born);
		if (timed)
			fanout_note(h->fanout_cpu, (cpu_us() - cpu + 999) / 1000);
		chmsg_unref(q[i].m);
	}
	free(q);
}

int
hub_adopt(struct hub *h, struct sub *sb)
{
	struct chmsg	**box, **v;
	size_t		 n, nv, i;
	int		 rc = RV_OK;

	if (sb->where == SUB_PENDING)
		take_pending(h);
	pthread_mutex_lock(&h->mu);
	box = sb->inbox;
	n = sb->ninbox;
	sb->inbox = NULL;
	sb->ninbox = sb->capinbox = 0;
	sb->where = SUB_LOOP;
	/* Anything the inbox could not hold is still in the history. */
	replay(h, sb, &v, &nv);
	pthread_mutex_unlock(&h->mu);
	for (i = 0; i < n; i++) {
		if (rc == RV_OK)
			rc = write_msg(sb, box[i]);
		chmsg_unref(box[i]);
	}
	for (i = 0; i < nv; i++) {
		if (rc == RV_OK &&
		    chid_cmp(v[i]->ms, v[i]->seq, sb->last_ms, sb->last_seq) > 0)
			rc = write_msg(sb, v[i]);
		chmsg_unref(v[i]);
	}
	free(box);
	free(v);
	close(sb->evfd);
	sb->evfd = -1;
	return rc;
}

void
hub_unsubscribe(struct hub *h, struct sub *sb)
{

	pthread_mutex_lock(&h->mu);
	sub_unlink(sb);
	sub_release(h, sb);
	pthread_mutex_unlock(&h->mu);
	sb->s->sub = NULL;
	sub_free(sb);
}

void
hub_stats(struct hub *h, struct hub_stats *st)
{

	pthread_mutex_lock(&h->mu);
	st->channels = h->nch;
	st->subscribers = h->nsubs;
	pthread_mutex_unlock(&h->mu);
	st->published = atomic_load(&h->published);
	st->delivered = atomic_load(&h->delivered);
	st->dropped_slow = atomic_load(&h->dropped_slow);
	st->skipped_slow = atomic_load(&h->skipped_slow);
	st->gaps = atomic_load(&h->gaps);
}

/* ------------------------------------------------------------------ */
/* For a backend                                                        */

int
hub_start(struct hub *h)
{

	if (h->rb != NULL)
		return redis_start(h->rb);
	return h->sa != NULL ? shm_start(h->sa) : RV_OK;
}

int
hub_cursors(struct hub *h, struct hub_cursor **out, size_t *nout)
{
	struct hub_cursor	*v = NULL;
	struct channel		*ch;
	size_t			 i, n = 0, cap = 0;
	int			 rc = RV_OK;

	pthread_mutex_lock(&h->mu);
	for (i = 0; i < h->tabsz && rc == RV_OK; i++)
		for (ch = h->tab[i]; ch != NULL && rc == RV_OK; ch = ch->hnext) {
			if (ch->reserved == 0)
				continue;
			if (n == cap) {
				struct hub_cursor	*nv;

				cap = cap ? cap * 2 : 16;
				if ((nv = reallocarray(v, cap, sizeof(*v))) ==
				    NULL) {
					rc = RV_ENOMEM;
					break;
				}
				v = nv;
			}
			v[n].keylen = strlen("rivulet:") + ch->keylen;
			if ((v[n].key = malloc(v[n].keylen + 1)) == NULL) {
				rc = RV_ENOMEM;
				break;
			}
			memcpy(v[n].key, "rivulet:", 8);
			memcpy(v[n].key + 8, ch->key, ch->keylen);
			v[n].key[8 + strlen(ch->key)] = '\x1f';
			v[n].key[v[n].keylen] = '\0';
			v[n].ms = ch->last_ms;
			v[n].seq = ch->last_seq;
			n++;
		}
	pthread_mutex_unlock(&h->mu);
	if (rc != RV_OK) {
		while (n > 0)
			free(v[--n].key);
		free(v);
		v = NULL;
	}
	*out = v;
	*nout = n;
	return rc;
}

void
hub_inject(struct hub *h, const char *key, size_t keylen, struct chmsg *m)
{
	struct channel	*ch;
	char		 k[NAME_MAX_LEN + 2];
	const char	*sep;
	uint64_t	 now;
	int		 rc = RV_OK;

	if (keylen > NAME_MAX_LEN + 1 ||
	    (sep = memchr(key, '\x1f', keylen)) == NULL)
		return;
	memcpy(k, key, keylen);
	k[sep - key] = '\0';
	/*
	 * Its age from the id's wall-clock ms (the publisher's clock; the
	 * Redis server's for Redis): the fan-out times then count from the
	 * publication, not from this reader's turn.
	 */
	now = wall_ms();
	m->born = now_ms() - (now >= m->ms && now - m->ms < INJECT_AGE_MAX ?
	    (int64_t)(now - m->ms) : 0);
	pthread_mutex_lock(&h->mu);
	if ((ch = channel_get_key(h, k, keylen, 0)) != NULL &&
	    chid_cmp(m->ms, m->seq, ch->last_ms, ch->last_seq) > 0) {
		ch->last_ms = m->ms;
		ch->last_seq = m->seq;
		hist_push(h, ch, m);
		rc = queue_delivery(h, ch, m);
	}
	pthread_mutex_unlock(&h->mu);
	if (rc != RV_OK)
		atomic_fetch_add(&h->lost, 1);
	loop_wake(h->srv);
}

void
hub_signal(struct hub *h, const char *reason)
{
	struct channel	*ch;
	struct chmsg	*m;
	size_t		 i;

	if ((m = signal_msg(reason, NULL, 0)) == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	for (i = 0; i < h->tabsz; i++)
		for (ch = h->tab[i]; ch != NULL; ch = ch->hnext)
			if (ch->reserved > 0 &&
			    queue_delivery(h, ch, m) != RV_OK)
				atomic_fetch_add(&h->lost, 1);
	pthread_mutex_unlock(&h->mu);
	chmsg_unref(m);
	loop_wake(h->srv);
}

struct hub *
hub_new(struct rv_server *srv)
{
	struct hub	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if (pthread_mutex_init(&h->mu, NULL) != 0) {
		free(h);
		return NULL;
	}
	h->srv = srv;
	h->start_ms = wall_ms();
	return h;
}

static void
free_subs(struct sub *sb, int qlist)
{
	struct sub	*next;

	for (; sb != NULL; sb = next) {
		next = qlist ? sb->qnext : sb->next;
		if (sb->s != NULL && sb->s->sub == sb)
			sb->s->sub = NULL;
		sub_free(sb);
	}
}

/* No loop runs and no handler any more: free everything. */
void
hub_free(struct hub *h)
{
	struct channel	*ch, *next;
	size_t		 i;

	if (h == NULL)
		return;
	redis_close(h->rb);
	h->rb = NULL;
	shm_close(h->sa);
	h->sa = NULL;
	/* A cancelled sub may still be registered: unlink before freeing. */
	take_pending(h);
	take_cancelled(h);
	for (i = 0; i < h->nq; i++)
		chmsg_unref(h->q[i].m);
	free(h->q);
	for (i = 0; i < h->tabsz; i++)
		for (ch = h->tab[i]; ch != NULL; ch = next) {
			next = ch->hnext;
			free_subs(ch->subs, 0);
			while (ch->n > 0)
				hist_evict(ch);
			free(ch->ring);
			free(ch->key);
			free(ch);
		}
	free(h->tab);
	pthread_mutex_destroy(&h->mu);
	buf_free(&h->obuf);
	free(h);
}

/* ------------------------------------------------------------------ */
/* The public API                                                       */

/* Capture one structured item as MessagePack: a stream with no client. */
struct capture {
	struct rv_sink	 sink;
	struct rv_buf	 buf;
};

static int
cap_write(struct rv_sink *sk, const struct iovec *iov, int n, int last)
{
	struct capture	*cp = (struct capture *)sk;
	int		 i;

	(void)last;
	for (i = 0; i < n; i++)
		if (buf_add(&cp->buf, iov[i].iov_base, iov[i].iov_len) != RV_OK)
			return RV_ENOMEM;
	return RV_OK;
}

static int
cap_finish(struct rv_sink *sk, int cut)
{

	(void)sk;
	(void)cut;
	return RV_OK;
}

static int
cap_wait(struct rv_sink *sk, unsigned long ms)
{

	(void)sk;
	(void)ms;
	return RV_OK;
}

int
rv_vpublishf(struct rv_server *srv, const char *name, const char *topic,
    const char *event, const char *fmt, va_list ap)
{
	struct capture		 cp;
	struct rv_req		*rq;
	struct rv_stream	*s;
	int			 rc;

	if (srv == NULL || fmt == NULL)
		return RV_EINVAL;
	memset(&cp, 0, sizeof(cp));
	cp.sink.write = cap_write;
	cp.sink.finish = cap_finish;
	cp.sink.wait = cap_wait;
	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return RV_ENOMEM;
	if ((rc = req_init(rq, srv, &cp.sink)) == RV_OK) {
		s = &rq->stream;
		s->rq = rq;
		s->state = SS_SENT;	/* no head: only the item's bytes */
		s->enc = &enc_msgpack;
		s->ectx.s = s;
		s->ectx.out = &s->out;
		s->max_item = srv->lim.max_item;
		if (enc_msgpack.state_size > 0 && (s->ectx.state =
		    calloc(1, enc_msgpack.state_size)) == NULL)
			rc = RV_ENOMEM;
		if (rc == RV_OK && (rc = rv_vpackf(s, fmt, ap)) == RV_OK &&
		    (rc = rv_flush(s)) == RV_OK)
			rc = s->items == 1 ? RV_OK : RV_EINVAL;
		if (rc == RV_OK)
			rc = publish(srv->hub, name, topic, event, cp.buf.p,
			    cp.buf.len, NULL, 0);
		s->state = SS_CLOSED;
		if (enc_msgpack.fini != NULL && s->ectx.state != NULL)
			enc_msgpack.fini(&s->ectx);
		free(s->ectx.state);
		s->ectx.state = NULL;
		s->enc = NULL;
		buf_free(&s->out);
		buf_free(&s->head);
		arena_reset(&s->scratch);
	}
	req_free(rq);
	free(rq);
	buf_free(&cp.buf);
	return rc;
}

int
rv_server_publishf(struct rv_server *srv, const char *name, const char *topic,
    const char *event, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = rv_vpublishf(srv, name, topic, event, fmt, ap);
	va_end(ap);
	return rc;
}

int
rv_publishf(struct rv_req *rq, const char *name, const char *topic,
    const char *event, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = rv_vpublishf(rq != NULL ? rq->srv : NULL, name, topic, event,
	    fmt, ap);
	va_end(ap);
	return rc;
}

int
rv_publish_msgpack(struct rv_server *srv, const char *name,
    const char *topic, const char *event, const void *data, size_t len,
    char *idbuf, size_t idlen)
{
	msgpack_unpacked	 u;
	size_t			 off = 0;
	int			 ok;

	if (srv == NULL || data == NULL || len == 0)
		return RV_EINVAL;
	if (len > srv->lim.max_item)
		return RV_ETOOBIG;
	/* Exactly one well-formed value: subscribers decode it later. */
	msgpack_unpacked_init(&u);
	ok = msgpack_unpack_next(&u, data, len, &off) ==
	    MSGPACK_UNPACK_SUCCESS && off == len;
	msgpack_unpacked_destroy(&u);
	if (!ok)
		return RV_EINVAL;
	return publish(srv->hub, name, topic, event, data, len, idbuf, idlen);
}

int
rv_server_channels(struct rv_server *srv, const char *backend)
{
	struct redis	*r = NULL;
	int		 rc;

	if (srv->loop != NULL)
		return RV_ESTATE;
	if (backend != NULL && strcmp(backend, "embedded") != 0 &&
	    (rc = redis_open(srv->hub, backend, &r)) != RV_OK)
		return rc;
	redis_close(srv->hub->rb);
	srv->hub->rb = r;
	return RV_OK;
}

struct shm_att *
hub_shared(struct hub *h)
{

	return h->sa;
}

int
rv_server_attach(struct rv_server *srv, struct rv_shared *sh)
{
	struct shm_att	*a;
	int		 rc;

	if (srv->loop != NULL)
		return RV_ESTATE;
	if ((rc = shm_attach(srv->hub, sh, &a)) != RV_OK)
		return rc;
	shm_close(srv->hub->sa);
	srv->hub->sa = a;
	return RV_OK;
}

int
rv_server_lease(struct rv_server *srv, const char *name)
{
	struct shm_att	*a = srv->hub != NULL ? srv->hub->sa : NULL;

	if (name == NULL || *name == '\0')
		return 0;
	return a == NULL ? 1 : shm_lease(a, name);
}

struct rv_server *
rv_req_server(const struct rv_req *rq)
{

	return rq->srv;
}

int
rv_subscribe(struct rv_stream *s, const char *name, const char *topic)
{
	struct rv_req	*rq = s->rq;
	const char	*last;
	int		 rc;

	if (rq == NULL || s->enc == NULL || s->state == SS_CLOSED ||
	    s->sub != NULL || s->in_item)
		return s->state == SS_CLOSED ? RV_ECLOSED : RV_ESTATE;
	if ((last = rv_req_header(rq, "Last-Event-ID")) == NULL)
		last = rv_query(rq, "lastEventId", NULL);
	rc = hub_subscribe(rq->srv->hub, s, name, topic, last);
	if (rc == RV_EBUSY && s->state == SS_OPEN && s->err == RV_OK) {
		/* Nothing sent yet: a real 503 that says when to come back. */
		(void)req_problem(rq, 503, "Service Unavailable",
		    "too many subscribers: try again later",
		    "Retry-After: 5\r\n");
		s->out.len = 0;
		s->state = SS_CLOSED;
	} else if (rc != RV_OK)
		(void)rv_error(s, rc == RV_EBUSY ? 503 : 500,
		    rc == RV_EBUSY ? "Service Unavailable" :
		    "Internal Server Error", "%s", rc == RV_EBUSY ?
		    "too many subscribers: try again later" : rv_strerror(rc));
	return rc;
}
