/*
 * supervisor.h: a master and its worker processes (supervisor.c).
 * A "generation" is the master's loaded config, modules and server,
 * opaque here; main.c says how to serve, reload and drop one.
 */
#ifndef RV_SUPERVISOR_H
#define RV_SUPERVISOR_H

#include <stddef.h>

#include "rivulet.h"

struct sv_ops {
	struct rv_server	*(*server)(void *gen);
	/* In a new worker: serve gen on fd until stopped; the exit status. */
	int			 (*run)(void *gen, int fd);
	/* The config and modules again: a new generation, or NULL (said). */
	void			*(*reload)(void *arg);
	void			 (*drop)(void *gen);
};

/* Fork and watch `workers` workers until SIGTERM; the exit status. */
int	 supervise(void *gen, const struct sv_ops *, void *arg, int fd,
	    unsigned workers, size_t shm_bytes);

#endif
