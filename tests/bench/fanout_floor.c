/*
 * fanout_floor.c: the least a FastCGI backend can do for a broadcast,
 * the floor under rivulet's own share in bench_fanout.sh.
 *
 *   fanout_floor SOCKET uring|send [THREADS]
 *
 * One thread, epoll, no framework: every GET is held as an SSE stream
 * (a welcome event first); a POST's body goes, as one SSE event, to
 * every held stream: one record each, built in one buffer, handed to
 * the kernel in batches through io_uring (uring) or one send(2) each
 * (send); with THREADS 2, a second thread sends the upper half of
 * each fan-out, as a second CPU would.  No parsing beyond the records, no framing choices, no
 * history, no back-pressure: what is left is the sockets' own cost.
 * At SIGTERM it prints the fan-outs' publish-to-last-socket times and
 * their time on a CPU, p50 and p99, in microseconds.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sendq.h"

#define HDR		8
#define BATCH		256
#define MAX_FANOUTS	100000

struct peer {
	int		 fd;
	int		 held;		/* a subscriber */
	int		 post;		/* REQUEST_METHOD POST */
	unsigned	 reqid;
	size_t		 len;		/* of in */
	unsigned char	 in[16384];
	size_t		 blen;
	char		 body[1024];
};

static volatile sig_atomic_t	 stop;
static struct peer		**held;
static size_t			 nheld, capheld;
static int64_t			 wall_us[MAX_FANOUTS], cpu_us[MAX_FANOUTS];
static size_t			 nfan, errors;

static int64_t
clock_us(clockid_t id)
{
	struct timespec	 ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
header(unsigned char *h, int type, unsigned id, size_t len)
{

	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = h[7] = 0;
}

/* One STDOUT record (and the end of the request if last), whole. */
static void
reply(struct peer *p, const char *s, int last)
{
	unsigned char	 b[2048];
	size_t		 n = strlen(s), off = 0;
	ssize_t		 w;

	header(b, 6, p->reqid, n);
	memcpy(b + HDR, s, n);
	off = HDR + n;
	if (last) {
		header(b + off, 6, p->reqid, 0);
		header(b + off + HDR, 3, p->reqid, 8);
		memset(b + off + 2 * HDR, 0, 8);
		off += 3 * HDR;
	}
	if ((w = send(p->fd, b, off, MSG_NOSIGNAL)) != (ssize_t)off)
		errors++;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* One thread's share of the held streams: its ring, its buffer. */
struct part {
	struct sendq	*q;
	struct sendq_op	 op[BATCH];
	unsigned char	*buf;
	size_t		 cap, from, to, errors;
};

static struct part	 parts[2];
static size_t		 nparts = 1;
static const char	*event;		/* the fan-out's, for both */
static size_t		 eventlen;
static unsigned		 gen, done;	/* under mu: the helper's turn */
static pthread_mutex_t	 mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 cv = PTHREAD_COND_INITIALIZER;

static void
send_part(struct part *pt)
{
	size_t	 i, j, k, rec = HDR + eventlen;

	if (pt->cap < BATCH * rec && (pt->buf = realloc(pt->buf,
	    pt->cap = BATCH * rec)) == NULL) {
		perror("realloc");
		exit(1);
	}
	for (i = pt->from; i < pt->to; i += k) {
		for (k = 0; k < BATCH && i + k < pt->to; k++) {
			header(pt->buf + k * rec, 6, held[i + k]->reqid,
			    eventlen);
			memcpy(pt->buf + k * rec + HDR, event, eventlen);
			pt->op[k] = (struct sendq_op){ held[i + k]->fd,
			    pt->buf + k * rec, rec, 0 };
		}
		sendq_run(pt->q, pt->op, k);
		for (j = 0; j < k; j++)
			if (pt->op[j].res != (ssize_t)rec)
				pt->errors++;
	}
}

/* The second thread: the upper half of each fan-out. */
static void *
helper(void *arg)
{
	unsigned	 seen = 0;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&mu);
		while (gen == seen)
			pthread_cond_wait(&cv, &mu);
		seen = gen;
		pthread_mutex_unlock(&mu);
		send_part(&parts[1]);
		pthread_mutex_lock(&mu);
		done = seen;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

/* The POST's body to every held stream, and how long that took. */
static void
fanout(struct peer *from)
{
	int64_t		 t0 = clock_us(CLOCK_MONOTONIC);
	int64_t		 c0 = clock_us(CLOCK_THREAD_CPUTIME_ID);
	char		 ev[1200];

	eventlen = (size_t)snprintf(ev, sizeof(ev),
	    "event: message\ndata: %.*s\n\n", (int)from->blen, from->body);
	event = ev;
	parts[0].from = 0;
	parts[0].to = nparts == 1 ? nheld : nheld / 2;
	if (nparts == 2) {
		parts[1].from = parts[0].to;
		parts[1].to = nheld;
		pthread_mutex_lock(&mu);
		gen++;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	send_part(&parts[0]);
	if (nparts == 2) {
		pthread_mutex_lock(&mu);
		while (done != gen)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
	}
	errors = parts[0].errors + parts[1].errors;
	if (nfan < MAX_FANOUTS) {
		wall_us[nfan] = clock_us(CLOCK_MONOTONIC) - t0;
		cpu_us[nfan++] = clock_us(CLOCK_THREAD_CPUTIME_ID) - c0;
	}
}

/* REQUEST_METHOD in a PARAMS record's name-value pairs. */
static void
params(struct peer *p, const unsigned char *c, size_t len)
{
	size_t	 off = 0, nl, vl, i;

	while (off < len) {
		size_t	*l[2] = { &nl, &vl };

		for (i = 0; i < 2; i++) {
			if (off >= len)
				return;
			if (c[off] & 0x80) {
				if (off + 4 > len)
					return;
				*l[i] = ((size_t)(c[off] & 0x7f) << 24) |
				    ((size_t)c[off + 1] << 16) |
				    ((size_t)c[off + 2] << 8) | c[off + 3];
				off += 4;
			} else
				*l[i] = c[off++];
		}
		if (off + nl + vl > len)
			return;
		if (nl == 14 && memcmp(c + off, "REQUEST_METHOD", 14) == 0)
			p->post = vl == 4 && memcmp(c + off + nl, "POST", 4) == 0;
		off += nl + vl;
	}
}

static void
hold(struct peer *p)
{

	if (nheld == capheld && (held = realloc(held, (capheld = capheld ?
	    capheld * 2 : 1024) * sizeof(*held))) == NULL) {
		perror("realloc");
		exit(1);
	}
	held[nheld++] = p;
	p->held = 1;
	reply(p, "Status: 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
	    "event: welcome\ndata: {\"message\":\"Connected\"}\n\n", 0);
}

/* The records read so far; 0, or -1 when p is done with. */
static int
records(struct peer *p)
{
	size_t	 off = 0, clen, rlen;

	while (p->len - off >= HDR) {
		unsigned char	*h = p->in + off;

		clen = (size_t)h[4] << 8 | h[5];
		rlen = HDR + clen + h[6];
		if (p->len - off < rlen)
			break;
		if (h[1] == 1)
			p->reqid = (unsigned)h[2] << 8 | h[3];
		else if (h[1] == 4)
			params(p, h + HDR, clen);
		else if (h[1] == 5 && clen > 0) {
			if (p->blen + clen <= sizeof(p->body))
				memcpy(p->body + p->blen, h + HDR, clen);
			p->blen += p->blen + clen <= sizeof(p->body) ? clen : 0;
		} else if (h[1] == 5 && !p->post)
			hold(p);
		else if (h[1] == 5) {
			fanout(p);
			reply(p, "Status: 200 OK\r\nContent-Type: "
			    "application/json\r\n\r\n{\"success\":true}", 1);
			return -1;
		}
		off += rlen;
	}
	memmove(p->in, p->in + off, p->len - off);
	p->len -= off;
	return 0;
}

static void
drop(struct peer *p)
{
	size_t	 i;

	if (p->held)
		for (i = 0; i < nheld; i++)
			if (held[i] == p) {
				held[i] = held[--nheld];
				break;
			}
	close(p->fd);
	free(p);
}

/* The value under which fraction f of the n sorted ones fall. */
static long long
quantile(const int64_t *v, size_t n, double f)
{
	size_t	 i = (size_t)(f * (double)n);

	return n == 0 ? 0 : (long long)v[i < n ? i : n - 1];
}

static void
report(void)
{

	qsort(wall_us, nfan, sizeof(*wall_us), cmp64);
	qsort(cpu_us, nfan, sizeof(*cpu_us), cmp64);
	printf("fanouts %zu p50_us %lld p99_us %lld cpu_p50_us %lld "
	    "cpu_p99_us %lld errors %zu\n", nfan,
	    quantile(wall_us, nfan, 0.5), quantile(wall_us, nfan, 0.99),
	    quantile(cpu_us, nfan, 0.5), quantile(cpu_us, nfan, 0.99), errors);
}

static void
on_term(int sig)
{

	(void)sig;
	stop = 1;
}

static int
serve(int lfd, int ep)
{
	struct epoll_event	 ev[512], e;
	struct peer		*p;
	int			 n, i, fd;
	ssize_t			 r;

	while (!stop) {
		if ((n = epoll_wait(ep, ev, 512, 200)) < 0 && errno != EINTR)
			return -1;
		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == NULL) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK)) >= 0) {
					if ((p = calloc(1, sizeof(*p))) == NULL)
						return -1;
					p->fd = fd;
					e.events = EPOLLIN;
					e.data.ptr = p;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
				}
				continue;
			}
			p = ev[i].data.ptr;
			r = read(p->fd, p->in + p->len, sizeof(p->in) - p->len);
			if (r == 0 || (r < 0 && errno != EAGAIN) ||
			    (r > 0 && (p->len += (size_t)r,
			    records(p) != 0)))
				drop(p);
		}
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un	 sa;
	struct epoll_event	 e;
	int			 lfd, ep;

	pthread_t		 th;
	size_t			 i;

	if (argc < 3 || argc > 4 || (strcmp(argv[2], "uring") != 0 &&
	    strcmp(argv[2], "send") != 0) || (argc == 4 &&
	    strcmp(argv[3], "1") != 0 && strcmp(argv[3], "2") != 0)) {
		fprintf(stderr, "usage: fanout_floor SOCKET uring|send "
		    "[1|2]\n");
		return 2;
	}
	nparts = argc == 4 ? (size_t)atoi(argv[3]) : 1;
	for (i = 0; i < nparts; i++)
		if (strcmp(argv[2], "uring") == 0 &&
		    (parts[i].q = sendq_new(BATCH)) == NULL)
			fprintf(stderr, "fanout_floor: no io_uring: %s\n",
			    strerror(errno));
	if (nparts == 2 && pthread_create(&th, NULL, helper, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	unlink(argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 4096) != 0 || (ep = epoll_create1(0)) < 0) {
		perror(argv[1]);
		return 1;
	}
	e.events = EPOLLIN;
	e.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e);
	if (serve(lfd, ep) != 0) {
		perror("fanout_floor");
		return 1;
	}
	report();
	return 0;	/* the helper waits on: exit takes it */
}
