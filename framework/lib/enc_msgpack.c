/*
 * enc_msgpack.c: application/msgpack, a sequence of values.
 *
 * MessagePack puts the element count before a map or array, but the
 * writer only knows it at the close.  We write a one-byte fixmap/
 * fixarray header and patch it at the close; the rare container of
 * more than 15 elements is moved up to make room for a 16/32-bit
 * count.  The output stays minimal and no tree is built.
 */
#include <string.h>

#include "internal.h"

struct mp_state {
	size_t	 at[RV_MAX_DEPTH + 2];	/* header offsets of open containers */
	unsigned depth;
};

/*
 * The put_ functions write at o, which has room (9 bytes for a number,
 * 5 for a string header), and return the end: a value or a whole
 * key/value pair then costs one reservation of the buffer.
 */
static unsigned char *
mp_put_hdr(unsigned char *o, unsigned char tag, uint64_t v, int bytes)
{

	*o++ = tag;
	while (bytes-- > 0)
		*o++ = (unsigned char)(v >> (8 * bytes));
	return o;
}

static unsigned char *
mp_put_uint(unsigned char *o, uint64_t v)
{

	if (v < 128) {
		*o++ = (unsigned char)v;
		return o;
	}
	if (v <= 0xff)
		return mp_put_hdr(o, 0xcc, v, 1);
	if (v <= 0xffff)
		return mp_put_hdr(o, 0xcd, v, 2);
	if (v <= 0xffffffffULL)
		return mp_put_hdr(o, 0xce, v, 4);
	return mp_put_hdr(o, 0xcf, v, 8);
}

static unsigned char *
mp_put_int(unsigned char *o, int64_t v)
{

	if (v >= 0)
		return mp_put_uint(o, (uint64_t)v);
	if (v >= -32) {
		*o++ = (unsigned char)(0xe0 | (v + 32));
		return o;
	}
	if (v >= INT8_MIN)
		return mp_put_hdr(o, 0xd0, (uint64_t)v, 1);
	if (v >= INT16_MIN)
		return mp_put_hdr(o, 0xd1, (uint64_t)v, 2);
	if (v >= INT32_MIN)
		return mp_put_hdr(o, 0xd2, (uint64_t)v, 4);
	return mp_put_hdr(o, 0xd3, (uint64_t)v, 8);
}

/* Header and bytes of a str (or bin); o has room for n + 5. */
static unsigned char *
mp_put_str(unsigned char *o, const char *p, size_t n, int bin)
{

	if (bin) {
		if (n <= 0xff)
			o = mp_put_hdr(o, 0xc4, n, 1);
		else if (n <= 0xffff)
			o = mp_put_hdr(o, 0xc5, n, 2);
		else
			o = mp_put_hdr(o, 0xc6, n, 4);
	} else if (n < 32)
		*o++ = (unsigned char)(0xa0 | n);
	else if (n <= 0xff)
		o = mp_put_hdr(o, 0xd9, n, 1);
	else if (n <= 0xffff)
		o = mp_put_hdr(o, 0xda, n, 2);
	else
		o = mp_put_hdr(o, 0xdb, n, 4);
	copy_small((char *)o, p, n);
	return o + n;
}

/* Room for extra bytes at the end of b, or NULL (b->err says why). */
static unsigned char *
mp_room(struct rv_buf *b, size_t extra)
{

	if (b->cap - b->len < extra && buf_grow(b, extra) != RV_OK)
		return NULL;
	return (unsigned char *)b->p + b->len;
}

static int
mp_done(struct rv_buf *b, unsigned char *o)
{

	b->len = (size_t)((char *)o - b->p);
	return RV_OK;
}

static int
mp_hdr(struct rv_buf *b, unsigned char tag, uint64_t v, int bytes)
{
	unsigned char	*o;

	if ((o = mp_room(b, 9)) == NULL)
		return b->err;
	return mp_done(b, mp_put_hdr(o, tag, v, bytes));
}

static int
mp_uint(struct rv_buf *b, uint64_t v)
{
	unsigned char	*o;

	if ((o = mp_room(b, 9)) == NULL)
		return b->err;
	return mp_done(b, mp_put_uint(o, v));
}

static int
mp_int(struct rv_buf *b, int64_t v)
{
	unsigned char	*o;

	if ((o = mp_room(b, 9)) == NULL)
		return b->err;
	return mp_done(b, mp_put_int(o, v));
}

static int
mp_str(struct rv_buf *b, const char *p, size_t n, int bin)
{
	unsigned char	*o;

	if ((o = mp_room(b, n + 5)) == NULL)
		return b->err;
	return mp_done(b, mp_put_str(o, p, n, bin));
}

static int
mp_double(struct rv_buf *b, double d)
{
	uint64_t	 u;

	memcpy(&u, &d, sizeof(u));
	return mp_hdr(b, 0xcb, u, 8);
}

/* Close a container whose 1-byte header sits at st->at[depth]. */
static int
mp_close(struct rv_buf *b, struct mp_state *st, int map, size_t count)
{
	size_t	 at = st->at[--st->depth], grow;
	unsigned char	 h[5];

	if (count < 16) {
		b->p[at] = (char)((map ? 0x80 : 0x90) | count);
		return RV_OK;
	}
	if (count > 0xffffffffULL)
		return RV_ETOOBIG;
	grow = count <= 0xffff ? 2 : 4;
	if (buf_grow(b, grow) != RV_OK)
		return b->err;
	memmove(b->p + at + 1 + grow, b->p + at + 1, b->len - at - 1);
	b->len += grow;
	if (grow == 2) {
		h[0] = map ? 0xde : 0xdc;
		h[1] = (unsigned char)(count >> 8);
		h[2] = (unsigned char)count;
	} else {
		h[0] = map ? 0xdf : 0xdd;
		h[1] = (unsigned char)(count >> 24);
		h[2] = (unsigned char)(count >> 16);
		h[3] = (unsigned char)(count >> 8);
		h[4] = (unsigned char)count;
	}
	memcpy(b->p + at, h, grow + 1);
	return RV_OK;
}

static int
mp_open(struct rv_buf *b, struct mp_state *st)
{

	if (st->depth >= sizeof(st->at) / sizeof(st->at[0]))
		return RV_ETOOBIG;
	st->at[st->depth++] = b->len;
	return buf_addfast(b, "\x80", 1);	/* patched at the close */
}

static int
mp_token(struct rv_enc *e, const struct rv_token *t)
{
	struct rv_buf		*b = e->out;
	struct mp_state		*st = e->state;

	if (e->s->item.kind == RV_ITEM_COMMENT)
		return RV_OK;
	switch (t->type) {
	case RV_TOK_MAP_OPEN:
	case RV_TOK_ARRAY_OPEN:
		return mp_open(b, st);
	case RV_TOK_MAP_CLOSE:
		return mp_close(b, st, 1, t->count);
	case RV_TOK_ARRAY_CLOSE:
		return mp_close(b, st, 0, t->count);
	case RV_TOK_KEY:
	case RV_TOK_STR:
	case RV_TOK_TEXT:
		return mp_str(b, t->str, t->len, 0);
	case RV_TOK_BIN:
		return mp_str(b, t->str, t->len, 1);
	case RV_TOK_INT:
		return mp_int(b, t->v.i);
	case RV_TOK_UINT:
		return mp_uint(b, t->v.u);
	case RV_TOK_DOUBLE:
		return mp_double(b, t->v.d);
	case RV_TOK_BOOL:
		return buf_addfast(b, t->v.b ? "\xc3" : "\xc2", 1);
	case RV_TOK_NULL:
		return buf_addfast(b, "\xc0", 1);
	default:
		return RV_EINVAL;
	}
}

/* Envelopes as maps: {"event","id","data"} or {"error": ...}. */
static int
mp_item_begin(struct rv_enc *e, const struct rv_item *it)
{
	struct rv_buf	*b = e->out;
	struct mp_state	*st = e->state;
	unsigned	 n;

	st->depth = 0;
	if (it->kind == RV_ITEM_COMMENT || it->kind == RV_ITEM_RETRY)
		return RV_OK;
	if (it->kind == RV_ITEM_ERROR) {
		buf_addfast(b, "\x81", 1);
		return mp_str(b, "error", 5, 0);
	}
	if (it->event == NULL && it->id == NULL)
		return RV_OK;
	n = 1 + (it->event != NULL) + (it->id != NULL);
	buf_addfast(b, n == 2 ? "\x82" : "\x83", 1);
	if (it->event != NULL) {
		mp_str(b, "event", 5, 0);
		mp_str(b, it->event, strlen(it->event), 0);
	}
	if (it->id != NULL) {
		mp_str(b, "id", 2, 0);
		mp_str(b, it->id, strlen(it->id), 0);
	}
	return mp_str(b, "data", 4, 0);
}

const struct rv_encoder enc_msgpack = {
	.abi = RV_ABI_VERSION,
	.name = "msgpack",
	.alias = "messagepack",
	.media_type = "application/msgpack",
	.state_size = sizeof(struct mp_state),
	.item_begin = mp_item_begin,
	.token = mp_token,
};

/* The writer's short paths for opens and closes (writer.c). */
int
mp_open_fast(struct rv_enc *e)
{

	return mp_open(e->out, e->state);
}

int
mp_close_fast(struct rv_enc *e, int map, size_t count)
{

	return mp_close(e->out, e->state, map, count);
}

/*
 * The writer's short paths (writer.c): a whole key/value pair with one
 * reservation; the bytes are mp_token's for the two tokens.  The key
 * and string were checked by the writer (str_plain: valid UTF-8).
 */
int
mp_kint(struct rv_buf *b, const char *k, size_t kn, int64_t v)
{
	unsigned char	*o;

	if ((o = mp_room(b, kn + 14)) == NULL)
		return b->err;
	return mp_done(b, mp_put_int(mp_put_str(o, k, kn, 0), v));
}

int
mp_kstr(struct rv_buf *b, const char *k, size_t kn, const char *v,
    size_t vn)
{
	unsigned char	*o;

	if ((o = mp_room(b, kn + vn + 10)) == NULL)
		return b->err;
	return mp_done(b, mp_put_str(mp_put_str(o, k, kn, 0), v, vn, 0));
}

/* nil, true, false */
int
mp_kbyte(struct rv_buf *b, const char *k, size_t kn, unsigned char c)
{
	unsigned char	*o;

	if ((o = mp_room(b, kn + 6)) == NULL)
		return b->err;
	o = mp_put_str(o, k, kn, 0);
	*o++ = c;
	return mp_done(b, o);
}
