/*
 * packf.c: items from other shapes, written as tokens without a tree
 * of ours: json_pack()-style formats, jansson values, and MessagePack
 * bytes (parsed with msgpack-c; bin stays binary, ext becomes
 * {"type":n,"data":bin}, integer map keys become decimal strings).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "internal.h"

struct packf {
	const char	*p;	/* next format character */
	va_list		 ap;
};

static void
pf_skip(struct packf *f)
{

	while (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' ||
	    *f->p == ',' || *f->p == ':')
		f->p++;
}

static int pf_value(struct rv_stream *, struct packf *, int);

/* s, s#, s%, s? : a string (or a key when key != 0). */
static int
pf_string(struct rv_stream *s, struct packf *f, int key)
{
	const char	*str = va_arg(f->ap, const char *);
	size_t		 n;
	int		 nullable = 0;

	if (*f->p == '#') {
		f->p++;
		n = (size_t)va_arg(f->ap, int);
	} else if (*f->p == '%') {
		f->p++;
		n = va_arg(f->ap, size_t);
	} else {
		if (*f->p == '?') {
			f->p++;
			nullable = 1;
		}
		if (str == NULL)
			return nullable && !key ? rv_null(s) : RV_EINVAL;
		n = strlen(str);
	}
	if (str == NULL)
		return RV_EINVAL;
	return key ? rv_keyn(s, str, n) : rv_strn(s, str, n);
}

static int
pf_container(struct rv_stream *s, struct packf *f, int map, int depth)
{
	int	 rc;

	if ((rc = map ? rv_map_open(s) : rv_array_open(s)) != RV_OK)
		return rc;
	for (;;) {
		pf_skip(f);
		if (*f->p == (map ? '}' : ']')) {
			f->p++;
			return map ? rv_map_close(s) : rv_array_close(s);
		}
		if (*f->p == '\0')
			return RV_EINVAL;
		if (map) {
			if (*f->p++ != 's')
				return RV_EINVAL;
			if ((rc = pf_string(s, f, 1)) != RV_OK)
				return rc;
			pf_skip(f);
		}
		if ((rc = pf_value(s, f, depth + 1)) != RV_OK)
			return rc;
	}
}

static int
pf_value(struct rv_stream *s, struct packf *f, int depth)
{
	json_t	*j;
	int	 rc;

	if (depth > RV_MAX_DEPTH)
		return RV_ETOOBIG;
	switch (*f->p++) {
	case '{':
		return pf_container(s, f, 1, depth);
	case '[':
		return pf_container(s, f, 0, depth);
	case 's':
		return pf_string(s, f, 0);
	case 'n':
		return rv_null(s);
	case 'b':
		return rv_bool(s, va_arg(f->ap, int));
	case 'i':
		return rv_int(s, va_arg(f->ap, int));
	case 'I':
		return rv_int(s, va_arg(f->ap, json_int_t));
	case 'f':
		return rv_double(s, va_arg(f->ap, double));
	case 'o':
	case 'O':
		/* 'o' steals the reference, as json_pack() does. */
		j = va_arg(f->ap, json_t *);
		if (*f->p == '?')
			f->p++;
		rc = j == NULL ? rv_null(s) : emit_json(s, j);
		if (f->p[-1] == 'o' || (f->p[-1] == '?' && f->p[-2] == 'o'))
			json_decref(j);
		return rc;
	default:
		return RV_EINVAL;
	}
}

/*
 * Check a whole format before any token is written, so that a top-level
 * scalar (an item as soon as it is written) is never sent from a format
 * that turns out to be bad further on.
 */
static int
pf_check(const char *p)
{
	char	 stack[RV_MAX_DEPTH + 1];
	int	 depth = 0, want_key = 0, values = 0;

	for (; *p != '\0'; p++) {
		if (strchr(" \t\n,:", *p) != NULL)
			continue;
		if (depth == 0 && values > 0)
			return RV_EINVAL;	/* one value per format */
		if (*p == '}' || *p == ']') {
			if (depth == 0 || stack[depth - 1] != (*p == '}' ?
			    '{' : '[') || (*p == '}' && !want_key))
				return RV_EINVAL;
			want_key = --depth > 0 && stack[depth - 1] == '{';
			values += depth == 0;
			continue;
		}
		if (want_key) {
			if (*p != 's')
				return RV_EINVAL;
			if (p[1] == '#' || p[1] == '%')
				p++;
			want_key = 0;
			continue;
		}
		if (*p == '{' || *p == '[') {
			if (depth >= RV_MAX_DEPTH)
				return RV_ETOOBIG;
			stack[depth++] = *p;
			want_key = *p == '{';
			continue;
		}
		if (strchr("snbiIfoO", *p) == NULL)
			return RV_EINVAL;
		/* (strchr would match the terminating NUL: test it first) */
		if ((*p == 's' && p[1] != '\0' && strchr("#%?", p[1]) != NULL) ||
		    ((*p == 'o' || *p == 'O') && p[1] == '?'))
			p++;
		want_key = depth > 0 && stack[depth - 1] == '{';
		values += depth == 0;
	}
	return depth == 0 && values == 1 ? RV_OK : RV_EINVAL;
}

int
rv_vpackf(struct rv_stream *s, const char *fmt, va_list ap)
{
	struct packf	 f;
	int		 rc, nested;

	if (fmt == NULL)
		return RV_EINVAL;
	if ((rc = pf_check(fmt)) != RV_OK)
		return rc;
	if ((rc = w_usable(s)) != RV_OK)
		return rc;
	f.p = fmt;
	va_copy(f.ap, ap);
	pf_skip(&f);
	/* Inside an open item the format is one value of it. */
	nested = s->in_item;
	if (!nested && (rc = w_item_begin(s, RV_ITEM_VALUE)) != RV_OK) {
		va_end(f.ap);
		return rc;
	}
	rc = pf_value(s, &f, nested ? (int)s->depth : 0);
	va_end(f.ap);
	if (nested) {
		if (rc != RV_OK && s->item_err == RV_OK)
			s->item_err = rc;
		return rc;
	}
	/* An item that ended cleanly has been sent; else drop the rest. */
	if (s->in_item)
		return w_item_abort(s, rc == RV_OK ? RV_EINVAL : rc);
	return rc;
}

int
rv_packf(struct rv_stream *s, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = rv_vpackf(s, fmt, ap);
	va_end(ap);
	return rc;
}

int
rv_eventf(struct rv_stream *s, const char *event, const char *id,
    const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	if ((rc = rv_event(s, event, id)) != RV_OK)
		return rc;
	va_start(ap, fmt);
	rc = rv_vpackf(s, fmt, ap);
	va_end(ap);
	return rc;
}

/* ------------------------------------------------------------------ */
/* jansson                                                             */

static int
walk_json(struct rv_stream *s, const json_t *j, int depth)
{
	const char	*k;
	json_t		*v;
	size_t		 i;
	int		 rc;

	if (depth > RV_MAX_DEPTH)
		return RV_ETOOBIG;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		if ((rc = rv_map_open(s)) != RV_OK)
			return rc;
		json_object_foreach((json_t *)j, k, v) {
			if ((rc = rv_key(s, k)) != RV_OK ||
			    (rc = walk_json(s, v, depth + 1)) != RV_OK)
				return rc;
		}
		return rv_map_close(s);
	case JSON_ARRAY:
		if ((rc = rv_array_open(s)) != RV_OK)
			return rc;
		json_array_foreach(j, i, v)
			if ((rc = walk_json(s, v, depth + 1)) != RV_OK)
				return rc;
		return rv_array_close(s);
	case JSON_STRING:
		return rv_strn(s, json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		return rv_int(s, json_integer_value(j));
	case JSON_REAL:
		return rv_double(s, json_real_value(j));
	case JSON_TRUE:
		return rv_bool(s, 1);
	case JSON_FALSE:
		return rv_bool(s, 0);
	default:
		return rv_null(s);
	}
}

/* Runs inside an item already begun (rv_packf "o") or as one item. */
int
emit_json(struct rv_stream *s, const json_t *j)
{

	return walk_json(s, j, 0);
}

int
rv_json(struct rv_stream *s, const json_t *j)
{
	int	 rc;

	if (j == NULL)
		return RV_EINVAL;
	if ((rc = w_usable(s)) != RV_OK)
		return rc;
	if (s->in_item) {
		/* One value of the open item. */
		if ((rc = walk_json(s, j, (int)s->depth)) != RV_OK &&
		    s->item_err == RV_OK)
			s->item_err = rc;
		return rc;
	}
	if ((rc = w_item_begin(s, RV_ITEM_VALUE)) != RV_OK)
		return rc;
	rc = walk_json(s, j, 0);
	if (s->in_item)
		return w_item_abort(s, rc == RV_OK ? RV_EINVAL : rc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* MessagePack                                                         */

static int walk_mp(struct rv_stream *, const msgpack_object *, int);

static int
walk_mp_key(struct rv_stream *s, const msgpack_object *k)
{
	char	 d[24];
	int	 n;

	switch (k->type) {
	case MSGPACK_OBJECT_STR:
		return rv_keyn(s, k->via.str.ptr, k->via.str.size);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		n = snprintf(d, sizeof(d), "%llu",
		    (unsigned long long)k->via.u64);
		return rv_keyn(s, d, (size_t)n);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		n = snprintf(d, sizeof(d), "%lld", (long long)k->via.i64);
		return rv_keyn(s, d, (size_t)n);
	default:
		return RV_ETYPE;
	}
}

static int
walk_mp_map(struct rv_stream *s, const msgpack_object *o, int depth)
{
	uint32_t	 i;
	int		 rc;

	if ((rc = rv_map_open(s)) != RV_OK)
		return rc;
	for (i = 0; i < o->via.map.size; i++)
		if ((rc = walk_mp_key(s, &o->via.map.ptr[i].key)) != RV_OK ||
		    (rc = walk_mp(s, &o->via.map.ptr[i].val, depth + 1)) !=
		    RV_OK)
			return rc;
	return rv_map_close(s);
}

static int
walk_mp(struct rv_stream *s, const msgpack_object *o, int depth)
{
	uint32_t	 i;
	int		 rc;

	if (depth > RV_MAX_DEPTH)
		return RV_ETOOBIG;
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return rv_null(s);
	case MSGPACK_OBJECT_BOOLEAN:
		return rv_bool(s, o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return rv_uint(s, o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return rv_int(s, o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return rv_double(s, o->via.f64);
	case MSGPACK_OBJECT_STR:
		return rv_strn(s, o->via.str.ptr, o->via.str.size);
	case MSGPACK_OBJECT_BIN:
		return rv_bin(s, o->via.bin.ptr, o->via.bin.size);
	case MSGPACK_OBJECT_EXT:
		if ((rc = rv_map_open(s)) != RV_OK ||
		    (rc = rv_kint(s, "type", o->via.ext.type)) != RV_OK ||
		    (rc = rv_key(s, "data")) != RV_OK ||
		    (rc = rv_bin(s, o->via.ext.ptr, o->via.ext.size)) != RV_OK)
			return rc;
		return rv_map_close(s);
	case MSGPACK_OBJECT_ARRAY:
		if ((rc = rv_array_open(s)) != RV_OK)
			return rc;
		for (i = 0; i < o->via.array.size; i++)
			if ((rc = walk_mp(s, &o->via.array.ptr[i],
			    depth + 1)) != RV_OK)
				return rc;
		return rv_array_close(s);
	case MSGPACK_OBJECT_MAP:
		return walk_mp_map(s, o, depth);
	default:
		return RV_ETYPE;
	}
}

int
rv_msgpack(struct rv_stream *s, const void *p, size_t n)
{
	msgpack_unpacked	 u;
	msgpack_unpack_return	 ur;
	size_t			 off = 0;
	int			 rc;

	if (p == NULL || n == 0)
		return RV_EINVAL;
	if ((rc = w_usable(s)) != RV_OK)
		return rc;
	if (s->in_item)
		return RV_ESTATE;
	msgpack_unpacked_init(&u);
	ur = msgpack_unpack_next(&u, p, n, &off);
	if (ur != MSGPACK_UNPACK_SUCCESS || off != n) {
		/* Truncated, malformed, or more than one value. */
		msgpack_unpacked_destroy(&u);
		return ur == MSGPACK_UNPACK_NOMEM_ERROR ? RV_ENOMEM :
		    RV_EINVAL;
	}
	if ((rc = w_item_begin(s, RV_ITEM_VALUE)) == RV_OK) {
		rc = walk_mp(s, &u.data, 0);
		if (s->in_item)
			rc = w_item_abort(s, rc == RV_OK ? RV_EINVAL : rc);
	}
	msgpack_unpacked_destroy(&u);
	return rc;
}
