/*
 * fuzz_cookie.c: a Cookie header.  Names that come out are tokens,
 * values hold no control bytes.
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
	char		*s;
	const char	*p;
	size_t		 n, i;

	if ((s = malloc(len + 1)) == NULL)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	if (cookie_parse(&a, s, 64, &kv, &n) == RV_OK || n == 64)
		for (i = 0; i < n; i++) {
			if (*kv[i].key == '\0')
				abort();
			for (p = kv[i].key; *p != '\0'; p++)
				if ((unsigned char)*p <= ' ' || *p == ';' ||
				    *p == '=')
					abort();
			for (p = kv[i].val; *p != '\0'; p++)
				if ((unsigned char)*p < ' ' || *p == ';')
					abort();
		}
	arena_reset(&a);
	free(s);
	return 0;
}
