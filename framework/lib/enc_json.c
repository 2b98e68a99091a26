/*
 * enc_json.c: JSON text for tokens, and the JSON framings built on it:
 * one document, a streamed array, NDJSON and RFC 7464 JSON text
 * sequences.  Items with an event envelope are wrapped as
 * {"event":..,"id":..,"data":item}; error items as {"error":item}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "wire.h"

static const char hexdig[] = "0123456789abcdef";

/* Bytes that cannot stand in a JSON string as they are. */
static const unsigned char json_esc[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	[0x5c] = 1,
};

/*
 * One pass into room reserved for the plain case; only a string with
 * something to escape pays for growing.
 */
static int
json_string(struct rv_buf *b, const char *p, size_t n)
{
	const unsigned char	*s = (const unsigned char *)p, *e = s + n;
	char			*o;
	unsigned char		 c;

	/* n + 2, and 8 spare for the word-at-a-time copy below */
	if (b->cap - b->len < n + 10 && buf_grow(b, n + 10) != RV_OK)
		return b->err;
	o = b->p + b->len;
	*o++ = '"';
	/* Eight bytes at a time while none needs escaping. */
	while (e - s >= 8) {
		uint64_t w, lo, q, bs;

		__builtin_memcpy(&w, s, 8);
		lo = (w - 0x2020202020202020ULL) & ~w;	/* bytes < 0x20 */
		q = w ^ 0x2222222222222222ULL;		/* '"' -> 0 */
		q = (q - 0x0101010101010101ULL) & ~q;
		bs = w ^ 0x5c5c5c5c5c5c5c5cULL;		/* '\\' -> 0 */
		bs = (bs - 0x0101010101010101ULL) & ~bs;
		if ((lo | q | bs) & 0x8080808080808080ULL)
			break;
		__builtin_memcpy(o, &w, 8);
		o += 8;
		s += 8;
	}
	for (; s < e; s++) {
		if (!json_esc[c = *s]) {
			*o++ = (char)c;
			continue;
		}
		/* Escapes take up to 6 bytes: make room for the rest. */
		b->len = (size_t)(o - b->p);
		if (buf_grow(b, (size_t)(e - s) * 6 + 1) != RV_OK)
			return b->err;
		o = b->p + b->len;
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hexdig[c >> 4];
			*o++ = hexdig[c & 0xf];
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	return RV_OK;
}

/*
 * The shortest of %.15g/%.16g/%.17g that reads back as the same
 * double, with ".0" kept on integral values so that a double stays a
 * double through JSON and MessagePack and back.
 */
int
fmt_double(char *d, size_t len, double v)
{
	int	 prec, n = 0;

	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(d, len, "%.*g", prec, v);
		if (strtod(d, NULL) == v)
			break;
	}
	return n;
}

static int
json_double(struct rv_buf *b, double v)
{
	char	 d[40];
	int	 n;

	n = fmt_double(d, sizeof(d) - 2, v);
	if (strpbrk(d, ".eE") == NULL) {
		d[n++] = '.';
		d[n++] = '0';
	}
	return buf_addfast(b, d, (size_t)n);
}

int
base64_encode(struct rv_buf *b, const void *vp, size_t n)
{
	static const char	 tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char	*p = vp;
	char			*o;
	size_t			 i;
	uint32_t		 w;

	if (buf_grow(b, (n + 2) / 3 * 4) != RV_OK)
		return b->err;
	o = b->p + b->len;
	for (i = 0; i + 2 < n; i += 3) {
		w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = tab[w >> 18];
		*o++ = tab[(w >> 12) & 63];
		*o++ = tab[(w >> 6) & 63];
		*o++ = tab[w & 63];
	}
	if (i < n) {
		w = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
		*o++ = tab[w >> 18];
		*o++ = tab[(w >> 12) & 63];
		*o++ = i + 1 < n ? tab[(w >> 6) & 63] : '=';
		*o++ = '=';
	}
	b->len = (size_t)(o - b->p);
	return RV_OK;
}

int
rv_enc_json_token(struct rv_enc *e, const struct rv_token *t)
{
	struct rv_buf	*b = e->out;
	char		*o;
	int		 sep;

	/* Separators come from the token's place, not from state here. */
	sep = t->depth > 0 && t->index > 0 && (t->type == RV_TOK_KEY ||
	    (!t->in_map && t->type != RV_TOK_MAP_CLOSE &&
	    t->type != RV_TOK_ARRAY_CLOSE));
	if (t->type == RV_TOK_KEY || t->type == RV_TOK_STR ||
	    t->type == RV_TOK_TEXT) {
		if (sep && buf_addfast(b, ",", 1) != RV_OK)
			return b->err;
		if (json_string(b, t->str, t->len) != RV_OK)
			return b->err;
		return t->type == RV_TOK_KEY ? buf_addfast(b, ":", 1) : RV_OK;
	}
	if (t->type == RV_TOK_DOUBLE || t->type == RV_TOK_BIN) {
		if (sep && buf_addfast(b, ",", 1) != RV_OK)
			return b->err;
		if (t->type == RV_TOK_DOUBLE)
			return json_double(b, t->v.d);
		if (buf_addfast(b, "\"", 1) != RV_OK ||
		    base64_encode(b, t->str, t->len) != RV_OK)
			return b->err;
		return buf_addfast(b, "\"", 1);
	}
	/* The rest fits in 24 bytes: reserve once, write straight. */
	if (b->cap - b->len < 24 && buf_grow(b, 24) != RV_OK)
		return b->err;
	o = b->p + b->len;
	if (sep)
		*o++ = ',';
	switch (t->type) {
	case RV_TOK_MAP_OPEN: *o++ = '{'; break;
	case RV_TOK_MAP_CLOSE: *o++ = '}'; break;
	case RV_TOK_ARRAY_OPEN: *o++ = '['; break;
	case RV_TOK_ARRAY_CLOSE: *o++ = ']'; break;
	case RV_TOK_INT:
		o = put_i64(o, t->v.i);
		break;
	case RV_TOK_UINT:
		o = put_u64(o, t->v.u);
		break;
	case RV_TOK_BOOL:
		copy_small(o, t->v.b ? "true" : "false", t->v.b ? 4 : 5);
		o += t->v.b ? 4 : 5;
		break;
	case RV_TOK_NULL:
		copy_small(o, "null", 4);
		o += 4;
		break;
	default:
		return RV_EINVAL;
	}
	b->len = (size_t)(o - b->p);
	return RV_OK;
}

/* ------------------------------------------------------------------ */
/* Wrappers shared by the JSON framings                                */

static int
wrap_open(struct rv_enc *e, const struct rv_item *it)
{
	struct rv_buf	*b = e->out;

	if (it->kind == RV_ITEM_ERROR)
		return buf_puts(b, "{\"error\":");
	if (it->event == NULL && it->id == NULL)
		return RV_OK;
	buf_puts(b, "{");
	if (it->event != NULL) {
		buf_puts(b, "\"event\":");
		json_string(b, it->event, strlen(it->event));
		buf_puts(b, ",");
	}
	if (it->id != NULL) {
		buf_puts(b, "\"id\":");
		json_string(b, it->id, strlen(it->id));
		buf_puts(b, ",");
	}
	return buf_puts(b, "\"data\":");
}

static int
wrap_close(struct rv_enc *e, const struct rv_item *it)
{

	if (it->kind == RV_ITEM_ERROR || it->event != NULL || it->id != NULL)
		return buf_puts(e->out, "}");
	return RV_OK;
}

/* Does this item put a value on the wire at all? */
static int
has_value(const struct rv_item *it)
{

	return it->kind != RV_ITEM_COMMENT && it->kind != RV_ITEM_RETRY;
}

static int
json_token(struct rv_enc *e, const struct rv_token *t)
{

	if (t->type == RV_TOK_TEXT && e->s->item.kind == RV_ITEM_COMMENT)
		return RV_OK;
	return rv_enc_json_token(e, t);
}

/* A value with no envelope: the common item, one test. */
static int
plain_value(const struct rv_item *it)
{

	return it->kind == RV_ITEM_VALUE && it->event == NULL &&
	    it->id == NULL;
}

/* The bytes ndjson_item_* and seq_item_begin write for plain_value. */
const struct frame frame_ndjson = { "", "\n", 0, 1 };
const struct frame frame_jsonseq = { "\x1e", "\n", 1, 1 };

/* NDJSON: a value a line. */
static int
ndjson_item_begin(struct rv_enc *e, const struct rv_item *it)
{

	if (plain_value(it))
		return RV_OK;
	return has_value(it) ? wrap_open(e, it) : RV_OK;
}

static int
ndjson_item_end(struct rv_enc *e, const struct rv_item *it)
{

	if (!plain_value(it)) {
		if (!has_value(it))
			return RV_OK;
		wrap_close(e, it);
	}
	return buf_addfast(e->out, "\n", 1);
}

const struct rv_encoder enc_ndjson = {
	.abi = RV_ABI_VERSION,
	.name = "ndjson",
	.alias = "jsonl",
	.media_type = "application/x-ndjson",
	.begin = NULL,
	.item_begin = ndjson_item_begin,
	.token = json_token,
	.item_end = ndjson_item_end,
	.end = NULL,
};

/* RFC 7464: RS, a JSON text, LF. */
static int
seq_item_begin(struct rv_enc *e, const struct rv_item *it)
{

	if (!has_value(it))
		return RV_OK;
	buf_addfast(e->out, "\x1e", 1);
	return wrap_open(e, it);
}

const struct rv_encoder enc_jsonseq = {
	.abi = RV_ABI_VERSION,
	.name = "json-seq",
	.media_type = "application/json-seq",
	.item_begin = seq_item_begin,
	.token = json_token,
	.item_end = ndjson_item_end,
};

/* A JSON array streamed element by element, optionally in {"name":[]}. */
struct array_state {
	size_t	 n;
};

static int
array_begin(struct rv_enc *e)
{
	const char	*env = rv_enc_envelope(e);

	if (env != NULL) {
		buf_puts(e->out, "{");
		json_string(e->out, env, strlen(env));
		buf_puts(e->out, ":");
	}
	return buf_puts(e->out, "[");
}

static int
array_item_begin(struct rv_enc *e, const struct rv_item *it)
{
	struct array_state	*st = e->state;

	if (!has_value(it))
		return RV_OK;
	if (st->n > 0 && buf_addfast(e->out, ",", 1) != RV_OK)
		return e->out->err;
	return wrap_open(e, it);
}

static int
array_item_end(struct rv_enc *e, const struct rv_item *it)
{
	struct array_state	*st = e->state;

	if (!has_value(it))
		return RV_OK;
	st->n++;
	return wrap_close(e, it);
}

static int
array_end(struct rv_enc *e)
{

	return buf_puts(e->out, rv_enc_envelope(e) != NULL ? "]}" : "]");
}

const struct rv_encoder enc_array = {
	.abi = RV_ABI_VERSION,
	.name = "array",
	.alias = "json",
	.media_type = "application/json",
	.state_size = sizeof(struct array_state),
	.begin = array_begin,
	.item_begin = array_item_begin,
	.token = json_token,
	.item_end = array_item_end,
	.end = array_end,
};

/* One JSON document: exactly one item ("null" if none was sent). */
static int
doc_item_begin(struct rv_enc *e, const struct rv_item *it)
{
	struct array_state	*st = e->state;

	if (!has_value(it))
		return RV_OK;
	if (st->n > 0)
		return it->kind == RV_ITEM_ERROR ? RV_ETYPE : RV_ESTATE;
	return wrap_open(e, it);
}

static int
doc_end(struct rv_enc *e)
{
	struct array_state	*st = e->state;

	return st->n == 0 ? buf_puts(e->out, "null") : RV_OK;
}

const struct rv_encoder enc_json = {
	.abi = RV_ABI_VERSION,
	.name = "json",
	.media_type = "application/json",
	.state_size = sizeof(struct array_state),
	.item_begin = doc_item_begin,
	.token = json_token,
	.item_end = array_item_end,
	.end = doc_end,
};

/* ------------------------------------------------------------------ */
/* Encoder helpers of the public interface                             */

int
rv_enc_write(struct rv_enc *e, const void *p, size_t n)
{

	return buf_add(e->out, p, n);
}

int
rv_enc_puts(struct rv_enc *e, const char *p)
{

	return buf_puts(e->out, p);
}

void *
rv_enc_state(struct rv_enc *e)
{

	return e->state;
}

const char *
rv_enc_envelope(const struct rv_enc *e)
{

	return e->s->envelope;
}
