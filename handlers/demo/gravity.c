/*
 * gravity.c: Gravity's streaming service: ping and streamUsers, an item
 * a second, closed after 5 s.  Gravity's client iterates the items, so
 * both offer every item framing (NDJSON first, SSE for a browser).
 */
#include <stdint.h>
#include <stdlib.h>

#include "demo.h"

/* GET /streaming/ping?to=NAME: "Sending ping to NAME" each second */
int
demo_ping(struct rv_req *rq)
{
	const char		*to = rv_query(rq, "to", "world");
	struct rv_stream	*s = rv_open(rq, RV_ITEMS);
	int			 i;

	for (i = 0; i < 5 && rv_sleep(s, 1000) == 0; i++)
		if (rv_packf(s, "s", rv_fmt(s, "Sending ping to %s", to)) != 0)
			break;
	return rv_close(s);
}

/* GET /streaming/streamUsers: {"id": a random number} each second */
int
demo_stream_users(struct rv_req *rq)
{
	struct rv_stream	*s = rv_open(rq, RV_ITEMS);
	unsigned		 seed = (unsigned)demo_now_ms() ^
	    (unsigned)(uintptr_t)&seed;	/* this stream's own generator */
	int			 i;

	for (i = 0; i < 5 && rv_sleep(s, 1000) == 0; i++)
		if (rv_packf(s, "{s:s}", "id", rv_fmt(s, "0.%09d",
		    rand_r(&seed) % 1000000000)) != 0)
			break;
	return rv_close(s);
}
