/* err.c: names for enum rv_err. */
#include <stddef.h>

#include "internal.h"

/* Indexed by the enum; a slot left NULL reads as "unknown error". */
static const char *const rv_errs[RV_ERR__MAX] = {
	[RV_OK] = "success",
	[RV_EGONE] = "the client has left",
	[RV_ECLOSED] = "the stream has ended",
	[RV_ESTATE] = "call out of order",
	[RV_EINVAL] = "invalid argument",
	[RV_EUTF8] = "text is not valid UTF-8",
	[RV_ETYPE] = "the framing cannot carry this item",
	[RV_ETOOBIG] = "over a size or depth limit",
	[RV_ENOMEM] = "out of memory",
	[RV_EIO] = "input/output error",
	[RV_ESHUTDOWN] = "the server is stopping",
	[RV_ENOTFOUND] = "not found",
	[RV_EABI] = "built for another ABI",
	[RV_EBUSY] = "over a concurrency limit: try again later",
};

const char *
rv_strerror(enum rv_err e)
{

	if ((unsigned)e >= RV_ERR__MAX || rv_errs[e] == NULL)
		return "unknown error";
	return rv_errs[e];
}
