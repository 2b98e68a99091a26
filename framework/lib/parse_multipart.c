/*
 * parse_multipart.c: multipart/form-data (RFC 7578, RFC 2046) as a
 * push parser: bytes go in as they arrive, in pieces of any size, and
 * each part's headers and data come out through callbacks.  Only a
 * part's header block is ever held (up to max_header); data is passed
 * on as it is read, holding back at most the delimiter's length.
 *
 * The delimiter is CRLF "--" boundary.  Its first byte, CR, cannot
 * occur again inside it (a boundary has no CR), so a failed partial
 * match never hides the start of another: the bytes held are data and
 * the matcher starts over at the current byte.
 */
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "internal.h"
#include "input.h"

#define DEFAULT_MAX_HEADER	8192

/* RFC 2046 bchars, space not last. */
static int
good_boundary(const char *b, size_t n)
{
	size_t	 i;

	if (n == 0 || n > MP_MAX_BOUNDARY || b[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if (!((b[i] >= '0' && b[i] <= '9') || (b[i] >= 'a' &&
		    b[i] <= 'z') || (b[i] >= 'A' && b[i] <= 'Z') ||
		    strchr("'()+_,-./:=? ", b[i]) != NULL))
			return 0;
	return 1;
}

/*
 * A parameter value at *s (token or quoted-string, backslash escapes
 * undone) into out, NUL-terminated; *s moves past it.  -1 if bad.
 */
static int
param_value(const char **s, char *out, size_t outlen)
{
	const char	*p = *s;
	size_t		 o = 0;

	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\0')
				return -1;
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (o + 1 >= outlen)
				return -1;
			out[o++] = *p;
		}
		p++;
	} else
		for (; *p != '\0' && *p != ';' && *p != ' ' && *p != '\t';
		    p++) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = *p;
		}
	out[o] = '\0';
	*s = p;
	return 0;
}

/*
 * The next "; name=value" of a header value: 1 with one, 0 at the
 * end, -1 if malformed.  name is lower-cased into nbuf.
 */
static int
next_param(const char **s, char *nbuf, size_t nlen, char *vbuf, size_t vlen)
{
	const char	*p = *s;
	size_t		 n = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 0;
	if (*p++ != ';')
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 0;	/* a trailing ';' */
	for (; *p != '=' && *p != '\0' && *p != ';' && *p != ' '; p++) {
		if (n + 1 >= nlen)
			return -1;
		nbuf[n++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') :
		    *p;
	}
	nbuf[n] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (n == 0 || *p++ != '=')
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (param_value(&p, vbuf, vlen) != 0)
		return -1;
	*s = p;
	return 1;
}

int
mp_boundary(const char *ctype, char *out, size_t outlen)
{
	const char	*p = ctype;
	char		 name[32], val[MP_MAX_BOUNDARY + 8];
	int		 r, found = 0;

	if (p == NULL)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "multipart/form-data", 19) != 0)
		return -1;
	p += 19;
	while ((r = next_param(&p, name, sizeof(name), val, sizeof(val))) ==
	    1)
		if (strcmp(name, "boundary") == 0) {
			if (found || !good_boundary(val, strlen(val)) ||
			    strlen(val) >= outlen)
				return -1;
			strcpy(out, val);
			found = 1;
		}
	return r == 0 && found ? 0 : -1;
}

int
mp_init(struct mp_parser *p, const char *boundary, size_t max_header,
    size_t max_parts, const struct mp_cb *cb, void *arg)
{
	size_t	 n = strlen(boundary);

	memset(p, 0, sizeof(*p));
	if (!good_boundary(boundary, n))
		return RV_EINVAL;
	memcpy(p->delim, "\r\n--", 4);
	memcpy(p->delim + 4, boundary, n);
	p->dlen = 4 + n;
	/* The first delimiter may open the body: as if after a CRLF. */
	p->match = 2;
	p->state = MP_PREAMBLE;
	p->max_header = max_header != 0 ? max_header : DEFAULT_MAX_HEADER;
	p->max_parts = max_parts;
	p->head.max = p->max_header;
	p->cb = cb;
	p->arg = arg;
	return RV_OK;
}

void
mp_free(struct mp_parser *p)
{

	buf_free(&p->head);
}

static int
fail(struct mp_parser *p, int err, const char *why)
{

	p->state = MP_ERROR;
	p->err = err;
	p->why = why;
	return err;
}

/* Content-Disposition: form-data; name="x"; filename="y" */
static int
disposition(struct mp_parser *p, const char *v, struct mp_head *h,
    char **vals)
{
	char	 name[32];
	char	*val = *vals;
	size_t	 room = p->head.len + 1, n, dl;
	int	 r;

	while (*v == ' ' || *v == '\t')
		v++;
	if (strncasecmp(v, "form-data", 9) != 0)
		return fail(p, RV_EINVAL, "a part is not form-data");
	v += 9;
	while ((r = next_param(&v, name, sizeof(name), val, room)) == 1) {
		n = strlen(val);
		if (strcmp(name, "name") == 0 && h->name == NULL)
			h->name = val;
		else if (strcmp(name, "filename") == 0 && h->filename == NULL)
			h->filename = val;
		else if (strcmp(name, "filename*") == 0 &&
		    strncasecmp(val, "utf-8'", 6) == 0 &&
		    strchr(val + 6, '\'') != NULL) {
			/* RFC 5987: UTF-8'lang'pct-encoded, over filename */
			const char *enc = strchr(val + 6, '\'') + 1;

			if (pct_decode(val, enc, strlen(enc), 0, &dl) != 0 ||
			    !utf8_valid(val, dl))
				return fail(p, RV_EINVAL, "a bad filename*");
			h->filename = val;
			n = dl;
		} else
			continue;	/* unknown: the space is reused */
		val += n + 1;
		room -= n + 1;
	}
	*vals = val;
	if (r < 0)
		return fail(p, RV_EINVAL, "a malformed Content-Disposition");
	if (h->name == NULL)
		return fail(p, RV_EINVAL, "a part without a name");
	return RV_OK;
}

/* The header block (NUL-terminated, CRLF lines) of a part. */
static int
part_headers(struct mp_parser *p, struct mp_head *h, char *vals)
{
	char	*line = p->head.p, *eol, *colon, *v;
	int	 seen = 0, last = 0;

	memset(h, 0, sizeof(*h));
	for (; !last; line = eol + 2) {
		if ((eol = strstr(line, "\r\n")) == NULL) {
			eol = line + strlen(line);
			last = 1;
		}
		*eol = '\0';
		if (strpbrk(line, "\r\n") != NULL || *line == ' ' ||
		    *line == '\t' || (colon = strchr(line, ':')) == NULL ||
		    colon == line)
			return fail(p, RV_EINVAL, "a malformed part header");
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			continue;
		if (strcasecmp(line, "content-disposition") == 0) {
			if (seen++)
				return fail(p, RV_EINVAL, "two "
				    "Content-Dispositions in a part");
			if (disposition(p, v, h, &vals) != RV_OK)
				return p->err;
		} else if (strcasecmp(line, "content-type") == 0 &&
		    h->ctype == NULL)
			h->ctype = v;
	}
	if (!seen)
		return fail(p, RV_EINVAL, "a part without Content-Disposition");
	return RV_OK;
}

/* A whole header block is in head: parse it, start the part's body. */
static int
head_done(struct mp_parser *p)
{
	struct mp_head	 h;
	struct rv_buf	 vals = { 0 };
	int		 rc;

	p->head.len -= 4;	/* the blank line */
	p->head.p[p->head.len] = '\0';
	if (memchr(p->head.p, '\0', p->head.len) != NULL)
		return fail(p, RV_EINVAL, "a NUL byte in part headers");
	/* Values are never longer than the block they come from. */
	if (buf_grow(&vals, p->head.len + 2) != RV_OK)
		return fail(p, RV_ENOMEM, "out of memory");
	if ((rc = part_headers(p, &h, vals.p)) == RV_OK &&
	    p->cb->part != NULL && (rc = p->cb->part(p->arg, &h)) != RV_OK)
		fail(p, rc, "stopped by the handler");
	buf_free(&vals);
	if (rc == RV_OK) {
		p->state = MP_BODY;
		p->match = 0;
	}
	return rc;
}

static int
emit(struct mp_parser *p, const char *s, size_t n)
{
	int	 rc;

	if (n == 0 || p->cb->data == NULL)
		return RV_OK;
	if ((rc = p->cb->data(p->arg, s, n)) != RV_OK)
		return fail(p, rc, "stopped by the handler");
	return RV_OK;
}

/*
 * Body bytes (or the preamble's, dropped): pass on data up to a
 * delimiter.  Returns bytes used; the state says what came.
 */
static size_t
scan(struct mp_parser *p, const char *s, size_t n, int body)
{
	const char	*cr;
	size_t		 i = 0, span;

	while (i < n && p->state != MP_ERROR) {
		if (p->match == 0) {
			cr = memchr(s + i, '\r', n - i);
			span = cr != NULL ? (size_t)(cr - (s + i)) : n - i;
			if (body)
				emit(p, s + i, span);
			if ((i += span) == n)
				break;
		}
		if (s[i] == p->delim[p->match]) {
			i++;
			if (++p->match < p->dlen)
				continue;
			p->match = 0;
			p->state = MP_AFTER;
			if (body && p->cb->end != NULL &&
			    (p->err = p->cb->end(p->arg)) != RV_OK)
				fail(p, p->err, "stopped by the handler");
			break;
		}
		/* What matched was data: the current byte is looked at again. */
		if (body)
			emit(p, p->delim, p->match);
		p->match = 0;
	}
	return i;
}

static int
step(struct mp_parser *p, char c)
{

	switch (p->state) {
	case MP_AFTER:
		p->state = c == '-' ? MP_AFTER_DASH : c == '\r' ? MP_AFTER_CR :
		    c == ' ' || c == '\t' ? MP_AFTER_WS : MP_ERROR;
		break;
	case MP_AFTER_DASH:
		p->state = c == '-' ? MP_EPILOGUE : MP_ERROR;
		break;
	case MP_AFTER_WS:
		p->state = c == ' ' || c == '\t' ? MP_AFTER_WS : c == '\r' ?
		    MP_AFTER_CR : MP_ERROR;
		break;
	case MP_AFTER_CR:
		if (c != '\n') {
			p->state = MP_ERROR;
			break;
		}
		if (p->max_parts != 0 && p->parts >= p->max_parts)
			return fail(p, RV_ETOOBIG, "too many parts");
		p->parts++;
		p->head.len = 0;
		p->state = MP_HEADERS;
		break;
	default:	/* MP_HEADERS */
		if (buf_putc(&p->head, c) != RV_OK)
			return fail(p, p->head.err == RV_ETOOBIG ? RV_ETOOBIG :
			    RV_ENOMEM, "part headers over the limit");
		if (p->head.len == 2 && memcmp(p->head.p, "\r\n", 2) == 0)
			return fail(p, RV_EINVAL, "a part without headers");
		if (p->head.len >= 4 && memcmp(p->head.p + p->head.len - 4,
		    "\r\n\r\n", 4) == 0)
			return head_done(p);
		break;
	}
	if (p->state == MP_ERROR && p->err == RV_OK)
		return fail(p, RV_EINVAL, "a malformed delimiter line");
	return RV_OK;
}

int
mp_feed(struct mp_parser *p, const char *s, size_t n)
{
	size_t	 i = 0;

	while (i < n && p->state != MP_ERROR) {
		switch (p->state) {
		case MP_PREAMBLE:
		case MP_BODY:
			i += scan(p, s + i, n - i, p->state == MP_BODY);
			break;
		case MP_EPILOGUE:
			return RV_OK;	/* ignored, as RFC 2046 says */
		default:
			(void)step(p, s[i++]);
			break;
		}
	}
	return p->state == MP_ERROR ? p->err : RV_OK;
}

int
mp_finish(struct mp_parser *p)
{

	if (p->state == MP_ERROR)
		return p->err;
	if (p->state != MP_EPILOGUE)
		return fail(p, RV_EINVAL, p->state == MP_PREAMBLE ?
		    "no multipart delimiter in the body" :
		    "the body ends inside a part (no closing delimiter)");
	return RV_OK;
}

/*
 * The filename of a Content-Disposition value of any type ("attachment;
 * filename=..."), filename* (RFC 5987, UTF-8) over filename: 0, or -1
 * if there is none or the header is malformed.
 */
int
cd_filename(const char *v, char *out, size_t outlen)
{
	char		 name[32], *val;
	const char	*enc;
	size_t		 n = strlen(v) + 1, dl;
	int		 r, star = 0, found = 0;

	if ((val = malloc(n)) == NULL)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	while (*v != '\0' && *v != ';' && *v != ' ' && *v != '\t')
		v++;		/* the type */
	while ((r = next_param(&v, name, sizeof(name), val, n)) == 1) {
		if (strcmp(name, "filename*") == 0 &&
		    strncasecmp(val, "utf-8'", 6) == 0 &&
		    (enc = strchr(val + 6, '\'')) != NULL) {
			enc++;
			if (strlen(enc) >= outlen || pct_decode(out, enc,
			    strlen(enc), 0, &dl) != 0 || !utf8_valid(out, dl))
				break;
			star = found = 1;
		} else if (strcmp(name, "filename") == 0 && !star &&
		    strlen(val) < outlen) {
			strcpy(out, val);
			found = 1;
		}
	}
	free(val);
	return r == 0 && found ? 0 : -1;
}
