/*
 * sendq.h: many small sends to many sockets in few system calls.
 * Internal to librivulet.
 */
#ifndef RV_SENDQ_H
#define RV_SENDQ_H

#include <sys/types.h>

#include <stddef.h>

/* One send: fd, bytes; res is what the socket took, or -errno. */
struct sendq_op {
	int		 fd;
	const void	*p;
	size_t		 len;
	ssize_t		 res;
};

struct sendq;

struct sendq	*sendq_new(unsigned);
void		 sendq_free(struct sendq *);
void		 sendq_run(struct sendq *, struct sendq_op *, size_t);

#endif /* !RV_SENDQ_H */
