/* privs.h: the socket's group, and dropping root after binding. */
#ifndef RV_PRIVS_H
#define RV_PRIVS_H

#include <stddef.h>

/* chown the unix socket at path to group (NULL: leave it); -1 + err. */
int	 privs_socket_group(const char *path, const char *group, char *err,
	    size_t errlen);
/*
 * As root, become user (and group, else user's own group); not root:
 * nothing (say so if user was asked).  -1 with why in err.
 */
int	 privs_drop(const char *user, const char *group, char *err,
	    size_t errlen);

#endif
