/* reqkit.h: a request built from CGI params, for parser tests. */
#ifndef RV_REQKIT_H
#define RV_REQKIT_H

#include <string.h>

#include "internal.h"

static int
null_write(struct rv_sink *s, const struct iovec *iov, int n, int last)
{
	(void)s; (void)iov; (void)n; (void)last;
	return RV_OK;
}
static int
null_finish(struct rv_sink *s, int cut)
{
	(void)s; (void)cut;
	return RV_OK;
}
static int
null_wait(struct rv_sink *s, unsigned long ms)
{
	(void)s; (void)ms;
	return RV_OK;
}
static struct rv_sink null_sink = { null_write, null_finish, null_wait, NULL };

/* env: "KEY=value" strings, NULL-terminated */
static void
mkreq(struct rv_req *rq, struct rv_server *srv, const char *const *env)
{
	const char	*eq;

	req_init(rq, srv, &null_sink);
	for (; *env != NULL; env++) {
		eq = strchr(*env, '=');
		req_add_env(rq, *env, (size_t)(eq - *env), eq + 1,
		    strlen(eq + 1));
	}
	req_finish_env(rq);
}

#endif
