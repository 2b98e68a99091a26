/*
 * sendq.c: many small sends to many sockets in few system calls.
 *
 * A broadcast to a channel writes one small record to each of
 * thousands of sockets.  One send(2) each costs a system call each,
 * and on virtual machines the call itself weighs as much as the work
 * in the socket: half of a fan-out's time.  io_uring takes a batch of
 * sends in one io_uring_enter(2); MSG_DONTWAIT makes each one complete
 * at once with what the socket took, or -EAGAIN, so that the caller
 * keeps the rest and waits for EPOLLOUT as before.
 *
 * Where io_uring is missing or refused (old kernels, seccomp, the
 * io_uring_disabled sysctl), sendq_new() returns NULL and sendq_run()
 * sends one by one: the same results, more system calls.
 *
 * No liburing: the three system calls and the rings are small enough.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sendq.h"

#if defined(__linux__) && defined(__NR_io_uring_setup) && \
    defined(__has_include)
#if __has_include(<linux/io_uring.h>)
#include <linux/io_uring.h>
/* Headers of 5.7 or later: IORING_OP_SEND and the probe are there. */
#ifdef IORING_FEAT_FAST_POLL
#define HAVE_URING 1
#endif
#endif
#endif

#ifdef HAVE_URING
/* Kernel ABI, fixed; older headers lack the names (5.18, 5.19). */
#ifndef IORING_SETUP_SUBMIT_ALL
#define IORING_SETUP_SUBMIT_ALL		(1U << 7)
#endif
#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN	(1U << 8)
#endif
#endif

#define SEND_FLAGS	(MSG_NOSIGNAL | MSG_DONTWAIT)

/* One by one: the fallback, and what a broken ring leaves. */
static void
send_each(struct sendq_op *op, size_t n)
{
	size_t	 i;
	ssize_t	 w;

	for (i = 0; i < n; i++) {
		while ((w = send(op[i].fd, op[i].p, op[i].len, SEND_FLAGS)) < 0 &&
		    errno == EINTR)
			continue;
		op[i].res = w < 0 ? -errno : w;
	}
}

#ifdef HAVE_URING

struct sendq {
	int			 fd;
	unsigned		 entries;
	void			*sq_map, *cq_map;
	size_t			 sq_len, cq_len;
	struct io_uring_sqe	*sqes;
	size_t			 sqes_len;
	_Atomic unsigned	*sq_head, *sq_tail, *cq_head, *cq_tail;
	unsigned		*sq_array, sq_mask, cq_mask;
	struct io_uring_cqe	*cqes;
};

static int
uring_setup(unsigned entries, struct io_uring_params *p, unsigned flags)
{

	memset(p, 0, sizeof(*p));
	p->flags = flags;
	return (int)syscall(__NR_io_uring_setup, entries, p);
}

static int
uring_enter(int fd, unsigned submit, unsigned wait)
{

	return (int)syscall(__NR_io_uring_enter, fd, submit, wait,
	    IORING_ENTER_GETEVENTS, NULL, 0);
}

/* Does this ring do IORING_OP_SEND (5.6; not every emulation has it)? */
static int
uring_sends(int fd)
{
	struct io_uring_probe	*pr;
	size_t			 n = 256;
	int			 ok;

	if ((pr = calloc(1, sizeof(*pr) + n * sizeof(pr->ops[0]))) == NULL)
		return 0;
	ok = syscall(__NR_io_uring_register, fd, IORING_REGISTER_PROBE, pr,
	    (unsigned)n) == 0 && pr->last_op >= IORING_OP_SEND &&
	    (pr->ops[IORING_OP_SEND].flags & IO_URING_OP_SUPPORTED);
	free(pr);
	return ok;
}

static int
sendq_map(struct sendq *q, const struct io_uring_params *p)
{
	char	*sq, *cq;

	q->sq_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	q->cq_len = p->cq_off.cqes + p->cq_entries *
	    sizeof(struct io_uring_cqe);
	if ((p->features & IORING_FEAT_SINGLE_MMAP) && q->cq_len > q->sq_len)
		q->sq_len = q->cq_len;
	q->sq_map = mmap(NULL, q->sq_len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_POPULATE, q->fd, IORING_OFF_SQ_RING);
	if (q->sq_map == MAP_FAILED)
		return -1;
	if (p->features & IORING_FEAT_SINGLE_MMAP) {
		q->cq_map = q->sq_map;
		q->cq_len = 0;
	} else if ((q->cq_map = mmap(NULL, q->cq_len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_POPULATE, q->fd, IORING_OFF_CQ_RING)) ==
	    MAP_FAILED)
		return -1;
	q->sqes_len = p->sq_entries * sizeof(struct io_uring_sqe);
	q->sqes = mmap(NULL, q->sqes_len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_POPULATE, q->fd, IORING_OFF_SQES);
	if (q->sqes == MAP_FAILED)
		return -1;
	sq = q->sq_map;
	cq = q->cq_map;
	q->sq_head = (_Atomic unsigned *)(void *)(sq + p->sq_off.head);
	q->sq_tail = (_Atomic unsigned *)(void *)(sq + p->sq_off.tail);
	q->sq_mask = *(unsigned *)(void *)(sq + p->sq_off.ring_mask);
	q->sq_array = (unsigned *)(void *)(sq + p->sq_off.array);
	q->cq_head = (_Atomic unsigned *)(void *)(cq + p->cq_off.head);
	q->cq_tail = (_Atomic unsigned *)(void *)(cq + p->cq_off.tail);
	q->cq_mask = *(unsigned *)(void *)(cq + p->cq_off.ring_mask);
	q->cqes = (struct io_uring_cqe *)(void *)(cq + p->cq_off.cqes);
	q->entries = p->sq_entries;
	return 0;
}

/*
 * A ring of up to entries sends, or NULL: use sendq_run(NULL, ...).
 * Any thread may use it, one at a time.
 */
struct sendq *
sendq_new(unsigned entries)
{
	struct io_uring_params	 p;
	struct sendq		*q;
	int			 fd;

	/* Completions are reaped by the thread that submits: no IPIs. */
	if ((fd = uring_setup(entries, &p, IORING_SETUP_SUBMIT_ALL |
	    IORING_SETUP_COOP_TASKRUN)) < 0 && errno == EINVAL)
		fd = uring_setup(entries, &p, 0);	/* before 5.19 */
	if (fd < 0)
		return NULL;
	if (!(p.features & IORING_FEAT_NODROP) || !uring_sends(fd)) {
		close(fd);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		close(fd);
		return NULL;
	}
	q->fd = fd;
	q->sq_map = q->cq_map = q->sqes = MAP_FAILED;
	if (sendq_map(q, &p) != 0) {
		sendq_free(q);
		return NULL;
	}
	return q;
}

void
sendq_free(struct sendq *q)
{

	if (q == NULL)
		return;
	if (q->sqes != MAP_FAILED)
		munmap(q->sqes, q->sqes_len);
	if (q->cq_map != MAP_FAILED && q->cq_map != q->sq_map)
		munmap(q->cq_map, q->cq_len);
	if (q->sq_map != MAP_FAILED)
		munmap(q->sq_map, q->sq_len);
	if (q->fd >= 0)
		close(q->fd);
	free(q);
}

static void
sqe_send(struct sendq *q, unsigned tail, const struct sendq_op *op,
    size_t i)
{
	unsigned		 at = tail & q->sq_mask;
	struct io_uring_sqe	*e = &q->sqes[at];

	memset(e, 0, sizeof(*e));
	e->opcode = IORING_OP_SEND;
	e->fd = op->fd;
	e->addr = (uint64_t)(uintptr_t)op->p;
	e->len = (uint32_t)op->len;
	e->msg_flags = SEND_FLAGS;
	e->user_data = i;
	q->sq_array[at] = at;
}

static size_t
reap(struct sendq *q, struct sendq_op *op)
{
	unsigned	 h, t;
	size_t		 n = 0;

	h = atomic_load_explicit(q->cq_head, memory_order_relaxed);
	t = atomic_load_explicit(q->cq_tail, memory_order_acquire);
	for (; h != t; h++, n++)
		op[q->cqes[h & q->cq_mask].user_data].res =
		    q->cqes[h & q->cq_mask].res;
	atomic_store_explicit(q->cq_head, h, memory_order_release);
	return n;
}

/*
 * Up to q->entries of them: 0, or -1 if the ring failed, *taken then
 * the number the kernel took (in order: the rest it never saw).
 */
static int
run_batch(struct sendq *q, struct sendq_op *op, size_t n, size_t *taken)
{
	unsigned	 head0, tail, left;
	size_t		 i, done = 0;
	int		 rc;

	head0 = atomic_load_explicit(q->sq_head, memory_order_acquire);
	tail = atomic_load_explicit(q->sq_tail, memory_order_relaxed);
	for (i = 0; i < n; i++)
		sqe_send(q, tail++, &op[i], i);
	atomic_store_explicit(q->sq_tail, tail, memory_order_release);
	while (done < n) {
		left = tail - atomic_load_explicit(q->sq_head,
		    memory_order_acquire);
		rc = uring_enter(q->fd, left, (unsigned)(n - done));
		if (rc < 0 && errno != EINTR && errno != EAGAIN &&
		    errno != EBUSY) {
			done += reap(q, op);
			*taken = atomic_load_explicit(q->sq_head,
			    memory_order_acquire) - head0;
			return -1;
		}
		done += reap(q, op);
	}
	return 0;
}

/*
 * Send each op's bytes to its fd without waiting; set each res.
 * q may be NULL: then one send(2) each.
 */
void
sendq_run(struct sendq *q, struct sendq_op *op, size_t n)
{
	size_t	 i, k, taken;

	if (q == NULL || q->fd < 0) {
		send_each(op, n);
		return;
	}
	for (i = 0; i < n; i++)
		op[i].res = -ECANCELED;
	for (i = 0; i < n; i += k) {
		k = n - i < q->entries ? n - i : q->entries;
		if (run_batch(q, op + i, k, &taken) != 0) {
			/*
			 * Not with a sound ring (a sandbox that refuses
			 * io_uring_enter, say).  Sends the kernel took and
			 * did not complete stay -ECANCELED (they may have
			 * gone out: the caller cuts those connections);
			 * the others go one by one, as from now on.
			 */
			close(q->fd);
			q->fd = -1;
			send_each(op + i + taken, n - i - taken);
			return;
		}
	}
}

#else /* !HAVE_URING */

struct sendq *
sendq_new(unsigned entries)
{

	(void)entries;
	return NULL;
}

void
sendq_free(struct sendq *q)
{

	(void)q;
}

void
sendq_run(struct sendq *q, struct sendq_op *op, size_t n)
{

	(void)q;
	send_each(op, n);
}

#endif /* HAVE_URING */
