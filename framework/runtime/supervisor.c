/*
 * supervisor.c: a master process and its workers.
 *
 * The master loads the config and the modules once (a "generation"),
 * then forks `workers` processes that each serve the inherited
 * listening socket.  It does nothing else but wait for signals:
 *
 *   SIGCHLD   a worker died: the cause is logged (the signal of a crash)
 *             and a new one forked from the same generation within a
 *             second; one that dies again within a second of its start
 *             waits twice as long each time, up to 30 s (no fork bomb).
 *   SIGHUP    the config and modules are loaded again; if that fails
 *             the old workers go on and the reason is logged, else new
 *             workers start and the old ones are told to stop: they
 *             stop accepting, and their streams end cleanly with an SSE
 *             retry hint, so clients come back to the new ones.
 *   SIGTERM   every worker drains and stops; then the master exits.
 *
 * Embedded channels reach every worker through the shared log mapped
 * here before the first fork (rv_shared_new), which outlives workers,
 * crashes and reloads.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rivulet.h"
#include "supervisor.h"
#include "notify.h"

#define MAX_WORKERS	256
#define BACKOFF_MAX_MS	30000
#define QUICK_DEATH_MS	1000
#define STOP_WAIT_MS	15000

struct slot {
	pid_t		 pid;		/* 0: none */
	void		*gen;
	int64_t		 started;	/* ms */
	int64_t		 restart_at;	/* ms; 0: not waiting */
	int64_t		 backoff;	/* ms */
};

struct sv {
	const struct sv_ops	*ops;
	void			*arg;
	void			*gen;		/* the current generation */
	struct rv_shared	*sh;
	int			 fd;
	unsigned		 n;
	struct slot		 slots[MAX_WORKERS];
	struct slot		 old[MAX_WORKERS];	/* draining */
	int			 stopping;
	int64_t			 stop_at;
};

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
say(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "rivulet[%ld]: supervisor: ", (long)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void
spawn(struct sv *v, struct slot *s)
{
	pid_t	 pid;

	fflush(NULL);
	if ((pid = fork()) < 0) {
		say("fork: %s: retrying in 1 s", strerror(errno));
		s->restart_at = mono_ms() + 1000;
		return;
	}
	if (pid == 0)
		_exit(v->ops->run(v->gen, v->fd));
	s->pid = pid;
	s->gen = v->gen;
	s->started = mono_ms();
	s->restart_at = 0;
}

/* Why a worker ended: its exit, and the route its last words name. */
static void
describe(struct sv *v, pid_t pid, int status, char *buf, size_t len)
{
	char		 words[200];
	const char	*where = NULL;

	if (rv_shared_last_words(v->sh, (long)pid, words, sizeof(words)) > 0 &&
	    (where = strstr(words, " in ")) == NULL)
		where = strstr(words, " sent by ");
	if (WIFSIGNALED(status))
		snprintf(buf, len, "worker %ld killed by signal %d (%s)%s%s",
		    (long)pid, WTERMSIG(status), strsignal(WTERMSIG(status)),
		    where != NULL ? where : "",
		    WCOREDUMP(status) ? ", core dumped" : "");
	else if (where != NULL)
		snprintf(buf, len, "worker %ld exited with status %d after %s",
		    (long)pid, WEXITSTATUS(status), words);
	else
		snprintf(buf, len, "worker %ld exited with status %d",
		    (long)pid, WEXITSTATUS(status));
}

/* A worker is gone: a current one is replaced, a draining one not. */
static void
reap(struct sv *v)
{
	struct slot	*s;
	char		 why[400];
	const char	*words;
	int64_t		 t = mono_ms(), lived;
	pid_t		 pid;
	int		 status;
	unsigned	 i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		describe(v, pid, status, why, sizeof(why));
		for (i = 0; i < MAX_WORKERS; i++)
			if (v->old[i].pid == pid) {
				v->old[i].pid = 0;
				if (!WIFEXITED(status) || WEXITSTATUS(status))
					say("%s (draining)", why);
			}
		for (i = 0; i < v->n; i++) {
			s = &v->slots[i];
			if (s->pid != pid)
				continue;
			s->pid = 0;
			if (v->stopping) {
				if (!WIFEXITED(status) || WEXITSTATUS(status))
					say("%s", why);
				continue;
			}
			lived = t - s->started;
			s->backoff = lived < QUICK_DEATH_MS ? (s->backoff ?
			    s->backoff * 2 : 500) : 0;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
				/* It served max_requests and drained. */
				s->backoff = 0;
				s->restart_at = t;
				say("worker %ld recycled%s: a new one now",
				    (long)pid, (words = strstr(why, " after ")) !=
				    NULL ? words : "");
				continue;
			}
			if (s->backoff > BACKOFF_MAX_MS)
				s->backoff = BACKOFF_MAX_MS;
			s->restart_at = t + s->backoff;
			say("%s: a new one %s", why, s->backoff == 0 ? "now" :
			    "after a pause (it died soon after its start)");
			rv_shared_count_restart(v->sh);
		}
	}
}

static void
reload(struct sv *v)
{
	void		*gen;
	unsigned	 i, j;

	say("SIGHUP: loading the config again");
	systemd_notify("RELOADING=1");
	if ((gen = v->ops->reload(v->arg)) == NULL) {
		say("the new config was refused (above): the workers go on "
		    "with the old one");
		systemd_notify("READY=1");
		return;
	}
	if (rv_server_attach(v->ops->server(gen), v->sh) != RV_OK) {
		say("the new config cannot share the channels: not loaded");
		v->ops->drop(gen);
		systemd_notify("READY=1");
		return;
	}
	v->ops->drop(v->gen);
	v->gen = gen;
	for (i = 0; i < v->n; i++) {
		for (j = 0; j < MAX_WORKERS && v->old[j].pid != 0; j++)
			continue;
		if (v->slots[i].pid != 0 && j < MAX_WORKERS) {
			v->old[j] = v->slots[i];
			kill(v->old[j].pid, SIGTERM);
		}
		memset(&v->slots[i], 0, sizeof(v->slots[i]));
		spawn(v, &v->slots[i]);
	}
	say("reloaded: %u new workers; the old ones drain", v->n);
	systemd_notify("READY=1");
}

static unsigned
alive(const struct sv *v)
{
	unsigned	 i, n = 0;

	for (i = 0; i < MAX_WORKERS; i++)
		n += (i < v->n && v->slots[i].pid != 0) + (v->old[i].pid != 0);
	return n;
}

static void
signal_all(struct sv *v, int sig)
{
	unsigned	 i;

	for (i = 0; i < MAX_WORKERS; i++) {
		if (i < v->n && v->slots[i].pid != 0)
			kill(v->slots[i].pid, sig);
		if (v->old[i].pid != 0)
			kill(v->old[i].pid, sig);
	}
}

/* Forks due, and the wait until the next one (ms), at most 250. */
static int
restarts(struct sv *v)
{
	int64_t		 t = mono_ms(), wait = 250;
	unsigned	 i;

	for (i = 0; i < v->n && !v->stopping; i++) {
		if (v->slots[i].pid != 0 || v->slots[i].restart_at == 0)
			continue;
		if (v->slots[i].restart_at <= t)
			spawn(v, &v->slots[i]);
		else if (v->slots[i].restart_at - t < wait)
			wait = v->slots[i].restart_at - t;
	}
	return (int)wait;
}

int
supervise(void *gen, const struct sv_ops *ops, void *arg, int fd,
    unsigned workers, size_t shm_bytes)
{
	static struct sv v;
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa;
	struct timespec	 ts;
	sigset_t	 set, old;
	unsigned	 i;
	int		 sig, ms;

	memset(&v, 0, sizeof(v));
	v.ops = ops;
	v.arg = arg;
	v.gen = gen;
	v.fd = fd;
	v.n = workers > MAX_WORKERS ? MAX_WORKERS : workers;
	if ((v.sh = rv_shared_new(shm_bytes)) == NULL ||
	    rv_server_attach(ops->server(gen), v.sh) != RV_OK) {
		say("cannot map %zu bytes for the channels' shared log",
		    shm_bytes);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Taken by sigtimedwait(): blocked, and not ignored (that drops). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (i = 0; i < v.n; i++)
		spawn(&v, &v.slots[i]);
	say("%u workers serving", v.n);
	systemd_notify("READY=1");
	for (;;) {
		ms = restarts(&v);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			if (!v.stopping) {
				say("%s: the workers drain, then stop",
				    strsignal(sig));
				systemd_notify("STOPPING=1");
				v.stopping = 1;
				v.stop_at = mono_ms() + STOP_WAIT_MS;
			}
			signal_all(&v, SIGTERM);
		} else if (sig == SIGHUP && !v.stopping)
			reload(&v);
		reap(&v);
		if (v.stopping && alive(&v) == 0)
			break;
		if (v.stopping && mono_ms() > v.stop_at) {
			say("workers still running %d s after SIGTERM: killed",
			    STOP_WAIT_MS / 1000);
			signal_all(&v, SIGKILL);
			v.stop_at = mono_ms() + 1000;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	rv_shared_free(v.sh);
	say("stopped");
	return 0;
}
