/*
 * rivulet-cat: ask a rivulet stream for something and print its items,
 * one JSON line each, as they arrive, whatever the framing.  It speaks
 * FastCGI straight to rivulet's socket (no web server needed) or plain
 * HTTP/1.1 to a URL, both written here by hand: no TLS, no libcurl.
 * For debugging handlers and for scripts; see usage() and the exit
 * codes below.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <fastcgi.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "fcgi.h"
#include "catdec.h"

/* Exit codes (documented in usage()). */
enum {
	CX_OK = 0,	/* the stream ended, or --max-items were printed */
	CX_USAGE = 1,
	CX_CONNECT = 2,	/* no connection: refused, no such socket or host */
	CX_HTTP = 3,	/* an HTTP error status (4xx, 5xx) */
	CX_FRAMING = 4,	/* the body is not of its framing */
	CX_PROTO = 5,	/* not FastCGI/HTTP, or the connection was cut */
	CX_TIMEOUT = 6,	/* --max-time passed */
	CX_ERRITEM = 7	/* the stream carried an error item */
};

#define HEAD_MAX	(64 * 1024)

struct opts {
	const char	*target;
	const char	*path;		/* path?query */
	int		 path_given;
	char		*fullpath;	/* path with ?format= */
	const char	*method;
	const char	*accept;
	const char	*format;
	const char	*framing;
	const char	**hdrs;
	size_t		 nhdrs;
	struct rv_buf	 body;
	int		 has_body;
	int		 include;
	unsigned long	 max_items;
	double		 max_time;
};

/* What came back, fed by either transport. */
struct cat {
	const struct opts	*o;
	int			 fd;
	int			 http;		/* else FastCGI */
	struct rv_buf		 in;		/* read, not yet taken */
	struct rv_buf		 head;
	int			 head_done;
	int			 status;
	json_t			*headers;	/* name -> value */
	struct catdec		*dec;
	unsigned long		 items;
	int			 err_item;
	int			 done;		/* the response is complete */
	int			 stop;		/* --max-items reached */
	int			 xcode;
	/* HTTP body framing */
	int			 chunked;
	long long		 left;		/* body or chunk bytes; -1: to EOF */
	int			 cstate;	/* chunked: 0 size, 1 data, 2 CRLF, 3 trailers */
	struct timespec		 deadline;
};

static const char *progname = "rivulet-cat";

static void
usage(FILE *f)
{

	fprintf(f,
"usage: %s [options] unix:SOCKET|tcp:HOST:PORT [PATH]\n"
"       %s [options] http://HOST[:PORT]/PATH\n"
"\n"
"Sends a request to a rivulet stream and prints the items of the answer,\n"
"one JSON line each, as soon as each arrives:\n"
"  text/event-stream     {\"event\":..,\"id\":..,\"retry\":..,\"data\":..}\n"
"                        (data parsed as JSON when it is JSON)\n"
"  application/x-ndjson  each line's value\n"
"  application/json-seq  each record's value\n"
"  application/json      each element of a top-level array, or of the\n"
"                        array in {\"key\":[...]} (later members come as\n"
"                        {\"name\":value}); any other document whole\n"
"  application/msgpack   each value, as JSON (bin and ext as base64)\n"
"  text/csv              each row as an array of strings\n"
"  text/*, XML           each line as a string\n"
"  anything else         each piece read, as a base64 string\n"
"\n"
"unix:SOCKET and tcp:HOST:PORT speak FastCGI straight to rivulet's\n"
"socket (no web server); PATH is the path and query (default /).\n"
"http:// speaks HTTP/1.1 (no TLS).\n"
"\n"
"options:\n"
"  -X, --request METHOD   the method (default GET, or POST with a body)\n"
"  -H, --header 'N: V'    a request header (repeat for more)\n"
"  -d, --data DATA        the request body; @FILE reads FILE (@- stdin)\n"
"      --data-binary DATA the same\n"
"  -A, --accept TYPE      the Accept header\n"
"  -F, --format NAME      add ?format=NAME (sse, ndjson, msgpack, json, ...)\n"
"  -t, --framing NAME     decode as NAME whatever the Content-Type says\n"
"                         (sse ndjson json-seq json msgpack csv text bytes)\n"
"  -i, --include          first print {\"status\":N,\"headers\":{...}}\n"
"  -n, --max-items N      stop (and hang up) after N items\n"
"  -m, --max-time SECS    give up after SECS seconds\n"
"  -h, --help             this text\n"
"\n"
"exit status:\n"
"  0  the stream ended (or --max-items items came)\n"
"  1  usage error\n"
"  2  cannot connect (refused, no such socket or host)\n"
"  3  the answer has an HTTP error status (its body is still printed)\n"
"  4  bad framing: the body is not what its Content-Type says\n"
"  5  protocol error: not FastCGI or HTTP, or the connection was cut\n"
"  6  --max-time passed\n"
"  7  the stream carried an error item ({\"error\":..} or event: error)\n",
	    progname, progname);
}

static void
warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
warnx_(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static int
print_json(const json_t *j)
{

	if (json_dumpf(j, stdout, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(15)) != 0 ||
	    putchar('\n') == EOF || fflush(stdout) != 0)
		return -1;
	return 0;
}

/* An error item: rivulet's {"error":...} or an SSE "error" event. */
static int
is_error_item(const json_t *item)
{
	const json_t	*ev;

	if (!json_is_object(item))
		return 0;
	if (json_object_size(item) == 1 && json_object_get(item, "error"))
		return 1;
	ev = json_object_get(item, "event");
	return json_is_string(ev) && strcmp(json_string_value(ev), "error") == 0;
}

static int
on_item(json_t *item, void *arg)
{
	struct cat	*c = arg;
	int		 r;

	if (is_error_item(item))
		c->err_item = 1;
	r = print_json(item);
	json_decref(item);
	if (r != 0) {
		c->stop = 1;		/* stdout is gone: nobody reads on */
		return 1;
	}
	if (c->o->max_items > 0 && ++c->items >= c->o->max_items) {
		c->stop = 1;
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The response head (CGI "Status:" lines or an HTTP status line)      */

static void
add_header(struct cat *c, const char *name, size_t nn, const char *v)
{
	char		*n;
	const json_t	*old;
	char		*joined;

	if ((n = strndup(name, nn)) == NULL)
		return;
	if ((old = json_object_get(c->headers, n)) != NULL &&
	    asprintf(&joined, "%s, %s", json_string_value(old), v) >= 0) {
		json_object_set_new(c->headers, n, json_string(joined));
		free(joined);
	} else
		json_object_set_new(c->headers, n, json_string(v));
	free(n);
}

/* Parse the head in c->head (NUL-terminated, blank line excluded). */
static int
parse_head(struct cat *c)
{
	char	*line, *next, *colon, *v;
	int	 first = 1;

	for (line = c->head.p; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (first && c->http) {
			if (strncmp(line, "HTTP/1.", 7) != 0 ||
			    sscanf(line + 8, " %3d", &c->status) != 1)
				return -1;
			first = 0;
			continue;
		}
		first = 0;
		if ((colon = strchr(line, ':')) == NULL || colon == line)
			return -1;
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			continue;
		v[strcspn(v, "\r")] = '\0';
		if (!c->http && colon - line == 6 &&
		    strncasecmp(line, "Status", 6) == 0) {
			if (sscanf(v, "%3d", &c->status) != 1)
				return -1;
			continue;
		}
		add_header(c, line, (size_t)(colon - line), v);
	}
	return c->status >= 100 && c->status <= 999 ? 0 : -1;
}

static const char *
header(const struct cat *c, const char *name)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(c->headers, k, v)
		if (strcasecmp(k, name) == 0)
			return json_string_value(v);
	return NULL;
}

/* The head is parsed: print it with -i, choose the decoder. */
static int
head_done(struct cat *c)
{
	enum cat_framing	 f;
	json_t			*h;

	c->head_done = 1;
	if (c->o->include) {
		h = json_pack("{s:i,s:O}", "status", c->status, "headers",
		    c->headers);
		if (h == NULL || print_json(h) != 0) {
			json_decref(h);
			return CX_PROTO;
		}
		json_decref(h);
	}
	if (c->o->framing != NULL)
		catdec_framing_byname(c->o->framing, &f);
	else
		f = catdec_framing(header(c, "Content-Type"));
	if ((c->dec = catdec_new(f, on_item, c)) == NULL) {
		warnx_("out of memory");
		return CX_PROTO;
	}
	return CX_OK;
}

/* Body bytes, after the head. */
static int
body(struct cat *c, const void *p, size_t n)
{

	switch (catdec_feed(c->dec, p, n)) {
	case CD_OK:
		return CX_OK;
	case CD_STOP:
		return CX_OK;
	default:
		warnx_("bad framing: %s", catdec_error(c->dec));
		return CX_FRAMING;
	}
}

/*
 * Response bytes before the body is known to start: they go to the
 * head until its blank line.  Returns how many of p were head bytes.
 */
static int
head_bytes(struct cat *c, const char *p, size_t n, size_t *used)
{
	size_t	 old = c->head.len, i;
	char	*e;

	*used = n;
	if (buf_add(&c->head, p, n) != 0 || buf_putc(&c->head, '\0') != 0)
		return CX_PROTO;
	c->head.len--;
	for (i = old > 3 ? old - 3 : 0; i < c->head.len; i++) {
		e = c->head.p + i;
		if (e[0] == '\n' && (e[1] == '\n' ||
		    (e[1] == '\r' && e[2] == '\n')))
			break;
	}
	if (i == c->head.len) {
		if (c->head.len > HEAD_MAX) {
			warnx_("response head over %d bytes", HEAD_MAX);
			return CX_PROTO;
		}
		return CX_OK;
	}
	*used = i + (c->head.p[i + 1] == '\n' ? 2 : 3) - old;
	c->head.p[i + 1] = '\0';
	c->head.len = i + 1;
	if (parse_head(c) != 0) {
		warnx_("malformed response head");
		return CX_PROTO;
	}
	return head_done(c);
}

/* Response bytes, the head's first: up to its blank line. */
static int
response_bytes(struct cat *c, const char *p, size_t n, size_t *used)
{
	int	 x;

	*used = 0;
	if (!c->head_done && ((x = head_bytes(c, p, n, used)) != CX_OK ||
	    !c->head_done))
		return x;
	return CX_OK;
}

/* ------------------------------------------------------------------ */
/* FastCGI                                                             */

static int
fcgi_record(struct cat *c, const struct fcgi_rec *r)
{
	size_t	 used;
	int	 x;

	if (r->id != 1)
		return CX_OK;		/* management records: not ours */
	switch (r->type) {
	case FCGI_STDOUT:
		if ((x = response_bytes(c, (const char *)r->content, r->len,
		    &used)) != CX_OK)
			return x;
		if (c->head_done && used < r->len)
			return body(c, r->content + used, r->len - used);
		return CX_OK;
	case FCGI_STDERR:
		fwrite(r->content, 1, r->len, stderr);
		return CX_OK;
	case FCGI_END_REQUEST:
		c->done = 1;
		return CX_OK;
	default:
		return CX_OK;
	}
}

static int
fcgi_in(struct cat *c, const char *p, size_t n)
{
	struct fcgi_rec	 r;
	size_t		 used, off = 0;
	int		 x = CX_OK;

	if (buf_add(&c->in, p, n) != 0)
		return CX_PROTO;
	while (x == CX_OK && !c->done && !c->stop) {
		switch (fcgi_next((unsigned char *)c->in.p + off,
		    c->in.len - off, &r, &used)) {
		case FCGI_MORE:
			goto out;
		case FCGI_BAD:
			warnx_("the answer is not FastCGI");
			return CX_PROTO;
		case FCGI_REC:
			x = fcgi_record(c, &r);
			off += used;
			break;
		}
	}
out:
	memmove(c->in.p, c->in.p + off, c->in.len - off);
	c->in.len -= off;
	return x;
}

/* A name-value pair of FastCGI params. */
static void
put_len(struct rv_buf *b, size_t n)
{
	unsigned char	 l[4];

	if (n < 128) {
		buf_putc(b, (char)n);
		return;
	}
	l[0] = (unsigned char)(n >> 24 | 0x80);
	l[1] = (unsigned char)(n >> 16);
	l[2] = (unsigned char)(n >> 8);
	l[3] = (unsigned char)n;
	buf_add(b, l, 4);
}

static void
put_pair(struct rv_buf *b, const char *k, const char *v, size_t vn)
{

	put_len(b, strlen(k));
	put_len(b, vn);
	buf_puts(b, k);
	buf_add(b, v, vn);
}

/* A request header as its CGI param: HTTP_X_NAME. */
static void
put_header(struct rv_buf *b, const char *line)
{
	struct rv_buf	 k = { 0 };
	const char	*colon = strchr(line, ':'), *v, *s;

	if (colon == NULL)
		return;
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		continue;
	if (!((colon - line == 12 && strncasecmp(line, "Content-Type", 12) ==
	    0) || (colon - line == 14 &&
	    strncasecmp(line, "Content-Length", 14) == 0)))
		buf_puts(&k, "HTTP_");
	for (s = line; s < colon; s++)
		buf_putc(&k, *s == '-' ? '_' : (char)toupper((unsigned char)*s));
	if (buf_putc(&k, '\0') == 0)
		put_pair(b, k.p, v, strlen(v));
	buf_free(&k);
}

/* Records of type t carrying p[0..n), then the empty one that ends them. */
static void
put_stream(struct rv_buf *b, unsigned t, const char *p, size_t n)
{
	unsigned char	 h[FCGI_HDR];
	size_t		 k;

	do {
		k = n > FCGI_MAXDATA ? FCGI_MAXDATA : n;
		fcgi_header(h, t, 1, k);
		buf_add(b, h, FCGI_HDR);
		buf_add(b, p, k);
		p += k;
		n -= k;
	} while (k > 0);
}

static int
has_header(const struct opts *o, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < o->nhdrs; i++)
		if (strncasecmp(o->hdrs[i], name, n) == 0 &&
		    o->hdrs[i][n] == ':')
			return 1;
	return 0;
}

static int
fcgi_request(const struct opts *o, const char *method, struct rv_buf *req)
{
	static const unsigned char begin[8] = { 0, FCGI_RESPONDER, 0 };
	struct rv_buf	 pv = { 0 };
	unsigned char	 h[FCGI_HDR];
	const char	*q = strchr(o->path, '?');
	size_t		 pl = q != NULL ? (size_t)(q - o->path) : strlen(o->path);
	char		*pi, num[32];
	size_t		 i, pn;

	if ((pi = malloc(pl + 1)) == NULL || pct_decode(pi, o->path, pl, 0,
	    &pn) != 0) {
		free(pi);
		warnx_("%s: bad percent-encoding in the path", o->path);
		return CX_USAGE;
	}
	put_pair(&pv, "GATEWAY_INTERFACE", "CGI/1.1", 7);
	put_pair(&pv, "SERVER_PROTOCOL", "HTTP/1.1", 8);
	put_pair(&pv, "SERVER_SOFTWARE", "rivulet-cat", 11);
	put_pair(&pv, "REQUEST_METHOD", method, strlen(method));
	put_pair(&pv, "REQUEST_URI", o->path, strlen(o->path));
	put_pair(&pv, "SCRIPT_NAME", "", 0);
	put_pair(&pv, "PATH_INFO", pi, strlen(pi));
	put_pair(&pv, "QUERY_STRING", q != NULL ? q + 1 : "",
	    q != NULL ? strlen(q + 1) : 0);
	put_pair(&pv, "HTTP_HOST", "localhost", 9);
	free(pi);
	if (o->accept != NULL)
		put_pair(&pv, "HTTP_ACCEPT", o->accept, strlen(o->accept));
	if (o->has_body) {
		snprintf(num, sizeof(num), "%zu", o->body.len);
		put_pair(&pv, "CONTENT_LENGTH", num, strlen(num));
		if (!has_header(o, "Content-Type"))
			put_pair(&pv, "CONTENT_TYPE",
			    "application/x-www-form-urlencoded", 33);
	}
	for (i = 0; i < o->nhdrs; i++)
		put_header(&pv, o->hdrs[i]);
	fcgi_header(h, FCGI_BEGIN_REQUEST, 1, sizeof(begin));
	buf_add(req, h, FCGI_HDR);
	buf_add(req, begin, sizeof(begin));
	put_stream(req, FCGI_PARAMS, pv.p, pv.len);
	put_stream(req, FCGI_STDIN, o->body.p, o->body.len);
	i = pv.err != 0 || req->err != 0;
	buf_free(&pv);
	return i ? CX_PROTO : CX_OK;
}

/* ------------------------------------------------------------------ */
/* HTTP/1.1                                                            */

/* After the head: how the body is delimited. */
static void
http_body_setup(struct cat *c)
{
	const char	*te = header(c, "Transfer-Encoding");
	const char	*cl = header(c, "Content-Length");

	c->left = -1;
	if (strcasecmp(c->o->method, "HEAD") == 0 || c->status / 100 == 1 ||
	    c->status == 204 || c->status == 304)
		c->left = 0;
	else if (te != NULL && strcasestr(te, "chunked") != NULL)
		c->chunked = 1;
	else if (cl != NULL)
		c->left = strtoll(cl, NULL, 10);
	if (c->left == 0)
		c->done = 1;
}

/* A line of the chunked framing (size or trailer) from p; 1 when whole. */
static int
chunk_line(struct cat *c, const char **p, size_t *n)
{
	const char	*nl = memchr(*p, '\n', *n);
	size_t		 k = nl != NULL ? (size_t)(nl - *p) + 1 : *n;

	if (buf_add(&c->in, *p, k) != 0)
		return -1;
	*p += k;
	*n -= k;
	if (nl == NULL)
		return c->in.len > 4096 ? -1 : 0;
	return 1;
}

static int
http_chunked(struct cat *c, const char *p, size_t n)
{
	size_t		 k;
	char		*end;
	int		 r, x;

	while (n > 0 && !c->done && !c->stop) {
		if (c->cstate == 1) {
			k = (long long)n < c->left ? n : (size_t)c->left;
			if ((x = body(c, p, k)) != CX_OK)
				return x;
			p += k;
			n -= k;
			if ((c->left -= (long long)k) == 0)
				c->cstate = 2;
			continue;
		}
		if ((r = chunk_line(c, &p, &n)) < 0)
			goto bad;
		if (r == 0)
			return CX_OK;
		if (c->cstate == 0) {
			errno = 0;
			c->left = strtoll(c->in.p, &end, 16);
			if (end == c->in.p || c->left < 0 || errno != 0)
				goto bad;
			c->cstate = c->left == 0 ? 3 : 1;
		} else if (c->cstate == 2) {
			/* the CRLF after a chunk's data, and nothing else */
			if (c->in.len != (c->in.p[0] == '\r' ? 2u : 1u))
				goto bad;
			c->cstate = 0;
		} else if (c->in.len <= 2)
			c->done = 1;	/* the blank line after trailers */
		c->in.len = 0;
	}
	return CX_OK;
bad:
	warnx_("bad chunked encoding");
	return CX_PROTO;
}

static int
http_in(struct cat *c, const char *p, size_t n)
{
	size_t	 used;
	int	 x;

	if (!c->head_done) {
		if ((x = response_bytes(c, p, n, &used)) != CX_OK)
			return x;
		if (!c->head_done)
			return CX_OK;
		http_body_setup(c);
		p += used;
		n -= used;
	}
	if (c->chunked)
		return http_chunked(c, p, n);
	if (c->left >= 0 && (long long)n > c->left)
		n = (size_t)c->left;	/* what follows is not ours */
	if ((x = body(c, p, n)) != CX_OK)
		return x;
	if (c->left > 0 && (c->left -= (long long)n) == 0)
		c->done = 1;
	return CX_OK;
}

static int
http_request(const struct opts *o, const char *hostport, const char *method,
    struct rv_buf *req)
{
	size_t	 i;

	buf_printf(req, "%s %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: rivulet-cat\r\nConnection: close\r\n", method,
	    o->path, hostport);
	if (o->accept != NULL)
		buf_printf(req, "Accept: %s\r\n", o->accept);
	for (i = 0; i < o->nhdrs; i++)
		buf_printf(req, "%s\r\n", o->hdrs[i]);
	if (o->has_body) {
		buf_printf(req, "Content-Length: %zu\r\n", o->body.len);
		if (!has_header(o, "Content-Type"))
			buf_puts(req, "Content-Type: "
			    "application/x-www-form-urlencoded\r\n");
	}
	buf_puts(req, "\r\n");
	buf_add(req, o->body.p, o->body.len);
	return req->err != 0 ? CX_PROTO : CX_OK;
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */

static int
connect_unix(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		warnx_("%s: socket path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		warnx_("unix:%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* "HOST:PORT" or "[V6]:PORT" (port default def) into host and port. */
static int
split_hostport(const char *hp, const char *def, char **host, char **port)
{
	const char	*colon, *h = hp, *he;

	if (*hp == '[') {
		if ((he = strchr(hp, ']')) == NULL)
			return -1;
		h = hp + 1;
		colon = he[1] == ':' ? he + 1 : NULL;
		if (he[1] != '\0' && colon == NULL)
			return -1;
	} else {
		colon = strrchr(hp, ':');
		he = colon != NULL ? colon : hp + strlen(hp);
	}
	if (he == h || (colon == NULL && def == NULL) ||
	    (colon != NULL && colon[1] == '\0'))
		return -1;
	*host = strndup(h, (size_t)(he - h));
	*port = strdup(colon != NULL ? colon + 1 : def);
	return *host != NULL && *port != NULL ? 0 : -1;
}

static int
connect_tcp(const char *host, const char *port)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, e, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		warnx_("%s port %s: %s", host, port, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		warnx_("%s port %s: %s", host, port, strerror(err));
	return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Milliseconds left before --max-time; -1: no limit. */
static int
ms_left(const struct cat *c)
{
	struct timespec	 now;
	long long	 ms;

	if (c->o->max_time <= 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (c->deadline.tv_sec - now.tv_sec) * 1000LL +
	    (c->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > INT_MAX ? INT_MAX : (int)ms;
}

/* The connection closed: was the response whole? */
static int
at_eof(struct cat *c)
{

	if (!c->head_done) {
		warnx_("the connection closed before a response");
		return CX_PROTO;
	}
	if (!c->http || c->chunked || c->left > 0) {
		warnx_("the connection closed in the middle of the response");
		return CX_PROTO;
	}
	c->done = 1;
	return CX_OK;
}

static int
pump(struct cat *c)
{
	char		 b[64 * 1024];
	struct pollfd	 pfd;
	ssize_t		 r;
	int		 x, ms;

	while (!c->done && !c->stop) {
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		ms = ms_left(c);
		if ((r = poll(&pfd, 1, ms)) == 0) {
			warnx_("no end after %g s (--max-time)",
			    c->o->max_time);
			return CX_TIMEOUT;
		}
		if (r > 0)
			r = read(c->fd, b, sizeof(b));
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			warnx_("read: %s", strerror(errno));
			return CX_PROTO;
		}
		if (r == 0)
			return at_eof(c);
		x = c->http ? http_in(c, b, (size_t)r) :
		    fcgi_in(c, b, (size_t)r);
		if (x != CX_OK)
			return x;
	}
	return CX_OK;
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */

static int
read_body(struct opts *o, const char *arg)
{
	char	 b[8192];
	FILE	*f;
	size_t	 n;
	int	 r = 0;

	o->has_body = 1;
	o->body.len = 0;
	if (arg[0] != '@')
		return buf_puts(&o->body, arg) == 0 ? 0 : -1;
	if (strcmp(arg + 1, "-") == 0)
		f = stdin;
	else if ((f = fopen(arg + 1, "rb")) == NULL) {
		warnx_("%s: %s", arg + 1, strerror(errno));
		return -1;
	}
	while ((n = fread(b, 1, sizeof(b), f)) > 0)
		if (buf_add(&o->body, b, n) != 0)
			r = -1;
	if (ferror(f)) {
		warnx_("%s: read error", arg + 1);
		r = -1;
	}
	if (f != stdin)
		fclose(f);
	return r;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "request", required_argument, NULL, 'X' },
		{ "header", required_argument, NULL, 'H' },
		{ "data", required_argument, NULL, 'd' },
		{ "data-binary", required_argument, NULL, 'd' },
		{ "accept", required_argument, NULL, 'A' },
		{ "format", required_argument, NULL, 'F' },
		{ "framing", required_argument, NULL, 't' },
		{ "include", no_argument, NULL, 'i' },
		{ "max-items", required_argument, NULL, 'n' },
		{ "max-time", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum cat_framing f;
	char		*end;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "X:H:d:A:F:t:in:m:h", lo,
	    NULL)) != -1) {
		switch (ch) {
		case 'X':
			o->method = optarg;
			break;
		case 'H':
			if (strchr(optarg, ':') == NULL ||
			    strpbrk(optarg, "\r\n") != NULL) {
				warnx_("-H '%s': want 'Name: value'", optarg);
				return -1;
			}
			o->hdrs[o->nhdrs++] = optarg;
			break;
		case 'd':
			if (read_body(o, optarg) != 0)
				return -1;
			break;
		case 'A':
			o->accept = optarg;
			break;
		case 'F':
			o->format = optarg;
			break;
		case 't':
			if (catdec_framing_byname(optarg, &f) != 0) {
				warnx_("-t %s: no such framing", optarg);
				return -1;
			}
			o->framing = optarg;
			break;
		case 'i':
			o->include = 1;
			break;
		case 'n':
			o->max_items = strtoul(optarg, &end, 10);
			if (*end != '\0' || end == optarg || *optarg == '-')
				return -1;
			break;
		case 'm':
			o->max_time = strtod(optarg, &end);
			if (*end != '\0' || end == optarg || o->max_time <= 0)
				return -1;
			break;
		case 'h':
			usage(stdout);
			exit(CX_OK);
		default:
			return -1;
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return -1;
	o->target = argv[optind];
	o->path_given = argc - optind == 2;
	o->path = o->path_given ? argv[optind + 1] : "/";
	if (o->method == NULL)
		o->method = o->has_body ? "POST" : "GET";
	return 0;
}

/* path with ?format= added; a new string. */
static char *
with_format(const char *path, const char *fmt)
{
	char	*s;

	if (fmt == NULL)
		return strdup(path);
	if (asprintf(&s, "%s%cformat=%s", path,
	    strchr(path, '?') != NULL ? '&' : '?', fmt) < 0)
		return NULL;
	return s;
}

/*
 * Build the request for the target into req, then connect: the fd, or
 * -1 with *x saying why.
 */
static int
open_target(struct cat *c, struct opts *o, struct rv_buf *req, int *x)
{
	const char	*t = o->target, *slash = NULL;
	char		*hp = NULL, *host = NULL, *port = NULL;
	int		 fd = -1;

	*x = CX_USAGE;
	if (strncmp(t, "http://", 7) == 0) {
		c->http = 1;
		slash = strchr(t + 7, '/');
		hp = slash != NULL ? strndup(t + 7, (size_t)(slash - t - 7)) :
		    strdup(t + 7);
		if (o->path_given || hp == NULL ||
		    split_hostport(hp, "80", &host, &port) != 0)
			goto out;
	} else if (strncmp(t, "tcp:", 4) == 0) {
		if (split_hostport(t + 4, NULL, &host, &port) != 0)
			goto out;
	} else if (strncmp(t, "unix:", 5) != 0 || t[5] == '\0')
		goto out;
	if ((o->fullpath = with_format(c->http ? (slash != NULL ? slash :
	    "/") : o->path, o->format)) == NULL)
		goto out;
	o->path = o->fullpath;
	*x = c->http ? http_request(o, hp, o->method, req) :
	    fcgi_request(o, o->method, req);
	if (*x != CX_OK)
		goto out;
	fd = host != NULL ? connect_tcp(host, port) : connect_unix(t + 5);
	*x = fd == -1 ? CX_CONNECT : CX_OK;
out:
	if (*x == CX_USAGE)
		warnx_("%s%s: want unix:SOCKET [PATH], tcp:HOST:PORT [PATH] or "
		    "http://HOST[:PORT]/PATH", t, o->path_given ? " PATH" : "");
	free(hp);
	free(host);
	free(port);
	return fd;
}

static int
run(struct cat *c)
{
	struct rv_buf	 req = { 0 };
	int		 x;

	if ((c->fd = open_target(c, (struct opts *)c->o, &req, &x)) == -1) {
		buf_free(&req);
		return x;
	}
	/* A server that answers early may close before it read all. */
	if (write_all(c->fd, req.p, req.len) != 0 && errno != EPIPE &&
	    errno != ECONNRESET) {
		warnx_("write: %s", strerror(errno));
		buf_free(&req);
		return CX_PROTO;
	}
	buf_free(&req);
	if ((x = pump(c)) != CX_OK)
		return x;
	if (!c->stop && c->dec != NULL && catdec_end(c->dec) == CD_BAD) {
		warnx_("bad framing: %s", catdec_error(c->dec));
		return CX_FRAMING;
	}
	if (c->status >= 400)
		return CX_HTTP;
	return c->err_item ? CX_ERRITEM : CX_OK;
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct cat	 c;
	int		 x;

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	signal(SIGPIPE, SIG_IGN);
	if ((o.hdrs = calloc((size_t)argc, sizeof(*o.hdrs))) == NULL)
		return CX_PROTO;
	if (parse_args(argc, argv, &o) != 0) {
		usage(stderr);
		return CX_USAGE;
	}
	c.o = &o;
	c.fd = -1;
	c.status = 200;
	if ((c.headers = json_object()) == NULL)
		return CX_PROTO;
	if (o.max_time > 0) {
		clock_gettime(CLOCK_MONOTONIC, &c.deadline);
		c.deadline.tv_sec += (time_t)o.max_time;
		c.deadline.tv_nsec += (long)((o.max_time -
		    (double)(time_t)o.max_time) * 1e9);
		if (c.deadline.tv_nsec >= 1000000000L) {
			c.deadline.tv_sec++;
			c.deadline.tv_nsec -= 1000000000L;
		}
	}
	x = run(&c);
	if (c.fd != -1)
		close(c.fd);
	catdec_free(c.dec);
	json_decref(c.headers);
	buf_free(&c.in);
	buf_free(&c.head);
	buf_free(&o.body);
	free(o.fullpath);
	free(o.hdrs);
	return x;
}
