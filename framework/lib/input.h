/*
 * input.h: what librivulet reads from a request beyond its params:
 * the body (streamed or buffered), cookies, forms, multipart parts,
 * JSON and MessagePack bodies, validation errors.  Never installed.
 *
 * The parsers are pure functions of their input (parse_*.c), so that
 * unit tests and fuzzers drive them without a request; the rv_ calls
 * (body.c, form.c, validate.c) tie them to a request and its limits.
 */
#ifndef RV_INPUT_H
#define RV_INPUT_H

#include "internal.h"

struct tmpfile_ent {
	char			*path;
	struct tmpfile_ent	*next;
};

struct rv_input {
	/* body.c */
	uint64_t		 body_pos;	/* bytes rv_body_read gave */
	int			 body_err;	/* sticky */
	int			 body_eof;
	int			 loaded;	/* rv_body_load kept it */
	/* cookies */
	struct rv_kv		*cookies;
	size_t			 ncookies;
	int			 cookies_parsed;
	/* form fields: urlencoded body or multipart text parts */
	struct rv_kv		*form;
	size_t			 nform;
	size_t			 capform;
	int			 form_parsed;
	/* multipart file parts saved to temp files: removed at the end */
	struct tmpfile_ent	*tmps;
	/* rv_body_json / rv_body_msgpack */
	struct json_t		*json;
	void			*mp_obj;	/* msgpack_unpacked */
	/* validation: {"field":..,"reason":..} objects, comma-separated */
	struct rv_buf		 errors;
};

/* body.c */
/* The request's input state, made on first use; NULL if out of memory. */
RV_HIDDEN struct rv_input *req_input(struct rv_req *);
RV_HIDDEN void	 input_free(struct rv_req *);

/* parse_query.c: application/x-www-form-urlencoded (and query strings) */
/*
 * Percent-decode an urlencoded component ('+' is a space) into dst
 * (n + 1 bytes).  -1: a bad escape, a NUL (raw or %00), or not UTF-8.
 */
RV_HIDDEN int	 urlenc_decode(char *dst, const char *src, size_t n,
		    size_t *outlen);
/*
 * Split s on '&' and decode every pair into the arena: *out holds
 * them in order.  A bad pair is skipped and the result is RV_EINVAL
 * (the good ones are kept); over max pairs: RV_ETOOBIG.
 */
RV_HIDDEN int	 urlenc_parse(struct rv_arena *, const char *s, size_t n,
		    size_t max, struct rv_kv **out, size_t *nout);
/* Every value of key among n pairs: up to max in vals; how many. */
RV_HIDDEN size_t kv_values(const struct rv_kv *, size_t n, const char *key,
		    const char **vals, size_t max);

/* parse_cookie.c: a Cookie header into name/value pairs (RFC 6265) */
RV_HIDDEN int	 cookie_parse(struct rv_arena *, const char *s, size_t max,
		    struct rv_kv **out, size_t *nout);

/* parse_multipart.c: multipart/form-data as a push parser */
struct mp_head {
	char		*name;
	char		*filename;	/* NULL if none */
	char		*ctype;		/* NULL if none */
};

struct mp_cb {
	int	(*part)(void *, const struct mp_head *);
	int	(*data)(void *, const char *, size_t);
	int	(*end)(void *);
};

enum mp_state {
	MP_PREAMBLE,	/* before the first delimiter */
	MP_AFTER,	/* after a delimiter: "--" or CRLF */
	MP_AFTER_DASH,	/* one '-' of the close delimiter */
	MP_AFTER_WS,	/* transport padding before the CRLF */
	MP_AFTER_CR,
	MP_HEADERS,
	MP_BODY,
	MP_EPILOGUE,	/* after the close delimiter */
	MP_ERROR
};

#define MP_MAX_BOUNDARY	70

struct mp_parser {
	enum mp_state		 state;
	char			 delim[4 + MP_MAX_BOUNDARY + 1];
	size_t			 dlen;		/* "\r\n--" + boundary */
	size_t			 match;		/* delim bytes matched */
	struct rv_buf		 head;		/* a part's header block */
	size_t			 max_header;
	size_t			 max_parts;
	size_t			 parts;
	int			 err;		/* sticky */
	const char		*why;		/* what was wrong */
	const struct mp_cb	*cb;
	void			*arg;
};

/* The boundary parameter of a Content-Type: 0, or -1 if none/invalid. */
RV_HIDDEN int	 mp_boundary(const char *ctype, char *out, size_t outlen);
RV_HIDDEN int	 mp_init(struct mp_parser *, const char *boundary,
		    size_t max_header, size_t max_parts,
		    const struct mp_cb *, void *arg);
/* RV_OK, or the sticky error (RV_EINVAL, RV_ETOOBIG, a callback's). */
RV_HIDDEN int	 mp_feed(struct mp_parser *, const char *, size_t);
/* The body ended: RV_EINVAL unless the close delimiter came. */
RV_HIDDEN int	 mp_finish(struct mp_parser *);
RV_HIDDEN void	 mp_free(struct mp_parser *);
/* The (decoded) filename of a Content-Disposition value: 0, or -1. */
RV_HIDDEN int	 cd_filename(const char *, char *out, size_t outlen);

/* parse_body.c: structure checks before a library parses a body */
/* Nesting of JSON text (strings skipped): -1 if over max. */
RV_HIDDEN int	 json_depth_ok(const char *, size_t, unsigned max);
/*
 * One whole MessagePack value in p[0..n): 0, or -1 if malformed, cut
 * short, followed by junk, nested over max, or declaring more elements
 * than bytes remain (so that unpacking cannot be made to allocate more
 * than the input's size times a constant).
 */
RV_HIDDEN int	 msgpack_check(const unsigned char *, size_t, unsigned max);

/* validate.c */
RV_HIDDEN int	 check_field(const struct rv_field *, const char *v,
		    char *why, size_t whylen);

/* problem.c: a problem with extra members (raw JSON, no braces) */
RV_HIDDEN int	 problem_render_ext(struct rv_buf *head, struct rv_buf *body,
		    int status, const char *title, const char *detail,
		    const char *extra_headers, const char *members);
RV_HIDDEN int	 req_problem_ext(struct rv_req *, int status,
		    const char *title, const char *detail,
		    const char *extra_headers, const char *members);

#endif
