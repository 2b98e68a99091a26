/*
 * dashboard.c: GET /dashboard/metrics?interval_ms=: "metrics" events
 * with this machine's numbers from /proc, now and then every 5 s; an
 * "error" event when /proc cannot be read.  Without ?interval_ms=, the
 * stream subscribes to the channel that live.c publishes to each second.
 *
 * CPU use is the share of busy jiffies between two samples of
 * /proc/stat.  Each stream keeps its own previous sample (handlers run
 * on concurrent threads; nothing here is shared), so the first event
 * reports the average since boot and the next ones the last interval.
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"

struct metrics {
	double		 cpu_percent;
	double		 load[3];
	long long	 mem_total, mem_avail;	/* KiB */
	double		 uptime;		/* seconds */
};

static int
read_cpu(struct demo_cpu *c)
{
	unsigned long long	 v[8] = { 0 };
	FILE			*f;
	int			 n;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		return -1;
	/* user nice system idle iowait irq softirq steal */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return -1;
	c->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	c->total = c->busy + v[3] + v[4];
	return 0;
}

/* MemTotal and MemAvailable, in KiB. */
static int
read_mem(long long *total, long long *avail)
{
	char		 line[128];
	FILE		*f;

	*total = *avail = -1;
	if ((f = fopen("/proc/meminfo", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "MemTotal: %lld", total) != 1)
			sscanf(line, "MemAvailable: %lld", avail);
	fclose(f);
	return *total > 0 && *avail >= 0 ? 0 : -1;
}

/* The first n (up to 3) numbers of a one-line /proc file. */
static int
read_doubles(const char *path, int n, double *a, double *b, double *c)
{
	FILE	*f;
	int	 got;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	got = fscanf(f, "%lf %lf %lf", a, b, c);
	fclose(f);
	return got == n ? 0 : -1;
}

static double
round1(double v)
{

	return (double)(long long)(v * 10.0 + 0.5) / 10.0;
}

/* Fill m; prev is this stream's previous CPU sample, then the new one. */
static int
read_metrics(struct metrics *m, struct demo_cpu *prev)
{
	struct demo_cpu	 now;
	double		 unused;

	if (read_cpu(&now) != 0 ||
	    read_mem(&m->mem_total, &m->mem_avail) != 0 ||
	    read_doubles("/proc/loadavg", 3, &m->load[0],
	    &m->load[1], &m->load[2]) != 0 ||
	    read_doubles("/proc/uptime", 2, &m->uptime, &unused,
	    &unused) != 0)
		return -1;
	m->cpu_percent = now.total > prev->total && now.busy >= prev->busy ?
	    round1(100.0 * (double)(now.busy - prev->busy) /
	    (double)(now.total - prev->total)) : 0.0;
	if (m->cpu_percent > 100.0)
		m->cpu_percent = 100.0;
	*prev = now;
	return 0;
}

static int
send_metrics(struct rv_stream *s, struct demo_cpu *prev)
{
	struct metrics	 m;

	if (read_metrics(&m, prev) != 0)
		return rv_eventf(s, "error", NULL, "{s:s}", "error",
		    "Failed to fetch metrics");
	rv_event(s, "metrics", rv_fmt(s, "metrics-%lld",
	    (long long)demo_now_ms()));
	return rv_packf(s, "{s:f,s:[f,f,f],s:I,s:I,s:f,s:I}",
	    "cpuPercent", m.cpu_percent,
	    "load", m.load[0], m.load[1], m.load[2],
	    "memTotalKiB", m.mem_total,
	    "memAvailableKiB", m.mem_avail,
	    "uptimeSeconds", m.uptime,
	    "timestamp", (long long)demo_now_ms());
}

/* live.c's thread: the same numbers to every subscriber. */
void
demo_publish_metrics(struct rv_server *srv, struct demo_cpu *prev)
{
	struct metrics	 m;

	if (read_metrics(&m, prev) != 0) {
		(void)rv_server_publishf(srv, "dashboard", "metrics", "error",
		    "{s:s}", "error", "Failed to fetch metrics");
		return;
	}
	(void)rv_server_publishf(srv, "dashboard", "metrics", "metrics",
	    "{s:f,s:[f,f,f],s:I,s:I,s:f,s:I}",
	    "cpuPercent", m.cpu_percent,
	    "load", m.load[0], m.load[1], m.load[2],
	    "memTotalKiB", m.mem_total,
	    "memAvailableKiB", m.mem_avail,
	    "uptimeSeconds", m.uptime,
	    "timestamp", (long long)demo_now_ms());
}

int
demo_dashboard(struct rv_req *rq)
{
	long			 ms = rv_query_range(rq, "interval_ms", 5000,
	    100, 60000);
	struct rv_stream	*s = rv_open(rq, RV_SSE " ndjson");
	struct demo_cpu		 prev = { 0, 0 };

	rv_retry(s, 5000);
	if (rv_query(rq, "interval_ms", NULL) == NULL) {
		if (demo_live_start(rq) != RV_OK ||
		    rv_subscribe(s, "dashboard", "metrics") != RV_OK)
			return rv_close(s);
		return RV_OK;
	}
	while (send_metrics(s, &prev) == 0 &&
	    rv_sleep(s, (unsigned long)ms) == 0)
		continue;
	return rv_close(s);
}
