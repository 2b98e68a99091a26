/*
 * decode.h: the pieces of decode.c that also serve rivulet-cat's
 * streaming decoders (framework/tools/catdec.c), so that a body read
 * whole (rv_decode) and one read as it arrives give the same items.
 */
#ifndef RV_DECODE_H
#define RV_DECODE_H

#include <jansson.h>
#include <msgpack.h>

#include "internal.h"

/* One SSE event block being read, as a browser's EventSource does. */
struct sse_ev {
	struct rv_buf	 data;
	char		*event;
	char		*id;
	long		 retry;		/* -1: none */
	int		 has_data;
};

/* A field line (no line end; not a comment). */
RV_HIDDEN void	 sse_field(struct sse_ev *, const char *line, size_t n);
/* Blank line: append the block as an item to items, if it said anything. */
RV_HIDDEN int	 sse_dispatch(json_t *items, struct sse_ev *);
/* JSON text if it parses as exactly one value, else a string. */
RV_HIDDEN json_t *json_or_string(const char *, size_t);
/* A MessagePack object as JSON (bin and ext as base64). */
RV_HIDDEN json_t *mp_to_json(const msgpack_object *);
/*
 * The RFC 4180 field at p[*i] into f; *eol set when it ends a record.
 * -1 on an unterminated quote or junk after a closing quote.
 */
RV_HIDDEN int	 csv_next_field(const char *p, size_t n, size_t *i,
		    struct rv_buf *f, int *eol);

#endif
