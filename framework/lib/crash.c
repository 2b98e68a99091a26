/*
 * crash.c: a worker's last words.  When a handler crashes, the thread
 * that ran it knows its route; the signal handler here writes it to
 * stderr and to the worker's slot in the shared memory, where the
 * supervisor reads it after waitpid() and names the route in its log.
 * A hung handler (pool.c) leaves its last words the same way.
 *
 * Everything the signal handler calls is async-signal-safe: no stdio,
 * no malloc, only write(2), getpid(2), sigaction(2) and raise(3).
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "channel.h"

_Thread_local const struct route *crash_route;

static struct rv_server *volatile crash_srv;

static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

static const char *
signame(int sig)
{

	switch (sig) {
	case SIGSEGV:	return "Segmentation fault";
	case SIGBUS:	return "Bus error";
	case SIGILL:	return "Illegal instruction";
	case SIGFPE:	return "Floating point exception";
	case SIGABRT:	return "Aborted";
	default:	return "signal";
	}
}

/* Append s to b (of cap bytes, NUL kept); the new length. */
static size_t
put(char *b, size_t n, size_t cap, const char *s)
{

	while (*s != '\0' && n + 1 < cap)
		b[n++] = *s++;
	b[n] = '\0';
	return n;
}

static size_t
put_num(char *b, size_t n, size_t cap, unsigned long v)
{
	char	 d[24];
	size_t	 i = sizeof(d) - 1;

	d[i] = '\0';
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0 && i > 0);
	return put(b, n, cap, d + i);
}

/* "GET /x/{id}", or "no handler" outside of one. */
static size_t
put_route(char *b, size_t n, size_t cap, const struct route *r)
{

	if (r == NULL)
		return put(b, n, cap, "no handler");
	n = put(b, n, cap, r->method);
	n = put(b, n, cap, " ");
	return put(b, n, cap, r->pattern);
}

/* Into this worker's slot, if a supervisor shares memory with it. */
static void
leave_words(struct rv_server *srv, const char *words)
{
	struct shm_worker	*w;

	if (srv == NULL || srv->hub == NULL ||
	    (w = shm_slot(hub_shared(srv->hub))) == NULL)
		return;
	(void)put(w->last_words, 0, sizeof(w->last_words), words);
}

void
crash_last_words(struct rv_server *srv, const char *why,
    const struct route *r)
{
	char	 b[LAST_WORDS];
	size_t	 n;

	n = put(b, 0, sizeof(b), why);
	n = put(b, n, sizeof(b), " in ");
	(void)put_route(b, n, sizeof(b), r);
	leave_words(srv, b);
}

static void
on_fatal(int sig, siginfo_t *si, void *uctx)
{
	char	 words[LAST_WORDS], line[LAST_WORDS + 64];
	size_t	 n = 0, m = 0;
	pid_t	 me = getpid();

	(void)uctx;
	n = put(words, n, sizeof(words), "signal ");
	n = put_num(words, n, sizeof(words), (unsigned long)sig);
	n = put(words, n, sizeof(words), " (");
	n = put(words, n, sizeof(words), signame(sig));
	n = put(words, n, sizeof(words), ")");
	/* Sent by another process: not the running handler's doing. */
	if ((si->si_code == SI_USER || si->si_code == SI_QUEUE) &&
	    si->si_pid != me) {
		n = put(words, n, sizeof(words), " sent by pid ");
		n = put_num(words, n, sizeof(words), (unsigned long)si->si_pid);
	} else {
		n = put(words, n, sizeof(words), " in ");
		n = put_route(words, n, sizeof(words), crash_route);
	}
	leave_words(crash_srv, words);
	m = put(line, m, sizeof(line), "rivulet[");
	m = put_num(line, m, sizeof(line), (unsigned long)me);
	m = put(line, m, sizeof(line), "]: fatal: ");
	m = put(line, m, sizeof(line), words);
	m = put(line, m, sizeof(line), "\n");
	(void)!write(STDERR_FILENO, line, m);
	/* SA_RESETHAND made it the default again: die of it. */
	raise(sig);
}

int
rv_server_report_crashes(struct rv_server *srv)
{
	struct sigaction sa;
	size_t		 i;

	crash_srv = srv;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		if (sigaction(fatal[i], &sa, NULL) != 0)
			return RV_EIO;
	return RV_OK;
}
