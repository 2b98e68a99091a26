/*
 * listen.c: unix and TCP listening sockets, and inherited ones.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"

#define BACKLOG	1024

static int
is_listening(int fd)
{
	int		 on = 0;
	socklen_t	 len = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
	    on;
}

static int
open_unix(const char *path, unsigned mode, char **created, char *err,
    size_t errlen)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	/* A stale socket from a previous run; never remove anything else. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s: exists and is not a socket",
			    path);
			return -1;
		}
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    chmod(path, (mode_t)mode) != 0 || listen(fd, BACKLOG) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*created = strdup(path);
	return fd;
}

static int
open_tcp(const char *hostport, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256];
	const char	*colon = strrchr(hostport, ':');
	size_t		 hl;
	int		 fd = -1, on = 1, rc;

	if (colon == NULL || (hl = (size_t)(colon - hostport)) == 0 ||
	    hl >= sizeof(host)) {
		snprintf(err, errlen, "tcp:%s: expected tcp:HOST:PORT",
		    hostport);
		return -1;
	}
	memcpy(host, hostport, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		snprintf(err, errlen, "tcp:%s: %s", hostport,
		    gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    0)) < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) != 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
	    listen(fd, BACKLOG) != 0) {
		snprintf(err, errlen, "tcp:%s: %s", hostport, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
listen_open(const char *spec, unsigned mode, char **created, char *err,
    size_t errlen)
{
	char	*end;
	long	 fd;

	*created = NULL;
	if (spec == NULL || strncmp(spec, "fd:", 3) == 0) {
		fd = spec == NULL ? 0 : strtol(spec + 3, &end, 10);
		if (spec != NULL && (*end != '\0' || fd < 0 || fd > 65535)) {
			snprintf(err, errlen, "%s: bad descriptor", spec);
			return -1;
		}
		if (!is_listening((int)fd)) {
			snprintf(err, errlen, "fd %ld is not a listening socket "
			    "(set 'listen' in the config, or start rivulet "
			    "from lighttpd's bin-path or spawn-fcgi)", fd);
			return -1;
		}
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		return (int)fd;
	}
	if (strncmp(spec, "unix:", 5) == 0)
		return open_unix(spec + 5, mode, created, err, errlen);
	if (strncmp(spec, "tcp:", 4) == 0)
		return open_tcp(spec + 4, err, errlen);
	snprintf(err, errlen, "%s: listen must be unix:, tcp: or fd:", spec);
	return -1;
}
