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

static const char hexdig[] = "0123456789abcdef";

/* Bytes that cannot stand in a JSON string as they are. */
static const unsigned char json_esc[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	[0x5c] = 1,
};

static int
json_string(struct rv_buf *b, const char *p, size_t n)
{
	size_t	 i, run;
	char	 e[6];
	unsigned char c;

	if (buf_grow(b, n + 2) != RV_OK)
		return b->err;
	b->p[b->len++] = '"';
	for (i = 0; i < n; ) {
		for (run = i; run < n && !json_esc[(unsigned char)p[run]];
		    run++)
			continue;
		if (run > i && buf_addfast(b, p + i, run - i) != RV_OK)
			return b->err;
		if ((i = run) == n)
			break;
		c = (unsigned char)p[i++];
		e[0] = '\\';
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		default:
			memcpy(e + 1, "u00", 3);
			e[4] = hexdig[c >> 4];
			e[5] = hexdig[c & 0xf];
			if (buf_addfast(b, e, 6) != RV_OK)
				return b->err;
			continue;
		}
		if (buf_addfast(b, e, 2) != RV_OK)
			return b->err;
	}
	return buf_addfast(b, "\"", 1);
}

/* Decimal digits of v, right-aligned in the 24-byte buffer. */
static char *
u64_digits(uint64_t v, char *end)
{

	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return end;
}

static int
json_int(struct rv_buf *b, int64_t v)
{
	char	 d[24], *p;

	p = u64_digits(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v,
	    d + sizeof(d));
	if (v < 0)
		*--p = '-';
	return buf_addfast(b, p, (size_t)(d + sizeof(d) - p));
}

static int
json_uint(struct rv_buf *b, uint64_t v)
{
	char	 d[24], *p;

	p = u64_digits(v, d + sizeof(d));
	return buf_addfast(b, p, (size_t)(d + sizeof(d) - p));
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

	/* Separators come from the token's place, not from state here. */
	if (t->depth > 0 && t->index > 0 && (t->type == RV_TOK_KEY ||
	    (!t->in_map && t->type != RV_TOK_MAP_CLOSE &&
	    t->type != RV_TOK_ARRAY_CLOSE)) && buf_addfast(b, ",", 1))
		return b->err;
	switch (t->type) {
	case RV_TOK_MAP_OPEN:
		return buf_addfast(b, "{", 1);
	case RV_TOK_MAP_CLOSE:
		return buf_addfast(b, "}", 1);
	case RV_TOK_ARRAY_OPEN:
		return buf_addfast(b, "[", 1);
	case RV_TOK_ARRAY_CLOSE:
		return buf_addfast(b, "]", 1);
	case RV_TOK_KEY:
		if (json_string(b, t->str, t->len) != RV_OK)
			return b->err;
		return buf_addfast(b, ":", 1);
	case RV_TOK_STR:
	case RV_TOK_TEXT:
		return json_string(b, t->str, t->len);
	case RV_TOK_INT:
		return json_int(b, t->v.i);
	case RV_TOK_UINT:
		return json_uint(b, t->v.u);
	case RV_TOK_DOUBLE:
		return json_double(b, t->v.d);
	case RV_TOK_BOOL:
		return t->v.b ? buf_addfast(b, "true", 4) :
		    buf_addfast(b, "false", 5);
	case RV_TOK_NULL:
		return buf_addfast(b, "null", 4);
	case RV_TOK_BIN:
		if (buf_addfast(b, "\"", 1) != RV_OK ||
		    base64_encode(b, t->str, t->len) != RV_OK)
			return b->err;
		return buf_addfast(b, "\"", 1);
	default:
		return RV_EINVAL;
	}
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

/* NDJSON: a value a line. */
static int
ndjson_item_begin(struct rv_enc *e, const struct rv_item *it)
{

	return has_value(it) ? wrap_open(e, it) : RV_OK;
}

static int
ndjson_item_end(struct rv_enc *e, const struct rv_item *it)
{

	if (!has_value(it))
		return RV_OK;
	wrap_close(e, it);
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
