/*
 * raw_fcgi.c: the baseline for bench_http.sh, a minimal libfcgi
 * responder as people write them: N threads in FCGX_Accept_r loops,
 * each answering one small JSON document.
 *
 *   raw_fcgi [-t THREADS] [-s SOCKET] [-b BODYFILE | -f FILE]
 *
 * -f streams FILE whole for every request, read() in 64 KiB chunks and
 * FCGX_PutStr each (bench_files.sh's baseline).
 *
 * Without -s it serves the listening socket on fd 0 (lighttpd's
 * bin-path, spawn-fcgi).  The body is BODYFILE's bytes, so that it
 * matches the other targets byte for byte; {"ok":true} without one.
 * libfcgi reads LIBFCGI_OS_CLOSE_POLL_TIMEOUT itself.
 */
#include <sys/stat.h>

#include <fcgiapp.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char	 head[] = "Status: 200 OK\r\n"
			    "Content-Type: application/json\r\n\r\n";
static int		 listen_fd;
static char		 body[4096];
static int		 body_len;
static const char	*stream_file;

/* The whole file in 64 KiB writes, as a plain libfcgi program would. */
static void
send_file(FCGX_Request *rq)
{
	static __thread char	 chunk[65536];
	struct stat		 st;
	ssize_t			 n;
	int			 fd;

	if ((fd = open(stream_file, O_RDONLY)) < 0 || fstat(fd, &st) != 0) {
		FCGX_FPrintF(rq->out, "Status: 404 Not Found\r\n\r\n");
		if (fd >= 0)
			close(fd);
		return;
	}
	FCGX_FPrintF(rq->out, "Status: 200 OK\r\nContent-Type: "
	    "application/octet-stream\r\nContent-Length: %lld\r\n\r\n",
	    (long long)st.st_size);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (FCGX_PutStr(chunk, (int)n, rq->out) < 0)
			break;
	close(fd);
}

static void *
serve(void *arg)
{
	FCGX_Request	 rq;

	(void)arg;
	if (FCGX_InitRequest(&rq, listen_fd, 0) != 0)
		return NULL;
	while (FCGX_Accept_r(&rq) >= 0) {
		if (stream_file != NULL)
			send_file(&rq);
		else {
			FCGX_PutStr(head, (int)sizeof(head) - 1, rq.out);
			FCGX_PutStr(body, body_len, rq.out);
		}
		FCGX_Finish_r(&rq);
	}
	return NULL;
}

static void
on_term(int sig)
{

	(void)sig;
	_exit(0);
}

int
main(int argc, char *argv[])
{
	const char	*sock = NULL, *bodyfile = NULL;
	pthread_t	 t;
	FILE		*f;
	size_t		 n;
	int		 ch, i, nthreads = 1;

	while ((ch = getopt(argc, argv, "t:s:b:f:")) != -1)
		switch (ch) {
		case 't':
			nthreads = atoi(optarg);
			break;
		case 's':
			sock = optarg;
			break;
		case 'b':
			bodyfile = optarg;
			break;
		case 'f':
			stream_file = optarg;
			break;
		default:
			goto usage;
		}
	if (nthreads < 1 || nthreads > 256 || optind != argc)
		goto usage;
	if (bodyfile != NULL) {
		if ((f = fopen(bodyfile, "rb")) == NULL) {
			perror(bodyfile);
			return 1;
		}
		n = fread(body, 1, sizeof(body), f);
		if (ferror(f) || (!feof(f) && fgetc(f) != EOF)) {
			fprintf(stderr, "%s: unreadable or over %zu bytes\n",
			    bodyfile, sizeof(body));
			return 1;
		}
		fclose(f);
	} else {
		n = strlen("{\"ok\":true}");
		memcpy(body, "{\"ok\":true}", n);
	}
	body_len = (int)n;

	/* Before FCGX_Init, or libfcgi's own handler keeps us alive. */
	signal(SIGTERM, on_term);
	if (FCGX_Init() != 0) {
		fprintf(stderr, "raw_fcgi: FCGX_Init failed\n");
		return 1;
	}
	if (sock != NULL && (listen_fd = FCGX_OpenSocket(sock, 1024)) < 0) {
		fprintf(stderr, "raw_fcgi: cannot listen on %s\n", sock);
		return 1;
	}
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&t, NULL, serve, NULL) != 0) {
			fprintf(stderr, "raw_fcgi: pthread_create failed\n");
			return 1;
		}
	serve(NULL);
	return 0;
usage:
	fprintf(stderr, "usage: raw_fcgi [-t THREADS] [-s SOCKET] "
	    "[-b BODYFILE | -f FILE]\n");
	return 2;
}
