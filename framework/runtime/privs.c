/*
 * privs.c: rivulet needs root for nothing but, at most, binding its
 * socket where only root may.  Started as root with "user" set, it
 * binds, hands the socket to the front server's group, then becomes
 * that user before it serves any request or forks any worker.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privs.h"

int
privs_socket_group(const char *path, const char *group, char *err,
    size_t errlen)
{
	struct group	*gr;

	if (path == NULL || group == NULL)
		return 0;
	if ((gr = getgrnam(group)) == NULL) {
		snprintf(err, errlen, "socket_group: no group '%s'", group);
		return -1;
	}
	if (chown(path, (uid_t)-1, gr->gr_gid) != 0) {
		snprintf(err, errlen, "socket_group: chown %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
privs_drop(const char *user, const char *group, char *err, size_t errlen)
{
	struct passwd	*pw;
	struct group	*gr;
	gid_t		 gid;

	if (user == NULL && group == NULL)
		return 0;
	if (geteuid() != 0) {
		fprintf(stderr, "rivulet: not started as root: user and group "
		    "ignored\n");
		return 0;
	}
	if (user == NULL) {
		snprintf(err, errlen, "group without user: set user too");
		return -1;
	}
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user: no user '%s'", user);
		return -1;
	}
	gid = pw->pw_gid;
	if (group != NULL) {
		if ((gr = getgrnam(group)) == NULL) {
			snprintf(err, errlen, "group: no group '%s'", group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (setgroups(1, &gid) != 0 || setgid(gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		snprintf(err, errlen, "cannot become %s: %s", user,
		    strerror(errno));
		return -1;
	}
	/* A process that can get root back has not dropped it. */
	if (setuid(0) == 0) {
		snprintf(err, errlen, "still root after becoming %s", user);
		return -1;
	}
	return 0;
}
