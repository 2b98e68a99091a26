/* test_config.c: rivulet.conf parsing, good and hostile. */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conffile.h"
#include "runner.h"

#ifndef RV_MODULE_DIR
#define RV_MODULE_DIR "/usr/lib/rivulet"
#endif

#define ERRLEN	512

/* Defaults as rv_server_limits() would give them (any values will do). */
static void
fresh(struct config *c)
{

	memset(c, 0, sizeof(*c));
	c->lim.heartbeat_ms = 15000;
	c->lim.max_params = 64 * 1024;
	c->lim.max_body = 1024 * 1024;
	c->lim.max_handlers = 256;
}

static int
parsen(const char *text, size_t len, struct config *c, char *err)
{

	fresh(c);
	return config_parse("t.conf", text, len, c, err, ERRLEN);
}

static int
parse(const char *text, struct config *c, char *err)
{

	return parsen(text, strlen(text), c, err);
}

/* text must parse; the config is left in c for the caller to free. */
static void
good(const char *text, struct config *c)
{
	char	 err[ERRLEN];

	ck_assert_msg(parse(text, c, err) == 0, "refused '%s': %s", text, err);
}

/* text must fail with want in the message. */
static void
bad(const char *text, const char *want)
{
	struct config	 c;
	char		 err[ERRLEN];

	ck_assert_msg(parse(text, &c, err) == -1, "accepted: %s", text);
	ck_assert_msg(strstr(err, want) != NULL, "'%s': '%s' lacks '%s'",
	    text, err, want);
	config_free(&c);
}

START_TEST(every_key)
{
	struct config	 c;

	good("# comment\n\nlisten = unix:/tmp/x.sock\n"
	    "module = a.so   # trailing\nmodule = \"/abs/b c.so\"\n"
	    "module_dir = /m\nheartbeat = 500ms\nmax_body = 2M\n"
	    "params_timeout = 2s\nwrite_timeout = 1m\nmax_handlers = 8\n"
	    "socket_mode = 0600\nlog_level = debug\nmount = /app\n"
	    "max_params = 4K\nmax_item = 1G\nthread_stack = 128k\n", &c);
	ck_assert_str_eq(c.listen, "unix:/tmp/x.sock");
	ck_assert_int_eq(c.listen_line, 3);
	ck_assert_uint_eq(c.nmodules, 2);
	ck_assert_str_eq(c.modules[0], "/m/a.so");
	ck_assert_str_eq(c.modules[1], "/abs/b c.so");
	ck_assert_int_eq(c.module_lines[0], 4);
	ck_assert_int_eq(c.module_lines[1], 5);
	ck_assert_str_eq(c.module_dir, "/m");
	ck_assert_uint_eq(c.lim.heartbeat_ms, 500);
	ck_assert_uint_eq(c.lim.max_body, 2u << 20);
	ck_assert_uint_eq(c.lim.params_timeout_ms, 2000);
	ck_assert_uint_eq(c.lim.write_timeout_ms, 60000);
	ck_assert_uint_eq(c.lim.max_handlers, 8);
	ck_assert_uint_eq(c.socket_mode, 0600);
	ck_assert_int_eq(c.log_level, RV_LOG_DEBUG);
	ck_assert_str_eq(c.mount, "/app");
	ck_assert_uint_eq(c.lim.max_params, 4096);
	ck_assert_uint_eq(c.lim.max_item, 1u << 30);
	ck_assert_uint_eq(c.lim.thread_stack, 128 * 1024);
	config_free(&c);
}
END_TEST

START_TEST(defaults)
{
	struct config	 c;

	good("", &c);
	ck_assert_ptr_null(c.listen);
	ck_assert_uint_eq(c.socket_mode, 0660);
	ck_assert_int_eq(c.log_level, RV_LOG_INFO);
	ck_assert_uint_eq(c.nmodules, 0);
	ck_assert_ptr_null(c.mount);
	/* What was there on entry stays. */
	ck_assert_uint_eq(c.lim.heartbeat_ms, 15000);
	ck_assert_uint_eq(c.lim.max_handlers, 256);
	config_free(&c);

	good("module = demo.so\n", &c);
	ck_assert_str_eq(c.modules[0], RV_MODULE_DIR "/demo.so");
	config_free(&c);

	/* module_dir applies to module lines before it too */
	good("module = x.so\nmodule = sub/y.so\nmodule_dir = \"/o p\"\n", &c);
	ck_assert_str_eq(c.modules[0], "/o p/x.so");
	ck_assert_str_eq(c.modules[1], "/o p/sub/y.so");
	config_free(&c);
}
END_TEST

START_TEST(lexical)
{
	struct config	 c;
	static const char nonl[] = "log_level = warn";
	static const char bom[] = "\xef\xbb\xbfsocket_mode = 0640\n";

	/* CRLF, tabs, no spaces, a last line without '\n' */
	good("\tlisten=unix:/a.sock\r\n  mount\t=\t\"/x # y\"  # c\r\n"
	    "module = \"/q.so\"\r\nlog_level = error", &c);
	ck_assert_str_eq(c.listen, "unix:/a.sock");
	ck_assert_str_eq(c.mount, "/x # y");
	ck_assert_str_eq(c.modules[0], "/q.so");
	ck_assert_int_eq(c.log_level, RV_LOG_ERROR);
	config_free(&c);

	good(nonl, &c);
	ck_assert_int_eq(c.log_level, RV_LOG_WARN);
	config_free(&c);

	good(bom, &c);
	ck_assert_uint_eq(c.socket_mode, 0640);
	config_free(&c);

	/* A value's inner spaces stay; '#' starts a comment outside quotes. */
	good("module = /a b.so#c\n", &c);
	ck_assert_str_eq(c.modules[0], "/a b.so");
	config_free(&c);

	good("# only comments\n   # indented\n\n\r\n", &c);
	ck_assert_uint_eq(c.nmodules, 0);
	config_free(&c);
}
END_TEST

START_TEST(sizes_and_durations)
{
	struct config	 c;

	good("max_body = 0\nmax_item = 4096\nmax_params = 64k\n"
	    "thread_stack = 0\n", &c);
	ck_assert_uint_eq(c.lim.max_body, 0);
	ck_assert_uint_eq(c.lim.max_item, 4096);
	ck_assert_uint_eq(c.lim.max_params, 65536);
	ck_assert_uint_eq(c.lim.thread_stack, 0);
	config_free(&c);

	good("max_upload = 2G\nupload_dir = \"/srv/up loads\"\n", &c);
	ck_assert_uint_eq(c.lim.max_upload, 2ULL << 30);
	ck_assert_str_eq(c.upload_dir, "/srv/up loads");
	config_free(&c);
	bad("upload_dir = up\n", "upload_dir: must be an absolute path");
	bad("max_upload = 1T\n", "max_upload: '1T' is not a size");

	good("heartbeat = 0\nwrite_timeout = 0\nparams_timeout = 1ms\n", &c);
	ck_assert_uint_eq(c.lim.heartbeat_ms, 0);
	ck_assert_uint_eq(c.lim.write_timeout_ms, 0);
	ck_assert_uint_eq(c.lim.params_timeout_ms, 1);
	config_free(&c);

	bad("max_body = lots\n", "t.conf:1: max_body: 'lots' is not a size");
	bad("max_body = 99999999999999999999G\n", "not a size");
	bad("max_body = 17179869184G\n", "not a size");	/* 2^64 */
	bad("max_body = -1\n", "not a size");
	bad("max_body = 1KB\n", "not a size");
	bad("max_body = 1.5M\n", "not a size");
	bad("max_body = 0x10\n", "not a size");
	bad("max_params = 512\n", "max_params: 512 is out of range (1K to 1G)");
	bad("max_item = 1\n", "out of range");
	bad("thread_stack = 4K\n", "thread_stack: at least 64K");
	bad("thread_stack = 2G\n", "out of range");
	bad("heartbeat = 5d\n", "heartbeat: '5d' is not a duration");
	bad("heartbeat = 25h\n", "heartbeat: 25h is out of range");
	bad("heartbeat = 15\n", "not a duration (a number with ms, s, m or h");
	bad("heartbeat = ms\n", "not a duration");
	bad("heartbeat = -5s\n", "not a duration");
	bad("heartbeat = 5 s\n", "not a duration");
	bad("heartbeat = 99999999999999999999m\n", "not a duration");
	bad("heartbeat = 1441m\n", "out of range");
	bad("params_timeout = 0\n", "params_timeout: 0 is out of range");
	bad("max_handlers = 0\n", "max_handlers: not a number from 1 to "
	    "100000");
	bad("max_handlers = 100001\n", "not a number");
	bad("max_handlers = 8k\n", "not a number");
	bad("max_handlers = 99999999999999999999999\n", "not a number");
}
END_TEST

START_TEST(twice)
{
	static const char *const once[] = {
		"listen = fd:0", "socket_mode = 0600", "module_dir = /m",
		"mount = /a", "log_level = info", "heartbeat = 1s",
		"params_timeout = 1s", "write_timeout = 1s",
		"max_params = 4K", "max_body = 4K", "max_item = 4K",
		"thread_stack = 64K", "max_handlers = 4",
	};
	char	 text[256], want[128];
	size_t	 i;

	for (i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
		snprintf(text, sizeof(text), "%s\n# between\n%s\n", once[i],
		    once[i]);
		snprintf(want, sizeof(want), "t.conf:3: '%.*s' is given twice",
		    (int)strcspn(once[i], " "), once[i]);
		bad(text, want);
	}
}
END_TEST

START_TEST(listen_values)
{
	static const char *const ok[] = {
		"unix:/run/rivulet/r.sock", "tcp:127.0.0.1:9000",
		"tcp:[::1]:9000", "tcp:*:65535", "tcp:localhost:1", "fd:0",
		"fd:3",
	};
	static const char *const no[] = {
		"unix:rel.sock", "unix:", "tcp:9000", "tcp::9000",
		"tcp:h:0", "tcp:h:65536", "tcp:h:x", "tcp:h:", "tcp:h:+80",
		"fd:", "fd:x", "fd:-1", "fd:99999999999", "http://x", "/x",
		"UNIX:/x",
	};
	char	 err[256], text[256], longpath[200];
	size_t	 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ck_assert_msg(config_check_listen(ok[i], err, sizeof(err)) ==
		    0, "%s refused: %s", ok[i], err);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		ck_assert_msg(config_check_listen(no[i], err, sizeof(err)) ==
		    -1, "%s accepted", no[i]);
		snprintf(text, sizeof(text), "\nlisten = %s\n", no[i]);
		bad(text, "t.conf:2: listen: ");
	}
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	snprintf(text, sizeof(text), "listen = unix:%s\n", longpath);
	bad(text, "path is longer than");
}
END_TEST

START_TEST(other_values)
{
	struct config	 c;

	good("socket_mode = 660\n", &c);
	ck_assert_uint_eq(c.socket_mode, 0660);
	config_free(&c);
	good("socket_mode = 0\n", &c);
	ck_assert_uint_eq(c.socket_mode, 0);
	config_free(&c);
	bad("socket_mode = 999\n", "socket_mode: must be octal");
	bad("socket_mode = 01777\n", "octal");
	bad("socket_mode = 0o660\n", "octal");
	bad("socket_mode = -1\n", "octal");
	bad("socket_mode = 000000000000000000000000000000000000001000\n",
	    "octal");
	bad("log_level = loud\n", "log_level: must be error, warn, info or "
	    "debug");
	bad("log_level = INFO\n", "log_level");
	bad("mount = app\n", "mount: must start with '/'");
}
END_TEST

START_TEST(hostile)
{
	static const char nul[] = "log_level = info\nlisten = u\0x\n";
	static const char nulkey[] = "\0\n";
	struct config	 c;
	char		 err[ERRLEN], *line;

	bad("\n\nnope = 1\n", "t.conf:3: unknown key 'nope'");
	bad("module\n", "t.conf:1: expected 'key = value'");
	bad("= x\n", "expected 'key = value'");
	bad("mod ule = x\n", "expected 'key = value'");
	bad("module: x\n", "expected 'key = value'");
	bad("\xc3\xa9 = x\n", "expected 'key = value'");
	bad("module = \"unterminated\n", "t.conf:1: unterminated quote");
	bad("module = \"\n", "unterminated quote");
	bad("module = \"a\" b\n", "text after the closing quote");
	bad("module = \"a\"\"b\"\n", "text after the closing quote");
	bad("module = \n", "t.conf:1: 'module' has no value");
	bad("module = \"\"\n", "has no value");
	bad("module = # nothing\n", "has no value");

	/* What is echoed is cut short and printable. */
	bad("nope\x1b[31m = 1\n", "expected");
	bad("max_body = \x1b[2J\n", "'?[2J' is not a size");
	line = malloc(3000);
	ck_assert_ptr_nonnull(line);
	memset(line, 'k', 2990);
	strcpy(line + 2990, " = 1\n");
	/* 48 bytes of it, then "..." */
	bad(line, "unknown key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	    "kkk...'");
	free(line);

	ck_assert_int_eq(parsen(nul, sizeof(nul) - 1, &c, err), -1);
	ck_assert_str_eq(err, "t.conf:2: NUL byte in the line");
	config_free(&c);
	ck_assert_int_eq(parsen(nulkey, sizeof(nulkey) - 1, &c, err), -1);
	ck_assert_str_eq(err, "t.conf:1: NUL byte in the line");
	config_free(&c);

	/* A line of CONF_MAX_LINE bytes is fine; one more is not. */
	line = malloc(CONF_MAX_LINE + 16);
	ck_assert_ptr_nonnull(line);
	memset(line, ' ', CONF_MAX_LINE + 16);
	line[0] = '#';
	line[CONF_MAX_LINE] = '\n';
	line[CONF_MAX_LINE + 1] = '\0';
	ck_assert_int_eq(parse(line, &c, err), 0);
	config_free(&c);
	line[CONF_MAX_LINE] = ' ';
	line[CONF_MAX_LINE + 1] = '\n';
	line[CONF_MAX_LINE + 2] = '\0';
	bad(line, "t.conf:1: line longer than 4096 bytes");
	line[CONF_MAX_LINE + 1] = '\0';		/* no newline at all */
	bad(line, "longer than");
	free(line);
}
END_TEST

/* Messages never overrun a small buffer, and stay NUL-terminated. */
START_TEST(small_errbuf)
{
	struct config	 c;
	char		 err[12];
	size_t		 n;

	for (n = 0; n <= sizeof(err); n++) {
		memset(err, 'X', sizeof(err));
		fresh(&c);
		ck_assert_int_eq(config_parse("a-long-file-name.conf",
		    "nope = 1\n", 9, &c, err, n), -1);
		if (n > 0)
			ck_assert_uint_lt(strlen(err), n);
		else
			ck_assert_int_eq(err[0], 'X');
		config_free(&c);
	}
}
END_TEST

/* Random bytes and mutations of a good file: an answer, never a crash. */
START_TEST(fuzz)
{
	static const char base[] = "listen = unix:/tmp/x.sock\n"
	    "module = \"a b.so\"  # c\nmax_body = 16M\nheartbeat = 15s\n"
	    "socket_mode = 0660\nlog_level = debug\nmount = /app\n";
	static const char alphabet[] = "= \"#\n\r\t\0aKMGms0179:/_xé";
	struct config	 c;
	char		 buf[512], err[ERRLEN];
	size_t		 len, j, k;
	int		 i, rc;

	srandom(42);
	for (i = 0; i < 20000; i++) {
		memcpy(buf, base, sizeof(base) - 1);
		len = sizeof(base) - 1;
		k = 1 + (size_t)random() % 8;
		for (j = 0; j < k; j++) {
			size_t at = (size_t)random() % len;
			if (i % 2 == 0)
				buf[at] = (char)random();
			else
				buf[at] = alphabet[(size_t)random() %
				    (sizeof(alphabet) - 1)];
		}
		if (i % 7 == 0)
			len = (size_t)random() % len;
		err[0] = '\0';
		rc = parsen(buf, len, &c, err);
		ck_assert(rc == 0 || rc == -1);
		if (rc == -1)
			ck_assert_msg(strncmp(err, "t.conf:", 7) == 0, "%s",
			    err);
		ck_assert_uint_lt(strlen(err), sizeof(err));
		config_free(&c);
	}
}
END_TEST

static char *
tmpfile_with(const char *text, size_t len)
{
	char	*path = strdup("/tmp/rv-test-config.XXXXXX");
	int	 fd;

	ck_assert_ptr_nonnull(path);
	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

START_TEST(load)
{
	struct config	 c;
	char		 err[ERRLEN], want[128], *path, *big;

	path = tmpfile_with("module = /m.so\nmax_body = 8K\n", 29);
	fresh(&c);
	ck_assert_int_eq(config_load(path, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c.modules[0], "/m.so");
	ck_assert_uint_eq(c.lim.max_body, 8192);
	config_free(&c);
	unlink(path);
	free(path);

	path = tmpfile_with("\nbad = 1\n", 9);
	fresh(&c);
	ck_assert_int_eq(config_load(path, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: unknown key 'bad'", path);
	ck_assert_str_eq(err, want);
	config_free(&c);
	unlink(path);
	free(path);

	fresh(&c);
	ck_assert_int_eq(config_load("/nonexistent/r.conf", &c, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "/nonexistent/r.conf: cannot open: No such "
	    "file or directory");
	config_free(&c);

	fresh(&c);
	ck_assert_int_eq(config_load("/tmp", &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/tmp: is a directory");
	config_free(&c);

	big = malloc(CONF_MAX_FILE + 10);
	ck_assert_ptr_nonnull(big);
	memset(big, '\n', CONF_MAX_FILE + 10);
	path = tmpfile_with(big, CONF_MAX_FILE + 10);
	fresh(&c);
	ck_assert_int_eq(config_load(path, &c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "too large"));
	config_free(&c);
	unlink(path);
	free(path);
	free(big);
}
END_TEST

/* download_dir, file_delegation, bearer tokens and guard lines */
START_TEST(files_and_guards)
{
	struct config	 c;
	char		 err[ERRLEN], conf[256], want[256], *tok;

	fresh(&c);
	ck_assert_int_eq(c.delegate, RV_DELEGATE_OFF);
	config_free(&c);
	good("download_dir = /srv/dl\nfile_delegation = x-sendfile\n"
	    "bearer_tokens = a.b-c  d~e+f/g==\n"
	    "guard = bearer /protected*\nguard = mine  /x/{y}\n", &c);
	ck_assert_str_eq(c.download_dir, "/srv/dl");
	ck_assert_int_eq(c.delegate, RV_DELEGATE_XSENDFILE);
	ck_assert_uint_eq(c.ntokens, 2);
	ck_assert_str_eq(c.tokens[1], "d~e+f/g==");
	ck_assert_uint_eq(c.nguards, 2);
	ck_assert_str_eq(c.guards[1].name, "mine");
	ck_assert_str_eq(c.guards[1].glob, "/x/{y}");
	ck_assert_int_eq(c.guards[1].line, 5);
	config_free(&c);
	good("file_delegation = x-accel\nfile_delegation_prefix = /int\n",
	    &c);
	ck_assert_int_eq(c.delegate, RV_DELEGATE_XACCEL);
	ck_assert_str_eq(c.delegate_prefix, "/int");
	config_free(&c);

	bad("file_delegation = yes\n", "t.conf:1: file_delegation: must be "
	    "off, x-sendfile or x-accel");
	bad("\nfile_delegation = x-accel\n", "t.conf:2: file_delegation: "
	    "x-accel needs file_delegation_prefix");
	bad("file_delegation_prefix = int\n", "t.conf:1: "
	    "file_delegation_prefix: must start with '/'");
	bad("bearer_tokens = good bad\"one\n", "t.conf:1: bearer_tokens: a "
	    "token is");
	bad("bearer_tokens = =abc\n", "t.conf:1: bearer_tokens");
	bad("guard = bearer\n", "t.conf:1: guard: expected");
	bad("guard = bearer protected\n", "t.conf:1: guard: expected");
	bad("guard = bearer /a /b\n", "t.conf:1: guard: expected");
	bad("download_dir = /a\ndownload_dir = /b\n", "t.conf:2: "
	    "'download_dir' is given twice");

	/* bearer_token_file: read by config_load, with both places named */
	tok = tmpfile_with("# tokens\n\ntok-1\ntok-2  \n", 24);
	snprintf(conf, sizeof(conf), "bearer_tokens = t0\n"
	    "bearer_token_file = %s\n", tok);
	{
		char *path = tmpfile_with(conf, strlen(conf));

		fresh(&c);
		ck_assert_msg(config_load(path, &c, err, sizeof(err)) == 0,
		    "%s", err);
		ck_assert_uint_eq(c.ntokens, 3);
		ck_assert_str_eq(c.tokens[2], "tok-2");
		config_free(&c);
		unlink(tok);
		free(tok);
		tok = tmpfile_with("ok\nnot ok\n", 10);
		unlink(path);
		free(path);
		snprintf(conf, sizeof(conf), "\nbearer_token_file = %s\n",
		    tok);
		path = tmpfile_with(conf, strlen(conf));
		fresh(&c);
		ck_assert_int_eq(config_load(path, &c, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s:2: bearer_token_file: %s:2: "
		    "a token is", path, tok);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s",
		    err);
		config_free(&c);
		unlink(path);
		free(path);
	}
	unlink(tok);
	free(tok);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_key);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, lexical);
	tcase_add_test(tc, sizes_and_durations);
	tcase_add_test(tc, twice);
	tcase_add_test(tc, listen_values);
	tcase_add_test(tc, other_values);
	tcase_add_test(tc, hostile);
	tcase_add_test(tc, small_errbuf);
	tcase_add_test(tc, fuzz);
	tcase_add_test(tc, load);
	tcase_add_test(tc, files_and_guards);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
