/*
 * enc_text.c: text/plain and application/octet-stream.
 * Plain text carries text items as they are and structured values as
 * one line of JSON; an error becomes a line "error: {...}".  Octet
 * streams carry bytes and text only: nothing else has a byte form.
 */
#include <stdio.h>

#include "internal.h"

static int
text_item_begin(struct rv_enc *e, const struct rv_item *it)
{

	switch (it->kind) {
	case RV_ITEM_BYTES:
		return RV_ETYPE;
	case RV_ITEM_ERROR:
		return buf_puts(e->out, "\nerror: ");
	default:
		return RV_OK;
	}
}

static int
text_token(struct rv_enc *e, const struct rv_token *t)
{

	if (e->s->item.kind == RV_ITEM_COMMENT)
		return RV_OK;
	if (t->type == RV_TOK_TEXT)
		return buf_add(e->out, t->str, t->len);
	return rv_enc_json_token(e, t);
}

static int
text_item_end(struct rv_enc *e, const struct rv_item *it)
{

	if (it->kind == RV_ITEM_VALUE || it->kind == RV_ITEM_ERROR)
		return buf_addfast(e->out, "\n", 1);
	return RV_OK;
}

const struct rv_encoder enc_text = {
	.abi = RV_ABI_VERSION,
	.name = "text",
	.alias = "plain",
	.media_type = "text/plain",
	.charset = "utf-8",
	.item_begin = text_item_begin,
	.token = text_token,
	.item_end = text_item_end,
};

static int
bytes_item_begin(struct rv_enc *e, const struct rv_item *it)
{

	(void)e;
	switch (it->kind) {
	case RV_ITEM_BYTES:
	case RV_ITEM_TEXT:
	case RV_ITEM_COMMENT:
	case RV_ITEM_RETRY:
		return RV_OK;
	default:
		return RV_ETYPE;
	}
}

static int
bytes_token(struct rv_enc *e, const struct rv_token *t)
{

	if (e->s->item.kind == RV_ITEM_COMMENT)
		return RV_OK;
	return buf_add(e->out, t->str, t->len);
}

const struct rv_encoder enc_bytes = {
	.abi = RV_ABI_VERSION,
	.name = "bytes",
	.alias = "binary",
	.media_type = "application/octet-stream",
	.item_begin = bytes_item_begin,
	.token = bytes_token,
};

/* ------------------------------------------------------------------ */
/* Text and byte items                                                 */

int
rv_textn(struct rv_stream *s, const char *p, size_t n)
{

	if (p == NULL && n != 0)
		return RV_EINVAL;
	return w_simple_item(s, RV_ITEM_TEXT, RV_TOK_TEXT, p, n);
}

int
rv_text(struct rv_stream *s, const char *p)
{

	return p == NULL ? RV_EINVAL : rv_textn(s, p, __builtin_strlen(p));
}

int
rv_vtextf(struct rv_stream *s, const char *fmt, va_list ap)
{
	struct rv_buf	 b = { 0 };
	char		 small[256];
	va_list		 ap2;
	int		 n, rc;

	/* Most lines fit on the stack; a long one gets the heap. */
	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return RV_EINVAL;
	if ((size_t)n < sizeof(small))
		return rv_textn(s, small, (size_t)n);
	if ((rc = buf_vprintf(&b, fmt, ap)) == RV_OK)
		rc = rv_textn(s, b.p, b.len);
	buf_free(&b);
	return rc;
}

int
rv_textf(struct rv_stream *s, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = rv_vtextf(s, fmt, ap);
	va_end(ap);
	return rc;
}

int
rv_bytes(struct rv_stream *s, const void *p, size_t n)
{

	if (p == NULL && n != 0)
		return RV_EINVAL;
	return w_simple_item(s, RV_ITEM_BYTES, RV_TOK_BIN, p, n);
}
