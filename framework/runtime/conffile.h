/*
 * conffile.h: rivulet.conf, "key = value" lines.  Every key, its default
 * and meaning are in conf/rivulet.conf.
 *
 * (Not "config.h": that name is autoconf's, build-aux/config.h.)
 */
#ifndef RV_CONFFILE_H
#define RV_CONFFILE_H

#include <stddef.h>

#include "rivulet.h"

#define CONF_MAX_LINE	4096		/* bytes of a line, '\n' aside */
#define CONF_MAX_FILE	(1 << 20)	/* bytes of a file */

struct config {
	char		*listen;	/* unix:/P, tcp:HOST:PORT, fd:N or NULL */
	int		 listen_line;
	unsigned	 socket_mode;	/* 0660 */
	char		*module_dir;	/* NULL: RV_MODULE_DIR */
	char		**modules;	/* resolved against module_dir */
	int		*module_lines;
	size_t		 nmodules;
	char		*mount;
	char		*channels;	/* NULL: embedded; redis://H:P/ */
	unsigned	 workers;	/* processes; 1: no supervisor */
	char		*user, *group;	/* to become after binding, as root */
	char		*socket_group;	/* the unix socket's group */
	char		*allow;		/* TCP peers let in (rv_server_allow) */
	int		 allow_line;
	size_t		 max_requests;	/* per worker, then replaced; 0: no */
	char		*status;	/* the status route's path, or NULL */
	char		*status_token;
	unsigned	 status_public;	/* 1: not only from loopback */
	unsigned long	 slow_request_ms;
	size_t		 channel_shm;	/* bytes of the workers' shared log */
	char		*upload_dir;	/* uploads of the demo handlers */
	enum rv_log_level log_level;	/* RV_LOG_INFO */
	struct rv_limits lim;
	unsigned long	 seen;		/* keys given: a bit each */
	/* files and guards */
	char		*download_dir;	/* the demo's /download/{filename} */
	enum rv_delegate delegate;	/* file_delegation */
	int		 delegate_line;
	char		*delegate_prefix;	/* file_delegation_prefix */
	char		**tokens;	/* bearer_tokens, then the file's */
	size_t		 ntokens;
	char		*token_file;	/* bearer_token_file */
	int		 token_file_line;
	struct conf_guard {
		char	*name;
		char	*glob;
		int	 line;
	}		*guards;	/* guard = NAME GLOB, in order */
	size_t		 nguards;
	struct conf_limit {
		char	*glob;
		size_t	 max;
		int	 line;
	}		*limits;	/* body_limit = GLOB SIZE, in order */
	size_t		 nlimits;
};

/*
 * Parse text (named file in messages) into cfg.  cfg must be zeroed,
 * with lim holding the defaults (rv_server_limits()).  Returns 0, or -1
 * with "FILE:LINE: why" in err; either way config_free() cleans up.
 */
int	 config_parse(const char *file, const char *text, size_t len,
	    struct config *cfg, char *err, size_t errlen);
/*
 * Read and parse a file: as config_parse(), "FILE: why" if unreadable;
 * then read bearer_token_file, "FILE:LINE: bearer_token_file: ..." if
 * that fails.
 */
int	 config_load(const char *file, struct config *cfg, char *err,
	    size_t errlen);
void	 config_free(struct config *cfg);
/* Read cfg->token_file into cfg->tokens; -1 with why in err. */
int	 config_load_tokens(const char *file, struct config *cfg, char *err,
	    size_t errlen);

/*
 * Check a listen value (from the config or -l): 0, or -1 with why in
 * err (no file or line).
 */
int	 config_check_listen(const char *spec, char *err, size_t errlen);

#endif
