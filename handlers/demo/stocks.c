/*
 * stocks.c: GET /stocks/{symbol}/stream?interval_ms=: "price-update"
 * events for a known symbol, sent when its price has moved; an unknown
 * symbol is a 400 before the stream starts.
 *
 * Without ?interval_ms=, the stream subscribes to the channel "stocks"
 * / SYMBOL that live.c's one thread publishes to: every client then
 * sees the same prices, with ids to resume from.
 *
 * Prices are a random walk in whole cents from a fixed start.  The
 * generator is seeded from the symbol, so the walk is the same on every
 * run (tests can rely on it), and its state lives on the handler's
 * stack: concurrent streams share nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

static const struct {
	const char	*symbol;
	long		 cents;		/* opening price */
} symbols[] = {
	{ "AAPL", 18950 }, { "AMZN", 17825 }, { "GOOG", 14180 },
	{ "META", 48420 }, { "MSFT", 41510 }, { "NVDA", 87530 },
	{ "TSLA", 17540 },
};

struct walk {
	long		 cents;
	uint64_t	 rng;		/* xorshift64 state, never 0 */
};

static uint64_t
next_rand(struct walk *w)
{

	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

/* One tick: a third of the time no trade, else up to 0.5% either way. */
static void
walk_step(struct walk *w)
{
	uint64_t	 r = next_rand(w);
	long		 max = w->cents / 200 > 0 ? w->cents / 200 : 1;
	long		 d;

	if (r % 3 == 0)
		return;
	d = 1 + (long)((r >> 8) % (uint64_t)max);
	if (((r >> 4) & 1) && w->cents - d > 0)
		d = -d;
	w->cents += d;
}

static int
walk_init(struct walk *w, const char *symbol)
{
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */
	size_t		 i;
	const char	*p;

	for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++)
		if (strcmp(symbols[i].symbol, symbol) == 0)
			break;
	if (i == sizeof(symbols) / sizeof(symbols[0]))
		return -1;
	for (p = symbol; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	w->rng = h != 0 ? h : 1;
	w->cents = symbols[i].cents;
	return 0;
}

/* The change from last to now in percent, to four decimals. */
static double
percent(long now, long last)
{

	return (double)(long long)((now - last) * 1000000.0 / last) / 10000.0;
}

#define NSYMBOLS	(sizeof(symbols) / sizeof(symbols[0]))

struct demo_market {
	struct walk	 w[NSYMBOLS];
	long		 last[NSYMBOLS];
};

static int
publish_price(struct rv_server *srv, const char *sym, long cents, long last)
{

	return rv_server_publishf(srv, "stocks", sym, "price-update",
	    "{s:s,s:f,s:f,s:f,s:I}", "symbol", sym, "price", cents / 100.0,
	    "change", last ? (cents - last) / 100.0 : 0.0,
	    "changePercent", last ? percent(cents, last) : 0.0,
	    "timestamp", (long long)demo_now_ms());
}

struct demo_market *
demo_market_new(void)
{
	struct demo_market	*mk;
	size_t			 i;

	if ((mk = calloc(1, sizeof(*mk))) == NULL)
		return NULL;
	for (i = 0; i < NSYMBOLS; i++)
		(void)walk_init(&mk->w[i], symbols[i].symbol);
	return mk;
}

/* One tick of every symbol: a price-update for those that moved. */
void
demo_market_tick(struct demo_market *mk, struct rv_server *srv)
{
	size_t	 i;

	for (i = 0; i < NSYMBOLS; i++) {
		if (mk->w[i].cents != mk->last[i] &&
		    publish_price(srv, symbols[i].symbol, mk->w[i].cents,
		    mk->last[i]) == RV_OK)
			mk->last[i] = mk->w[i].cents;
		walk_step(&mk->w[i]);
	}
}

void
demo_market_free(struct demo_market *mk)
{

	free(mk);
}

int
demo_stocks(struct rv_req *rq)
{
	const char		*sym = rv_param(rq, "symbol");
	long			 ms = rv_query_range(rq, "interval_ms", 30000,
	    50, 3600000);
	struct rv_stream	*s = rv_open(rq, RV_SSE " ndjson");
	struct walk		 w;
	long			 last = 0;	/* cents; 0: none sent yet */

	if (walk_init(&w, sym) != 0) {
		rv_error(s, 400, "Invalid stock symbol", "'%.32s' is not one "
		    "of AAPL AMZN GOOG META MSFT NVDA TSLA", sym);
		return rv_close(s);
	}
	rv_retry(s, 10000);
	if (rv_query(rq, "interval_ms", NULL) == NULL) {
		if (demo_live_start(rq) != RV_OK ||
		    rv_subscribe(s, "stocks", sym) != RV_OK)
			return rv_close(s);
		return RV_OK;
	}
	for (;; walk_step(&w)) {
		if (w.cents != last) {	/* only when the price moved */
			rv_event(s, "price-update", rv_fmt(s, "%s-%lld", sym,
			    (long long)demo_now_ms()));
			if (rv_packf(s, "{s:s,s:f,s:f,s:f,s:I}", "symbol", sym,
			    "price", w.cents / 100.0,
			    "change", last ? (w.cents - last) / 100.0 : 0.0,
			    "changePercent", last ? percent(w.cents, last) : 0.0,
			    "timestamp", (long long)demo_now_ms()) != 0)
				break;
			last = w.cents;
		}
		if (rv_sleep(s, (unsigned long)ms) != 0)
			break;
	}
	return rv_close(s);
}
