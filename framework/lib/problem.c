/*
 * problem.c: answers that are not streams: application/problem+json
 * (RFC 9457) bodies for errors, and the reason phrases of statuses.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *
http_reason(int status)
{

	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return status < 300 ? "OK" : status < 500 ? "Client Error" :
	    "Server Error";
	}
}

static void
put_jstr(struct rv_buf *b, const char *s)
{
	const unsigned char	*p;

	buf_putc(b, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)*p);
		} else if (*p < 0x20)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_putc(b, (char)*p);
	}
	buf_putc(b, '"');
}

int
problem_render(struct rv_buf *head, struct rv_buf *body, int status,
    const char *title, const char *detail, const char *extra)
{

	buf_printf(head, "Status: %d %s\r\n", status, http_reason(status));
	if (status == 204 || status == 304) {
		buf_puts(head, extra != NULL ? extra : "");
		return buf_puts(head, "\r\n");
	}
	buf_puts(head, "Content-Type: application/problem+json\r\n"
	    "Cache-Control: no-store\r\n");
	if (extra != NULL)
		buf_puts(head, extra);
	buf_puts(head, "\r\n");
	buf_puts(body, "{\"type\":\"about:blank\",\"title\":");
	/* Text that is not UTF-8 must not reach a JSON body. */
	if (title == NULL || !utf8_valid(title, strlen(title)))
		title = http_reason(status);
	put_jstr(body, title);
	buf_printf(body, ",\"status\":%d", status);
	if (detail != NULL && utf8_valid(detail, strlen(detail))) {
		buf_puts(body, ",\"detail\":");
		put_jstr(body, detail);
	}
	buf_puts(body, "}\n");
	return head->err != RV_OK ? head->err : body->err;
}

int
req_problem(struct rv_req *rq, int status, const char *title,
    const char *detail, const char *extra)
{
	struct rv_buf	 h = { 0 }, b = { 0 };
	struct iovec	 iov[2];
	int		 rc, n = 1;

	if ((rc = problem_render(&h, &b, status, title, detail, extra)) ==
	    RV_OK) {
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
