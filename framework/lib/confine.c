/*
 * confine.c: open a file below a root directory, and nothing else.
 *
 * The relative path is checked as text first (cheap, and it names
 * the refusal in one place), then opened by the kernel under rules
 * that do not depend on the text being right: openat2() with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS where the kernel has it, else
 * a walk from the root's descriptor one component at a time with
 * O_NOFOLLOW.  Both refuse every symlink below the root, so that the
 * answer does not depend on the kernel; a symlink that stays inside
 * would be harmless, but telling it from one that leaves is exactly
 * the string work this file avoids.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#ifdef __has_include
# if __has_include(<linux/openat2.h>)
#  include <linux/openat2.h>
#  define HAVE_OPENAT2_H 1
# endif
#endif

#include "internal.h"

/* Flags of the file itself: O_NONBLOCK so that a FIFO cannot hang us. */
#define FILE_FLAGS	(O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

/* Set once openat2 said ENOSYS: not asked again in this process. */
static atomic_int	 no_openat2;

int
confine_rel_ok(const char *rel)
{
	const char	*p, *seg;
	size_t		 n;

	if (rel == NULL || *rel == '\0' || *rel == '/' ||
	    strlen(rel) >= PATH_MAX)
		return 0;
	for (p = rel; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return 0;
	for (seg = rel; ; seg += n + 1) {
		n = strcspn(seg, "/");
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
		if (seg[n] == '\0')
			return 1;
	}
}

#if defined(HAVE_OPENAT2_H) && defined(SYS_openat2)
/* -1 with errno ENOSYS when this kernel has no openat2. */
static int
open_beneath(int rootfd, const char *rel)
{
	struct open_how	 how;
	long		 fd;

	memset(&how, 0, sizeof(how));
	how.flags = FILE_FLAGS;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	do
		fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return (int)fd;
}
#else
static int
open_beneath(int rootfd, const char *rel)
{

	(void)rootfd;
	(void)rel;
	errno = ENOSYS;
	return -1;
}
#endif

/* Component by component from dirfd (which it closes), no symlinks. */
static int
walk(int dirfd, const char *rel)
{
	char		 seg[NAME_MAX + 1];
	struct stat	 st;
	const char	*p = rel;
	size_t		 n;
	int		 fd, saved;

	for (;;) {
		n = strcspn(p, "/");
		if (n > NAME_MAX) {
			close(dirfd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(seg, p, n);
		seg[n] = '\0';
		if (p[n] == '\0') {
			fd = openat(dirfd, seg, FILE_FLAGS);
			saved = errno;
			close(dirfd);
			errno = saved;
			return fd;
		}
		fd = openat(dirfd, seg, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		saved = errno;
		close(dirfd);
		/* O_PATH|O_NOFOLLOW may hand back the link itself: refuse. */
		if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode))) {
			close(fd);
			errno = ELOOP;
			return -1;
		}
		if (fd < 0) {
			errno = saved;
			return -1;
		}
		dirfd = fd;
		p += n + 1;
	}
}

int
confine_open(const char *root, const char *rel, int flags)
{
	int	 rootfd, fd, saved;

	if (!confine_rel_ok(rel)) {
		errno = ENOENT;
		return -1;
	}
	/* The root is the operator's: it may be a symlink. */
	if ((rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if (!(flags & CONFINE_WALK) && !atomic_load(&no_openat2)) {
		fd = open_beneath(rootfd, rel);
		if (fd >= 0 || errno != ENOSYS) {
			saved = errno;
			close(rootfd);
			errno = saved;
			return fd;
		}
		atomic_store(&no_openat2, 1);
	}
	return walk(rootfd, rel);
}
