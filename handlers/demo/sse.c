/* sse.c: Server-Sent Events examples (Oxian counter and errors, Ohkami). */
#include "demo.h"

/* GET /events: ten "counter" events, ids msg-1..msg-10, a second apart */
int
demo_events(struct rv_req *rq)
{
	struct rv_stream	*s = rv_open(rq, RV_SSE);
	int			 n;

	rv_retry(s, 1000);
	for (n = 1; n <= 10; n++)
		if (rv_eventf(s, "counter", rv_fmt(s, "msg-%d", n),
		    "{s:i,s:I}", "count", n, "timestamp",
		    (long long)demo_now_ms()) != 0 ||
		    (n < 10 && rv_sleep(s, 1000) != 0))
			break;
	return rv_close(s);
}

/* GET /ticks: "tick 1".."tick 3", the wait before each, as Ohkami does */
int
demo_ticks(struct rv_req *rq)
{
	struct rv_stream	*s = rv_open(rq, RV_SSE);
	int			 i;

	for (i = 1; i <= 3; i++)
		if (rv_sleep(s, 1000) != 0 || rv_textf(s, "tick %d", i) != 0)
			break;
	return rv_close(s);
}

/*
 * GET /stream-with-errors?interval_ms=&fail_at=: "data" events from a
 * fetch that fails on attempt fail_at (default 3); the failure becomes
 * an SSE error event and the stream ends.
 */
int
demo_stream_with_errors(struct rv_req *rq)
{
	long			 ms = rv_query_range(rq, "interval_ms", 2000,
	    10, 60000);
	long			 fail_at = rv_query_range(rq, "fail_at", 3, 1,
	    1000);
	struct rv_stream	*s = rv_open(rq, RV_SSE);
	long			 attempt;

	rv_retry(s, 5000);
	for (attempt = 1; rv_sleep(s, (unsigned long)ms) == 0; attempt++) {
		if (attempt == fail_at)
			return rv_error(s, 502, "Data processing failed",
			    "the external source failed on attempt %ld",
			    attempt);
		if (rv_event(s, "data", NULL) != 0 ||
		    rv_packf(s, "{s:i,s:I}", "attempt", (int)attempt,
		    "timestamp", (long long)demo_now_ms()) != 0)
			break;
	}
	return rv_close(s);
}
