/*
 * fanout_client.c: N SSE subscribers and one publisher, over HTTP on
 * loopback, for bench_fanout.sh.
 *
 *   fanout_client PORT[,PORT...] N SECONDS RATE SUBPATH PUBPATH
 *
 * Opens N connections to GET SUBPATH (text/event-stream), spread over
 * the ports (several front servers: one process has fewer fds than two
 * per subscriber where the hard limit is low), waits until
 * each has its first bytes, then POSTs to PUBPATH RATE times a second
 * for SECONDS, each message carrying its send time in microseconds
 * ("message":"<us>").  Every "data:" line that carries one is a
 * delivery; its latency is now - sent.  Prints one line of results:
 *   connected N published P expected E delivered D lost L
 *   p50_ms X p99_ms Y max_ms Z
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sub {
	int	 fd;
	int	 got_head;
	size_t	 len;
	char	 buf[8192];
};

static uint64_t
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
dial(int port)
{
	struct sockaddr_in	 sa;
	int			 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One POST on a fresh connection; the answer is read and dropped. */
static int
publish(int port, const char *path, uint64_t t)
{
	char	 body[128], req[512], junk[4096];
	int	 fd, n, bl;

	if ((fd = dial(port)) < 0)
		return -1;
	bl = snprintf(body, sizeof(body), "{\"room\":\"bench\",\"username\":"
	    "\"b\",\"message\":\"%llu\"}", (unsigned long long)t);
	n = snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n"
	    "Connection: close\r\n\r\n%s", path, bl, body);
	if (send_all(fd, req, (size_t)n) != 0) {
		close(fd);
		return -1;
	}
	while (read(fd, junk, sizeof(junk)) > 0)
		continue;
	close(fd);
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t	*lat;
static size_t	 nlat, caplat;

static void
record(uint64_t us)
{

	if (nlat == caplat) {
		caplat = caplat ? caplat * 2 : 1 << 16;
		if ((lat = realloc(lat, caplat * sizeof(*lat))) == NULL) {
			perror("realloc");
			exit(1);
		}
	}
	lat[nlat++] = us;
}

/* Lines in s->buf: each data line with "message":"<us>" is a delivery. */
static void
scan(struct sub *s)
{
	char		*p = s->buf, *nl, *m;
	uint64_t	 t = now_us(), sent;

	s->got_head = 1;
	while ((nl = memchr(p, '\n', s->len - (size_t)(p - s->buf))) != NULL) {
		*nl = '\0';
		if (strncmp(p, "data:", 5) == 0 &&
		    (m = strstr(p, "\"message\":\"")) != NULL) {
			sent = strtoull(m + 11, NULL, 10);
			if (sent > 0)
				record(t > sent ? t - sent : 0);
		}
		p = nl + 1;
	}
	s->len -= (size_t)(p - s->buf);
	memmove(s->buf, p, s->len);
	if (s->len == sizeof(s->buf))
		s->len = 0;	/* a line longer than the buffer: drop */
}

static void
drain(int ep, struct sub *subs, int wait_ms)
{
	struct epoll_event	 ev[256];
	struct sub		*s;
	ssize_t			 r;
	int			 n, i;

	n = epoll_wait(ep, ev, 256, wait_ms);
	for (i = 0; i < n; i++) {
		s = &subs[ev[i].data.u32];
		r = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
		if (r > 0) {
			s->len += (size_t)r;
			scan(s);
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
			close(s->fd);
			s->fd = -1;
		}
	}
}

int
main(int argc, char *argv[])
{
	struct epoll_event	 ev;
	struct rlimit		 rl;
	struct sub		*subs;
	char			 req[512];
	uint64_t		 t0, next, end;
	int			 ports[16], nports = 0, port, n, secs, rate;
	int			 i, ep, ready, rl_n;
	char			*p, *q;
	long			 published = 0;
	size_t			 expected;

	if (argc != 7) {
		fprintf(stderr, "usage: fanout_client PORT N SECONDS RATE "
		    "SUBPATH PUBPATH\n");
		return 2;
	}
	for (p = argv[1]; nports < 16 && (q = strsep(&p, ",")) != NULL;)
		ports[nports++] = atoi(q);
	port = ports[0];
	n = atoi(argv[2]);
	secs = atoi(argv[3]);
	rate = atoi(argv[4]);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((subs = calloc((size_t)n, sizeof(*subs))) == NULL ||
	    (ep = epoll_create1(0)) < 0)
		return 1;
	rl_n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n"
	    "Accept: text/event-stream\r\n\r\n", argv[5]);
	for (i = 0; i < n; i++) {
		if ((subs[i].fd = dial(ports[i % nports])) < 0 ||
		    send_all(subs[i].fd, req, (size_t)rl_n) != 0) {
			fprintf(stderr, "subscriber %d: %s\n", i,
			    strerror(errno));
			return 1;
		}
		fcntl(subs[i].fd, F_SETFL, O_NONBLOCK);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, subs[i].fd, &ev);
		/* Clients arrive at about 2000 a second, not all at once. */
		if (i % 100 == 99)
			drain(ep, subs, 50);
	}
	/* Everyone has its head and welcome before the first message. */
	t0 = now_us();
	do {
		drain(ep, subs, 50);
		for (ready = 0, i = 0; i < n; i++)
			ready += subs[i].got_head && subs[i].fd >= 0;
	} while (ready < n && now_us() - t0 < 60 * 1000000ULL);
	fprintf(stderr, "subscribed %d\n", ready);
	sleep(2);	/* for bench_fanout.sh to sample the server */
	drain(ep, subs, 0);
	nlat = 0;
	t0 = now_us();
	end = t0 + (uint64_t)secs * 1000000;
	for (next = t0; next < end; next += 1000000 / (uint64_t)rate) {
		while (now_us() < next)
			drain(ep, subs, (int)((next - now_us()) / 1000) + 1);
		if (publish(port, argv[6], now_us()) == 0)
			published++;
	}
	/* The last message: 5 s for it to arrive everywhere. */
	expected = (size_t)published * (size_t)ready;
	t0 = now_us();
	while (nlat < expected && now_us() - t0 < 5000000)
		drain(ep, subs, 50);
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	printf("connected %d published %ld expected %zu delivered %zu lost %zd "
	    "p50_ms %.1f p99_ms %.1f max_ms %.1f\n", ready, published,
	    expected, nlat, (ssize_t)expected - (ssize_t)nlat,
	    nlat ? lat[nlat / 2] / 1000.0 : 0.0,
	    nlat ? lat[(size_t)(nlat * 0.99)] / 1000.0 : 0.0,
	    nlat ? lat[nlat - 1] / 1000.0 : 0.0);
	return 0;
}
