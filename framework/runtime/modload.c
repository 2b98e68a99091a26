/*
 * modload.c: dlopen a module, find its descriptor, hand it to the
 * server, which checks the ABI before it calls anything in it.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modload.h"

int
modload(struct modset *ms, struct rv_server *srv, const char *path,
    char *err, size_t errlen)
{
	const struct rv_module	*m;
	void			*h, **hs;
	char			 why[512];

	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "%s: cannot load: %s", path, dlerror());
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
		snprintf(err, errlen, "%s: refused: %s", path, why);
		dlclose(h);
		return -1;
	}
	if ((hs = realloc(ms->handles, (ms->n + 1) * sizeof(*hs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	hs[ms->n++] = h;
	ms->handles = hs;
	return 0;
}

void
modset_close(struct modset *ms)
{
	size_t	 i;

	for (i = 0; i < ms->n; i++)
		dlclose(ms->handles[i]);
	free(ms->handles);
	ms->handles = NULL;
	ms->n = 0;
}
