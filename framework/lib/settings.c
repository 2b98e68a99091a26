/*
 * settings.c: what the operator tells modules through the server:
 * named settings ("download_dir") and how files may be delegated to
 * the front server.  Set before serving, read by every thread after.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int
name_ok(const char *s)
{

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_' || *s == '.' || *s == '-'))
			return 0;
	return 1;
}

int
rv_server_setting(struct rv_server *srv, const char *name, const char *value)
{
	struct rv_kv	*kv;
	char		*k, *v;
	size_t		 i;

	if (srv->loop != NULL)
		return RV_ESTATE;
	if (!name_ok(name) || value == NULL)
		return RV_EINVAL;
	if ((v = strdup(value)) == NULL)
		return RV_ENOMEM;
	for (i = 0; i < srv->nsettings; i++)
		if (strcmp(srv->settings[i].key, name) == 0) {
			free((char *)srv->settings[i].val);
			srv->settings[i].val = v;
			return RV_OK;
		}
	if ((k = strdup(name)) == NULL || (kv = realloc(srv->settings,
	    (srv->nsettings + 1) * sizeof(*kv))) == NULL) {
		free(k);
		free(v);
		return RV_ENOMEM;
	}
	kv[srv->nsettings].key = k;
	kv[srv->nsettings++].val = v;
	srv->settings = kv;
	return RV_OK;
}

const char *
rv_setting(const struct rv_req *rq, const char *name, const char *def)
{
	const struct rv_server	*srv = rq->srv;
	size_t			 i;

	for (i = 0; name != NULL && i < srv->nsettings; i++)
		if (strcmp(srv->settings[i].key, name) == 0)
			return srv->settings[i].val;
	return def;
}

int
rv_server_file_delegation(struct rv_server *srv, enum rv_delegate how,
    const char *prefix)
{
	char	*p = NULL;
	size_t	 n;

	if (srv->loop != NULL)
		return RV_ESTATE;
	if (how != RV_DELEGATE_OFF && how != RV_DELEGATE_XSENDFILE &&
	    how != RV_DELEGATE_XACCEL)
		return RV_EINVAL;
	if (how == RV_DELEGATE_XACCEL) {
		/* A URI path: no CR/LF may reach the header. */
		if (prefix == NULL || prefix[0] != '/' ||
		    strpbrk(prefix, "\r\n ") != NULL)
			return RV_EINVAL;
		if ((p = strdup(prefix)) == NULL)
			return RV_ENOMEM;
		/*
		 * "/internal/" and "/internal" both mean /internal/<rel>,
		 * and "/" means /<rel>.
		 */
		for (n = strlen(p); n > 0 && p[n - 1] == '/'; )
			p[--n] = '\0';
	}
	free(srv->delegate_prefix);
	srv->delegate_prefix = p;
	srv->delegate = how;
	return RV_OK;
}

void
settings_free(struct rv_server *srv)
{
	size_t	 i;

	for (i = 0; i < srv->nsettings; i++) {
		free((char *)srv->settings[i].key);
		free((char *)srv->settings[i].val);
	}
	free(srv->settings);
	srv->settings = NULL;
	srv->nsettings = 0;
	free(srv->delegate_prefix);
	srv->delegate_prefix = NULL;
}
