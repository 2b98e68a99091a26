/*
 * body.c: the request body as a stream, whichever way it came: bodies
 * up to max_body are buffered before the handler runs, bigger ones and
 * ones of unknown length are read from the front server as they arrive
 * (the sink's read: loop.c, or the test harness).  Also the request's
 * input state, and the server's options for modules.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <msgpack.h>

#include "internal.h"
#include "input.h"

struct rv_input *
req_input(struct rv_req *rq)
{

	if (rq->input == NULL)
		rq->input = calloc(1, sizeof(*rq->input));
	return rq->input;
}

void
input_free(struct rv_req *rq)
{
	struct rv_input		*in = rq->input;
	struct tmpfile_ent	*t, *next;

	if (in == NULL)
		return;
	/* Temp files a handler did not move away are removed. */
	for (t = in->tmps; t != NULL; t = next) {
		next = t->next;
		(void)unlink(t->path);
		free(t->path);
		free(t);
	}
	json_decref(in->json);
	if (in->mp_obj != NULL)
		msgpack_unpacked_destroy(in->mp_obj);
	free(in->mp_obj);
	buf_free(&in->errors);
	free(in);
	rq->input = NULL;
}

static int
body_fail(struct rv_input *in, int err)
{

	in->body_err = err;
	return err;
}

int
rv_body_read(struct rv_req *rq, void *buf, size_t len, size_t *got)
{
	struct rv_input	*in;
	size_t		 n;
	int		 rc;

	*got = 0;
	if ((in = req_input(rq)) == NULL)
		return RV_ENOMEM;
	if (in->body_err != RV_OK)
		return in->body_err;
	if (in->body_eof || len == 0)
		return RV_OK;
	if (!rq->body_streamed) {
		n = rq->body_len - (size_t)in->body_pos;
		if (n > len)
			n = len;
		if (n > 0)
			memcpy(buf, rq->body + in->body_pos, n);
		in->body_pos += n;
		in->body_eof = n == 0;
		*got = n;
		return RV_OK;
	}
	if (rq->sink->read == NULL)
		return body_fail(in, RV_EIO);
	if ((rc = rq->sink->read(rq->sink, buf, len, got)) != RV_OK)
		return body_fail(in, rc);
	in->body_pos += *got;
	in->body_eof = *got == 0;
	return RV_OK;
}

int64_t
rv_body_length(const struct rv_req *rq)
{
	const char	*v = rv_env(rq, "CONTENT_LENGTH");
	int64_t		 n = 0;

	if (v == NULL || *v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9' || n > (INT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n;
}

int
rv_body_load(struct rv_req *rq, size_t max, const void **body, size_t *len)
{
	struct rv_input	*in;
	struct rv_buf	 b = { 0 };
	size_t		 got, want;
	int		 rc;

	*body = NULL;
	*len = 0;
	if ((in = req_input(rq)) == NULL)
		return RV_ENOMEM;
	if (in->body_err != RV_OK)
		return in->body_err;
	if (!rq->body_streamed || in->loaded) {
		if (in->body_pos != 0 && !in->loaded)
			return RV_ESTATE;
		if (rq->body_len > max)
			return RV_ETOOBIG;
		*body = rq->body;
		*len = rq->body_len;
		return RV_OK;
	}
	if (in->body_pos != 0)
		return RV_ESTATE;
	if (rv_body_length(rq) > (int64_t)max)
		return body_fail(in, RV_ETOOBIG);
	b.max = max + 1;
	do {
		/* One byte over max tells a body that is too big. */
		want = max + 1 - b.len < 16384 ? max + 1 - b.len : 16384;
		if (buf_grow(&b, want) != RV_OK) {
			rc = b.err == RV_ETOOBIG ? RV_ETOOBIG : RV_ENOMEM;
			goto fail;
		}
		if ((rc = rv_body_read(rq, b.p + b.len, b.cap - b.len,
		    &got)) != RV_OK)
			goto fail;
		b.len += got;
		if (b.len > max) {
			rc = body_fail(in, RV_ETOOBIG);
			goto fail;
		}
	} while (got > 0);
	/* Kept with the request, as if it had been buffered. */
	if ((rq->body = arena_alloc(&rq->arena, b.len + 1)) == NULL) {
		rc = RV_ENOMEM;
		goto fail;
	}
	memcpy((char *)rq->body, b.p, b.len);
	rq->body_len = b.len;
	in->loaded = 1;
	buf_free(&b);
	*body = rq->body;
	*len = rq->body_len;
	return RV_OK;
fail:
	buf_free(&b);
	return rc;
}
