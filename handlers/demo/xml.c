/*
 * xml.c: an encoder a module adds: application/xml.  The body is
 * <feed>...</feed> (the stream's envelope names the root), each item
 * an <item> whose map keys are elements.  Nesting deeper than one map
 * has no form here: RV_ETYPE.
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"

struct xml_state {
	char	 key[64];	/* the element being written */
};

static const char *
root(struct rv_enc *e)
{
	const char	*r = rv_enc_envelope(e);

	return r != NULL ? r : "items";
}

static int
xml_escaped(struct rv_enc *e, const char *p, size_t n)
{
	size_t	 i, run = 0;

	for (i = 0; i < n; i++) {
		const char *rep = p[i] == '&' ? "&amp;" : p[i] == '<' ? "&lt;" :
		    p[i] == '>' ? "&gt;" : p[i] == '"' ? "&quot;" :
		    p[i] == '\'' ? "&apos;" : NULL;

		if (rep == NULL)
			continue;
		rv_enc_write(e, p + run, i - run);
		rv_enc_puts(e, rep);
		run = i + 1;
	}
	return rv_enc_write(e, p + run, n - run);
}

/* Element names: letters, digits, _ - . and not starting with a digit. */
static int
name_ok(const char *p, size_t n)
{
	size_t	 i;

	if (n == 0 || n >= sizeof(((struct xml_state *)0)->key) ||
	    (p[0] >= '0' && p[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' &&
		    p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') ||
		    strchr("_-.", p[i]) != NULL))
			return 0;
	return 1;
}

static int
xml_begin(struct rv_enc *e)
{

	rv_enc_puts(e, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
	rv_enc_puts(e, root(e));
	return rv_enc_puts(e, ">\n");
}

static int
xml_item_begin(struct rv_enc *e, const struct rv_item *it)
{

	if (it->kind == RV_ITEM_COMMENT || it->kind == RV_ITEM_RETRY)
		return RV_OK;
	if (it->kind == RV_ITEM_BYTES)
		return RV_ETYPE;
	return rv_enc_puts(e, it->kind == RV_ITEM_ERROR ? "<error>" : "<item>");
}

static int
xml_scalar(struct rv_enc *e, const struct rv_token *t)
{
	char	 d[40];
	int	 n;

	switch (t->type) {
	case RV_TOK_STR:
	case RV_TOK_TEXT:
		return xml_escaped(e, t->str, t->len);
	case RV_TOK_INT:
		n = snprintf(d, sizeof(d), "%lld", (long long)t->v.i);
		break;
	case RV_TOK_UINT:
		n = snprintf(d, sizeof(d), "%llu", (unsigned long long)t->v.u);
		break;
	case RV_TOK_DOUBLE:
		n = snprintf(d, sizeof(d), "%.17g", t->v.d);
		break;
	case RV_TOK_BOOL:
		return rv_enc_puts(e, t->v.b ? "true" : "false");
	case RV_TOK_NULL:
		return RV_OK;
	default:
		return RV_ETYPE;
	}
	return rv_enc_write(e, d, (size_t)n);
}

static int
xml_token(struct rv_enc *e, const struct rv_token *t)
{
	struct xml_state	*st = rv_enc_state(e);

	switch (t->type) {
	case RV_TOK_MAP_OPEN:
	case RV_TOK_ARRAY_OPEN:
		return t->depth == 0 ? RV_OK : RV_ETYPE;
	case RV_TOK_MAP_CLOSE:
	case RV_TOK_ARRAY_CLOSE:
		return RV_OK;
	case RV_TOK_KEY:
		if (!name_ok(t->str, t->len))
			return RV_EINVAL;
		memcpy(st->key, t->str, t->len);
		st->key[t->len] = '\0';
		rv_enc_puts(e, "<");
		rv_enc_puts(e, st->key);
		return rv_enc_puts(e, ">");
	default:
		break;
	}
	if (xml_scalar(e, t) != RV_OK)
		return RV_ETYPE;
	if (t->depth > 0 && t->in_map) {
		rv_enc_puts(e, "</");
		rv_enc_puts(e, st->key);
		return rv_enc_puts(e, ">");
	}
	return RV_OK;
}

static int
xml_item_end(struct rv_enc *e, const struct rv_item *it)
{

	if (it->kind == RV_ITEM_COMMENT || it->kind == RV_ITEM_RETRY)
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
	.media_type = "application/xml",
	.charset = "utf-8",
	.state_size = sizeof(struct xml_state),
	.begin = xml_begin,
	.item_begin = xml_item_begin,
	.token = xml_token,
	.item_end = xml_item_end,
	.end = xml_end,
};
