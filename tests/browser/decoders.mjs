/*
 * decoders.mjs RIVULET-JS: rivulet.js's decoders under node, with no
 * browser: each body decoded whole, a byte at a time and split at every
 * point must give the same items, and bad bodies must be refused every
 * way.  The cases are tests/unit/test_catdec.c's (rivulet-cat's
 * decoders), so both clients read a stream alike.  Prints "ok - " /
 * "not ok - " lines.
 */
import { pathToFileURL } from 'node:url';

const { decoder, framingOf, RivuletError } = await import(
    pathToFileURL(process.argv[2]).href);
let failed = 0;

function latin1(s) {
	return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/* The items of body fed in the given pieces, "BAD" after them if refused. */
function run(framing, bytes, pieces) {
	const d = decoder(framing);
	const out = [];
	let off = 0;

	try {
		for (const n of pieces) {
			out.push(...d.push(bytes.slice(off, off + n)));
			off += n;
		}
		out.push(...d.end());
		if (d.fault() !== null)
			throw d.fault();
	} catch (e) {
		if (!(e instanceof RivuletError))
			throw e;
		out.push('BAD');
	}
	return JSON.stringify(out, (k, v) => v instanceof Uint8Array ?
	    Buffer.from(v).toString('base64') : v);
}

function expect(framing, body, want, name) {
	const b = typeof body === 'string' ? latin1(body) : body;
	const w = JSON.stringify(want);
	const ways = [[b.length], Array(b.length).fill(1)];

	for (let k = 1; k < b.length; k++)
		ways.push([k, b.length - k]);
	const bad = ways.map((p) => [p, run(framing, b, p)])
	    .filter(([, got]) => got !== w);
	if (bad.length === 0)
		console.log(`ok - ${framing}: ${name}`);
	else {
		failed++;
		console.log(`not ok - ${framing}: ${name} (pieces ${bad[0][0]
		    .slice(0, 3)}: got ${bad[0][1]}, want ${w})`);
	}
}

expect('sse', 'retry: 1000\nid: a\nevent: e\ndata: {"x":1}\n\n' +
    ': a comment\n\ndata: line1\r\ndata: line2\r\n\r\n' +
    'data:caf\xc3\xa9\r\rdata: cut short',
    [{ event: 'e', id: 'a', retry: 1000, data: { x: 1 } },
    { data: 'line1\nline2' }, { data: 'caf\u00e9' }], 'fields, CR/LF, UTF-8');
expect('ndjson', '{"a":[1,2]}\n\n  \n"s\\n"\r\n3', [{ a: [1, 2] }, 's\n', 3],
    'values, blank lines, no last LF');
expect('ndjson', '1\n{bad\n2\n', [1, 'BAD'], 'a bad line');
expect('json-seq', '\x1e{"a":1}\n\x1e123\n\x1e"x"\n\x1e\n',
    [{ a: 1 }, 123, 'x'], 'records ("12" of "123" waits for its LF)');
expect('json-seq', '\x1e{\n"a":\n1}\n', [{ a: 1 }], 'a record over lines');
expect('json-seq', 'x\x1e1\n', ['BAD'], 'junk before RS');
expect('json', ' [ 1 , {"k":"a]}\\""}, [2,[3]], "s", true,null ] \n',
    [1, { k: 'a]}"' }, [2, [3]], 's', true, null], 'an array');
expect('json', '{"items": [1, 2], "total": 2, "more": {"x": [1]}}',
    [1, 2, { total: 2 }, { more: { x: [1] } }], 'an envelope');
expect('json', '{"a": 1, "b": [1]}', [{ a: 1, b: [1] }], 'a document');
expect('json', '[]', [], 'an empty array');
expect('json', '[1,2', [1, 2, 'BAD'], 'cut short');
expect('json', '[1 2]', [1, 'BAD'], 'no comma');
expect('json', '[1,]', [1, 'BAD'], 'a trailing comma');
expect('json', '[1] x', [1, 'BAD'], 'junk after');
expect('msgpack', '\x82\xa1a\x95\x01\xff\xcb\x3f\xf8\0\0\0\0\0\0' +
    '\xc0\xc3\xa1b\xc4\x02\x00\xff\xcd\x01\x2c',
    [{ a: [1, -1, 1.5, null, true], b: 'AP8=' }, 300], 'values');
expect('msgpack', '\x01\xc1', [1, 'BAD'], 'not MessagePack');
expect('msgpack', '\x01\x92\x01', [1, 'BAD'], 'truncated');
expect('csv', 'id,name\r\n1,"a, ""b""\r\nc"\r\n2,x',
    [['id', 'name'], ['1', 'a, "b"\r\nc'], ['2', 'x']], 'quoted rows');
expect('csv', '"open\n', ['BAD'], 'an open quote');
expect('text', 'one\ntwo\r\nthree', ['one', 'two', 'three'], 'lines');

const types = [['text/event-stream; charset=utf-8', 'sse'],
    ['application/x-ndjson', 'ndjson'], ['application/msgpack', 'msgpack'],
    ['application/problem+json', 'json'], ['text/csv', 'csv'],
    ['image/png', 'bytes'], [null, 'bytes']];
const wrong = types.filter(([t, f]) => framingOf(t) !== f);
console.log(`${wrong.length ? 'not ok' : 'ok'} - framingOf` +
    (wrong.length ? ` (${JSON.stringify(wrong)})` : ''));
process.exit(failed || wrong.length ? 1 : 0);
