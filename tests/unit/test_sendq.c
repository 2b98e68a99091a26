/*
 * test_sendq.c: batched sends (sendq.c), through io_uring where this
 * kernel allows it and one by one otherwise: the same results from
 * both, for sockets that take all, part, nothing, or are gone.
 */
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sendq.h"
#include "runner.h"

#define PAIRS	300	/* over the ring's entries: batches of 64 */

/* _i: 0 one by one (NULL), 1 the ring (if the kernel has it). */
static struct sendq *
queue(int i)
{
	struct sendq	*q;

	if (i == 0)
		return NULL;
	/* Only a kernel without io_uring, or one that refuses it. */
	if ((q = sendq_new(64)) == NULL)
		ck_assert_msg(errno == ENOSYS || errno == EPERM ||
		    errno == EACCES, "sendq_new: %s", strerror(errno));
	return q;
}

static void
pair(int sv[2])
{

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
}

/* Many sockets, each its own bytes: all arrive, each where it belongs. */
START_TEST(many)
{
	static int	 sv[PAIRS][2];
	struct sendq_op	*op = calloc(PAIRS, sizeof(*op));
	char		 msg[PAIRS][32], got[64];
	struct sendq	*q = queue(_i);
	size_t		 i;
	ssize_t		 n;

	ck_assert_ptr_nonnull(op);
	for (i = 0; i < PAIRS; i++) {
		pair(sv[i]);
		n = snprintf(msg[i], sizeof(msg[i]), "record %zu\n", i);
		op[i].fd = sv[i][0];
		op[i].p = msg[i];
		op[i].len = (size_t)n;
		op[i].res = 12345;
	}
	sendq_run(q, op, PAIRS);
	for (i = 0; i < PAIRS; i++) {
		ck_assert_int_eq(op[i].res, (ssize_t)op[i].len);
		n = read(sv[i][1], got, sizeof(got));
		ck_assert_int_eq(n, (ssize_t)op[i].len);
		ck_assert_mem_eq(got, msg[i], op[i].len);
		close(sv[i][0]);
		close(sv[i][1]);
	}
	sendq_free(q);
	free(op);
}
END_TEST

/*
 * A socket that takes only part, one that takes nothing (EAGAIN: the
 * caller keeps the rest), one whose peer left (EPIPE, no SIGPIPE), and
 * a closed fd (EBADF), in one batch with a good one.
 */
START_TEST(refusals)
{
	int		 full[2], part[2], gone[2], good[2], bad[2];
	static char	 big[1 << 20];
	struct sendq_op	 op[5];
	struct sendq	*q = queue(_i);
	ssize_t		 w;
	int		 sz = 4096;

	signal(SIGPIPE, SIG_DFL);	/* a send without MSG_NOSIGNAL dies */
	pair(full);
	pair(part);
	pair(gone);
	pair(good);
	pair(bad);
	ck_assert_int_eq(setsockopt(full[0], SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)), 0);
	while ((w = send(full[0], big, sizeof(big), MSG_DONTWAIT)) > 0)
		continue;
	ck_assert(w < 0 && errno == EAGAIN);
	ck_assert_int_eq(setsockopt(part[0], SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)), 0);
	close(gone[1]);
	close(bad[0]);
	close(bad[1]);
	op[0] = (struct sendq_op){ full[0], "x", 1, 0 };
	op[1] = (struct sendq_op){ part[0], big, sizeof(big), 0 };
	op[2] = (struct sendq_op){ gone[0], "y", 1, 0 };
	op[3] = (struct sendq_op){ bad[0], "z", 1, 0 };
	op[4] = (struct sendq_op){ good[0], "ok", 2, 0 };
	sendq_run(q, op, 5);
	ck_assert_int_eq(op[0].res, -EAGAIN);
	ck_assert(op[1].res > 0 && op[1].res < (ssize_t)sizeof(big));
	ck_assert_int_eq(op[2].res, -EPIPE);
	ck_assert_int_eq(op[3].res, -EBADF);
	ck_assert_int_eq(op[4].res, 2);
	close(full[0]);
	close(full[1]);
	close(part[0]);
	close(part[1]);
	close(gone[0]);
	close(good[0]);
	close(good[1]);
	sendq_free(q);
}
END_TEST

/* Nothing to send is no call at all; a ring is reused across runs. */
START_TEST(empty_and_again)
{
	struct sendq	*q = queue(_i);
	struct sendq_op	 op;
	int		 sv[2], r;
	char		 c;

	sendq_run(q, NULL, 0);
	pair(sv);
	for (r = 0; r < 200; r++) {
		op = (struct sendq_op){ sv[0], "r", 1, 0 };
		sendq_run(q, &op, 1);
		ck_assert_int_eq(op.res, 1);
		ck_assert_int_eq(read(sv[1], &c, 1), 1);
	}
	close(sv[0]);
	close(sv[1]);
	sendq_free(q);
	sendq_free(NULL);
}
END_TEST

/*
 * A ring whose io_uring_enter fails (as in a sandbox that allows the
 * setup only): what the kernel never took goes one by one, none lost.
 */
START_TEST(ring_refused)
{
	struct sendq_op	 op[3];
	struct sendq	*q;
	char		 link[64], what[128], c;
	ssize_t		 n;
	int		 at, sv[3][2], i;

	at = dup(0);		/* the ring's fd number, next */
	close(at);
	if ((q = sendq_new(64)) == NULL)
		return;		/* no ring here: test "many" covers this */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", at);
	ck_assert_int_gt(n = readlink(link, what, sizeof(what) - 1), 0);
	what[n] = '\0';
	ck_assert_msg(strstr(what, "io_uring") != NULL, "fd %d: %s", at, what);
	for (i = 0; i < 3; i++)
		pair(sv[i]);
	/* Not a ring any more: io_uring_enter fails with EOPNOTSUPP. */
	ck_assert_int_eq(dup2(sv[0][0], at), at);
	for (i = 0; i < 3; i++)
		op[i] = (struct sendq_op){ sv[i][0], "abc" + i, 1, 0 };
	sendq_run(q, op, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(op[i].res, 1);
		ck_assert_int_eq(read(sv[i][1], &c, 1), 1);
		ck_assert_int_eq(c, "abc"[i]);
	}
	op[0] = (struct sendq_op){ sv[1][0], "d", 1, 0 };
	sendq_run(q, op, 1);		/* and from then on */
	ck_assert_int_eq(op[0].res, 1);
	sendq_free(q);
	for (i = 0; i < 3; i++) {
		close(sv[i][0]);
		close(sv[i][1]);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("sendq");
	TCase	*tc = tcase_create("sendq");

	tcase_add_loop_test(tc, many, 0, 2);
	tcase_add_loop_test(tc, refusals, 0, 2);
	tcase_add_loop_test(tc, empty_and_again, 0, 2);
	tcase_add_test(tc, ring_refused);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
