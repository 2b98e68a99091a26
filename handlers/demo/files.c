/*
 * files.c: file downloads (Oxian's /download/[filename], Dioxus's
 * FileStream) and Oxian's protected stream.
 *
 * Oxian's download opens "./uploads/" + filename as given: a name of
 * "../../etc/passwd" walks out.  Here rv_send_file() confines the name
 * to download_dir, so traversal, symlinks out and the like are 404s.
 */
#include "demo.h"

#ifndef DEMO_FILES_DIR
#define DEMO_FILES_DIR "/usr/local/share/rivulet/demo-files"
#endif

static const char *
download_dir(const struct rv_req *rq)
{

	return rv_setting(rq, "download_dir", DEMO_FILES_DIR);
}

/*
 * GET /download/{filename}: the file as an attachment, 404 if it is
 * not there, with ranges, ETag and 304; delegated to the front server
 * when rivulet.conf says it may.
 */
int
demo_download(struct rv_req *rq)
{

	return rv_send_file(rq, download_dir(rq), rv_param(rq, "filename"),
	    NULL);
}

/* GET /api/download_as_filestream: one known file, shown inline. */
int
demo_filestream(struct rv_req *rq)
{
	struct rv_file_opts	 o = { .disposition = RV_DISP_INLINE };

	return rv_send_file(rq, download_dir(rq), "sample.txt", &o);
}

/*
 * GET /protected/stream (behind the "bearer" guard): the client only
 * gets here with a valid token, so the handler has no check of its
 * own.  An "authenticated" event, then ?count= ticks a second apart.
 */
int
demo_protected_stream(struct rv_req *rq)
{
	long			 n = rv_query_range(rq, "count", 5, 0, 3600);
	struct rv_stream	*s = rv_open(rq, RV_SSE);
	long			 i;

	rv_eventf(s, "authenticated", NULL, "{s:s,s:I}", "message",
	    "Welcome", "timestamp", (long long)demo_now_ms());
	for (i = 1; i <= n; i++)
		if (rv_sleep(s, 1000) != 0 || rv_eventf(s, "data", NULL,
		    "{s:i,s:I}", "n", (int)i, "timestamp",
		    (long long)demo_now_ms()) != 0)
			break;
	return rv_close(s);
}
