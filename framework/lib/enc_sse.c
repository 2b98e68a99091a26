/*
 * enc_sse.c: text/event-stream as the WHATWG HTML standard parses it.
 * Text is split on CR, LF and CRLF into one "data:" line each, so the
 * client's data buffer reads back the same lines; structured values
 * are one line of JSON; comments are ":" lines; event names and ids
 * were checked by rv_event() to hold no CR, LF or NUL.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* "prefix" + each line of p; lines end at CR, LF or CRLF. */
static int
sse_lines(struct rv_buf *b, const char *prefix, const char *p, size_t n)
{
	size_t	 i = 0, j, plen = strlen(prefix);

	do {
		for (j = i; j < n && p[j] != '\r' && p[j] != '\n'; j++)
			continue;
		buf_addfast(b, prefix, plen);
		buf_addfast(b, p + i, j - i);
		buf_addfast(b, "\n", 1);
		if (j < n && p[j] == '\r' && j + 1 < n && p[j + 1] == '\n')
			j++;
		/* A break at the very end still makes one more empty line. */
		i = j + 1;
	} while (i <= n && j < n);
	return b->err;
}

/* The bytes sse_item_begin and sse_item_end write for a plain value. */
const struct frame frame_sse = { "data: ", "\n\n", 6, 2 };

static void
sse_line(struct rv_buf *b, const char *field, size_t n, const char *value)
{

	buf_addfast(b, field, n);
	buf_puts(b, value);
	buf_addfast(b, "\n", 1);
}

static int
sse_item_begin(struct rv_enc *e, const struct rv_item *it)
{
	struct rv_buf	*b = e->out;

	/* No printf: this runs once per subscriber of a broadcast. */
	if (it->kind == RV_ITEM_ERROR)
		buf_puts(b, "event: error\n");
	else if (it->event != NULL)
		sse_line(b, "event: ", 7, it->event);
	if (it->id != NULL)
		sse_line(b, "id: ", 4, it->id);
	if (it->retry != 0)
		buf_printf(b, "retry: %lu\n", it->retry);
	if (it->kind == RV_ITEM_VALUE || it->kind == RV_ITEM_ERROR ||
	    it->kind == RV_ITEM_BYTES)
		buf_addfast(b, "data: ", 6);
	return b->err;
}

static int
sse_token(struct rv_enc *e, const struct rv_token *t)
{
	const struct rv_item	*it = &e->s->item;

	if (t->type == RV_TOK_TEXT)
		return sse_lines(e->out, it->kind == RV_ITEM_COMMENT ?
		    (t->len ? ": " : ":") : "data: ", t->str, t->len);
	return rv_enc_json_token(e, t);
}

static int
sse_item_end(struct rv_enc *e, const struct rv_item *it)
{

	switch (it->kind) {
	case RV_ITEM_VALUE:
	case RV_ITEM_ERROR:
	case RV_ITEM_BYTES:
		return buf_addfast(e->out, "\n\n", 2);
	default:
		/* text and comment lines carry their own LF */
		return buf_addfast(e->out, "\n", 1);
	}
}

const struct rv_encoder enc_sse = {
	.abi = RV_ABI_VERSION,
	.name = "sse",
	.alias = "event-stream",
	.media_type = "text/event-stream",
	.charset = "utf-8",
	.item_begin = sse_item_begin,
	.token = sse_token,
	.item_end = sse_item_end,
};

/* Fields of the SSE envelope must stay on one line. */
static int
sse_field_ok(const char *v)
{

	if (v == NULL)
		return 1;
	if (strpbrk(v, "\r\n") != NULL)
		return 0;
	return utf8_valid(v, strlen(v));
}

int
rv_event(struct rv_stream *s, const char *event, const char *id)
{
	int	 rc;

	if ((rc = w_usable(s)) != RV_OK)
		return rc;
	if (s->in_item)
		return RV_ESTATE;
	if (!sse_field_ok(event) || !sse_field_ok(id) ||
	    (event != NULL && *event == '\0'))
		return RV_EINVAL;
	s->ev_name = event == NULL ? NULL :
	    arena_strndup(&s->scratch, event, strlen(event));
	s->ev_id = id == NULL ? NULL :
	    arena_strndup(&s->scratch, id, strlen(id));
	if ((event != NULL && s->ev_name == NULL) ||
	    (id != NULL && s->ev_id == NULL))
		return RV_ENOMEM;
	return RV_OK;
}

int
rv_retry(struct rv_stream *s, unsigned long ms)
{
	int	 rc;

	if ((rc = w_usable(s)) != RV_OK)
		return rc;
	if (s->in_item || ms == 0)
		return s->in_item ? RV_ESTATE : RV_EINVAL;
	s->ev_retry = ms;
	return RV_OK;
}

int
rv_comment(struct rv_stream *s, const char *text)
{

	if (text == NULL)
		return RV_EINVAL;
	return w_simple_item(s, RV_ITEM_COMMENT, RV_TOK_TEXT, text,
	    strlen(text));
}
