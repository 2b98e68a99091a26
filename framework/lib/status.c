/*
 * status.c: counters, and the status route that shows them.
 *
 * Every finished request is noted (log_access): this process's totals,
 * answers by status class, and per route a count and a latency
 * histogram.  With a supervisor, each worker also adds its totals to
 * its slot in the shared log's header, and the per-route figures and
 * answers by class go to entries there that every worker adds to: the
 * status route shows them all whichever worker answers, and a worker's
 * restart loses none of them.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"
#include "channel.h"

#define NBUCKETS	SHM_BUCKETS

static const unsigned bucket_ms[NBUCKETS] = {
	5, 10, 25, 50, 100, 250, 500, 1000, 5000, 0	/* 0: +Inf */
};

/* A route's figures: this process's, or shared (struct shm_route). */
struct srv_stats {
	atomic_ulong		 requests, bytes;
	struct shm_totals	 own_totals;	/* by class, gone */
	struct shm_totals	*totals;	/* own, or shared */
	size_t			 nroutes;
	struct shm_route	*own;		/* one a route */
	struct shm_route	**routes;	/* own, or shared */
};

static int64_t
wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
stats_start(struct rv_server *srv)
{
	struct srv_stats	*st;

	if (srv->stats != NULL)
		return RV_OK;
	struct shm_att		*sa = hub_shared(srv->hub);
	size_t			 i;

	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->own = calloc(srv->nroutes + 1, sizeof(*st->own))) == NULL ||
	    (st->routes = calloc(srv->nroutes + 1,
	    sizeof(*st->routes))) == NULL) {
		if (st != NULL)
			free(st->own);
		free(st);
		return RV_ENOMEM;
	}
	st->nroutes = srv->nroutes;
	st->totals = sa != NULL ? shm_totals(sa) : &st->own_totals;
	for (i = 0; i < st->nroutes; i++)
		if (sa == NULL || (st->routes[i] = shm_route(sa,
		    srv->routes[i].method, srv->routes[i].pattern)) == NULL)
			st->routes[i] = &st->own[i];
	srv->stats = st;
	return RV_OK;
}

void
stats_free(struct rv_server *srv)
{

	if (srv->stats != NULL) {
		free(srv->stats->routes);
		free(srv->stats->own);
	}
	free(srv->stats);
	srv->stats = NULL;
	free(srv->status_path);
	free(srv->status_token);
}

/* A hung handler answered 504 (loop.c's conn_hung). */
void
stats_note_hung(struct rv_server *srv)
{

	if (srv->stats != NULL)
		atomic_fetch_add(&srv->stats->totals->hung, 1);
}

void
stats_note(const struct rv_req *rq, long ms)
{
	struct srv_stats	*st = rq->srv->stats;
	struct shm_worker	*w;
	struct shm_route	*rs;
	size_t			 b, i;
	long			 ttfb;
	int			 cls = rq->stream.status / 100;

	/* Slow: the head took long (a stream's length is its own affair). */
	if (rq->srv->slow_ms > 0 && rq->stream.head_at.tv_sec != 0) {
		ttfb = (long)((rq->stream.head_at.tv_sec - rq->start.tv_sec) *
		    1000 + (rq->stream.head_at.tv_nsec - rq->start.tv_nsec) /
		    1000000);
		if ((unsigned long)ttfb >= rq->srv->slow_ms)
			logx(RV_LOG_WARN, "slow request: %s %s answered after "
			    "%ld ms (slow_request %lu ms)", rq->method != NULL ?
			    rq->method : "-", rq->path != NULL ? rq->path : "-",
			    ttfb, rq->srv->slow_ms);
	}
	if (st == NULL)
		return;
	atomic_fetch_add(&st->requests, 1);
	atomic_fetch_add(&st->bytes, rq->stream.bytes);
	if (rq->stream.err == RV_EGONE)
		atomic_fetch_add(&st->totals->gone, 1);
	if (cls >= 1 && cls <= 5)
		atomic_fetch_add(&st->totals->by_class[cls], 1);
	if (rq->route != NULL && (i = (size_t)(rq->route -
	    rq->srv->routes)) < st->nroutes) {
		rs = st->routes[i];
		atomic_fetch_add(&rs->n, 1);
		atomic_fetch_add(&rs->ms_sum, (unsigned long)ms);
		for (b = 0; b < NBUCKETS - 1 && (unsigned long)ms >
		    bucket_ms[b]; b++)
			continue;
		atomic_fetch_add(&rs->hist[b], 1);
	}
	if ((w = shm_slot(hub_shared(rq->srv->hub))) != NULL) {
		atomic_fetch_add(&w->requests, 1);
		atomic_fetch_add(&w->bytes, rq->stream.bytes);
		if (cls == 5)
			atomic_fetch_add(&w->errors, 1);
	}
}

/* ------------------------------------------------------------------ */
/* The route                                                            */

struct figures {
	unsigned long	 requests, active, bytes, errors, restarts;
	unsigned	 workers;
};

/* Totals: every worker's if there is a supervisor, else ours. */
static void
totals(struct rv_server *srv, struct figures *f, struct rv_stream *s,
    int json)
{
	struct shm_att		*sa = hub_shared(srv->hub);
	struct shm_worker	*w;
	size_t			 i;
	int			 pid;

	memset(f, 0, sizeof(*f));
	if (sa == NULL || shm_slot(sa) == NULL) {
		f->requests = atomic_load(&srv->stats->requests);
		f->bytes = atomic_load(&srv->stats->bytes);
		f->errors = atomic_load(&srv->stats->totals->by_class[5]);
		f->active = atomic_load(&srv->n_active);
		f->workers = 1;
		return;
	}
	w = shm_workers(sa, &f->restarts);
	if (json)
		rv_key(s, "workers_detail"), rv_array_open(s);
	for (i = 0; i < SHM_WORKERS; i++) {
		if ((pid = atomic_load(&w[i].pid)) == 0 || kill(pid, 0) != 0)
			continue;
		f->workers++;
		f->active += atomic_load(&w[i].active);
		f->requests += atomic_load(&w[i].requests);
		f->bytes += atomic_load(&w[i].bytes);
		f->errors += atomic_load(&w[i].errors);
		if (json)
			rv_packf(s, "{s:i, s:s, s:I, s:I, s:I}", "pid", pid,
			    "state", atomic_load(&w[i].draining) ? "draining" :
			    "serving", "active_handlers",
			    (json_int_t)atomic_load(&w[i].active),
			    "requests", (json_int_t)atomic_load(&w[i].requests),
			    "bytes_out", (json_int_t)atomic_load(&w[i].bytes));
	}
	if (json)
		rv_array_close(s);
}

static void
status_json(struct rv_req *rq, struct rv_stream *s)
{
	struct rv_server	*srv = rq->srv;
	struct srv_stats	*st = srv->stats;
	struct hub_stats	 hs;
	struct figures		 f;
	size_t			 i, b;

	hub_stats(srv->hub, &hs);
	rv_map_open(s);
	rv_kint(s, "uptime_seconds", (wall_ms() - srv->started) / 1000);
	rv_kint(s, "pid", getpid());
	totals(srv, &f, s, 1);
	rv_kint(s, "workers", f.workers);
	rv_kint(s, "worker_restarts", (int64_t)f.restarts);
	rv_kint(s, "requests", (int64_t)f.requests);
	rv_kint(s, "active_handlers", (int64_t)f.active);
	rv_kint(s, "bytes_out", (int64_t)f.bytes);
	rv_kint(s, "server_errors", (int64_t)f.errors);
	rv_kint(s, "clients_gone", (int64_t)atomic_load(&st->totals->gone));
	rv_kint(s, "handler_timeouts", (int64_t)atomic_load(&st->totals->hung));
	rv_key(s, "answers");
	rv_packf(s, "{s:I, s:I, s:I, s:I}",
	    "2xx", (json_int_t)atomic_load(&st->totals->by_class[2]),
	    "3xx", (json_int_t)atomic_load(&st->totals->by_class[3]),
	    "4xx", (json_int_t)atomic_load(&st->totals->by_class[4]),
	    "5xx", (json_int_t)atomic_load(&st->totals->by_class[5]));
	rv_key(s, "channels");
	rv_packf(s, "{s:I, s:I, s:I, s:I, s:I, s:I}",
	    "channels", (json_int_t)hs.channels,
	    "subscribers", (json_int_t)hs.subscribers,
	    "published", (json_int_t)hs.published,
	    "delivered", (json_int_t)hs.delivered,
	    "dropped_slow", (json_int_t)hs.dropped_slow,
	    "history_gaps", (json_int_t)hs.gaps);
	rv_key(s, "routes");
	rv_array_open(s);
	for (i = 0; i < st->nroutes; i++) {
		rv_map_open(s);
		rv_kstr(s, "method", srv->routes[i].method);
		rv_kstr(s, "pattern", srv->routes[i].pattern);
		rv_kint(s, "requests", (int64_t)atomic_load(&st->routes[i]->n));
		rv_kint(s, "ms_sum", (int64_t)atomic_load(&st->routes[i]->ms_sum));
		rv_key(s, "latency_ms");
		rv_map_open(s);
		for (b = 0; b < NBUCKETS; b++) {
			rv_key(s, b < NBUCKETS - 1 ? rv_fmt(s, "le_%u",
			    bucket_ms[b]) : "le_inf");
			rv_int(s, (int64_t)atomic_load(&st->routes[i]->hist[b]));
		}
		rv_map_close(s);
		rv_map_close(s);
	}
	rv_array_close(s);
	rv_map_close(s);
}

static void
status_prometheus(struct rv_req *rq, struct rv_stream *s)
{
	struct rv_server	*srv = rq->srv;
	struct srv_stats	*st = srv->stats;
	struct hub_stats	 hs;
	struct figures		 f;
	unsigned long		 run;
	size_t			 i, b;

	hub_stats(srv->hub, &hs);
	totals(srv, &f, s, 0);
	rv_textf(s, "# TYPE rivulet_uptime_seconds gauge\n"
	    "rivulet_uptime_seconds %lld\n"
	    "# TYPE rivulet_workers gauge\nrivulet_workers %u\n"
	    "# TYPE rivulet_worker_restarts_total counter\n"
	    "rivulet_worker_restarts_total %lu\n"
	    "# TYPE rivulet_requests_total counter\n"
	    "rivulet_requests_total %lu\n"
	    "# TYPE rivulet_active_handlers gauge\n"
	    "rivulet_active_handlers %lu\n"
	    "# TYPE rivulet_bytes_out_total counter\n"
	    "rivulet_bytes_out_total %lu\n"
	    "# TYPE rivulet_channel_subscribers gauge\n"
	    "rivulet_channel_subscribers %lu\n"
	    "# TYPE rivulet_channel_published_total counter\n"
	    "rivulet_channel_published_total %lu\n",
	    (long long)((wall_ms() - srv->started) / 1000), f.workers,
	    f.restarts, f.requests, f.active, f.bytes, hs.subscribers,
	    hs.published);
	rv_textf(s, "# TYPE rivulet_handler_timeouts_total counter\n"
	    "rivulet_handler_timeouts_total %lu\n"
	    "# TYPE rivulet_clients_gone_total counter\n"
	    "rivulet_clients_gone_total %lu\n",
	    atomic_load(&st->totals->hung), atomic_load(&st->totals->gone));
	rv_text(s, "# TYPE rivulet_answers_total counter\n");
	for (i = 2; i <= 5; i++)
		rv_textf(s, "rivulet_answers_total{class=\"%zuxx\"} %lu\n", i,
		    atomic_load(&st->totals->by_class[i]));
	rv_text(s, "# TYPE rivulet_route_latency_ms histogram\n");
	for (i = 0; i < st->nroutes; i++) {
		for (run = 0, b = 0; b < NBUCKETS; b++) {
			run += atomic_load(&st->routes[i]->hist[b]);
			if (b < NBUCKETS - 1)
				rv_textf(s, "rivulet_route_latency_ms_bucket{"
				    "method=\"%s\",route=\"%s\",le=\"%u\"} %lu\n",
				    srv->routes[i].method, srv->routes[i].pattern,
				    bucket_ms[b], run);
			else
				rv_textf(s, "rivulet_route_latency_ms_bucket{"
				    "method=\"%s\",route=\"%s\",le=\"+Inf\"} %lu\n",
				    srv->routes[i].method, srv->routes[i].pattern,
				    run);
		}
		rv_textf(s, "rivulet_route_latency_ms_sum{method=\"%s\","
		    "route=\"%s\"} %lu\nrivulet_route_latency_ms_count{"
		    "method=\"%s\",route=\"%s\"} %lu\n", srv->routes[i].method,
		    srv->routes[i].pattern, atomic_load(&st->routes[i]->ms_sum),
		    srv->routes[i].method, srv->routes[i].pattern,
		    atomic_load(&st->routes[i]->n));
	}
}

static int
loopback(const char *a)
{
	struct in6_addr	 v6;

	if (a == NULL)
		return 0;
	if (strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0)
		return 1;
	return inet_pton(AF_INET6, a, &v6) == 1 &&
	    strncmp(a, "::ffff:127.", 11) == 0;
}

static int
status_handler(struct rv_req *rq)
{
	struct rv_server	*srv = rq->srv;
	const char		*auth = rv_req_header(rq, "Authorization");
	const char		*fmt = rv_query(rq, "format", NULL);
	const char		*acc = rv_req_header(rq, "Accept");
	struct rv_stream	*s;
	int			 prom;

	if (!srv->status_public && !loopback(rv_env(rq, "REMOTE_ADDR")))
		return rv_deny(rq, 403, NULL, NULL, "the status is shown to "
		    "loopback clients only (status_public)");
	if (srv->status_token != NULL && (auth == NULL ||
	    strncasecmp(auth, "Bearer ", 7) != 0 ||
	    strcmp(auth + 7, srv->status_token) != 0))
		return rv_deny(rq, 401, "WWW-Authenticate",
		    "Bearer realm=\"rivulet status\"", "a bearer token is "
		    "needed (status_token)");
	prom = (fmt != NULL && strcmp(fmt, "prometheus") == 0) ||
	    (fmt == NULL && acc != NULL && strncmp(acc, "text/plain", 10) == 0);
	if (prom) {
		s = stream_open(rq, RV_TEXT, NULL);
		rv_bulk(s, 1);
		status_prometheus(rq, s);
	} else {
		s = stream_open(rq, RV_JSON, NULL);
		status_json(rq, s);
	}
	return rv_close(s);
}

int
rv_server_status(struct rv_server *srv, const char *path, const char *token,
    int public_)
{
	struct rv_route		*routes;
	struct rv_module	*m;
	char			 err[128];
	int			 rc;

	if (srv->loop != NULL)
		return RV_ESTATE;
	if (path == NULL || path[0] != '/')
		return RV_EINVAL;
	if ((srv->status_path = strdup(path)) == NULL ||
	    (token != NULL && (srv->status_token = strdup(token)) == NULL) ||
	    (routes = calloc(2, sizeof(*routes))) == NULL)
		return RV_ENOMEM;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		free(routes);
		return RV_ENOMEM;
	}
	srv->status_public = public_;
	routes[0].method = "GET";
	routes[0].pattern = srv->status_path;
	routes[0].handler = status_handler;
	m->abi = RV_ABI_VERSION;
	m->size = sizeof(*m);
	m->name = "status";
	m->routes = routes;
	rc = rv_server_add_module(srv, m, err, sizeof(err));
	srv->status_mod = m;
	return rc;
}

void
rv_server_slow_log(struct rv_server *srv, unsigned long ms)
{

	srv->slow_ms = ms;
}
