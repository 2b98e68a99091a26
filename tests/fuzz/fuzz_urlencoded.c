/*
 * fuzz_urlencoded.c: an application/x-www-form-urlencoded body.  Every
 * pair that comes out must be valid UTF-8 without a NUL, and never
 * longer than the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct rv_arena	 a = { 0 };
	struct rv_kv	*kv;
	size_t		 n, i, kl, vl;
	int		 rc;

	rc = urlenc_parse(&a, (const char *)data, len, 1000, &kv, &n);
	if (rc != RV_OK && rc != RV_EINVAL && rc != RV_ETOOBIG)
		abort();
	for (i = 0; i < n; i++) {
		kl = strlen(kv[i].key);
		vl = strlen(kv[i].val);
		if (kl + vl > len || !utf8_valid(kv[i].key, kl) ||
		    !utf8_valid(kv[i].val, vl))
			abort();
	}
	arena_reset(&a);
	return 0;
}
