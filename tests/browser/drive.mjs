/*
 * drive.mjs BASE-URL SCREENSHOT: the demo page in headless Chromium.
 *
 * Debian's /usr/bin/chromium (CHROMIUM overrides), driven by
 * playwright-core: never a downloaded browser.  Prints one "ok - ..." /
 * "not ok - ..." line per check (t_browser.sh counts them) and exits
 * 1 if any failed.
 */
import { chromium } from 'playwright-core';

const [base, shot] = process.argv.slice(2);
let failed = 0;

function check(name, cond, got) {
	if (cond) {
		console.log(`ok - ${name}`);
		return;
	}
	failed++;
	console.log(`not ok - ${name} (got ${JSON.stringify(got)?.slice(0, 400)})`);
}

/* Every panel of the page: its counts, status and rendered items. */
function panels() {
	return Object.fromEntries([...document.querySelectorAll('section')]
	    .map((s) => [s.id, {
		count: Number(s.dataset.count),
		reconnects: Number(s.dataset.reconnects ?? 0),
		status: s.querySelector('[data-status]').textContent,
		cls: s.querySelector('[data-status]').className,
		items: [...s.querySelectorAll('li')].map((li) => li.textContent),
		view: s.querySelector('[data-view]')?.textContent ?? '',
	    }]));
}

/* All panels have what the checks look at (or 45 s passed). */
function settled() {
	const n = (id) => Number(document.getElementById(id).dataset.count);
	const st = (id) => document.querySelector(`#${id} [data-status]`)
	    .className;

	return n('dashboard') >= 2 && n('stocks') >= 2 &&
	    st('counter').includes('ended') && st('dogs').includes('ended') &&
	    st('data').includes('ended') && st('failing').includes('error');
}

/* What the module itself exposes, run inside the page. */
async function moduleErrors() {
	const { stream, RivuletError } = await import('/rivulet/rivulet.js');
	const out = {};

	const bad = await stream('/stocks/NOPE/stream');
	out.refused = [bad.error?.status, bad.error?.title,
	    bad.error instanceof RivuletError];
	const missing = await stream('/no/such/route');
	out.missing = missing.error?.status;

	const f = await stream('/stream-with-errors?interval_ms=50&fail_at=3');
	const items = [];
	for await (const it of f.data)
		items.push(it.data.attempt);
	out.failing = [items, f.error?.title];

	const t = await stream('/stream-with-errors?interval_ms=50&fail_at=2',
	    { throwOnError: true });
	try {
		for await (const it of t)
			void it;
		out.thrown = 'nothing thrown';
	} catch (e) {
		out.thrown = e.name;
	}

	/* A consumer that leaves early hangs up. */
	const d = await stream('/api/json_stream', { format: 'ndjson' });
	for await (const it of d) {
		out.first = it;
		break;
	}
	out.closed = d.closed;
	return out;
}

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	headless: true,
	/* root in a container: no setuid sandbox; no GPU */
	args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
	const page = await browser.newPage({
	    viewport: { width: 1280, height: 1000 } });
	const pageErrors = [];
	const lastIds = [];

	page.on('pageerror', (e) => pageErrors.push(e.message));
	page.on('request', (r) => {
		if (new URL(r.url()).pathname === '/events')
			lastIds.push(r.headers()['last-event-id'] ?? null);
	});
	await page.goto(`${base}/rivulet/demo.html?interval_ms=300`);
	const ready = await page.waitForFunction(settled, null,
	    { timeout: 45000, polling: 200 }).then(() => true, () => false);
	check('the page settles within 45 s', ready, await page.evaluate(panels));
	const p = await page.evaluate(panels);

	/* Live items rendered: SSE and NDJSON */
	check('SSE (dashboard): live, items rendered',
	    p.dashboard.cls.includes('live') && p.dashboard.status === 'live (sse)' &&
	    p.dashboard.items.length >= 2 &&
	    p.dashboard.items.every((i) => i.includes('"event":"metrics"')),
	    p.dashboard);
	check('SSE (dashboard): the metrics shown', /^CPU [0-9.]+%/.test(
	    p.dashboard.view), p.dashboard.view);
	check('NDJSON (stocks): live, items rendered',
	    p.stocks.status === 'live (ndjson)' && p.stocks.items.length >= 2 &&
	    p.stocks.items.every((i) => i.includes('"event":"price-update"')),
	    p.stocks);
	check('NDJSON (stocks): the price shown', /^AAPL [0-9]+\.[0-9]{2} /
	    .test(p.stocks.view), p.stocks.view);

	/* Reconnection with Last-Event-ID */
	const ids = p.counter.items.map((i) => JSON.parse(i).id);
	check('SSE resumes: msg-1..msg-10 once each, in order',
	    ids.join(' ') === Array.from({ length: 10 },
	    (_, k) => `msg-${k + 1}`).join(' '), ids);
	check('SSE resumes: Last-Event-ID sent on each reconnection',
	    JSON.stringify(lastIds) ===
	    JSON.stringify([null, 'msg-3', 'msg-6', 'msg-9', 'msg-10']), lastIds);
	check('SSE resumes: ends at the 204, after 4 reconnections',
	    p.counter.status === 'ended after 10 items, 4 reconnections',
	    p.counter.status);

	/* The other framings */
	check('MessagePack: the ten dogs', p.dogs.status ===
	    'ended after 10 items' && p.dogs.items[9] ===
	    '{"name":"Dog 9","age":9}', p.dogs);
	check('JSON document: its array item by item', p.data.status ===
	    'ended after 5 items' && JSON.parse(p.data.items[4]).id === 5,
	    p.data);
	check('an error event: shown as the error, after the items',
	    p.failing.count === 2 && p.failing.cls.includes('error') &&
	    p.failing.status.includes('failed'), p.failing);

	const m = await page.evaluate(moduleErrors);
	check('a 400 before the stream: s.error with the problem',
	    JSON.stringify(m.refused) ===
	    '[400,"Invalid stock symbol",true]', m.refused);
	check('a 404: s.error.status', m.missing === 404, m.missing);
	check('an error item: items, then s.error',
	    JSON.stringify(m.failing[0]) === '[1,2]' &&
	    m.failing[1] === 'Data processing failed', m.failing);
	check('throwOnError: the iterator throws a RivuletError',
	    m.thrown === 'RivuletError', m.thrown);
	check('leaving the loop early hangs up', m.closed === true &&
	    m.first?.name === 'Dog 0', m);
	/* Chat through a channel: sent from one page, seen by both. */
	const other = await browser.newPage();
	await other.goto(`${base}/rivulet/demo.html?interval_ms=300`);
	const live = (pg) => pg.waitForFunction(() => document.querySelector(
	    '#chat [data-status]').textContent === 'live (sse)', null,
	    { timeout: 15000 }).then(() => true, () => false);
	check('chat: both pages subscribed', await live(page) &&
	    await live(other), null);
	await page.fill('#chat-name', 'ann');
	await page.fill('#chat-text', 'hello from the browser');
	await page.click('#chat-form button');
	const seen = (pg) => pg.waitForFunction(() => document.querySelector(
	    '#chat [data-view]').textContent ===
	    'ann: hello from the browser', null, { timeout: 10000 })
	    .then(() => true, () => false);
	check('chat: the message shown on the page that sent it',
	    await seen(page), await page.evaluate(panels));
	check('chat: and on the other page', await seen(other),
	    await other.evaluate(panels));
	await other.close();
	check('no errors in the page', pageErrors.length === 0, pageErrors);

	await page.screenshot({ path: shot, fullPage: true });
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
