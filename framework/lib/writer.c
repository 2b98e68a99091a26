/*
 * writer.c: the structured writer.  Checks the shape of each item
 * (keys only where a map wants one, closes that match), hands every
 * token to the negotiated encoder, and makes items atomic: an item
 * that fails anywhere is cut back out of the output buffer whole.
 *
 * With a built-in JSON or MessagePack encoder, the common calls take
 * short paths that write the encoder's bytes themselves (wire.h): a
 * key/value pair with plain short strings, an open, a close, the
 * framing of an item without envelope.  They make the same checks and
 * write the same bytes as the token path, which takes everything else.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "wire.h"

/* Nesting level i (0: the outermost open container). */
static inline struct wlevel *
wl(struct rv_stream *s, unsigned i)
{

	return i < WL_INLINE ? &s->lv[i] : &s->lvx[i - WL_INLINE];
}

int
w_usable(struct rv_stream *s)
{

	if (s->err != RV_OK)
		return s->err;
	if (s->state == SS_NONE)
		return RV_ESTATE;
	if (s->state == SS_CLOSED || s->enc == NULL)
		return RV_ECLOSED;
	return RV_OK;
}

static inline void
item_reset(struct rv_stream *s)
{

	s->in_item = 0;
	s->item_err = RV_OK;
	s->depth = 0;
	s->ev_name = s->ev_id = NULL;
	s->ev_retry = 0;
	if (s->scratch.head != NULL)	/* nothing to give back, mostly */
		arena_rewind(&s->scratch);
}

/* Which short path, if any, the encoder's tokens can take. */
static void
enc_fast(struct rv_stream *s)
{
	const struct rv_encoder	*enc = s->enc;

	s->fast_enc = enc;
	s->frame = enc == &enc_ndjson ? &frame_ndjson :
	    enc == &enc_jsonseq ? &frame_jsonseq :
	    enc == &enc_sse ? &frame_sse : NULL;
	/* Their token steps are rv_enc_json_token for all but text. */
	if (s->frame != NULL || enc == &enc_array || enc == &enc_json)
		s->fast = FAST_JSON;
	else
		s->fast = enc == &enc_msgpack ? FAST_MP : FAST_NONE;
}

/* n (<= 8) bytes of a frame: all 8 are stored, n kept. */
static inline int
frame_put(struct rv_buf *b, const char *p, size_t n)
{

	if (b->cap - b->len < 8 && buf_grow(b, 8) != RV_OK)
		return b->err;
	__builtin_memcpy(b->p + b->len, p, 8);
	b->len += n;
	return RV_OK;
}

/* Inline in w_open and w_close, the short paths' once-an-item steps. */
static inline __attribute__((always_inline)) int
item_begin(struct rv_stream *s, enum rv_item_kind kind)
{
	int	 rc;

	if ((rc = w_usable(s)) != RV_OK)
		return rc;
	if (s->in_item)
		return RV_ESTATE;
	s->item_mark = s->out.len;
	s->item.kind = kind;
	s->item.event = s->ev_name;
	s->item.id = s->ev_id;
	s->item.retry = s->ev_retry;
	s->item.index = s->items;
	s->in_item = 1;
	s->item_err = RV_OK;
	if (s->fast_enc != s->enc)
		enc_fast(s);
	if (!s->began) {
		/* Lazily, so a refused first item leaves no framing behind. */
		if (s->enc->begin != NULL &&
		    (rc = s->enc->begin(&s->ectx)) != RV_OK)
			return w_item_abort(s, rc);
		s->began = 1;
		s->began_in_item = 1;
	}
	s->plain = s->frame != NULL && kind == RV_ITEM_VALUE &&
	    s->ev_name == NULL && s->ev_id == NULL && s->ev_retry == 0;
	if (s->plain)
		rc = s->frame->npre == 0 ? RV_OK :
		    frame_put(&s->out, s->frame->pre, s->frame->npre);
	else if (s->enc->item_begin != NULL)
		rc = s->enc->item_begin(&s->ectx, &s->item);
	else
		rc = RV_OK;
	return rc != RV_OK ? w_item_abort(s, rc) : RV_OK;
}

int
w_item_begin(struct rv_stream *s, enum rv_item_kind kind)
{

	return item_begin(s, kind);
}

int
w_item_abort(struct rv_stream *s, int err)
{

	if (s->in_item) {
		s->out.len = s->item_mark;
		if (s->began_in_item)
			s->began = 0;
		s->began_in_item = 0;
		s->out.err = RV_OK;
		item_reset(s);
	}
	return err;
}

static inline __attribute__((always_inline)) int
item_end(struct rv_stream *s)
{
	int	 rc;

	if (!s->in_item)
		return RV_ESTATE;
	if (s->item_err != RV_OK)
		return w_item_abort(s, s->item_err);
	if (s->plain)
		rc = frame_put(&s->out, s->frame->post, s->frame->npost);
	else if (s->enc->item_end != NULL)
		rc = s->enc->item_end(&s->ectx, &s->item);
	else
		rc = RV_OK;
	if (rc != RV_OK)
		return w_item_abort(s, rc);
	if (s->out.err != RV_OK)
		return w_item_abort(s, s->out.err);
	if (s->out.len - s->item_mark > s->max_item)
		return w_item_abort(s, RV_ETOOBIG);
	if (s->item.kind != RV_ITEM_COMMENT && s->item.kind != RV_ITEM_RETRY)
		s->items++;
	s->began_in_item = 0;
	item_reset(s);
	return stream_item_done(s);
}

int
w_item_end(struct rv_stream *s)
{

	return item_end(s);
}

/* Is this token allowed where the writer stands?  Fills its position. */
static int
w_place(struct rv_stream *s, struct rv_token *t)
{
	struct wlevel	*lv;
	int		 is_open, is_close;

	is_open = t->type == RV_TOK_MAP_OPEN || t->type == RV_TOK_ARRAY_OPEN;
	is_close = t->type == RV_TOK_MAP_CLOSE ||
	    t->type == RV_TOK_ARRAY_CLOSE;
	if (s->depth == 0) {
		if (is_close || t->type == RV_TOK_KEY)
			return RV_ESTATE;
		t->depth = 0;
		t->index = 0;
		t->in_map = 0;
		return RV_OK;
	}
	lv = wl(s, s->depth - 1);
	if (!is_close && lv->count == UINT32_MAX)
		return RV_ETOOBIG;
	t->depth = is_close ? s->depth - 1 : s->depth;
	t->in_map = lv->map;
	t->index = lv->count;
	t->count = lv->count;
	if (is_close)
		return (lv->map && t->type == RV_TOK_MAP_CLOSE &&
		    !lv->want_val) ||
		    (!lv->map && t->type == RV_TOK_ARRAY_CLOSE) ?
		    RV_OK : RV_ESTATE;
	if (lv->map && !lv->want_val)
		return t->type == RV_TOK_KEY ? RV_OK : RV_ESTATE;
	if (t->type == RV_TOK_KEY)
		return RV_ESTATE;
	if (is_open && s->depth >= RV_MAX_DEPTH)
		return RV_ETOOBIG;
	if (is_open && s->depth >= WL_INLINE && s->lvx == NULL &&
	    (s->lvx = calloc(RV_MAX_DEPTH - WL_INLINE, sizeof(*s->lvx))) ==
	    NULL)
		return RV_ENOMEM;
	return RV_OK;
}

/* Move the writer past a token that was placed. */
static void
w_advance(struct rv_stream *s, const struct rv_token *t)
{
	struct wlevel	*lv = s->depth ? wl(s, s->depth - 1) : NULL;

	switch (t->type) {
	case RV_TOK_KEY:
		lv->want_val = 1;
		return;
	case RV_TOK_MAP_CLOSE:
	case RV_TOK_ARRAY_CLOSE:
		s->depth--;
		return;
	default:
		break;
	}
	if (lv != NULL) {
		lv->count++;
		lv->want_val = 0;
	}
	if (t->type == RV_TOK_MAP_OPEN || t->type == RV_TOK_ARRAY_OPEN) {
		lv = wl(s, s->depth++);
		lv->map = t->type == RV_TOK_MAP_OPEN;
		lv->want_val = 0;
		lv->count = 0;
	}
}

static int
w_check_value(const struct rv_token *t)
{

	switch (t->type) {
	case RV_TOK_KEY:
	case RV_TOK_STR:
	case RV_TOK_TEXT:
		if (t->str == NULL && t->len != 0)
			return RV_EINVAL;
		/* Short ASCII (keys, names): no need for the full check. */
		if (t->len <= 16) {
			unsigned char	 hi = 0;

			for (size_t i = 0; i < t->len; i++)
				hi |= (unsigned char)t->str[i];
			if (hi < 0x80)
				return RV_OK;
		}
		return utf8_valid(t->str, t->len) ? RV_OK : RV_EUTF8;
	case RV_TOK_BIN:
		return t->str == NULL && t->len != 0 ? RV_EINVAL : RV_OK;
	case RV_TOK_DOUBLE:
		return isfinite(t->v.d) ? RV_OK : RV_EINVAL;
	default:
		return RV_OK;
	}
}

/*
 * One token of a structured item.  A token at depth 0 starts an item;
 * the token that brings the depth back to 0 ends it.  Inside a failed
 * item, tokens only keep the structure in step until it ends.
 */
int
w_token(struct rv_stream *s, struct rv_token *t)
{
	int	 rc, started = 0;

	if (!s->in_item) {
		if (t->type == RV_TOK_KEY || t->type == RV_TOK_MAP_CLOSE ||
		    t->type == RV_TOK_ARRAY_CLOSE)
			return w_usable(s) != RV_OK ? w_usable(s) : RV_ESTATE;
		if ((rc = w_item_begin(s, RV_ITEM_VALUE)) != RV_OK)
			return rc;
		started = 1;
	}
	if ((rc = w_place(s, t)) != RV_OK) {
		/* A misplaced token: refuse it, fail the item. */
		if (started)
			return w_item_abort(s, rc);
		if (s->item_err == RV_OK)
			s->item_err = rc;
		return rc;
	}
	if (s->item_err == RV_OK && (rc = w_check_value(t)) != RV_OK)
		s->item_err = rc;
	if (s->item_err == RV_OK) {
		if ((rc = s->enc->token(&s->ectx, t)) != RV_OK)
			s->item_err = rc;
		else if (s->out.len - s->item_mark >
		    s->max_item) {
			/* Give the memory back now, not at the item's end. */
			s->item_err = RV_ETOOBIG;
			s->out.len = s->item_mark;
		}
	}
	w_advance(s, t);
	if (s->depth == 0 && t->type != RV_TOK_KEY)
		return w_item_end(s);
	return s->item_err;
}

int
w_simple_item(struct rv_stream *s, enum rv_item_kind kind,
    enum rv_tok_type type, const char *p, size_t n)
{
	struct rv_token	 t;
	int		 rc;

	/* Refuse an oversized item before copying it anywhere. */
	if (n > s->max_item && w_usable(s) == RV_OK)
		return RV_ETOOBIG;
	if ((rc = w_item_begin(s, kind)) != RV_OK)
		return rc;
	if (kind != RV_ITEM_RETRY) {
		memset(&t, 0, sizeof(t));
		t.type = type;
		t.str = p;
		t.len = n;
		if ((rc = w_check_value(&t)) != RV_OK)
			return w_item_abort(s, rc);
		if ((rc = s->enc->token(&s->ectx, &t)) != RV_OK)
			return w_item_abort(s, rc);
		if (s->out.len - s->item_mark > s->max_item)
			return w_item_abort(s, RV_ETOOBIG);
	}
	return w_item_end(s);
}

/* ------------------------------------------------------------------ */
/* The public writer calls                                              */

static int
tok0(struct rv_stream *s, enum rv_tok_type type)
{
	struct rv_token	 t;

	memset(&t, 0, sizeof(t));
	t.type = type;
	return w_token(s, &t);
}

static int
tokstr(struct rv_stream *s, enum rv_tok_type type, const char *p, size_t n)
{
	struct rv_token	 t;

	memset(&t, 0, sizeof(t));
	t.type = type;
	t.str = p;
	t.len = n;
	return w_token(s, &t);
}

/* After a short-path write: what w_token does after the encoder's. */
static inline int
w_wrote(struct rv_stream *s, int rc)
{

	if (rc != RV_OK)
		s->item_err = rc;
	else if (s->out.len - s->item_mark > s->max_item) {
		s->item_err = rc = RV_ETOOBIG;
		s->out.len = s->item_mark;
	}
	return rc;
}

/*
 * Opens and closes take a short path when the item is healthy and the
 * encoder has one (see enc_fast): w_place's checks for these tokens,
 * the encoder's bytes written by a direct call, w_advance's moves.
 * Anything else goes through w_token.
 */
static int
w_open(struct rv_stream *s, int map)
{
	enum rv_tok_type type = map ? RV_TOK_MAP_OPEN : RV_TOK_ARRAY_OPEN;
	struct wlevel	*lv = NULL;
	int		 rc;

	if (!s->in_item) {
		/* Last item's look-up: is there a short path at all? */
		if (s->fast_enc != s->enc || s->fast == FAST_NONE)
			return tok0(s, type);
		if ((rc = item_begin(s, RV_ITEM_VALUE)) != RV_OK)
			return rc;
	} else if (s->item_err != RV_OK || s->fast == FAST_NONE ||
	    s->depth >= WL_INLINE)	/* deeper: w_token's levels */
		return tok0(s, type);
	if (s->depth > 0) {
		lv = &s->lv[s->depth - 1];
		if ((lv->map && !lv->want_val) || lv->count == UINT32_MAX)
			return tok0(s, type);
	}
	w_wrote(s, s->fast == FAST_JSON ? json_punct(&s->out,
	    lv != NULL && !lv->map && lv->count > 0, map ? '{' : '[') :
	    mp_open_fast(&s->ectx));
	if (lv != NULL) {
		lv->count++;
		lv->want_val = 0;
	}
	lv = &s->lv[s->depth++];
	lv->map = map;
	lv->want_val = 0;
	lv->count = 0;
	return s->item_err;
}

static int
w_close(struct rv_stream *s, int map)
{
	struct wlevel	*lv;

	if (s->depth == 0 || s->depth > WL_INLINE || s->item_err != RV_OK ||
	    s->fast == FAST_NONE)
		return tok0(s, map ? RV_TOK_MAP_CLOSE : RV_TOK_ARRAY_CLOSE);
	lv = &s->lv[s->depth - 1];
	if (lv->map != map || lv->want_val)
		return tok0(s, map ? RV_TOK_MAP_CLOSE : RV_TOK_ARRAY_CLOSE);
	w_wrote(s, s->fast == FAST_JSON ?
	    json_punct(&s->out, 0, map ? '}' : ']') :
	    mp_close_fast(&s->ectx, map, lv->count));
	if (--s->depth == 0)
		return item_end(s);
	return s->item_err;
}

int rv_map_open(struct rv_stream *s) { return w_open(s, 1); }
int rv_map_close(struct rv_stream *s) { return w_close(s, 1); }
int rv_array_open(struct rv_stream *s) { return w_open(s, 0); }
int rv_array_close(struct rv_stream *s) { return w_close(s, 0); }
int rv_null(struct rv_stream *s) { return tok0(s, RV_TOK_NULL); }

int
rv_key(struct rv_stream *s, const char *k)
{

	return k == NULL ? RV_EINVAL : tokstr(s, RV_TOK_KEY, k, strlen(k));
}

int
rv_keyn(struct rv_stream *s, const char *k, size_t n)
{

	return tokstr(s, RV_TOK_KEY, k, n);
}

int
rv_str(struct rv_stream *s, const char *v)
{

	return v == NULL ? tok0(s, RV_TOK_NULL) :
	    tokstr(s, RV_TOK_STR, v, strlen(v));
}

int
rv_strn(struct rv_stream *s, const char *v, size_t n)
{

	return tokstr(s, RV_TOK_STR, v, n);
}

int
rv_bin(struct rv_stream *s, const void *p, size_t n)
{

	return tokstr(s, RV_TOK_BIN, p, n);
}

int
rv_int(struct rv_stream *s, int64_t v)
{
	struct rv_token	 t;

	memset(&t, 0, sizeof(t));
	t.type = RV_TOK_INT;
	t.v.i = v;
	return w_token(s, &t);
}

int
rv_uint(struct rv_stream *s, uint64_t v)
{
	struct rv_token	 t;

	memset(&t, 0, sizeof(t));
	t.type = RV_TOK_UINT;
	t.v.u = v;
	return w_token(s, &t);
}

int
rv_double(struct rv_stream *s, double v)
{
	struct rv_token	 t;

	memset(&t, 0, sizeof(t));
	t.type = RV_TOK_DOUBLE;
	t.v.d = v;
	return w_token(s, &t);
}

int
rv_bool(struct rv_stream *s, int v)
{
	struct rv_token	 t;

	memset(&t, 0, sizeof(t));
	t.type = RV_TOK_BOOL;
	t.v.b = v != 0;
	return w_token(s, &t);
}

/*
 * key + value.  The common case, a healthy item with a map that wants
 * a key, takes a short path: one check of the writer's state for both
 * tokens.  Anything else goes token by token, where the value is still
 * written after a failed key inside an item (so the map stays in step
 * and the item ends, dropped), but no stray item is started outside.
 */
static int
w_pair(struct rv_stream *s, const char *k, struct rv_token *v)
{
	struct wlevel	*lv;
	struct rv_token	 kt;
	int		 rc, rc2;

	if (k == NULL)
		return RV_EINVAL;
	lv = s->depth > 0 ? wl(s, s->depth - 1) : NULL;
	if (lv == NULL || !lv->map || lv->want_val || s->item_err != RV_OK ||
	    lv->count == UINT32_MAX ||
	    v->type == RV_TOK_MAP_OPEN || v->type == RV_TOK_ARRAY_OPEN) {
		memset(&kt, 0, sizeof(kt));
		kt.type = RV_TOK_KEY;
		kt.str = k;
		kt.len = strlen(k);
		if ((rc = w_token(s, &kt)) != RV_OK && !s->in_item)
			return rc;
		rc2 = w_token(s, v);
		return rc != RV_OK ? rc : rc2;
	}
	memset(&kt, 0, sizeof(kt));
	kt.type = RV_TOK_KEY;
	kt.str = k;
	kt.len = strlen(k);
	kt.depth = v->depth = s->depth;
	kt.in_map = v->in_map = 1;
	kt.index = v->index = lv->count;
	if ((rc = w_check_value(&kt)) != RV_OK ||
	    (rc = w_check_value(v)) != RV_OK ||
	    (rc = s->enc->token(&s->ectx, &kt)) != RV_OK ||
	    (rc = s->enc->token(&s->ectx, v)) != RV_OK)
		s->item_err = rc;
	else if (s->out.len - s->item_mark > s->max_item) {
		s->item_err = rc = RV_ETOOBIG;
		s->out.len = s->item_mark;
	}
	lv->count++;
	return rc;
}

/*
 * The short path of a pair: a healthy item whose map wants a key, and
 * an encoder with a short path (see enc_fast).  Its level, or NULL:
 * take w_pair.  The caller checks that the key (and string) are
 * str_plain, so nothing is left for w_check_value to refuse.
 */
static inline struct wlevel *
pair_level(struct rv_stream *s, const char *k)
{
	struct wlevel	*lv;

	if (s->depth == 0 || s->depth > WL_INLINE || s->fast == FAST_NONE ||
	    k == NULL)
		return NULL;
	lv = &s->lv[s->depth - 1];
	if (!lv->map || lv->want_val || s->item_err != RV_OK ||
	    lv->count == UINT32_MAX)
		return NULL;
	return lv;
}

/* After a short-path pair: what w_pair does after its two tokens. */
static inline int
pair_done(struct rv_stream *s, struct wlevel *lv, int rc)
{

	rc = w_wrote(s, rc);
	lv->count++;
	return rc;
}

/*
 * The token path of a pair, out of line: its token and w_pair's frame
 * would otherwise be set up on the short path too.
 */
static __attribute__((noinline)) int
pair_slow(struct rv_stream *s, const char *k, enum rv_tok_type type,
    const char *str, int64_t i)
{
	struct rv_token	 t;

	memset(&t, 0, sizeof(t));
	t.type = type;
	if (type == RV_TOK_STR) {
		t.str = str;
		t.len = strlen(str);
	} else if (type == RV_TOK_BOOL)
		t.v.b = i != 0;
	else
		t.v.i = i;
	return w_pair(s, k, &t);
}

/* A pair whose value is true, false or null. */
static int
pair_lit(struct rv_stream *s, const char *k, enum rv_tok_type type, int b)
{
	static const char *const lit[] = { "false", "true", "null" };
	static const unsigned char mp[] = { 0xc2, 0xc3, 0xc0 };
	struct wlevel	*lv;
	size_t		 kn;
	int		 i = type == RV_TOK_NULL ? 2 : b != 0;

	if ((lv = pair_level(s, k)) != NULL && str_scan(k, &kn))
		return pair_done(s, lv, s->fast == FAST_JSON ?
		    json_klit(&s->out, lv->count > 0, k, kn, lit[i],
		    i == 0 ? 5 : 4) : mp_kbyte(&s->out, k, kn, mp[i]));
	return pair_slow(s, k, type, NULL, b);
}

/*
 * rv_kstr and rv_kint in two steps.  The first is a leaf function (no
 * call, so no registers to save): short plain strings (wire.h's
 * *_short) and room already in the buffer.  Anything else is handed
 * whole to the second, which measures long strings, grows the buffer,
 * or takes the token path.
 */
static __attribute__((noinline)) int
kstr_more(struct rv_stream *s, const char *k, const char *v)
{
	struct wlevel	*lv;
	size_t		 kn, vn;

	/* Room for the leaf step, so that it is always the one taken. */
	if (pair_level(s, k) != NULL && s->out.cap - s->out.len < SHORT_ROOM &&
	    buf_grow(&s->out, SHORT_ROOM) == RV_OK)
		return rv_kstr(s, k, v);
	if ((lv = pair_level(s, k)) != NULL && str_scan(k, &kn) &&
	    str_scan(v, &vn))
		return pair_done(s, lv, s->fast == FAST_JSON ?
		    json_kstr(&s->out, lv->count > 0, k, kn, v, vn) :
		    mp_kstr(&s->out, k, kn, v, vn));
	return pair_slow(s, k, RV_TOK_STR, v, 0);
}

static __attribute__((noinline)) int
kint_more(struct rv_stream *s, const char *k, int64_t v)
{
	struct wlevel	*lv;
	size_t		 kn;

	if (pair_level(s, k) != NULL && s->out.cap - s->out.len < SHORT_ROOM &&
	    buf_grow(&s->out, SHORT_ROOM) == RV_OK)
		return rv_kint(s, k, v);
	if ((lv = pair_level(s, k)) != NULL && str_scan(k, &kn))
		return pair_done(s, lv, s->fast == FAST_JSON ?
		    json_kint(&s->out, lv->count > 0, k, kn, v) :
		    mp_kint(&s->out, k, kn, v));
	return pair_slow(s, k, RV_TOK_INT, NULL, v);
}

/* Room for n more bytes, or NULL: the leaf step does not grow it. */
static inline char *
out_room(struct rv_stream *s, size_t n)
{

	return s->out.cap - s->out.len >= n ? s->out.p + s->out.len : NULL;
}

int
rv_kstr(struct rv_stream *s, const char *k, const char *v)
{
	struct wlevel	*lv;
	char		*o;

	if (v == NULL)
		return pair_lit(s, k, RV_TOK_NULL, 0);
	if ((lv = pair_level(s, k)) == NULL ||
	    (o = out_room(s, SHORT_ROOM)) == NULL)
		return kstr_more(s, k, v);
	/* Bytes left past out.len by a refusal are not output. */
	o = s->fast == FAST_JSON ?
	    json_put_kstr_short(o, lv->count > 0, k, v) :
	    (char *)mp_put_kstr_short((unsigned char *)o, k, v);
	if (o == NULL)
		return kstr_more(s, k, v);
	s->out.len = (size_t)(o - s->out.p);
	return pair_done(s, lv, RV_OK);
}

int
rv_kint(struct rv_stream *s, const char *k, int64_t v)
{
	struct wlevel	*lv;
	char		*o;

	if ((lv = pair_level(s, k)) == NULL ||
	    (o = out_room(s, SHORT_ROOM)) == NULL)
		return kint_more(s, k, v);
	o = s->fast == FAST_JSON ?
	    json_put_kint_short(o, lv->count > 0, k, v) :
	    (char *)mp_put_kint_short((unsigned char *)o, k, v);
	if (o == NULL)
		return kint_more(s, k, v);
	s->out.len = (size_t)(o - s->out.p);
	return pair_done(s, lv, RV_OK);
}

int
rv_kdouble(struct rv_stream *s, const char *k, double v)
{
	struct rv_token	 t;

	memset(&t, 0, sizeof(t));
	t.type = RV_TOK_DOUBLE;
	t.v.d = v;
	return w_pair(s, k, &t);
}

int
rv_kbool(struct rv_stream *s, const char *k, int v)
{

	return pair_lit(s, k, RV_TOK_BOOL, v);
}

int
rv_knull(struct rv_stream *s, const char *k)
{

	return pair_lit(s, k, RV_TOK_NULL, 0);
}
