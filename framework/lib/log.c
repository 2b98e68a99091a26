/*
 * log.c: one line per message to stderr (journald reads it), written
 * with a single write() so that lines from threads never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "internal.h"

enum rv_log_level rv_log_threshold = RV_LOG_INFO;

static const char *const levels[RV_LOG__MAX] = {
	"error", "warn", "info", "debug",
};

static void
vlogx(enum rv_log_level lv, const char *prefix, const char *fmt, va_list ap)
{
	char	 line[2048];
	int	 n, m;

	if (lv > rv_log_threshold || (unsigned)lv >= RV_LOG__MAX)
		return;
	n = snprintf(line, sizeof(line), "rivulet[%ld]: %s: %s",
	    (long)getpid(), levels[lv], prefix);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

void
logx(enum rv_log_level lv, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlogx(lv, "", fmt, ap);
	va_end(ap);
}

void
rv_log(const struct rv_req *rq, enum rv_log_level lv, const char *fmt, ...)
{
	char	 prefix[256];
	va_list	 ap;

	snprintf(prefix, sizeof(prefix), "%s %s: ",
	    rq != NULL && rq->method != NULL ? rq->method : "-",
	    rq != NULL && rq->path != NULL ? rq->path : "-");
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
