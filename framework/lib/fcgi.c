/*
 * fcgi.c: FastCGI records and name-value pairs from untrusted bytes.
 * Lengths are checked against the bytes present before anything is
 * read; nothing here allocates, so a record declaring a 2 GiB param
 * costs nothing but its own connection.
 */
#include <fastcgi.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "fcgi.h"

enum fcgi_next
fcgi_next(const unsigned char *b, size_t len, struct fcgi_rec *r,
    size_t *used)
{
	size_t	 clen, plen;

	if (len < FCGI_HDR)
		return FCGI_MORE;
	if (b[0] != FCGI_VERSION_1)
		return FCGI_BAD;
	clen = (size_t)b[4] << 8 | b[5];
	plen = b[6];
	if (len < FCGI_HDR + clen + plen)
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
	memset(rec + 8, 0, 8);
	rec[12] = (unsigned char)pstatus;
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
