/*
 * decode.c: a response body back into items, by its media type.  This
 * parses what a peer sent, so it trusts nothing: every framing error
 * is reported with its offset, never assumed away.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <msgpack.h>

#include "internal.h"
#include "decode.h"

static json_t *
fail(char *err, size_t errlen, json_t *items, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	json_decref(items);
	return NULL;
}

json_t *
json_or_string(const char *p, size_t n)
{
	json_t	*j;

	if ((j = json_loadb(p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    NULL)) != NULL)
		return j;
	return json_stringn_nocheck(p, n);
}

/* ------------------------------------------------------------------ */
/* text/event-stream, as a browser's EventSource parses it             */

void
sse_field(struct sse_ev *ev, const char *line, size_t n)
{
	const char	*colon = memchr(line, ':', n);
	size_t		 fn = colon ? (size_t)(colon - line) : n;
	const char	*v = colon ? colon + 1 : line + n;
	size_t		 vn = colon ? n - fn - 1 : 0;

	if (vn > 0 && *v == ' ') {
		v++;
		vn--;
	}
	if (fn == 4 && memcmp(line, "data", 4) == 0) {
		buf_add(&ev->data, v, vn);
		buf_putc(&ev->data, '\n');
		ev->has_data = 1;
	} else if (fn == 5 && memcmp(line, "event", 5) == 0) {
		free(ev->event);
		ev->event = strndup(v, vn);
	} else if (fn == 2 && memcmp(line, "id", 2) == 0) {
		if (memchr(v, '\0', vn) == NULL) {
			free(ev->id);
			ev->id = strndup(v, vn);
		}
	} else if (fn == 5 && memcmp(line, "retry", 5) == 0) {
		if (vn > 0 && strspn(v, "0123456789") >= vn && vn < 18)
			ev->retry = strtol(v, NULL, 10);
	}
}

int
sse_dispatch(json_t *items, struct sse_ev *ev)
{
	json_t	*o;

	if (!ev->has_data && ev->retry < 0 && ev->id == NULL &&
	    ev->event == NULL)
		return 0;
	if ((o = json_object()) == NULL)
		return -1;
	if (ev->event != NULL)
		json_object_set_new(o, "event", json_string(ev->event));
	if (ev->id != NULL)
		json_object_set_new(o, "id", json_string(ev->id));
	if (ev->retry >= 0)
		json_object_set_new(o, "retry", json_integer(ev->retry));
	if (ev->has_data)
		json_object_set_new(o, "data", json_or_string(ev->data.p,
		    ev->data.len - 1));
	json_array_append_new(items, o);
	free(ev->event);
	free(ev->id);
	ev->event = ev->id = NULL;
	ev->data.len = 0;
	ev->has_data = 0;
	ev->retry = -1;
	return 0;
}

static json_t *
decode_sse(const char *p, size_t n, char *err, size_t errlen)
{
	json_t		*items = json_array();
	struct sse_ev	 ev = { .retry = -1 };
	size_t		 i = 0, j;

	if (!utf8_valid(p, n))
		return fail(err, errlen, items, "event stream is not UTF-8");
	while (i < n) {
		for (j = i; j < n && p[j] != '\r' && p[j] != '\n'; j++)
			continue;
		if (j == n)
			break;	/* an unterminated last line is discarded */
		if (j == i)
			sse_dispatch(items, &ev);
		else if (p[i] != ':')
			sse_field(&ev, p + i, j - i);
		if (p[j] == '\r' && j + 1 < n && p[j + 1] == '\n')
			j++;
		i = j + 1;
	}
	free(ev.event);
	free(ev.id);
	buf_free(&ev.data);
	return items;
}

/* ------------------------------------------------------------------ */
/* Line- and record-separated JSON                                     */

static int
blank(const char *p, size_t n)
{

	while (n > 0 && strchr(" \t\r\n\x1e", *p) != NULL && *p != '\0') {
		p++;
		n--;
	}
	return n == 0;
}

static json_t *
decode_split(const char *p, size_t n, char sep, char *err, size_t errlen)
{
	json_t		*items = json_array(), *v;
	json_error_t	 je;
	size_t		 i = 0, j;

	while (i < n) {
		for (j = i; j < n && p[j] != sep; j++)
			continue;
		/* Blank records are not values; skip them. */
		if (!blank(p + i, j - i)) {
			v = json_loadb(p + i, j - i, JSON_DECODE_ANY, &je);
			if (v == NULL)
				return fail(err, errlen, items,
				    "byte %zu: %s", i, je.text);
			json_array_append_new(items, v);
		}
		i = j + 1;
	}
	return items;
}

static json_t *
decode_json(const char *p, size_t n, char *err, size_t errlen)
{
	json_t		*items, *doc, *arr = NULL;
	json_error_t	 je;

	if ((doc = json_loadb(p, n, JSON_DECODE_ANY, &je)) == NULL)
		return fail(err, errlen, NULL, "%s (byte %d)", je.text,
		    je.position);
	/* A streamed array, bare or in a one-key envelope. */
	if (json_is_array(doc))
		arr = doc;
	else if (json_is_object(doc) && json_object_size(doc) == 1)
		arr = json_object_iter_value(json_object_iter(doc));
	if (arr != NULL && json_is_array(arr)) {
		items = json_deep_copy(arr);
		json_decref(doc);
		return items;
	}
	items = json_array();
	json_array_append_new(items, doc);
	return items;
}

/* ------------------------------------------------------------------ */
/* MessagePack                                                         */

static json_t *
mp_bin(const char *p, size_t n)
{
	struct rv_buf	 b = { 0 };
	json_t		*j;

	base64_encode(&b, p, n);
	j = json_stringn(b.p != NULL ? b.p : "", b.len);
	buf_free(&b);
	return j;
}

static json_t *
mp_map(const msgpack_object *o)
{
	json_t			*m = json_object();
	const msgpack_object	*k;
	char			 kb[24], *key;
	uint32_t		 i;

	for (i = 0; i < o->via.map.size; i++) {
		k = &o->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR)
			key = strndup(k->via.str.ptr, k->via.str.size);
		else if (k->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
			snprintf(kb, sizeof(kb), "%llu",
			    (unsigned long long)k->via.u64);
			key = strdup(kb);
		} else if (k->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
			snprintf(kb, sizeof(kb), "%lld",
			    (long long)k->via.i64);
			key = strdup(kb);
		} else
			key = strdup("?");
		if (key != NULL)
			json_object_set_new(m, key,
			    mp_to_json(&o->via.map.ptr[i].val));
		free(key);
	}
	return m;
}

json_t *
mp_to_json(const msgpack_object *o)
{
	json_t		*a;
	uint32_t	 i;

	switch (o->type) {
	case MSGPACK_OBJECT_BOOLEAN:
		return json_boolean(o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return json_integer((json_int_t)o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return json_integer(o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return json_real(o->via.f64);
	case MSGPACK_OBJECT_STR:
		return json_stringn(o->via.str.ptr, o->via.str.size);
	case MSGPACK_OBJECT_BIN:
		return mp_bin(o->via.bin.ptr, o->via.bin.size);
	case MSGPACK_OBJECT_EXT:
		return json_pack("{s:i,s:o}", "type", o->via.ext.type, "data",
		    mp_bin(o->via.ext.ptr, o->via.ext.size));
	case MSGPACK_OBJECT_ARRAY:
		a = json_array();
		for (i = 0; i < o->via.array.size; i++)
			json_array_append_new(a,
			    mp_to_json(&o->via.array.ptr[i]));
		return a;
	case MSGPACK_OBJECT_MAP:
		return mp_map(o);
	default:
		return json_null();
	}
}

static json_t *
decode_msgpack(const char *p, size_t n, char *err, size_t errlen)
{
	json_t			*items = json_array();
	msgpack_unpacked	 u;
	msgpack_unpack_return	 r;
	size_t			 off = 0, at;

	msgpack_unpacked_init(&u);
	while (off < n) {
		at = off;
		r = msgpack_unpack_next(&u, p, n, &off);
		if (r != MSGPACK_UNPACK_SUCCESS) {
			msgpack_unpacked_destroy(&u);
			return fail(err, errlen, items, "byte %zu: %s", at,
			    r == MSGPACK_UNPACK_CONTINUE ? "truncated value" :
			    "malformed MessagePack");
		}
		json_array_append_new(items, mp_to_json(&u.data));
	}
	msgpack_unpacked_destroy(&u);
	return items;
}

/* ------------------------------------------------------------------ */
/* RFC 4180 CSV: rows as objects keyed by the header                   */

int
csv_next_field(const char *p, size_t n, size_t *i, struct rv_buf *f,
    int *eol)
{
	size_t	 k = *i;

	f->len = 0;
	*eol = 0;
	if (k < n && p[k] == '"') {
		for (k++; ; k++) {
			if (k >= n)
				return -1;	/* unterminated quote */
			if (p[k] == '"') {
				if (k + 1 < n && p[k + 1] == '"')
					k++;
				else {
					k++;
					break;
				}
			}
			buf_putc(f, p[k]);
		}
	} else
		while (k < n && p[k] != ',' && p[k] != '\r' && p[k] != '\n')
			buf_putc(f, p[k++]);
	if (k < n && p[k] == ',')
		k++;
	else if (k >= n || p[k] == '\r' || p[k] == '\n') {
		*eol = 1;
		if (k < n && p[k] == '\r')
			k++;
		if (k < n && p[k] == '\n')
			k++;
	} else
		return -1;		/* junk after a closing quote */
	*i = k;
	return 0;
}

static json_t *
decode_csv(const char *p, size_t n, char *err, size_t errlen)
{
	json_t		*items = json_array(), *hdr = json_array(), *row;
	struct rv_buf	 f = { 0 };
	size_t		 i = 0, col;
	int		 eol;

	while (i < n) {
		row = json_array();
		do {
			if (csv_next_field(p, n, &i, &f, &eol) != 0) {
				json_decref(row);
				json_decref(hdr);
				buf_free(&f);
				return fail(err, errlen, items,
				    "byte %zu: bad CSV quoting", i);
			}
			json_array_append_new(row, json_stringn_nocheck(
			    f.p != NULL ? f.p : "", f.len));
		} while (!eol);
		if (json_array_size(hdr) == 0) {
			json_decref(hdr);
			hdr = row;
			continue;
		}
		json_t *o = json_object();
		for (col = 0; col < json_array_size(row); col++)
			json_object_set(o, col < json_array_size(hdr) ?
			    json_string_value(json_array_get(hdr, col)) : "?",
			    json_array_get(row, col));
		json_array_append_new(items, o);
		json_decref(row);
	}
	json_decref(hdr);
	buf_free(&f);
	return items;
}

/* ------------------------------------------------------------------ */

json_t *
rv_decode(const char *media_type, const void *body, size_t len, char *err,
    size_t errlen)
{
	const char	*p = body != NULL ? body : "";
	size_t		 tl;
	json_t		*items;

	if (err != NULL && errlen > 0)
		*err = '\0';
	if (media_type == NULL)
		media_type = "application/octet-stream";
	tl = strcspn(media_type, "; \t");
#define IS(t) (tl == sizeof(t) - 1 && strncasecmp(media_type, t, tl) == 0)
	if (IS("text/event-stream"))
		return decode_sse(p, len, err, errlen);
	if (IS("application/x-ndjson") || IS("application/jsonl"))
		return decode_split(p, len, '\n', err, errlen);
	if (IS("application/json-seq"))
		return decode_split(p, len, '\x1e', err, errlen);
	if (IS("application/json") || IS("application/problem+json"))
		return decode_json(p, len, err, errlen);
	if (IS("application/msgpack"))
		return decode_msgpack(p, len, err, errlen);
	if (IS("text/csv"))
		return decode_csv(p, len, err, errlen);
#undef IS
	items = json_array();
	if (strncasecmp(media_type, "text/", 5) == 0 ||
	    strncasecmp(media_type, "application/xml", 15) == 0)
		json_array_append_new(items, json_stringn_nocheck(p, len));
	else
		json_array_append_new(items, mp_bin(p, len));
	return items;
}
