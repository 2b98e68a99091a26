/* text.c: plain text streams (Dioxus TextStream, Oxian basic streaming). */
#include "demo.h"

/* GET /api/test_stream?start=N: a line every 500 ms until the client leaves */
int
demo_text_stream(struct rv_req *rq)
{
	long			 n = rv_query_long(rq, "start", 0);
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
