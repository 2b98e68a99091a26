/*
 * test_allow.c: the TCP allow list (allow.c): what parses, what is
 * refused, and which peers match, IPv4, IPv6 and IPv4-mapped.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "runner.h"

static int
peer(struct rv_server *srv, const char *addr)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*v6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1)
		v4->sin_family = AF_INET;
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &v6->sin6_addr), 1);
		v6->sin6_family = AF_INET6;
	}
	return allow_check(srv, (struct sockaddr *)&ss);
}

START_TEST(lists)
{
	struct rv_server	*srv = rv_server_new();
	static const char *const bad[] = {
		"", " , ", "10.0.0.0/33", "::1/129", "10.0.0.1/", "10.0.0/8",
		"10.0.0.1/-1", "10.0.0.1/8x", "example.com", "1.2.3.4 x",
		"anyone", "10.0.0.1/ 8",
	};
	size_t			 i;

	ck_assert_ptr_nonnull(srv);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(rv_server_allow(srv, bad[i]) == RV_EINVAL,
		    "accepted: '%s'", bad[i]);
	ck_assert_int_eq(rv_server_allow(srv, "10.0.0.5, 192.168.1.0/24 "
	    "fd00::/8\t::1"), RV_OK);
	ck_assert_int_eq(peer(srv, "10.0.0.5"), 1);
	ck_assert_int_eq(peer(srv, "10.0.0.6"), 0);
	ck_assert_int_eq(peer(srv, "192.168.1.255"), 1);
	ck_assert_int_eq(peer(srv, "192.168.2.1"), 0);
	ck_assert_int_eq(peer(srv, "fd12:3456::1"), 1);
	ck_assert_int_eq(peer(srv, "fe80::1"), 0);
	ck_assert_int_eq(peer(srv, "::1"), 1);
	ck_assert_int_eq(peer(srv, "::2"), 0);
	/* A dual-stack socket's IPv4 peers. */
	ck_assert_int_eq(peer(srv, "::ffff:10.0.0.5"), 1);
	ck_assert_int_eq(peer(srv, "::ffff:10.0.0.7"), 0);
	/* A bad list leaves the good one in place. */
	ck_assert_int_eq(rv_server_allow(srv, "10.0.0.0/33"), RV_EINVAL);
	ck_assert_int_eq(peer(srv, "10.0.0.5"), 1);
	/* Prefixes that end inside a byte, and the ends. */
	ck_assert_int_eq(rv_server_allow(srv, "172.16.0.0/12"), RV_OK);
	ck_assert_int_eq(peer(srv, "172.31.255.255"), 1);
	ck_assert_int_eq(peer(srv, "172.32.0.0"), 0);
	ck_assert_int_eq(peer(srv, "172.15.255.255"), 0);
	ck_assert_int_eq(rv_server_allow(srv, "0.0.0.0/0"), RV_OK);
	ck_assert_int_eq(peer(srv, "203.0.113.9"), 1);
	ck_assert_int_eq(peer(srv, "2001:db8::1"), 0);
	ck_assert_int_eq(rv_server_allow(srv, "any"), RV_OK);
	ck_assert_int_eq(peer(srv, "2001:db8::1"), 1);
	rv_server_free(srv);
}
END_TEST

START_TEST(defaults)
{
	struct rv_server	*srv = rv_server_new();

	ck_assert_ptr_nonnull(srv);
	unsetenv("FCGI_WEB_SERVER_ADDRS");
	ck_assert_int_eq(allow_start(srv), RV_OK);
	ck_assert_int_eq(peer(srv, "127.0.0.1"), 1);
	ck_assert_int_eq(peer(srv, "127.9.9.9"), 1);
	ck_assert_int_eq(peer(srv, "::1"), 1);
	ck_assert_int_eq(peer(srv, "10.0.0.1"), 0);
	/* libfcgi's variable, when the config says nothing. */
	ck_assert_int_eq(rv_server_allow(srv, NULL), RV_OK);
	setenv("FCGI_WEB_SERVER_ADDRS", "10.0.0.1,10.0.0.2", 1);
	ck_assert_int_eq(allow_start(srv), RV_OK);
	ck_assert_int_eq(peer(srv, "10.0.0.2"), 1);
	ck_assert_int_eq(peer(srv, "127.0.0.1"), 0);
	ck_assert_int_eq(rv_server_allow(srv, NULL), RV_OK);
	setenv("FCGI_WEB_SERVER_ADDRS", "not an address", 1);
	ck_assert_int_eq(allow_start(srv), RV_EINVAL);
	unsetenv("FCGI_WEB_SERVER_ADDRS");
	rv_server_free(srv);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("allow");
	TCase	*tc = tcase_create("allow");

	tcase_add_test(tc, lists);
	tcase_add_test(tc, defaults);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
