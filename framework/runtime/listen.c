/*
 * listen.c: unix and TCP listening sockets, and inherited ones.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"

/*
 * As deep as the kernel allows (net.core.somaxconn caps it): a front
 * server opening thousands of connections at once (a burst of SSE
 * subscribers) gets EAGAIN from a full unix socket queue, and lighttpd
 * then takes the backend for overloaded and answers 503 for a while.
 */
#define BACKLOG	65535

static int
set_flags(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	return 0;
}

/*
 * Is someone listening on the unix socket at sun?  1 yes, 0 no (a
 * stale file), -1 cannot tell (errno).
 */
static int
unix_in_use(const struct sockaddr_un *sun)
{
	int	 fd, rc, e;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	e = errno;
	close(fd);
	if (rc == 0 || e == EAGAIN)
		return 1;
	if (e == ECONNREFUSED || e == ENOENT)
		return 0;
	errno = e;
	return -1;
}

/* A socket file left by a run that died: remove it, and nothing else. */
static int
unix_clear(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	const char	*path = sun->sun_path;
	struct stat	 st;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "unix:%s: exists and is not a socket "
		    "(not removing it)", path);
		return -1;
	}
	switch (unix_in_use(sun)) {
	case 1:
		snprintf(err, errlen, "unix:%s: another process is listening "
		    "on it (is rivulet already running?)", path);
		return -1;
	case -1:
		snprintf(err, errlen, "unix:%s: cannot tell whether it is in "
		    "use: %s", path, strerror(errno));
		return -1;
	default:
		break;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "unix:%s: cannot remove the stale "
		    "socket: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
unix_fail(int fd, const char *what, const char *path, char *err,
    size_t errlen)
{
	int	 e = errno;

	snprintf(err, errlen, "unix:%s: cannot %s: %s%s", path, what,
	    strerror(e), e == ENOENT ? " (does its directory exist?)" : "");
	if (fd >= 0)
		close(fd);
	return -1;
}

static int
open_unix(const char *path, unsigned mode, char **created, char *err,
    size_t errlen)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "unix:%s: path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (unix_clear(&sun, err, errlen) != 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return unix_fail(-1, "make a socket", path, err, errlen);
	/* Never reachable with wider permissions than mode, even briefly. */
	old = umask(0777 & ~(mode_t)mode);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0)
		return unix_fail(fd, "bind", path, err, errlen);
	if (chmod(path, (mode_t)mode) != 0 || listen(fd, BACKLOG) != 0) {
		unix_fail(fd, "listen", path, err, errlen);
		unlink(path);
		return -1;
	}
	if ((*created = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* One address of getaddrinfo(): a listening socket, or -1 and errno. */
static int
tcp_try(const struct addrinfo *ai)
{
	int	 fd, on = 1, e;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol)) < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0 &&
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
	    listen(fd, BACKLOG) == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* "HOST:PORT": HOST may be [v6], or '*' for every address. */
static int
open_tcp(const char *hostport, char *err, size_t errlen)
{
	struct addrinfo		 hints, *res = NULL, *ai;
	char			 host[256];
	const char		*colon = strrchr(hostport, ':');
	size_t			 hl;
	int			 fd = -1, rc, e = 0;

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
	if ((rc = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host,
	    colon + 1, &hints, &res)) != 0) {
		snprintf(err, errlen, "tcp:%s: %s", hostport,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		if ((fd = tcp_try(ai)) < 0)
			e = errno;
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, errlen, "tcp:%s: cannot listen: %s", hostport,
		    strerror(e));
	return fd;
}

/* A descriptor we were given: it must be a listening socket. */
static int
take_fd(int fd, const char *spec, char *err, size_t errlen)
{
	int		 on = 0;
	socklen_t	 len = sizeof(on);
	const char	*why = NULL;

	if (fcntl(fd, F_GETFD) < 0)
		why = "is not open";
	else if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0)
		why = errno == ENOTSOCK ? "is not a socket" :
		    "is not a usable socket";
	else if (!on)
		why = "is a socket but not a listening one";
	if (why != NULL) {
		if (spec == NULL)
			snprintf(err, errlen, "no 'listen' in the config, "
			    "and fd 0 %s: set listen (or -l), or start "
			    "rivulet from lighttpd's bin-path or spawn-fcgi",
			    why);
		else
			snprintf(err, errlen, "%s: fd %d %s", spec, fd, why);
		return -1;
	}
	if (set_flags(fd) != 0) {
		snprintf(err, errlen, "fd %d: %s", fd, strerror(errno));
		return -1;
	}
	return fd;
}

int
listen_open(const char *spec, unsigned mode, char **created, char *err,
    size_t errlen)
{
	char	*end;
	long	 fd;

	*created = NULL;
	if (spec == NULL)
		return take_fd(0, NULL, err, errlen);
	if (strncmp(spec, "fd:", 3) == 0) {
		errno = 0;
		fd = strtol(spec + 3, &end, 10);
		if (spec[3] < '0' || spec[3] > '9' || *end != '\0' ||
		    errno != 0 || fd > INT_MAX) {
			snprintf(err, errlen, "%s: bad descriptor number",
			    spec);
			return -1;
		}
		return take_fd((int)fd, spec, err, errlen);
	}
	if (strncmp(spec, "unix:", 5) == 0)
		return open_unix(spec + 5, mode, created, err, errlen);
	if (strncmp(spec, "tcp:", 4) == 0)
		return open_tcp(spec + 4, err, errlen);
	snprintf(err, errlen, "%s: listen must be unix:/PATH, tcp:HOST:PORT "
	    "or fd:N", spec);
	return -1;
}
