/*
 * fuzz_query.c: a query string from the peer, through a request the
 * way the runtime builds one: rv_query, rv_query_values and
 * rv_query_range on keys the input itself names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "input.h"

static int
null_write(struct rv_sink *s, const struct iovec *iov, int n, int last)
{
	(void)s; (void)iov; (void)n; (void)last;
	return RV_OK;
}

static int
null_finish(struct rv_sink *s, int cut)
{
	(void)s; (void)cut;
	return RV_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct rv_sink	 sink = { null_write, null_finish, NULL,
	    NULL };
	struct rv_server	 srv;
	struct rv_req		 rq;
	const char		*vals[8];
	size_t			 i, n;

	memset(&srv, 0, sizeof(srv));
	req_init(&rq, &srv, &sink);
	req_add_env(&rq, "REQUEST_METHOD", 14, "GET", 3);
	req_add_env(&rq, "QUERY_STRING", 12, (const char *)data, len);
	req_finish_env(&rq);
	(void)rv_query(&rq, "a", NULL);
	for (i = 0; i < rq.nquery; i++) {
		n = rv_query_values(&rq, rq.query[i].key, vals, 8);
		if (n == 0 || strlen(rq.query[i].val) > len ||
		    !utf8_valid(rq.query[i].key, strlen(rq.query[i].key)))
			abort();	/* a key listed must be found, valid */
		(void)rv_query_range(&rq, rq.query[i].key, 0, -5, 5);
	}
	req_free(&rq);
	return 0;
}
