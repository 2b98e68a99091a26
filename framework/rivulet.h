/*
 * rivulet.h: the one public header of librivulet.
 *
 * A handler receives a request, opens a stream on it (which negotiates
 * the framing), sends typed items and returns.  Items are written
 * without building a tree: the structured writer hands each token
 * straight to the negotiated encoder.
 *
 * Every function that can fail returns an enum rv_err (0 is success);
 * rv_strerror() names it.  None of them exits or aborts the process.
 */
#ifndef RIVULET_H
#define RIVULET_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
# define RV_API __attribute__((visibility("default")))
# define RV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
# define RV_API
# define RV_PRINTF(f, a)
#endif

#define RV_VERSION_MAJOR 0
#define RV_VERSION_MINOR 1
#define RV_VERSION_PATCH 0
#define RV_VERSION_STRING "0.1.0"

/*
 * Module ABI version.  Bumped whenever struct rv_module, struct
 * rv_route or struct rv_encoder change shape; the runtime refuses a
 * module built against another value.
 */
#define RV_ABI_VERSION 2

struct rv_req;		/* one request; owned by the runtime */
struct rv_stream;	/* the response of a request */
struct rv_enc;		/* an encoder's per-stream context */
struct rv_server;	/* routes, encoders, limits */
struct json_t;		/* jansson's value type (typedef json_t) */

/* ------------------------------------------------------------------ */
/* Errors                                                               */

enum rv_err {
	RV_OK = 0,
	RV_EGONE,	/* the client has left: stop producing */
	RV_ECLOSED,	/* the stream has ended (closed, error sent, refused) */
	RV_ESTATE,	/* call out of order (header after first byte, ...) */
	RV_EINVAL,	/* bad argument (CR/LF in a header, NaN, bad format) */
	RV_EUTF8,	/* text is not valid UTF-8 */
	RV_ETYPE,	/* the negotiated framing cannot carry this item */
	RV_ETOOBIG,	/* over a size or depth limit */
	RV_ENOMEM,	/* out of memory */
	RV_EIO,		/* I/O error other than the client leaving */
	RV_ESHUTDOWN,	/* the server is stopping: end the stream */
	RV_ENOTFOUND,	/* no such route, module, encoder or file */
	RV_EABI,	/* a module or encoder built for another ABI */
	RV_EBUSY,	/* over a concurrency limit: try again later */
	RV_ERR__MAX
};

RV_API const char *rv_strerror(enum rv_err);

/* ------------------------------------------------------------------ */
/* Requests                                                             */

RV_API const char *rv_method(const struct rv_req *);
/* The path that was routed: PATH_INFO below the front server's mount. */
RV_API const char *rv_path(const struct rv_req *);
/* A {name} capture of the route pattern, percent-decoded; NULL if none. */
RV_API const char *rv_param(const struct rv_req *, const char *name);
/* First value of a query key, decoded; def if the key is absent. */
RV_API const char *rv_query(struct rv_req *, const char *key, const char *def);
/*
 * A query key as an integer.  Absent: def.  Present but not an integer
 * in [min, max]: def, and the request is marked bad, so that rv_open()
 * answers 400 with a problem+json body naming the key.
 */
RV_API long rv_query_long(struct rv_req *, const char *key, long def);
RV_API long rv_query_range(struct rv_req *, const char *key, long def,
    long min, long max);
/* A request header by its HTTP name ("Accept", "Last-Event-ID"). */
RV_API const char *rv_req_header(const struct rv_req *, const char *name);
/* A raw CGI/FastCGI parameter ("REMOTE_ADDR", "SERVER_NAME"). */
RV_API const char *rv_env(const struct rv_req *, const char *name);
/*
 * The request body when the server buffered it (up to max_body); a
 * streamed one (bigger, or chunked) is NULL here until rv_body_load()
 * read it: rv_body_read() reads either.
 */
RV_API const void *rv_body(const struct rv_req *, size_t *len);
/* The module's opaque pointer set by its init function. */
RV_API void *rv_module_data(const struct rv_req *);

/* ------------------------------------------------------------------ */
/* Streams                                                              */

/*
 * Framing offers for rv_open(): encoder names separated by spaces,
 * the first being the default.  Any encoder a module registers can be
 * named too ("ndjson cbor").
 */
#define RV_TEXT		"text"
#define RV_BYTES	"bytes"
#define RV_JSON		"json"			/* one JSON document */
#define RV_SSE		"sse"
#define RV_CSV		"csv"
#define RV_ITEMS	"ndjson sse msgpack array json-seq"

/*
 * Open the response stream: choose the encoder from the offer by the
 * request's ?format= or Accept header.  Nothing is sent yet.  Never
 * returns NULL.  If nothing offered is acceptable the client gets 406
 * and the stream is closed: sends return RV_ECLOSED.  Calling it again
 * returns the same stream.
 */
RV_API struct rv_stream *rv_open(struct rv_req *, const char *offer);
/* The negotiated encoder's name, or NULL if the stream was refused. */
RV_API const char *rv_format(const struct rv_stream *);
RV_API struct rv_req *rv_request(const struct rv_stream *);

/* Before the first byte only (else RV_ESTATE). */
RV_API int rv_status(struct rv_stream *, int code);
RV_API int rv_header(struct rv_stream *, const char *name, const char *value);
/* Wrap a JSON array framing in an object: {"name":[...]} (else ignored). */
RV_API int rv_envelope(struct rv_stream *, const char *name);

/*
 * Items.  Each call sends one whole item and flushes it to the client,
 * unless the stream is in bulk mode (rv_bulk), where items are
 * coalesced up to 64 KiB and flushed at every wait or at close.
 * An item that fails is dropped whole: nothing of it reaches the wire.
 */
RV_API int rv_text(struct rv_stream *, const char *);
RV_API int rv_textn(struct rv_stream *, const char *, size_t);
RV_API int rv_textf(struct rv_stream *, const char *, ...) RV_PRINTF(2, 3);
RV_API int rv_vtextf(struct rv_stream *, const char *, va_list);
RV_API int rv_bytes(struct rv_stream *, const void *, size_t);
/* One MessagePack value (exactly one, complete), in any framing. */
RV_API int rv_msgpack(struct rv_stream *, const void *, size_t);
/* A jansson value, walked straight into the encoder. */
RV_API int rv_json(struct rv_stream *, const struct json_t *);
/*
 * A structured item from a json_pack()-style format: { } [ ] s s# n b
 * i I f o O and ? (nullable s).  No tree is built.
 */
RV_API int rv_packf(struct rv_stream *, const char *fmt, ...);
RV_API int rv_vpackf(struct rv_stream *, const char *fmt, va_list);
/* An SSE comment (": text"); a heartbeat in framings that allow one. */
RV_API int rv_comment(struct rv_stream *, const char *);

/*
 * Event envelope for the next item: SSE "event:" and "id:" fields
 * (either may be NULL; neither may hold CR, LF or NUL).  Other JSON
 * framings render the item as {"event":..,"id":..,"data":item}.
 */
RV_API int rv_event(struct rv_stream *, const char *event, const char *id);
RV_API int rv_eventf(struct rv_stream *, const char *event, const char *id,
    const char *fmt, ...);
/* SSE "retry:" hint, sent with the next item (or alone at close). */
RV_API int rv_retry(struct rv_stream *, unsigned long ms);

/*
 * Structured writer: one item is one top-level value.  A scalar at top
 * level is an item; a map or array is an item when it closes.
 */
RV_API int rv_map_open(struct rv_stream *);
RV_API int rv_map_close(struct rv_stream *);
RV_API int rv_array_open(struct rv_stream *);
RV_API int rv_array_close(struct rv_stream *);
RV_API int rv_key(struct rv_stream *, const char *);
RV_API int rv_keyn(struct rv_stream *, const char *, size_t);
RV_API int rv_str(struct rv_stream *, const char *);
RV_API int rv_strn(struct rv_stream *, const char *, size_t);
RV_API int rv_int(struct rv_stream *, int64_t);
RV_API int rv_uint(struct rv_stream *, uint64_t);
RV_API int rv_double(struct rv_stream *, double);
RV_API int rv_bool(struct rv_stream *, int);
RV_API int rv_null(struct rv_stream *);
RV_API int rv_bin(struct rv_stream *, const void *, size_t);
/* key + value in one call */
RV_API int rv_kstr(struct rv_stream *, const char *, const char *);
RV_API int rv_kint(struct rv_stream *, const char *, int64_t);
RV_API int rv_kdouble(struct rv_stream *, const char *, double);
RV_API int rv_kbool(struct rv_stream *, const char *, int);
RV_API int rv_knull(struct rv_stream *, const char *);

/* CSV: the header row (else taken from the first map's keys). */
RV_API int rv_columns(struct rv_stream *, size_t n, const char *const *names);

/*
 * Error: before the first byte, the given HTTP status with an
 * application/problem+json body; after it, an error item in the
 * stream's framing.  Either way the stream then ends.
 */
RV_API int rv_error(struct rv_stream *, int status, const char *title,
    const char *detailfmt, ...) RV_PRINTF(4, 5);

/* Send headers and buffered items now. */
RV_API int rv_flush(struct rv_stream *);
/* Bulk mode: coalesce items (exports); off by default. */
RV_API int rv_bulk(struct rv_stream *, int on);
/*
 * Wait ms milliseconds, flushing first.  Returns early with RV_EGONE
 * when the client leaves, RV_ESHUTDOWN when the server stops.  Sends
 * heartbeats while it waits if the wait is longer than the heartbeat
 * interval.
 */
RV_API int rv_sleep(struct rv_stream *, unsigned long ms);
/* RV_OK while the client is there, else RV_EGONE / RV_ESHUTDOWN. */
RV_API int rv_alive(struct rv_stream *);
/* Heartbeat interval for this stream, 0 to disable. */
RV_API int rv_heartbeat(struct rv_stream *, unsigned long ms);
/* Called once when the stream ends, for whatever reason. */
RV_API int rv_on_done(struct rv_stream *, void (*)(struct rv_stream *,
    enum rv_err why, void *arg), void *arg);
/*
 * End the stream: the framing's closing bytes, then the end of the
 * response.  Returns the first error the stream met (RV_EGONE if the
 * client left), so that `return rv_close(s);` reports it.
 */
RV_API int rv_close(struct rv_stream *);

/*
 * A printf into scratch memory of the stream, valid until the next
 * item has been sent.  NULL only on allocation failure.
 */
RV_API const char *rv_fmt(struct rv_stream *, const char *, ...)
    RV_PRINTF(2, 3);

enum rv_log_level {
	RV_LOG_ERROR,
	RV_LOG_WARN,
	RV_LOG_INFO,
	RV_LOG_DEBUG,
	RV_LOG__MAX
};
RV_API void rv_log(const struct rv_req *, enum rv_log_level,
    const char *, ...) RV_PRINTF(3, 4);

/* ------------------------------------------------------------------ */
/* Channels: publish/subscribe across every stream of the server        */

/*
 * A channel is a name plus an optional topic ("chat", "room-1").  Each
 * published item gets an id "<ms>-<seq>", monotonic per channel, and
 * stays in the channel's history (channel_history items, for
 * channel_history_age_ms).
 *
 * rv_subscribe(): after the handler returns RV_OK, the server holds the
 * stream without a thread and sends it every item published on the
 * channel, each in the stream's own framing (an SSE event with its id;
 * an NDJSON line, ...).  A client that comes back with Last-Event-ID
 * (the header, or ?lastEventId=) first gets what it missed from the
 * history, in order and without duplicates.  If that is no longer
 * there, it gets an event "reset" {"reason":"history","lastEventId":..}
 * and then the history that is left: reload your state on it.  A slow
 * client that had items skipped gets "reset" {"reason":"slow",
 * "skipped":N}.  The handler may also keep running and sending its own
 * items after rv_subscribe(): channel items are written during its
 * rv_sleep() calls.  RV_EBUSY: over max_subscribers or
 * max_channel_subscribers; a 503 with Retry-After was answered if
 * nothing had been sent yet, else an error item ended the stream.
 */
RV_API int rv_subscribe(struct rv_stream *, const char *channel,
    const char *topic);
/*
 * Publish one item built as with rv_packf(), with an SSE event name
 * (NULL: none).  From any thread.  RV_EINVAL: a bad name or format;
 * RV_ETOOBIG: delivery is too far behind (the item is in the history
 * but live subscribers will not get it: counted as lost).
 */
RV_API int rv_publishf(struct rv_req *, const char *channel,
    const char *topic, const char *event, const char *fmt, ...);
RV_API int rv_server_publishf(struct rv_server *, const char *channel,
    const char *topic, const char *event, const char *fmt, ...);
RV_API int rv_vpublishf(struct rv_server *, const char *channel,
    const char *topic, const char *event, const char *fmt, va_list);
/* One MessagePack value; its id is written to idbuf (may be NULL). */
RV_API int rv_publish_msgpack(struct rv_server *, const char *channel,
    const char *topic, const char *event, const void *, size_t,
    char *idbuf, size_t idlen);
/*
 * Where channels live: "embedded" (the default: this process) or
 * "redis://host[:port]/" (Redis Streams: every instance on that Redis
 * shares the channels and their history).  Before serving.  RV_EINVAL:
 * not a URL we know.
 */
RV_API int rv_server_channels(struct rv_server *, const char *backend);
/*
 * Channels across worker processes: a supervisor maps one shared log
 * before its first fork (bytes: its size, 64K to 16G; NULL if it
 * cannot) and attaches every server a worker serves to it.  Embedded
 * channels then reach every worker, and their history outlives worker
 * crashes and reloads.  rv_server_attach(): before serving; RV_EINVAL
 * for a bad log.
 */
#define RV_HAVE_SHARED	1
struct rv_shared;
RV_API struct rv_shared *rv_shared_new(size_t bytes);
RV_API void rv_shared_free(struct rv_shared *);
RV_API int rv_server_attach(struct rv_server *, struct rv_shared *);
/*
 * Work one process of many should do (a producer that publishes to a
 * channel): 1 if this process holds the lease called name now, 0 if
 * another living worker does; it passes to another when its holder
 * dies or is replaced.  1 without a supervisor.  Ask before each
 * round of the work: the answer can change.
 */
RV_API int rv_server_lease(struct rv_server *, const char *name);
/* The server a request came to (to publish from other threads). */
RV_API struct rv_server *rv_req_server(const struct rv_req *);

/* ------------------------------------------------------------------ */
/* Encoders                                                             */

enum rv_item_kind {
	RV_ITEM_VALUE,		/* a structured value: tokens */
	RV_ITEM_TEXT,		/* one RV_TOK_TEXT token, valid UTF-8 */
	RV_ITEM_BYTES,		/* one RV_TOK_BIN token */
	RV_ITEM_COMMENT,	/* one RV_TOK_TEXT token */
	RV_ITEM_ERROR,		/* a map: type, title, status, detail */
	RV_ITEM_RETRY,		/* no tokens: only the retry field */
	RV_ITEM__MAX
};

/* What an item carries besides its value. */
struct rv_item {
	enum rv_item_kind kind;
	const char *event;	/* SSE event name or NULL */
	const char *id;		/* SSE id or NULL */
	unsigned long retry;	/* ms, 0 if none */
	size_t index;		/* items sent before this one */
};

enum rv_tok_type {
	RV_TOK_MAP_OPEN,
	RV_TOK_MAP_CLOSE,
	RV_TOK_ARRAY_OPEN,
	RV_TOK_ARRAY_CLOSE,
	RV_TOK_KEY,
	RV_TOK_STR,
	RV_TOK_INT,
	RV_TOK_UINT,
	RV_TOK_DOUBLE,
	RV_TOK_BOOL,
	RV_TOK_NULL,
	RV_TOK_BIN,
	RV_TOK_TEXT,		/* payload of a text or comment item */
	RV_TOK__MAX
};

/*
 * One token of an item.  The writer has already checked the structure:
 * keys only where a map wants one, closes matching opens, strings
 * valid UTF-8, doubles finite.
 */
struct rv_token {
	enum rv_tok_type type;
	unsigned depth;		/* 0 for a top-level value */
	int in_map;		/* its container is a map */
	size_t index;		/* position in its container (pair index in maps) */
	size_t count;		/* *_CLOSE: number of elements (pairs) */
	const char *str;	/* KEY, STR, BIN, TEXT */
	size_t len;
	union {
		int64_t i;
		uint64_t u;
		double d;
		int b;
	} v;
};

/*
 * An encoder.  Built-ins and module encoders use the same interface.
 * Every step returns an rv_err; a non-zero return drops the item.
 */
struct rv_encoder {
	uint32_t abi;		/* RV_ABI_VERSION */
	const char *name;	/* for offers and ?format= ("ndjson") */
	const char *alias;	/* second ?format= name or NULL */
	const char *media_type;	/* "application/x-ndjson" */
	const char *charset;	/* "utf-8" or NULL */
	size_t state_size;	/* zeroed bytes at rv_enc_state() */
	int (*begin)(struct rv_enc *);
	int (*item_begin)(struct rv_enc *, const struct rv_item *);
	int (*token)(struct rv_enc *, const struct rv_token *);
	int (*item_end)(struct rv_enc *, const struct rv_item *);
	int (*end)(struct rv_enc *);
	/* Always called last, even for a stream cut short: free state. */
	void (*fini)(struct rv_enc *);
};

RV_API int rv_enc_write(struct rv_enc *, const void *, size_t);
RV_API int rv_enc_puts(struct rv_enc *, const char *);
RV_API void *rv_enc_state(struct rv_enc *);
RV_API const char *rv_enc_envelope(const struct rv_enc *);
/* Render a token as JSON text (for encoders built on JSON). */
RV_API int rv_enc_json_token(struct rv_enc *, const struct rv_token *);

/* ------------------------------------------------------------------ */
/* Modules                                                              */

typedef int (*rv_handler)(struct rv_req *);
/*
 * A guard runs before a route's handler: RV_OK lets the request
 * through; anything else refuses it.  A guard that refuses answers
 * itself (rv_deny: 401, 403, ...); if it did not, the client gets 403.
 */
typedef int (*rv_guard_fn)(struct rv_req *, void *arg);

struct rv_route {
	const char *method;	/* "GET", "POST", ... ; "GET" also answers HEAD */
	const char *pattern;	/* "/stocks/{symbol}/stream" */
	rv_handler handler;
	/* Guards by name, run in order ("bearer"), or NULL (ABI 2). */
	const char *guards;
};

/* A guard a module adds, for its routes and any other's (ABI 2). */
struct rv_guard {
	const char *name;	/* "bearer" is built in */
	rv_guard_fn check;
	void *arg;
};

struct rv_module {
	uint32_t abi;		/* RV_ABI_VERSION: first, never moves */
	uint32_t size;		/* sizeof(struct rv_module) */
	const char *name;
	const struct rv_route *routes;	/* ends with a zeroed entry */
	const struct rv_encoder *const *encoders;	/* NULL-terminated or NULL */
	/* Called once per process before serving; non-zero refuses the module. */
	int (*init)(void **data);
	void (*fini)(void *data);
	/* Guards it adds, before its routes; ends with a zeroed entry. */
	const struct rv_guard *guards;
};

/* The symbol the runtime looks up in a module. */
#define RV_MODULE_SYMBOL rivulet_module
#define RV_MODULE_SYMBOL_NAME "rivulet_module"

#define RV_ROUTE(m, p, h)	{ (m), (p), (h), NULL }
#define RV_GET(p, h)		RV_ROUTE("GET", (p), (h))
#define RV_POST(p, h)		RV_ROUTE("POST", (p), (h))
#define RV_PUT(p, h)		RV_ROUTE("PUT", (p), (h))
#define RV_DELETE(p, h)		RV_ROUTE("DELETE", (p), (h))
/* A route behind guards: RV_GUARDED("bearer", RV_GET(...)) reads badly
 * in C, so the guard names come last: RV_GET_GUARDED(p, h, "bearer"). */
#define RV_ROUTE_GUARDED(m, p, h, g)	{ (m), (p), (h), (g) }
#define RV_GET_GUARDED(p, h, g)		RV_ROUTE_GUARDED("GET", (p), (h), (g))
#define RV_POST_GUARDED(p, h, g)	RV_ROUTE_GUARDED("POST", (p), (h), (g))
#define RV_ROUTES_END			{ NULL, NULL, NULL, NULL }

/*
 * RV_MODULE("name", RV_GET(...), ...) for a module of routes only;
 * otherwise define RV_MODULE_SYMBOL yourself with RV_MODULE_HEAD and
 * designated initialisers.
 */
#define RV_MODULE_HEAD .abi = RV_ABI_VERSION, .size = sizeof(struct rv_module)
#define RV_MODULE(modname, ...)						\
	static const struct rv_route rv_module_routes_[] = {		\
		__VA_ARGS__, RV_ROUTES_END };				\
	RV_API extern const struct rv_module RV_MODULE_SYMBOL;		\
	const struct rv_module RV_MODULE_SYMBOL = {			\
		RV_MODULE_HEAD, .name = (modname),			\
		.routes = rv_module_routes_ }

/* ------------------------------------------------------------------ */
/* Files and guards                                                     */

/*
 * rv_send_file() answers a whole response with a file: root/relpath,
 * relpath confined to root.  "..", ".", empty segments, a leading '/',
 * backslashes, control bytes, and any symlink under root (the root
 * itself may be one) answer 404 problem+json, as do a missing file
 * and anything that is not a regular file.  relpath is used as given:
 * it is never percent-decoded (the front server decoded the path once).
 *
 * The response has Content-Length, Content-Type (from the extension,
 * or opts), Content-Disposition (RFC 6266, filename* for non-ASCII
 * names), X-Content-Size (the file's size), Accept-Ranges, ETag and
 * Last-Modified.  If-None-Match / If-Modified-Since answer 304.  One
 * Range answers 206 with Content-Range (If-Range honoured), an
 * unsatisfiable one 416 with "Content-Range: bytes * /size"; several
 * ranges answer 200 with the whole file (no multipart/byteranges).
 * HEAD sends the head alone.
 *
 * With delegation on (rv_server_file_delegation) the front server
 * sends the bytes (and serves ranges); otherwise they are read in
 * chunks of 256 KiB, never the whole file at once.
 *
 * Before anything was sent only (else RV_ESTATE).  RV_OK once the
 * response went out, whatever its status (200, 206, 304, 404, 416);
 * RV_EGONE if the client left during it.
 */
enum rv_disposition {
	RV_DISP_ATTACHMENT,	/* the default: a download */
	RV_DISP_INLINE,		/* shown in the browser */
	RV_DISP_NONE		/* no Content-Disposition */
};

struct rv_file_opts {
	const char *content_type;	/* NULL: from the name's extension */
	const char *filename;		/* the name offered; NULL: relpath's last */
	enum rv_disposition disposition;
	const char *cache_control;	/* NULL: none sent */
	int no_delegation;		/* stream it even if delegation is on */
};

RV_API int rv_send_file(struct rv_req *, const char *root,
    const char *relpath, const struct rv_file_opts *);

/*
 * How the front server may be asked to send files itself:
 * X-Sendfile with the absolute path (lighttpd "x-sendfile" => "enable",
 * Apache mod_xsendfile), or X-Accel-Redirect with prefix + relpath
 * (nginx: an "internal" location at prefix whose alias is the root).
 * The header never reaches the client: those servers remove it.
 */
enum rv_delegate {
	RV_DELEGATE_OFF,
	RV_DELEGATE_XSENDFILE,
	RV_DELEGATE_XACCEL
};
RV_API int rv_server_file_delegation(struct rv_server *, enum rv_delegate,
    const char *xaccel_prefix);

/*
 * Operator settings for modules ("download_dir"), set by the runtime
 * from its config before the modules are loaded.
 */
RV_API int rv_server_setting(struct rv_server *, const char *name,
    const char *value);
RV_API const char *rv_setting(const struct rv_req *, const char *name,
    const char *def);

/*
 * Guards.  A module lists its own in struct rv_module; the runtime
 * (or an embedder) can add one here, and put any guard in front of
 * every route whose pattern matches a glob (fnmatch(3) without
 * FNM_PATHNAME: "/protected*" matches "/protected/{name}/stream").  Order: a route's own guards,
 * then the ones added by glob, in the order they were added.
 */
RV_API int rv_server_add_guard(struct rv_server *, const char *name,
    rv_guard_fn, void *arg);
/* The number of routes guarded, or -1 (errbuf says why). */
RV_API int rv_server_guard_routes(struct rv_server *, const char *guard,
    const char *glob, char *errbuf, size_t errlen);
/*
 * Bodies of the routes whose pattern matches glob: at most max bytes,
 * under the server's max_upload.  A longer declared body is answered
 * 413 before the handler runs; a chunked one is cut at max (its reads
 * fail with RV_ETOOBIG).  The number of routes, or -1 (errbuf says why).
 */
RV_API int rv_server_body_limit(struct rv_server *, const char *glob,
    size_t max, char *errbuf, size_t errlen);
/*
 * The stock guard "bearer": "Authorization: Bearer TOKEN" with one of
 * the tokens given here (compared in constant time), else 401 with
 * 'WWW-Authenticate: Bearer realm="rivulet"' (and error="invalid_token"
 * for a wrong one).  With no token given it refuses everything.
 */
RV_API int rv_server_bearer_token(struct rv_server *, const char *token);
/*
 * A refusal, for guards: status (401, 403, 429, ...) with a
 * problem+json body and one optional extra header (NULL name: none).
 * Returns RV_ECLOSED, the request being answered, so that a guard can
 * `return rv_deny(...)`; or the error that cut the answer short.
 */
RV_API int rv_deny(struct rv_req *, int status, const char *hname,
    const char *hvalue, const char *detail);

/* ------------------------------------------------------------------ */
/* Request input: body streams, forms, uploads, JSON/MessagePack      */
/* bodies, cookies, validation                                        */

struct msgpack_object;	/* msgpack-c's value type */

/*
 * The body as a stream, whatever the server did with it: bodies up to
 * max_body are buffered before the handler runs (rv_body() has them
 * too), bigger ones or ones of unknown length (chunked uploads) are
 * read here as they arrive.  Up to len bytes into buf; RV_OK with
 * *got == 0 at the end of the body.  Errors: RV_ETOOBIG (over
 * max_upload: answer 413), RV_EINVAL (the body was cut short or is
 * longer than its CONTENT_LENGTH), RV_EGONE, RV_EIO (nothing came for
 * params_timeout), RV_ESHUTDOWN.  An error is sticky.
 */
RV_API int rv_body_read(struct rv_req *, void *buf, size_t len, size_t *got);
/* CONTENT_LENGTH as the front server declared it, -1 if none. */
RV_API int64_t rv_body_length(const struct rv_req *);
/*
 * The whole body in memory (at most max bytes, RV_ETOOBIG beyond),
 * read through rv_body_read; it stays valid as long as the request.
 * A body already read in part cannot be loaded (RV_ESTATE).
 */
RV_API int rv_body_load(struct rv_req *, size_t max, const void **body,
    size_t *len);

/*
 * Every value of a query key, decoded, in order: up to max in vals;
 * returns how many there are ("?t=a&t=b").
 */
RV_API size_t rv_query_values(struct rv_req *, const char *key,
    const char **vals, size_t max);
/* A cookie's value (Cookie header, RFC 6265); def if absent. */
RV_API const char *rv_cookie(struct rv_req *, const char *name,
    const char *def);

/*
 * A form field: from an application/x-www-form-urlencoded body (read
 * whole, up to RV_FORM_MAX bytes), or from the text fields of a
 * multipart/form-data body once rv_multipart() ran.  def if absent.
 * A malformed body marks the request bad (400 at rv_open()).
 */
#define RV_FORM_MAX	(1024 * 1024)
RV_API const char *rv_form(struct rv_req *, const char *name,
    const char *def);
RV_API size_t rv_form_values(struct rv_req *, const char *name,
    const char **vals, size_t max);

/* One part of a multipart/form-data body. */
struct rv_part {
	const char *name;		/* form field name ("" if none) */
	const char *filename;		/* as the client sent it, or NULL */
	const char *content_type;	/* NULL: text/plain */
	size_t index;			/* 0, 1, ... */
	/* Parts saved to a temp file (no on_data): */
	const char *path;		/* the temp file, removed at the end
					   of the request unless moved */
	uint64_t size;			/* bytes of the part */
};

/*
 * Callbacks of rv_multipart(), each may be NULL.  A part with a
 * filename goes to on_data if it is set, else to a temp file (in the
 * server's "upload_dir" setting, else $TMPDIR or /tmp) which on_end
 * names in part->path.  Parts without a filename are form fields:
 * kept in memory (up to max_field) for rv_form().  A non-zero return
 * stops the parse and is returned.
 */
struct rv_multipart_cb {
	int (*on_part)(void *arg, const struct rv_part *);
	int (*on_data)(void *arg, const struct rv_part *, const void *,
	    size_t);
	int (*on_end)(void *arg, const struct rv_part *);
};

struct rv_multipart_limits {
	size_t max_parts;		/* 0: 64 */
	size_t max_header;		/* bytes of a part's headers; 0: 8K */
	size_t max_field;		/* bytes of a text field; 0: 64K */
	uint64_t max_file;		/* bytes of a file part; 0: none */
};

/*
 * Parse a multipart/form-data body as it streams in (never held whole
 * in memory).  RV_EINVAL: not multipart, or malformed (the request is
 * marked bad: 400); RV_ETOOBIG: over a limit (413); else what a read
 * or a callback returned.  lim may be NULL.
 */
RV_API int rv_multipart(struct rv_req *, const struct rv_multipart_cb *,
    void *arg, const struct rv_multipart_limits *lim);

/*
 * The body parsed as JSON (jansson) or MessagePack, at most max bytes
 * and depth levels of nesting (0: 64).  The value belongs to the
 * request.  RV_ETOOBIG over a limit (413), RV_EINVAL if malformed
 * (400), marking the request bad either way.
 */
RV_API int rv_body_json(struct rv_req *, size_t max, unsigned depth,
    struct json_t **out);
RV_API int rv_body_msgpack(struct rv_req *, size_t max, unsigned depth,
    const struct msgpack_object **out);

/*
 * A client's file name made safe as one component of a path: its last
 * '/' or '\\' component, bytes other than letters, digits, '.', '-'
 * and '_' as '_', no leading dots, at most len - 1 bytes (at least 8),
 * "upload" if nothing is left.  Never trust the name otherwise.
 */
RV_API int rv_filename_safe(const char *name, char *out, size_t len);
/*
 * The file name a request's Content-Disposition header hints at
 * (filename* over filename), made safe as rv_filename_safe(); NULL if
 * the header names none.  Per-request memory.
 */
RV_API const char *rv_upload_name(struct rv_req *);

/* Declarative validation of query or form fields. */
enum rv_check {
	RV_CHECK_INT,		/* decimal integer in [min, max] */
	RV_CHECK_NUMBER,	/* finite decimal number in [fmin, fmax] */
	RV_CHECK_BOOL,		/* true/false, 1/0, yes/no, on/off */
	RV_CHECK_STRING,	/* UTF-8, length in [min, max] code points,
				   matching pattern (POSIX ERE) if set */
	RV_CHECK_EMAIL,		/* local@domain.tld, at most max bytes */
	RV_CHECK_UUID,		/* 8-4-4-4-12 hex digits */
	RV_CHECK_DATE,		/* ISO 8601: YYYY-MM-DD, or a date-time */
	RV_CHECK_ENUM		/* one of choices */
};

struct rv_field {
	const char *name;
	enum rv_check check;
	int required;
	long long min, max;		/* INT range; STRING/EMAIL length */
	double fmin, fmax;		/* NUMBER range */
	const char *pattern;		/* STRING */
	const char *const *choices;	/* ENUM: NULL-terminated */
};

#define RV_FIELD_INT(n, lo, hi)	{ .name = (n), .check = RV_CHECK_INT, \
	.min = (lo), .max = (hi) }
#define RV_FIELD_NUMBER(n, lo, hi) { .name = (n), .check = RV_CHECK_NUMBER, \
	.fmin = (lo), .fmax = (hi) }
#define RV_FIELD_BOOL(n)	{ .name = (n), .check = RV_CHECK_BOOL }
#define RV_FIELD_STRING(n, lo, hi, re) { .name = (n), \
	.check = RV_CHECK_STRING, .min = (lo), .max = (hi), .pattern = (re) }
#define RV_FIELD_EMAIL(n)	{ .name = (n), .check = RV_CHECK_EMAIL }
#define RV_FIELD_UUID(n)	{ .name = (n), .check = RV_CHECK_UUID }
#define RV_FIELD_DATE(n)	{ .name = (n), .check = RV_CHECK_DATE }
#define RV_FIELD_ENUM(n, ch)	{ .name = (n), .check = RV_CHECK_ENUM, \
	.choices = (ch) }

enum rv_from {
	RV_FROM_QUERY,
	RV_FROM_FORM		/* rv_form(): urlencoded or multipart */
};

/*
 * Check every field (all, not up to the first bad one).  RV_OK, or
 * RV_EINVAL with the request marked bad: rv_open() then answers one
 * 400 application/problem+json whose "errors" array lists each bad
 * field as {"field": name, "reason": why}.
 */
RV_API int rv_validate(struct rv_req *, enum rv_from,
    const struct rv_field *fields, size_t n);


/* ------------------------------------------------------------------ */
/* Embedding: a server of routes (the rivulet daemon is built on this) */

struct rv_limits {
	size_t max_params;	/* bytes of FastCGI params (431 beyond) */
	size_t max_body;	/* bytes of request body (413 beyond) */
	size_t max_item;	/* bytes of one encoded item */
	unsigned max_handlers;	/* concurrent handler threads (503 beyond) */
	unsigned long heartbeat_ms;	/* idle stream heartbeat, 0: off */
	unsigned long params_timeout_ms;	/* to receive a request's params */
	unsigned long write_timeout_ms;	/* a client that reads nothing */
	size_t thread_stack;	/* bytes of stack per handler thread */
	/*
	 * Bytes of a body streamed to its handler (rv_body_read) rather
	 * than buffered: bodies over max_body, or of unknown length
	 * (chunked), up to this; 413 beyond.  0: no streaming.
	 */
	size_t max_upload;
	/* channels */
	size_t channel_history;	/* items kept per channel for resuming */
	unsigned long channel_history_age_ms;	/* and their age, 0: no bound */
	size_t channel_queue;	/* bytes unread by one subscriber, at most */
	int channel_slow;	/* RV_SLOW_DROP or RV_SLOW_SKIP past that */
	unsigned max_subscribers;	/* in this server (503 beyond) */
	unsigned max_channel_subscribers;	/* in one channel, 0: no own bound */
	/* Requests a worker serves before it drains and exits (0: no end). */
	unsigned long max_requests;
	/*
	 * A handler that runs this long without sending a byte and outside
	 * any wait (rv_sleep, a body read) is hung: its client gets 504,
	 * and a replaceable worker drains and exits.  0: no limit.
	 */
	unsigned long handler_timeout_ms;
	/*
	 * A stream that sends no item for this long (heartbeats do not
	 * count) ends cleanly, with an SSE retry hint.  0: no limit.
	 */
	unsigned long stream_idle_ms;
	/* A supervisor replaces this process when it exits (the runtime
	 * sets it for its workers): max_requests and hung handlers end it. */
	int replaceable;
	/*
	 * 1: a fan-out hands its subscribers' sends to the kernel in
	 * batches through io_uring, where the kernel allows it (one
	 * send(2) each otherwise, and with 0).
	 */
	unsigned io_uring;
};

/* What happens to a subscriber that reads too slowly. */
enum rv_slow {
	RV_SLOW_DROP,	/* end its stream with an error item */
	RV_SLOW_SKIP,	/* skip items until it catches up, then say so */
	RV_SLOW__MAX
};

RV_API struct rv_server *rv_server_new(void);
RV_API void rv_server_free(struct rv_server *);
RV_API void rv_server_limits(struct rv_server *, struct rv_limits *);
RV_API int rv_server_set_limits(struct rv_server *, const struct rv_limits *);
/* Strip this prefix from SCRIPT_NAME+PATH_INFO instead of using PATH_INFO. */
RV_API int rv_server_mount(struct rv_server *, const char *prefix);
/* Add a module's routes and encoders; calls its init. */
RV_API int rv_server_add_module(struct rv_server *, const struct rv_module *,
    char *errbuf, size_t errlen);
RV_API int rv_server_add_encoder(struct rv_server *, const struct rv_encoder *);
/*
 * Serve FastCGI on a listening socket until rv_server_stop(), then
 * drain (up to 10 s).  RV_OK when every handler has finished;
 * RV_ESHUTDOWN when some still run: exit without rv_server_free().
 */
RV_API int rv_server_serve(struct rv_server *, int listenfd);
/*
 * Answer the one request of a CGI program (RFC 3875: the environment,
 * the body on stdin, the response on stdout), then return: RV_OK, or
 * RV_EGONE if the client left.  The handler runs on this thread.
 */
RV_API int rv_server_cgi(struct rv_server *);
/*
 * A status route at path (GET): JSON, or Prometheus text with
 * ?format=prometheus or Accept: text/plain.  Uptime, workers and their
 * restarts (with rv_server_attach), requests, active ones, bytes out,
 * answers by status class, channels, and per route its count and a
 * latency histogram.  Only from loopback unless public; with a token,
 * only with "Authorization: Bearer token" (401 otherwise).  Before
 * serving.  RV_EINVAL: path not absolute.
 */
RV_API int rv_server_status(struct rv_server *, const char *path,
    const char *token, int public_);
/* Log a warning for a request whose response took ms or more (0: off). */
RV_API void rv_server_slow_log(struct rv_server *, unsigned long ms);
/* The supervisor counts a worker it replaced. */
RV_API void rv_shared_count_restart(struct rv_shared *);
/*
 * A worker's last words: why it ended ("signal 11 (Segmentation fault)
 * in GET /x/{id}", "handler_timeout in GET /slow"), copied to buf and
 * cleared; 0 when it left none.  For the supervisor, after waitpid().
 */
RV_API size_t rv_shared_last_words(struct rv_shared *, long pid, char *buf,
    size_t len);
/*
 * Catch SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT: write which route
 * the failing thread ran to stderr and to the last words, then die of
 * the same signal.  Process-wide; the runtime calls it.
 */
RV_API int rv_server_report_crashes(struct rv_server *);
/*
 * Who may connect to a TCP listener: addresses and networks ("10.0.0.5
 * 192.168.1.0/24 ::1", spaces or commas), or "any".  Unset: loopback
 * only, or FCGI_WEB_SERVER_ADDRS if set.  NULL: back to the default.
 * RV_EINVAL for an entry that is not an address or network.
 */
RV_API int rv_server_allow(struct rv_server *, const char *list);
/* Async-signal-safe: ask rv_server_serve() to drain and return. */
RV_API void rv_server_stop(struct rv_server *);
/* Write the route table, one "METHOD pattern module" line each. */
RV_API void rv_server_routes(const struct rv_server *,
    void (*)(const char *method, const char *pattern, const char *module,
    void *), void *);
RV_API void rv_set_log_level(enum rv_log_level);

/* ------------------------------------------------------------------ */
/* Testing handlers in-process (no web server)                          */

struct rv_test_request {
	const char *method;		/* "GET" if NULL */
	const char *uri;		/* "/api/json_stream?x=1" */
	const char *const *headers;	/* "Name: value", NULL-terminated */
	const void *body;
	size_t body_len;
	int real_sleep;			/* 0: rv_sleep returns at once */
	size_t leave_after;		/* client leaves after N items (0: never) */
	/* Body as the runtime streams it (rv_body_read), not buffered: */
	int body_chunked;		/* no CONTENT_LENGTH: chunked upload */
	size_t body_chunk;		/* pieces of this size (0: 4096) */
};

struct rv_test_response {
	int status;
	char *head;		/* response header block, "Name: value\n" lines */
	char *body;		/* NUL-terminated too */
	size_t body_len;
	struct json_t *items;	/* body decoded by its framing: a JSON array */
	int handler_ret;	/* what the handler returned */
	size_t items_sent;	/* items the stream accepted */
};

RV_API int rv_test_run(struct rv_server *, const struct rv_test_request *,
    struct rv_test_response *);
/* A response header's value, in a per-thread buffer the next call reuses. */
RV_API const char *rv_test_header(const struct rv_test_response *,
    const char *name);
RV_API void rv_test_response_free(struct rv_test_response *);
/*
 * Decode a body of the given media type into a JSON array of items:
 * SSE events as {"event","id","retry","data"} (data parsed as JSON
 * when it is JSON), NDJSON/json-seq/msgpack values, a JSON array's
 * elements, CSV rows as objects keyed by the header, text as one
 * string.  NULL with errbuf filled when the body is malformed.
 */
RV_API struct json_t *rv_decode(const char *media_type, const void *body,
    size_t len, char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* RIVULET_H */
