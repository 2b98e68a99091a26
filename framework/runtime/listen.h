/* listen.h: the listening socket: our own, or one we were handed. */
#ifndef RV_LISTEN_H
#define RV_LISTEN_H

#include <stddef.h>

/*
 * Open spec ("unix:/path", "tcp:host:port", "fd:N"), or, when spec is
 * NULL, take fd 0 if it is a listening socket (lighttpd bin-path,
 * spawn-fcgi).  *created is set to the unix path we made (to unlink).
 * -1 with err filled on failure.
 */
int	 listen_open(const char *spec, unsigned mode, char **created,
	    char *err, size_t errlen);

#endif
