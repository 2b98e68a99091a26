/*
 * fcgi.c: the FastCGI responder protocol on untrusted bytes: records,
 * name-value pairs, and the state of the one request a connection
 * carries.  Lengths are checked against the bytes present before
 * anything is read, and nothing is sized from a declared length: a
 * record announcing a 2 GiB param costs nothing but a refusal.
 *
 * Only the constants and layouts of <fastcgi.h> are used from libfcgi.
 */
#include <fastcgi.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "fcgi.h"

/* A body kept for the next request on a kept connection, at most. */
#define KEEP_BODY_CAP	(64 * 1024)

enum fcgi_next
fcgi_next(const unsigned char *b, size_t len, struct fcgi_rec *r,
    size_t *used)
{
	size_t	 clen, plen;

	/* The version byte alone tells garbage: say so early. */
	if (len > 0 && b[0] != FCGI_VERSION_1)
		return FCGI_BAD;
	if (len < FCGI_HDR)
		return FCGI_MORE;
	clen = (size_t)b[4] << 8 | b[5];
	plen = b[6];
	if (len - FCGI_HDR < clen + plen)
		return FCGI_MORE;
	r->type = b[1];
	r->id = (unsigned)b[2] << 8 | b[3];
	r->content = b + FCGI_HDR;
	r->len = clen;
	*used = FCGI_HDR + clen + plen;
	return FCGI_REC;
}

static int
pair_len(const unsigned char *p, size_t len, size_t *off, size_t *out)
{

	if (*off >= len)
		return -1;
	if ((p[*off] & 0x80) == 0) {
		*out = p[(*off)++];
		return 0;
	}
	if (len - *off < 4)
		return -1;
	*out = ((size_t)(p[*off] & 0x7f) << 24) | (size_t)p[*off + 1] << 16 |
	    (size_t)p[*off + 2] << 8 | p[*off + 3];
	*off += 4;
	return 0;
}

int
fcgi_pair(const unsigned char *p, size_t len, size_t *off,
    const unsigned char **k, size_t *kn, const unsigned char **v, size_t *vn)
{

	if (*off == len)
		return 0;
	if (pair_len(p, len, off, kn) != 0 || pair_len(p, len, off, vn) != 0)
		return -1;
	/* Compare with what is left, never add the declared lengths. */
	if (*kn > len - *off || *vn > len - *off - *kn)
		return -1;
	*k = p + *off;
	*v = p + *off + *kn;
	*off += *kn + *vn;
	return 1;
}

void
fcgi_header(unsigned char h[FCGI_HDR], unsigned type, unsigned id, size_t len)
{

	h[0] = FCGI_VERSION_1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = 0;
	h[7] = 0;
}

void
fcgi_end_request(unsigned char rec[16], unsigned id, unsigned pstatus)
{

	fcgi_header(rec, FCGI_END_REQUEST, id, 8);
	memset(rec + FCGI_HDR, 0, 8);
	rec[FCGI_HDR + 4] = (unsigned char)pstatus;
}

static size_t
put_pair(unsigned char *o, size_t room, const char *k, const char *v)
{
	size_t	 kn = strlen(k), vn = strlen(v);

	if (kn > 127 || vn > 127 || room < 2 + kn + vn)
		return 0;
	o[0] = (unsigned char)kn;
	o[1] = (unsigned char)vn;
	memcpy(o + 2, k, kn);
	memcpy(o + 2 + kn, v, vn);
	return 2 + kn + vn;
}

size_t
fcgi_values_result(const unsigned char *ask, size_t asklen,
    unsigned char *out, size_t outlen, unsigned maxconns)
{
	const unsigned char	*k, *v;
	size_t			 kn, vn, off = 0, n = FCGI_HDR;
	char			 num[16];

	if (outlen < FCGI_HDR)
		return 0;
	snprintf(num, sizeof(num), "%u", maxconns);
	/* Names we do not know are left out, as the spec says. */
	while (fcgi_pair(ask, asklen, &off, &k, &kn, &v, &vn) == 1) {
		if (kn == 14 && memcmp(k, FCGI_MAX_CONNS, 14) == 0)
			n += put_pair(out + n, outlen - n, FCGI_MAX_CONNS, num);
		else if (kn == 13 && memcmp(k, FCGI_MAX_REQS, 13) == 0)
			n += put_pair(out + n, outlen - n, FCGI_MAX_REQS, num);
		else if (kn == 15 && memcmp(k, FCGI_MPXS_CONNS, 15) == 0)
			n += put_pair(out + n, outlen - n, FCGI_MPXS_CONNS,
			    "0");
	}
	fcgi_header(out, FCGI_GET_VALUES_RESULT, 0, n - FCGI_HDR);
	return n;
}

int
fcgi_frame_stdout(unsigned id, const struct iovec *in, int nin, int *iv,
    size_t *off, unsigned char (*hdr)[FCGI_HDR], int nrec, struct iovec *out)
{
	size_t	 chunk;
	int	 n = 0;

	while (*iv < nin && n < nrec) {
		if (*off >= in[*iv].iov_len) {
			(*iv)++;
			*off = 0;
			continue;
		}
		chunk = in[*iv].iov_len - *off;
		if (chunk > FCGI_MAXDATA)
			chunk = FCGI_MAXDATA;
		fcgi_header(hdr[n], FCGI_STDOUT, id, chunk);
		out[2 * n].iov_base = hdr[n];
		out[2 * n].iov_len = FCGI_HDR;
		out[2 * n + 1].iov_base = (char *)in[*iv].iov_base + *off;
		out[2 * n + 1].iov_len = chunk;
		*off += chunk;
		n++;
	}
	return 2 * n;
}

/* ------------------------------------------------------------------ */
/* The request state machine                                           */

void
fcgi_init(struct fcgi_parser *p, size_t max_params, size_t max_body,
    unsigned max_conns)
{

	memset(p, 0, sizeof(*p));
	p->state = FP_IDLE;
	p->max_params = max_params;
	p->max_body = max_body;
	p->max_conns = max_conns;
	/* Checked before each add; the buffers' own limit is a backstop. */
	p->params.max = max_params;
	p->body.max = max_body;
	p->clen = -1;
}

void
fcgi_set_stream(struct fcgi_parser *p, size_t max)
{

	p->max_stream = max;
}

void
fcgi_free(struct fcgi_parser *p)
{

	buf_free(&p->params);
	buf_free(&p->body);
}

int
fcgi_param_next(const struct fcgi_parser *p, size_t *off,
    const unsigned char **k, size_t *kn, const unsigned char **v, size_t *vn)
{

	return fcgi_pair((const unsigned char *)p->params.p, p->params.len,
	    off, k, kn, v, vn);
}

/* Forget the last request's input; keep modest buffers for the next. */
static void
reset_input(struct fcgi_parser *p)
{

	p->params.len = 0;
	p->params.err = RV_OK;
	if (p->body.cap > KEEP_BODY_CAP)
		buf_free(&p->body);
	p->body.len = 0;
	p->body.err = RV_OK;
	p->reject = 0;
	p->params_over = 0;
	p->clen = -1;
	p->streamed = 0;
	p->data = NULL;
	p->datalen = 0;
}

void
fcgi_request_done(struct fcgi_parser *p)
{

	p->state = p->keep ? FP_IDLE : FP_DONE;
	reset_input(p);
}

/* Append a reply record; only memory can refuse it. */
static enum fcgi_ev
reply(struct rv_buf *out, const void *rec, size_t n)
{

	return buf_add(out, rec, n) == RV_OK ? FCGI_EV_NONE : FCGI_EV_BAD;
}

static enum fcgi_ev
management(struct fcgi_parser *p, const struct fcgi_rec *r,
    struct rv_buf *out)
{
	unsigned char	 rec[256];
	size_t		 n;

	if (r->type == FCGI_GET_VALUES) {
		n = fcgi_values_result(r->content, r->len, rec, sizeof(rec),
		    p->max_conns);
		return reply(out, rec, n);
	}
	fcgi_header(rec, FCGI_UNKNOWN_TYPE, 0, 8);
	memset(rec + FCGI_HDR, 0, 8);
	rec[FCGI_HDR] = (unsigned char)r->type;
	return reply(out, rec, 16);
}

static enum fcgi_ev
refuse_begin(unsigned id, unsigned pstatus, struct rv_buf *out)
{
	unsigned char	 rec[16];

	fcgi_end_request(rec, id, pstatus);
	return reply(out, rec, sizeof(rec));
}

static enum fcgi_ev
begin(struct fcgi_parser *p, const struct fcgi_rec *r, struct rv_buf *out)
{
	unsigned	 role;

	if (r->len < 8)
		return FCGI_EV_BAD;	/* its body is 8 bytes */
	/* An answered request of a kept connection ends with the next. */
	if (p->state == FP_DRAIN && p->keep)
		fcgi_request_done(p);
	if (p->state != FP_IDLE) {
		/*
		 * One request at a time.  The same id again is not a new
		 * request but a confused peer: answering it would end the
		 * current one in its eyes, so it is ignored.
		 */
		if (r->id == p->reqid)
			return FCGI_EV_NONE;
		return refuse_begin(r->id, FCGI_CANT_MPX_CONN, out);
	}
	role = (unsigned)r->content[0] << 8 | r->content[1];
	if (role != FCGI_RESPONDER)
		return refuse_begin(r->id, FCGI_UNKNOWN_ROLE, out);
	reset_input(p);
	p->reqid = r->id;
	p->keep = (r->content[2] & FCGI_KEEP_CONN) != 0;
	p->state = FP_PARAMS;
	return FCGI_EV_BEGIN;
}

/* Strictly decimal, no sign, no overflow: -1 if not. */
static int
parse_length(const unsigned char *s, size_t n, uint64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;

	if (n == 0 || n > 19)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * Params are complete: is the request acceptable as far as we can say,
 * and is its body buffered or streamed?  A known CONTENT_LENGTH over
 * max_body is streamed when max_stream allows it (413 beyond); an
 * unknown one (none or empty, with a Transfer-Encoding: the chunked
 * uploads of Apache and nginx) is streamed and cut at max_stream.
 * Without Transfer-Encoding a missing length is a GET's: buffered.
 */
static int
judge_params(struct fcgi_parser *p, int *stream)
{
	const unsigned char	*k, *v;
	size_t			 kn, vn, off = 0;
	uint64_t		 cl;
	int			 r, seen = 0, status = 0, te = 0;

	*stream = 0;
	if (p->params_over)
		return 431;
	while ((r = fcgi_param_next(p, &off, &k, &kn, &v, &vn)) == 1) {
		if (kn == 22 && memcmp(k, "HTTP_TRANSFER_ENCODING", 22) == 0)
			te = 1;
		/* The first of duplicates counts, as rv_env() reads it. */
		if (seen || kn != 14 || memcmp(k, "CONTENT_LENGTH", 14) != 0)
			continue;
		seen = 1;
		if (vn == 0)
			continue;	/* nginx sends it empty on a GET */
		if (parse_length(v, vn, &cl) != 0)
			status = 400;
		else if (cl > p->max_body && cl > p->max_stream)
			status = 413;
		else {
			p->clen = (int64_t)cl;
			*stream = cl > p->max_body;
		}
	}
	if (r < 0)
		return 400;
	if (status == 0 && p->clen < 0 && te && p->max_stream > p->max_body)
		*stream = 1;
	return status;
}

static enum fcgi_ev
params(struct fcgi_parser *p, const struct fcgi_rec *r)
{
	int	 stream;

	if (p->state != FP_PARAMS)
		return FCGI_EV_NONE;	/* late, or no request: dropped */
	if (r->len == 0) {
		p->reject = judge_params(p, &stream);
		p->state = p->reject != 0 ? FP_DRAIN : stream ? FP_STREAM :
		    FP_STDIN;
		return FCGI_EV_PARAMS;
	}
	if (p->params_over)
		return FCGI_EV_NONE;
	if (r->len > p->max_params - p->params.len) {
		/* Over max_params: what came stays, the rest is dropped. */
		p->params_over = 1;
		return FCGI_EV_NONE;
	}
	return buf_add(&p->params, r->content, r->len) == RV_OK ?
	    FCGI_EV_NONE : FCGI_EV_BAD;
}

/*
 * A piece of a streamed body, passed on as it is.  Over max_stream or
 * past a declared CONTENT_LENGTH: 413, and the rest is dropped.
 */
static enum fcgi_ev
stream_rec(struct fcgi_parser *p, const struct fcgi_rec *r)
{
	uint64_t	 lim = p->clen >= 0 ? (uint64_t)p->clen : p->max_stream;

	if (r->len == 0) {
		p->state = FP_RUNNING;
		/* Shorter than declared: the front server gave up. */
		if (p->clen >= 0 && p->streamed != (uint64_t)p->clen)
			p->reject = 400;
		return FCGI_EV_STDIN;
	}
	if (r->len > lim - p->streamed) {
		p->reject = p->clen >= 0 ? 400 : 413;
		p->state = FP_DRAIN;
		return FCGI_EV_STDIN;
	}
	p->streamed += r->len;
	p->data = r->content;
	p->datalen = r->len;
	return FCGI_EV_DATA;
}

static enum fcgi_ev
stdin_rec(struct fcgi_parser *p, const struct fcgi_rec *r)
{

	if (p->state == FP_DRAIN) {
		if (r->len > 0)
			return FCGI_EV_NONE;
		fcgi_request_done(p);
		return FCGI_EV_ENDED;
	}
	if (p->state == FP_STREAM)
		return stream_rec(p, r);
	if (p->state != FP_STDIN)
		return FCGI_EV_NONE;	/* before the params end: dropped */
	if (r->len == 0) {
		p->state = FP_RUNNING;
		return FCGI_EV_STDIN;
	}
	if (r->len > p->max_body - p->body.len) {
		p->reject = 413;
		p->state = FP_DRAIN;
		return FCGI_EV_STDIN;
	}
	return buf_add(&p->body, r->content, r->len) == RV_OK ?
	    FCGI_EV_NONE : FCGI_EV_BAD;
}

static enum fcgi_ev
abort_rec(struct fcgi_parser *p, struct rv_buf *out)
{
	unsigned char	 rec[16];

	switch (p->state) {
	case FP_PARAMS:
	case FP_STDIN:
		/* Nothing was sent yet: the request ends here. */
		fcgi_end_request(rec, p->reqid, FCGI_REQUEST_COMPLETE);
		fcgi_request_done(p);
		if (reply(out, rec, sizeof(rec)) != FCGI_EV_NONE)
			return FCGI_EV_BAD;
		return FCGI_EV_ABORT;
	case FP_RUNNING:
	case FP_STREAM:
		return FCGI_EV_ABORT;
	default:
		return FCGI_EV_NONE;	/* answered already */
	}
}

static enum fcgi_ev
record(struct fcgi_parser *p, const struct fcgi_rec *r, struct rv_buf *out)
{

	if (r->type == 0 || r->type > FCGI_MAXTYPE || r->id ==
	    FCGI_NULL_REQUEST_ID)
		return management(p, r, out);
	switch (r->type) {
	case FCGI_BEGIN_REQUEST:
		return begin(p, r, out);
	case FCGI_ABORT_REQUEST:
		return r->id == p->reqid ? abort_rec(p, out) : FCGI_EV_NONE;
	case FCGI_PARAMS:
		return r->id == p->reqid ? params(p, r) : FCGI_EV_NONE;
	case FCGI_STDIN:
		return r->id == p->reqid ? stdin_rec(p, r) : FCGI_EV_NONE;
	default:
		/* DATA (filters only), and types only we send: dropped. */
		return FCGI_EV_NONE;
	}
}

enum fcgi_ev
fcgi_feed(struct fcgi_parser *p, const unsigned char *buf, size_t len,
    size_t *used, struct rv_buf *out)
{
	struct fcgi_rec	 r;
	size_t		 n, off = 0;
	enum fcgi_ev	 ev = FCGI_EV_NONE;
	enum fcgi_next	 nx;

	/* Records of a finished connection are not even looked at. */
	while (ev == FCGI_EV_NONE && p->state != FP_DONE &&
	    out->len < FCGI_REPLY_MAX) {
		if ((nx = fcgi_next(buf + off, len - off, &r, &n)) ==
		    FCGI_MORE)
			break;
		if (nx == FCGI_BAD) {
			ev = FCGI_EV_BAD;
			break;
		}
		off += n;
		ev = record(p, &r, out);
	}
	if (p->state == FP_DONE && ev == FCGI_EV_NONE)
		off = len;
	*used = off;
	return ev;
}
