/*
 * allow.c: who may connect to a TCP listener.  Only the front server
 * should: a FastCGI peer can claim any request, client address and
 * authentication it likes.  Without a list (rv_server_allow), loopback
 * alone; FCGI_WEB_SERVER_ADDRS, libfcgi's variable, is honoured when
 * the config says nothing.  Unix sockets are guarded by their mode.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct allow_net {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];
	unsigned	 bits;		/* prefix length */
};

struct allow_list {
	struct allow_net *nets;
	size_t		  n;
	int		  any;		/* "any": everyone */
};

/* "A", "A/bits"; A an IPv4 or IPv6 address. */
static int
parse_net(const char *s, size_t len, struct allow_net *n)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long	 bits;
	unsigned	 max;

	if (len == 0 || len >= sizeof(buf))
		return RV_EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else
		return RV_EINVAL;
	n->bits = max;
	if (slash != NULL) {
		if (*slash < '0' || *slash > '9')
			return RV_EINVAL;
		bits = strtoul(slash, &end, 10);
		if (*end != '\0' || bits > max)
			return RV_EINVAL;
		n->bits = (unsigned)bits;
	}
	return RV_OK;
}

static int
prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned	 whole = bits / 8, rest = bits % 8;
	unsigned char	 mask;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

/* Entries separated by spaces or commas; "any" lets everyone in. */
static int
parse_list(const char *list, struct allow_list *al)
{
	const char	*p = list, *q;
	size_t		 n = 0, cap = 0;
	void		*t;

	memset(al, 0, sizeof(*al));
	for (;;) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (q = p; *q != '\0' && *q != ' ' && *q != ',' &&
		    *q != '\t'; q++)
			continue;
		if ((size_t)(q - p) == 3 && strncmp(p, "any", 3) == 0)
			al->any = 1;
		else {
			if (n == cap) {
				cap = cap ? cap * 2 : 4;
				if ((t = realloc(al->nets, cap *
				    sizeof(*al->nets))) == NULL)
					goto fail;
				al->nets = t;
			}
			if (parse_net(p, (size_t)(q - p), &al->nets[n]) !=
			    RV_OK)
				goto fail;
			n++;
		}
		p = q;
	}
	al->n = n;
	if (n == 0 && !al->any)
		goto fail;
	return RV_OK;
fail:
	free(al->nets);
	al->nets = NULL;
	return RV_EINVAL;
}

int
rv_server_allow(struct rv_server *srv, const char *list)
{
	struct allow_list	 al, *old;

	if (srv->loop != NULL)
		return RV_ESTATE;
	if (list == NULL) {
		allow_free(srv);
		return RV_OK;
	}
	if (parse_list(list, &al) != RV_OK)
		return RV_EINVAL;
	if ((old = malloc(sizeof(*old))) == NULL) {
		free(al.nets);
		return RV_ENOMEM;
	}
	*old = al;
	allow_free(srv);
	srv->allow = old;
	return RV_OK;
}

void
allow_free(struct rv_server *srv)
{

	if (srv->allow != NULL)
		free(srv->allow->nets);
	free(srv->allow);
	srv->allow = NULL;
}

/* Loopback, or the configured list, or FCGI_WEB_SERVER_ADDRS. */
int
allow_start(struct rv_server *srv)
{
	const char	*env;

	if (srv->allow != NULL)
		return RV_OK;
	if ((env = getenv("FCGI_WEB_SERVER_ADDRS")) != NULL && *env != '\0') {
		if (rv_server_allow(srv, env) != RV_OK) {
			logx(RV_LOG_ERROR, "FCGI_WEB_SERVER_ADDRS: '%s': not "
			    "a list of addresses", env);
			return RV_EINVAL;
		}
		return RV_OK;
	}
	return rv_server_allow(srv, "127.0.0.0/8 ::1");
}

int
allow_check(const struct rv_server *srv, const struct sockaddr *sa)
{
	const struct allow_list	*al = srv->allow;
	const unsigned char	*a;
	unsigned char		 v4[4];
	int			 family;
	size_t			 i;

	if (al == NULL || al->any)
		return 1;
	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		family = AF_INET6;
		a = ((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr.s6_addr;
		/* ::ffff:a.b.c.d on a dual-stack socket is a.b.c.d. */
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)
		    (const void *)a)) {
			memcpy(v4, a + 12, 4);
			a = v4;
			family = AF_INET;
		}
	} else
		return 1;	/* not an IP socket: its mode guards it */
	for (i = 0; i < al->n; i++)
		if (al->nets[i].family == family &&
		    prefix_eq(a, al->nets[i].addr, al->nets[i].bits))
			return 1;
	return 0;
}
