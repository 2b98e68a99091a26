/*
 * export.c: GET /export/users.csv: a CSV export paged from a data
 * source, 100 users a page, never held whole.
 */
#include <stdio.h>

#include "demo.h"

struct user {
	long	 id;
	char	 name[48];
	char	 email[64];
	char	 created_at[32];
};

/* A deterministic stand-in for a users table: page p of size n. */
static size_t
users_page(long total, long page, long n, struct user *out)
{
	static const char *const first[] = { "Ada", "Grace", "Linus", "Ken",
	    "Barbara", "Dennis", "Margaret", "Edsger" };
	static const char *const last[] = { "Lovelace", "Hopper",
	    "O'Neil, Jr.", "Thompson", "Liskov", "Ritchie", "\"Maggie\" Hamilton",
	    "Dijkstra" };
	long	 i, id;
	size_t	 k = 0;

	for (i = 0; i < n; i++) {
		if ((id = page * n + i + 1) > total)
			break;
		out[k].id = id;
		snprintf(out[k].name, sizeof(out[k].name), "%s %s",
		    first[id % 8], last[(id / 8) % 8]);
		snprintf(out[k].email, sizeof(out[k].email),
		    "user%ld@example.org", id);
		snprintf(out[k].created_at, sizeof(out[k].created_at),
		    "2026-%02ld-%02ldT%02ld:00:00Z", id % 12 + 1, id % 28 + 1,
		    id % 24);
		k++;
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
	struct user		 page[100];
	size_t			 i, n;
	long			 p;

	rv_header(s, "Content-Disposition", "attachment; filename=users.csv");
	rv_columns(s, 4, cols);
	rv_bulk(s, 1);
	for (p = 0; (n = users_page(total, p, 100, page)) > 0; p++)
		for (i = 0; i < n; i++)
			if (rv_packf(s, "{s:I,s:s,s:s,s:s}", "id",
			    (long long)page[i].id, "name", page[i].name,
			    "email", page[i].email, "created_at",
			    page[i].created_at) != 0)
				return rv_close(s);
	return rv_close(s);
}
