/*
 * rivulet: the runtime.  Reads its config, loads handler modules,
 * listens (or takes the socket it was handed), and serves FastCGI
 * until SIGTERM or SIGINT, which drain the streams and stop.
 */
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

#ifndef RV_CONFIG_PATH
#define RV_CONFIG_PATH "/etc/rivulet/rivulet.conf"
#endif

static struct rv_server	*the_server;

static void
on_stop(int sig)
{

	(void)sig;
	if (the_server != NULL)
		rv_server_stop(the_server);
}

static void
on_hup(int sig)
{
	static const char msg[] = "rivulet: SIGHUP: reload is not "
	    "implemented yet; still serving the loaded config\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
}

static void
signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static void
usage(FILE *f)
{

	fprintf(f, "usage: rivulet [-c FILE] [-l LISTEN] [-t] [--routes] "
	    "[-v] [-h]\n"
	    "  -c FILE    config file (default %s)\n"
	    "  -l LISTEN  unix:/PATH, tcp:HOST:PORT or fd:N (overrides the "
	    "config)\n"
	    "  -t         check the config and its modules, then exit\n"
	    "  --routes   print the loaded routes, then exit\n"
	    "  -v         print the version\n", RV_CONFIG_PATH);
}

static void
print_route(const char *m, const char *p, const char *mod, void *arg)
{

	(void)arg;
	printf("%-7s %-32s %s\n", m, p, mod);
}

/* Config and modules into a server; message on stderr if not. */
static struct rv_server *
setup(const char *file, struct config *cfg, struct modset *ms)
{
	struct rv_server	*srv;
	char			 err[1024];
	size_t			 i;

	if ((srv = rv_server_new()) == NULL) {
		fprintf(stderr, "rivulet: out of memory\n");
		return NULL;
	}
	rv_server_limits(srv, &cfg->lim);
	if (config_load(file, cfg, err, sizeof(err)) != 0)
		goto fail;
	if (rv_server_set_limits(srv, &cfg->lim) != RV_OK) {
		snprintf(err, sizeof(err), "%s: a limit is out of range "
		    "(max_params and max_item >= 1K, thread_stack >= 64K, "
		    "max_handlers and params_timeout > 0)", file);
		goto fail;
	}
	rv_set_log_level(cfg->log_level);
	if (cfg->mount != NULL && rv_server_mount(srv, cfg->mount) != RV_OK) {
		snprintf(err, sizeof(err), "%s: bad mount", file);
		goto fail;
	}
	for (i = 0; i < cfg->nmodules; i++) {
		char why[900];

		if (modload(ms, srv, cfg->modules[i], why, sizeof(why)) != 0) {
			snprintf(err, sizeof(err), "%s:%d: %s", file,
			    cfg->module_lines[i], why);
			goto fail;
		}
	}
	return srv;
fail:
	fprintf(stderr, "rivulet: %s\n", err);
	rv_server_free(srv);
	return NULL;
}

int
main(int argc, char *argv[])
{
	static const struct option longs[] = {
		{ "routes", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*file = RV_CONFIG_PATH, *lspec = NULL;
	struct config		 cfg;
	struct modset		 ms = { NULL, 0 };
	struct rv_server	*srv;
	char			 err[512], *created = NULL;
	int			 ch, check = 0, routes = 0, fd, rc;

	while ((ch = getopt_long(argc, argv, "c:l:tvh", longs, NULL)) != -1)
		switch (ch) {
		case 'c': file = optarg; break;
		case 'l': lspec = optarg; break;
		case 't': check = 1; break;
		case 'r': routes = 1; break;
		case 'v': printf("rivulet %s (ABI %d)\n", RV_VERSION_STRING,
		    RV_ABI_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	memset(&cfg, 0, sizeof(cfg));
	if ((srv = setup(file, &cfg, &ms)) == NULL) {
		config_free(&cfg);
		modset_close(&ms);
		return 1;
	}
	if (check || routes) {
		if (routes)
			rv_server_routes(srv, print_route, NULL);
		else
			printf("%s: ok (%zu modules)\n", file, cfg.nmodules);
		rv_server_free(srv);
		config_free(&cfg);
		modset_close(&ms);
		return 0;
	}
	if (lspec == NULL)
		lspec = cfg.listen;
	if ((fd = listen_open(lspec, cfg.socket_mode, &created, err,
	    sizeof(err))) < 0) {
		fprintf(stderr, "rivulet: %s\n", err);
		rv_server_free(srv);
		config_free(&cfg);
		modset_close(&ms);
		return 1;
	}
	the_server = srv;
	signals();
	fprintf(stderr, "rivulet: serving %s (%zu modules)\n",
	    lspec != NULL ? lspec : "fd:0", cfg.nmodules);
	rc = rv_server_serve(srv, fd);
	the_server = NULL;
	close(fd);
	if (created != NULL) {
		unlink(created);
		free(created);
	}
	if (rc == RV_ESHUTDOWN) {
		/* Handlers still hold the server: leave it to the exit. */
		fprintf(stderr, "rivulet: stopped with handlers still "
		    "running\n");
		return 0;
	}
	fprintf(stderr, "rivulet: stopped\n");
	rv_server_free(srv);
	config_free(&cfg);
	modset_close(&ms);
	return rc == RV_OK ? 0 : 1;
}
