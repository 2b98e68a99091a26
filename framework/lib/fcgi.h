/*
 * fcgi.h: the FastCGI record layer, apart from any socket so that it
 * can be tested on bytes.  Everything here parses untrusted input.
 */
#ifndef RV_FCGI_H
#define RV_FCGI_H

#include <stddef.h>
#include <stdint.h>

#define FCGI_HDR	8
#define FCGI_MAXDATA	0xffff

struct fcgi_rec {
	unsigned		 type;
	unsigned		 id;
	const unsigned char	*content;
	size_t			 len;
};

enum fcgi_next {
	FCGI_MORE,	/* need more bytes */
	FCGI_REC,	/* a whole record is in *rec */
	FCGI_BAD	/* not FastCGI: close the connection */
};

/* The next record of buf; *used says how many bytes it took. */
RV_HIDDEN enum fcgi_next fcgi_next(const unsigned char *buf, size_t len,
		    struct fcgi_rec *rec, size_t *used);
/*
 * The next name-value pair of a params block at *off: 1 with a pair,
 * 0 at the end, -1 if a length runs past the block (never allocates).
 */
RV_HIDDEN int	 fcgi_pair(const unsigned char *p, size_t len, size_t *off,
		    const unsigned char **k, size_t *kn,
		    const unsigned char **v, size_t *vn);
RV_HIDDEN void	 fcgi_header(unsigned char h[FCGI_HDR], unsigned type,
		    unsigned id, size_t len);
/* END_REQUEST record for id with a protocol status. */
RV_HIDDEN void	 fcgi_end_request(unsigned char rec[16], unsigned id,
		    unsigned pstatus);
/* GET_VALUES_RESULT for the names asked; returns its length. */
RV_HIDDEN size_t fcgi_values_result(const unsigned char *ask, size_t asklen,
		    unsigned char *out, size_t outlen, unsigned maxconns);

#endif
