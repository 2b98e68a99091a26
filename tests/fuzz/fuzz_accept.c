/*
 * fuzz_accept.c: an Accept header (and a ?format= value) against the
 * built-in encoders: negotiation must pick something offered or
 * nothing, and every q-value is within 0..1000.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct rv_server	*srv;
	static const char *const types[] = { "text/event-stream",
	    "application/json", "application/x-ndjson", "text/plain",
	    "application/msgpack", NULL };
	const struct rv_encoder	*e;
	char			*s, *fmt;
	int			 i, q;

	if (srv == NULL && (srv = rv_server_new()) == NULL)
		abort();
	if ((s = malloc(len + 1)) == NULL)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	for (i = 0; types[i] != NULL; i++)
		if ((q = accept_quality(s, types[i])) < 0 || q > 1000)
			abort();
	e = negotiate(srv, RV_ITEMS, NULL, s);
	if (e != NULL && strstr(RV_ITEMS, e->name) == NULL)
		abort();
	/* After a NUL the rest is a ?format= value. */
	if ((fmt = memchr(data, '\0', len)) != NULL) {
		fmt = s + ((const uint8_t *)fmt - data) + 1;
		(void)negotiate(srv, "json csv text", fmt, s);
	}
	free(s);
	return 0;
}
