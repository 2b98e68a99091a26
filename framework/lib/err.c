/* err.c: names for enum rv_err. */
#include "internal.h"

static const char *const rv_errs[RV_ERR__MAX] = {
	"success",				/* RV_OK */
	"the client has left",			/* RV_EGONE */
	"the stream has ended",			/* RV_ECLOSED */
	"call out of order",			/* RV_ESTATE */
	"invalid argument",			/* RV_EINVAL */
	"text is not valid UTF-8",		/* RV_EUTF8 */
	"the framing cannot carry this item",	/* RV_ETYPE */
	"over a size or depth limit",		/* RV_ETOOBIG */
	"out of memory",			/* RV_ENOMEM */
	"input/output error",			/* RV_EIO */
	"the server is stopping",		/* RV_ESHUTDOWN */
	"not found",				/* RV_ENOTFOUND */
	"built for another ABI",		/* RV_EABI */
};

const char *
rv_strerror(enum rv_err e)
{

	if ((unsigned)e >= RV_ERR__MAX)
		return "unknown error";
	return rv_errs[e];
}
