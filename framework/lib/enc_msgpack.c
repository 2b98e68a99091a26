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
#include "wire.h"

struct mp_state {
	size_t	 at[RV_MAX_DEPTH + 2];	/* header offsets of open containers */
	unsigned depth;
};

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

/*
 * A container of more than 15 elements: move its contents up to make
 * room for a 16/32-bit count; out of line, as it is rare.
 */
static __attribute__((noinline)) int
mp_close_wide(struct rv_buf *b, size_t at, int map, size_t count)
{
	size_t		 grow;
	unsigned char	 h[5];

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

/* Close a container whose 1-byte header sits at st->at[depth]. */
static int
mp_close(struct rv_buf *b, struct mp_state *st, int map, size_t count)
{
	size_t	 at = st->at[--st->depth];

	if (count >= 16)
		return mp_close_wide(b, at, map, count);
	b->p[at] = (char)((map ? 0x80 : 0x90) | count);
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
	if ((it->kind == RV_ITEM_VALUE && it->event == NULL &&
	    it->id == NULL) || it->kind == RV_ITEM_COMMENT ||
	    it->kind == RV_ITEM_RETRY)
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
