/* json.c: structured items, framed as the client asks. */
#include <stdio.h>
#include <stdlib.h>

#include "demo.h"

/* GET /api/json_stream: ten dogs, 500 ms apart (Dioxus Streaming<Dog>) */
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
	long			 count = rv_query_range(rq, "count", 5, 1, 10000);
	struct rv_stream	*s = rv_open(rq, "array ndjson sse msgpack");
	long			 i;

	rv_envelope(s, "items");
	for (i = 1; i <= count; i++)
		if (rv_packf(s, "{s:I,s:I}", "id", (long long)i, "timestamp",
		    (long long)demo_now_ms()) != 0 ||
		    (i < count && rv_sleep(s, 500) != 0))
			break;
	return rv_close(s);
}

/* ------------------------------------------------------------------ */
/* GET /big-data?rows=N: {"results":[...]}, read in batches of 1000    */

#define BATCH	1000

struct record {
	long	 id;
	char	 name[32];
	double	 value;
};

/*
 * The stand-in for a database cursor: up to n records from offset
 * `from` of a table of `total` rows.  Returns how many it filled.
 */
static size_t
records_batch(long total, long from, size_t n, struct record *out)
{
	size_t	 k;

	for (k = 0; k < n && from + (long)k < total; k++) {
		out[k].id = from + (long)k + 1;
		snprintf(out[k].name, sizeof(out[k].name), "record %ld",
		    out[k].id);
		out[k].value = (double)(out[k].id % 997) / 8.0;
	}
	return k;
}

int
demo_big_data(struct rv_req *rq)
{
	long			 rows = rv_query_range(rq, "rows", 100000, 0,
	    10000000);
	struct rv_stream	*s = rv_open(rq, "array ndjson msgpack csv");
	struct record		*b = malloc(BATCH * sizeof(*b));	/* 48 KiB */
	long			 from;
	size_t			 i, n;

	if (b == NULL) {
		rv_error(s, 503, NULL, "no memory for a batch of records");
		return rv_close(s);
	}
	rv_envelope(s, "results");
	rv_bulk(s, 1);		/* coalesce rows into 64 KiB writes */
	for (from = 0; (n = records_batch(rows, from, BATCH, b)) > 0;
	    from += (long)n)
		for (i = 0; i < n; i++) {
			rv_map_open(s);
			rv_kint(s, "id", b[i].id);
			rv_kstr(s, "name", b[i].name);
			rv_kdouble(s, "value", b[i].value);
			if (rv_map_close(s) != 0)
				goto out;
		}
out:
	free(b);
	return rv_close(s);
}
