/*
 * fuzz_multipart.c: a multipart/form-data body, boundary "xyz" (or one
 * the input gives in its first line as "B=..."), parsed whole and then
 * again in pieces whose sizes the input chooses: both runs must report
 * the same parts, the same bytes and the same verdict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "input.h"

struct log {
	struct rv_buf	 b;
};

static int
on_part(void *arg, const struct mp_head *h)
{
	struct log	*l = arg;

	buf_printf(&l->b, "[%s|%s|%s]", h->name, h->filename != NULL ?
	    h->filename : "-", h->ctype != NULL ? h->ctype : "-");
	return RV_OK;
}

static int
on_data(void *arg, const char *s, size_t n)
{
	struct log	*l = arg;

	return buf_add(&l->b, s, n);
}

static int
on_end(void *arg)
{
	struct log	*l = arg;

	return buf_putc(&l->b, '/');
}

static const struct mp_cb cb = { on_part, on_data, on_end };

static int
run(const char *bnd, const uint8_t *d, size_t len, const uint8_t *sizes,
    size_t nsizes, struct log *l)
{
	struct mp_parser	 p;
	size_t			 off = 0, n, k = 0;
	int			 rc = RV_OK;

	if (mp_init(&p, bnd, 512, 16, &cb, l) != RV_OK)
		return -1;
	while (off < len && rc == RV_OK) {
		n = nsizes == 0 ? len - off : (size_t)sizes[k++ % nsizes] + 1;
		if (n > len - off)
			n = len - off;
		rc = mp_feed(&p, (const char *)d + off, n);
		off += n;
	}
	if (rc == RV_OK)
		rc = mp_finish(&p);
	mp_free(&p);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char		 bnd[MP_MAX_BOUNDARY + 1] = "xyz";
	struct log	 whole = { { 0 } }, split = { { 0 } };
	const uint8_t	*nl;
	size_t		 nsizes = 0;
	int		 r1, r2;

	/* "B=boundary\n" first: the boundary to use. */
	if (len > 2 && data[0] == 'B' && data[1] == '=' &&
	    (nl = memchr(data, '\n', len)) != NULL &&
	    (size_t)(nl - data) - 2 <= MP_MAX_BOUNDARY) {
		memcpy(bnd, data + 2, (size_t)(nl - data) - 2);
		bnd[nl - data - 2] = '\0';
		len -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
	/* The first byte: how many piece sizes follow it. */
	if (len > 0) {
		nsizes = data[0] % 8;
		if (nsizes + 1 > len)
			nsizes = len - 1;
		data++;
		len--;
	}
	r1 = run(bnd, data + nsizes, len - nsizes, NULL, 0, &whole);
	r2 = run(bnd, data + nsizes, len - nsizes, data, nsizes, &split);
	if (r1 != r2 || whole.b.len != split.b.len || (whole.b.len > 0 &&
	    memcmp(whole.b.p, split.b.p, whole.b.len) != 0))
		abort();	/* the pieces changed the result */
	buf_free(&whole.b);
	buf_free(&split.b);
	return 0;
}
