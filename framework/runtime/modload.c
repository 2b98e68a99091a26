/*
 * modload.c: dlopen a module, find its descriptor, hand it to the
 * server, which checks the ABI before it calls anything in it.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modload.h"

/* "PATH: cannot load: why", why from dlerror() without its own PATH. */
static void
dl_fail(const char *path, char *err, size_t errlen)
{
	const char	*e = dlerror();
	size_t		 n = strlen(path);

	if (e == NULL)
		e = "unknown dynamic loader error";
	else if (strncmp(e, path, n) == 0 && strncmp(e + n, ": ", 2) == 0)
		e += n + 2;
	snprintf(err, errlen, "%s: cannot load: %s", path, e);
}

int
modload(struct modset *ms, struct rv_server *srv, const char *path,
    char *err, size_t errlen)
{
	const struct rv_module	*m;
	void			*h, **hs;
	char			 why[512];

	/* Room first: a module added to srv must never lose its handle. */
	if ((hs = realloc(ms->handles, (ms->n + 1) * sizeof(*hs))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	ms->handles = hs;
	(void)dlerror();
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		dl_fail(path, err, errlen);
		return -1;
	}
	if ((m = dlsym(h, RV_MODULE_SYMBOL_NAME)) == NULL) {
		snprintf(err, errlen, "%s: not a rivulet module (no %s "
		    "symbol)", path, RV_MODULE_SYMBOL_NAME);
		dlclose(h);
		return -1;
	}
	why[0] = '\0';
	if (rv_server_add_module(srv, m, why, sizeof(why)) != RV_OK) {
		snprintf(err, errlen, "%s: refused: %s", path,
		    why[0] != '\0' ? why : "no reason given");
		dlclose(h);
		return -1;
	}
	hs[ms->n++] = h;
	return 0;
}

void
modset_close(struct modset *ms)
{
	size_t	 i;

	for (i = ms->n; i > 0; i--)
		dlclose(ms->handles[i - 1]);
	free(ms->handles);
	ms->handles = NULL;
	ms->n = 0;
}
