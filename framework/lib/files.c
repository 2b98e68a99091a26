/*
 * files.c: rv_send_file(), a whole response with a file.
 *
 * The bytes go from pread() straight to the sink (FastCGI STDOUT
 * records over our own buffer of RV_FILE_CHUNK, four whole records):
 * no encoder, no copy into the stream's buffer, and no more than one
 * chunk in memory however large the file.  With delegation the front
 * server reads the file itself.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "internal.h"

/* ------------------------------------------------------------------ */
/* Media types                                                          */

static const struct mime {
	const char	*ext;
	const char	*type;
} mimes[] = {
	{ "7z", "application/x-7z-compressed" },
	{ "avif", "image/avif" },
	{ "bin", "application/octet-stream" },
	{ "bz2", "application/x-bzip2" },
	{ "css", "text/css; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "htm", "text/html; charset=utf-8" },
	{ "html", "text/html; charset=utf-8" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" },
	{ "ndjson", "application/x-ndjson" },
	{ "oga", "audio/ogg" },
	{ "ogg", "audio/ogg" },
	{ "ogv", "video/ogg" },
	{ "otf", "font/otf" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "svg", "image/svg+xml" },
	{ "tar", "application/x-tar" },
	{ "tgz", "application/gzip" },
	{ "ttf", "font/ttf" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "wasm", "application/wasm" },
	{ "wav", "audio/wav" },
	{ "webm", "video/webm" },
	{ "webp", "image/webp" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xml", "application/xml" },
	{ "xz", "application/x-xz" },
	{ "zip", "application/zip" },
	{ "zst", "application/zstd" },
};

static int
mime_cmp(const void *key, const void *elt)
{

	return strcasecmp(key, ((const struct mime *)elt)->ext);
}

const char *
mime_type(const char *name)
{
	const char		*slash, *dot;
	const struct mime	*m;

	if (name == NULL)
		return "application/octet-stream";
	slash = strrchr(name, '/');
	dot = strrchr(slash != NULL ? slash + 1 : name, '.');
	/* ".bashrc" has no extension; "a." has an empty one. */
	if (dot == NULL || dot == (slash != NULL ? slash + 1 : name) ||
	    dot[1] == '\0' || strlen(dot + 1) > 8)
		return "application/octet-stream";
	m = bsearch(dot + 1, mimes, sizeof(mimes) / sizeof(mimes[0]),
	    sizeof(mimes[0]), mime_cmp);
	return m != NULL ? m->type : "application/octet-stream";
}

/* ------------------------------------------------------------------ */
/* Content-Disposition (RFC 6266, RFC 8187)                             */

/* RFC 8187 attr-char: sent as is in filename*; the rest as %XX. */
static int
attr_char(unsigned char c)
{

	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$&+-.^_`|~", c) != NULL);
}

/*
 * filename="..." holds the name where it is plain printable ASCII; a
 * byte that is not ('"', '\\', '%', controls, non-ASCII) becomes '_'
 * there, and then filename* carries the real name, UTF-8 in %XX.
 * Old clients read the first, current ones prefer the second.
 */
int
content_disposition(struct rv_buf *b, const char *type, const char *name)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	const char		*slash;
	int			 plain = 1;

	if ((slash = strrchr(name, '/')) != NULL)
		name = slash + 1;
	buf_printf(b, "%s; filename=\"", type);
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' ||
		    *p == '%') {
			buf_putc(b, '_');
			plain = 0;
		} else
			buf_putc(b, (char)*p);
	}
	buf_putc(b, '"');
	if (!plain) {
		buf_puts(b, "; filename*=UTF-8''");
		for (p = (const unsigned char *)name; *p != '\0'; p++) {
			if (attr_char(*p)) {
				buf_putc(b, (char)*p);
				continue;
			}
			buf_putc(b, '%');
			buf_putc(b, hex[*p >> 4]);
			buf_putc(b, hex[*p & 0xf]);
		}
	}
	return b->err;
}

/* ------------------------------------------------------------------ */
/* Dates (IMF-fixdate only: what every current client sends)           */

static const char days[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
	"Oct", "Nov", "Dec"
};

/* Not strftime: its names follow the locale a handler may have set. */
void
http_date(char buf[32], time_t t)
{
	struct tm	 tm;
	char		 b[96];

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(b, sizeof(b), "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	snprintf(buf, 32, "%.31s", b);
}

/* n decimal digits at s, exactly. */
static int
num(const char *s, int n, int *out)
{
	int	 v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
int
http_date_parse(const char *s, time_t *t)
{
	struct tm	 tm;
	int		 i, mon = -1;

	if (s == NULL || strlen(s) != 29 || s[3] != ',' || s[4] != ' ' ||
	    s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
	    s[22] != ':' || strcmp(s + 25, " GMT") != 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	for (i = 0; i < 12; i++)
		if (memcmp(s + 8, months[i], 3) == 0)
			mon = i;
	if (mon < 0 || num(s + 5, 2, &tm.tm_mday) != 0 ||
	    num(s + 12, 4, &tm.tm_year) != 0 ||
	    num(s + 17, 2, &tm.tm_hour) != 0 ||
	    num(s + 20, 2, &tm.tm_min) != 0 ||
	    num(s + 23, 2, &tm.tm_sec) != 0 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60 || tm.tm_year < 1970)
		return -1;
	tm.tm_mon = mon;
	tm.tm_year -= 1900;
	*t = timegm(&tm);
	return *t == (time_t)-1 ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Validators and conditions                                            */

struct fileinfo {
	struct stat	 st;
	char		 etag[64];
	char		 lastmod[32];
	int		 get;		/* GET or HEAD: conditions apply */
};

/* Does the If-None-Match list hold our tag (weak comparison)? */
static int
etag_listed(const char *list, const char *etag)
{
	const char	*p = list, *q;
	size_t		 n = strlen(etag);

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return 0;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"' || (q = strchr(p + 1, '"')) == NULL)
			return 0;
		if ((size_t)(q + 1 - p) == n && memcmp(p, etag, n) == 0)
			return 1;
		p = q + 1;
	}
}

static int
not_modified(const struct rv_req *rq, const struct fileinfo *fi)
{
	const char	*inm, *ims;
	time_t		 t;

	if (!fi->get)
		return 0;
	/* RFC 9110 13.2.2: If-None-Match, when present, decides alone. */
	if ((inm = rv_req_header(rq, "If-None-Match")) != NULL)
		return etag_listed(inm, fi->etag);
	ims = rv_req_header(rq, "If-Modified-Since");
	return ims != NULL && http_date_parse(ims, &t) == 0 &&
	    fi->st.st_mtim.tv_sec <= t;
}

/* If-Range: ranges only for the very same representation. */
static int
if_range_ok(const struct rv_req *rq, const struct fileinfo *fi)
{
	const char	*ir = rv_req_header(rq, "If-Range");
	time_t		 t;

	if (ir == NULL)
		return 1;
	if (ir[0] == '"')
		return strcmp(ir, fi->etag) == 0;
	return http_date_parse(ir, &t) == 0 && t == fi->st.st_mtim.tv_sec;
}

/* ------------------------------------------------------------------ */
/* The response                                                         */

struct filereply {
	const struct rv_file_opts *o;
	const char	*relpath;
	struct fileinfo	 fi;
	int		 status;
	int		 whole;		/* a Range we chose to ignore */
	uint64_t	 first, len;	/* the bytes sent */
	char		*delegate;	/* header line, or NULL */
};

/* Headers every answer about the file carries (304 included). */
static void
validators(struct rv_buf *h, const struct filereply *fr)
{

	buf_printf(h, "ETag: %s\r\nLast-Modified: %s\r\n", fr->fi.etag,
	    fr->fi.lastmod);
	if (fr->o->cache_control != NULL)
		buf_printf(h, "Cache-Control: %s\r\n", fr->o->cache_control);
}

static int
file_head(struct rv_buf *h, const struct filereply *fr)
{
	const struct rv_file_opts	*o = fr->o;
	uint64_t			 size = (uint64_t)fr->fi.st.st_size;
	const char			*name;

	buf_printf(h, "Status: %d %s\r\n", fr->status,
	    http_reason(fr->status));
	buf_printf(h, "Content-Type: %s\r\n", o->content_type != NULL ?
	    o->content_type : mime_type(o->filename != NULL ? o->filename :
	    fr->relpath));
	if (o->disposition != RV_DISP_NONE) {
		name = o->filename != NULL ? o->filename : fr->relpath;
		buf_puts(h, "Content-Disposition: ");
		content_disposition(h, o->disposition == RV_DISP_INLINE ?
		    "inline" : "attachment", name);
		buf_puts(h, "\r\n");
	}
	buf_printf(h, "X-Content-Size: %llu\r\n", (unsigned long long)size);
	if (fr->delegate != NULL) {
		buf_puts(h, fr->delegate);
		return buf_puts(h, "\r\n");
	}
	/*
	 * "none" when this answer ignored a Range: lighttpd applies ranges
	 * itself to a complete 200 unless told so, which would make the
	 * answer depend on the file's size (multipart for small files).
	 */
	buf_printf(h, "Content-Length: %llu\r\nAccept-Ranges: %s\r\n",
	    (unsigned long long)fr->len, fr->whole ? "none" : "bytes");
	if (fr->status == 206)
		buf_printf(h, "Content-Range: bytes %llu-%llu/%llu\r\n",
		    (unsigned long long)fr->first,
		    (unsigned long long)(fr->first + fr->len - 1),
		    (unsigned long long)size);
	validators(h, fr);
	return buf_puts(h, "\r\n");
}

/*
 * The head, then the bytes in chunks; the head rides with the first
 * chunk, and the last chunk ends the response, one system call each.
 */
static int
send_stream(struct rv_req *rq, int fd, struct rv_buf *head, uint64_t off,
    uint64_t len, int *sent)
{
	struct iovec	 iov[2];
	char		*buf = NULL;
	ssize_t		 n;
	int		 rc, nio;

	if (len > 0 && (buf = malloc(RV_FILE_CHUNK)) == NULL)
		return RV_ENOMEM;
	(void)posix_fadvise(fd, (off_t)off, (off_t)len,
	    POSIX_FADV_SEQUENTIAL);
	do {
		nio = 0;
		if (head->len > 0) {
			iov[nio].iov_base = head->p;
			iov[nio++].iov_len = head->len;
		}
		n = 0;
		if (len > 0) {
			n = pread(fd, buf, len < RV_FILE_CHUNK ? (size_t)len :
			    RV_FILE_CHUNK, (off_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			/* A file that shrank breaks the promised length. */
			if (n <= 0) {
				rv_log(rq, RV_LOG_WARN, "send_file: read: %s",
				    n == 0 ? "file shrank" : strerror(errno));
				free(buf);
				return RV_EIO;
			}
			iov[nio].iov_base = buf;
			iov[nio++].iov_len = (size_t)n;
		}
		off += (uint64_t)n;
		len -= (uint64_t)n;
		rc = rq->sink->write(rq->sink, iov, nio, len == 0);
		head->len = 0;
		*sent = 1;
		if (rc != RV_OK)
			break;
		rq->stream.bytes += (uint64_t)n;
	} while (len > 0);
	free(buf);
	return rc;
}

/* "X-Sendfile: /abs/root/rel" or "X-Accel-Redirect: /prefix/rel%XX" */
static int
delegation(struct rv_req *rq, const char *root, struct filereply *fr)
{
	struct rv_server	*srv = rq->srv;
	struct rv_buf		 b = { 0 };
	char			*abs;
	const unsigned char	*p;

	if (srv->delegate == RV_DELEGATE_XSENDFILE) {
		if ((abs = realpath(root, NULL)) == NULL)
			return RV_EIO;
		if (strpbrk(abs, "\r\n") != NULL) {
			free(abs);
			return RV_EINVAL;	/* would end the header */
		}
		buf_printf(&b, "X-Sendfile: %s%s%s\r\n", abs,
		    abs[strlen(abs) - 1] == '/' ? "" : "/", fr->relpath);
		free(abs);
	} else {
		buf_printf(&b, "X-Accel-Redirect: %s/",
		    srv->delegate_prefix != NULL ? srv->delegate_prefix : "");
		for (p = (const unsigned char *)fr->relpath; *p != '\0'; p++)
			if (attr_char(*p) || *p == '/')
				buf_putc(&b, (char)*p);
			else
				buf_printf(&b, "%%%02X", *p);
		buf_puts(&b, "\r\n");
	}
	if (b.err != RV_OK) {
		buf_free(&b);
		return RV_ENOMEM;
	}
	fr->delegate = arena_strndup(&rq->arena, b.p, b.len);
	buf_free(&b);
	return fr->delegate != NULL ? RV_OK : RV_ENOMEM;
}

/*
 * Status and byte span by conditions and Range.  A delegated file's
 * ranges are the front server's to serve: it reads the same file.
 */
static void
choose(struct rv_req *rq, struct filereply *fr)
{
	uint64_t	 size = (uint64_t)fr->fi.st.st_size, a, z;

	fr->status = 200;
	fr->first = 0;
	fr->len = size;
	if (not_modified(rq, &fr->fi)) {
		fr->status = 304;
		return;
	}
	if (!fr->fi.get || fr->delegate != NULL ||
	    rv_req_header(rq, "Range") == NULL)
		return;
	fr->whole = 1;
	if (!if_range_ok(rq, &fr->fi))
		return;
	switch (range_parse(rv_req_header(rq, "Range"), size, &a, &z)) {
	case RANGE_ONE:
		fr->whole = 0;
		fr->status = 206;
		fr->first = a;
		fr->len = z - a + 1;
		break;
	case RANGE_UNSAT:
		fr->whole = 0;
		fr->status = 416;
		break;
	default:
		break;
	}
}

/* 304 and 416: a head (and a problem body for 416) without the file. */
static int
answer_short(struct rv_req *rq, const struct filereply *fr)
{
	struct rv_buf	 h = { 0 };
	int		 rc;

	if (fr->status == 416)
		buf_printf(&h, "Content-Range: bytes */%llu\r\n",
		    (unsigned long long)fr->fi.st.st_size);
	else
		validators(&h, fr);
	rc = h.err != RV_OK ? h.err : req_problem(rq, fr->status, NULL,
	    fr->status == 416 ? "no byte of the range is in the file" : NULL,
	    h.p);
	buf_free(&h);
	return rc;
}

static void
file_info(struct rv_req *rq, struct fileinfo *fi)
{

	snprintf(fi->etag, sizeof(fi->etag), "\"%llx-%llx-%lx\"",
	    (unsigned long long)fi->st.st_size,
	    (unsigned long long)fi->st.st_mtim.tv_sec,
	    (unsigned long)fi->st.st_mtim.tv_nsec);
	http_date(fi->lastmod, fi->st.st_mtim.tv_sec);
	fi->get = strcmp(rq->method, "GET") == 0 ||
	    strcmp(rq->method, "HEAD") == 0;
}

/* Open and stat; a status other than 0 when there is nothing to send. */
static int
open_file(struct rv_req *rq, const char *root, struct filereply *fr,
    int *fd)
{

	if ((*fd = confine_open(root, fr->relpath, 0)) < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
			return 503;
		rv_log(rq, RV_LOG_DEBUG, "send_file: %s: %s", fr->relpath,
		    strerror(errno));
		return 404;
	}
	if (fstat(*fd, &fr->fi.st) != 0 || !S_ISREG(fr->fi.st.st_mode)) {
		close(*fd);
		*fd = -1;
		return 404;
	}
	file_info(rq, &fr->fi);
	return 0;
}

/* The whole answer once the file is open. */
static int
reply(struct rv_req *rq, const char *root, struct filereply *fr, int fd,
    int *sent)
{
	struct rv_buf	 h = { 0 };
	int		 rc;

	if (rq->srv->delegate != RV_DELEGATE_OFF && !fr->o->no_delegation &&
	    (rc = delegation(rq, root, fr)) != RV_OK)
		return rc;
	choose(rq, fr);
	rq->stream.status = fr->status;
	if (fr->status == 304 || fr->status == 416) {
		*sent = 1;
		return answer_short(rq, fr);
	}
	if ((rc = file_head(&h, fr)) != RV_OK) {
		buf_free(&h);
		return rc;
	}
	if (fr->delegate != NULL || rq->head_only)
		fr->len = 0;
	rc = send_stream(rq, fd, &h, fr->first, fr->len, sent);
	buf_free(&h);
	return rc;
}

/* The handler's own header values: no CR or LF may split them. */
static int
opts_ok(const struct rv_file_opts *o)
{

	return (o->content_type == NULL ||
	    strpbrk(o->content_type, "\r\n") == NULL) &&
	    (o->cache_control == NULL ||
	    strpbrk(o->cache_control, "\r\n") == NULL);
}

int
rv_send_file(struct rv_req *rq, const char *root, const char *relpath,
    const struct rv_file_opts *opts)
{
	static const struct rv_file_opts	 defaults;
	struct rv_stream			*s = &rq->stream;
	struct filereply			 fr;
	int					 fd = -1, st, rc;
	int					 sent = 0;

	if (s->state != SS_NONE)
		return s->state == SS_CLOSED ? RV_ECLOSED : RV_ESTATE;
	if (opts != NULL && !opts_ok(opts))
		return RV_EINVAL;
	s->rq = rq;
	s->state = SS_CLOSED;	/* whatever happens, this call answers */
	memset(&fr, 0, sizeof(fr));
	fr.o = opts != NULL ? opts : &defaults;
	fr.relpath = relpath;
	if (root == NULL || relpath == NULL)
		st = 404;
	else if (rq->bad_status != 0)
		st = rq->bad_status;
	else
		st = open_file(rq, root, &fr, &fd);
	if (st != 0) {
		s->status = st;
		return req_problem(rq, st, NULL, st == 404 ? "no such file" :
		    st == 503 ? "out of file descriptors" : rq->bad,
		    st == 503 ? "Retry-After: 1\r\n" : NULL);
	}
	rc = reply(rq, root, &fr, fd, &sent);
	close(fd);
	if (rc != RV_OK && !sent) {
		/* Nothing went out yet: a real answer still can. */
		s->status = 500;
		return req_problem(rq, 500, NULL, rv_strerror(rc), NULL);
	}
	if (rc != RV_OK) {
		stream_fail(s, rc);
		rq->sink->finish(rq->sink, 1);
	}
	return rc;
}
