/*
 * fuzz_range.c: libFuzzer harness for the Range header parser.
 *
 * The input is split: its first 8 bytes (if there are 8) are the
 * representation's size, the rest the header, made a C string.  The
 * verdict must hold together whatever the bytes: a single range lies
 * inside the file and is ordered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	uint64_t	 size = 1000, first = 0, last = 0;
	char		*h;

	if (len >= 8) {
		memcpy(&size, data, 8);
		data += 8;
		len -= 8;
	}
	if ((h = malloc(len + 1)) == NULL)
		return 0;
	memcpy(h, data, len);
	h[len] = '\0';
	if (range_parse(h, size, &first, &last) == RANGE_ONE &&
	    (first > last || last >= size))
		abort();
	free(h);
	return 0;
}
