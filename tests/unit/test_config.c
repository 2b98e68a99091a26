/* test_config.c: rivulet.conf parsing, good and hostile. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "runner.h"

static int
parse(const char *text, struct config *c, char *err)
{

	memset(c, 0, sizeof(*c));
	c->lim.heartbeat_ms = 15000;
	return config_parse("t.conf", text, strlen(text), c, err, 256);
}

START_TEST(good)
{
	struct config	 c;
	char		 err[256];

	ck_assert_int_eq(parse("# comment\n\nlisten = unix:/tmp/x.sock\n"
	    "module = a.so   # trailing\nmodule = \"/abs/b c.so\"\n"
	    "module_dir = /m\nheartbeat = 500ms\nmax_body = 2M\n"
	    "params_timeout = 2\nwrite_timeout = 1m\nmax_handlers = 8\n"
	    "socket_mode = 0600\nlog_level = debug\nmount = /app\n", &c,
	    err), 0);
	ck_assert_str_eq(c.listen, "unix:/tmp/x.sock");
	ck_assert_uint_eq(c.nmodules, 2);
	ck_assert_str_eq(c.modules[0], "/m/a.so");
	ck_assert_str_eq(c.modules[1], "/abs/b c.so");
	ck_assert_uint_eq(c.lim.heartbeat_ms, 500);
	ck_assert_uint_eq(c.lim.max_body, 2u << 20);
	ck_assert_uint_eq(c.lim.params_timeout_ms, 2000);
	ck_assert_uint_eq(c.lim.write_timeout_ms, 60000);
	ck_assert_uint_eq(c.lim.max_handlers, 8);
	ck_assert_uint_eq(c.socket_mode, 0600);
	ck_assert_int_eq(c.log_level, RV_LOG_DEBUG);
	config_free(&c);
}
END_TEST

static void
bad(const char *text, const char *want)
{
	struct config	 c;
	char		 err[256];

	ck_assert_msg(parse(text, &c, err) == -1, "accepted: %s", text);
	ck_assert_msg(strstr(err, want) != NULL, "'%s' lacks '%s'", err, want);
	config_free(&c);
}

START_TEST(errors_say_where)
{
	char	*longline;

	bad("\n\nnope = 1\n", "t.conf:3: unknown key 'nope'");
	bad("listen = unix:/a\nlisten = unix:/b\n", "t.conf:2: 'listen' is "
	    "given twice");
	bad("listen = http://x\n", "t.conf:1: listen must be");
	bad("max_body = lots\n", "not a size");
	bad("max_body = 99999999999999999999G\n", "not a size");
	bad("heartbeat = 5h\n", "not a duration");
	bad("max_handlers = 0\n", "not a number from 1");
	bad("socket_mode = 999\n", "octal");
	bad("log_level = loud\n", "log_level must be");
	bad("module\n", "expected 'key = value'");
	bad("= x\n", "expected 'key = value'");
	bad("module = \"unterminated\n", "unterminated quote");
	bad("module = \"a\" b\n", "after the closing quote");
	bad("module = \n", "has no value");
	bad("mount = app\n", "must start with '/'");
	{
		static const char nul[] = "log_level = info\nlisten = u\0x\n";
		struct config c;
		char err[256];

		memset(&c, 0, sizeof(c));
		ck_assert_int_eq(config_parse("t.conf", nul, sizeof(nul) - 1,
		    &c, err, sizeof(err)), -1);
		ck_assert_str_eq(err, "t.conf:2: NUL byte in the file");
		config_free(&c);
	}
	longline = malloc(10000);
	memset(longline, 'a', 9999);
	longline[9999] = '\0';
	bad(longline, "longer than");
	free(longline);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	tcase_add_test(tc, good);
	tcase_add_test(tc, errors_say_where);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
