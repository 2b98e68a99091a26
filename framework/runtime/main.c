/*
 * rivulet: the runtime.  Reads its config, loads handler modules,
 * listens (or takes the socket it was handed on fd 0), and serves
 * FastCGI until SIGTERM or SIGINT, which drain the streams and stop.
 *
 * libfcgi's FCGX_Init() is never called (the library speaks FastCGI
 * itself), so its SIGPIPE and SIGTERM traps are not ours: we set our
 * own before the socket exists.
 */
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rivulet.h"
#include "conffile.h"
#include "listen.h"
#include "modload.h"
#include "supervisor.h"
#include "notify.h"
#include "privs.h"

#ifndef RV_CONFIG_PATH
#define RV_CONFIG_PATH "/etc/rivulet/rivulet.conf"
#endif

struct opts {
	const char	*file;
	const char	*listen;	/* -l, over the config's */
	int		 check;		/* -t */
	int		 routes;	/* --routes */
};

/* What a run holds, freed in one place. */
struct run {
	struct config	 cfg;
	struct modset	 mods;
	struct rv_server *srv;
};

/* For the signal handlers only; set before they are installed. */
static struct rv_server *volatile the_server;

static void
on_stop(int sig)
{
	struct rv_server	*srv = the_server;
	int			 saved = errno;

	(void)sig;
	if (srv != NULL)
		rv_server_stop(srv);	/* async-signal-safe */
	errno = saved;
}

static void
on_hup(int sig)
{
	static const char msg[] = "rivulet: SIGHUP: reload not implemented "
	    "yet; still serving the loaded config\n";
	int	 saved = errno;

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	errno = saved;
}

/*
 * No SA_RESTART: a blocking call in the main thread returns EINTR and
 * the loop sees the stop at once (rv_server_stop() also wakes it).
 */
static int
set_signal(int sig, void (*fn)(int))
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = fn;
	return sigaction(sig, &sa, NULL);
}

static int
signals_on(void)
{

	if (set_signal(SIGTERM, on_stop) != 0 ||
	    set_signal(SIGINT, on_stop) != 0 ||
	    set_signal(SIGHUP, on_hup) != 0 ||
	    set_signal(SIGPIPE, SIG_IGN) != 0) {
		fprintf(stderr, "rivulet: sigaction: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Serving is over: no handler may touch the server we free next. */
static void
signals_off(void)
{

	set_signal(SIGTERM, SIG_IGN);
	set_signal(SIGINT, SIG_IGN);
	set_signal(SIGHUP, SIG_IGN);
	the_server = NULL;
}

static void
usage(FILE *f)
{

	fprintf(f, "usage: rivulet [-c FILE] [-t] [--routes] [-l LISTEN] "
	    "[-v] [-h]\n"
	    "  -c FILE    config file (default %s)\n"
	    "  -t         check the config and load its modules, print "
	    "\"FILE: ok\", exit\n"
	    "  --routes   print the loaded routes, exit\n"
	    "  -l LISTEN  unix:/PATH, tcp:HOST:PORT or fd:N, over the "
	    "config's listen\n"
	    "  -v         print the version, exit\n"
	    "  -h         this help\n"
	    "Without listen, the listening socket is taken from fd 0 "
	    "(lighttpd bin-path,\nspawn-fcgi).  SIGTERM or SIGINT drains "
	    "the streams and stops.\n", RV_CONFIG_PATH);
}

static int
bad_option(char *argv[])
{

	if (optopt == 'c' || optopt == 'l')
		fprintf(stderr, "rivulet: -%c needs an argument\n", optopt);
	else if (optopt == 'r' || optopt == 'h' || optopt == 'v')
		fprintf(stderr, "rivulet: %s takes no argument\n",
		    argv[optind - 1]);
	else if (optopt != 0)
		fprintf(stderr, "rivulet: unknown option -%c\n", optopt);
	else
		fprintf(stderr, "rivulet: unknown option %s\n",
		    argv[optind - 1]);
	usage(stderr);
	return -1;
}

/* 0 to go on, 1 done (exit 0), -1 bad usage (exit 1). */
static int
parse_args(int argc, char *argv[], struct opts *o)
{
	static const struct option longs[] = {
		{ "routes", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch;

	o->file = RV_CONFIG_PATH;
	if (getenv("RIVULET_CONFIG") != NULL && *getenv("RIVULET_CONFIG"))
		o->file = getenv("RIVULET_CONFIG");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "c:l:tvh", longs, NULL)) != -1)
		switch (ch) {
		case 'c': o->file = optarg; break;
		case 'l': o->listen = optarg; break;
		case 't': o->check = 1; break;
		case 'r': o->routes = 1; break;
		case 'v':
			printf("rivulet %s (ABI %d)\n", RV_VERSION_STRING,
			    RV_ABI_VERSION);
			return 1;
		case 'h': usage(stdout); return 1;
		default: return bad_option(argv);
		}
	if (optind < argc) {
		fprintf(stderr, "rivulet: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

static void
print_route(const char *m, const char *p, const char *mod, void *arg)
{

	(void)arg;
	printf("%-7s %-32s %s\n", m, p, mod);
}

/* Delegation, tokens and settings for modules. */
static int
apply_files(struct run *r, const char *file, char *err, size_t errlen)
{
	struct config	*c = &r->cfg;
	size_t		 i;

	if (rv_server_file_delegation(r->srv, c->delegate,
	    c->delegate_prefix) != RV_OK) {
		snprintf(err, errlen, "%s:%d: file_delegation refused", file,
		    c->delegate_line);
		return -1;
	}
	if (c->download_dir != NULL && rv_server_setting(r->srv,
	    "download_dir", c->download_dir) != RV_OK) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	for (i = 0; i < c->ntokens; i++)
		if (rv_server_bearer_token(r->srv, c->tokens[i]) != RV_OK) {
			snprintf(err, errlen, "%s: bearer token refused",
			    file);
			return -1;
		}
	return 0;
}

/* "guard = NAME GLOB" lines, once every module has added its routes. */
static int
apply_guards(struct run *r, const char *file, char *err, size_t errlen)
{
	struct conf_guard	*g;
	char			 why[512];
	size_t			 i;
	int			 n;

	for (i = 0; i < r->cfg.nguards; i++) {
		g = &r->cfg.guards[i];
		n = rv_server_guard_routes(r->srv, g->name, g->glob, why,
		    sizeof(why));
		if (n < 0) {
			snprintf(err, errlen, "%s:%d: guard: %s", file,
			    g->line, why);
			return -1;
		}
		/* A typo must not leave the routes it meant open. */
		if (n == 0) {
			snprintf(err, errlen, "%s:%d: guard: '%s' matches no "
			    "route (rivulet --routes lists them)", file,
			    g->line, g->glob);
			return -1;
		}
		if (strcmp(g->name, "bearer") == 0 && r->cfg.ntokens == 0)
			fprintf(stderr, "rivulet: %s:%d: warning: no "
			    "bearer_tokens nor bearer_token_file: the bearer "
			    "guard refuses every request\n", file, g->line);
	}
	return 0;
}

/* "body_limit = GLOB SIZE" lines, once every module added its routes. */
static int
apply_body_limits(struct run *r, const char *file, char *err, size_t errlen)
{
	struct conf_limit	*l;
	char			 why[512];
	size_t			 i;
	int			 n;

	for (i = 0; i < r->cfg.nlimits; i++) {
		l = &r->cfg.limits[i];
		n = rv_server_body_limit(r->srv, l->glob, l->max, why,
		    sizeof(why));
		if (n <= 0) {
			snprintf(err, errlen, "%s:%d: body_limit: %s", file,
			    l->line, n < 0 ? why : "the pattern matches no "
			    "route (rivulet --routes lists them)");
			return -1;
		}
		if (l->max > r->cfg.lim.max_upload)
			fprintf(stderr, "rivulet: %s:%d: warning: body_limit "
			    "over max_upload: max_upload applies\n", file,
			    l->line);
	}
	return 0;
}

/* Limits, log level, mount: what the config sets on the server. */
static int
apply_config(struct run *r, const char *file, char *err, size_t errlen)
{
	struct config	*c = &r->cfg;

	if (rv_server_set_limits(r->srv, &c->lim) != RV_OK) {
		snprintf(err, errlen, "%s: the library refused the limits "
		    "(max_params and max_item >= 1K, thread_stack 0 or "
		    ">= 64K, max_handlers 1 to 100000, params_timeout > 0)",
		    file);
		return -1;
	}
	rv_set_log_level(c->log_level);
	if (apply_files(r, file, err, errlen) != 0)
		return -1;
	/* Settings modules read with rv_setting(). */
	if (rv_server_setting(r->srv, "upload_dir", c->upload_dir != NULL ?
	    c->upload_dir : "/tmp") != RV_OK) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	if (c->allow != NULL && rv_server_allow(r->srv, c->allow) != RV_OK) {
		snprintf(err, errlen, "%s:%d: allow = %s: not a list of "
		    "addresses and networks (10.0.0.5 192.168.0.0/24 ::1), or "
		    "any", file, c->allow_line, c->allow);
		return -1;
	}
	if (c->mount != NULL && rv_server_mount(r->srv, c->mount) != RV_OK) {
		snprintf(err, errlen, "%s: mount '%s' refused", file,
		    c->mount);
		return -1;
	}
	if (c->status != NULL && rv_server_status(r->srv, c->status,
	    c->status_token, c->status_public != 0) != RV_OK) {
		snprintf(err, errlen, "%s: status = %s: refused (a route "
		    "there already?)", file, c->status);
		return -1;
	}
	rv_server_slow_log(r->srv, c->slow_request_ms);
	/* Recycling (max_requests, a hung handler) needs a supervisor. */
	c->lim.replaceable = c->workers > 1;
	c->lim.max_requests = c->workers > 1 ? c->max_requests : 0;
	(void)rv_server_set_limits(r->srv, &c->lim);
	if (c->max_requests > 0 && c->workers <= 1)
		fprintf(stderr, "rivulet: %s: max_requests needs workers > 1: "
		    "ignored\n", file);
	if (c->channels != NULL &&
	    rv_server_channels(r->srv, c->channels) != RV_OK) {
		snprintf(err, errlen, "%s: channels = %s: not a backend "
		    "(embedded, or redis://HOST[:PORT]/)", file, c->channels);
		return -1;
	}
	return 0;
}

/* Config and modules into r; the message on stderr if not. */
static int
setup(struct run *r, const struct opts *o)
{
	char	 err[1024], why[900];
	size_t	 i;

	if ((r->srv = rv_server_new()) == NULL) {
		fprintf(stderr, "rivulet: cannot make a server: out of memory "
		    "or descriptors\n");
		return -1;
	}
	rv_server_limits(r->srv, &r->cfg.lim);
	if (config_load(o->file, &r->cfg, err, sizeof(err)) != 0 ||
	    apply_config(r, o->file, err, sizeof(err)) != 0)
		goto fail;
	if (o->listen != NULL &&
	    config_check_listen(o->listen, why, sizeof(why)) != 0) {
		snprintf(err, sizeof(err), "-l %s: %s", o->listen, why);
		goto fail;
	}
	for (i = 0; i < r->cfg.nmodules; i++)
		if (modload(&r->mods, r->srv, r->cfg.modules[i], why,
		    sizeof(why)) != 0) {
			snprintf(err, sizeof(err), "%s:%d: %s", o->file,
			    r->cfg.module_lines[i], why);
			goto fail;
		}
	if (apply_guards(r, o->file, err, sizeof(err)) != 0 ||
	    apply_body_limits(r, o->file, err, sizeof(err)) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "rivulet: %s\n", err);
	return -1;
}

/* The server first (it calls the modules' fini), then the modules. */
static void
teardown(struct run *r)
{

	rv_server_free(r->srv);
	r->srv = NULL;
	modset_close(&r->mods);
	config_free(&r->cfg);
}

static int
open_listener(struct run *r, const struct opts *o, char **created)
{
	const char	*spec = o->listen != NULL ? o->listen : r->cfg.listen;
	char		 err[768];
	int		 fd;

	/* Started by a systemd socket unit: its socket, whatever listen says. */
	if (o->listen == NULL && (fd = systemd_listen_fd()) >= 0) {
		if (r->cfg.listen != NULL)
			fprintf(stderr, "rivulet: listening on the socket "
			    "systemd passed (fd %d), not %s\n", fd,
			    r->cfg.listen);
		spec = "fd:3";
	}

	if ((fd = listen_open(spec, r->cfg.socket_mode, created, err,
	    sizeof(err))) >= 0) {
		if (privs_socket_group(*created, r->cfg.socket_group, err,
		    sizeof(err)) == 0 && privs_drop(r->cfg.user, r->cfg.group,
		    err, sizeof(err)) == 0)
			return fd;
		fprintf(stderr, "rivulet: %s: %s\n", o->file, err);
		close(fd);
		if (*created != NULL) {
			unlink(*created);
			free(*created);
			*created = NULL;
		}
		return -1;
	}
	if (o->listen == NULL && spec != NULL)
		fprintf(stderr, "rivulet: %s:%d: %s\n", o->file,
		    r->cfg.listen_line, err);
	else
		fprintf(stderr, "rivulet: %s\n", err);
	return -1;
}

/* ---- workers (supervisor.c) ------------------------------------ */

static const struct opts *sv_opts;

static struct rv_server *
sv_server(void *gen)
{

	return ((struct run *)gen)->srv;
}

/* A new worker: its own signal handlers, then serve. */
static int
sv_run(void *gen, int fd)
{
	struct run	*r = gen;
	sigset_t	 none;
	int		 rc;

	the_server = r->srv;
	if (signals_on() != 0 || rv_server_report_crashes(r->srv) != RV_OK)
		return 1;
	set_signal(SIGHUP, SIG_IGN);	/* the master's */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	rc = rv_server_serve(r->srv, fd);
	fflush(NULL);
	return rc == RV_OK || rc == RV_ESHUTDOWN ? 0 : 1;
}

static void *
sv_reload(void *arg)
{
	struct run	*r;

	(void)arg;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if (setup(r, sv_opts) != 0) {
		teardown(r);
		free(r);
		return NULL;
	}
	return r;
}

static void
sv_drop(void *gen)
{

	teardown(gen);
	free(gen);
}

static const struct sv_ops sv_ops = {
	.server = sv_server,
	.run = sv_run,
	.reload = sv_reload,
	.drop = sv_drop,
};

/* workers > 1: a master (this process) and its workers. */
static int
serve_workers(struct run *r, const struct opts *o, int fd)
{
	struct run	*gen;

	if ((gen = malloc(sizeof(*gen))) == NULL) {
		fprintf(stderr, "rivulet: out of memory\n");
		return 1;
	}
	*gen = *r;
	memset(r, 0, sizeof(*r));
	sv_opts = o;
	return supervise(gen, &sv_ops, NULL, fd, gen->cfg.workers,
	    gen->cfg.channel_shm);
}

/* Listen and serve until a signal stops us; the exit status. */
static int
serve(struct run *r, const struct opts *o)
{
	char	*created = NULL;
	int	 fd, rc;

	the_server = r->srv;
	if (signals_on() != 0 || (fd = open_listener(r, o, &created)) < 0) {
		signals_off();
		teardown(r);
		return 1;
	}
	fprintf(stderr, "rivulet: serving %s with %zu module%s\n",
	    o->listen != NULL ? o->listen : r->cfg.listen != NULL ?
	    r->cfg.listen : "fd:0 (inherited)", r->cfg.nmodules,
	    r->cfg.nmodules == 1 ? "" : "s");
	if (r->cfg.workers > 1) {
		signals_off();
		rc = serve_workers(r, o, fd);
		systemd_notify("STOPPING=1");
		close(fd);
		if (created != NULL) {
			unlink(created);
			free(created);
		}
		return rc;
	}
	(void)rv_server_report_crashes(r->srv);
	systemd_notify("READY=1");
	rc = rv_server_serve(r->srv, fd);
	systemd_notify("STOPPING=1");
	signals_off();
	close(fd);
	if (created != NULL) {
		unlink(created);
		free(created);
	}
	if (rc == RV_ESHUTDOWN) {
		/*
		 * Handlers still run in the server and the modules: free
		 * nothing, and skip exit()'s destructors under their feet.
		 */
		fprintf(stderr, "rivulet: stopped, with handlers still "
		    "running\n");
		fflush(NULL);
		_exit(0);
	}
	teardown(r);
	if (rc != RV_OK) {
		fprintf(stderr, "rivulet: serve: %s\n", rv_strerror(rc));
		return 1;
	}
	fprintf(stderr, "rivulet: stopped\n");
	return 0;
}

/*
 * Started as a CGI program (lighttpd or Apache mod_cgi): the front
 * server set GATEWAY_INTERFACE, and fd 0 is the request body, not a
 * listening socket (as when a FastCGI front server spawns us).
 */
static int
cgi_mode(void)
{
	socklen_t	 len = sizeof(int);
	int		 listening = 0;

	if (getenv("GATEWAY_INTERFACE") == NULL)
		return 0;
	return getsockopt(STDIN_FILENO, SOL_SOCKET, SO_ACCEPTCONN,
	    &listening, &len) != 0 || !listening;
}

/* One request, then exit; a config that does not load is a 500. */
static int
serve_cgi(struct run *r, const struct opts *o)
{
	static const char fail[] = "Status: 500 Internal Server Error\r\n"
	    "Content-Type: application/problem+json\r\n\r\n"
	    "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\","
	    "\"status\":500,\"detail\":\"rivulet cannot load its "
	    "configuration (the server's error log says why)\"}";
	int	 rc;

	if (setup(r, o) != 0) {
		teardown(r);
		(void)!write(STDOUT_FILENO, fail, sizeof(fail) - 1);
		return 1;
	}
	the_server = r->srv;
	if (signals_on() != 0) {
		teardown(r);
		return 1;
	}
	rc = rv_server_cgi(r->srv);
	signals_off();
	teardown(r);
	return rc == RV_OK || rc == RV_EGONE ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	struct opts	 o;
	struct run	 r;
	int		 rc;

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc > 0 ? 0 : 1;
	if (!o.check && !o.routes && o.listen == NULL && cgi_mode())
		return serve_cgi(&r, &o);
	if (setup(&r, &o) != 0) {
		teardown(&r);
		return 1;
	}
	if (!o.check && !o.routes)
		return serve(&r, &o);
	if (o.routes)
		rv_server_routes(r.srv, print_route, NULL);
	if (o.check)
		printf("%s: ok\n", o.file);
	teardown(&r);
	return fflush(stdout) == 0 ? 0 : 1;
}
