/* modload.h: handler modules from shared objects. */
#ifndef RV_MODLOAD_H
#define RV_MODLOAD_H

#include <stddef.h>

#include "rivulet.h"

/* The dlopen() handles of the modules a server holds. */
struct modset {
	void	**handles;
	size_t	  n;
};

/*
 * dlopen path and add its module to srv (which checks its ABI before
 * calling anything in it).  0, or -1 with "PATH: why" in err.
 */
int	 modload(struct modset *, struct rv_server *srv, const char *path,
	    char *err, size_t errlen);
/* dlclose them all: only once the server holding them is freed. */
void	 modset_close(struct modset *);

#endif
