/*
 * bench_encode.c: one million {"id":N,"name":"Dog N","age":N%10}
 * records, no socket: rivulet's structured writer into NDJSON and
 * MessagePack and rv_packf into NDJSON, and beside them in the same
 * run jansson json_pack + json_dumps, a hand-written JSON writer and
 * msgpack-c.  Prints ns/record (median of three rounds) and the ratios
 * with their goals.
 *
 * Before timing, one untimed pass of every method hashes its output
 * (FNV-1a over every body byte): rivulet's NDJSON (writer and packf)
 * and jansson's lines must equal the hand-written writer's bytes, and
 * rivulet's MessagePack msgpack-c's, or the figures mean nothing and
 * the program exits 1.  Missed goals do not fail it.
 *
 *   bench_encode        the table
 *   bench_encode K      method K (0..5) once, for perf or callgrind
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <msgpack.h>

#include "internal.h"

#define N	1000000
#define ROUNDS	3
#define CHUNK	(64 * 1024)

/* What reached the sink or the baseline's buffer. */
struct out_count {
	uint64_t	 bytes;
	uint64_t	 hash;
};

static int		 verify;	/* hash the bytes too (untimed pass) */
static struct out_count	 oc;

#define FNV_BASIS	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static void
count(const void *p, size_t n)
{
	const unsigned char	*c = p;
	uint64_t		 h = oc.hash;

	oc.bytes += n;
	if (!verify)
		return;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * FNV_PRIME;
	oc.hash = h;
}

/* ------------------------------------------------------------------ */
/* The sink: counts (and in the verify pass hashes) body bytes only.    */

struct bench_sink {
	struct rv_sink	 sink;
	int		 head_seen;
	int		 finished;
};

static int
bs_write(struct rv_sink *sk, const struct iovec *iov, int n, int last)
{
	struct bench_sink	*bs = (struct bench_sink *)sk;
	const char		*p, *e;
	size_t			 len;

	for (int i = 0; i < n; i++) {
		p = iov[i].iov_base;
		len = iov[i].iov_len;
		if (!bs->head_seen) {
			/* The CGI head is the first iovec, whole. */
			e = memmem(p, len, "\r\n\r\n", 4);
			if (e == NULL)
				return RV_EIO;
			bs->head_seen = 1;
			len -= (size_t)(e + 4 - p);
			p = e + 4;
		}
		count(p, len);
	}
	if (last)	/* the response ends with these bytes */
		bs->finished = 1;
	return RV_OK;
}

static int
bs_finish(struct rv_sink *sk, int cut)
{
	struct bench_sink	*bs = (struct bench_sink *)sk;

	(void)cut;
	bs->finished = 1;
	return RV_OK;
}

static int
bs_wait(struct rv_sink *sk, unsigned long ms)
{

	(void)sk;
	(void)ms;
	return RV_OK;
}

/* One cheap name function for every method: "Dog N", its length. */
static size_t
dog_name(char *b, long i)
{
	char	 d[24], *p = d + sizeof(d);
	size_t	 n;

	do
		*--p = (char)('0' + i % 10);
	while ((i /= 10) != 0);
	memcpy(b, "Dog ", 4);
	n = (size_t)(d + sizeof(d) - p);
	memcpy(b + 4, p, n);
	b[4 + n] = '\0';
	return 4 + n;
}

static double
now_s(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* (a) (b) (c): rivulet                                                 */

enum how { W_NDJSON, W_MSGPACK, W_PACKF };

static int
run_rivulet(enum how how)
{
	struct bench_sink	 bs = { { bs_write, bs_finish, bs_wait, NULL }, 0,
	    0 };
	struct rv_server	*srv;
	struct rv_req		*rq;
	struct rv_stream	*s;
	const char		*qs = how == W_MSGPACK ? "format=msgpack" :
	    "format=ndjson";
	const char		*want = how == W_MSGPACK ? "msgpack" : "ndjson";
	char			 name[32];
	long			 i, failed = 0;
	int			 rc;

	if ((srv = rv_server_new()) == NULL ||
	    (rq = calloc(1, sizeof(*rq))) == NULL)
		return RV_ENOMEM;
	if ((rc = req_init(rq, srv, &bs.sink)) != RV_OK ||
	    (rc = req_add_env(rq, "REQUEST_METHOD", 14, "GET", 3)) != RV_OK ||
	    (rc = req_add_env(rq, "PATH_INFO", 9, "/b", 2)) != RV_OK ||
	    (rc = req_add_env(rq, "QUERY_STRING", 12, qs, strlen(qs))) !=
	    RV_OK || (rc = req_finish_env(rq)) != RV_OK) {
		fprintf(stderr, "request set-up: %s\n", rv_strerror(rc));
		return rc;
	}
	s = rv_open(rq, RV_ITEMS);
	if (rv_format(s) == NULL || strcmp(rv_format(s), want) != 0) {
		fprintf(stderr, "negotiated %s, want %s\n",
		    rv_format(s) ? rv_format(s) : "nothing", want);
		return RV_EINVAL;
	}
	rv_bulk(s, 1);
	for (i = 0; i < N; i++) {
		dog_name(name, i);
		if (how == W_PACKF)
			rc = rv_packf(s, "{s:I,s:s,s:i}", "id", (json_int_t)i,
			    "name", name, "age", (int)(i % 10));
		else {
			rv_map_open(s);
			rv_kint(s, "id", i);
			rv_kstr(s, "name", name);
			rv_kint(s, "age", i % 10);
			rc = rv_map_close(s);
		}
		failed += rc != RV_OK;
	}
	rc = rv_close(s);
	stream_end_ret(&rq->stream, rc);
	req_free(rq);
	free(rq);
	rv_server_free(srv);
	if (failed > 0 || rc != RV_OK || !bs.finished) {
		fprintf(stderr, "%ld items failed, close: %s, finished: %d\n",
		    failed, rv_strerror(rc), bs.finished);
		return RV_EIO;
	}
	return RV_OK;
}

static int r_nd(void) { return run_rivulet(W_NDJSON); }
static int r_mp(void) { return run_rivulet(W_MSGPACK); }
static int r_pf(void) { return run_rivulet(W_PACKF); }

/* ------------------------------------------------------------------ */
/* (d) jansson: a tree, then its text                                   */

static int
run_jansson(void)
{
	char		 name[32];
	json_t		*j;
	char		*t;
	long		 i;

	for (i = 0; i < N; i++) {
		dog_name(name, i);
		j = json_pack("{s:I,s:s,s:i}", "id", (json_int_t)i, "name",
		    name, "age", (int)(i % 10));
		t = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (t == NULL)
			return RV_ENOMEM;
		count(t, strlen(t));
		count("\n", 1);
		free(t);
		json_decref(j);
	}
	return RV_OK;
}

/* ------------------------------------------------------------------ */
/* (e) a hand-written JSON writer into a 64 KiB buffer                  */

static const char hex[] = "0123456789abcdef";

/* Escapes what JSON requires: quote, backslash, controls. */
static char *
put_str(char *o, const char *s, size_t n)
{
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		} else
			*o++ = (char)c;
	}
	*o++ = '"';
	return o;
}

static char *
put_int(char *o, long v)
{
	char		 d[24], *p = d + sizeof(d);
	unsigned long	 u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*o++ = '-';
	memcpy(o, p, (size_t)(d + sizeof(d) - p));
	return o + (d + sizeof(d) - p);
}

static int
run_hand(void)
{
	static char	 buf[CHUNK];
	char		 name[32], *o = buf;
	size_t		 n;
	long		 i;

	for (i = 0; i < N; i++) {
		n = dog_name(name, i);
		/* worst case: 6 bytes per name byte, ids of 20 digits */
		if ((size_t)(buf + sizeof(buf) - o) < 64 + 6 * n) {
			count(buf, (size_t)(o - buf));
			o = buf;
		}
		memcpy(o, "{\"id\":", 6);
		o = put_int(o + 6, i);
		memcpy(o, ",\"name\":", 8);
		o = put_str(o + 8, name, n);
		memcpy(o, ",\"age\":", 7);
		o = put_int(o + 7, i % 10);
		memcpy(o, "}\n", 2);
		o += 2;
	}
	count(buf, (size_t)(o - buf));
	return RV_OK;
}

/* ------------------------------------------------------------------ */
/* (f) msgpack-c into an sbuffer cleared every ~64 KiB                  */

static int
run_msgpack_c(void)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	char		 name[32];
	size_t		 n;
	long		 i;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	for (i = 0; i < N; i++) {
		n = dog_name(name, i);
		msgpack_pack_map(&pk, 3);
		msgpack_pack_str_with_body(&pk, "id", 2);
		msgpack_pack_long(&pk, i);
		msgpack_pack_str_with_body(&pk, "name", 4);
		msgpack_pack_str_with_body(&pk, name, n);
		msgpack_pack_str_with_body(&pk, "age", 3);
		msgpack_pack_long(&pk, i % 10);
		if (sb.size >= CHUNK) {
			count(sb.data, sb.size);
			msgpack_sbuffer_clear(&sb);
		}
	}
	count(sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return RV_OK;
}

/* ------------------------------------------------------------------ */

struct method {
	const char		*name;
	int			(*run)(void);
	double			 ns;	/* median */
	double			 best;
	struct out_count	 out;
};

static int
cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const char *
verdict(int ok)
{

	return ok ? "PASS" : "MISS";
}

/* Method k's output must be method ref's, byte for byte. */
static int
same(const struct method *m, size_t k, size_t ref)
{

	if (m[k].out.bytes == m[ref].out.bytes &&
	    m[k].out.hash == m[ref].out.hash)
		return 1;
	fprintf(stderr, "OUTPUT CHECK FAILED: %s wrote %llu bytes (FNV %016llx),"
	    " %s %llu (FNV %016llx)\n", m[k].name,
	    (unsigned long long)m[k].out.bytes,
	    (unsigned long long)m[k].out.hash, m[ref].name,
	    (unsigned long long)m[ref].out.bytes,
	    (unsigned long long)m[ref].out.hash);
	return 0;
}

enum { M_ND, M_MP, M_PF, M_JANSSON, M_HAND, M_MSGPACK_C, M__N };

int
main(int argc, char *argv[])
{
	struct method	 m[M__N] = {
		{ "(a) rivulet writer -> NDJSON", r_nd, 0, 0, { 0, 0 } },
		{ "(b) rivulet writer -> MessagePack", r_mp, 0, 0, { 0, 0 } },
		{ "(c) rivulet rv_packf -> NDJSON", r_pf, 0, 0, { 0, 0 } },
		{ "(d) jansson json_pack+json_dumps", run_jansson, 0, 0, { 0, 0 } },
		{ "(e) hand-written JSON writer", run_hand, 0, 0, { 0, 0 } },
		{ "(f) msgpack-c packer", run_msgpack_c, 0, 0, { 0, 0 } },
	};
	double		 all[M__N][ROUNDS], t[ROUNDS], t0, nd, mp;
	size_t		 k;
	int		 r, ok = 1;

	if (argc > 1) {
		k = (size_t)atoi(argv[1]);
		return k < M__N ? m[k].run() != RV_OK : 2;
	}
	rv_set_log_level(RV_LOG_ERROR);

	/* Untimed: every output hashed and compared. */
	verify = 1;
	for (k = 0; k < M__N; k++) {
		oc.bytes = 0;
		oc.hash = FNV_BASIS;
		if (m[k].run() != RV_OK) {
			fprintf(stderr, "OUTPUT CHECK FAILED: %s did not run\n",
			    m[k].name);
			ok = 0;
		}
		m[k].out = oc;
	}
	ok &= same(m, M_ND, M_HAND);
	ok &= same(m, M_PF, M_HAND);
	ok &= same(m, M_JANSSON, M_HAND);
	ok &= same(m, M_MP, M_MSGPACK_C);
	verify = 0;

	/* Timed: round-robin over methods, median of ROUNDS each. */
	for (r = 0; r < ROUNDS; r++)
		for (k = 0; k < M__N; k++) {
			oc.bytes = 0;
			t0 = now_s();
			m[k].run();
			all[k][r] = (now_s() - t0) * 1e9 / N;
			if (oc.bytes != m[k].out.bytes) {
				fprintf(stderr, "OUTPUT CHECK FAILED: %s wrote "
				    "%llu bytes in round %d\n", m[k].name,
				    (unsigned long long)oc.bytes, r + 1);
				ok = 0;
			}
		}
	for (k = 0; k < M__N; k++) {
		memcpy(t, all[k], sizeof(t));
		qsort(t, ROUNDS, sizeof(t[0]), cmp);
		m[k].ns = t[ROUNDS / 2];
		m[k].best = t[0];
	}

	printf("bench_encode: %d records {\"id\":N,\"name\":\"Dog N\","
	    "\"age\":N%%10}, one thread,\nmedian of %d interleaved rounds; "
	    "outputs checked (bytes and FNV-1a): %s\n\n", N, ROUNDS,
	    ok ? "identical" : "FAILED");
	printf("%-36s %10s %8s %12s %8s   %s\n", "method", "ns/record",
	    "best", "bytes", "x hand", "rounds (ns/record)");
	for (k = 0; k < M__N; k++) {
		printf("%-36s %10.1f %8.1f %12llu %8.2f  ", m[k].name, m[k].ns,
		    m[k].best, (unsigned long long)m[k].out.bytes,
		    m[k].ns / m[M_HAND].ns);
		for (r = 0; r < ROUNDS; r++)
			printf(" %.1f", all[k][r]);
		printf("\n");
	}
	nd = m[M_ND].ns;
	mp = m[M_MP].ns;
	printf("\n%-28s %7s %7s\n", "ratio", "median", "best");
	printf("%-28s %7.2f %7.2f  goal <= 2.0  %s\n", "NDJSON / hand-written",
	    nd / m[M_HAND].ns, m[M_ND].best / m[M_HAND].best,
	    verdict(nd <= 2.0 * m[M_HAND].ns));
	printf("%-28s %7.2f %7.2f  goal >= 10   %s\n", "jansson / NDJSON",
	    m[M_JANSSON].ns / nd, m[M_JANSSON].best / m[M_ND].best,
	    verdict(m[M_JANSSON].ns >= 10.0 * nd));
	printf("%-28s %7.2f %7.2f  goal <= 2.0  %s\n", "MessagePack / msgpack-c",
	    mp / m[M_MSGPACK_C].ns, m[M_MP].best / m[M_MSGPACK_C].best,
	    verdict(mp <= 2.0 * m[M_MSGPACK_C].ns));
	printf("%-28s %7.2f %7.2f  (no goal)\n", "rv_packf / writer NDJSON",
	    m[M_PF].ns / nd, m[M_PF].best / m[M_ND].best);
	return ok ? 0 : 1;
}
