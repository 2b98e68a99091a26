/*
 * validate.c: declarative checks of query or form fields.  Every field
 * is checked (not up to the first bad one) and each failure is kept,
 * so that one 400 problem+json lists them all in an "errors" array of
 * {"field", "reason"}.  Reasons never echo the client's value.
 */
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "input.h"

#define MAX_VALUES	64	/* of one repeated key */

static int
is_digit(char c)
{

	return c >= '0' && c <= '9';
}

/* Decimal, optional sign, the whole string, no overflow. */
static int
parse_ll(const char *s, long long *out)
{
	unsigned long long	 n = 0, lim;
	int			 neg = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s == '\0')
		return -1;
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (; *s != '\0'; s++) {
		if (!is_digit(*s) || n > (lim - (unsigned)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (unsigned)(*s - '0');
	}
	*out = neg ? (n == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN :
	    -(long long)n) : (long long)n;
	return 0;
}

/* A JSON-style number: -?D+(.D+)?([eE][+-]?D+)?, finite. */
static int
parse_num(const char *s, double *out)
{
	const char	*p = s;
	char		*end;

	if (*p == '-' || *p == '+')
		p++;
	if (!is_digit(*p))
		return -1;
	while (is_digit(*p))
		p++;
	if (*p == '.') {
		if (!is_digit(*++p))
			return -1;
		while (is_digit(*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		if (*++p == '+' || *p == '-')
			p++;
		if (!is_digit(*p))
			return -1;
		while (is_digit(*p))
			p++;
	}
	if (*p != '\0')
		return -1;
	*out = strtod(s, &end);
	return isfinite(*out) ? 0 : -1;
}

static size_t
utf8_count(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int
email_ok(const char *s)
{
	const char	*at = strchr(s, '@'), *p, *label;
	size_t		 n;

	if (at == NULL || strchr(at + 1, '@') != NULL || at == s ||
	    at - s > 64 || strlen(at + 1) > 253 || s[0] == '.' ||
	    at[-1] == '.' || strstr(s, "..") != NULL)
		return 0;
	for (p = s; p < at; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    is_digit(*p) || strchr(".!#$%&'*+/=?^_`{|}~-", *p) != NULL))
			return 0;
	/* Labels of letters, digits and inner hyphens; two at least. */
	for (label = at + 1, n = 0;; label = p + 1, n++) {
		for (p = label; *p != '\0' && *p != '.'; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
			    *p <= 'Z') || is_digit(*p) || *p == '-'))
				return 0;
		if (p == label || p - label > 63 || *label == '-' ||
		    p[-1] == '-')
			return 0;
		if (*p == '\0')
			break;
	}
	return n >= 1;
}

static int
uuid_ok(const char *s)
{
	size_t	 i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_digit(s[i]) && !((s[i] | 0x20) >= 'a' &&
		    (s[i] | 0x20) <= 'f'))
			return 0;
	return 1;
}

/* n digits at *p into *v; moves *p. */
static int
digits(const char **p, int n, int *v)
{

	for (*v = 0; n-- > 0; (*p)++) {
		if (!is_digit(**p))
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

/* ISO 8601 / RFC 3339: YYYY-MM-DD[Thh:mm[:ss[.f+]][Z|+hh:mm]] */
static int
date_ok(const char *p)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 y, m, d, h, mi, sec, leap;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &m) ||
	    *p++ != '-' || digits(&p, 2, &d) || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return 0;
	if (*p == '\0')
		return 1;
	if ((*p != 'T' && *p != 't') || (p++, digits(&p, 2, &h)) ||
	    *p++ != ':' || digits(&p, 2, &mi) || h > 23 || mi > 59)
		return 0;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &sec) || sec > 60)
			return 0;
		if (*p == '.') {
			if (!is_digit(*++p))
				return 0;
			while (is_digit(*p))
				p++;
		}
	}
	if (*p == 'Z' || *p == 'z')
		return p[1] == '\0';
	if (*p == '+' || *p == '-') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) ||
		    h > 23 || mi > 59)
			return 0;
	}
	return *p == '\0';
}

static int
pattern_ok(const char *pattern, const char *v, char *why, size_t whylen)
{
	regex_t	 re;
	char	*anchored;
	size_t	 n = strlen(pattern) + 5;
	int	 rc;

	/* The whole value must match, not a piece of it. */
	if ((anchored = malloc(n)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return 0;
	}
	snprintf(anchored, n, "^(%s)$", pattern);
	rc = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc != 0) {
		snprintf(why, whylen, "the server's pattern is invalid");
		return 0;
	}
	rc = regexec(&re, v, 0, NULL, 0);
	regfree(&re);
	if (rc != 0)
		snprintf(why, whylen, "does not match the pattern %s",
		    pattern);
	return rc == 0;
}

static int
string_ok(const struct rv_field *f, const char *v, char *why, size_t whylen)
{
	size_t	 n = utf8_count(v);

	if (!utf8_valid(v, strlen(v))) {
		snprintf(why, whylen, "is not UTF-8");
		return 0;
	}
	if ((f->min > 0 && n < (size_t)f->min) || (f->max > 0 &&
	    n > (size_t)f->max)) {
		snprintf(why, whylen, "must be %lld to %lld characters long",
		    f->min, f->max);
		return 0;
	}
	return f->pattern == NULL || pattern_ok(f->pattern, v, why, whylen);
}

/* 1 if v passes f, else 0 with why.  A zero range means any. */
int
check_field(const struct rv_field *f, const char *v, char *why, size_t whylen)
{
	static const char *const truth[] = { "true", "false", "1", "0", "yes",
	    "no", "on", "off", NULL };
	long long	 i;
	double		 d;
	size_t		 k;
	int		 any = f->min == 0 && f->max == 0;

	switch (f->check) {
	case RV_CHECK_INT:
		if (parse_ll(v, &i) != 0) {
			snprintf(why, whylen, "must be an integer");
			return 0;
		}
		if (!any && (i < f->min || i > f->max)) {
			snprintf(why, whylen, "must be an integer from %lld to "
			    "%lld", f->min, f->max);
			return 0;
		}
		return 1;
	case RV_CHECK_NUMBER:
		if (parse_num(v, &d) != 0) {
			snprintf(why, whylen, "must be a number");
			return 0;
		}
		if (!(f->fmin == 0 && f->fmax == 0) && (d < f->fmin ||
		    d > f->fmax)) {
			snprintf(why, whylen, "must be a number from %g to %g",
			    f->fmin, f->fmax);
			return 0;
		}
		return 1;
	case RV_CHECK_BOOL:
		for (k = 0; truth[k] != NULL; k++)
			if (strcasecmp(v, truth[k]) == 0)
				return 1;
		snprintf(why, whylen, "must be true or false");
		return 0;
	case RV_CHECK_STRING:
		return string_ok(f, v, why, whylen);
	case RV_CHECK_EMAIL:
		if (email_ok(v) && (f->max <= 0 || strlen(v) <=
		    (size_t)f->max))
			return 1;
		snprintf(why, whylen, "must be an email address");
		return 0;
	case RV_CHECK_UUID:
		if (uuid_ok(v))
			return 1;
		snprintf(why, whylen, "must be a UUID");
		return 0;
	case RV_CHECK_DATE:
		if (date_ok(v))
			return 1;
		snprintf(why, whylen, "must be an ISO 8601 date "
		    "(YYYY-MM-DD, or a date-time)");
		return 0;
	case RV_CHECK_ENUM:
		for (k = 0; f->choices != NULL && f->choices[k] != NULL; k++)
			if (strcmp(v, f->choices[k]) == 0)
				return 1;
		snprintf(why, whylen, "must be one of the allowed values");
		return 0;
	default:
		snprintf(why, whylen, "has an unknown check");
		return 0;
	}
}

static void
put_jstr(struct rv_buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s != '\0'; s++)
		if (*s == '"' || *s == '\\')
			buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			buf_printf(b, "\\u%04x", (unsigned char)*s);
		else
			buf_putc(b, *s);
	buf_putc(b, '"');
}

static void
add_error(struct rv_buf *e, const char *field, const char *why)
{

	buf_puts(e, e->len == 0 ? "\"errors\":[" : ",");
	buf_puts(e, "{\"field\":");
	put_jstr(e, field);
	buf_puts(e, ",\"reason\":");
	put_jstr(e, why);
	buf_putc(e, '}');
}

int
rv_validate(struct rv_req *rq, enum rv_from from,
    const struct rv_field *fields, size_t n)
{
	struct rv_input	*in = req_input(rq);
	const char	*vals[MAX_VALUES];
	char		 why[256];
	size_t		 i, j, nv, had, bad = 0;

	if (in == NULL)
		return RV_ENOMEM;
	/* A second call goes on with the list: its ']' comes off. */
	if ((had = in->errors.len) > 0)
		in->errors.len--;
	for (i = 0; i < n; i++) {
		nv = from == RV_FROM_QUERY ? rv_query_values(rq,
		    fields[i].name, vals, MAX_VALUES) : rv_form_values(rq,
		    fields[i].name, vals, MAX_VALUES);
		if (nv == 0 && fields[i].required) {
			add_error(&in->errors, fields[i].name, "is required");
			bad++;
		}
		if (nv > MAX_VALUES)
			nv = MAX_VALUES;
		for (j = 0; j < nv; j++)
			if (!check_field(&fields[i], vals[j], why,
			    sizeof(why))) {
				add_error(&in->errors, fields[i].name, why);
				bad++;
				break;
			}
	}
	if (bad == 0 && had == 0)
		return RV_OK;
	if (buf_putc(&in->errors, ']') != RV_OK ||
	    buf_putc(&in->errors, '\0') != RV_OK) {
		buf_free(&in->errors);
		req_mark_bad(rq, 503, "out of memory validating the request");
		return RV_ENOMEM;
	}
	in->errors.len--;	/* the NUL is not part of the text */
	if (bad == 0)
		return RV_OK;
	req_mark_bad(rq, 400, "%zu field%s did not validate", bad,
	    bad == 1 ? "" : "s");
	return RV_EINVAL;
}
