/*
 * test_channel.c: the channel hub without a loop: publishing checks
 * its input, ids are monotonic "<ms>-<seq>", the history stays bounded,
 * a subscription made in a handler and given up is freed, and the
 * subscriber limit answers 503.
 */
#include <sys/wait.h>

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "channel.h"
#include "runner.h"

static struct rv_server	*srv;

static void
setup(void)
{
	struct rv_limits	 l;

	srv = rv_server_new();
	ck_assert_ptr_nonnull(srv);
	rv_server_limits(srv, &l);
	l.channel_history = 3;
	l.max_subscribers = 1;
	ck_assert_int_eq(rv_server_set_limits(srv, &l), RV_OK);
}

static void
teardown(void)
{

	rv_server_free(srv);
}

START_TEST(publish_checks_input)
{
	static const unsigned char one[] = { 0x93, 1, 2, 3 };	/* [1,2,3] */
	static const unsigned char two[] = { 1, 2 };		/* 2 values */
	static const unsigned char cut[] = { 0x93, 1 };		/* truncated */

	ck_assert_int_eq(rv_server_publishf(srv, "c", NULL, NULL, "{s:i}",
	    "a", 1), RV_OK);
	ck_assert_int_eq(rv_server_publishf(srv, "", NULL, NULL, "i", 1),
	    RV_EINVAL);
	ck_assert_int_eq(rv_server_publishf(srv, "c", "a\nb", NULL, "i", 1),
	    RV_EINVAL);
	ck_assert_int_eq(rv_server_publishf(srv, "c", NULL, "ev\r", "i", 1),
	    RV_EINVAL);
	ck_assert_int_eq(rv_server_publishf(srv, "c", NULL, "", "i", 1),
	    RV_EINVAL);
	ck_assert_int_eq(rv_server_publishf(srv, "c", NULL, NULL, "{s:i",
	    "a", 1), RV_EINVAL);
	ck_assert_int_eq(rv_server_publishf(srv, "c", NULL, NULL, "i i", 1,
	    2), RV_EINVAL);
	ck_assert_int_eq(rv_publish_msgpack(srv, "c", NULL, NULL, one,
	    sizeof(one), NULL, 0), RV_OK);
	ck_assert_int_eq(rv_publish_msgpack(srv, "c", NULL, NULL, two,
	    sizeof(two), NULL, 0), RV_EINVAL);
	ck_assert_int_eq(rv_publish_msgpack(srv, "c", NULL, NULL, cut,
	    sizeof(cut), NULL, 0), RV_EINVAL);
	ck_assert_int_eq(rv_publish_msgpack(srv, "c", NULL, NULL, NULL, 0,
	    NULL, 0), RV_EINVAL);
	{
		struct rv_limits	 l;
		unsigned char		*big;

		rv_server_limits(srv, &l);
		ck_assert_ptr_nonnull(big = calloc(1, l.max_item + 6));
		big[0] = 0xc6;	/* bin 32 of max_item + 1 bytes */
		big[1] = (unsigned char)((l.max_item + 1) >> 24);
		big[2] = (unsigned char)((l.max_item + 1) >> 16);
		big[3] = (unsigned char)((l.max_item + 1) >> 8);
		big[4] = (unsigned char)(l.max_item + 1);
		ck_assert_int_eq(rv_publish_msgpack(srv, "c", NULL, NULL, big,
		    l.max_item + 6, NULL, 0), RV_ETOOBIG);
		free(big);
	}
}
END_TEST

START_TEST(ids_are_monotonic)
{
	static const unsigned char v[] = { 0xc0 };	/* nil */
	char		 id[64], prev[64] = "";
	uint64_t	 ms, seq, pms = 0, pseq = 0;
	int		 i;

	for (i = 0; i < 2000; i++) {
		ck_assert_int_eq(rv_publish_msgpack(srv, "ids", "t", "e", v,
		    sizeof(v), id, sizeof(id)), RV_OK);
		ck_assert_int_eq(sscanf(id, "%" SCNu64 "-%" SCNu64, &ms,
		    &seq), 2);
		ck_assert_msg(ms > pms || (ms == pms && seq > pseq) || i == 0,
		    "%s after %s", id, prev);
		pms = ms;
		pseq = seq;
		snprintf(prev, sizeof(prev), "%s", id);
	}
	/*
	 * Another topic of the same name is another channel, with ids of
	 * its own (they may equal another channel's: ids order one
	 * channel's items only).
	 */
	ck_assert_int_eq(rv_publish_msgpack(srv, "ids", "u", NULL, v,
	    sizeof(v), id, sizeof(id)), RV_OK);
	ck_assert_int_eq(sscanf(id, "%" SCNu64 "-%" SCNu64, &ms, &seq), 2);
}
END_TEST

static int
subscriber(struct rv_req *rq)
{
	struct rv_stream	*s = rv_open(rq, RV_ITEMS);
	int			 rc;

	rc = rv_subscribe(s, "room", rv_query(rq, "room", "r"));
	if (rc == RV_OK)
		ck_assert_int_eq(rv_subscribe(s, "room", "again"), RV_ESTATE);
	return rc == RV_OK ? RV_OK : rv_close(s);
}

static const struct rv_route sub_routes[] = {
	RV_GET("/sub", subscriber),
	RV_ROUTES_END
};
static const struct rv_module sub_module = {
	RV_MODULE_HEAD, .name = "sub", .routes = sub_routes
};

START_TEST(subscriptions_are_freed_and_limited)
{
	struct rv_test_request	 tr;
	struct rv_test_response	 res;
	struct hub_stats	 st;
	char			 err[128];

	ck_assert_int_eq(rv_server_add_module(srv, &sub_module, err,
	    sizeof(err)), RV_OK);
	memset(&tr, 0, sizeof(tr));
	tr.uri = "/sub";
	/* No loop runs here: the handler's subscription is given up... */
	ck_assert_int_eq(rv_test_run(srv, &tr, &res), RV_OK);
	ck_assert_int_eq(res.status, 200);
	rv_test_response_free(&res);
	/* ...but counts until the loop has freed it: over the limit (1). */
	ck_assert_int_eq(rv_test_run(srv, &tr, &res), RV_OK);
	ck_assert_int_eq(res.status, 503);
	ck_assert_str_eq(rv_test_header(&res, "Retry-After"), "5");
	ck_assert_str_eq(rv_test_header(&res, "Content-Type"),
	    "application/problem+json");
	rv_test_response_free(&res);
	hub_run(srv->hub);
	hub_stats(srv->hub, &st);
	ck_assert_uint_eq(st.subscribers, 0);
	ck_assert_int_eq(rv_test_run(srv, &tr, &res), RV_OK);
	ck_assert_int_eq(res.status, 200);
	rv_test_response_free(&res);
}
END_TEST

START_TEST(history_is_bounded)
{
	struct hub_stats	 st;
	int			 i;

	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(rv_server_publishf(srv, "h", NULL, "e",
		    "{s:i, s:s}", "n", i, "pad", "0123456789"), RV_OK);
	hub_stats(srv->hub, &st);
	ck_assert_uint_eq(st.published, 10000);
	ck_assert_uint_eq(st.channels, 1);
	/* 3 kept (valgrind checks that the others were freed). */
}
END_TEST

/*
 * The workers' shared log, two servers in one process: items published
 * through one are replayed, in order, to a subscriber of the other; the
 * ring wraps and a client whose items were dropped is told of a gap.
 */
START_TEST(shared_log)
{
	static const unsigned char v[] = { 0x93, 1, 2, 3 };
	struct rv_shared	*sh = rv_shared_new(64 * 1024);
	struct rv_server	*a = rv_server_new(), *b = rv_server_new();
	struct rv_stream	 fake;
	struct sub		*sb;
	char			 id[64], first[64], mid[64];
	size_t			 i;

	ck_assert_ptr_nonnull(sh);
	ck_assert_ptr_null(rv_shared_new(100));
	ck_assert_int_eq(rv_server_attach(a, sh), RV_OK);
	ck_assert_int_eq(rv_server_attach(b, sh), RV_OK);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(rv_publish_msgpack(a, "log", "t", "e", v,
		    sizeof(v), id, sizeof(id)), RV_OK);
		if (i == 0)
			snprintf(first, sizeof(first), "%s", id);
		if (i == 2)
			snprintf(mid, sizeof(mid), "%s", id);
	}
	/* Resume after the third: the fourth and fifth, from b. */
	memset(&fake, 0, sizeof(fake));
	ck_assert_int_eq(hub_subscribe(b->hub, &fake, "log", "t", mid), RV_OK);
	sb = fake.sub;
	ck_assert_uint_eq(sb->ninbox, 2);
	ck_assert_str_eq(sb->inbox[1]->id, id);
	ck_assert_str_eq(sb->inbox[0]->event, "e");
	ck_assert_uint_eq(sb->inbox[0]->len, sizeof(v));
	hub_cancel(sb);
	hub_run(b->hub);
	/* Another topic's items are not replayed. */
	ck_assert_int_eq(rv_publish_msgpack(a, "log", "u", NULL, v,
	    sizeof(v), NULL, 0), RV_OK);
	memset(&fake, 0, sizeof(fake));
	ck_assert_int_eq(hub_subscribe(b->hub, &fake, "log", "t", mid), RV_OK);
	ck_assert_uint_eq(fake.sub->ninbox, 2);
	hub_cancel(fake.sub);
	hub_run(b->hub);
	/* Wrap the 64K ring many times: the first item is gone, a gap. */
	for (i = 0; i < 20000; i++)
		ck_assert_int_eq(rv_publish_msgpack(a, "log", "t", NULL, v,
		    sizeof(v), NULL, 0), RV_OK);
	memset(&fake, 0, sizeof(fake));
	ck_assert_int_eq(hub_subscribe(b->hub, &fake, "log", "t", first),
	    RV_OK);
	ck_assert_str_eq(fake.sub->inbox[0]->event, "reset");
	ck_assert_uint_gt(fake.sub->ninbox, 100);
	hub_cancel(fake.sub);
	hub_run(b->hub);
	rv_server_free(a);
	rv_server_free(b);
	rv_shared_free(sh);
}
END_TEST

/* One process of several holds a lease; it passes on when it dies. */
START_TEST(leases)
{
	struct rv_shared	*sh = rv_shared_new(64 * 1024);
	struct rv_server	*a = rv_server_new(), *alone = rv_server_new();
	int			 fds[2], st;
	char			 got[2];
	pid_t			 pid;

	ck_assert_ptr_nonnull(sh);
	ck_assert_int_eq(rv_server_attach(a, sh), RV_OK);
	/* Without shared memory: always held; bad names never. */
	ck_assert_int_eq(rv_server_lease(alone, "x"), 1);
	ck_assert_int_eq(rv_server_lease(alone, ""), 0);
	ck_assert_int_eq(rv_server_lease(a, "producer"), 1);
	ck_assert_int_eq(rv_server_lease(a, "producer"), 1);
	ck_assert_int_eq(rv_server_lease(a, "0123456789012345678901234567"
	    "89012345678901234567"), 0);
	/* A child (another worker) is refused it while we live... */
	ck_assert_int_eq(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		char	 r = (char)('0' + rv_server_lease(a, "producer"));
		char	 o = (char)('0' + rv_server_lease(a, "other"));

		(void)!write(fds[1], &r, 1);
		(void)!write(fds[1], &o, 1);
		rv_server_free(a);
		rv_server_free(alone);
		rv_shared_free(sh);
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(read(fds[0], got, 2), 2);	/* both written */
	ck_assert_int_eq(got[0], '0');
	ck_assert_int_eq(got[1], '1');	/* another name: its own */
	/* ...and "other", held by the dead child, passes to us. */
	ck_assert_int_eq(rv_server_lease(a, "other"), 1);
	close(fds[0]);
	close(fds[1]);
	rv_server_free(a);
	rv_server_free(alone);
	rv_shared_free(sh);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("channel");
	TCase	*tc = tcase_create("hub");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, publish_checks_input);
	tcase_add_test(tc, ids_are_monotonic);
	tcase_add_test(tc, subscriptions_are_freed_and_limited);
	tcase_add_test(tc, history_is_bounded);
	tcase_add_test(tc, shared_log);
	tcase_add_test(tc, leases);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
