/*
 * dashboard.c: GET /dashboard/metrics: "metrics" events with this
 * machine's numbers from /proc, every interval_ms (default 5 s).
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"

struct cpu {
	unsigned long long	 busy, total;
};

static int
read_cpu(struct cpu *c)
{
	unsigned long long	 v[8] = { 0 };
	FILE			*f;
	int			 n;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return -1;
	c->total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	c->busy = c->total - v[3] - v[4];
	return 0;
}

static long long
meminfo(const char *key)
{
	char		 line[256];
	long long	 kb = -1;
	size_t		 n = strlen(key);
	FILE		*f;

	if ((f = fopen("/proc/meminfo", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			sscanf(line + n + 1, "%lld", &kb);
			break;
		}
	fclose(f);
	return kb;
}

/* One metrics event; prev holds the last CPU sample of this stream. */
static int
send_metrics(struct rv_stream *s, struct cpu *prev)
{
	double		 load[3], up = 0;
	struct cpu	 now;
	long long	 total = meminfo("MemTotal"), avail = meminfo("MemAvailable");
	FILE		*f;
	int		 ok = 0;

	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		ok = fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) == 3;
		fclose(f);
	}
	if ((f = fopen("/proc/uptime", "r")) != NULL) {
		ok = ok && fscanf(f, "%lf", &up) == 1;
		fclose(f);
	}
	if (!ok || total <= 0 || avail < 0 || read_cpu(&now) != 0)
		return rv_eventf(s, "error", NULL, "{s:s}", "error",
		    "Failed to fetch metrics");
	rv_event(s, "metrics", rv_fmt(s, "metrics-%lld",
	    (long long)demo_now_ms()));
	rv_map_open(s);
	rv_kdouble(s, "cpuPercent", now.total > prev->total ?
	    100.0 * (double)(now.busy - prev->busy) /
	    (double)(now.total - prev->total) : 0.0);
	rv_key(s, "load");
	rv_packf(s, "[f,f,f]", load[0], load[1], load[2]);
	rv_kint(s, "memTotalKiB", total);
	rv_kint(s, "memAvailableKiB", avail);
	rv_kdouble(s, "uptimeSeconds", up);
	rv_kint(s, "timestamp", demo_now_ms());
	*prev = now;
	return rv_map_close(s);
}

int
demo_dashboard(struct rv_req *rq)
{
	long			 ms = rv_query_range(rq, "interval_ms", 5000,
	    100, 60000);
	struct rv_stream	*s = rv_open(rq, RV_SSE " ndjson");
	struct cpu		 prev = { 0, 0 };

	read_cpu(&prev);
	rv_retry(s, 5000);
	while (send_metrics(s, &prev) == 0 && rv_sleep(s,
	    (unsigned long)ms) == 0)
		continue;
	return rv_close(s);
}
