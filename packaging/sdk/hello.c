/*
 * hello.c: a rivulet handler module, the template to start from.
 *
 *   cc -shared -fPIC -o hello.so hello.c $(pkg-config --cflags --libs rivulet)
 *
 * then "module = /path/to/hello.so" in rivulet.conf (or copy it into
 * $(pkg-config --variable=moduledir rivulet) and write "module = hello.so").
 */
#include <rivulet.h>

/*
 * GET /hello?n=N: N greetings (5 by default, at most 100), one every
 * 200 ms, in the framing the client asks for: NDJSON by default, SSE
 * for an EventSource, MessagePack, a JSON array.
 */
static int
hello(struct rv_req *rq)
{
	long		 n = rv_query_range(rq, "n", 5, 0, 100);
	const char	*who = rv_query(rq, "name", "world");
	struct rv_stream *s = rv_open(rq, RV_ITEMS);	/* 400 if n is bad */

	for (int i = 0; i < n && rv_sleep(s, i ? 200 : 0) == 0; i++)
		if (rv_packf(s, "{s:s, s:i}", "hello", who, "i", i) != 0)
			break;		/* the client left, or the item failed */
	return rv_close(s);
}

RV_MODULE("hello",
    RV_GET("/hello", hello));
