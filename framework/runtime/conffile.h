/*
 * conffile.h: rivulet.conf, "key = value" lines.  Every key, its default
 * and meaning are in conf/rivulet.conf.
 */
#ifndef RV_CONFFILE_H
#define RV_CONFFILE_H

#include "rivulet.h"

struct config {
	char		*listen;	/* unix:PATH, tcp:HOST:PORT, fd:N, or NULL */
	unsigned	 socket_mode;
	char		*module_dir;
	char		**modules;	/* as resolved against module_dir */
	size_t		 nmodules;
	int		*module_lines;
	char		*mount;
	enum rv_log_level log_level;
	struct rv_limits lim;
};

/*
 * Parse text (named file for messages) into cfg, whose lim holds the
 * defaults on entry.  -1 with "FILE:LINE: why" in err.
 */
int	 config_parse(const char *file, const char *text, size_t len,
	    struct config *cfg, char *err, size_t errlen);
int	 config_load(const char *file, struct config *, char *, size_t);
void	 config_free(struct config *);

#endif
