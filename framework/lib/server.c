/*
 * server.c: a server of routes and encoders: the embedding API that
 * the rivulet daemon, and the test harness, are built on.  Everything
 * here is set up before rv_server_serve(); while it serves, the route
 * table, the encoders and the limits are read by every thread and
 * changed by none (the setters refuse with RV_ESTATE).
 */
#include <sys/eventfd.h>

#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "channel.h"
#include "input.h"
#include "conn.h"

#define MAX_HANDLERS_LIMIT	100000

static const struct rv_encoder *const builtin[] = {
	&enc_ndjson, &enc_sse, &enc_msgpack, &enc_array, &enc_jsonseq,
	&enc_json, &enc_csv, &enc_text, &enc_bytes,
};

struct rv_server *
rv_server_new(void)
{
	struct rv_server	*srv;
	size_t			 i;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->stopfd = srv->stop_evfd = -1;
	srv->lim.max_params = 64 * 1024;
	srv->lim.max_body = 1024 * 1024;
	srv->lim.max_item = 16 * 1024 * 1024;
	srv->lim.max_handlers = 256;
	srv->lim.heartbeat_ms = 15000;
	srv->lim.params_timeout_ms = 5000;
	srv->lim.write_timeout_ms = 30000;
	srv->lim.handler_timeout_ms = 60000;
	srv->lim.thread_stack = 256 * 1024;
	srv->lim.channel_history = 1000;
	srv->lim.channel_history_age_ms = 3600 * 1000;
	srv->lim.channel_queue = 256 * 1024;
	srv->lim.channel_slow = RV_SLOW_DROP;
	srv->lim.max_subscribers = 20000;
	srv->lim.io_uring = 1;
	srv->lim.max_channel_subscribers = 0;
	srv->lim.max_upload = 1024 * 1024 * 1024;
	atomic_init(&srv->stopping, 0);
	atomic_init(&srv->n_requests, 0);
	atomic_init(&srv->n_gone, 0);
	atomic_init(&srv->n_active, 0);
	srv->pid = getpid();
	{
		struct timespec	 ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		srv->started = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
	srv->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	srv->stop_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv->stopfd < 0 || srv->stop_evfd < 0 ||
	    (srv->hub = hub_new(srv)) == NULL ||
	    (srv->pool = pool_new(srv)) == NULL) {
		rv_server_free(srv);
		return NULL;
	}
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (rv_server_add_encoder(srv, builtin[i]) != RV_OK) {
			rv_server_free(srv);
			return NULL;
		}
	return srv;
}

void
rv_server_free(struct rv_server *srv)
{
	size_t	 i;

	if (srv == NULL)
		return;
	/*
	 * Handlers still running (rv_server_serve() said RV_ESHUTDOWN)
	 * use all of it: leave it to the process's exit.
	 */
	if (srv->loop != NULL || pool_free(srv->pool) != RV_OK) {
		logx(RV_LOG_WARN, "rv_server_free: handlers still running: "
		    "the server is left allocated");
		return;
	}
	for (i = srv->nmods; i > 0; i--)
		if (srv->mods[i - 1].mod->fini != NULL)
			srv->mods[i - 1].mod->fini(srv->mods[i - 1].data);
	for (i = 0; i < srv->nroutes; i++)
		route_free(&srv->routes[i]);
	hub_free(srv->hub);
	if (srv->status_mod != NULL)
		free((void *)srv->status_mod->routes);
	free(srv->status_mod);
	stats_free(srv);
	guards_free(srv);
	settings_free(srv);
	allow_free(srv);
	if (srv->stopfd >= 0)
		close(srv->stopfd);
	if (srv->stop_evfd >= 0)
		close(srv->stop_evfd);
	free(srv->routes);
	free(srv->encs);
	free(srv->mods);
	free(srv->mount);
	free(srv);
}

void
rv_server_limits(struct rv_server *srv, struct rv_limits *l)
{

	*l = srv->lim;
}

int
rv_server_set_limits(struct rv_server *srv, const struct rv_limits *l)
{

	if (srv->loop != NULL)
		return RV_ESTATE;
	if (l->max_params < 1024 || l->max_item < 1024 ||
	    l->max_handlers == 0 || l->max_handlers > MAX_HANDLERS_LIMIT ||
	    l->params_timeout_ms == 0 ||
	    (l->thread_stack != 0 && l->thread_stack < 64 * 1024) ||
	    l->channel_slow < 0 || l->channel_slow >= RV_SLOW__MAX ||
	    l->channel_queue < 1024 || l->io_uring > 1)
		return RV_EINVAL;
	srv->lim = *l;
	return RV_OK;
}

int
rv_server_mount(struct rv_server *srv, const char *prefix)
{
	char	*m = NULL;

	if (srv->loop != NULL)
		return RV_ESTATE;
	if (prefix != NULL && *prefix != '\0') {
		if (prefix[0] != '/')
			return RV_EINVAL;
		if ((m = strdup(prefix)) == NULL)
			return RV_ENOMEM;
	}
	free(srv->mount);
	srv->mount = m;
	return RV_OK;
}

/* Is name taken, as a name (names) or as an alias (aliases)? */
static int
enc_taken(const struct rv_server *srv, const char *name, int as_alias)
{
	const char	*have;
	size_t		 i;

	for (i = 0; i < srv->nencs; i++) {
		have = as_alias ? srv->encs[i]->alias : srv->encs[i]->name;
		if (have != NULL && strcmp(have, name) == 0)
			return 1;
	}
	return 0;
}

static int
enc_name_ok(const char *s)
{

	return s != NULL && *s != '\0' && strpbrk(s, " \t\r\n,;") == NULL;
}

int
rv_server_add_encoder(struct rv_server *srv, const struct rv_encoder *e)
{
	const struct rv_encoder	**encs;

	if (srv->loop != NULL)
		return RV_ESTATE;
	if (e == NULL || e->abi != RV_ABI_VERSION)
		return RV_EABI;
	if (!enc_name_ok(e->name) || (e->alias != NULL &&
	    !enc_name_ok(e->alias)) || e->media_type == NULL ||
	    *e->media_type == '\0' || e->token == NULL)
		return RV_EINVAL;
	/*
	 * A name is taken once, an alias once.  A name may equal another
	 * encoder's alias ("json" names one document and aliases the
	 * array): names are looked up first.
	 */
	if (enc_taken(srv, e->name, 0) || (e->alias != NULL &&
	    enc_taken(srv, e->alias, 1)))
		return RV_EINVAL;
	encs = realloc(srv->encs, (srv->nencs + 1) * sizeof(*encs));
	if (encs == NULL)
		return RV_ENOMEM;
	encs[srv->nencs++] = e;
	srv->encs = encs;
	return RV_OK;
}

/* 0: literal, 1: {name}, 2: {name...} (as router.c reads them) */
static int
seg_class(const char *seg)
{
	size_t	 n;

	if (seg[0] != '{')
		return 0;
	n = strlen(seg);
	return n > 5 && strcmp(seg + n - 4, "...}") == 0 ? 2 : 1;
}

/* Would a and b match the same paths?  Capture names do not matter. */
static int
same_route(const struct route *a, const struct route *b)
{
	size_t	 i;
	int	 ca;

	if (strcmp(a->method, b->method) != 0 || a->nsegs != b->nsegs)
		return 0;
	for (i = 0; i < a->nsegs; i++) {
		ca = seg_class(a->segs[i]);
		if (ca != seg_class(b->segs[i]) ||
		    (ca == 0 && strcmp(a->segs[i], b->segs[i]) != 0))
			return 0;
	}
	return 1;
}

static int
is_end(const struct rv_route *r)
{

	return r->method == NULL && r->pattern == NULL && r->handler == NULL;
}

static int
add_route(struct rv_server *srv, const struct rv_module *m,
    const struct rv_route *r, void *data, char *err, size_t errlen)
{
	struct route	*rt = &srv->routes[srv->nroutes];
	char		 why[256];
	size_t		 i;
	int		 rc;

	if ((rc = route_compile(rt, r->method, r->pattern, r->handler,
	    m->name, data, why, sizeof(why))) != RV_OK) {
		snprintf(err, errlen, "module '%s': %s", m->name, why);
		return rc;
	}
	rt->guard_names = r->guards;
	if ((rc = guards_resolve(srv, rt, why, sizeof(why))) != RV_OK) {
		snprintf(err, errlen, "module '%s': %s", m->name, why);
		route_free(rt);
		return rc;
	}
	for (i = 0; i < srv->nroutes; i++)
		if (same_route(&srv->routes[i], rt)) {
			snprintf(err, errlen, "module '%s': %s %s is already "
			    "routed by module '%s' (%s)", m->name, r->method,
			    r->pattern, srv->routes[i].module,
			    srv->routes[i].pattern);
			route_free(rt);
			return RV_EINVAL;
		}
	srv->nroutes++;
	return RV_OK;
}

static int
add_routes(struct rv_server *srv, const struct rv_module *m, void *data,
    char *err, size_t errlen)
{
	const struct rv_route	*r;
	struct route		*rt;
	size_t			 n = 0;
	int			 rc;

	for (r = m->routes; r != NULL && !is_end(r); r++)
		n++;
	if (n == 0)
		return RV_OK;
	if ((rt = reallocarray(srv->routes, srv->nroutes + n,
	    sizeof(*rt))) == NULL) {
		snprintf(err, errlen, "module '%s': out of memory", m->name);
		return RV_ENOMEM;
	}
	srv->routes = rt;
	for (r = m->routes; !is_end(r); r++)
		if ((rc = add_route(srv, m, r, data, err, errlen)) != RV_OK)
			return rc;
	return RV_OK;
}

/* A module's own guards, before its routes name them. */
static int
add_guards(struct rv_server *srv, const struct rv_module *m, char *err,
    size_t errlen)
{
	const struct rv_guard	*g;
	int			 rc;

	for (g = m->guards; g != NULL && g->name != NULL; g++)
		if ((rc = rv_server_add_guard(srv, g->name, g->check,
		    g->arg)) != RV_OK) {
			snprintf(err, errlen, "module '%s': guard '%s' "
			    "refused: %s", m->name, g->name, rc == RV_EINVAL ?
			    "a bad or taken name, or no function" :
			    rv_strerror(rc));
			return rc;
		}
	return RV_OK;
}

static int
add_encoders(struct rv_server *srv, const struct rv_module *m, char *err,
    size_t errlen)
{
	const struct rv_encoder	*const *e;
	int			 rc;

	for (e = m->encoders; e != NULL && *e != NULL; e++)
		if ((rc = rv_server_add_encoder(srv, *e)) != RV_OK) {
			if (rc == RV_EABI)
				snprintf(err, errlen, "module '%s': encoder "
				    "'%s' was built for rivulet ABI %u; this "
				    "rivulet speaks ABI %u", m->name,
				    (*e)->name ? (*e)->name : "?",
				    (unsigned)(*e)->abi, RV_ABI_VERSION);
			else
				snprintf(err, errlen, "module '%s': encoder "
				    "'%s' refused: %s", m->name, (*e)->name ?
				    (*e)->name : "?", rc == RV_EINVAL ?
				    "a bad name or media type, or a name or "
				    "alias already taken" : rv_strerror(rc));
			return rc;
		}
	return RV_OK;
}

/* The descriptor is ours to read: same ABI, same size, a name. */
static int
check_module(const struct rv_module *m, char *err, size_t errlen)
{

	if (m->abi != RV_ABI_VERSION) {
		/*
		 * Only abi and size are sure to be where we look: show the
		 * name only if the descriptor at least has our size.
		 */
		snprintf(err, errlen, "module '%s' was built for rivulet "
		    "ABI %u; this rivulet speaks ABI %u: rebuild it against "
		    "this rivulet.h", m->size == sizeof(*m) && m->name != NULL ?
		    m->name : "?", (unsigned)m->abi, RV_ABI_VERSION);
		return RV_EABI;
	}
	if (m->size != sizeof(*m)) {
		snprintf(err, errlen, "module '%s': descriptor of %u bytes, "
		    "this rivulet's is %zu: rebuild it against this "
		    "rivulet.h", m->name != NULL ? m->name : "?",
		    (unsigned)m->size, sizeof(*m));
		return RV_EABI;
	}
	if (m->name == NULL || *m->name == '\0') {
		snprintf(err, errlen, "a module without a name");
		return RV_EINVAL;
	}
	return RV_OK;
}

int
rv_server_add_module(struct rv_server *srv, const struct rv_module *m,
    char *err, size_t errlen)
{
	struct module_ent	*mods;
	void			*data = NULL;
	size_t			 nr = srv->nroutes, ne = srv->nencs;
	struct guard		*g0 = srv->guard_list, *g;
	int			 rc;

	if (errlen > 0)
		*err = '\0';
	if (srv->loop != NULL) {
		snprintf(err, errlen, "modules are added before serving");
		return RV_ESTATE;
	}
	if (m == NULL) {
		snprintf(err, errlen, "no module");
		return RV_EINVAL;
	}
	if ((rc = check_module(m, err, errlen)) != RV_OK)
		return rc;
	if ((mods = realloc(srv->mods, (srv->nmods + 1) * sizeof(*mods))) ==
	    NULL) {
		snprintf(err, errlen, "module '%s': out of memory", m->name);
		return RV_ENOMEM;
	}
	srv->mods = mods;
	if (m->init != NULL && (rc = m->init(&data)) != 0) {
		snprintf(err, errlen, "module '%s': its init failed (%d)",
		    m->name, rc);
		return RV_EINVAL;
	}
	if ((rc = add_guards(srv, m, err, errlen)) == RV_OK &&
	    (rc = add_routes(srv, m, data, err, errlen)) == RV_OK)
		rc = add_encoders(srv, m, err, errlen);
	if (rc != RV_OK) {
		/* Undo: the server stays as it was. */
		while (srv->nroutes > nr)
			route_free(&srv->routes[--srv->nroutes]);
		srv->nencs = ne;
		while (srv->guard_list != g0) {
			g = srv->guard_list;
			srv->guard_list = g->next;
			free(g->name);
			free(g);
		}
		if (m->fini != NULL)
			m->fini(data);
		return rc;
	}
	srv->mods[srv->nmods].mod = m;
	srv->mods[srv->nmods++].data = data;
	return RV_OK;
}

/* Async-signal-safe: an atomic store and write(2) only. */
void
rv_server_stop(struct rv_server *srv)
{
	uint64_t	 one = 1;
	int		 running = 0;

	/* 2 (the grace is over) stays 2. */
	atomic_compare_exchange_strong(&srv->stopping, &running, 1);
	(void)!write(srv->stopfd, &one, sizeof(one));
	(void)!write(srv->stop_evfd, &one, sizeof(one));
}

/*
 * A server made before a fork (a supervisor's workers) would share its
 * eventfds with its siblings: one worker's wake-up read by another.
 * Each process serves with its own, at the same descriptor numbers.
 */
int
server_own_fds(struct rv_server *srv)
{
	int	 a, b;

	if (srv->pid == getpid())
		return RV_OK;
	if ((a = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return RV_EIO;
	if ((b = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		close(a);
		return RV_EIO;
	}
	if (dup3(a, srv->stopfd, O_CLOEXEC) < 0 ||
	    dup3(b, srv->stop_evfd, O_CLOEXEC) < 0) {
		close(a);
		close(b);
		return RV_EIO;
	}
	close(a);
	close(b);
	srv->pid = getpid();
	return RV_OK;
}

void
rv_server_routes(const struct rv_server *srv, void (*fn)(const char *,
    const char *, const char *, void *), void *arg)
{
	size_t	 i;

	for (i = 0; i < srv->nroutes; i++)
		fn(srv->routes[i].method, srv->routes[i].pattern,
		    srv->routes[i].module, arg);
}
