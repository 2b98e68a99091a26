/*
 * fuzz_body.c: the structure checks that run before a library parses
 * a body.  A MessagePack value msgpack_check() accepts must unpack
 * (with at most a small multiple of its size allocated: ASan's RSS
 * limit watches); JSON text within the depth limit goes to jansson.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "internal.h"
#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	msgpack_unpacked	 u;
	json_error_t		 e;
	json_t			*j;
	size_t			 off = 0;

	if (msgpack_check(data, len, 16) == 0) {
		msgpack_unpacked_init(&u);
		if (msgpack_unpack_next(&u, (const char *)data, len, &off) !=
		    MSGPACK_UNPACK_SUCCESS || off != len)
			abort();	/* checked as whole, unpacks otherwise */
		msgpack_unpacked_destroy(&u);
	}
	if (json_depth_ok((const char *)data, len, 16) == 0 &&
	    (j = json_loadb((const char *)data, len, 0, &e)) != NULL)
		json_decref(j);
	return 0;
}
