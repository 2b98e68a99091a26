/* sse.c: Server-Sent Events examples (Oxian counter and errors, Ohkami). */
#include "demo.h"

/*
 * GET /events: ten "counter" events, ids msg-1..msg-10, a second apart,
 * then the stream ends.  A client that leaves ends the loop at once.
 */
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

/*
 * GET /ticks: Ohkami's "tick 1".."tick 3", the wait before each send.
 * Ohkami serves it at /events, which is Oxian's counter here.
 */
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
 * The "external source" of /stream-with-errors: it answers until the
 * attempt numbered fail_at, which fails (-1).
 */
static int
fetch_external(long attempt, long fail_at, long long *value)
{

	if (attempt == fail_at)
		return -1;
	*value = attempt * 7 % 100;
	return 0;
}

/*
 * GET /stream-with-errors?interval_ms=&fail_at=: a "data" event from
 * the source every interval_ms (2 s); when a fetch fails the client gets
 * an error (an SSE error event once the stream has started, a 502
 * problem+json before) and the stream ends.
 */
int
demo_stream_with_errors(struct rv_req *rq)
{
	long			 ms = rv_query_range(rq, "interval_ms", 2000,
	    10, 60000);
	long			 fail_at = rv_query_range(rq, "fail_at", 3, 1,
	    1000);
	struct rv_stream	*s = rv_open(rq, RV_SSE);
	long long		 value;
	long			 n;

	rv_retry(s, 5000);
	for (n = 1; rv_sleep(s, (unsigned long)ms) == 0; n++) {
		if (fetch_external(n, fail_at, &value) != 0) {
			rv_error(s, 502, "Data processing failed",
			    "the external source failed on attempt %ld", n);
			break;
		}
		if (rv_eventf(s, "data", NULL, "{s:I,s:I,s:I}", "attempt",
		    (long long)n, "value", value, "timestamp",
		    (long long)demo_now_ms()) != 0)
			break;
	}
	return rv_close(s);
}
