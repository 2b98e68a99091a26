/* listen.h: the listening socket: our own, or one we were handed. */
#ifndef RV_LISTEN_H
#define RV_LISTEN_H

#include <stddef.h>

/*
 * Open spec ("unix:/PATH", "tcp:HOST:PORT", "fd:N"), or, when spec is
 * NULL, take fd 0 if it is a listening socket (lighttpd's bin-path,
 * spawn-fcgi).  The socket is made non-blocking and close-on-exec.
 * *created is set to the unix socket path we bound (the caller unlinks
 * and frees it), else NULL.  -1 with err filled on failure.
 */
int	 listen_open(const char *spec, unsigned mode, char **created,
	    char *err, size_t errlen);

#endif
