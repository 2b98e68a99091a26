/* text.c: plain text streams (Dioxus TextStream, Oxian basic streaming). */
#include "demo.h"

/*
 * GET /api/test_stream?start=N: "Hello, world! N" every 500 ms until
 * the client leaves.  N is bounded so that counting up cannot overflow.
 */
int
demo_text_stream(struct rv_req *rq)
{
	long			 n = rv_query_range(rq, "start", 0,
	    -1000000000L, 1000000000L);
	struct rv_stream	*s = rv_open(rq, RV_TEXT);

	while (rv_textf(s, "Hello, world! %ld\n", n++) == 0 &&
	    rv_sleep(s, 500) == 0)
		continue;
	return rv_close(s);
}

/* GET /stream: "Hello streaming world!" in three parts, a second apart */
int
demo_basic_stream(struct rv_req *rq)
{
	struct rv_stream	*s = rv_open(rq, RV_TEXT);

	if (rv_text(s, "Hello ") == 0 && rv_sleep(s, 1000) == 0 &&
	    rv_text(s, "streaming ") == 0 && rv_sleep(s, 1000) == 0)
		rv_text(s, "world!");
	return rv_close(s);
}
