/*
 * internal.h: librivulet's private shapes.  Never installed.
 *
 * Layering (one job a file):
 *   buf.c utf8.c err.c log.c       small utilities
 *   fcgi.c                          untrusted FastCGI record/param parsing
 *   request.c                       CGI params -> request; query parsing
 *   router.c                        route patterns, matching, 404/405
 *   negotiate.c                     Accept / ?format= -> encoder
 *   writer.c                        structured writer: tokens, items, rollback
 *   wire.h                          JSON/MessagePack bytes of scalars and pairs
 *   stream.c                        rv_open .. rv_close, headers, flush, sleep
 *   packf.c                         json_pack-style formats, jansson, msgpack input
 *   enc_json.c enc_sse.c enc_msgpack.c enc_csv.c enc_text.c   built-in encoders
 *   problem.c                       problem+json bodies
 *   server.c                        rv_server: routes, encoders, modules
 *   loop.c                          event loop, connections, FastCGI sink
 *   lead.c                          which thread leads the loop; inline handlers
 *   pool.c                          handler threads
 *   decode.c                        wire -> items (tests, rivulet-cat)
 *   harness.c                       rv_test_*: handlers without a web server
 */
#ifndef RV_INTERNAL_H
#define RV_INTERNAL_H

#include <sys/types.h>
#include <sys/uio.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "rivulet.h"

#define RV_HIDDEN	__attribute__((visibility("hidden")))
#define RV_MAX_DEPTH	64	/* nesting of one structured item */
#define RV_MAX_CAPS	16	/* {name} captures in one pattern */
/* The SSE retry: hint a stream ends with when the server stops. */
#define SHUTDOWN_RETRY_MS 1000
#define RV_FLUSH_BULK	(64 * 1024)

/* ------------------------------------------------------------------ */
/* buf.c: a growable byte buffer; an allocation failure is sticky.      */

struct rv_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* 0: no limit */
	int	 err;		/* RV_ENOMEM or RV_ETOOBIG once it failed */
};

RV_HIDDEN int	 buf_grow(struct rv_buf *, size_t extra);
RV_HIDDEN int	 buf_add(struct rv_buf *, const void *, size_t);
RV_HIDDEN int	 buf_puts(struct rv_buf *, const char *);
RV_HIDDEN int	 buf_putc(struct rv_buf *, char);
RV_HIDDEN int	 buf_printf(struct rv_buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
RV_HIDDEN int	 buf_vprintf(struct rv_buf *, const char *, va_list);
RV_HIDDEN void	 buf_free(struct rv_buf *);

/*
 * Tokens are mostly a few bytes: copy up to 32 inline, not via libc,
 * in at most two overlapping loads and stores of a word (or of 16).
 */
static inline void
copy_small(char *d, const char *s, size_t n)
{
	uint64_t	 a, b;
	uint32_t	 x, y;
	char		 h[16], t[16];

	if (n > 16) {
		if (n > 32) {
			__builtin_memcpy(d, s, n);
			return;
		}
		__builtin_memcpy(h, s, 16);
		__builtin_memcpy(t, s + n - 16, 16);
		__builtin_memcpy(d, h, 16);
		__builtin_memcpy(d + n - 16, t, 16);
	} else if (n >= 8) {
		__builtin_memcpy(&a, s, 8);
		__builtin_memcpy(&b, s + n - 8, 8);
		__builtin_memcpy(d, &a, 8);
		__builtin_memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		__builtin_memcpy(&x, s, 4);
		__builtin_memcpy(&y, s + n - 4, 4);
		__builtin_memcpy(d, &x, 4);
		__builtin_memcpy(d + n - 4, &y, 4);
	} else if (n > 0) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

static inline int
buf_addfast(struct rv_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n && buf_grow(b, n) != RV_OK)
		return b->err;
	copy_small(b->p + b->len, p, n);
	b->len += n;
	return RV_OK;
}

/* An arena for strings that live as long as a request (or an item). */
struct rv_arena {
	struct rv_arena_blk *head;
	size_t		 first;		/* its first block's size; 0: usual */
};
RV_HIDDEN void	*arena_alloc(struct rv_arena *, size_t);
/* Bytes with no alignment: strings. */
RV_HIDDEN char	*arena_chars(struct rv_arena *, size_t);
/* An empty arena's first block: at least n bytes, not the usual size. */
RV_HIDDEN int	 arena_reserve(struct rv_arena *, size_t n);
RV_HIDDEN char	*arena_strndup(struct rv_arena *, const char *, size_t);
RV_HIDDEN char	*arena_vprintf(struct rv_arena *, const char *, va_list);
RV_HIDDEN void	 arena_reset(struct rv_arena *);	/* frees all */
RV_HIDDEN void	 arena_rewind(struct rv_arena *);	/* empties, keeps a block */

/* utf8.c */
RV_HIDDEN int	 utf8_valid(const char *, size_t);

/*
 * 1 for printable ASCII that JSON writes as it is (not '"' or '\\'):
 * a string of only these is valid UTF-8 and needs no escaping, which
 * is what the writer's short paths want to know (utf8.c).
 */
RV_HIDDEN extern const unsigned char str_plain[256];
/* Are p[0..n) all str_plain?  Eight bytes at a time. */
RV_HIDDEN int	 span_plain(const char *p, size_t n);

/*
 * Is the C string s all str_plain and at most 32 bytes?  Its length
 * (or the bytes looked at) in *n, in one pass and without a call: the
 * writer's short paths are leaf functions.  NUL is not plain, so no
 * byte past the end is read.
 */
static inline int
str_short(const char *s, size_t *n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i < 32; i += 4) {
		if (!str_plain[p[i]])
			break;
		if (!str_plain[p[i + 1]]) {
			i += 1;
			break;
		}
		if (!str_plain[p[i + 2]]) {
			i += 2;
			break;
		}
		if (!str_plain[p[i + 3]]) {
			i += 3;
			break;
		}
	}
	*n = i;
	return p[i] == '\0';
}

/*
 * Copy s to o while it is str_plain, at most 32 bytes (o has room for
 * 32): is s all plain and shorter than 32 bytes?  Its length in *n.
 * The short paths' key and string: checked and copied in one pass.
 */
static inline int
str_copy_short(char *o, const char *s, size_t *n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i < 32; i += 4) {
		if (!str_plain[p[i]])
			break;
		o[i] = (char)p[i];
		if (!str_plain[p[i + 1]]) {
			i += 1;
			break;
		}
		o[i + 1] = (char)p[i + 1];
		if (!str_plain[p[i + 2]]) {
			i += 2;
			break;
		}
		o[i + 2] = (char)p[i + 2];
		if (!str_plain[p[i + 3]]) {
			i += 3;
			break;
		}
		o[i + 3] = (char)p[i + 3];
	}
	*n = i;
	return i < 32 && p[i] == '\0';
}

/* The same for any length: *n is strlen(s); longer ones take strlen. */
static inline int
str_scan(const char *s, size_t *n)
{
	size_t	 i;

	if (str_short(s, n))
		return 1;
	i = *n;
	*n = i + __builtin_strlen(s + i);
	return i == 32 ? span_plain(s + i, *n - i) : 0;
}

/* enc_json.c: the shortest text that reads back as the same double */
RV_HIDDEN int	 fmt_double(char *dst, size_t len, double);
/* base64 (in enc_json.c): standard alphabet with padding */
RV_HIDDEN int	 base64_encode(struct rv_buf *, const void *, size_t);

/* log.c */
RV_HIDDEN extern enum rv_log_level rv_log_threshold;
RV_HIDDEN void	 logx(enum rv_log_level, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------------ */
/* A sink takes the response's bytes: FastCGI records, CGI stdout, or  */
/* the test harness's memory.                                           */

struct rv_sink {
	/*
	 * All of iov or an error (RV_EGONE, RV_EIO).  last: the response
	 * ends with these bytes (one system call for both where it can).
	 */
	int	(*write)(struct rv_sink *, const struct iovec *, int n,
		    int last);
	/* End the response (cut: without the protocol's end). */
	int	(*finish)(struct rv_sink *, int abort);
	/*
	 * Wait up to ms (0: only check).  RV_OK when the time ran out,
	 * RV_EGONE when the client left, RV_ESHUTDOWN when stopping.
	 */
	int	(*wait)(struct rv_sink *, unsigned long ms);
	/*
	 * A streamed body (NULL: none): up to len bytes as they come;
	 * RV_OK with *got == 0 at its end (body.c).
	 */
	int	(*read)(struct rv_sink *, void *, size_t len, size_t *got);
};

/* ------------------------------------------------------------------ */
/* Requests                                                             */

struct rv_kv {
	const char	*key;
	const char	*val;
};

enum stream_state {
	SS_NONE,	/* rv_open not called */
	SS_OPEN,	/* negotiated, nothing sent */
	SS_SENT,	/* head sent: status frozen */
	SS_CLOSED	/* closing bytes written or refused */
};

struct wlevel {
	unsigned char	 map;		/* 1: map, 0: array */
	unsigned char	 want_val;	/* map: a key was given */
	uint32_t	 count;		/* 8 bytes a level: a held stream is
					   smaller (RV_ETOOBIG at 2^32 - 1) */
};
/*
 * Levels held in the stream itself; deeper ones (to RV_MAX_DEPTH) are
 * allocated when first reached.  Items are rarely deeper, and a held
 * subscriber then keeps 64 bytes, not 512.
 */
#define WL_INLINE	8

struct rv_enc {
	struct rv_stream	*s;
	struct rv_buf		*out;
	void			*state;
};

struct rv_stream {
	struct rv_req		*rq;
	const struct rv_encoder	*enc;
	struct rv_enc		 ectx;
	enum stream_state	 state;
	int			 status;
	int			 err;		/* first error; sticky */
	int			 began;		/* encoder begin() done */
	int			 own_ctype;	/* handler set Content-Type */
	int			 own_cache;	/* handler set Cache-Control */
	int			 gone_counted;
	int			 stopping;	/* a wait saw RV_ESHUTDOWN */
	struct timespec		 head_at;	/* when the head went out */
	struct sub		*sub;		/* rv_subscribe(): channel.h */
	struct rv_buf		 out;		/* encoded, not yet written */
	struct rv_buf		 head;		/* extra header lines */
	/* writer */
	unsigned		 depth;
	struct wlevel		 lv[WL_INLINE];
	struct wlevel		*lvx;		/* levels WL_INLINE.., or NULL */
	int			 item_err;	/* error inside the open item */
	size_t			 item_mark;	/* out.len at item start */
	struct rv_item		 item;		/* the open item */
	int			 in_item;
	int			 began_in_item;	/* begin() ran for this item */
	/* the encoder's short path (writer.c), looked up for fast_enc */
	const struct rv_encoder	*fast_enc;
	int			 fast;
	const struct frame	*frame;		/* or NULL */
	int			 plain;		/* the open item uses frame */
	/* envelope for the next item */
	char			*ev_name;
	char			*ev_id;
	unsigned long		 ev_retry;
	struct rv_arena		 scratch;	/* rv_fmt, until item sent */
	char			*envelope;
	/* csv */
	char			**columns;
	size_t			 ncolumns;
	/* flow */
	int			 bulk;
	unsigned long		 heartbeat_ms;
	size_t			 max_item;	/* srv->lim.max_item, at hand */
	struct timespec		 last_write;
	size_t			 items;
	/* stream_idle_timeout: items seen at the last look, and since when */
	size_t			 idle_items;
	struct timespec		 idle_since;
	int			 idle_ended;
	uint64_t		 bytes;
	void			(*done_cb)(struct rv_stream *, enum rv_err,
				    void *);
	void			*done_arg;
};

struct rv_req {
	struct rv_server	*srv;
	const struct route	*route;
	void			*mod_data;
	struct rv_arena		 arena;		/* lives with the request */
	struct rv_kv		*env;		/* CGI params, in arrival order */
	size_t			 nenv, capenv;
	const char		*method;
	const char		*path;		/* routed path */
	const char		*query_string;
	struct rv_kv		*caps;		/* in the arena: ncaps */
	size_t			 ncaps;
	struct rv_kv		*query;		/* decoded, parsed on first use */
	size_t			 nquery;
	int			 query_parsed;
	const char		*body;
	size_t			 body_len;
	int			 body_streamed;	/* sink->read has it */
	struct rv_input		*input;		/* input.h, on first use */
	int			 bad_status;	/* 400 etc. recorded by accessors */
	const char		*bad;		/* why (arena), with bad_status */
	int			 head_only;	/* HEAD: no body bytes */
	struct rv_stream	 stream;
	struct rv_sink		*sink;
	struct timespec		 start;
	unsigned		 id;		/* for logs */
};

/* request.c */
/* env: pairs from the FastCGI params, copied into the request arena. */
RV_HIDDEN int	 req_init(struct rv_req *, struct rv_server *,
		    struct rv_sink *);
RV_HIDDEN int	 req_add_env(struct rv_req *, const char *k, size_t kn,
		    const char *v, size_t vn);
/*
 * Before req_add_env, when the params are known: n pairs whose names
 * and values take bytes, qlen of them the query string's.
 */
RV_HIDDEN int	 req_env_reserve(struct rv_req *, size_t n, size_t bytes,
		    size_t qlen);
/* After all params: method, path (mount rule), query string. */
RV_HIDDEN int	 req_finish_env(struct rv_req *);
RV_HIDDEN void	 req_free(struct rv_req *);
/* Percent-decode; 0 on success, -1 on an invalid escape or NUL. */
RV_HIDDEN int	 pct_decode(char *dst, const char *src, size_t n,
		    int plus_is_space, size_t *outlen);
RV_HIDDEN void	 req_mark_bad(struct rv_req *, int status, const char *,
		    ...) __attribute__((format(printf, 3, 4)));

/* router.c */
struct route {
	const char		*method;
	const char		*pattern;
	rv_handler		 handler;
	const char		*module;
	void			*mod_data;
	char			**segs;		/* "{x}" kept as is */
	size_t			 nsegs;
	unsigned		 literal;	/* count of literal segments */
	const char		*guard_names;	/* the route's own (guard.c) */
	struct guard		**guards;	/* run before the handler */
	size_t			 nguards;
	size_t			 body_limit;	/* bytes; 0: the server's */
};

enum route_res {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,
	ROUTE_BAD_METHOD	/* allow[] filled */
};

RV_HIDDEN int	 route_compile(struct route *, const char *method,
		    const char *pattern, rv_handler, const char *module,
		    void *data, char *err, size_t errlen);
RV_HIDDEN void	 route_free(struct route *);
/* On ROUTE_FOUND sets rq->route and the captures. */
RV_HIDDEN enum route_res route_match(const struct route *, size_t n,
		    struct rv_req *, char *allow, size_t allowlen);

/* negotiate.c */
/*
 * Choose from an offer ("ndjson sse msgpack") by ?format= then Accept.
 * NULL if nothing acceptable; *why says what the client asked for.
 */
RV_HIDDEN const struct rv_encoder *negotiate(const struct rv_server *,
		    const char *offer, const char *format, const char *accept);
RV_HIDDEN const struct rv_encoder *encoder_by_name(const struct rv_server *,
		    const char *name, size_t len);
/* q-value of a media type under an Accept header (0..1000). */
RV_HIDDEN int	 accept_quality(const char *accept, const char *media_type);

/* stream.c: ms this stream may still go without an item (ULONG_MAX:
 * no stream_idle_timeout); 0 ends it as the server's stop would. */
RV_HIDDEN unsigned long stream_idle_left(struct rv_stream *);

/* crash.c: the route this thread runs, for a crash's last words */
extern _Thread_local const struct route *crash_route;
/* Leave "why in METHOD pattern" for the supervisor (shared memory). */
RV_HIDDEN void	 crash_last_words(struct rv_server *, const char *why,
		    const struct route *);

/* problem.c: a whole problem+json response (head and body) */
RV_HIDDEN int	 problem_render(struct rv_buf *head, struct rv_buf *body,
		    int status, const char *title, const char *detail,
		    const char *extra_headers);
RV_HIDDEN const char *http_reason(int status);
/* Answer a request that has no stream yet (404, 405, 413, 431, 503). */
RV_HIDDEN int	 req_problem(struct rv_req *, int status, const char *title,
		    const char *detail, const char *extra_headers);

/* writer.c: drives the encoder; every rv_ item call goes through here */
RV_HIDDEN int	 w_item_begin(struct rv_stream *, enum rv_item_kind);
RV_HIDDEN int	 w_token(struct rv_stream *, struct rv_token *);
RV_HIDDEN int	 w_item_end(struct rv_stream *);
/* A whole one-token item (text, bytes, comment). */
RV_HIDDEN int	 w_simple_item(struct rv_stream *, enum rv_item_kind,
		    enum rv_tok_type, const char *, size_t);
RV_HIDDEN int	 w_usable(struct rv_stream *);
/* Drop the open item (format error, ...) and return err. */
RV_HIDDEN int	 w_item_abort(struct rv_stream *, int err);

/*
 * The writer's short paths: a built-in encoder that renders tokens as
 * JSON text (ndjson, array, json, json-seq, sse) or as MessagePack
 * takes a whole key/value pair, an open or a close in one direct call
 * (wire.h); MessagePack's containers need its state (enc_msgpack.c).
 */
enum { FAST_NONE, FAST_JSON, FAST_MP };
/*
 * What a stateless framing's item_begin and item_end write around a
 * value item without envelope (kind RV_ITEM_VALUE, no event, id or
 * retry): the writer writes these itself, without the two calls.
 */
struct frame {
	char		 pre[8], post[8];	/* 8: one store, see frame_put */
	size_t		 npre, npost;
};
RV_HIDDEN extern const struct frame frame_ndjson, frame_jsonseq, frame_sse;
RV_HIDDEN int	 mp_open_fast(struct rv_enc *);
RV_HIDDEN int	 mp_close_fast(struct rv_enc *, int map, size_t count);

/* stream.c */
/* The flush policy after each item; inline, as items can be small. */
static inline int
stream_item_done(struct rv_stream *s)
{

	if (s->bulk && s->out.len < RV_FLUSH_BULK)
		return RV_OK;
	return rv_flush(s);
}
RV_HIDDEN int	 stream_send_head(struct rv_stream *);
/* Runtime, after the handler returned ret: finish whatever it left. */
RV_HIDDEN void	 stream_end(struct rv_stream *);
RV_HIDDEN void	 stream_end_ret(struct rv_stream *, int handler_ret);
RV_HIDDEN void	 stream_fail(struct rv_stream *, int err);

/* packf.c */
RV_HIDDEN int	 emit_json(struct rv_stream *, const struct json_t *);

/* built-in encoders */
RV_HIDDEN extern const struct rv_encoder enc_text, enc_bytes, enc_json,
		    enc_array, enc_ndjson, enc_jsonseq, enc_sse, enc_msgpack,
		    enc_csv;

/* ------------------------------------------------------------------ */
/* The server                                                           */

struct module_ent {
	const struct rv_module	*mod;
	void			*data;
};

struct rv_server {
	struct rv_limits	 lim;
	char			*mount;
	struct route		*routes;
	size_t			 nroutes;
	const struct rv_encoder	**encs;
	size_t			 nencs;
	struct module_ent	*mods;
	size_t			 nmods;
	atomic_int		 stopping;
	pid_t			 pid;		/* that made the eventfds */
	int			 stopfd;	/* eventfd: wakes the loop */
	int			 stop_evfd;	/* readable for good once stopping */
	struct pool		*pool;
	struct loopstate	*loop;		/* while serving */
	struct hub		*hub;		/* channels: channel.h */
	struct srv_stats	*stats;		/* status.c, while serving */
	struct rv_module	*status_mod;	/* rv_server_status()'s own */
	char			*status_path;	/* rv_server_status() */
	char			*status_token;
	int			 status_public;
	unsigned long		 slow_ms;	/* rv_server_slow_log(); 0: off */
	int64_t			 started;	/* wall ms, rv_server_new() */
	/* counters */
	atomic_ulong		 n_requests;
	atomic_ulong		 n_gone;	/* streams whose client left */
	atomic_ulong		 n_active;
	/* files and guards (files.c, guard.c) */
	enum rv_delegate	 delegate;
	char			*delegate_prefix;	/* x-accel URI prefix */
	struct rv_kv		*settings;	/* rv_server_setting() */
	size_t			 nsettings;
	struct guard		*guard_list;	/* registered guards */
	struct bearer		*bearer;	/* the stock guard's tokens */
	struct allow_list	*allow;		/* TCP peers let in (allow.c) */
};

/* allow.c: TCP peers.  allow_start: the default (loopback) if unset. */
struct sockaddr;
RV_HIDDEN int	 allow_start(struct rv_server *);
RV_HIDDEN int	 allow_check(const struct rv_server *, const struct sockaddr *);
RV_HIDDEN void	 allow_free(struct rv_server *);

/* ------------------------------------------------------------------ */
/* Files (files.c, confine.c, parse_range.c) and guards (guard.c)      */

/*
 * Bytes of one streamed file read: four whole FastCGI records (a 64 KiB
 * read would be framed as 65535 + 1).  bench_files.sh measured it at
 * 1.25-1.4x a libfcgi program's 64 KiB writes, one record a read at
 * 0.9x; the buffer lives only while a file is sent.
 */
#define RV_FILE_CHUNK	(4 * 65535)

enum range_res {
	RANGE_NONE,	/* no usable header: 200, the whole file */
	RANGE_ONE,	/* 206 of [first, last] */
	RANGE_MULTI,	/* several ranges: 200, the whole file */
	RANGE_UNSAT	/* 416 */
};
RV_HIDDEN enum range_res range_parse(const char *hdr, uint64_t size,
		    uint64_t *first, uint64_t *last);

/* The media type of a file name by its extension; never NULL. */
RV_HIDDEN const char *mime_type(const char *name);
/* "attachment; filename=...; filename*=UTF-8''..." (RFC 6266) */
RV_HIDDEN int	 content_disposition(struct rv_buf *, const char *type,
		    const char *name);
/* IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"): 29 bytes and NUL */
RV_HIDDEN void	 http_date(char buf[32], time_t);
RV_HIDDEN int	 http_date_parse(const char *, time_t *);

/*
 * Open root/rel for reading, rel confined to root: no "..", ".", empty
 * segment, leading '/', backslash or control byte, and no symlink
 * under root is followed.  The descriptor, or -1 with errno.  walk:
 * never use openat2 (tests of the fallback).
 */
#define CONFINE_WALK	1
RV_HIDDEN int	 confine_open(const char *root, const char *rel, int flags);
RV_HIDDEN int	 confine_rel_ok(const char *rel);

/* guard.c */
struct guard {
	char		*name;
	rv_guard_fn	 fn;
	void		*arg;
	struct guard	*next;
};
/* Guards of a route's own names; err says which is unknown. */
RV_HIDDEN int	 guards_resolve(struct rv_server *, struct route *,
		    char *err, size_t errlen);
/* The route's guards, then (if they all let it through) its handler. */
RV_HIDDEN int	 route_run(struct rv_req *);
RV_HIDDEN void	 guards_free(struct rv_server *);
/* stream.c: rv_open() with fmt as the ?format= override (or NULL). */
RV_HIDDEN struct rv_stream *stream_open(struct rv_req *, const char *offer,
		    const char *fmt);
/* status.c */
RV_HIDDEN int	 stats_start(struct rv_server *);
RV_HIDDEN void	 stats_note(const struct rv_req *, long ms);
RV_HIDDEN void	 stats_note_hung(struct rv_server *);
RV_HIDDEN void	 stats_free(struct rv_server *);
/* server.c: after a fork, eventfds of this process's own. */
RV_HIDDEN int	 server_own_fds(struct rv_server *);
/* settings.c */
RV_HIDDEN void	 settings_free(struct rv_server *);

#endif /* RV_INTERNAL_H */
