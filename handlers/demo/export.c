/*
 * export.c: GET /export/users.csv?rows=N: a users export as a CSV
 * attachment (or NDJSON / a JSON array when asked), read from a paged
 * data source 100 users at a time: never more than a page in memory.
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"

#define PAGE	100

struct user {
	long	 id;
	char	 name[48];
	char	 email[40];
	char	 created_at[32];
};

/*
 * A deterministic stand-in for a users table of `total` rows: fills
 * out[] with page `page` (from 0) of `size` users, returns how many.
 * Some names hold a comma, an apostrophe or double quotes, so that the
 * CSV quoting has something to do.
 */
static size_t
users_page(long total, long page, size_t size, struct user *out)
{
	static const char *const first[] = { "Ada", "Grace", "Linus", "Ken",
	    "Barbara", "Dennis", "Margaret", "Edsger" };
	static const char *const last[] = { "Lovelace", "Hopper",
	    "O'Neil, Jr.", "Thompson", "Liskov", "Ritchie",
	    "\"Maggie\" Hamilton", "Dijkstra" };
	struct user	*u;
	long		 id;
	size_t		 k;

	for (k = 0; k < size; k++) {
		if ((id = page * (long)size + (long)k + 1) > total)
			break;
		u = &out[k];
		u->id = id;
		snprintf(u->name, sizeof(u->name), "%s %s", first[id % 8],
		    last[(id / 8) % 8]);
		snprintf(u->email, sizeof(u->email), "user%ld@example.org", id);
		snprintf(u->created_at, sizeof(u->created_at),
		    "2024-%02ld-%02ldT%02ld:%02ld:00Z", id % 12 + 1,
		    id % 28 + 1, id % 24, id % 60);
	}
	return k;
}

int
demo_export_users(struct rv_req *rq)
{
	static const char *const cols[] = { "id", "name", "email",
	    "created_at" };
	long			 total = rv_query_range(rq, "rows", 10000, 0,
	    1000000);
	struct rv_stream	*s = rv_open(rq, "csv ndjson array");
	const char		*fmt = rv_format(s);
	struct user		 page[PAGE];	/* about 13 KiB of stack */
	size_t			 i, n;
	long			 p;

	/* Name the download after what it holds (fmt NULL: refused). */
	if (fmt != NULL)
		rv_header(s, "Content-Disposition", rv_fmt(s,
		    "attachment; filename=users.%s",
		    strcmp(fmt, "array") == 0 ? "json" : fmt));
	rv_columns(s, 4, cols);	/* the header row, even with no users */
	rv_bulk(s, 1);
	for (p = 0; (n = users_page(total, p, PAGE, page)) > 0; p++)
		for (i = 0; i < n; i++)
			if (rv_packf(s, "{s:I,s:s,s:s,s:s}",
			    "id", (long long)page[i].id, "name", page[i].name,
			    "email", page[i].email,
			    "created_at", page[i].created_at) != 0)
				return rv_close(s);
	return rv_close(s);
}
