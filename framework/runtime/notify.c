/*
 * notify.c: what sd_listen_fds(3) and sd_notify(3) do, in a page, so
 * that rivulet needs no libsystemd.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"

#define LISTEN_FDS_START	3

int
systemd_listen_fd(void)
{
	const char	*pid = getenv("LISTEN_PID");
	const char	*n = getenv("LISTEN_FDS");
	char		*end;
	long		 p, k;

	if (pid == NULL || n == NULL)
		return -1;
	errno = 0;
	p = strtol(pid, &end, 10);
	if (errno != 0 || *end != '\0' || p != (long)getpid())
		return -1;
	k = strtol(n, &end, 10);
	if (errno != 0 || *end != '\0' || k < 1)
		return -1;
	/* Ours alone: workers and modules must not take them again. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return LISTEN_FDS_START;
}

void
systemd_notify(const char *state)
{
	const char		*path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un	 sa;
	socklen_t		 len;
	size_t			 n;
	int			 fd, saved = errno;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    (n = strlen(path)) >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* the abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0) {
		(void)sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		    (struct sockaddr *)&sa, len);
		close(fd);
	}
	errno = saved;
}
