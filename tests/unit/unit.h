/*
 * unit.h: scaffolding for tests that run items through one route,
 * GET /t, whose handler opens the stream with t_offer and calls t_emit.
 */
#ifndef RV_UNIT_H
#define RV_UNIT_H

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "rivulet.h"
#include "runner.h"

static const char	*t_offer = RV_ITEMS;
static int		(*t_emit)(struct rv_stream *);
static int		 t_emit_rc;	/* what t_emit returned */

static int
t_handler(struct rv_req *rq)
{
	struct rv_stream	*s = rv_open(rq, t_offer);
	int			 rc;

	t_emit_rc = t_emit != NULL ? t_emit(s) : 0;
	rc = rv_close(s);
	return t_emit_rc != 0 ? t_emit_rc : rc;
}

static const struct rv_route t_routes[] = {
	RV_GET("/t", t_handler),
	RV_ROUTES_END
};

static const struct rv_module t_module = {
	RV_MODULE_HEAD,
	.name = "unit",
	.routes = t_routes,
};

static struct rv_server *
t_server(void)
{
	struct rv_server	*srv = rv_server_new();
	char			 err[256];

	ck_assert_ptr_nonnull(srv);
	ck_assert_int_eq(rv_server_add_module(srv, &t_module, err,
	    sizeof(err)), RV_OK);
	return srv;
}

/*
 * Run GET /t?format=FORMAT (or with an Accept header when format
 * starts with "Accept:"), with emit as the handler's body.
 */
static void
t_run(const char *offer, const char *format, int (*emit)(struct rv_stream *),
    struct rv_test_response *res)
{
	struct rv_server	*srv = t_server();
	struct rv_test_request	 rq;
	const char		*hdrs[2] = { NULL, NULL };
	char			 uri[256];

	memset(&rq, 0, sizeof(rq));
	t_offer = offer;
	t_emit = emit;
	if (format != NULL && strncmp(format, "Accept:", 7) == 0) {
		hdrs[0] = format;
		snprintf(uri, sizeof(uri), "/t");
	} else if (format != NULL)
		snprintf(uri, sizeof(uri), "/t?format=%s", format);
	else
		snprintf(uri, sizeof(uri), "/t");
	rq.uri = uri;
	rq.headers = hdrs;
	ck_assert_int_eq(rv_test_run(srv, &rq, res), RV_OK);
	rv_server_free(srv);
}

/* The body of GET /t in one framing, compared byte for byte. */
#define BODY_IS(offer, format, emit, want) do {				\
	struct rv_test_response r_;					\
	t_run((offer), (format), (emit), &r_);				\
	ck_assert_int_eq(r_.status, 200);				\
	ck_assert_uint_eq(r_.body_len, sizeof(want) - 1);		\
	ck_assert_mem_eq(r_.body, (want), sizeof(want) - 1);		\
	rv_test_response_free(&r_);					\
} while (0)

#define t_main run_suite

#endif
