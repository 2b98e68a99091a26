/* modload.h: handler modules from shared objects. */
#ifndef RV_MODLOAD_H
#define RV_MODLOAD_H

#include "rivulet.h"

struct modset {
	void	**handles;
	size_t	  n;
};

/* dlopen path and add its module to srv; -1 with err on failure. */
int	 modload(struct modset *, struct rv_server *, const char *path,
	    char *err, size_t errlen);
void	 modset_close(struct modset *);

#endif
