/*
 * conffile.c: the config file parser.  The file is the operator's, but
 * a mistake in it must be reported with its place and never crash us:
 * long lines, NUL bytes, stray quotes, huge numbers are all errors
 * with FILE:LINE, and what we echo of the file is made printable.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conffile.h"

#ifndef RV_MODULE_DIR
#define RV_MODULE_DIR "/usr/lib/rivulet"
#endif

#define KIB		1024ULL
#define MIB		(1024ULL * KIB)
#define GIB		(1024ULL * MIB)
#define DAY_MS		(24ULL * 3600 * 1000)
#define SHOWN_MAX	48	/* bytes of a value echoed in a message */

struct ctx {
	const char	*file;
	int		 line;
	char		*err;
	size_t		 errlen;
};

enum kind {
	K_LISTEN, K_MODE, K_MODULE, K_PATH, K_MOUNT, K_LEVEL,
	K_SIZE, K_MS, K_COUNT, K_ZCOUNT, K_SLOW, K_CHANNELS, K_DELEGATE,
	K_TOKENS, K_GUARD, K_TOKFILE, K_DIR, K_LIMIT
};

struct key {
	const char		*name;
	enum kind		 kind;
	size_t			 off;	/* of its member in struct config */
	unsigned long long	 min, max;
};

#define AT(m)	offsetof(struct config, m)
#define L(m)	offsetof(struct config, lim.m)

/* One bit of config.seen each: keep it under the bits of a long. */
static const struct key keys[] = {
	{ "listen",		K_LISTEN, AT(listen), 0, 0 },
	{ "socket_mode",	K_MODE,	AT(socket_mode), 0, 0777 },
	{ "allow",		K_PATH,	AT(allow), 0, 0 },
	{ "module",		K_MODULE, 0, 0, 0 },	/* repeatable */
	{ "module_dir",		K_PATH,	AT(module_dir), 0, 0 },
	{ "mount",		K_MOUNT, AT(mount), 0, 0 },
	{ "log_level",		K_LEVEL, AT(log_level), 0, 0 },
	{ "heartbeat",		K_MS,	L(heartbeat_ms), 0, DAY_MS },
	{ "params_timeout",	K_MS,	L(params_timeout_ms), 1, DAY_MS },
	{ "write_timeout",	K_MS,	L(write_timeout_ms), 0, DAY_MS },
	{ "handler_timeout",	K_MS,	L(handler_timeout_ms), 0, DAY_MS },
	{ "stream_idle_timeout", K_MS,	L(stream_idle_ms), 0, DAY_MS },
	{ "max_params",		K_SIZE,	L(max_params), KIB, GIB },
	{ "max_body",		K_SIZE,	L(max_body), 0, SIZE_MAX },
	{ "max_item",		K_SIZE,	L(max_item), KIB, SIZE_MAX },
	{ "thread_stack",	K_SIZE,	L(thread_stack), 0, GIB },
	{ "max_handlers",	K_COUNT, L(max_handlers), 1, 100000 },
	{ "workers",		K_COUNT, AT(workers), 1, 256 },
	{ "user",		K_PATH,	AT(user), 0, 0 },
	{ "group",		K_PATH,	AT(group), 0, 0 },
	{ "socket_group",	K_PATH,	AT(socket_group), 0, 0 },
	{ "max_requests",	K_ZCOUNT, AT(max_requests), 0, 1000000000 },
	{ "status",		K_MOUNT, AT(status), 0, 0 },
	{ "status_token",	K_PATH,	AT(status_token), 0, 0 },
	{ "status_public",	K_COUNT, AT(status_public), 0, 1 },
	{ "slow_request",	K_MS,	AT(slow_request_ms), 0, DAY_MS },
	{ "channel_shm",	K_SIZE,	AT(channel_shm), 64 * KIB, 16 * GIB },
	{ "channels",		K_CHANNELS, AT(channels), 0, 0 },
	{ "channel_history",	K_ZCOUNT, L(channel_history), 0, 1000000 },
	{ "channel_history_age", K_MS,	L(channel_history_age_ms), 0, DAY_MS },
	{ "channel_queue",	K_SIZE,	L(channel_queue), KIB, GIB },
	{ "channel_slow",	K_SLOW,	L(channel_slow), 0, 0 },
	{ "max_subscribers",	K_COUNT, L(max_subscribers), 1, 1000000 },
	{ "max_channel_subscribers", K_COUNT, L(max_channel_subscribers), 0,
	    1000000 },
	{ "download_dir",	K_PATH,	AT(download_dir), 0, 0 },
	{ "file_delegation",	K_DELEGATE, AT(delegate), 0, 0 },
	{ "file_delegation_prefix", K_MOUNT, AT(delegate_prefix), 0, 0 },
	{ "bearer_tokens",	K_TOKENS, 0, 0, 0 },
	{ "bearer_token_file",	K_TOKFILE, AT(token_file), 0, 0 },
	{ "guard",		K_GUARD, 0, 0, 0 },	/* repeatable */
	{ "body_limit",		K_LIMIT, 0, 1, SIZE_MAX },	/* repeatable */
	{ "max_upload",		K_SIZE,	L(max_upload), 0, SIZE_MAX },
	{ "io_uring",		K_COUNT, L(io_uring), 0, 1 },
	{ "upload_dir",		K_DIR,	AT(upload_dir), 0, 0 },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static int
fail(struct ctx *x, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (x->errlen == 0)
		return -1;
	n = snprintf(x->err, x->errlen, "%s:%d: ", x->file, x->line);
	if (n < 0 || (size_t)n >= x->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* v, cut short and with control bytes as '?', fit to print. */
static const char *
shown(const char *v, char buf[SHOWN_MAX + 4])
{
	size_t	 i;

	for (i = 0; v[i] != '\0' && i < SHOWN_MAX; i++)
		buf[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' :
		    v[i];
	if (v[i] != '\0')
		memcpy(buf + i, "...", 3), i += 3;
	buf[i] = '\0';
	return buf;
}

/* n as "64K", "16M", "1G" where it is a whole number of those. */
static const char *
size_name(unsigned long long n, char buf[32])
{

	if (n >= GIB && n % GIB == 0)
		snprintf(buf, 32, "%lluG", n / GIB);
	else if (n >= MIB && n % MIB == 0)
		snprintf(buf, 32, "%lluM", n / MIB);
	else if (n >= KIB && n % KIB == 0)
		snprintf(buf, 32, "%lluK", n / KIB);
	else
		snprintf(buf, 32, "%llu", n);
	return buf;
}

/* Leading decimal digits only: no sign, no space, no 0x. */
static int
parse_digits(const char *v, unsigned long long *n, const char **end)
{
	char	*e;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*n = strtoull(v, &e, 10);
	*end = e;
	return errno == 0 ? 0 : -1;
}

/* 4096, 64K, 16M, 1G (powers of 1024) */
static int
parse_size(const char *v, unsigned long long *out)
{
	const char		*end;
	unsigned long long	 n, mul = 1;

	if (parse_digits(v, &n, &end) != 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': mul = KIB; end++; break;
	case 'm': case 'M': mul = MIB; end++; break;
	case 'g': case 'G': mul = GIB; end++; break;
	default: break;
	}
	if (*end != '\0' || n > ULLONG_MAX / mul)
		return -1;
	*out = n * mul;
	return 0;
}

/* 500ms, 15s, 2m; 0 alone needs no unit */
static int
parse_ms(const char *v, unsigned long long *out)
{
	const char		*end;
	unsigned long long	 n, mul;

	if (parse_digits(v, &n, &end) != 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else if (strcmp(end, "h") == 0)
		mul = 3600000;
	else if (*end == '\0' && n == 0)
		mul = 1;
	else
		return -1;
	if (n > ULLONG_MAX / mul)
		return -1;
	*out = n * mul;
	return 0;
}

/* workers = auto, the default: one a CPU this process may run on. */
static unsigned
cpus(void)
{
	long	 n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

static int
set_number(struct ctx *x, struct config *c, const struct key *k,
    const char *v)
{
	unsigned long long	 n;
	char			 b[SHOWN_MAX + 4], lo[32], hi[32];
	void			*p = (char *)c + k->off;

	switch (k->kind) {
	case K_SIZE:
		if (parse_size(v, &n) != 0)
			return fail(x, "%s: '%s' is not a size (bytes, or "
			    "with K, M or G: 64K, 16M)", k->name, shown(v, b));
		if (k->off == AT(lim.thread_stack) && n != 0 && n < 64 * KIB)
			return fail(x, "thread_stack: at least 64K (or 0 "
			    "for the system's default)");
		if (n < k->min || n > k->max)
			return fail(x, "%s: %s is out of range (%s to %s)",
			    k->name, shown(v, b), size_name(k->min, lo),
			    size_name(k->max, hi));
		*(size_t *)p = (size_t)n;
		return 0;
	case K_MS:
		if (parse_ms(v, &n) != 0)
			return fail(x, "%s: '%s' is not a duration (a number "
			    "with ms, s, m or h: 500ms, 15s, 2m, 1h)", k->name,
			    shown(v, b));
		if (n < k->min || n > k->max)
			return fail(x, "%s: %s is out of range (%llums to "
			    "24h)", k->name, shown(v, b), k->min);
		*(unsigned long *)p = (unsigned long)n;
		return 0;
	default:	/* K_COUNT, K_ZCOUNT */
		if (k->off == AT(workers) && strcmp(v, "auto") == 0) {
			c->workers = cpus();
			return 0;
		}
		if (parse_digits(v, &n, &v) != 0 || *v != '\0' ||
		    n < k->min || n > k->max)
			return fail(x, "%s: not a number from %llu to %llu%s",
			    k->name, k->min, k->max, k->off == AT(workers) ?
			    ", nor auto (one a CPU)" : "");
		if (k->kind == K_ZCOUNT)
			*(size_t *)p = (size_t)n;
		else
			*(unsigned *)p = (unsigned)n;
		return 0;
	}
}

static int
set_mode(struct ctx *x, struct config *c, const char *v)
{
	unsigned long	 m = 0;
	const char	*s;

	for (s = v; *s >= '0' && *s <= '7' && m <= 0777; s++)
		m = m * 8 + (unsigned long)(*s - '0');
	if (*s != '\0' || m > 0777)
		return fail(x, "socket_mode: must be octal permissions, "
		    "like 0660");
	c->socket_mode = (unsigned)m;
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
	return fail(x, "log_level: must be error, warn, info or debug");
}

static int
set_string(struct ctx *x, struct config *c, const struct key *k,
    const char *v)
{
	char	**dst = (char **)(void *)((char *)c + k->off);
	char	  why[256];

	if (k->kind == K_LISTEN &&
	    config_check_listen(v, why, sizeof(why)) != 0)
		return fail(x, "listen: %s", why);
	if (k->kind == K_MOUNT && v[0] != '/')
		return fail(x, "%s: must start with '/'", k->name);
	if (k->off == AT(delegate_prefix) && strpbrk(v, " \t") != NULL)
		return fail(x, "%s: no spaces", k->name);
	if (k->kind == K_CHANNELS && strcmp(v, "embedded") != 0 &&
	    strncmp(v, "redis://", 8) != 0)
		return fail(x, "channels: must be embedded or "
		    "redis://HOST[:PORT]/");
	if (k->kind == K_DIR && v[0] != '/')
		return fail(x, "%s: must be an absolute path", k->name);
	if ((*dst = strdup(v)) == NULL)
		return fail(x, "out of memory");
	if (k->kind == K_LISTEN)
		c->listen_line = x->line;
	return 0;
}

static int
add_module(struct ctx *x, struct config *c, const char *v)
{
	char	**m;
	int	 *l;
	size_t	  n = c->nmodules + 1;

	if ((m = realloc(c->modules, n * sizeof(*m))) == NULL)
		return fail(x, "out of memory");
	c->modules = m;
	if ((l = realloc(c->module_lines, n * sizeof(*l))) == NULL)
		return fail(x, "out of memory");
	c->module_lines = l;
	if ((m[c->nmodules] = strdup(v)) == NULL)
		return fail(x, "out of memory");
	l[c->nmodules++] = x->line;
	return 0;
}

static int
set_delegate(struct ctx *x, struct config *c, const char *v)
{

	if (strcmp(v, "off") == 0)
		c->delegate = RV_DELEGATE_OFF;
	else if (strcmp(v, "x-sendfile") == 0)
		c->delegate = RV_DELEGATE_XSENDFILE;
	else if (strcmp(v, "x-accel") == 0)
		c->delegate = RV_DELEGATE_XACCEL;
	else
		return fail(x, "file_delegation: must be off, x-sendfile or "
		    "x-accel");
	c->delegate_line = x->line;
	return 0;
}

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-._~+/" ) *"=" */
static int
token_ok(const char *t, size_t n)
{
	size_t	 i = 0;

	while (i < n && (isalnum((unsigned char)t[i]) ||
	    strchr("-._~+/", t[i]) != NULL))
		i++;
	if (i == 0)
		return 0;
	while (i < n && t[i] == '=')
		i++;
	return i == n && n <= 4096;
}

/* One token; which: where it came from, for the message. */
static int
add_token(struct ctx *x, struct config *c, const char *t, size_t n,
    const char *which)
{
	char	**tk;

	if (!token_ok(t, n))
		return fail(x, "%s: a token is letters, digits and -._~+/ "
		    "(then '=' padding), at most 4096 bytes", which);
	if ((tk = realloc(c->tokens, (c->ntokens + 1) * sizeof(*tk))) ==
	    NULL)
		return fail(x, "out of memory");
	c->tokens = tk;
	if ((tk[c->ntokens] = strndup(t, n)) == NULL)
		return fail(x, "out of memory");
	c->ntokens++;
	return 0;
}

static int
set_tokens(struct ctx *x, struct config *c, const char *v)
{
	size_t	 n;

	for (;;) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '\0')
			return 0;
		n = strcspn(v, " \t");
		if (add_token(x, c, v, n, "bearer_tokens") != 0)
			return -1;
		v += n;
	}
}

/* "guard = NAME GLOB" */
static int
add_guard(struct ctx *x, struct config *c, const char *v)
{
	struct conf_guard	*g;
	size_t			 n = strcspn(v, " \t");
	const char		*glob = v + n;

	while (*glob == ' ' || *glob == '\t')
		glob++;
	if (n == 0 || *glob != '/' || strpbrk(glob, " \t") != NULL)
		return fail(x, "guard: expected 'guard = NAME PATTERN', the "
		    "pattern starting with '/' (guard = bearer /protected*)");
	if ((g = realloc(c->guards, (c->nguards + 1) * sizeof(*g))) == NULL)
		return fail(x, "out of memory");
	c->guards = g;
	g += c->nguards;
	g->line = x->line;
	if ((g->name = strndup(v, n)) == NULL ||
	    (g->glob = strdup(glob)) == NULL) {
		free(g->name);
		return fail(x, "out of memory");
	}
	c->nguards++;
	return 0;
}

/* "body_limit = GLOB SIZE" */
static int
add_limit(struct ctx *x, struct config *c, const char *v)
{
	struct conf_limit	*l;
	unsigned long long	 n;
	size_t			 g = strcspn(v, " \t");
	const char		*size = v + g;
	char			 b[SHOWN_MAX + 4];

	while (*size == ' ' || *size == '\t')
		size++;
	if (g == 0 || *v != '/' || *size == '\0')
		return fail(x, "body_limit: expected 'body_limit = PATTERN "
		    "SIZE', the pattern starting with '/' (body_limit = "
		    "/upload* 10M)");
	if (parse_size(size, &n) != 0 || n == 0)
		return fail(x, "body_limit: '%s' is not a size over 0 (bytes, "
		    "or with K, M or G: 64K, 16M)", shown(size, b));
	if ((l = realloc(c->limits, (c->nlimits + 1) * sizeof(*l))) == NULL)
		return fail(x, "out of memory");
	c->limits = l;
	l += c->nlimits;
	l->line = x->line;
	l->max = (size_t)n;
	if ((l->glob = strndup(v, g)) == NULL)
		return fail(x, "out of memory");
	c->nlimits++;
	return 0;
}

static int
set_key(struct ctx *x, struct config *c, const char *name, const char *v)
{
	const struct key	*k;
	char			 b[SHOWN_MAX + 4];
	size_t			 i;

	for (i = 0; i < NKEYS && strcmp(keys[i].name, name) != 0; i++)
		continue;
	if (i == NKEYS)
		return fail(x, "unknown key '%s'", shown(name, b));
	k = &keys[i];
	if (k->kind == K_MODULE)
		return add_module(x, c, v);
	if (k->kind == K_GUARD)
		return add_guard(x, c, v);
	if (k->kind == K_LIMIT)
		return add_limit(x, c, v);
	if (c->seen & (1UL << i))
		return fail(x, "'%s' is given twice", k->name);
	c->seen |= 1UL << i;
	switch (k->kind) {
	case K_MODE:
		return set_mode(x, c, v);
	case K_LEVEL:
		return set_level(x, c, v);
	case K_SLOW:
		if (strcmp(v, "drop") != 0 && strcmp(v, "skip") != 0)
			return fail(x, "channel_slow: must be drop or skip");
		c->lim.channel_slow = v[0] == 'd' ? RV_SLOW_DROP : RV_SLOW_SKIP;
		return 0;
	case K_LISTEN: case K_PATH: case K_MOUNT: case K_CHANNELS:
	case K_DIR:
		if (k->off == AT(allow))
			c->allow_line = x->line;	/* checked by the library */
		return set_string(x, c, k, v);
	case K_TOKFILE:
		c->token_file_line = x->line;
		return set_string(x, c, k, v);
	case K_DELEGATE:
		return set_delegate(x, c, v);
	case K_TOKENS:
		return set_tokens(x, c, v);
	default:
		return set_number(x, c, k, v);
	}
}

/* The value after '=': "quoted" (no escapes) or bare up to a '#'. */
static int
take_value(struct ctx *x, char *s, char **val)
{
	char	*e;

	if (*s == '"') {
		*val = ++s;
		if ((e = strchr(s, '"')) == NULL)
			return fail(x, "unterminated quote");
		*e++ = '\0';
		while (isspace((unsigned char)*e))
			e++;
		if (*e != '\0' && *e != '#')
			return fail(x, "text after the closing quote");
		return 0;
	}
	*val = s;
	if ((e = strchr(s, '#')) != NULL)
		*e = '\0';
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return 0;
}

/* One line, NUL-terminated and without its '\n'. */
static int
parse_line(struct ctx *x, struct config *c, char *s)
{
	char	*k, *e, *v;

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
	if (take_value(x, s, &v) != 0)
		return -1;
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
		x->line = c->module_lines[i];
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
	char		 line[CONF_MAX_LINE + 1];
	const char	*nl;
	size_t		 i = 0, n;

	if (errlen > 0)
		err[0] = '\0';
	c->socket_mode = 0660;
	c->workers = cpus();
	c->channel_shm = 16 * 1024 * 1024;
	c->log_level = RV_LOG_INFO;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;		/* a UTF-8 byte order mark */
	while (i < len) {
		x.line++;
		nl = memchr(text + i, '\n', len - i);
		n = nl != NULL ? (size_t)(nl - (text + i)) : len - i;
		if (n > CONF_MAX_LINE)
			return fail(&x, "line longer than %d bytes",
			    CONF_MAX_LINE);
		if (memchr(text + i, '\0', n) != NULL)
			return fail(&x, "NUL byte in the line");
		memcpy(line, text + i, n);
		line[n] = '\0';
		i += n + 1;
		if (parse_line(&x, c, line) != 0)
			return -1;
	}
	if (c->delegate == RV_DELEGATE_XACCEL && c->delegate_prefix == NULL) {
		x.line = c->delegate_line;
		return fail(&x, "file_delegation: x-accel needs "
		    "file_delegation_prefix (nginx's internal location)");
	}
	return resolve_modules(&x, c);
}

/* The whole file, up to CONF_MAX_FILE bytes, in *text. */
static int
slurp(const char *file, FILE *f, char **text, size_t *len, char *err,
    size_t errlen)
{
	char	*t;
	size_t	 cap = 0, r;

	*text = NULL;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			if (cap > CONF_MAX_FILE) {
				snprintf(err, errlen, "%s: too large (over "
				    "%d KiB)", file, CONF_MAX_FILE / 1024);
				return -1;
			}
			cap += 16384;
			if (cap > CONF_MAX_FILE)
				cap = CONF_MAX_FILE + 1;
			if ((t = realloc(*text, cap)) == NULL) {
				snprintf(err, errlen, "%s: out of memory",
				    file);
				return -1;
			}
			*text = t;
		}
		if ((r = fread(*text + *len, 1, cap - *len, f)) == 0)
			break;
		*len += r;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", file,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
config_load(const char *file, struct config *c, char *err, size_t errlen)
{
	FILE		*f;
	struct stat	 st;
	char		*text = NULL;
	size_t		 len = 0;
	int		 rc;

	if ((f = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", file,
		    strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", file);
		fclose(f);
		return -1;
	}
	rc = slurp(file, f, &text, &len, err, errlen);
	fclose(f);
	if (rc == 0)
		rc = config_parse(file, text != NULL ? text : "", len, c,
		    err, errlen);
	free(text);
	if (rc == 0)
		rc = config_load_tokens(file, c, err, errlen);
	return rc;
}

/*
 * bearer_token_file: a token a line; blank lines and '#' lines are
 * skipped.  Errors name the config line that gave the file, and the
 * token file's own line: "rivulet.conf:9: bearer_token_file:
 * /etc/rivulet/tokens:3: ...".
 */
int
config_load_tokens(const char *file, struct config *c, char *err,
    size_t errlen)
{
	struct ctx	 x = { file, c->token_file_line, err, errlen };
	char		 line[CONF_MAX_LINE + 2], which[PATH_MAX + 64];
	FILE		*f;
	size_t		 n, before = c->ntokens;
	int		 ln = 0;

	if (c->token_file == NULL)
		return 0;
	if ((f = fopen(c->token_file, "r")) == NULL)
		return fail(&x, "bearer_token_file: %s: cannot open: %s",
		    c->token_file, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		ln++;
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		snprintf(which, sizeof(which), "bearer_token_file: %s:%d",
		    c->token_file, ln);
		if (add_token(&x, c, line, n, which) != 0) {
			fclose(f);
			return -1;
		}
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	if (c->ntokens == before)
		return fail(&x, "bearer_token_file: %s: no token in it",
		    c->token_file);
	return 0;
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
	free(c->channels);
	free(c->status);
	free(c->status_token);
	free(c->user);
	free(c->group);
	free(c->socket_group);
	free(c->allow);
	free(c->mount);
	free(c->download_dir);
	free(c->delegate_prefix);
	for (i = 0; i < c->ntokens; i++) {
		explicit_bzero(c->tokens[i], strlen(c->tokens[i]));
		free(c->tokens[i]);
	}
	free(c->tokens);
	free(c->token_file);
	for (i = 0; i < c->nguards; i++) {
		free(c->guards[i].name);
		free(c->guards[i].glob);
	}
	free(c->guards);
	for (i = 0; i < c->nlimits; i++)
		free(c->limits[i].glob);
	free(c->limits);
	free(c->upload_dir);
	memset(c, 0, sizeof(*c));
}

/* "HOST:PORT", HOST maybe [v6] or '*'; PORT 1..65535 */
static int
check_tcp(const char *hp, char *err, size_t errlen)
{
	const char		*colon = strrchr(hp, ':'), *end;
	unsigned long long	 port;

	if (colon == NULL || colon == hp) {
		snprintf(err, errlen, "tcp: needs HOST:PORT "
		    "(tcp:127.0.0.1:9000, tcp:[::1]:9000, tcp:*:9000)");
		return -1;
	}
	if ((size_t)(colon - hp) > 255) {
		snprintf(err, errlen, "tcp: host name too long");
		return -1;
	}
	if (parse_digits(colon + 1, &port, &end) != 0 || *end != '\0' ||
	    port == 0 || port > 65535) {
		snprintf(err, errlen, "tcp: the port must be a number from 1 "
		    "to 65535");
		return -1;
	}
	return 0;
}

int
config_check_listen(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	unsigned long long	 fd;
	const char		*end;

	if (strncmp(spec, "unix:", 5) == 0) {
		if (spec[5] != '/') {
			snprintf(err, errlen, "unix: needs an absolute path "
			    "(unix:/run/rivulet/rivulet.sock)");
			return -1;
		}
		if (strlen(spec + 5) >= sizeof(sun.sun_path)) {
			snprintf(err, errlen, "unix: the path is longer than "
			    "%zu bytes", sizeof(sun.sun_path) - 1);
			return -1;
		}
		return 0;
	}
	if (strncmp(spec, "tcp:", 4) == 0)
		return check_tcp(spec + 4, err, errlen);
	if (strncmp(spec, "fd:", 3) == 0) {
		if (parse_digits(spec + 3, &fd, &end) != 0 || *end != '\0' ||
		    fd > INT_MAX) {
			snprintf(err, errlen, "fd: needs a descriptor number "
			    "(fd:0)");
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "must be unix:/PATH, tcp:HOST:PORT or fd:N");
	return -1;
}
