/*
 * request.c: a request from its CGI/FastCGI params: method, routed
 * path, query (parsed on first use, percent-decoded), headers, body.
 * Values come from the peer: each is copied, bounded and checked.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "input.h"

static atomic_uint next_id;

int
req_init(struct rv_req *rq, struct rv_server *srv, struct rv_sink *sink)
{

	memset(rq, 0, sizeof(*rq));
	rq->srv = srv;
	rq->sink = sink;
	rq->stream.rq = rq;
	/*
	 * Most items need no scratch, or a few bytes (an event name): a
	 * handler thread's malloc arena is then not left with 2 KiB holes
	 * between the small things that outlive its requests.
	 */
	rq->stream.scratch.first = 256;
	rq->id = atomic_fetch_add(&next_id, 1) + 1;
	clock_gettime(CLOCK_MONOTONIC, &rq->start);
	return RV_OK;
}

/*
 * One CGI param, copied into the request's arena.  A name or value
 * with a NUL byte cannot be told apart from a shorter one ("PATH_INFO"
 * and "PATH_INFO\0x"): it is dropped and the request answered 400.
 */
int
req_add_env(struct rv_req *rq, const char *k, size_t kn, const char *v,
    size_t vn)
{
	struct rv_kv	*env;
	size_t		 cap;

	if (memchr(k, '\0', kn) != NULL || memchr(v, '\0', vn) != NULL) {
		req_mark_bad(rq, 400, "a request parameter holds a NUL byte");
		return RV_OK;
	}
	/* 32 slots (or as reserved), then doubling. */
	if (rq->nenv == rq->capenv) {
		cap = rq->capenv == 0 ? 32 : rq->capenv * 2;
		if ((env = arena_alloc(&rq->arena, cap * sizeof(*env))) ==
		    NULL)
			return RV_ENOMEM;
		if (rq->nenv > 0)
			memcpy(env, rq->env, rq->nenv * sizeof(*env));
		rq->env = env;
		rq->capenv = cap;
	}
	if ((rq->env[rq->nenv].key = arena_strndup(&rq->arena, k, kn)) ==
	    NULL || (rq->env[rq->nenv].val = arena_strndup(&rq->arena, v,
	    vn)) == NULL)
		return RV_ENOMEM;
	rq->nenv++;
	return RV_OK;
}

/*
 * The arena's first block fits the params exactly, with room for what
 * most handlers add (the parsed query: its array and decoded strings, a
 * capture or two), instead of a fixed block mostly empty: a held
 * subscriber keeps it as long as it stays.
 */
#define ENV_SLACK	256

int
req_env_reserve(struct rv_req *rq, size_t n, size_t bytes, size_t qlen)
{
	size_t	 want;

	if (rq->nenv > 0 || n == 0)
		return RV_OK;
	if (n > SIZE_MAX / 4 / sizeof(*rq->env) || bytes > SIZE_MAX / 4 ||
	    qlen > bytes)
		return RV_ENOMEM;
	want = n * sizeof(*rq->env) + bytes + 2 * n + 2 * qlen + ENV_SLACK;
	if (arena_reserve(&rq->arena, want) != RV_OK ||
	    (rq->env = arena_alloc(&rq->arena, n * sizeof(*rq->env))) == NULL)
		return RV_ENOMEM;
	rq->capenv = n;
	return RV_OK;
}

const char *
rv_env(const struct rv_req *rq, const char *name)
{
	size_t	 i;

	/* The first of duplicates, as libfcgi does (nginx may send two). */
	for (i = 0; name != NULL && i < rq->nenv; i++)
		if (strcmp(rq->env[i].key, name) == 0)
			return rq->env[i].val;
	return NULL;
}

void
req_mark_bad(struct rv_req *rq, int status, const char *fmt, ...)
{
	char	 why[256];
	va_list	 ap;

	if (rq->bad_status != 0)
		return;
	rq->bad_status = status;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* Kept in the arena: most requests never need the room. */
	if ((rq->bad = arena_strndup(&rq->arena, why, strlen(why))) == NULL)
		rq->bad = "the request could not be read (out of memory)";
}

/* Strip the mount prefix at a segment boundary; NULL if not under it. */
static const char *
strip_mount(const char *full, const char *mount)
{
	size_t	 n = strlen(mount);

	while (n > 0 && mount[n - 1] == '/')
		n--;
	if (strncmp(full, mount, n) != 0)
		return NULL;
	if (full[n] == '\0')
		return "/";
	return full[n] == '/' ? full + n : NULL;
}

/*
 * The routed path (notes/front-servers section 6).  With a mount set,
 * SCRIPT_NAME + PATH_INFO below the mount, whichever way the front
 * server split them (lighttpd "/app" sends /app + /api/stream, nginx
 * and Apache ProxyPass send /app/api/stream + nothing); a path not
 * under the mount ("/apple" for "/app") is NULL and routes to 404.
 * Without a mount, PATH_INFO if non-empty, else SCRIPT_NAME.  An empty
 * path is "/".
 */
int
req_finish_env(struct rv_req *rq)
{
	const char	*sn = rv_env(rq, "SCRIPT_NAME");
	const char	*pi = rv_env(rq, "PATH_INFO");
	char		*full;
	size_t		 sl, pl;

	rq->method = rv_env(rq, "REQUEST_METHOD");
	if (rq->method == NULL || *rq->method == '\0') {
		rq->method = "GET";
		req_mark_bad(rq, 400, "the request has no REQUEST_METHOD");
	}
	rq->head_only = strcmp(rq->method, "HEAD") == 0;
	rq->query_string = rv_env(rq, "QUERY_STRING");
	if (rq->query_string == NULL)
		rq->query_string = "";
	sl = sn != NULL ? strlen(sn) : 0;
	pl = pi != NULL ? strlen(pi) : 0;
	if (rq->srv->mount != NULL) {
		if ((full = arena_alloc(&rq->arena, sl + pl + 1)) == NULL)
			return RV_ENOMEM;
		memcpy(full, sn != NULL ? sn : "", sl);
		memcpy(full + sl, pi != NULL ? pi : "", pl);
		full[sl + pl] = '\0';
		rq->path = strip_mount(full, rq->srv->mount);
	} else if (pl > 0)
		rq->path = pi;
	else
		rq->path = sl > 0 ? sn : "/";
	if (rq->path != NULL && *rq->path == '\0')
		rq->path = "/";
	return RV_OK;
}

void
req_free(struct rv_req *rq)
{

	input_free(rq);
	free(rq->stream.lvx);
	rq->stream.lvx = NULL;
	buf_free(&rq->stream.out);
	buf_free(&rq->stream.head);
	arena_reset(&rq->stream.scratch);
	arena_reset(&rq->arena);
}

static int
hexval(int c)
{

	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * dst must hold n + 1 bytes (decoding never lengthens).  Refused: a
 * '%' without two hex digits, and NUL, raw or as %00, which would cut
 * the C string short.
 */
int
pct_decode(char *dst, const char *src, size_t n, int plus, size_t *outlen)
{
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (src[i] == '%') {
			/* %00 would cut the string short: refused too. */
			if (i + 2 >= n || (hi = hexval((unsigned char)
			    src[i + 1])) < 0 || (lo = hexval((unsigned char)
			    src[i + 2])) < 0 || (hi == 0 && lo == 0))
				return -1;
			dst[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (src[i] == '\0')
			return -1;
		else
			dst[o++] = plus && src[i] == '+' ? ' ' : src[i];
	}
	dst[o] = '\0';
	*outlen = o;
	return 0;
}

/*
 * The query string (parse_query.c).  A pair with a bad escape or that
 * does not decode to UTF-8 is skipped, and the request is marked 400:
 * a handler that opens its stream then answers with a problem saying
 * so.
 */
static void
parse_query(struct rv_req *rq)
{
	int	 rc;

	rq->query_parsed = 1;
	rc = urlenc_parse(&rq->arena, rq->query_string,
	    strlen(rq->query_string), SIZE_MAX, &rq->query, &rq->nquery);
	if (rc == RV_EINVAL)
		req_mark_bad(rq, 400, "the query string has an invalid "
		    "percent-escape or does not decode to UTF-8");
	else if (rc != RV_OK)
		req_mark_bad(rq, 503, "out of memory reading the query string");
}

/* The first value of key: "?a=1&a=2" reads a as "1". */
const char *
rv_query(struct rv_req *rq, const char *key, const char *def)
{
	size_t	 i;

	if (!rq->query_parsed)
		parse_query(rq);
	if (key == NULL)
		return def;
	for (i = 0; i < rq->nquery; i++)
		if (strcmp(rq->query[i].key, key) == 0)
			return rq->query[i].val;
	return def;
}

size_t
rv_query_values(struct rv_req *rq, const char *key, const char **vals,
    size_t max)
{

	if (!rq->query_parsed)
		parse_query(rq);
	return kv_values(rq->query, rq->nquery, key, vals, max);
}

/*
 * A decimal integer, the whole string: an optional sign then digits;
 * no spaces, no junk after, no overflow.  0 on success.  (strtol would
 * skip leading white space and follow the locale.)
 */
static int
parse_long(const char *s, long *out)
{
	unsigned long	 n = 0, lim;
	int		 neg = 0, d;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s == '\0')
		return -1;
	lim = neg ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		d = *s - '0';
		if (n > (lim - (unsigned long)d) / 10)
			return -1;
		n = n * 10 + (unsigned long)d;
	}
	if (neg)
		*out = n == (unsigned long)LONG_MAX + 1 ? LONG_MIN :
		    -(long)n;
	else
		*out = (long)n;
	return 0;
}

long
rv_query_range(struct rv_req *rq, const char *key, long def, long min,
    long max)
{
	const char	*v = rv_query(rq, key, NULL);
	long		 n;

	if (v == NULL)
		return def;
	if (parse_long(v, &n) == 0 && n >= min && n <= max)
		return n;
	if (min == LONG_MIN && max == LONG_MAX)
		req_mark_bad(rq, 400, "invalid query parameter '%s': expected "
		    "an integer", key);
	else
		req_mark_bad(rq, 400, "invalid query parameter '%s': expected "
		    "an integer between %ld and %ld", key, min, max);
	return def;
}

long
rv_query_long(struct rv_req *rq, const char *key, long def)
{

	return rv_query_range(rq, key, def, LONG_MIN, LONG_MAX);
}

/*
 * A request header by its HTTP name: "Last-Event-ID" is the CGI param
 * HTTP_LAST_EVENT_ID; Content-Type and Content-Length have no HTTP_.
 */
const char *
rv_req_header(const struct rv_req *rq, const char *name)
{
	char	 env[256];
	size_t	 i, n, off = 5;
	int	 c;

	if (name == NULL || (n = strlen(name)) == 0 || n + off >= sizeof(env))
		return NULL;
	if (strcasecmp(name, "Content-Type") == 0 ||
	    strcasecmp(name, "Content-Length") == 0)
		off = 0;
	memcpy(env, "HTTP_", off);
	/* ASCII only: toupper() would follow a handler's locale. */
	for (i = 0; i < n; i++) {
		c = (unsigned char)name[i];
		env[off + i] = c == '-' ? '_' : c >= 'a' && c <= 'z' ?
		    (char)(c - 'a' + 'A') : (char)c;
	}
	env[off + n] = '\0';
	return rv_env(rq, env);
}

const char *
rv_method(const struct rv_req *rq)
{

	return rq->method;
}

const char *
rv_path(const struct rv_req *rq)
{

	return rq->path;
}

const char *
rv_param(const struct rv_req *rq, const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < rq->ncaps; i++)
		if (strcmp(rq->caps[i].key, name) == 0)
			return rq->caps[i].val;
	return NULL;
}

const void *
rv_body(const struct rv_req *rq, size_t *len)
{

	if (len != NULL)
		*len = rq->body_len;
	return rq->body;
}

void *
rv_module_data(const struct rv_req *rq)
{

	return rq->mod_data;
}
