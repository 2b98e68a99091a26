/*
 * upload.c: the request-input examples of the guides: a byte-stream
 * upload read chunk by chunk (Dioxus ByteStream), a file-stream upload
 * saved under the "upload_dir" option (Dioxus FileStream: a raw body
 * with Content-Disposition and X-Content-Size hints, or a browser's
 * multipart/form-data), and declarative validation of query or form
 * fields.  Client names and sizes are hints: the name is made safe,
 * the size checked against what came, and a partial file removed.
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

#include "demo.h"

#define CHUNK		(64 * 1024)
#define MAX_FILES	16

/* The status a body read error calls for; 0: the client left. */
static int
read_status(int rc)
{

	switch (rc) {
	case RV_ETOOBIG:
		return 413;
	case RV_EINVAL:
		return 400;
	case RV_EIO:
		return 408;
	case RV_EGONE:
	case RV_ESHUTDOWN:
		return 0;
	default:
		return 500;
	}
}

static int
read_failed(struct rv_req *rq, int rc)
{
	struct rv_stream	*s = rv_open(rq, RV_JSON);
	int			 st = read_status(rc);

	if (st == 0)
		return rc;
	rv_error(s, st, NULL, "reading the request body: %s",
	    rv_strerror((enum rv_err)rc));
	return rv_close(s);
}

/* POST /api/upload_as_bytestream: consume the body as it arrives. */
int
demo_upload_bytestream(struct rv_req *rq)
{
	struct rv_stream	*s;
	char			*buf;
	size_t			 got;
	uint64_t		 bytes = 0, chunks = 0;
	int			 rc;

	if ((buf = malloc(CHUNK)) == NULL)
		return RV_ENOMEM;
	while ((rc = rv_body_read(rq, buf, CHUNK, &got)) == RV_OK && got > 0) {
		bytes += got;
		chunks++;
	}
	free(buf);
	if (rc != RV_OK)
		return read_failed(rq, rc);
	s = rv_open(rq, RV_JSON);
	rv_packf(s, "{s:I, s:I}", "bytes", (long long)bytes, "chunks",
	    (long long)chunks);
	return rv_close(s);
}

struct saved {
	char		 name[256];
	uint64_t	 size;
};

struct upload {
	struct rv_req	*rq;
	const char	*dir;
	struct saved	 files[MAX_FILES];
	size_t		 nfiles;
	int		 fd;
	char		 tmp[4096];
	const char	*why;
};

static int
answer_saved(struct rv_req *rq, const struct upload *u)
{
	struct rv_stream	*s = rv_open(rq, RV_JSON);
	size_t			 i;

	rv_status(s, 201);
	rv_map_open(s);
	rv_key(s, "files");
	rv_array_open(s);
	for (i = 0; i < u->nfiles; i++)
		rv_packf(s, "{s:s, s:I}", "name", u->files[i].name, "size",
		    (long long)u->files[i].size);
	rv_array_close(s);
	rv_map_close(s);
	return rv_close(s);
}

/* Move a finished temp file to dir/name; the name was made safe. */
static int
keep_file(struct upload *u, const char *tmp, const char *name, uint64_t size)
{
	char	 path[4096];

	if (u->nfiles == MAX_FILES) {
		u->why = "too many files";
		return RV_ETOOBIG;
	}
	snprintf(path, sizeof(path), "%s/%s", u->dir, name);
	if (rename(tmp, path) != 0) {
		rv_log(u->rq, RV_LOG_ERROR, "upload: %s: %s", path,
		    strerror(errno));
		return RV_EIO;
	}
	snprintf(u->files[u->nfiles].name, sizeof(u->files[0].name), "%s",
	    name);
	u->files[u->nfiles++].size = size;
	return RV_OK;
}

/* multipart: every file part is saved (its temp file renamed). */
static int
part_end(void *arg, const struct rv_part *p)
{
	struct upload	*u = arg;
	char		 name[256];

	if (p->filename == NULL || p->path == NULL)
		return RV_OK;	/* a text field */
	rv_filename_safe(p->filename, name, sizeof(name));
	return keep_file(u, p->path, name, p->size);
}

static int
upload_multipart(struct rv_req *rq, struct upload *u)
{
	static const struct rv_multipart_cb cb = { NULL, NULL, part_end };
	struct rv_multipart_limits lim = { .max_parts = 32 };
	int			 rc;

	if ((rc = rv_multipart(rq, &cb, u, &lim)) != RV_OK) {
		/* A malformed body has marked the request: 400 or 413. */
		struct rv_stream *s = rv_open(rq, RV_JSON);

		if (rv_format(s) != NULL)
			rv_error(s, rc == RV_ETOOBIG ? 413 : read_status(rc) ?
			    read_status(rc) : 400, NULL, "upload failed: %s",
			    u->why != NULL ? u->why : rv_strerror(rc));
		return rv_close(s);
	}
	return answer_saved(rq, u);
}

/* X-Content-Size: a decimal hint, -1 if absent, -2 if malformed. */
static long long
size_hint(struct rv_req *rq)
{
	const char	*v = rv_req_header(rq, "X-Content-Size");
	long long	 n = 0;

	if (v == NULL)
		return -1;
	if (*v == '\0')
		return -2;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9' || n > (LLONG_MAX - 9) / 10)
			return -2;
		n = n * 10 + (*v - '0');
	}
	return n;
}

/* The raw body into a temp file; its size, or -1 with *rc set. */
static long long
spool(struct rv_req *rq, struct upload *u, int *rc)
{
	char		*buf;
	size_t		 got, off;
	ssize_t		 w;
	long long	 total = 0;

	if ((buf = malloc(CHUNK)) == NULL) {
		*rc = RV_ENOMEM;
		return -1;
	}
	while ((*rc = rv_body_read(rq, buf, CHUNK, &got)) == RV_OK && got > 0)
		for (off = 0; off < got; off += (size_t)w) {
			if ((w = write(u->fd, buf + off, got - off)) < 0 &&
			    errno != EINTR) {
				rv_log(rq, RV_LOG_ERROR, "upload: %s: %s",
				    u->tmp, strerror(errno));
				*rc = RV_EIO;
				free(buf);
				return -1;
			}
			w = w < 0 ? 0 : w;
			total += w;
		}
	free(buf);
	return *rc == RV_OK ? total : -1;
}

static int
upload_raw(struct rv_req *rq, struct upload *u)
{
	const char		*name = rv_upload_name(rq);
	long long		 hint = size_hint(rq), size;
	struct rv_stream	*s;
	int			 rc;

	if (hint == -2) {
		s = rv_open(rq, RV_JSON);
		rv_error(s, 400, NULL, "X-Content-Size is not a byte count");
		return rv_close(s);
	}
	snprintf(u->tmp, sizeof(u->tmp), "%s/.rivulet-upload-XXXXXX", u->dir);
	if ((u->fd = mkostemp(u->tmp, O_CLOEXEC)) < 0) {
		rv_log(rq, RV_LOG_ERROR, "upload: %s: %s", u->tmp,
		    strerror(errno));
		s = rv_open(rq, RV_JSON);
		rv_error(s, 500, NULL, "cannot store the upload");
		return rv_close(s);
	}
	size = spool(rq, u, &rc);
	if (close(u->fd) != 0 && size >= 0) {
		size = -1;
		rc = RV_EIO;
	}
	if (size >= 0 && hint >= 0 && size != hint) {
		unlink(u->tmp);
		s = rv_open(rq, RV_JSON);
		rv_error(s, 400, NULL, "received %lld bytes but X-Content-Size "
		    "said %lld: the upload was not kept", size, hint);
		return rv_close(s);
	}
	if (size < 0 || (rc = keep_file(u, u->tmp, name != NULL ? name :
	    "upload.bin", (uint64_t)size)) != RV_OK) {
		unlink(u->tmp);		/* a partial file never stays */
		return read_failed(rq, rc);
	}
	return answer_saved(rq, u);
}

/*
 * POST /api/upload_as_file_stream: a raw body (Content-Disposition
 * filename, X-Content-Size) or multipart/form-data, saved under the
 * upload_dir option.
 */
int
demo_upload_filestream(struct rv_req *rq)
{
	struct upload	*u;
	const char	*ct = rv_req_header(rq, "Content-Type");
	int		 rc;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return RV_ENOMEM;
	u->rq = rq;
	u->fd = -1;
	if ((u->dir = rv_setting(rq, "upload_dir", NULL)) == NULL)
		u->dir = "/tmp";
	if (ct != NULL && strncasecmp(ct, "multipart/", 10) == 0)
		rc = upload_multipart(rq, u);
	else
		rc = upload_raw(rq, u);
	free(u);
	return rc;
}

/* GET or POST /api/validate: every field checked, every error listed. */
int
demo_validate(struct rv_req *rq)
{
	static const char *const sorts[] = { "name", "date", "size", NULL };
	static const struct rv_field fields[] = {
		{ .name = "q", .check = RV_CHECK_STRING, .required = 1,
		    .min = 1, .max = 100 },
		RV_FIELD_INT("page", 1, 1000),
		RV_FIELD_NUMBER("ratio", 0.0, 1.0),
		RV_FIELD_BOOL("exact"),
		RV_FIELD_ENUM("sort", sorts),
		RV_FIELD_EMAIL("email"),
		RV_FIELD_UUID("id"),
		RV_FIELD_DATE("since"),
		RV_FIELD_STRING("tag", 1, 32, "[a-z0-9-]+"),
	};
	enum rv_from		 from = strcmp(rv_method(rq), "POST") == 0 ?
	    RV_FROM_FORM : RV_FROM_QUERY;
	struct rv_stream	*s;
	const char		*(*get)(struct rv_req *, const char *,
	    const char *) = from == RV_FROM_FORM ? rv_form : rv_query;

	/* On failure rv_open answers 400 with the list of errors. */
	(void)rv_validate(rq, from, fields, sizeof(fields) / sizeof(fields[0]));
	s = rv_open(rq, RV_JSON);
	rv_packf(s, "{s:s, s:s?, s:s?}", "q", get(rq, "q", ""), "page",
	    get(rq, "page", NULL), "sort", get(rq, "sort", NULL));
	return rv_close(s);
}

/*
 * POST /api/echo: a JSON or MessagePack body (1 MiB, 32 levels at
 * most) back in whatever framing the client asks for.
 */
int
demo_echo(struct rv_req *rq)
{
	const char			*ct = rv_req_header(rq, "Content-Type");
	const struct msgpack_object	*o;
	struct json_t			*j;
	struct rv_stream		*s;
	const void			*raw;
	size_t				 len;

	if (ct != NULL && strncasecmp(ct, "application/msgpack", 19) == 0) {
		/* Checked and parsed; the raw value is sent as it came. */
		if (rv_body_msgpack(rq, 1 << 20, 32, &o) == RV_OK &&
		    rv_body_load(rq, 1 << 20, &raw, &len) == RV_OK) {
			s = rv_open(rq, "json " RV_ITEMS);
			rv_msgpack(s, raw, len);
			return rv_close(s);
		}
	} else if (rv_body_json(rq, 1 << 20, 32, &j) == RV_OK) {
		s = rv_open(rq, "json " RV_ITEMS);
		rv_json(s, j);
		return rv_close(s);
	}
	/* The request is marked bad: 400 or 413 with what was wrong. */
	return rv_close(rv_open(rq, RV_JSON));
}
