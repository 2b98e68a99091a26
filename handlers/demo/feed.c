/*
 * feed.c: GET /feed?format=json|csv|xml: one feed, every framing.
 * Where Oxian writes a function per format, the handler here sends
 * items once; ?format= (or Accept) picks the encoder, this module's own
 * XML one included.  Some titles hold & < > " ' to show the escaping.
 */
#include "demo.h"

int
demo_feed(struct rv_req *rq)
{
	static const char *const titles[] = { "Rivers", "Deltas & \"bays\"",
	    "Estuaries", "<Rapids>, 'falls'", "Springs" };
	struct rv_stream	*s = rv_open(rq, "array csv xml ndjson");
	int			 i;

	rv_envelope(s, "feed");
	for (i = 0; i < 5; i++)
		if (rv_packf(s, "{s:i,s:s,s:s,s:I}", "id", i + 1, "title",
		    titles[i], "content", rv_fmt(s, "All about %s & more",
		    titles[i]), "timestamp", (long long)demo_now_ms()) != 0)
			break;
	return rv_close(s);
}
