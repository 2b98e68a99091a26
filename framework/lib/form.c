/*
 * form.c: the parsers tied to a request: cookies, urlencoded and
 * multipart/form-data bodies, JSON and MessagePack bodies.  Each reads
 * the body through rv_body_read() under its own limits, and a bad body
 * marks the request bad (400, or 413 over a limit) so that rv_open()
 * answers with a problem saying what was wrong.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <msgpack.h>

#include "internal.h"
#include "input.h"

#define FORM_MAX_FIELDS	10000
#define COOKIE_MAX	256
#define MP_READ		(64 * 1024)
#define DEF_MAX_PARTS	64
#define DEF_MAX_FIELD	(64 * 1024)

static const char *
kv_find(const struct rv_kv *kv, size_t n, const char *key, const char *def)
{
	size_t	 i;

	for (i = 0; key != NULL && i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].val;
	return def;
}

const char *
rv_cookie(struct rv_req *rq, const char *name, const char *def)
{
	struct rv_input	*in = req_input(rq);
	const char	*h;

	if (in == NULL)
		return def;
	if (!in->cookies_parsed) {
		in->cookies_parsed = 1;
		/* Beyond COOKIE_MAX pairs the rest are not looked at. */
		if ((h = rv_env(rq, "HTTP_COOKIE")) != NULL &&
		    cookie_parse(&rq->arena, h, COOKIE_MAX, &in->cookies,
		    &in->ncookies) == RV_ENOMEM)
			req_mark_bad(rq, 503, "out of memory reading cookies");
	}
	return kv_find(in->cookies, in->ncookies, name, def);
}

/* The media type of Content-Type is t (parameters aside)? */
static int
ctype_is(const struct rv_req *rq, const char *t)
{
	const char	*c = rv_env(rq, "CONTENT_TYPE");
	size_t		 n = strlen(t);

	if (c == NULL)
		return 0;
	while (*c == ' ' || *c == '\t')
		c++;
	return strncasecmp(c, t, n) == 0 && (c[n] == '\0' || c[n] == ';' ||
	    c[n] == ' ' || c[n] == '\t');
}

/* An error of a body parser: the request's answer, and the return. */
static int
body_bad(struct rv_req *rq, int err, const char *what, const char *why)
{

	if (err == RV_ETOOBIG)
		req_mark_bad(rq, 413, "the %s is over its size limit", what);
	else if (err == RV_EINVAL)
		req_mark_bad(rq, 400, "malformed %s: %s", what, why);
	else if (err == RV_ENOMEM)
		req_mark_bad(rq, 503, "out of memory reading the %s", what);
	else if (err == RV_EIO)
		req_mark_bad(rq, 408, "the %s did not arrive", what);
	return err;
}

static void
parse_form(struct rv_req *rq, struct rv_input *in)
{
	const void	*b;
	size_t		 n;
	int		 rc;

	in->form_parsed = 1;
	if (!ctype_is(rq, "application/x-www-form-urlencoded"))
		return;
	if ((rc = rv_body_load(rq, RV_FORM_MAX, &b, &n)) != RV_OK) {
		body_bad(rq, rc, "form body", "unreadable");
		return;
	}
	rc = urlenc_parse(&rq->arena, b, n, FORM_MAX_FIELDS, &in->form,
	    &in->nform);
	in->capform = in->nform;
	if (rc != RV_OK)
		body_bad(rq, rc, "form body", "an invalid percent-escape, "
		    "or not UTF-8");
}

const char *
rv_form(struct rv_req *rq, const char *name, const char *def)
{
	struct rv_input	*in = req_input(rq);

	if (in == NULL)
		return def;
	if (!in->form_parsed)
		parse_form(rq, in);
	return kv_find(in->form, in->nform, name, def);
}

size_t
rv_form_values(struct rv_req *rq, const char *name, const char **vals,
    size_t max)
{
	struct rv_input	*in = req_input(rq);

	if (in == NULL)
		return 0;
	if (!in->form_parsed)
		parse_form(rq, in);
	return kv_values(in->form, in->nform, name, vals, max);
}

/* ------------------------------------------------------------------ */
/* multipart/form-data                                                  */

struct mpctx {
	struct rv_req			*rq;
	struct rv_input			*in;
	const struct rv_multipart_cb	*cb;
	void				*arg;
	struct rv_multipart_limits	 lim;
	struct rv_part			 part;
	size_t				 nparts;
	int				 fd;	/* temp file of a file part */
	struct rv_buf			 field;	/* a text part */
	const char			*why;
};

static int
form_add(struct rv_req *rq, struct rv_input *in, const char *k,
    const char *v, size_t vn)
{
	struct rv_kv	*q;

	if (in->nform == in->capform) {
		in->capform = in->capform == 0 ? 8 : in->capform * 2;
		if ((q = arena_alloc(&rq->arena, in->capform * sizeof(*q))) ==
		    NULL)
			return RV_ENOMEM;
		if (in->nform > 0)
			memcpy(q, in->form, in->nform * sizeof(*q));
		in->form = q;
	}
	in->form[in->nform].key = k;
	if ((in->form[in->nform].val = arena_strndup(&rq->arena, v, vn)) ==
	    NULL)
		return RV_ENOMEM;
	in->nform++;
	return RV_OK;
}

/* A temp file for a file part, removed with the request. */
static int
tmp_open(struct mpctx *m)
{
	const char		*dir = rv_setting(m->rq, "upload_dir", NULL);
	struct tmpfile_ent	*t;
	char			*path;
	size_t			 n;

	if (dir == NULL && (dir = getenv("TMPDIR")) == NULL)
		dir = "/tmp";
	n = strlen(dir) + 32;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (path = malloc(n)) == NULL) {
		free(t);
		return RV_ENOMEM;
	}
	snprintf(path, n, "%s/rivulet-part-XXXXXX", dir);
	if ((m->fd = mkostemp(path, O_CLOEXEC)) < 0) {
		rv_log(m->rq, RV_LOG_ERROR, "upload: %s: %s", path,
		    strerror(errno));
		free(path);
		free(t);
		return RV_EIO;
	}
	t->path = path;
	t->next = m->in->tmps;
	m->in->tmps = t;
	m->part.path = path;
	return RV_OK;
}

static int
mp_part(void *arg, const struct mp_head *h)
{
	struct mpctx	*m = arg;
	struct rv_arena	*a = &m->rq->arena;
	int		 rc;

	memset(&m->part, 0, sizeof(m->part));
	m->part.index = m->nparts++;
	if ((m->part.name = arena_strndup(a, h->name, strlen(h->name))) ==
	    NULL || (h->filename != NULL && (m->part.filename =
	    arena_strndup(a, h->filename, strlen(h->filename))) == NULL) ||
	    (h->ctype != NULL && (m->part.content_type = arena_strndup(a,
	    h->ctype, strlen(h->ctype))) == NULL))
		return RV_ENOMEM;
	m->field.len = 0;
	m->field.err = RV_OK;
	if (m->part.filename != NULL && (m->cb == NULL ||
	    m->cb->on_data == NULL) && (rc = tmp_open(m)) != RV_OK)
		return rc;
	if (m->cb != NULL && m->cb->on_part != NULL)
		return m->cb->on_part(m->arg, &m->part);
	return RV_OK;
}

static int
write_all(int fd, const char *s, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return RV_EIO;
		}
		s += w;
		n -= (size_t)w;
	}
	return RV_OK;
}

static int
mp_data(void *arg, const char *s, size_t n)
{
	struct mpctx	*m = arg;

	if (m->part.filename == NULL) {
		if (n > m->lim.max_field - m->field.len)
			return RV_ETOOBIG;
		return buf_add(&m->field, s, n);
	}
	if (m->lim.max_file != 0 && n > m->lim.max_file - m->part.size)
		return RV_ETOOBIG;
	m->part.size += n;
	if (m->cb != NULL && m->cb->on_data != NULL)
		return m->cb->on_data(m->arg, &m->part, s, n);
	if (write_all(m->fd, s, n) != RV_OK) {
		rv_log(m->rq, RV_LOG_ERROR, "upload: %s: %s", m->part.path,
		    strerror(errno));
		return RV_EIO;
	}
	return RV_OK;
}

static int
mp_end(void *arg)
{
	struct mpctx	*m = arg;

	if (m->fd >= 0) {
		if (close(m->fd) != 0) {
			m->fd = -1;
			return RV_EIO;
		}
		m->fd = -1;
	}
	if (m->part.filename == NULL) {
		m->part.size = m->field.len;
		if ((m->field.len > 0 && memchr(m->field.p, '\0',
		    m->field.len) != NULL) || !utf8_valid(m->field.p != NULL ?
		    m->field.p : "", m->field.len)) {
			m->why = "a text field is not UTF-8 or holds a NUL";
			return RV_EINVAL;
		}
		if (form_add(m->rq, m->in, m->part.name, m->field.p != NULL ?
		    m->field.p : "", m->field.len) != RV_OK)
			return RV_ENOMEM;
	}
	if (m->cb != NULL && m->cb->on_end != NULL)
		return m->cb->on_end(m->arg, &m->part);
	return RV_OK;
}

static const struct mp_cb mp_callbacks = { mp_part, mp_data, mp_end };

/* Read the body into the parser until it ends or fails. */
static int
mp_pump(struct rv_req *rq, struct mp_parser *p)
{
	char	*buf;
	size_t	 got;
	int	 rc;

	if ((buf = malloc(MP_READ)) == NULL)
		return RV_ENOMEM;
	do {
		if ((rc = rv_body_read(rq, buf, MP_READ, &got)) != RV_OK)
			break;
		rc = got > 0 ? mp_feed(p, buf, got) : mp_finish(p);
	} while (rc == RV_OK && got > 0);
	free(buf);
	return rc;
}

int
rv_multipart(struct rv_req *rq, const struct rv_multipart_cb *cb, void *arg,
    const struct rv_multipart_limits *lim)
{
	struct mpctx		 m;
	struct mp_parser	 p;
	char			 boundary[MP_MAX_BOUNDARY + 1];
	int			 rc;

	memset(&m, 0, sizeof(m));
	m.rq = rq;
	m.cb = cb;
	m.arg = arg;
	m.fd = -1;
	if (lim != NULL)
		m.lim = *lim;
	if (m.lim.max_parts == 0)
		m.lim.max_parts = DEF_MAX_PARTS;
	if (m.lim.max_field == 0)
		m.lim.max_field = DEF_MAX_FIELD;
	if ((m.in = req_input(rq)) == NULL)
		return RV_ENOMEM;
	/* Its text fields are the form: rv_form() reads no body then. */
	m.in->form_parsed = 1;
	if (mp_boundary(rv_env(rq, "CONTENT_TYPE"), boundary,
	    sizeof(boundary)) != 0)
		return body_bad(rq, RV_EINVAL, "multipart body", "the "
		    "Content-Type is not multipart/form-data with a valid "
		    "boundary");
	if (mp_init(&p, boundary, m.lim.max_header, m.lim.max_parts,
	    &mp_callbacks, &m) != RV_OK)
		return body_bad(rq, RV_EINVAL, "multipart body", "bad boundary");
	rc = mp_pump(rq, &p);
	if (m.fd >= 0)
		close(m.fd);
	if (rc != RV_OK)
		body_bad(rq, rc, "multipart body", m.why != NULL ? m.why :
		    p.why != NULL ? p.why : "unreadable");
	mp_free(&p);
	buf_free(&m.field);
	return rc;
}

/* ------------------------------------------------------------------ */
/* JSON and MessagePack bodies                                          */

int
rv_body_json(struct rv_req *rq, size_t max, unsigned depth, json_t **out)
{
	struct rv_input	*in = req_input(rq);
	json_error_t	 e;
	const void	*b;
	size_t		 n;
	int		 rc;

	*out = NULL;
	if (in == NULL)
		return RV_ENOMEM;
	if (depth == 0)
		depth = RV_MAX_DEPTH;
	if ((rc = rv_body_load(rq, max, &b, &n)) != RV_OK)
		return body_bad(rq, rc, "JSON body", "unreadable");
	if (json_depth_ok(b, n, depth) != 0) {
		req_mark_bad(rq, 400, "the JSON body is nested deeper than "
		    "%u levels", depth);
		return RV_ETOOBIG;
	}
	json_decref(in->json);
	if ((in->json = json_loadb(b, n, 0, &e)) == NULL) {
		req_mark_bad(rq, 400, "malformed JSON body: %s (at byte %d)",
		    e.text, e.position);
		return RV_EINVAL;
	}
	*out = in->json;
	return RV_OK;
}

int
rv_body_msgpack(struct rv_req *rq, size_t max, unsigned depth,
    const struct msgpack_object **out)
{
	struct rv_input		*in = req_input(rq);
	msgpack_unpacked	*u;
	const void		*b;
	size_t			 n, off = 0;
	int			 rc;

	*out = NULL;
	if (in == NULL)
		return RV_ENOMEM;
	if (depth == 0)
		depth = RV_MAX_DEPTH;
	if ((rc = rv_body_load(rq, max, &b, &n)) != RV_OK)
		return body_bad(rq, rc, "MessagePack body", "unreadable");
	if (msgpack_check(b, n, depth) != 0)
		return body_bad(rq, RV_EINVAL, "MessagePack body", "not one "
		    "whole value, or nested too deep");
	if (in->mp_obj == NULL) {
		if ((u = malloc(sizeof(*u))) == NULL)
			return RV_ENOMEM;
		msgpack_unpacked_init(u);
		in->mp_obj = u;
	}
	u = in->mp_obj;
	if (msgpack_unpack_next(u, b, n, &off) != MSGPACK_UNPACK_SUCCESS)
		return body_bad(rq, RV_EINVAL, "MessagePack body",
		    "unpacking failed");
	*out = &u->data;
	return RV_OK;
}

/* ------------------------------------------------------------------ */
/* File names from clients                                              */

int
rv_filename_safe(const char *name, char *out, size_t len)
{
	const char	*p, *base = name != NULL ? name : "";
	size_t		 o = 0;

	if (out == NULL || len < 8)
		return RV_EINVAL;
	for (p = base; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	while (*base == '.')
		base++;
	for (p = base; *p != '\0' && o + 1 < len; p++)
		out[o++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
		    *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		    *p == '-' || *p == '_' ? *p : '_';
	out[o] = '\0';
	if (o == 0)
		strcpy(out, "upload");
	return RV_OK;
}

const char *
rv_upload_name(struct rv_req *rq)
{
	const char	*cd = rv_env(rq, "HTTP_CONTENT_DISPOSITION");
	char		 raw[1024], *safe;

	if (cd == NULL || cd_filename(cd, raw, sizeof(raw)) != 0 ||
	    (safe = arena_alloc(&rq->arena, 256)) == NULL)
		return NULL;
	rv_filename_safe(raw, safe, 256);
	return safe;
}
