/*
 * stream.c: the response.  Status and headers wait until the first
 * flush; items are flushed as they are completed (or coalesced in
 * bulk mode); waits send heartbeats and notice a client that left.
 */
#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "channel.h"
#include "input.h"

static struct rv_req *
stream_req(struct rv_stream *s)
{

	return (struct rv_req *)((char *)s - offsetof(struct rv_req, stream));
}

static int	 flush(struct rv_stream *, int);
static void	 stream_done(struct rv_stream *);

static void
now(struct timespec *ts)
{

	clock_gettime(CLOCK_MONOTONIC, ts);
}

static unsigned long
ms_since(const struct timespec *t0)
{
	struct timespec	 t;

	now(&t);
	return (unsigned long)((t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000);
}

void
stream_fail(struct rv_stream *s, int err)
{

	if (s->err == RV_OK)
		s->err = err;
	if (err == RV_EGONE && !s->gone_counted) {
		s->gone_counted = 1;
		atomic_fetch_add(&s->rq->srv->n_gone, 1);
	}
}

/*
 * A wait that returns RV_ESHUTDOWN does not break the stream: the handler
 * is asked to stop, and rv_close() still ends the framing properly, with
 * a reconnect hint for SSE, so that clients come back to a new server.
 */
static void
wait_failed(struct rv_stream *s, int err)
{

	if (err == RV_ESHUTDOWN)
		s->stopping = 1;
	else
		stream_fail(s, err);
}

/* Answer 406: the offer, in media types, goes in the detail. */
static void
refuse_406(struct rv_stream *s, const char *offer)
{
	struct rv_buf			 d = { 0 };
	const struct rv_encoder		*e;
	const char			*p, *q;

	buf_puts(&d, "this resource is available as:");
	for (p = offer; *p != '\0'; p = q) {
		while (*p == ' ')
			p++;
		for (q = p; *q != '\0' && *q != ' '; q++)
			continue;
		if (q > p && (e = encoder_by_name(s->rq->srv, p,
		    (size_t)(q - p))) != NULL)
			buf_printf(&d, " %s", e->media_type);
	}
	req_problem(s->rq, 406, "Not Acceptable",
	    d.err ? "no acceptable representation" : d.p, NULL);
	buf_free(&d);
}

struct rv_stream *
rv_open(struct rv_req *rq, const char *offer)
{
	struct rv_stream	*s = &rq->stream;
	const char		*fmt;

	if (s->state != SS_NONE)
		return s;
	fmt = rv_query(rq, "format", NULL);
	return stream_open(rq, offer, fmt);
}

/* rv_open(), with the ?format= override given (status.c: none). */
struct rv_stream *
stream_open(struct rv_req *rq, const char *offer, const char *fmt)
{
	struct rv_stream	*s = &rq->stream;

	if (s->state != SS_NONE)
		return s;
	s->rq = rq;
	s->state = SS_OPEN;
	s->status = 200;
	s->heartbeat_ms = rq->srv->lim.heartbeat_ms;
	s->max_item = rq->srv->lim.max_item;
	now(&s->last_write);
	s->idle_since = s->last_write;
	if (rq->bad_status != 0) {
		/* Validation errors (validate.c) go with it, one a field. */
		req_problem_ext(rq, rq->bad_status, http_reason(rq->bad_status),
		    rq->bad, NULL, rq->input != NULL &&
		    rq->input->errors.len > 0 ? rq->input->errors.p : NULL);
		s->state = SS_CLOSED;
		return s;
	}
	s->enc = negotiate(rq->srv, offer == NULL ? "" : offer, fmt,
	    rv_req_header(rq, "Accept"));
	if (s->enc == NULL) {
		refuse_406(s, offer == NULL ? "" : offer);
		s->state = SS_CLOSED;
		return s;
	}
	s->ectx.s = s;
	s->ectx.out = &s->out;
	if (s->enc->state_size > 0 &&
	    (s->ectx.state = calloc(1, s->enc->state_size)) == NULL) {
		req_problem(rq, 503, "Service Unavailable", "out of memory",
		    "Retry-After: 1\r\n");
		s->enc = NULL;
		s->state = SS_CLOSED;
	}
	return s;
}

const char *
rv_format(const struct rv_stream *s)
{

	return s->enc == NULL ? NULL : s->enc->name;
}

struct rv_req *
rv_request(const struct rv_stream *s)
{

	return s->rq;
}

int
rv_status(struct rv_stream *s, int code)
{

	if (s->state != SS_OPEN)
		return s->state == SS_CLOSED ? RV_ECLOSED : RV_ESTATE;
	if (code < 200 || code > 599)
		return RV_EINVAL;
	s->status = code;
	return RV_OK;
}

static int
header_name_ok(const char *p)
{

	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("!#$%&'*+-.^_`|~",
		    *p) == NULL)
			return 0;
	return 1;
}

int
rv_header(struct rv_stream *s, const char *name, const char *value)
{
	const char	*p;

	if (s->state != SS_OPEN)
		return s->state == SS_CLOSED ? RV_ECLOSED : RV_ESTATE;
	if (name == NULL || value == NULL || !header_name_ok(name) ||
	    strcasecmp(name, "Status") == 0)
		return RV_EINVAL;
	/* CR, LF or NUL would let a value start a header of its own. */
	for (p = value; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			return RV_EINVAL;
	if (strcasecmp(name, "Content-Type") == 0)
		s->own_ctype = 1;
	else if (strcasecmp(name, "Cache-Control") == 0)
		s->own_cache = 1;
	buf_printf(&s->head, "%s: %s\r\n", name, value);
	return s->head.err;
}

int
rv_envelope(struct rv_stream *s, const char *name)
{
	int	 rc;

	if ((rc = w_usable(s)) != RV_OK)
		return rc;
	if (s->began || name == NULL)
		return s->began ? RV_ESTATE : RV_EINVAL;
	if (!utf8_valid(name, strlen(name)))
		return RV_EUTF8;
	if ((s->envelope = arena_strndup(&s->rq->arena, name,
	    strlen(name))) == NULL)
		return RV_ENOMEM;
	return RV_OK;
}

int
rv_columns(struct rv_stream *s, size_t n, const char *const *names)
{
	size_t	 i;
	int	 rc;

	if ((rc = w_usable(s)) != RV_OK)
		return rc;
	if (s->began || s->columns != NULL)
		return RV_ESTATE;
	if (n == 0 || names == NULL)
		return RV_EINVAL;
	s->columns = arena_alloc(&s->rq->arena, n * sizeof(char *));
	if (s->columns == NULL)
		return RV_ENOMEM;
	for (i = 0; i < n; i++) {
		if (names[i] == NULL ||
		    !utf8_valid(names[i], strlen(names[i])))
			return RV_EINVAL;
		if ((s->columns[i] = arena_strndup(&s->rq->arena, names[i],
		    strlen(names[i]))) == NULL)
			return RV_ENOMEM;
	}
	s->ncolumns = n;
	return RV_OK;
}

/* The CGI response head: status, type, defaults, the handler's own. */
static int
build_head(struct rv_stream *s, struct rv_buf *h)
{

	buf_printf(h, "Status: %d %s\r\n", s->status, http_reason(s->status));
	if (!s->own_ctype && s->enc != NULL) {
		if (s->enc->charset != NULL)
			buf_printf(h, "Content-Type: %s; charset=%s\r\n",
			    s->enc->media_type, s->enc->charset);
		else
			buf_printf(h, "Content-Type: %s\r\n",
			    s->enc->media_type);
	}
	/* Streams must not be cached or buffered by proxies (nginx). */
	if (!s->own_cache)
		buf_puts(h, "Cache-Control: no-cache\r\n");
	buf_puts(h, "X-Accel-Buffering: no\r\n");
	buf_add(h, s->head.p, s->head.len);
	buf_puts(h, "\r\n");
	return h->err;
}

int
stream_send_head(struct rv_stream *s)
{

	return flush(s, 0);
}

/* Head (if not sent yet) and whole items; last: the response ends. */
static int
flush(struct rv_stream *s, int last)
{
	struct rv_buf	 h = { 0 };
	struct iovec	 iov[2];
	int		 n = 0, rc;
	size_t		 body;

	if (s->err != RV_OK)
		return s->err;
	if (s->state == SS_NONE || s->enc == NULL)
		return s->state == SS_NONE ? RV_ESTATE : RV_ECLOSED;
	/* Only whole items leave: an open item stays in the buffer. */
	body = s->in_item ? s->item_mark : s->out.len;
	if (s->state == SS_OPEN) {
		if ((rc = build_head(s, &h)) != RV_OK) {
			buf_free(&h);
			return rc;
		}
		iov[n].iov_base = h.p;
		iov[n++].iov_len = h.len;
	}
	if (body > 0 && !s->rq->head_only) {
		iov[n].iov_base = s->out.p;
		iov[n++].iov_len = body;
	}
	/* HEAD: the head is the whole response; later sends are refused. */
	if (s->rq->head_only)
		last = 1;
	if (n > 0 || last)
		rc = s->rq->sink->write(s->rq->sink, iov, n, last);
	else
		rc = RV_OK;
	buf_free(&h);
	if (rc != RV_OK) {
		stream_fail(s, rc);
		return rc;
	}
	if (s->state == SS_OPEN) {
		s->state = SS_SENT;
		now(&s->head_at);	/* time to first byte: status.c */
	}
	s->bytes += body;
	if (body > 0) {
		memmove(s->out.p, s->out.p + body, s->out.len - body);
		s->out.len -= body;
	}
	s->item_mark -= s->in_item ? body : 0;
	now(&s->last_write);
	if (s->rq->head_only)
		stream_done(s);
	return RV_OK;
}

int
rv_flush(struct rv_stream *s)
{

	return flush(s, 0);
}

int
rv_bulk(struct rv_stream *s, int on)
{

	s->bulk = on != 0;
	return on || s->state == SS_NONE || s->enc == NULL ? RV_OK :
	    rv_flush(s);
}

int
rv_heartbeat(struct rv_stream *s, unsigned long ms)
{

	s->heartbeat_ms = ms;
	return RV_OK;
}

int
rv_alive(struct rv_stream *s)
{
	int	 rc;

	if (s->err != RV_OK)
		return s->err;
	if ((rc = s->rq->sink->wait(s->rq->sink, 0)) != RV_OK)
		wait_failed(s, rc);
	return rc;
}

/*
 * Items are not timed as they go (that costs a clock read each): a
 * look that finds the count moved restarts the idle clock, so it runs
 * from the first look after the last item; waits look at every slice.
 */
unsigned long
stream_idle_left(struct rv_stream *s)
{
	unsigned long	 lim = s->rq->srv->lim.stream_idle_ms, idle;

	if (lim == 0 || s->enc == NULL || s->state == SS_CLOSED)
		return ULONG_MAX;
	if (s->items != s->idle_items) {
		s->idle_items = s->items;
		now(&s->idle_since);
		return lim;
	}
	if ((idle = ms_since(&s->idle_since)) < lim)
		return lim - idle;
	s->stopping = 1;	/* ends with a retry hint, as at a stop */
	s->idle_ended = 1;
	return 0;
}

int
rv_sleep(struct rv_stream *s, unsigned long ms)
{
	unsigned long	 left = ms, idle, slice;
	int		 rc;

	if (s->rq == NULL)
		return RV_ESTATE;
	if (s->err != RV_OK)
		return s->err;
	if (s->enc != NULL && s->state != SS_CLOSED &&
	    (s->out.len > 0 || s->state == SS_SENT) &&
	    (rc = rv_flush(s)) != RV_OK)
		return rc;
	do {
		slice = left;
		if (s->heartbeat_ms > 0 && s->enc != NULL) {
			idle = ms_since(&s->last_write);
			slice = idle >= s->heartbeat_ms ? 0 :
			    s->heartbeat_ms - idle;
			if (slice > left)
				slice = left;
		}
		if ((idle = stream_idle_left(s)) == 0)
			return RV_ESHUTDOWN;
		if (idle < slice)
			slice = idle;
		if ((rc = s->rq->sink->wait(s->rq->sink, slice)) != RV_OK) {
			wait_failed(s, rc);
			return rc;
		}
		left -= slice;
		if (stream_idle_left(s) == 0)
			return RV_ESHUTDOWN;
		if (s->heartbeat_ms > 0 && s->enc != NULL &&
		    s->state != SS_CLOSED &&
		    ms_since(&s->last_write) >= s->heartbeat_ms) {
			if ((rc = rv_comment(s, "")) != RV_OK)
				return rc;
			if ((rc = rv_flush(s)) != RV_OK)
				return rc;
		}
	} while (left > 0);
	return RV_OK;
}

int
rv_on_done(struct rv_stream *s, void (*cb)(struct rv_stream *, enum rv_err,
    void *), void *arg)
{

	s->done_cb = cb;
	s->done_arg = arg;
	return RV_OK;
}

const char *
rv_fmt(struct rv_stream *s, const char *fmt, ...)
{
	va_list		 ap;
	char		*p;

	va_start(ap, fmt);
	p = arena_vprintf(&s->scratch, fmt, ap);
	va_end(ap);
	return p;
}

static void
stream_done(struct rv_stream *s)
{

	s->state = SS_CLOSED;
	if (s->done_cb != NULL) {
		s->done_cb(s, s->err, s->done_arg);
		s->done_cb = NULL;
	}
}

int
rv_close(struct rv_stream *s)
{
	int	 rc = RV_OK;

	if (s->state == SS_NONE)
		return RV_ESTATE;
	if (s->state == SS_CLOSED)
		return s->err;
	if (s->in_item)
		rc = w_item_abort(s, RV_ESTATE);
	if (s->err == RV_OK && s->stopping && s->ev_retry == 0)
		s->ev_retry = SHUTDOWN_RETRY_MS;
	if (s->err == RV_OK && s->ev_retry != 0)
		w_simple_item(s, RV_ITEM_RETRY, RV_TOK_TEXT, NULL, 0);
	if (s->err != RV_OK)
		s->rq->sink->finish(s->rq->sink, 1);
	else {
		if (!s->began && s->enc->begin != NULL &&
		    s->enc->begin(&s->ectx) != RV_OK)
			s->out.len = 0;
		s->began = 1;
		if (s->enc->end != NULL)
			s->enc->end(&s->ectx);
		if (flush(s, 1) != RV_OK)
			s->rq->sink->finish(s->rq->sink, 1);
	}
	stream_done(s);
	return s->err != RV_OK ? s->err : rc;
}

static int
error_item(struct rv_stream *s, int status, const char *title,
    const char *detail)
{
	struct rv_token	 t;
	int		 rc;

	if ((rc = w_item_begin(s, RV_ITEM_ERROR)) != RV_OK)
		return rc;
	rv_map_open(s);
	rv_kstr(s, "type", "about:blank");
	rv_kstr(s, "title", title);
	rv_kint(s, "status", status);
	if (detail != NULL)
		rv_kstr(s, "detail", detail);
	memset(&t, 0, sizeof(t));
	t.type = RV_TOK_MAP_CLOSE;
	return w_token(s, &t);
}

/* The problem+json body before the first byte, or an error item after. */
int
rv_error(struct rv_stream *s, int status, const char *title,
    const char *detailfmt, ...)
{
	struct rv_buf	 d = { 0 };
	va_list		 ap;
	int		 rc;

	if (s->state == SS_NONE)
		return RV_ESTATE;
	if (s->state == SS_CLOSED)
		return RV_ECLOSED;
	if (status < 400 || status > 599)
		status = 500;
	if (title == NULL)
		title = http_reason(status);
	if (detailfmt != NULL) {
		va_start(ap, detailfmt);
		buf_vprintf(&d, detailfmt, ap);
		va_end(ap);
	}
	if (s->in_item)
		w_item_abort(s, RV_OK);
	if (s->state == SS_OPEN && s->err == RV_OK) {
		/* Nothing reached the wire: a real status. */
		rc = req_problem(s->rq, status, title,
		    d.err || d.p == NULL ? NULL : d.p, NULL);
		s->out.len = 0;
		s->state = SS_CLOSED;
		buf_free(&d);
		stream_done(s);
		return rc;
	}
	rc = s->err;
	if (rc == RV_OK) {
		rc = error_item(s, status, title, d.err ? NULL : d.p);
		if (rc == RV_ETYPE || rc == RV_EUTF8) {
			/* The framing cannot say it: cut the response. */
			s->rq->sink->finish(s->rq->sink, 1);
			stream_fail(s, RV_ECLOSED);
			buf_free(&d);
			stream_done(s);
			return RV_OK;
		}
	}
	buf_free(&d);
	rv_close(s);
	return rc;
}

static void
reply_empty(struct rv_req *rq, int status)
{
	char		 h[64];
	struct iovec	 iov;
	int		 n;

	n = snprintf(h, sizeof(h), "Status: %d %s\r\n\r\n", status,
	    http_reason(status));
	iov.iov_base = h;
	iov.iov_len = (size_t)n;
	if (rq->sink->write(rq->sink, &iov, 1, 1) != RV_OK)
		rq->sink->finish(rq->sink, 1);
}

/* After the handler: finish the response whatever state it is in. */
void
stream_end_ret(struct rv_stream *s, int ret)
{
	struct rv_req	*rq = stream_req(s);

	if (s->sub != NULL) {
		hub_cancel(s->sub);
		s->sub = NULL;
	}
	if (s->state == SS_NONE) {
		s->rq = rq;
		s->state = SS_CLOSED;
		if (ret == RV_OK || ret == RV_EGONE || ret == RV_ESHUTDOWN)
			reply_empty(rq, 204);
		else
			req_problem(rq, 500, "Internal Server Error",
			    "the handler failed before it answered", NULL);
		return;
	}
	if (s->state != SS_CLOSED)
		rv_close(s);
	if (s->enc != NULL && s->enc->fini != NULL && s->ectx.state != NULL)
		s->enc->fini(&s->ectx);
	free(s->ectx.state);
	s->ectx.state = NULL;
	buf_free(&s->out);
	buf_free(&s->head);
	arena_reset(&s->scratch);
}

void
stream_end(struct rv_stream *s)
{

	stream_end_ret(s, RV_OK);
}
