/*
 * conffile.c: the config file parser.  The file is the operator's, but
 * a mistake in it must be reported with its place, never crash us:
 * long lines, NUL bytes, stray quotes are all errors with FILE:LINE.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"

#ifndef RV_MODULE_DIR
#define RV_MODULE_DIR "/usr/lib/rivulet"
#endif

#define MAX_LINE	4096

struct ctx {
	const char	*file;
	int		 line;
	char		*err;
	size_t		 errlen;
};

static int
fail(struct ctx *x, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(x->err, x->errlen, "%s:%d: ", x->file, x->line);
	if (n < 0 || (size_t)n >= x->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* 64K, 16M, 1G */
static int
parse_size(struct ctx *x, const char *v, size_t *out)
{
	char			*end;
	unsigned long long	 n, mul = 1;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return fail(x, "'%s' is not a size (like 64K, 16M)", v);
	n = strtoull(v, &end, 10);
	switch (*end) {
	case 'k': case 'K': mul = 1024ULL; end++; break;
	case 'm': case 'M': mul = 1024ULL * 1024; end++; break;
	case 'g': case 'G': mul = 1024ULL * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end != '\0' || errno != 0 || n > SIZE_MAX / mul)
		return fail(x, "'%s' is not a size (like 64K, 16M)", v);
	*out = (size_t)(n * mul);
	return 0;
}

/* 500ms, 15s, 2m; a bare number is seconds */
static int
parse_ms(struct ctx *x, const char *v, unsigned long *out)
{
	char			*end;
	unsigned long long	 n, mul = 1000;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return fail(x, "'%s' is not a duration (like 500ms, 15s, 2m)",
		    v);
	n = strtoull(v, &end, 10);
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else
		return fail(x, "'%s' is not a duration (like 500ms, 15s, 2m)",
		    v);
	if (errno != 0 || n > ULONG_MAX / mul)
		return fail(x, "'%s' is too long a duration", v);
	*out = (unsigned long)(n * mul);
	return 0;
}

static int
parse_uint(struct ctx *x, const char *v, unsigned min, unsigned max,
    unsigned *out)
{
	char		*end;
	unsigned long	 n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 ||
	    n < min || n > max)
		return fail(x, "'%s' is not a number from %u to %u", v, min,
		    max);
	*out = (unsigned)n;
	return 0;
}

static int
set_str(struct ctx *x, char **dst, const char *v, const char *key)
{

	if (*dst != NULL)
		return fail(x, "'%s' is given twice", key);
	if ((*dst = strdup(v)) == NULL)
		return fail(x, "out of memory");
	return 0;
}

static int
add_module(struct ctx *x, struct config *c, const char *v)
{
	char	**m;
	int	 *l;

	if ((m = realloc(c->modules, (c->nmodules + 1) * sizeof(*m))) == NULL)
		return fail(x, "out of memory");
	c->modules = m;
	if ((l = realloc(c->module_lines, (c->nmodules + 1) *
	    sizeof(*l))) == NULL)
		return fail(x, "out of memory");
	c->module_lines = l;
	if ((m[c->nmodules] = strdup(v)) == NULL)
		return fail(x, "out of memory");
	l[c->nmodules++] = x->line;
	return 0;
}

static int
set_level(struct ctx *x, struct config *c, const char *v)
{
	static const char *const names[RV_LOG__MAX] = {
		"error", "warn", "info", "debug"
	};
	int	 i;

	for (i = 0; i < RV_LOG__MAX; i++)
		if (strcmp(v, names[i]) == 0) {
			c->log_level = (enum rv_log_level)i;
			return 0;
		}
	return fail(x, "log_level must be error, warn, info or debug");
}

static int
set_listen(struct ctx *x, struct config *c, const char *v)
{

	if (strncmp(v, "unix:/", 6) != 0 && strncmp(v, "tcp:", 4) != 0 &&
	    strncmp(v, "fd:", 3) != 0)
		return fail(x, "listen must be unix:/PATH, tcp:HOST:PORT or "
		    "fd:N");
	return set_str(x, &c->listen, v, "listen");
}

static int
set_key(struct ctx *x, struct config *c, const char *k, const char *v)
{
	unsigned	 u = 0;

	if (strcmp(k, "listen") == 0)
		return set_listen(x, c, v);
	if (strcmp(k, "socket_mode") == 0) {
		char *end;
		unsigned long m = strtoul(v, &end, 8);
		if (*v == '\0' || *end != '\0' || m > 0777)
			return fail(x, "socket_mode must be octal, like 0660");
		c->socket_mode = (unsigned)m;
		return 0;
	}
	if (strcmp(k, "module") == 0)
		return add_module(x, c, v);
	if (strcmp(k, "module_dir") == 0)
		return set_str(x, &c->module_dir, v, k);
	if (strcmp(k, "mount") == 0) {
		if (v[0] != '/')
			return fail(x, "mount must start with '/'");
		return set_str(x, &c->mount, v, k);
	}
	if (strcmp(k, "log_level") == 0)
		return set_level(x, c, v);
	if (strcmp(k, "heartbeat") == 0)
		return parse_ms(x, v, &c->lim.heartbeat_ms);
	if (strcmp(k, "params_timeout") == 0)
		return parse_ms(x, v, &c->lim.params_timeout_ms);
	if (strcmp(k, "write_timeout") == 0)
		return parse_ms(x, v, &c->lim.write_timeout_ms);
	if (strcmp(k, "max_params") == 0)
		return parse_size(x, v, &c->lim.max_params);
	if (strcmp(k, "max_body") == 0)
		return parse_size(x, v, &c->lim.max_body);
	if (strcmp(k, "max_item") == 0)
		return parse_size(x, v, &c->lim.max_item);
	if (strcmp(k, "thread_stack") == 0)
		return parse_size(x, v, &c->lim.thread_stack);
	if (strcmp(k, "max_handlers") == 0) {
		if (parse_uint(x, v, 1, 100000, &u) != 0)
			return -1;
		c->lim.max_handlers = u;
		return 0;
	}
	return fail(x, "unknown key '%s'", k);
}

/* Split "key = value  # comment"; the value may be "quoted". */
static int
parse_line(struct ctx *x, struct config *c, char *s)
{
	char	*k, *v, *e;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	k = s;
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	e = s;
	while (isspace((unsigned char)*s))
		s++;
	if (e == k || *s != '=')
		return fail(x, "expected 'key = value'");
	*e = '\0';
	for (s++; isspace((unsigned char)*s); s++)
		continue;
	if (*s == '"') {
		v = ++s;
		if ((e = strchr(s, '"')) == NULL)
			return fail(x, "unterminated quote");
		*e++ = '\0';
		while (isspace((unsigned char)*e))
			e++;
		if (*e != '\0' && *e != '#')
			return fail(x, "text after the closing quote");
	} else {
		v = s;
		if ((e = strchr(s, '#')) != NULL)
			*e = '\0';
		e = v + strlen(v);
		while (e > v && isspace((unsigned char)e[-1]))
			*--e = '\0';
	}
	if (*v == '\0')
		return fail(x, "'%s' has no value", k);
	return set_key(x, c, k, v);
}

static int
resolve_modules(struct ctx *x, struct config *c)
{
	const char	*dir = c->module_dir != NULL ? c->module_dir :
	    RV_MODULE_DIR;
	char		*p;
	size_t		 i, n;

	for (i = 0; i < c->nmodules; i++) {
		if (c->modules[i][0] == '/')
			continue;
		n = strlen(dir) + strlen(c->modules[i]) + 2;
		if ((p = malloc(n)) == NULL)
			return fail(x, "out of memory");
		snprintf(p, n, "%s/%s", dir, c->modules[i]);
		free(c->modules[i]);
		c->modules[i] = p;
	}
	return 0;
}

int
config_parse(const char *file, const char *text, size_t len,
    struct config *c, char *err, size_t errlen)
{
	struct ctx	 x = { file, 0, err, errlen };
	char		 line[MAX_LINE + 1];
	size_t		 i = 0, n;

	c->socket_mode = 0660;
	c->log_level = RV_LOG_INFO;
	while (i < len) {
		x.line++;
		for (n = 0; i + n < len && text[i + n] != '\n'; n++)
			if (text[i + n] == '\0')
				return fail(&x, "NUL byte in the file");
		if (n > MAX_LINE)
			return fail(&x, "line longer than %d bytes", MAX_LINE);
		memcpy(line, text + i, n);
		line[n] = '\0';
		i += n + 1;
		if (parse_line(&x, c, line) != 0)
			return -1;
	}
	return resolve_modules(&x, c);
}

int
config_load(const char *file, struct config *c, char *err, size_t errlen)
{
	FILE	*f;
	char	*text = NULL;
	size_t	 len = 0, cap = 0, r;
	int	 rc;

	if ((f = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *t;
			if (cap > (1u << 20) ||
			    (t = realloc(text, cap + 8192)) == NULL) {
				snprintf(err, errlen, "%s: too large (over 1 MiB)",
				    file);
				free(text);
				fclose(f);
				return -1;
			}
			text = t;
			cap += 8192;
		}
		if ((r = fread(text + len, 1, cap - len, f)) == 0)
			break;
		len += r;
	}
	fclose(f);
	rc = config_parse(file, text != NULL ? text : "", len, c, err, errlen);
	free(text);
	return rc;
}

void
config_free(struct config *c)
{
	size_t	 i;

	for (i = 0; i < c->nmodules; i++)
		free(c->modules[i]);
	free(c->modules);
	free(c->module_lines);
	free(c->listen);
	free(c->module_dir);
	free(c->mount);
	memset(c, 0, sizeof(*c));
}
