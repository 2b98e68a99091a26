/*
 * chan_redis.c: channels across processes and hosts, on Redis Streams.
 *
 * Each channel is a stream "rivulet:<name>\x1f<topic>".  Publishing is
 * XADD (the id is Redis's, "<ms>-<seq>", as the embedded hub's), capped
 * at about channel_history entries.  One reader thread per server reads
 * every channel that has subscribers here with XREAD BLOCK and hands the
 * items to the hub, which delivers them as if they had been published
 * locally: so this instance's own items come back the same way, in the
 * order Redis gave them ids.  A subscriber that resumes is replayed from
 * the stream itself (XRANGE), so resumption works across instances.
 *
 * When Redis is away, publishers get RV_EIO, subscribers get an event
 * "reset" {"reason":"backend-down"}, the reader reconnects with backoff
 * and, once back, says {"reason":"backend-up"} and goes on from the
 * last id it had: nothing published meanwhile on Redis is skipped.
 */
#include <sys/time.h>

#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "internal.h"
#include "channel.h"

#define KEY_PREFIX	"rivulet:"
#define KEY_SEP		'\x1f'
#define BLOCK_MS	"200"
#define READ_COUNT	"1000"
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000

struct redis {
	struct hub	*hub;
	char		 host[256];
	int		 port;
	pthread_mutex_t	 mu;		/* pc: publishers and replays */
	redisContext	*pc;
	pthread_t	 th;
	int		 started;
	atomic_int	 stop;
};

static void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

static redisContext *
dial(const struct redis *r, long ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	redisContext	*c;

	if ((c = redisConnectWithTimeout(r->host, r->port, tv)) == NULL)
		return NULL;
	if (c->err) {
		redisFree(c);
		return NULL;
	}
	tv.tv_sec = 2;
	tv.tv_usec = 0;
	(void)redisSetTimeout(c, tv);
	return c;
}

/* "rivulet:" name 0x1f topic, into buf; its length, 0 if too long. */
static size_t
stream_key(char *buf, size_t len, const char *name, const char *topic)
{
	int	 n;

	n = snprintf(buf, len, KEY_PREFIX "%s%c%s", name, KEY_SEP,
	    topic != NULL ? topic : "");
	return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}

/* pc's command, reconnecting once if the connection broke. */
static redisReply *
command(struct redis *r, int argc, const char **argv, const size_t *lens)
{
	redisReply	*rep;
	int		 try;

	for (try = 0; try < 2; try++) {
		if (r->pc == NULL && (r->pc = dial(r, 500)) == NULL)
			return NULL;
		if ((rep = redisCommandArgv(r->pc, argc, argv, lens)) != NULL)
			return rep;
		redisFree(r->pc);
		r->pc = NULL;
	}
	return NULL;
}

int
redis_publish(struct redis *r, const char *name, const char *topic,
    const char *event, const void *data, size_t len, size_t maxlen,
    char *idbuf, size_t idlen)
{
	const char	*argv[10];
	size_t		 lens[10], klen;
	char		 key[320], cap[32];
	redisReply	*rep;
	int		 argc = 0, rc = RV_EIO;

	if ((klen = stream_key(key, sizeof(key), name, topic)) == 0)
		return RV_EINVAL;
	snprintf(cap, sizeof(cap), "%zu", maxlen > 0 ? maxlen : 1);
#define ARG(s, n) (argv[argc] = (s), lens[argc++] = (n))
	ARG("XADD", 4);
	ARG(key, klen);
	ARG("MAXLEN", 6);
	ARG("~", 1);
	ARG(cap, strlen(cap));
	ARG("*", 1);
	if (event != NULL) {
		ARG("e", 1);
		ARG(event, strlen(event));
	}
	ARG("d", 1);
	ARG((const char *)data, len);
#undef ARG
	pthread_mutex_lock(&r->mu);
	rep = command(r, argc, argv, lens);
	if (rep != NULL && rep->type == REDIS_REPLY_STRING) {
		if (idbuf != NULL && idlen > 0)
			snprintf(idbuf, idlen, "%s", rep->str);
		rc = RV_OK;
	} else
		logx(RV_LOG_WARN, "channel %s: publish to redis://%s:%d: %s",
		    name, r->host, r->port, rep != NULL && rep->str != NULL ?
		    rep->str : "not reachable");
	pthread_mutex_unlock(&r->mu);
	freeReplyObject(rep);
	return rc;
}

/* The value of field name in a flat XINFO reply, or NULL. */
static redisReply *
info_field(redisReply *rep, const char *name)
{
	size_t	 i;

	for (i = 0; i + 1 < rep->elements; i += 2)
		if (rep->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(rep->element[i]->str, name) == 0)
			return rep->element[i + 1];
	return NULL;
}

/* An entry [id, [field, value, ...]] as a message; NULL if malformed. */
static struct chmsg *
entry_msg(redisReply *e)
{
	redisReply	*f, *data = NULL, *ev = NULL;
	struct chmsg	*m;
	uint64_t	 ms, seq;
	size_t		 i;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    chid_parse(e->element[0]->str, &ms, &seq) != 0 ||
	    (f = e->element[1])->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < f->elements; i += 2) {
		if (f->element[i]->type != REDIS_REPLY_STRING ||
		    f->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(f->element[i]->str, "d") == 0)
			data = f->element[i + 1];
		else if (strcmp(f->element[i]->str, "e") == 0)
			ev = f->element[i + 1];
	}
	if (data == NULL || data->len == 0 ||
	    (m = chmsg_new(ev != NULL ? ev->str : NULL, data->str,
	    data->len)) == NULL)
		return NULL;
	chmsg_set_id(m, ms, seq);
	return m;
}

/*
 * For a new subscriber: the stream's newest id (where live reading
 * starts) and, if it resumes from last, the entries after last and
 * whether some it missed are gone.  In a handler's thread.
 */
int
redis_prepare(struct redis *r, const char *name, const char *topic,
    const char *last, size_t max, struct redis_prep *p)
{
	const char	*argv[6];
	size_t		 lens[6], klen, i;
	char		 key[320], from[48], cnt[32];
	redisReply	*info, *rng = NULL, *f;
	uint64_t	 lms = 0, lseq = 0, ms, seq;
	int		 rc = RV_OK, known;

	memset(p, 0, sizeof(*p));
	if ((klen = stream_key(key, sizeof(key), name, topic)) == 0)
		return RV_EINVAL;
	if (last != NULL && chid_parse(last, &lms, &lseq) != 0)
		p->gap = 1;
	argv[0] = "XINFO", argv[1] = "STREAM", argv[2] = key;
	lens[0] = 5, lens[1] = 6, lens[2] = klen;
	pthread_mutex_lock(&r->mu);
	info = command(r, 3, argv, lens);
	if (info == NULL) {
		pthread_mutex_unlock(&r->mu);
		return RV_EIO;
	}
	known = info->type == REDIS_REPLY_ARRAY;
	if (known && (f = info_field(info, "last-generated-id")) != NULL &&
	    f->type == REDIS_REPLY_STRING &&
	    chid_parse(f->str, &ms, &seq) == 0) {
		p->cur_ms = ms;
		p->cur_seq = seq;
	}
	if (last != NULL && !p->gap) {
		/* Entries after last were trimmed, or last is not ours. */
		if (known && (f = info_field(info, "max-deleted-entry-id")) !=
		    NULL && f->type == REDIS_REPLY_STRING &&
		    chid_parse(f->str, &ms, &seq) == 0 &&
		    chid_cmp(lms, lseq, ms, seq) < 0)
			p->gap = 1;
		if (chid_cmp(lms, lseq, p->cur_ms, p->cur_seq) > 0)
			p->gap = 1;
	}
	if (last != NULL && known) {
		snprintf(from, sizeof(from), "(%" PRIu64 "-%" PRIu64,
		    p->gap ? 0 : lms, p->gap ? 0 : lseq);
		snprintf(cnt, sizeof(cnt), "%zu", max > 0 ? max : 1);
		argv[0] = "XRANGE", argv[1] = key, argv[2] = from;
		argv[3] = "+", argv[4] = "COUNT", argv[5] = cnt;
		lens[0] = 6, lens[1] = klen, lens[2] = strlen(from);
		lens[3] = 1, lens[4] = 5, lens[5] = strlen(cnt);
		if ((rng = command(r, 6, argv, lens)) == NULL)
			rc = RV_EIO;
	}
	pthread_mutex_unlock(&r->mu);
	if (rng != NULL && rng->type == REDIS_REPLY_ARRAY && rng->elements > 0 &&
	    (p->items = calloc(rng->elements, sizeof(*p->items))) != NULL)
		for (i = 0; i < rng->elements; i++)
			if ((p->items[p->n] = entry_msg(rng->element[i])) != NULL)
				p->n++;
	freeReplyObject(rng);
	freeReplyObject(info);
	return rc;
}

/* One XREAD round over every channel with subscribers here. */
static int
read_round(struct redis *r, redisContext *c)
{
	struct hub_cursor	*cur = NULL;
	const char		**argv = NULL;
	size_t			*lens = NULL, n = 0, i, j;
	char			(*ids)[48] = NULL;
	redisReply		*rep, *s, *e;
	struct chmsg		*m;
	int			 argc, rc = 0;

	if (hub_cursors(r->hub, &cur, &n) != RV_OK || n == 0) {
		free(cur);
		sleep_ms(50);
		return 0;
	}
	argc = 6 + 2 * (int)n;
	if ((argv = calloc((size_t)argc, sizeof(*argv))) == NULL ||
	    (lens = calloc((size_t)argc, sizeof(*lens))) == NULL ||
	    (ids = calloc(n, sizeof(*ids))) == NULL) {
		rc = 0;
		goto out;
	}
	argv[0] = "XREAD", argv[1] = "COUNT", argv[2] = READ_COUNT;
	argv[3] = "BLOCK", argv[4] = BLOCK_MS, argv[5] = "STREAMS";
	for (i = 0; i < n; i++) {
		argv[6 + i] = cur[i].key;
		lens[6 + i] = cur[i].keylen;
		snprintf(ids[i], sizeof(ids[i]), "%" PRIu64 "-%" PRIu64,
		    cur[i].ms, cur[i].seq);
		argv[6 + n + i] = ids[i];
		lens[6 + n + i] = strlen(ids[i]);
	}
	for (i = 0; i < 6; i++)
		lens[i] = strlen(argv[i]);
	if ((rep = redisCommandArgv(c, argc, argv, lens)) == NULL) {
		rc = -1;
		goto out;
	}
	for (i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
		s = rep->element[i];
		if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
		    s->element[0]->type != REDIS_REPLY_STRING ||
		    s->element[1]->type != REDIS_REPLY_ARRAY)
			continue;
		for (j = 0; j < s->element[1]->elements; j++) {
			e = s->element[1]->element[j];
			if ((m = entry_msg(e)) == NULL)
				continue;
			hub_inject(r->hub, s->element[0]->str +
			    strlen(KEY_PREFIX), s->element[0]->len -
			    strlen(KEY_PREFIX), m);
			chmsg_unref(m);
		}
	}
	if (rep->type == REDIS_REPLY_ERROR)
		logx(RV_LOG_WARN, "redis XREAD: %s", rep->str);
	freeReplyObject(rep);
out:
	for (i = 0; cur != NULL && i < n; i++)
		free(cur[i].key);
	free(cur);
	free(argv);
	free(lens);
	free(ids);
	return rc;
}

static void *
reader(void *arg)
{
	struct redis	*r = arg;
	redisContext	*c = NULL;
	long		 backoff = BACKOFF_MIN_MS;
	int		 down = 0;
	sigset_t	 all;

	/* Signals are the main thread's; a broken socket is EPIPE here. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	while (!atomic_load(&r->stop)) {
		if (c == NULL && (c = dial(r, 1000)) == NULL) {
			if (!down) {
				logx(RV_LOG_WARN, "channels: redis://%s:%d is "
				    "not reachable: retrying", r->host, r->port);
				hub_signal(r->hub, "backend-down");
				down = 1;
			}
			sleep_ms(backoff);
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
			    backoff * 2;
			continue;
		}
		if (down) {
			logx(RV_LOG_INFO, "channels: redis://%s:%d is back",
			    r->host, r->port);
			hub_signal(r->hub, "backend-up");
			down = 0;
		}
		backoff = BACKOFF_MIN_MS;
		if (read_round(r, c) != 0) {
			redisFree(c);
			c = NULL;
		}
	}
	if (c != NULL)
		redisFree(c);
	return NULL;
}

/* "redis://host[:port][/]" */
static int
parse_url(struct redis *r, const char *url)
{
	const char	*h, *colon, *end;
	char		*e;
	long		 port = 6379;
	size_t		 n;

	if (strncmp(url, "redis://", 8) != 0)
		return -1;
	h = url + 8;
	end = h + strcspn(h, "/");
	if (*end == '/' && end[1] != '\0')
		return -1;	/* databases and options: not supported */
	colon = memchr(h, ':', (size_t)(end - h));
	n = (size_t)((colon != NULL ? colon : end) - h);
	if (n == 0 || n >= sizeof(r->host))
		return -1;
	memcpy(r->host, h, n);
	r->host[n] = '\0';
	if (colon != NULL) {
		errno = 0;
		port = strtol(colon + 1, &e, 10);
		if (errno != 0 || e != end || port < 1 || port > 65535)
			return -1;
	}
	r->port = (int)port;
	return 0;
}

int
redis_open(struct hub *h, const char *url, struct redis **out)
{
	struct redis	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return RV_ENOMEM;
	if (parse_url(r, url) != 0) {
		free(r);
		return RV_EINVAL;
	}
	r->hub = h;
	atomic_init(&r->stop, 0);
	if (pthread_mutex_init(&r->mu, NULL) != 0) {
		free(r);
		return RV_ENOMEM;
	}
	*out = r;
	return RV_OK;
}

int
redis_start(struct redis *r)
{

	if (r->started)
		return RV_OK;
	if (pthread_create(&r->th, NULL, reader, r) != 0)
		return RV_ENOMEM;
	r->started = 1;
	return RV_OK;
}

void
redis_close(struct redis *r)
{

	if (r == NULL)
		return;
	atomic_store(&r->stop, 1);
	if (r->started)
		pthread_join(r->th, NULL);
	if (r->pc != NULL)
		redisFree(r->pc);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
