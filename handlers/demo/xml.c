/*
 * xml.c: an encoder a module adds, to show how: application/xml.
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <feed>
 *   <item><id>1</id><title>Rivers &amp; more</title></item>
 *   <item event="tick" id="7">text or a scalar</item>
 *   <error><type>about:blank</type><title>...</title>...</error>
 *   </feed>
 *
 * The root element is the stream's envelope (rv_envelope), "items" if
 * it has none.  An item is a flat map (its keys become elements), a
 * scalar or a text; an SSE envelope becomes the event and id
 * attributes.  What XML cannot say here is refused with RV_ETYPE, which
 * drops the item whole: nested maps, arrays, bytes, keys that are not
 * element names, and characters XML 1.0 forbids (most C0 controls,
 * U+FFFE, U+FFFF).  Comments (heartbeats) and retry hints write nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

#define XML_NAME_MAX	64

struct xml_state {
	int	 skip;			/* a comment or retry: no output */
	char	 key[XML_NAME_MAX];	/* the open element of a map */
};

/* An element name, in ASCII: [A-Za-z_][A-Za-z0-9_.-]*, kept short. */
static int
name_ok(const char *p, size_t n)
{
	size_t	 i;

	if (n == 0 || n >= XML_NAME_MAX ||
	    !((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z') ||
	    p[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '_' ||
		    p[i] == '-' || p[i] == '.'))
			return 0;
	return 1;
}

static const char *
root(struct rv_enc *e)
{
	const char	*r = rv_enc_envelope(e);

	return r != NULL && name_ok(r, strlen(r)) ? r : "items";
}

/*
 * Character data (attr: an attribute value, where white space other
 * than a plain space must be escaped to survive).  The input is valid
 * UTF-8: the writer checked it.
 */
static int
xml_escaped(struct rv_enc *e, const char *p, size_t n, int attr)
{
	const unsigned char	*u = (const unsigned char *)p;
	const char		*rep;
	size_t			 i, run = 0;

	for (i = 0; i < n; i++) {
		switch (u[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		case '\r': rep = "&#13;"; break;
		case '\n': rep = attr ? "&#10;" : NULL; break;
		case '\t': rep = attr ? "&#9;" : NULL; break;
		default:
			if (u[i] < 0x20)
				return RV_ETYPE;
			/* U+FFFE and U+FFFF: EF BF BE, EF BF BF */
			if (u[i] == 0xef && i + 2 < n && u[i + 1] == 0xbf &&
			    (u[i + 2] == 0xbe || u[i + 2] == 0xbf))
				return RV_ETYPE;
			rep = NULL;
			break;
		}
		if (rep == NULL)
			continue;
		rv_enc_write(e, p + run, i - run);
		rv_enc_puts(e, rep);
		run = i + 1;
	}
	return rv_enc_write(e, p + run, n - run);
}

/* The shortest decimal that reads back as the same double. */
static int
xml_double(struct rv_enc *e, double d)
{
	char	 buf[40];
	int	 prec, n = 0;

	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return rv_enc_write(e, buf, (size_t)n);
}

static int
xml_scalar(struct rv_enc *e, const struct rv_token *t)
{
	char	 d[32];
	int	 n;

	switch (t->type) {
	case RV_TOK_STR:
	case RV_TOK_TEXT:
		return xml_escaped(e, t->str, t->len, 0);
	case RV_TOK_INT:
		n = snprintf(d, sizeof(d), "%lld", (long long)t->v.i);
		return rv_enc_write(e, d, (size_t)n);
	case RV_TOK_UINT:
		n = snprintf(d, sizeof(d), "%llu", (unsigned long long)t->v.u);
		return rv_enc_write(e, d, (size_t)n);
	case RV_TOK_DOUBLE:
		return xml_double(e, t->v.d);
	case RV_TOK_BOOL:
		return rv_enc_puts(e, t->v.b ? "true" : "false");
	case RV_TOK_NULL:
		return RV_OK;		/* an empty element */
	default:
		return RV_ETYPE;	/* bytes */
	}
}

static int
xml_begin(struct rv_enc *e)
{

	rv_enc_puts(e, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
	rv_enc_puts(e, root(e));
	return rv_enc_puts(e, ">\n");
}

static int
xml_attr(struct rv_enc *e, const char *name, const char *v)
{

	if (v == NULL)
		return RV_OK;
	rv_enc_puts(e, " ");
	rv_enc_puts(e, name);
	rv_enc_puts(e, "=\"");
	if (xml_escaped(e, v, strlen(v), 1) != RV_OK)
		return RV_ETYPE;
	return rv_enc_puts(e, "\"");
}

static int
xml_item_begin(struct rv_enc *e, const struct rv_item *it)
{
	struct xml_state	*st = rv_enc_state(e);

	st->skip = it->kind == RV_ITEM_COMMENT || it->kind == RV_ITEM_RETRY;
	if (st->skip)
		return RV_OK;
	if (it->kind == RV_ITEM_BYTES)
		return RV_ETYPE;
	rv_enc_puts(e, it->kind == RV_ITEM_ERROR ? "<error" : "<item");
	if (xml_attr(e, "event", it->event) != RV_OK ||
	    xml_attr(e, "id", it->id) != RV_OK)
		return RV_ETYPE;
	return rv_enc_puts(e, ">");
}

static int
xml_token(struct rv_enc *e, const struct rv_token *t)
{
	struct xml_state	*st = rv_enc_state(e);
	int			 rc;

	if (st->skip)
		return RV_OK;
	switch (t->type) {
	case RV_TOK_MAP_OPEN:
		return t->depth == 0 ? RV_OK : RV_ETYPE;
	case RV_TOK_MAP_CLOSE:
		return RV_OK;
	case RV_TOK_ARRAY_OPEN:
	case RV_TOK_ARRAY_CLOSE:
		return RV_ETYPE;
	case RV_TOK_KEY:
		if (!name_ok(t->str, t->len))
			return RV_ETYPE;
		memcpy(st->key, t->str, t->len);
		st->key[t->len] = '\0';
		rv_enc_puts(e, "<");
		rv_enc_puts(e, st->key);
		return rv_enc_puts(e, ">");
	default:
		break;
	}
	if ((rc = xml_scalar(e, t)) != RV_OK || t->depth == 0)
		return rc;
	/* a value of the map: close its element */
	rv_enc_puts(e, "</");
	rv_enc_puts(e, st->key);
	return rv_enc_puts(e, ">");
}

static int
xml_item_end(struct rv_enc *e, const struct rv_item *it)
{
	struct xml_state	*st = rv_enc_state(e);

	if (st->skip)
		return RV_OK;
	return rv_enc_puts(e, it->kind == RV_ITEM_ERROR ? "</error>\n" :
	    "</item>\n");
}

static int
xml_end(struct rv_enc *e)
{

	rv_enc_puts(e, "</");
	rv_enc_puts(e, root(e));
	return rv_enc_puts(e, ">\n");
}

const struct rv_encoder demo_xml_encoder = {
	.abi = RV_ABI_VERSION,
	.name = "xml",
	.alias = NULL,
	.media_type = "application/xml",
	.charset = "utf-8",
	.state_size = sizeof(struct xml_state),
	.begin = xml_begin,
	.item_begin = xml_item_begin,
	.token = xml_token,
	.item_end = xml_item_end,
	.end = xml_end,
};
