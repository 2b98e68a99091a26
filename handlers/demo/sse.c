/* sse.c: Server-Sent Events examples (Oxian counter and errors, Ohkami). */
#include <stdlib.h>
#include <string.h>

#include "demo.h"

/*
 * The counter a Last-Event-ID ("msg-N") resumes after: 0 without one
 * (or with one that is not ours: start over), 10 past the end.
 */
static long
events_resumed(struct rv_req *rq)
{
	const char	*last = rv_req_header(rq, "Last-Event-ID");
	char		*end;
	long		 n;

	if (last == NULL || strncmp(last, "msg-", 4) != 0)
		return 0;
	n = strtol(last + 4, &end, 10);
	if (*end != '\0' || end == last + 4 || n < 0)
		return 0;
	return n > 10 ? 10 : n;
}

/*
 * GET /events?interval_ms=&cut_after=: ten "counter" events, ids
 * msg-1..msg-10, a second apart, then the stream ends.  A client that
 * leaves ends the loop at once.  A client coming back with
 * Last-Event-ID: msg-N gets msg-N+1 on; one that has them all gets a
 * 204, which tells EventSource (and rivulet.js) not to come back.
 * cut_after=K ends each connection after K events, as a restarting
 * server would, to show a client resuming.
 */
int
demo_events(struct rv_req *rq)
{
	long			 ms = rv_query_range(rq, "interval_ms", 1000,
	    0, 60000);
	long			 cut = rv_query_range(rq, "cut_after", 10, 1,
	    10);
	long			 n = events_resumed(rq), sent = 0;
	struct rv_stream	*s = rv_open(rq, RV_SSE);

	if (n == 10) {
		rv_status(s, 204);
		return rv_close(s);
	}
	rv_retry(s, 1000);
	while (++n <= 10 && sent++ < cut)
		if (rv_eventf(s, "counter", rv_fmt(s, "msg-%ld", n),
		    "{s:i,s:I}", "count", (int)n, "timestamp",
		    (long long)demo_now_ms()) != 0 ||
		    (n < 10 && sent < cut && rv_sleep(s, (unsigned long)ms) !=
		    0))
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
