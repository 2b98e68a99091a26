/* json.c: structured items, framed as the client asks. */
#include <jansson.h>

#include "demo.h"

/* GET /api/json_stream: ten dogs, 500 ms apart */
int
demo_json_stream(struct rv_req *rq)
{
	struct rv_stream	*s = rv_open(rq, RV_ITEMS);
	int			 i;

	for (i = 0; i < 10 && rv_sleep(s, i ? 500 : 0) == 0; i++) {
		rv_map_open(s);
		rv_kstr(s, "name", rv_fmt(s, "Dog %d", i));
		rv_kint(s, "age", i % 10);
		if (rv_map_close(s) != 0)
			break;
	}
	return rv_close(s);
}

/* GET /data-stream?count=N: {"items":[{"id":1,"timestamp":ms},...]} */
int
demo_data_stream(struct rv_req *rq)
{
	long			 count = rv_query_range(rq, "count", 5, 0, 10000);
	struct rv_stream	*s = rv_open(rq, "array ndjson sse msgpack");
	long			 i;

	rv_envelope(s, "items");
	for (i = 1; i <= count; i++)
		if (rv_packf(s, "{s:I,s:I}", "id", (json_int_t)i, "timestamp",
		    (json_int_t)demo_now_ms()) != 0 ||
		    (i < count && rv_sleep(s, 500) != 0))
			break;
	return rv_close(s);
}

/* GET /big-data?rows=N: {"results":[...]} from batches, never whole */
int
demo_big_data(struct rv_req *rq)
{
	long			 rows = rv_query_range(rq, "rows", 100000, 0,
	    10000000);
	struct rv_stream	*s = rv_open(rq, "array ndjson msgpack csv");
	long			 id, batch;

	rv_envelope(s, "results");
	rv_bulk(s, 1);
	for (batch = 0; batch * 1000 < rows; batch++) {
		/* one "page" of the data source */
		for (id = batch * 1000; id < rows && id < (batch + 1) * 1000;
		    id++) {
			rv_map_open(s);
			rv_kint(s, "id", id + 1);
			rv_kstr(s, "name", rv_fmt(s, "record %ld", id + 1));
			rv_kdouble(s, "value", (double)(id % 997) / 7.0);
			if (rv_map_close(s) != 0)
				return rv_close(s);
		}
	}
	return rv_close(s);
}
