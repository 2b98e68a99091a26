/*
 * raw_fcgi.c: the baseline, a minimal libfcgi responder as people write
 * them: threads in FCGX_Accept_r loops answering one small document.
 *   raw_fcgi [-t THREADS] [-s SOCKET] [-b BODYFILE]
 * Without -s it serves the socket on fd 0.  The body is the contents
 * of BODYFILE (so it matches the other targets byte for byte).
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int	 listen_fd;
static char	 body[4096];
static size_t	 body_len;

static void *
serve(void *arg)
{
	FCGX_Request	 rq;

	(void)arg;
	FCGX_InitRequest(&rq, listen_fd, 0);
	while (FCGX_Accept_r(&rq) >= 0) {
		FCGX_PutS("Status: 200 OK\r\nContent-Type: application/json\r\n"
		    "\r\n", rq.out);
		FCGX_PutStr(body, (int)body_len, rq.out);
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
	pthread_t	*t;
	FILE		*f;
	int		 ch, i, n = 1;

	while ((ch = getopt(argc, argv, "t:s:b:")) != -1)
		switch (ch) {
		case 't': n = atoi(optarg); break;
		case 's': sock = optarg; break;
		case 'b': bodyfile = optarg; break;
		default:
			fprintf(stderr, "usage: raw_fcgi [-t N] [-s SOCK] "
			    "[-b FILE]\n");
			return 2;
		}
	if (bodyfile != NULL && (f = fopen(bodyfile, "rb")) != NULL) {
		body_len = fread(body, 1, sizeof(body), f);
		fclose(f);
	} else {
		strcpy(body, "{\"ok\":true}");
		body_len = strlen(body);
	}
	/* Before FCGX_Init, or libfcgi's own handler keeps us alive. */
	signal(SIGTERM, on_term);
	FCGX_Init();
	listen_fd = sock != NULL ? FCGX_OpenSocket(sock, 1024) : 0;
	if (listen_fd < 0 || n < 1)
		return 1;
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		return 1;
	for (i = 1; i < n; i++)
		pthread_create(&t[i], NULL, serve, NULL);
	serve(NULL);
	return 0;
}
