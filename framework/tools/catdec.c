/*
 * catdec.c: rivulet-cat's streaming decoders.  Each keeps the bytes of
 * the item it is in the middle of and nothing more, so an endless
 * stream costs the size of its largest item.  The field, MessagePack
 * and CSV rules are decode.c's (rv_decode), shared through decode.h:
 * a body read whole and one read as it arrives give the same items.
 * Everything here parses what a peer sent and trusts none of it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode.h"
#include "catdec.h"

#define RS	'\x1e'

enum jstate {
	J_TOP,		/* before the document */
	J_ARR_FIRST,	/* after '[' of the streamed array */
	J_ARR_ELEM,	/* after a ',' in it */
	J_ARR_NEXT,	/* after an element */
	J_OBJ_NEXT,	/* after the envelope's array, or a member after it */
	J_OBJ_MEMBER,	/* after a ',' in the envelope */
	J_DONE		/* only white space may follow */
};

struct catdec {
	enum cat_framing	 framing;
	cat_emit		 emit;
	void			*arg;
	struct rv_buf		 in;		/* bytes not yet consumed */
	size_t			 tried;		/* json-seq: length last tried */
	int			 env;		/* JSON: array inside {"k":[..]} */
	enum jstate		 js;
	struct sse_ev		 ev;
	msgpack_unpacker	 mp;
	int			 mp_init;
	struct rv_buf		 field;		/* CSV */
	unsigned long		 nitems;
	int			 stopped;
	char			 err[160];
};

static const struct {
	const char		*type;
	const char		*name;
	enum cat_framing	 f;
} framings[] = {
	{ "text/event-stream", "sse", CF_SSE },
	{ "application/x-ndjson", "ndjson", CF_NDJSON },
	{ "application/jsonl", "jsonl", CF_NDJSON },
	{ "application/json-seq", "json-seq", CF_SEQ },
	{ "application/json", "json", CF_JSON },
	{ "application/problem+json", "array", CF_JSON },
	{ "application/msgpack", "msgpack", CF_MSGPACK },
	{ "text/csv", "csv", CF_CSV },
	{ "application/xml", "text", CF_TEXT },
	{ "application/octet-stream", "bytes", CF_BYTES },
};

enum cat_framing
catdec_framing(const char *mt)
{
	size_t	 i, n;

	if (mt == NULL)
		return CF_BYTES;
	n = strcspn(mt, "; \t");
	for (i = 0; i < sizeof(framings) / sizeof(framings[0]); i++)
		if (strlen(framings[i].type) == n &&
		    strncasecmp(mt, framings[i].type, n) == 0)
			return framings[i].f;
	if (strncasecmp(mt, "text/", 5) == 0 ||
	    (n > 4 && strncasecmp(mt + n - 4, "+xml", 4) == 0))
		return CF_TEXT;
	if (n > 5 && strncasecmp(mt + n - 5, "+json", 5) == 0)
		return CF_JSON;
	return CF_BYTES;
}

int
catdec_framing_byname(const char *name, enum cat_framing *f)
{
	size_t	 i;

	for (i = 0; i < sizeof(framings) / sizeof(framings[0]); i++)
		if (strcasecmp(name, framings[i].name) == 0) {
			*f = framings[i].f;
			return 0;
		}
	return -1;
}

static enum cat_res
bad(struct catdec *d, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return CD_BAD;
}

/* Hand an item on; a NULL item is an allocation failure. */
static enum cat_res
emit(struct catdec *d, json_t *item)
{

	if (item == NULL)
		return bad(d, "out of memory");
	d->nitems++;
	if (d->emit(item, d->arg) != 0) {
		d->stopped = 1;
		return CD_STOP;
	}
	return CD_OK;
}

/* Drop the first n bytes of the input. */
static void
consume(struct catdec *d, size_t n)
{

	if (n == 0)
		return;		/* in.p may be NULL: nothing came yet */
	memmove(d->in.p, d->in.p + n, d->in.len - n);
	d->in.len -= n;
}

/* Nothing but white space: not a value, and not an error. */
static int
blank(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strchr(" \t\r\n", p[i]) == NULL || p[i] == '\0')
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Line framings: SSE, NDJSON, CSV rows, text                          */

/*
 * The end of the line at p[i]: 1 with *eol (first line-end byte) and
 * *next, 0 if more bytes are needed.  A CR alone at the end of what
 * came may yet be the start of a CRLF.
 */
static int
line_end(const char *p, size_t n, size_t i, int final, size_t *eol,
    size_t *next)
{
	size_t	 j;

	for (j = i; j < n && p[j] != '\r' && p[j] != '\n'; j++)
		continue;
	if (j == n || (p[j] == '\r' && j + 1 == n && !final))
		return 0;
	*eol = j;
	*next = j + 1 + (p[j] == '\r' && j + 1 < n && p[j + 1] == '\n');
	return 1;
}

static enum cat_res
sse_line(struct catdec *d, const char *line, size_t n)
{
	json_t		*items;
	enum cat_res	 r = CD_OK;

	if (!utf8_valid(line, n))
		return bad(d, "event %lu: not UTF-8", d->nitems + 1);
	if (n > 0) {
		if (*line != ':')
			sse_field(&d->ev, line, n);
		return CD_OK;
	}
	if ((items = json_array()) == NULL || sse_dispatch(items, &d->ev) != 0)
		r = bad(d, "out of memory");
	else if (json_array_size(items) > 0)
		r = emit(d, json_incref(json_array_get(items, 0)));
	json_decref(items);
	return r;
}

static enum cat_res
ndjson_line(struct catdec *d, const char *line, size_t n)
{
	json_error_t	 je;
	json_t		*v;

	if (blank(line, n))
		return CD_OK;		/* blank lines are not values */
	if ((v = json_loadb(line, n, JSON_DECODE_ANY, &je)) == NULL)
		return bad(d, "item %lu: %s", d->nitems + 1, je.text);
	return emit(d, v);
}

static enum cat_res
text_line(struct catdec *d, const char *line, size_t n)
{

	if (!utf8_valid(line, n))
		return bad(d, "line %lu: not UTF-8", d->nitems + 1);
	return emit(d, json_stringn(line, n));
}

/* A whole CSV record, line end included, as an array of fields. */
static enum cat_res
csv_row(struct catdec *d, const char *p, size_t n)
{
	json_t	*row;
	size_t	 i = 0;
	int	 eol = 0;

	if (!utf8_valid(p, n))
		return bad(d, "row %lu: not UTF-8", d->nitems + 1);
	if ((row = json_array()) == NULL)
		return bad(d, "out of memory");
	while (!eol) {
		if (csv_next_field(p, n, &i, &d->field, &eol) != 0) {
			json_decref(row);
			return bad(d, "row %lu: bad CSV quoting",
			    d->nitems + 1);
		}
		json_array_append_new(row, json_stringn(d->field.p != NULL ?
		    d->field.p : "", d->field.len));
	}
	return emit(d, row);
}

/* The end of the CSV record at p[0]: quoted fields may hold line ends. */
static int
csv_record_end(const char *p, size_t n, int final, size_t *next)
{
	size_t	 j, eol;
	int	 q = 0;

	for (j = 0; j < n; j++) {
		if (p[j] == '"')
			q = !q;
		else if (!q && (p[j] == '\r' || p[j] == '\n'))
			return line_end(p, n, j, final, &eol, next);
	}
	if (final && n > 0) {
		*next = n;
		return 1;
	}
	return 0;
}

static enum cat_res
feed_lines(struct catdec *d, int final)
{
	size_t		 i = 0, eol, next;
	enum cat_res	 r = CD_OK;

	while (r == CD_OK && i < d->in.len) {
		if (d->framing == CF_CSV) {
			if (!csv_record_end(d->in.p + i, d->in.len - i, final,
			    &next))
				break;
			r = csv_row(d, d->in.p + i, next);
			i += next;
			continue;
		}
		if (!line_end(d->in.p, d->in.len, i, final, &eol, &next)) {
			/* An unfinished last line: an item but in SSE. */
			if (!final || d->framing == CF_SSE)
				break;
			eol = next = d->in.len;
		}
		if (d->framing == CF_SSE)
			r = sse_line(d, d->in.p + i, eol - i);
		else if (d->framing == CF_NDJSON)
			r = ndjson_line(d, d->in.p + i, eol - i);
		else
			r = text_line(d, d->in.p + i, eol - i);
		i = next;
	}
	consume(d, i);
	return r;
}

/* ------------------------------------------------------------------ */
/* application/json-seq: RS, JSON text, LF                             */

/*
 * A record is known whole at the next RS or the end; it is tried at
 * each LF before that so that it comes out without waiting for the
 * next one.
 */
static enum cat_res
feed_seq(struct catdec *d, int final)
{
	const char	*p, *rs;
	size_t		 k;
	json_t		*v;
	json_error_t	 je;
	enum cat_res	 r = CD_OK;

	while (r == CD_OK && d->in.len > 0) {
		p = d->in.p;
		rs = memchr(p + 1, RS, d->in.len - 1);
		k = rs != NULL ? (size_t)(rs - p) : d->in.len;
		if (p[0] != RS) {
			if (!blank(p, k))
				return bad(d, "record %lu: no RS before it",
				    d->nitems + 1);
		} else if (rs != NULL || final) {
			if (blank(p + 1, k - 1))
				;	/* an empty record is skipped */
			else if ((v = json_loadb(p + 1, k - 1,
			    JSON_DECODE_ANY, &je)) == NULL)
				return bad(d, "record %lu: %s", d->nitems + 1,
				    je.text);
			else
				r = emit(d, v);
		} else if (k > d->tried && p[k - 1] == '\n') {
			d->tried = k;
			if ((v = json_loadb(p + 1, k - 1, JSON_DECODE_ANY,
			    NULL)) == NULL)
				break;
			r = emit(d, v);
		} else
			break;
		d->tried = 0;
		consume(d, k);
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* application/json: a top-level array (or {"key": [...]}) streamed     */

static size_t
skip_ws(const char *p, size_t n, size_t i)
{

	while (i < n && strchr(" \t\r\n", p[i]) != NULL && p[i] != '\0')
		i++;
	return i;
}

/*
 * The end of the JSON value that starts at p[i]: 1 with *end, 0 if
 * more bytes are needed, -1 if it is not a value.  Only the nesting is
 * followed here; jansson then judges the value itself.
 */
static int
value_end(const char *p, size_t n, size_t i, int final, size_t *end)
{
	size_t	 k;
	long	 depth = 0;
	int	 str = 0, esc = 0;

	if (strchr("{[\"", p[i]) == NULL || p[i] == '\0') {
		for (k = i; k < n && strchr(",]} \t\r\n", p[k]) == NULL; k++)
			continue;
		if (k == n && !final)
			return 0;
		*end = k;
		return k > i ? 1 : -1;
	}
	for (k = i; k < n; k++) {
		if (str) {
			if (esc)
				esc = 0;
			else if (p[k] == '\\')
				esc = 1;
			else if (p[k] == '"' && (str = 0, depth == 0))
				break;
		} else if (p[k] == '"')
			str = 1;
		else if (p[k] == '{' || p[k] == '[')
			depth++;
		else if ((p[k] == '}' || p[k] == ']') && --depth <= 0)
			break;
	}
	if (k == n)
		return final ? -1 : 0;
	if (depth < 0)
		return -1;
	*end = k + 1;
	return 1;
}

/* Parse p[i..end) as one item; key non-NULL: as {key: value}. */
static enum cat_res
json_item(struct catdec *d, size_t i, size_t end, json_t *key)
{
	json_error_t	 je;
	json_t		*v, *o;

	v = json_loadb(d->in.p + i, end - i, JSON_DECODE_ANY, &je);
	if (v == NULL)
		return bad(d, "item %lu: %s", d->nitems + 1, je.text);
	if (key == NULL)
		return emit(d, v);
	if ((o = json_object()) == NULL ||
	    json_object_set_new(o, json_string_value(key), v) != 0) {
		json_decref(o);
		return bad(d, "out of memory");
	}
	return emit(d, o);
}

/*
 * An object member from p[*i]: its key (a new reference) and where its
 * value starts.  0 if more bytes are needed, -1 if it is not a member.
 */
static int
member(struct catdec *d, size_t *i, int final, json_t **key)
{
	const char	*p = d->in.p;
	size_t		 n = d->in.len, k = *i, end;
	int		 r;

	if (k >= n)
		return final ? -1 : 0;
	if (p[k] != '"')
		return -1;
	if ((r = value_end(p, n, k, final, &end)) <= 0)
		return r;
	k = skip_ws(p, n, end);
	if (k >= n)
		return final ? -1 : 0;
	if (p[k] != ':')
		return -1;
	k = skip_ws(p, n, k + 1);
	if (k >= n)
		return final ? -1 : 0;
	if ((*key = json_loadb(p + *i, end - *i, JSON_DECODE_ANY, NULL)) ==
	    NULL || !json_is_string(*key)) {
		json_decref(*key);
		return -1;
	}
	*i = k;
	return 1;
}

/* The document's start: which shape it has. */
static int
json_top(struct catdec *d, size_t *i, int final, enum cat_res *r)
{
	size_t	 k = *i, end;
	json_t	*key = NULL;
	int	 m;

	if (d->in.p[k] == '[') {
		d->js = J_ARR_FIRST;
		*i = k + 1;
		return 1;
	}
	if (d->in.p[k] == '{') {
		k = skip_ws(d->in.p, d->in.len, k + 1);
		if ((m = member(d, &k, final, &key)) == 0)
			return 0;
		json_decref(key);
		if (m > 0 && d->in.p[k] == '[') {
			/* {"items": [...]}: the array is the stream */
			d->env = 1;
			d->js = J_ARR_FIRST;
			*i = k + 1;
			return 1;
		}
	}
	/* Any other document is one item. */
	if ((m = value_end(d->in.p, d->in.len, *i, final, &end)) <= 0) {
		if (m < 0)
			*r = bad(d, "not a JSON document");
		return 0;
	}
	*r = json_item(d, *i, end, NULL);
	d->js = J_DONE;
	*i = end;
	return 1;
}

/* One step of the array or envelope; 0 when more bytes are needed. */
static int
json_step(struct catdec *d, size_t *i, int final, enum cat_res *r)
{
	const char	*p = d->in.p;
	size_t		 k = *i, end;
	json_t		*key = NULL;
	int		 m;

	switch (d->js) {
	case J_TOP:
		return json_top(d, i, final, r);
	case J_ARR_FIRST:
	case J_ARR_NEXT:
		if (p[k] == ']') {
			d->js = d->env ? J_OBJ_NEXT : J_DONE;
			*i = k + 1;
			return 1;
		}
		if (d->js == J_ARR_NEXT) {
			if (p[k] != ',')
				break;
			d->js = J_ARR_ELEM;
			*i = k + 1;
			return 1;
		}
		/* FALLTHROUGH */
	case J_ARR_ELEM:
		if ((m = value_end(p, d->in.len, k, final, &end)) <= 0) {
			if (m < 0)
				break;
			return 0;
		}
		*r = json_item(d, k, end, NULL);
		d->js = J_ARR_NEXT;
		*i = end;
		return 1;
	case J_OBJ_NEXT:
		if (p[k] != ',' && p[k] != '}')
			break;
		d->js = p[k] == ',' ? J_OBJ_MEMBER : J_DONE;
		*i = k + 1;
		return 1;
	case J_OBJ_MEMBER:
		/* A member after the envelope's array: {name: value}. */
		if ((m = member(d, &k, final, &key)) <= 0 ||
		    (m = value_end(p, d->in.len, k, final, &end)) <= 0) {
			json_decref(key);
			if (m < 0)
				break;
			return 0;
		}
		*r = json_item(d, k, end, key);
		json_decref(key);
		d->js = J_OBJ_NEXT;
		*i = end;
		return 1;
	case J_DONE:
		break;
	}
	*r = bad(d, "byte %zu of what is left: not a JSON array or "
	    "envelope here", k);
	return 0;
}

static enum cat_res
feed_json(struct catdec *d, int final)
{
	size_t		 i = 0;
	enum cat_res	 r = CD_OK;

	for (;;) {
		i = skip_ws(d->in.p, d->in.len, i);
		if (i >= d->in.len)
			break;
		if (!json_step(d, &i, final, &r) || r != CD_OK)
			break;
	}
	consume(d, i);
	if (r == CD_OK && final && d->js != J_DONE &&
	    (d->js != J_TOP || d->in.len > 0))
		r = bad(d, "the JSON document is cut short");
	return r;
}

/* ------------------------------------------------------------------ */
/* MessagePack: msgpack-c's streaming unpacker                          */

static enum cat_res
feed_msgpack(struct catdec *d, const void *p, size_t n, int final)
{
	msgpack_unpacked	 u;
	msgpack_unpack_return	 ur = MSGPACK_UNPACK_CONTINUE;
	enum cat_res		 r = CD_OK;

	if (n > 0) {
		if (!msgpack_unpacker_reserve_buffer(&d->mp, n))
			return bad(d, "out of memory");
		memcpy(msgpack_unpacker_buffer(&d->mp), p, n);
		msgpack_unpacker_buffer_consumed(&d->mp, n);
	}
	msgpack_unpacked_init(&u);
	while (r == CD_OK &&
	    (ur = msgpack_unpacker_next(&d->mp, &u)) == MSGPACK_UNPACK_SUCCESS)
		r = emit(d, mp_to_json(&u.data));
	msgpack_unpacked_destroy(&u);
	if (r != CD_OK)
		return r;
	if (ur == MSGPACK_UNPACK_PARSE_ERROR)
		return bad(d, "value %lu: malformed MessagePack",
		    d->nitems + 1);
	if (ur == MSGPACK_UNPACK_NOMEM_ERROR)
		return bad(d, "out of memory");
	/* Bytes of a value begun but not ended. */
	if (final && msgpack_unpacker_message_size(&d->mp) > 0)
		return bad(d, "value %lu: truncated", d->nitems + 1);
	return CD_OK;
}

/* ------------------------------------------------------------------ */

static enum cat_res
feed_bytes(struct catdec *d, const void *p, size_t n)
{
	struct rv_buf	 b = { 0 };
	json_t		*s;

	if (n == 0)
		return CD_OK;
	if (base64_encode(&b, p, n) != 0) {
		buf_free(&b);
		return bad(d, "out of memory");
	}
	s = json_stringn(b.p, b.len);
	buf_free(&b);
	return emit(d, s);
}

static enum cat_res
run(struct catdec *d, const void *p, size_t n, int final)
{

	if (d->stopped)
		return CD_STOP;
	if (d->framing == CF_MSGPACK)
		return feed_msgpack(d, p, n, final);
	if (d->framing == CF_BYTES)
		return feed_bytes(d, p, n);
	if (n > 0 && buf_add(&d->in, p, n) != 0)
		return bad(d, "out of memory");
	switch (d->framing) {
	case CF_SEQ:
		return feed_seq(d, final);
	case CF_JSON:
		return feed_json(d, final);
	default:
		return feed_lines(d, final);
	}
}

enum cat_res
catdec_feed(struct catdec *d, const void *p, size_t n)
{

	return run(d, p, n, 0);
}

enum cat_res
catdec_end(struct catdec *d)
{

	return run(d, NULL, 0, 1);
}

const char *
catdec_error(const struct catdec *d)
{

	return d->err;
}

struct catdec *
catdec_new(enum cat_framing f, cat_emit fn, void *arg)
{
	struct catdec	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->framing = f;
	d->emit = fn;
	d->arg = arg;
	d->ev.retry = -1;
	if (f == CF_MSGPACK) {
		if (!msgpack_unpacker_init(&d->mp,
		    MSGPACK_UNPACKER_INIT_BUFFER_SIZE)) {
			free(d);
			return NULL;
		}
		d->mp_init = 1;
	}
	return d;
}

void
catdec_free(struct catdec *d)
{

	if (d == NULL)
		return;
	if (d->mp_init)
		msgpack_unpacker_destroy(&d->mp);
	free(d->ev.event);
	free(d->ev.id);
	buf_free(&d->ev.data);
	buf_free(&d->field);
	buf_free(&d->in);
	free(d);
}
