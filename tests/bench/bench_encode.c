/*
 * bench_encode.c: one million {"id","name","age"} records, no socket,
 * through rivulet's structured writer (NDJSON, MessagePack), rv_packf,
 * and beside them in the same run: jansson pack+dump, a hand-written
 * JSON writer and raw msgpack-c.  Prints ns/record (median of three)
 * and the ratios the core issue names.  Outputs are checked first, so
 * a fast but wrong encoder cannot win.
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

static uint64_t	 sink_bytes;

static int
count_write(struct rv_sink *s, const struct iovec *iov, int n, int last)
{
	(void)s;
	(void)last;
	for (int i = 0; i < n; i++)
		sink_bytes += iov[i].iov_len;
	return RV_OK;
}
static int
nop_finish(struct rv_sink *s, int cut)
{
	(void)s; (void)cut;
	return RV_OK;
}
static int
nop_wait(struct rv_sink *s, unsigned long ms)
{
	(void)s; (void)ms;
	return RV_OK;
}
static struct rv_sink count_sink = { count_write, nop_finish, nop_wait };

/* The same cheap name for every method: "Dog N". */
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

enum how { W_NDJSON, W_MSGPACK, W_PACKF };

static uint64_t
run_rivulet(enum how how)
{
	struct rv_server	*srv = rv_server_new();
	struct rv_req		*rq = calloc(1, sizeof(*rq));
	struct rv_stream	*s;
	const char		*qs = how == W_MSGPACK ? "format=msgpack" :
	    "format=ndjson";
	char			 name[32];
	long			 i;

	sink_bytes = 0;
	req_init(rq, srv, &count_sink);
	req_add_env(rq, "REQUEST_METHOD", 14, "GET", 3);
	req_add_env(rq, "PATH_INFO", 9, "/b", 2);
	req_add_env(rq, "QUERY_STRING", 12, qs, strlen(qs));
	req_finish_env(rq);
	s = rv_open(rq, RV_ITEMS);
	rv_bulk(s, 1);
	for (i = 0; i < N; i++) {
		dog_name(name, i);
		if (how == W_PACKF)
			rv_packf(s, "{s:I,s:s,s:i}", "id", (json_int_t)i,
			    "name", name, "age", (int)(i % 10));
		else {
			rv_map_open(s);
			rv_kint(s, "id", i);
			rv_kstr(s, "name", name);
			rv_kint(s, "age", i % 10);
			rv_map_close(s);
		}
	}
	rv_close(s);
	/* the body only: the sink also saw the response head */
	sink_bytes = rq->stream.bytes;
	stream_end_ret(&rq->stream, 0);
	req_free(rq);
	free(rq);
	rv_server_free(srv);
	return sink_bytes;
}

static uint64_t
run_jansson(void)
{
	char		 name[32];
	uint64_t	 bytes = 0;
	json_t		*j;
	char		*t;
	long		 i;

	for (i = 0; i < N; i++) {
		dog_name(name, i);
		j = json_pack("{s:I,s:s,s:i}", "id", (json_int_t)i, "name",
		    name, "age", (int)(i % 10));
		t = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		bytes += strlen(t) + 1;
		free(t);
		json_decref(j);
	}
	return bytes;
}

/* A fair hand-written writer: escapes what JSON requires. */
static char *
put_str(char *o, const char *s, size_t n)
{
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20)
			o += sprintf(o, "\\u%04x", c);
		else
			*o++ = (char)c;
	}
	*o++ = '"';
	return o;
}

static char *
put_int(char *o, long v)
{
	char	 d[24], *p = d + sizeof(d);
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*o++ = '-';
	memcpy(o, p, (size_t)(d + sizeof(d) - p));
	return o + (d + sizeof(d) - p);
}

static uint64_t
run_hand(void)
{
	static char	 buf[65536 + 256];
	char		 name[32], *o = buf;
	uint64_t	 bytes = 0;
	size_t		 n;
	long		 i;

	for (i = 0; i < N; i++) {
		n = dog_name(name, i);
		memcpy(o, "{\"id\":", 6);
		o = put_int(o + 6, i);
		memcpy(o, ",\"name\":", 8);
		o = put_str(o + 8, name, n);
		memcpy(o, ",\"age\":", 7);
		o = put_int(o + 7, i % 10);
		memcpy(o, "}\n", 2);
		o += 2;
		if (o - buf > 65536) {
			bytes += (uint64_t)(o - buf);
			o = buf;
		}
	}
	return bytes + (uint64_t)(o - buf);
}

static uint64_t
run_msgpack_c(void)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	char		 name[32];
	uint64_t	 bytes = 0;
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
		if (sb.size > 65536) {
			bytes += sb.size;
			msgpack_sbuffer_clear(&sb);
		}
	}
	bytes += sb.size;
	msgpack_sbuffer_destroy(&sb);
	return bytes;
}

/* ------------------------------------------------------------------ */

struct method {
	const char	*name;
	uint64_t	(*run)(void);
	double		 ns;
	uint64_t	 bytes;
};

static uint64_t r_nd(void) { return run_rivulet(W_NDJSON); }
static uint64_t r_mp(void) { return run_rivulet(W_MSGPACK); }
static uint64_t r_pf(void) { return run_rivulet(W_PACKF); }

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

int
main(int argc, char *argv[])
{
	struct method	 m[] = {
		{ "rivulet writer -> NDJSON", r_nd, 0, 0 },
		{ "rivulet writer -> MessagePack", r_mp, 0, 0 },
		{ "rivulet rv_packf -> NDJSON", r_pf, 0, 0 },
		{ "jansson json_pack + json_dumps", run_jansson, 0, 0 },
		{ "hand-written JSON writer", run_hand, 0, 0 },
		{ "msgpack-c packer", run_msgpack_c, 0, 0 },
	};
	size_t		 k, nm = sizeof(m) / sizeof(m[0]);
	double		 t[ROUNDS], t0;
	int		 r, bad = 0;

	/* bench_encode N: only method N (for a profiler) */
	if (argc > 1) {
		k = (size_t)atoi(argv[1]);
		if (k < nm)
			m[k].run();
		return 0;
	}
	for (k = 0; k < nm; k++) {
		for (r = 0; r < ROUNDS; r++) {
			t0 = now_s();
			m[k].bytes = m[k].run();
			t[r] = (now_s() - t0) * 1e9 / N;
		}
		qsort(t, ROUNDS, sizeof(t[0]), cmp);
		m[k].ns = t[ROUNDS / 2];
	}
	/* Same bytes as the baselines, or the figures mean nothing. */
	if (m[0].bytes != m[4].bytes || m[2].bytes != m[4].bytes) {
		fprintf(stderr, "NDJSON output differs: %llu, %llu vs %llu\n",
		    (unsigned long long)m[0].bytes,
		    (unsigned long long)m[2].bytes,
		    (unsigned long long)m[4].bytes);
		bad = 1;
	}
	if (m[1].bytes != m[5].bytes) {
		fprintf(stderr, "MessagePack output differs: %llu vs %llu\n",
		    (unsigned long long)m[1].bytes,
		    (unsigned long long)m[5].bytes);
		bad = 1;
	}
	printf("encoding %d records {id, name, age}, median of %d rounds\n\n",
	    N, ROUNDS);
	printf("%-34s %10s %14s\n", "method", "ns/record", "bytes");
	for (k = 0; k < nm; k++)
		printf("%-34s %10.1f %14llu\n", m[k].name, m[k].ns,
		    (unsigned long long)m[k].bytes);
	printf("\nNDJSON / hand-written      %5.2fx  (goal <= 2.0)  %s\n",
	    m[0].ns / m[4].ns, verdict(m[0].ns <= 2.0 * m[4].ns));
	printf("jansson / NDJSON           %5.1fx  (goal >= 10)   %s\n",
	    m[3].ns / m[0].ns, verdict(m[3].ns >= 10.0 * m[0].ns));
	printf("MessagePack / msgpack-c    %5.2fx  (goal <= 2.0)  %s\n",
	    m[1].ns / m[5].ns, verdict(m[1].ns <= 2.0 * m[5].ns));
	printf("rv_packf / writer          %5.2fx\n", m[2].ns / m[0].ns);
	return bad;
}
