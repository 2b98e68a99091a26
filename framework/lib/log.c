/*
 * log.c: one line per message to stderr (journald reads it), written
 * with a single write() so that lines from threads never interleave:
 * a line is at most PIPE_BUF bytes, which a pipe writes atomically.
 *
 *	rivulet[1234]: warn: GET /api/stream: the message
 *
 * Messages carry text from clients (paths, header values), so control
 * bytes are written as \xNN: a client cannot forge a log line.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#ifndef PIPE_BUF
# define PIPE_BUF	4096
#endif
#define LOG_LINE	(PIPE_BUF < 4096 ? PIPE_BUF : 4096)

enum rv_log_level rv_log_threshold = RV_LOG_INFO;

static const char *const levels[RV_LOG__MAX] = {
	[RV_LOG_ERROR] = "error",
	[RV_LOG_WARN] = "warn",
	[RV_LOG_INFO] = "info",
	[RV_LOG_DEBUG] = "debug",
};

/*
 * Append s to line[*len..max), control bytes escaped.  Returns 0 if
 * all of it fit, -1 if it was cut.
 */
static int
put_clean(char *line, size_t *len, size_t max, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p;
	size_t			 o = *len;
	int			 rc = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != 0x7f) {
			if (o + 1 > max) {
				rc = -1;
				break;
			}
			line[o++] = (char)*p;
			continue;
		}
		if (o + 4 > max) {
			rc = -1;
			break;
		}
		line[o++] = '\\';
		line[o++] = 'x';
		line[o++] = hex[*p >> 4];
		line[o++] = hex[*p & 0xf];
	}
	*len = o;
	return rc;
}

static void
vlogx(enum rv_log_level lv, const char *prefix, const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE], line[LOG_LINE];
	size_t	 len, max = sizeof(line) - 4;	/* room for "...\n" */
	int	 n, cut, saved = errno;

	if ((unsigned)lv >= RV_LOG__MAX || lv > rv_log_threshold)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		msg[0] = '\0';
	cut = n >= (int)sizeof(msg);
	n = snprintf(line, sizeof(line), "rivulet[%ld]: %s: ", (long)getpid(),
	    levels[lv]);
	len = n > 0 ? (size_t)n : 0;
	if (put_clean(line, &len, max, prefix) != 0 ||
	    put_clean(line, &len, max, msg) != 0)
		cut = 1;
	if (cut) {
		memcpy(line + len, "...", 3);
		len += 3;
	}
	line[len++] = '\n';
	while (write(STDERR_FILENO, line, len) < 0 && errno == EINTR)
		continue;
	errno = saved;
}

void
logx(enum rv_log_level lv, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlogx(lv, "", fmt, ap);
	va_end(ap);
}

/* As logx, prefixed with the request's method and routed path. */
void
rv_log(const struct rv_req *rq, enum rv_log_level lv, const char *fmt, ...)
{
	char		 prefix[512];
	const char	*path = "-";
	va_list		 ap;

	if ((unsigned)lv >= RV_LOG__MAX || lv > rv_log_threshold)
		return;
	if (rq != NULL && rq->path != NULL)
		path = rq->path;
	else if (rq != NULL && rv_env(rq, "REQUEST_URI") != NULL)
		path = rv_env(rq, "REQUEST_URI");
	snprintf(prefix, sizeof(prefix), "%s %s: ",
	    rq != NULL && rq->method != NULL ? rq->method : "-", path);
	va_start(ap, fmt);
	vlogx(lv, prefix, fmt, ap);
	va_end(ap);
}

void
rv_set_log_level(enum rv_log_level lv)
{

	if ((unsigned)lv < RV_LOG__MAX)
		rv_log_threshold = lv;
}
