/*
 * problem.c: answers that are not streams: application/problem+json
 * (RFC 9457) bodies for errors, and the reason phrases of statuses.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "input.h"

static const struct {
	int		 code;
	const char	*reason;
} reasons[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 206, "Partial Content" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 304, "Not Modified" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Range Not Satisfiable" },
	{ 422, "Unprocessable Content" },
	{ 428, "Precondition Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
};

/* The reason phrase (RFC 9110 section 15); a class name if unlisted. */
const char *
http_reason(int status)
{
	static const char *const classes[] = { "Informational", "Success",
	    "Redirection", "Client Error", "Server Error" };
	size_t	 i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == status)
			return reasons[i].reason;
	if (status >= 100 && status <= 599)
		return classes[status / 100 - 1];
	return "Unknown";
}

/* Length of the UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t
seq_len(const unsigned char *p, size_t n)
{
	size_t	 want;

	want = *p >= 0xc2 && *p <= 0xdf ? 2 : *p >= 0xe0 && *p <= 0xef ? 3 :
	    *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;
	if (want == 0 || want > n || !utf8_valid((const char *)p, want))
		return 0;
	return want;
}

static char
short_esc(unsigned char c)
{

	switch (c) {
	case '"':
	case '\\':
		return (char)c;
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	default:
		return '\0';
	}
}

/*
 * s as a JSON string.  The text may hold a client's bytes (a path, a
 * query value): a byte that is not UTF-8 becomes U+FFFD, so the body
 * stays valid JSON and the rest of the message is kept.
 */
static void
put_jstr(struct rv_buf *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), k;
	char			 e;

	buf_putc(b, '"');
	while (n > 0) {
		if (*p >= 0x80) {
			if ((k = seq_len(p, n)) == 0) {
				buf_add(b, "\xef\xbf\xbd", 3);
				k = 1;
			} else
				buf_add(b, p, k);
			p += k;
			n -= k;
			continue;
		}
		if ((e = short_esc(*p)) != '\0') {
			buf_putc(b, '\\');
			buf_putc(b, e);
		} else if (*p < 0x20) {
			buf_add(b, "\\u00", 4);
			buf_putc(b, hex[*p >> 4]);
			buf_putc(b, hex[*p & 0xf]);
		} else
			buf_putc(b, (char)*p);
		p++;
		n--;
	}
	buf_putc(b, '"');
}

/*
 * head: "Status: 404 Not Found", the problem's Content-Type, the extra
 * header lines ("Name: value\r\n" each) and the blank line.  body:
 * {"type":"about:blank","title":..,"status":404,"detail":..}.  A
 * status outside 100..599 is rendered as 500.  NULL title: the reason
 * phrase; NULL detail: none.  204 and 304 have no body.
 */
int
problem_render(struct rv_buf *head, struct rv_buf *body, int status,
    const char *title, const char *detail, const char *extra)
{

	return problem_render_ext(head, body, status, title, detail, extra,
	    NULL);
}

/* As problem_render, with members: more JSON members, made by us. */
int
problem_render_ext(struct rv_buf *head, struct rv_buf *body, int status,
    const char *title, const char *detail, const char *extra,
    const char *members)
{

	if (status < 100 || status > 599)
		status = 500;
	buf_printf(head, "Status: %d %s\r\n", status, http_reason(status));
	if (status == 204 || status == 304 || status < 200) {
		if (extra != NULL)
			buf_puts(head, extra);
		return buf_puts(head, "\r\n");
	}
	buf_puts(head, "Content-Type: application/problem+json\r\n"
	    "Cache-Control: no-store\r\n");
	if (extra != NULL)
		buf_puts(head, extra);
	buf_puts(head, "\r\n");
	buf_puts(body, "{\"type\":\"about:blank\",\"title\":");
	put_jstr(body, title != NULL ? title : http_reason(status));
	buf_printf(body, ",\"status\":%d", status);
	if (detail != NULL) {
		buf_puts(body, ",\"detail\":");
		put_jstr(body, detail);
	}
	if (members != NULL && *members != '\0') {
		buf_putc(body, ',');
		buf_puts(body, members);
	}
	buf_puts(body, "}\n");
	return head->err != RV_OK ? head->err : body->err;
}

/*
 * The whole response at once: the write that carries it also ends it
 * (last = 1: one system call), so the sink needs no finish() unless it
 * failed, when the response is cut.  HEAD: the head alone.
 */
int
req_problem(struct rv_req *rq, int status, const char *title,
    const char *detail, const char *extra)
{

	return req_problem_ext(rq, status, title, detail, extra, NULL);
}

int
req_problem_ext(struct rv_req *rq, int status, const char *title,
    const char *detail, const char *extra, const char *members)
{
	struct rv_buf	 h = { 0 }, b = { 0 };
	struct iovec	 iov[2];
	int		 rc, n = 1;

	if (status < 100 || status > 599)
		status = 500;
	if ((rc = problem_render_ext(&h, &b, status, title, detail, extra,
	    members)) == RV_OK) {
		iov[0].iov_base = h.p;
		iov[0].iov_len = h.len;
		if (b.len > 0 && !rq->head_only) {
			iov[1].iov_base = b.p;
			iov[1].iov_len = b.len;
			n = 2;
		}
		rc = rq->sink->write(rq->sink, iov, n, 1);
	}
	rq->stream.status = status;
	rq->stream.bytes += n == 2 ? b.len : 0;
	if (rc != RV_OK)
		rq->sink->finish(rq->sink, 1);
	buf_free(&h);
	buf_free(&b);
	return rc;
}
