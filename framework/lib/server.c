/*
 * server.c: a server of routes and encoders: the embedding API that
 * the rivulet daemon, and the test harness, are built on.
 */
#include <sys/eventfd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "conn.h"

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
	srv->lim.thread_stack = 256 * 1024;
	srv->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	srv->stop_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv->stopfd < 0 || srv->stop_evfd < 0 ||
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
	for (i = srv->nmods; i > 0; i--)
		if (srv->mods[i - 1].mod->fini != NULL)
			srv->mods[i - 1].mod->fini(srv->mods[i - 1].data);
	for (i = 0; i < srv->nroutes; i++)
		route_free(&srv->routes[i]);
	if (srv->pool != NULL)
		pool_free(srv->pool);
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

	if (l->max_params < 1024 || l->max_item < 1024 ||
	    l->max_handlers == 0 || l->params_timeout_ms == 0 ||
	    (l->thread_stack != 0 && l->thread_stack < 64 * 1024))
		return RV_EINVAL;
	srv->lim = *l;
	return RV_OK;
}

int
rv_server_mount(struct rv_server *srv, const char *prefix)
{
	char	*m = NULL;

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

int
rv_server_add_encoder(struct rv_server *srv, const struct rv_encoder *e)
{
	const struct rv_encoder	**encs;

	if (e == NULL || e->abi != RV_ABI_VERSION)
		return RV_EABI;
	if (e->name == NULL || e->media_type == NULL || e->token == NULL ||
	    strchr(e->name, ' ') != NULL)
		return RV_EINVAL;
	if (encoder_by_name(srv, e->name, strlen(e->name)) != NULL &&
	    strcmp(encoder_by_name(srv, e->name, strlen(e->name))->name,
	    e->name) == 0)
		return RV_EINVAL;	/* a name is taken once */
	encs = realloc(srv->encs, (srv->nencs + 1) * sizeof(*encs));
	if (encs == NULL)
		return RV_ENOMEM;
	encs[srv->nencs++] = e;
	srv->encs = encs;
	return RV_OK;
}

static int
add_routes(struct rv_server *srv, const struct rv_module *m, void *data,
    char *err, size_t errlen)
{
	const struct rv_route	*r;
	struct route		*rt;
	size_t			 i, n = 0;
	int			 rc;

	for (r = m->routes; r != NULL && r->pattern != NULL; r++)
		n++;
	if ((rt = realloc(srv->routes, (srv->nroutes + n) *
	    sizeof(*rt))) == NULL && n > 0)
		return RV_ENOMEM;
	if (rt != NULL)
		srv->routes = rt;
	for (r = m->routes; r != NULL && r->pattern != NULL; r++) {
		for (i = 0; i < srv->nroutes; i++)
			if (strcmp(srv->routes[i].pattern, r->pattern) == 0 &&
			    strcmp(srv->routes[i].method, r->method) == 0) {
				snprintf(err, errlen, "module '%s': %s %s is "
				    "already routed by module '%s'", m->name,
				    r->method, r->pattern,
				    srv->routes[i].module);
				return RV_EINVAL;
			}
		if ((rc = route_compile(&srv->routes[srv->nroutes], r->method,
		    r->pattern, r->handler, m->name, data, err, errlen)) !=
		    RV_OK)
			return rc;
		srv->nroutes++;
	}
	return RV_OK;
}

int
rv_server_add_module(struct rv_server *srv, const struct rv_module *m,
    char *err, size_t errlen)
{
	struct module_ent	*mods;
	const struct rv_encoder	*const *e;
	void			*data = NULL;
	size_t			 nr = srv->nroutes, ne = srv->nencs;
	int			 rc;

	if (m->abi != RV_ABI_VERSION) {
		snprintf(err, errlen, "module '%s' was built for rivulet ABI "
		    "%u; this rivulet speaks ABI %u: rebuild it against this "
		    "rivulet.h", m->abi < 1000 && m->name != NULL ? m->name :
		    "?", (unsigned)m->abi, RV_ABI_VERSION);
		return RV_EABI;
	}
	if (m->size != sizeof(*m) || m->name == NULL) {
		snprintf(err, errlen, "module '%s': descriptor of %u bytes, "
		    "expected %zu (ABI mismatch)", m->name ? m->name : "?",
		    (unsigned)m->size, sizeof(*m));
		return RV_EABI;
	}
	if ((mods = realloc(srv->mods, (srv->nmods + 1) * sizeof(*mods))) ==
	    NULL)
		return RV_ENOMEM;
	srv->mods = mods;
	if (m->init != NULL && m->init(&data) != 0) {
		snprintf(err, errlen, "module '%s': its init failed", m->name);
		return RV_EINVAL;
	}
	rc = add_routes(srv, m, data, err, errlen);
	for (e = m->encoders; rc == RV_OK && e != NULL && *e != NULL; e++)
		if ((rc = rv_server_add_encoder(srv, *e)) != RV_OK)
			snprintf(err, errlen, "module '%s': encoder '%s' "
			    "refused: %s", m->name, (*e)->name ? (*e)->name :
			    "?", rc == RV_EABI ? "built for another ABI" :
			    "bad or duplicate name");
	if (rc != RV_OK) {
		/* Undo: the server stays as it was. */
		while (srv->nroutes > nr)
			route_free(&srv->routes[--srv->nroutes]);
		srv->nencs = ne;
		if (m->fini != NULL)
			m->fini(data);
		return rc;
	}
	srv->mods[srv->nmods].mod = m;
	srv->mods[srv->nmods++].data = data;
	return RV_OK;
}

void
rv_server_stop(struct rv_server *srv)
{
	uint64_t	 one = 1;

	atomic_store(&srv->stopping, 1);
	(void)!write(srv->stopfd, &one, sizeof(one));
	(void)!write(srv->stop_evfd, &one, sizeof(one));
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
