/*
 * catdec.h: rivulet-cat's streaming decoders.  Bytes go in as they
 * arrive, in pieces of any size; each item comes out through the emit
 * callback as soon as its last byte is in, as a jansson value.
 */
#ifndef RV_CATDEC_H
#define RV_CATDEC_H

#include <stddef.h>

#include <jansson.h>

enum cat_framing {
	CF_SSE,		/* text/event-stream: {"event","id","retry","data"} */
	CF_NDJSON,	/* application/x-ndjson: a value per line */
	CF_SEQ,		/* application/json-seq (RFC 7464) */
	CF_JSON,	/* application/json: an array's elements */
	CF_MSGPACK,	/* application/msgpack: a sequence of values */
	CF_CSV,		/* text/csv: each row as an array of strings */
	CF_TEXT,	/* text/... and XML: each line as a string */
	CF_BYTES	/* anything else: each piece read, base64 */
};

enum cat_res {
	CD_OK,
	CD_STOP,	/* the emit callback asked to stop */
	CD_BAD		/* the bytes are not of the framing: catdec_error */
};

/* Takes the item (decref it); nonzero stops decoding. */
typedef int (*cat_emit)(json_t *item, void *arg);

struct catdec;

/* The framing of a media type (parameters ignored); CF_BYTES if unknown. */
enum cat_framing catdec_framing(const char *media_type);
/* A framing by name (sse ndjson json-seq json msgpack csv text bytes). */
int		 catdec_framing_byname(const char *, enum cat_framing *);
struct catdec	*catdec_new(enum cat_framing, cat_emit, void *arg);
enum cat_res	 catdec_feed(struct catdec *, const void *, size_t);
/* The body is over: a truncated last item is CD_BAD. */
enum cat_res	 catdec_end(struct catdec *);
const char	*catdec_error(const struct catdec *);
void		 catdec_free(struct catdec *);

#endif
