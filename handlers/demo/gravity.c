/* gravity.c: the Gravity streaming service: ping and users, 5 s each. */
#include <stdio.h>
#include <stdlib.h>

#include "demo.h"

/* GET /streaming/ping?to=NAME: a ping a second, closed after 5 s */
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

/* GET /streaming/streamUsers: {"id": random} a second, closed after 5 s */
int
demo_stream_users(struct rv_req *rq)
{
	struct rv_stream	*s = rv_open(rq, RV_ITEMS);
	unsigned		 seed = (unsigned)demo_now_ms();
	int			 i;

	for (i = 0; i < 5 && rv_sleep(s, 1000) == 0; i++)
		if (rv_packf(s, "{s:s}", "id", rv_fmt(s, "0.%09d",
		    rand_r(&seed) % 1000000000)) != 0)
			break;
	return rv_close(s);
}
