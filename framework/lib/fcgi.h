/*
 * fcgi.h: the FastCGI responder protocol apart from any socket, so
 * that it can be tested on bytes.  Everything here parses untrusted
 * input.  A connection feeds its parser the bytes it read and acts on
 * the events that come back; the records the protocol itself answers
 * with (END_REQUEST for a refused BEGIN, GET_VALUES_RESULT,
 * UNKNOWN_TYPE) are appended to a buffer the caller sends.
 *
 * Nothing is allocated from a declared length: params are kept up to
 * max_params and the body up to max_body, so a record announcing a
 * 2 GiB param costs its connection nothing but a refusal.
 */
#ifndef RV_FCGI_H
#define RV_FCGI_H

#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define FCGI_HDR	8
#define FCGI_MAXDATA	0xffff
/* Protocol replies a peer may leave unread before its parser pauses. */
#define FCGI_REPLY_MAX	(64 * 1024)

/* ------------------------------------------------------------------ */
/* Records and name-value pairs                                         */

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
/* END_REQUEST record for id with a protocol status (app status 0). */
RV_HIDDEN void	 fcgi_end_request(unsigned char rec[16], unsigned id,
		    unsigned pstatus);
/* GET_VALUES_RESULT for the names asked; returns its length. */
RV_HIDDEN size_t fcgi_values_result(const unsigned char *ask, size_t asklen,
		    unsigned char *out, size_t outlen, unsigned maxconns);

/*
 * STDOUT records over the caller's buffers, never copying them: from
 * the position *iv / *off in in[], fill out[] with header and payload
 * pairs (headers written to hdr[]), at most nrec records of at most
 * FCGI_MAXDATA bytes.  Returns the number of iovecs filled (0 when all
 * of in[] is framed); *iv / *off then say where to go on.  Empty
 * buffers give no record: an empty STDOUT would end the stream.
 */
RV_HIDDEN int	 fcgi_frame_stdout(unsigned id, const struct iovec *in,
		    int nin, int *iv, size_t *off,
		    unsigned char (*hdr)[FCGI_HDR], int nrec,
		    struct iovec *out);

/* ------------------------------------------------------------------ */
/* The one request of a connection (we never multiplex)                 */

enum fcgi_pstate {
	FP_IDLE,	/* waiting for BEGIN_REQUEST */
	FP_PARAMS,	/* reading PARAMS */
	FP_STDIN,	/* reading the body */
	FP_STREAM,	/* the handler runs and reads the body as it comes */
	FP_RUNNING,	/* input complete: the response is being made */
	FP_DRAIN,	/* answered early: the rest of its input is dropped */
	FP_DONE		/* answered, not kept: nothing more is read */
};

enum fcgi_ev {
	FCGI_EV_NONE,	/* every whole record is consumed (or replies are
			   FCGI_REPLY_MAX deep): read or send, then again */
	FCGI_EV_BEGIN,	/* a request began (arm its deadline) */
	FCGI_EV_PARAMS,	/* params complete; reject != 0: refuse it so */
	FCGI_EV_STDIN,	/* body complete; reject 413: over max_body (or
			   max_stream while streaming) */
	FCGI_EV_ABORT,	/* ABORT_REQUEST for the current request; before
			   FP_RUNNING it is answered and over already */
	FCGI_EV_ENDED,	/* all input of an early-answered request came */
	FCGI_EV_BAD,	/* not FastCGI: close the connection */
	FCGI_EV_DATA	/* FP_STREAM: a piece of the body in data/datalen,
			   valid until the caller moves its input */
};

struct fcgi_parser {
	enum fcgi_pstate	 state;
	unsigned		 reqid;
	int			 keep;		/* FCGI_KEEP_CONN */
	int			 reject;	/* HTTP status, 0: none */
	int			 params_over;	/* past max_params */
	size_t			 max_params;
	size_t			 max_body;
	unsigned		 max_conns;	/* for GET_VALUES */
	struct rv_buf		 params;	/* raw pairs */
	struct rv_buf		 body;		/* <= max_body */
	/*
	 * Streamed bodies (fcgi_set_stream): a body over max_body, or of
	 * unknown length (chunked), up to max_stream, is not buffered:
	 * the params end in FP_STREAM and STDIN records come back one by
	 * one as FCGI_EV_DATA.  0: never streamed.
	 */
	size_t			 max_stream;
	int64_t			 clen;		/* CONTENT_LENGTH, -1: none */
	uint64_t		 streamed;	/* body bytes passed on */
	const unsigned char	*data;		/* FCGI_EV_DATA */
	size_t			 datalen;
};

RV_HIDDEN void	 fcgi_init(struct fcgi_parser *, size_t max_params,
		    size_t max_body, unsigned max_conns);
RV_HIDDEN void	 fcgi_free(struct fcgi_parser *);
/* Stream bodies over max_body or of unknown length, up to max (0: off). */
RV_HIDDEN void	 fcgi_set_stream(struct fcgi_parser *, size_t max);
/*
 * Parse records from buf until one needs the caller's attention;
 * *used is what was consumed (keep the rest for the next call).
 * Replies are appended to out; parsing pauses while out holds
 * FCGI_REPLY_MAX bytes or more.
 */
RV_HIDDEN enum fcgi_ev fcgi_feed(struct fcgi_parser *,
		    const unsigned char *buf, size_t len, size_t *used,
		    struct rv_buf *out);
/*
 * The current request is over: its response is complete, or it was
 * cut.  FP_IDLE on a kept connection, else FP_DONE.  (A refused
 * request whose input is still coming is in FP_DRAIN by itself.)
 */
RV_HIDDEN void	 fcgi_request_done(struct fcgi_parser *);
/* The next param of the current request (as fcgi_pair). */
RV_HIDDEN int	 fcgi_param_next(const struct fcgi_parser *, size_t *off,
		    const unsigned char **k, size_t *kn,
		    const unsigned char **v, size_t *vn);

#endif
