/*
 * stocks.c: GET /stocks/{symbol}/stream: "price-update" events for a
 * known symbol, when the price moves; an unknown one is a 400 before
 * the stream starts.  Prices walk randomly, per stream.
 */
#include <stdlib.h>
#include <string.h>

#include "demo.h"

static const struct {
	const char	*symbol;
	double		 start;
} symbols[] = {
	{ "AAPL", 189.50 }, { "AMZN", 178.25 }, { "GOOG", 141.80 },
	{ "MSFT", 415.10 }, { "NVDA", 875.30 }, { "TSLA", 175.40 },
};

/* The next price: a step of up to 0.5% either way, in cents. */
static double
step(double price, unsigned *seed)
{
	double	 r = (double)rand_r(seed) / RAND_MAX - 0.5;
	long	 cents = (long)(price * (1.0 + r / 100.0) * 100.0 + 0.5);

	return (double)cents / 100.0;
}

int
demo_stocks(struct rv_req *rq)
{
	const char		*sym = rv_param(rq, "symbol");
	long			 ms = rv_query_range(rq, "interval_ms", 30000,
	    50, 3600000);
	struct rv_stream	*s = rv_open(rq, RV_SSE " ndjson");
	double			 price = 0, last = 0;
	unsigned		 seed = (unsigned)demo_now_ms();
	size_t			 i;

	for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++)
		if (strcmp(symbols[i].symbol, sym) == 0)
			price = symbols[i].start;
	if (price == 0)
		return rv_error(s, 400, "Invalid stock symbol",
		    "unknown symbol '%s'; known: AAPL AMZN GOOG MSFT NVDA TSLA",
		    sym);
	rv_retry(s, 10000);
	do {
		if (price == last)
			continue;
		rv_event(s, "price-update", rv_fmt(s, "%s-%lld", sym,
		    (long long)demo_now_ms()));
		if (rv_packf(s, "{s:s,s:f,s:f,s:f,s:I}", "symbol", sym,
		    "price", price, "change", last ? price - last : 0.0,
		    "changePercent", last ? (price - last) / last * 100 : 0.0,
		    "timestamp", (long long)demo_now_ms()) != 0)
			break;
		last = price;
	} while (rv_sleep(s, (unsigned long)ms) == 0 &&
	    (price = step(price, &seed)) > 0);
	return rv_close(s);
}
