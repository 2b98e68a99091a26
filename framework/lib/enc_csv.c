/*
 * enc_csv.c: text/csv per RFC 4180: CRLF records, fields quoted when
 * they hold a comma, quote, CR or LF (quotes doubled), a header row.
 * An item is a row: a flat map (keys name the columns and every row
 * must follow the header's names and order), a flat array, or a
 * scalar.  The header comes from rv_columns() or the first map's keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct csv_state {
	int		 header_done;	/* the header row is out */
	int		 collecting;	/* first map: its keys make the header */
	size_t		 row_mark;	/* where the first row starts */
	struct rv_buf	 hdr;		/* header line being collected */
	struct rv_buf	 names;		/* collected keys, NUL-terminated */
	struct rv_buf	 offs;		/* size_t offsets into names */
	size_t		 ncols;		/* 0 until known */
};

static int
csv_field(struct rv_buf *b, const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n')
			break;
	if (i == n)
		return buf_addfast(b, p, n);
	buf_addfast(b, "\"", 1);
	for (i = 0; i < n; i++) {
		if (p[i] == '"')
			buf_addfast(b, "\"", 1);
		buf_addfast(b, p + i, 1);
	}
	return buf_addfast(b, "\"", 1);
}

static int
csv_begin(struct rv_enc *e)
{
	struct rv_stream	*s = e->s;
	struct csv_state	*st = e->state;
	size_t			 i;

	if (s->columns == NULL)
		return RV_OK;
	for (i = 0; i < s->ncolumns; i++) {
		if (i > 0)
			buf_addfast(e->out, ",", 1);
		csv_field(e->out, s->columns[i], strlen(s->columns[i]));
	}
	st->header_done = 1;
	st->ncols = s->ncolumns;
	return buf_addfast(e->out, "\r\n", 2);
}

static int
csv_item_begin(struct rv_enc *e, const struct rv_item *it)
{
	struct csv_state	*st = e->state;

	if (it->kind == RV_ITEM_BYTES)
		return RV_ETYPE;
	st->collecting = !st->header_done && it->kind == RV_ITEM_VALUE;
	if (st->collecting) {
		st->hdr.len = st->names.len = st->offs.len = 0;
		st->row_mark = e->out->len;
	}
	return RV_OK;
}

static const char *
column_name(struct rv_enc *e, size_t i)
{
	struct csv_state	*st = e->state;
	size_t			 off;

	if (e->s->columns != NULL)
		return i < e->s->ncolumns ? e->s->columns[i] : NULL;
	if (i >= st->offs.len / sizeof(size_t))
		return NULL;
	memcpy(&off, st->offs.p + i * sizeof(size_t), sizeof(off));
	return st->names.p + off;
}

/* The key of a cell: collect it, or check it against the header. */
static int
csv_key(struct rv_enc *e, const struct rv_token *t)
{
	struct csv_state	*st = e->state;
	const char		*want;
	size_t			 off;

	if (e->s->item.kind == RV_ITEM_ERROR)
		return RV_OK;
	if (st->collecting) {
		off = st->names.len;
		buf_add(&st->offs, &off, sizeof(off));
		buf_add(&st->names, t->str, t->len);
		buf_putc(&st->names, '\0');
		if (t->index > 0)
			buf_addfast(&st->hdr, ",", 1);
		csv_field(&st->hdr, t->str, t->len);
		return st->hdr.err ? st->hdr.err :
		    st->names.err ? st->names.err : st->offs.err;
	}
	want = column_name(e, t->index);
	if (want == NULL || strlen(want) != t->len ||
	    memcmp(want, t->str, t->len) != 0)
		return RV_EINVAL;
	return RV_OK;
}

static int
csv_scalar(struct rv_buf *b, const struct rv_token *t)
{
	char	 d[40];
	int	 n;

	switch (t->type) {
	case RV_TOK_STR:
	case RV_TOK_TEXT:
		return csv_field(b, t->str, t->len);
	case RV_TOK_INT:
		n = snprintf(d, sizeof(d), "%lld", (long long)t->v.i);
		break;
	case RV_TOK_UINT:
		n = snprintf(d, sizeof(d), "%llu", (unsigned long long)t->v.u);
		break;
	case RV_TOK_DOUBLE:
		n = fmt_double(d, sizeof(d), t->v.d);
		break;
	case RV_TOK_BOOL:
		return buf_puts(b, t->v.b ? "true" : "false");
	case RV_TOK_NULL:
		return RV_OK;
	default:
		return RV_ETYPE;
	}
	return buf_addfast(b, d, (size_t)n);
}

static int
csv_token(struct rv_enc *e, const struct rv_token *t)
{
	struct csv_state	*st = e->state;

	if (e->s->item.kind == RV_ITEM_COMMENT)
		return RV_OK;
	switch (t->type) {
	case RV_TOK_MAP_OPEN:
	case RV_TOK_ARRAY_OPEN:
		/* Nested values have no cell to go in. */
		return t->depth == 0 ? RV_OK : RV_ETYPE;
	case RV_TOK_MAP_CLOSE:
		/* Every row has every column, in order. */
		if (!st->collecting && e->s->item.kind != RV_ITEM_ERROR &&
		    st->ncols != 0 && t->count != st->ncols)
			return RV_EINVAL;
		return RV_OK;
	case RV_TOK_ARRAY_CLOSE:
		return RV_OK;
	case RV_TOK_KEY:
		return csv_key(e, t);
	default:
		break;
	}
	if (t->depth > 0 && t->index > 0 &&
	    buf_addfast(e->out, ",", 1) != RV_OK)
		return e->out->err;
	return csv_scalar(e->out, t);
}

static int
csv_item_end(struct rv_enc *e, const struct rv_item *it)
{
	struct csv_state	*st = e->state;
	struct rv_buf		*b = e->out;
	size_t			 rowlen;

	if (it->kind == RV_ITEM_COMMENT || it->kind == RV_ITEM_RETRY)
		return RV_OK;
	if (st->collecting && st->hdr.len > 0) {
		/* Put the header line in front of the first row. */
		buf_addfast(&st->hdr, "\r\n", 2);
		if (st->hdr.err || buf_grow(b, st->hdr.len) != RV_OK)
			return st->hdr.err ? st->hdr.err : b->err;
		rowlen = b->len - st->row_mark;
		memmove(b->p + st->row_mark + st->hdr.len,
		    b->p + st->row_mark, rowlen);
		memcpy(b->p + st->row_mark, st->hdr.p, st->hdr.len);
		b->len += st->hdr.len;
		st->header_done = 1;
		st->ncols = st->offs.len / sizeof(size_t);
	}
	st->collecting = 0;
	return buf_addfast(b, "\r\n", 2);
}

static void
csv_fini(struct rv_enc *e)
{
	struct csv_state	*st = e->state;

	buf_free(&st->hdr);
	buf_free(&st->names);
	buf_free(&st->offs);
}

const struct rv_encoder enc_csv = {
	.abi = RV_ABI_VERSION,
	.name = "csv",
	.media_type = "text/csv",
	.charset = "utf-8",
	.state_size = sizeof(struct csv_state),
	.begin = csv_begin,
	.item_begin = csv_item_begin,
	.token = csv_token,
	.item_end = csv_item_end,
	.fini = csv_fini,
};
