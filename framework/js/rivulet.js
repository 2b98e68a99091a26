/*
 * rivulet.js: any rivulet stream as an async iterator of items.
 *
 * A dependency-free ES module for browsers (anything with fetch and
 * ReadableStream).  It reads the framing from the Content-Type and
 * decodes as the bytes arrive: Server-Sent Events (its own parser, so
 * that it can send headers and use any method), NDJSON, JSON text
 * sequences, MessagePack, a JSON array (or {"key": [...]}) parsed
 * progressively, CSV rows and text lines.
 *
 *   import { stream } from '/rivulet/rivulet.js';
 *
 *   const s = await stream('/dashboard/metrics', { format: 'sse' });
 *   if (s.error) {                    // refused: 4xx/5xx, or no network
 *     console.error(s.error.status, s.error.title, s.error.detail);
 *   } else {
 *     for await (const item of s.data) show(item);
 *     if (s.error) console.error('the stream failed:', s.error);
 *   }
 *
 * Errors, as Gravity's client shows them: s.error is null or a
 * RivuletError { status, title, detail, type, problem }.  It is set
 * before any item when the answer is not a 2xx (the problem+json body
 * is in .problem) or the request failed, and during iteration when the
 * stream sends an error item (rivulet's {"error": problem} or an SSE
 * "error" event: the stream ends there), when the bytes are not of
 * their framing, or when the connection is cut and cannot be resumed.
 * With { throwOnError: true } the iterator throws it instead.
 *
 * Items are the same as rivulet-cat prints: SSE events as
 * { event, id, retry, data } (fields that came; data parsed as JSON
 * when it is JSON), the values of NDJSON, JSON text sequences,
 * MessagePack and JSON arrays, CSV rows as arrays of strings, text
 * lines as strings, anything else as Uint8Array chunks.
 *
 * Reconnection (SSE, where the framing carries ids): when an event
 * stream is cut, or ends after events with ids, the client waits the
 * stream's retry: time (else options.retry, 3000 ms) and asks again
 * with a Last-Event-ID header; the server resumes after it, or answers
 * 204 when there is nothing more.  { reconnect: false } turns it off.
 */

const RS = '\x1e';

export class RivuletError extends Error {
	constructor(status, title, detail, problem = null) {
		super(detail ? `${title}: ${detail}` : title);
		this.name = 'RivuletError';
		this.status = status;		/* HTTP status; 0: not HTTP */
		this.title = title;
		this.detail = detail ?? null;
		this.type = problem?.type ?? null;
		this.problem = problem;		/* the problem object, if any */
	}

	static fromProblem(p, status = 0) {
		if (p === null || typeof p !== 'object')
			return new RivuletError(status, 'Error', String(p), null);
		/* A problem (RFC 9457), or a handler's own {"error": "why"}. */
		return new RivuletError(p.status ?? status,
		    p.title ?? 'Error', p.detail ??
		    (typeof p.error === 'string' ? p.error : null), p);
	}
}

class Incomplete extends Error {}
const INCOMPLETE = new Incomplete('more bytes needed');

function badFraming(what) {
	return new RivuletError(0, 'Bad framing', what);
}

/* ------------------------------------------------------------------ */
/* Framings                                                            */

const TYPES = {
	'text/event-stream': 'sse',
	'application/x-ndjson': 'ndjson',
	'application/jsonl': 'ndjson',
	'application/json-seq': 'json-seq',
	'application/json': 'json',
	'application/problem+json': 'json',
	'application/msgpack': 'msgpack',
	'text/csv': 'csv',
	'application/xml': 'text',
};

/* The framing of a Content-Type: sse ndjson json-seq json msgpack csv text bytes. */
export function framingOf(contentType) {
	const t = (contentType ?? '').split(';')[0].trim().toLowerCase();

	if (t in TYPES)
		return TYPES[t];
	if (t.startsWith('text/') || t.endsWith('+xml'))
		return 'text';
	if (t.endsWith('+json'))
		return 'json';
	return 'bytes';
}

/* Lines of text as they come; a CR at a chunk's end may start a CRLF. */
class Lines {
	constructor() {
		this.buf = '';
	}

	push(text, final) {
		const lines = [];
		let i = 0;

		this.buf += text;
		for (;;) {
			const m = /\r\n|\r|\n/g;
			m.lastIndex = i;
			const r = m.exec(this.buf);
			if (r === null)
				break;
			if (r[0] === '\r' && r.index + 1 === this.buf.length &&
			    !final)
				break;
			lines.push(this.buf.slice(i, r.index));
			i = r.index + r[0].length;
		}
		this.buf = this.buf.slice(i);
		return lines;
	}
}

function jsonOrString(s) {
	try {
		return JSON.parse(s);
	} catch {
		return s;
	}
}

/* text/event-stream, as the HTML standard's EventSource parses it. */
class SseDecoder {
	constructor() {
		this.lines = new Lines();
		this.first = true;
		this.reset();
		this.lastEventId = null;
		this.retry = null;
	}

	reset() {
		this.data = null;
		this.event = null;
		this.id = undefined;
		this.retryField = null;
	}

	field(line) {
		const c = line.indexOf(':');
		const name = c < 0 ? line : line.slice(0, c);
		let v = c < 0 ? '' : line.slice(c + 1);

		if (v.startsWith(' '))
			v = v.slice(1);
		if (name === 'data')
			this.data = this.data === null ? v : this.data + '\n' + v;
		else if (name === 'event')
			this.event = v;
		else if (name === 'id' && !v.includes('\0'))
			this.id = v;
		else if (name === 'retry' && /^[0-9]+$/.test(v))
			this.retryField = this.retry = Number(v);
	}

	dispatch(out) {
		/* What a reconnection sends, as EventSource keeps it. */
		if (this.id !== undefined)
			this.lastEventId = this.id;
		/* As EventSource: a block without data is no event. */
		if (this.data !== null) {
			const ev = {};
			if (this.event !== null)
				ev.event = this.event;
			if (this.id !== undefined)
				ev.id = this.id;
			if (this.retryField !== null)
				ev.retry = this.retryField;
			ev.data = jsonOrString(this.data);
			out.push(ev);
		}
		this.reset();
	}

	push(text, final, out) {

		if (this.first && text.length > 0) {
			if (text.charCodeAt(0) === 0xfeff)
				text = text.slice(1);
			this.first = false;
		}
		for (const line of this.lines.push(text, final)) {
			if (line === '')
				this.dispatch(out);
			else if (line[0] !== ':')
				this.field(line);
		}
		/* At the end an unfinished event is dropped, as EventSource does. */
	}
}

class NdjsonDecoder {
	constructor() {
		this.lines = new Lines();
		this.n = 0;
	}

	push(text, final, out) {
		const ls = this.lines.push(text, false);

		if (final && this.lines.buf.trim() !== '')
			ls.push(this.lines.buf);
		for (const l of ls) {
			if (l.trim() === '')
				continue;
			try {
				out.push(JSON.parse(l));
			} catch (e) {
				throw badFraming(`item ${this.n + out.length + 1}: ${e.message}`);
			}
		}
		this.n += out.length;
	}
}

/* RFC 7464: RS, JSON text, LF; a record is tried at each LF. */
class SeqDecoder {
	constructor() {
		this.buf = '';
	}

	push(text, final, out) {
		const recs = (this.buf + text).split(RS);

		if (recs[0].trim() !== '')
			throw badFraming('a record without RS before it');
		this.buf = '';
		for (let k = 1; k < recs.length; k++) {
			const r = recs[k];
			/*
			 * The last record may be a prefix of one ("12" of
			 * "123"): tried only at its LF, kept if it fails.
			 */
			if (k === recs.length - 1 && !final) {
				let v;
				if (r.endsWith('\n')) {
					try {
						v = JSON.parse(r);
					} catch {
						/* more is to come */
					}
				}
				if (v === undefined)
					this.buf = RS + r;
				else
					out.push(v);
				break;
			}
			if (r.trim() === '')
				continue;
			try {
				out.push(JSON.parse(r));
			} catch (e) {
				throw badFraming(`record: ${e.message}`);
			}
		}
	}
}

const WS = ' \t\r\n';

/*
 * The end of the JSON value at s[i]: its end index, -1 if more text is
 * needed.  Only nesting is followed; JSON.parse judges the value.
 */
function valueEnd(s, i, final) {
	let depth = 0, str = false, esc = false, k;

	if (!'{["'.includes(s[i])) {
		for (k = i; k < s.length && !',]}'.includes(s[k]) &&
		    !WS.includes(s[k]); k++)
			;
		if (k === s.length && !final)
			return -1;
		if (k === i)
			throw badFraming('a JSON value was expected');
		return k;
	}
	for (k = i; k < s.length; k++) {
		const c = s[k];
		if (str) {
			if (esc)
				esc = false;
			else if (c === '\\')
				esc = true;
			else if (c === '"') {
				str = false;
				if (depth === 0)
					return k + 1;
			}
		} else if (c === '"')
			str = true;
		else if (c === '{' || c === '[')
			depth++;
		else if ((c === '}' || c === ']') && --depth === 0)
			return k + 1;
	}
	if (final)
		throw badFraming('the JSON document is cut short');
	return -1;
}

function skipWs(s, i) {
	while (i < s.length && WS.includes(s[i]))
		i++;
	return i;
}

function parseAt(s, i, end) {
	try {
		return JSON.parse(s.slice(i, end));
	} catch (e) {
		throw badFraming(e.message);
	}
}

/*
 * application/json: the elements of a top-level array, or of the array
 * in {"key": [...]} (members after it come as {name: value}), as they
 * arrive; any other document whole, as one item.
 */
class JsonDecoder {
	constructor() {
		this.buf = '';
		this.state = 'top';
		this.env = false;
	}

	/* "name": at s[i]; [key, index of its value] or null if more is needed. */
	member(i, final) {
		const s = this.buf;

		if (s[i] !== '"')
			throw badFraming('an object member was expected');
		const e = valueEnd(s, i, final);
		if (e < 0)
			return null;
		const c = skipWs(s, e);
		if (c >= s.length)
			return null;
		if (s[c] !== ':')
			throw badFraming('":" was expected');
		const v = skipWs(s, c + 1);
		if (v >= s.length)
			return null;
		return [parseAt(s, i, e), v];
	}

	top(i, final, out) {
		const s = this.buf;

		if (s[i] === '[') {
			this.state = 'first';
			return i + 1;
		}
		if (s[i] === '{') {
			const k = skipWs(s, i + 1);
			if (k >= s.length && !final)
				return -1;
			if (s[k] === '"') {
				const m = this.member(k, final);
				if (m === null)
					return -1;
				if (s[m[1]] === '[') {
					this.env = true;
					this.state = 'first';
					return m[1] + 1;
				}
			}
		}
		return this.value(i, final, out, 'done');
	}

	/* The value at buf[i] as an item, then state; its end, or -1. */
	value(i, final, out, state) {
		const e = valueEnd(this.buf, i, final);

		if (e < 0)
			return -1;
		out.push(parseAt(this.buf, i, e));
		this.state = state;
		return e;
	}

	/* One step from s[i] (not white space): the next index, or -1. */
	step(i, final, out) {
		const s = this.buf, c = s[i];

		switch (this.state) {
		case 'top':
			return this.top(i, final, out);
		case 'first':
		case 'next':
			if (c === ']') {
				this.state = this.env ? 'objnext' : 'done';
				return i + 1;
			}
			if (this.state === 'next') {
				if (c !== ',')
					break;
				this.state = 'elem';
				return i + 1;
			}
			/* FALLTHROUGH */
		case 'elem':
			return this.value(i, final, out, 'next');
		case 'objnext':
			if (c !== ',' && c !== '}')
				break;
			this.state = c === ',' ? 'member' : 'done';
			return i + 1;
		case 'member': {
			const m = this.member(i, final);
			if (m === null)
				return -1;
			const e = valueEnd(s, m[1], final);
			if (e < 0)
				return -1;
			out.push({ [m[0]]: parseAt(s, m[1], e) });
			this.state = 'objnext';
			return e;
		}
		}
		throw badFraming(`unexpected "${c}" in the JSON stream`);
	}

	push(text, final, out) {
		let i = 0;

		this.buf += text;
		for (;;) {
			i = skipWs(this.buf, i);
			if (i >= this.buf.length)
				break;
			const n = this.step(i, final, out);
			if (n < 0)
				break;
			i = n;
		}
		this.buf = this.buf.slice(i);
		if (final && this.state !== 'done' &&
		    (this.state !== 'top' || this.buf !== ''))
			throw badFraming('the JSON document is cut short');
	}
}

/* text/csv (RFC 4180): each record as an array of its fields. */
class CsvDecoder {
	constructor() {
		this.buf = '';
	}

	static row(rec) {
		const fields = [];
		let i = 0;

		for (;;) {
			let f = '';
			if (rec[i] === '"') {
				for (i++; ; i++) {
					if (i >= rec.length)
						throw badFraming('an unterminated CSV quote');
					if (rec[i] === '"') {
						if (rec[i + 1] !== '"')
							break;
						i++;
					}
					f += rec[i];
				}
				i++;
				if (i < rec.length && rec[i] !== ',')
					throw badFraming('junk after a closing CSV quote');
			} else {
				const e = rec.indexOf(',', i);
				f = rec.slice(i, e < 0 ? rec.length : e);
				i = e < 0 ? rec.length : e;
			}
			fields.push(f);
			if (i >= rec.length)
				return fields;
			i++;		/* the comma */
		}
	}

	push(text, final, out) {
		let start = 0, q = false, i;

		this.buf += text;
		for (i = 0; i < this.buf.length; i++) {
			const c = this.buf[i];
			if (c === '"')
				q = !q;
			else if (!q && (c === '\n' || c === '\r')) {
				if (c === '\r' && i + 1 === this.buf.length && !final)
					break;
				out.push(CsvDecoder.row(this.buf.slice(start, i)));
				if (c === '\r' && this.buf[i + 1] === '\n')
					i++;
				start = i + 1;
			}
		}
		this.buf = this.buf.slice(start);
		if (final && this.buf !== '') {
			out.push(CsvDecoder.row(this.buf));
			this.buf = '';
		}
	}
}

class TextDecoderLines {
	constructor() {
		this.lines = new Lines();
	}

	push(text, final, out) {
		out.push(...this.lines.push(text, final));

		if (final && this.lines.buf !== '')
			out.push(this.lines.buf);
	}
}

/* ------------------------------------------------------------------ */
/* MessagePack                                                          */

const utf8 = new TextDecoder();

/* One value of b from pos: [value, next pos]; throws INCOMPLETE. */
function mpValue(b, dv, pos) {
	const need = (n) => {
		if (pos + n > b.length)
			throw INCOMPLETE;
	};
	const bytes = (n) => {
		need(n);
		pos += n;
		return b.slice(pos - n, pos);
	};
	/* n-byte big-endian integers, signed or not */
	const getters = {
		false: { 1: 'getUint8', 2: 'getUint16', 4: 'getUint32', 8: 'getBigUint64' },
		true: { 1: 'getInt8', 2: 'getInt16', 4: 'getInt32', 8: 'getBigInt64' },
	};
	const num = (n, signed) => {
		need(n);
		pos += n;
		return dv[getters[signed][n]](pos - n);
	};
	const uint = (n) => num(n, false);
	const int = (n) => num(n, true);
	const big = (v) => v >= BigInt(Number.MIN_SAFE_INTEGER) &&
	    v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
	const str = (n) => utf8.decode(bytes(n));
	const arr = (n) => {
		const a = [];
		for (let k = 0; k < n; k++)
			a.push(one());
		return a;
	};
	const map = (n) => {
		const o = {};
		for (let k = 0; k < n; k++) {
			const key = String(one());
			/* "__proto__" is a key like any other here. */
			Object.defineProperty(o, key, { value: one(),
			    enumerable: true, writable: true,
			    configurable: true });
		}
		return o;
	};
	const ext = (n) => {
		const type = int(1);
		return { type, data: bytes(n) };
	};
	const one = () => {
		const t = uint(1);

		if (t < 0x80)
			return t;
		if (t < 0x90)
			return map(t & 0x0f);
		if (t < 0xa0)
			return arr(t & 0x0f);
		if (t < 0xc0)
			return str(t & 0x1f);
		if (t >= 0xe0)
			return t - 0x100;
		switch (t) {
		case 0xc0: return null;
		case 0xc2: return false;
		case 0xc3: return true;
		case 0xc4: return bytes(uint(1));
		case 0xc5: return bytes(uint(2));
		case 0xc6: return bytes(uint(4));
		case 0xc7: return ext(uint(1));
		case 0xc8: return ext(uint(2));
		case 0xc9: return ext(uint(4));
		case 0xca: need(4); pos += 4; return dv.getFloat32(pos - 4);
		case 0xcb: need(8); pos += 8; return dv.getFloat64(pos - 8);
		case 0xcc: return uint(1);
		case 0xcd: return uint(2);
		case 0xce: return uint(4);
		case 0xcf: return big(uint(8));
		case 0xd0: return int(1);
		case 0xd1: return int(2);
		case 0xd2: return int(4);
		case 0xd3: return big(int(8));
		case 0xd4: return ext(1);
		case 0xd5: return ext(2);
		case 0xd6: return ext(4);
		case 0xd7: return ext(8);
		case 0xd8: return ext(16);
		case 0xd9: return str(uint(1));
		case 0xda: return str(uint(2));
		case 0xdb: return str(uint(4));
		case 0xdc: return arr(uint(2));
		case 0xdd: return arr(uint(4));
		case 0xde: return map(uint(2));
		case 0xdf: return map(uint(4));
		default:
			throw badFraming(`0x${t.toString(16)} is not MessagePack`);
		}
	};
	const v = one();
	return [v, pos];
}

class MsgpackDecoder {
	constructor() {
		this.buf = new Uint8Array(0);
	}

	push(chunk, final, out) {
		let pos = 0;

		if (chunk.length > 0) {
			const b = new Uint8Array(this.buf.length + chunk.length);
			b.set(this.buf);
			b.set(chunk, this.buf.length);
			this.buf = b;
		}
		const dv = new DataView(this.buf.buffer, this.buf.byteOffset,
		    this.buf.byteLength);
		while (pos < this.buf.length) {
			try {
				const [v, next] = mpValue(this.buf, dv, pos);
				out.push(v);
				pos = next;
			} catch (e) {
				if (e !== INCOMPLETE)
					throw e;
				if (final)
					throw badFraming(`value ${out.length + 1}: truncated`);
				break;
			}
		}
		this.buf = this.buf.slice(pos);
	}
}

class BytesDecoder {
	push(chunk, final, out) {
		if (chunk.length > 0)
			out.push(chunk);
	}
}

const TEXT_DECODERS = {
	sse: SseDecoder,
	ndjson: NdjsonDecoder,
	'json-seq': SeqDecoder,
	json: JsonDecoder,
	csv: CsvDecoder,
	text: TextDecoderLines,
};

/*
 * A decoder for a framing: push(Uint8Array) and end() give the items
 * that are complete.  On bad framing the items before the fault still
 * come out; the next call then throws the RivuletError (after end(),
 * fault() has it).
 */
export function decoder(framing) {
	const bin = framing === 'msgpack' || framing === 'bytes';
	const d = framing === 'msgpack' ? new MsgpackDecoder() :
	    framing === 'bytes' ? new BytesDecoder() :
	    new TEXT_DECODERS[framing]();
	const td = new TextDecoder('utf-8');
	let fault = null;
	const call = (b, final) => {
		const out = [];

		if (fault !== null)
			throw fault;
		try {
			d.push(bin ? b : td.decode(b, { stream: !final }), final,
			    out);
		} catch (e) {
			if (!(e instanceof RivuletError))
				throw e;
			fault = e;
			if (out.length === 0)
				throw e;
		}
		return out;
	};

	return {
		inner: d,
		push: (b) => call(b, false),
		end: () => call(new Uint8Array(0), true),
		fault: () => fault,	/* the error end() had items before */
	};
}

/* ------------------------------------------------------------------ */
/* The stream                                                           */

/* rivulet's error items: {"error": problem}, or an SSE "error" event. */
function errorOf(item, framing) {
	if (item === null || typeof item !== 'object' || Array.isArray(item) ||
	    item instanceof Uint8Array)
		return null;
	if (framing === 'sse' || 'event' in item)
		return item.event === 'error' ?
		    RivuletError.fromProblem(item.data) : null;
	const keys = Object.keys(item);
	if (keys.length === 1 && keys[0] === 'error')
		return RivuletError.fromProblem(item.error);
	return null;
}

const sleep = (ms, signal) => new Promise((resolve) => {
	const t = setTimeout(resolve, ms);
	signal.addEventListener('abort', () => {
		clearTimeout(t);
		resolve();
	}, { once: true });
});

const ACCEPT = 'text/event-stream, application/x-ndjson;q=0.9, ' +
    'application/msgpack;q=0.8, application/json;q=0.7, ' +
    'application/json-seq;q=0.6, */*;q=0.1';

export class RivuletStream {
	constructor(url, opts) {
		this.url = new URL(url, globalThis.location?.href);
		if (opts.format)
			this.url.searchParams.set('format', opts.format);
		this.opts = opts;
		this.status = 0;
		this.headers = null;
		this.framing = null;
		this.error = null;
		this.lastEventId = opts.lastEventId ?? null;
		this.retry = opts.retry ?? 3000;
		this.reconnects = 0;
		this.ac = new AbortController();
		opts.signal?.addEventListener('abort', () => this.close(),
		    { once: true });
		this.res = null;
		this.over = false;
		this.data = { [Symbol.asyncIterator]: () => this.items() };
	}

	[Symbol.asyncIterator]() {
		return this.items();
	}

	/* Hang up: the iteration ends, the server sees the client leave. */
	close() {
		this.ac.abort();
	}

	get closed() {
		return this.ac.signal.aborted;
	}

	/* One request; sets res, or error; false if it failed to connect. */
	async request() {
		const h = new Headers(this.opts.headers ?? {});

		if (!h.has('Accept'))
			h.set('Accept', this.opts.accept ?? ACCEPT);
		if (this.lastEventId !== null)
			h.set('Last-Event-ID', this.lastEventId);
		let res;
		try {
			res = await (this.opts.fetch ?? fetch)(this.url, {
				method: this.opts.method ?? 'GET',
				headers: h,
				body: this.opts.body,
				cache: 'no-store',
				signal: this.ac.signal,
			});
		} catch (e) {
			if (!this.closed)
				this.error = new RivuletError(0,
				    'Network error', e.message);
			return false;
		}
		this.status = res.status;
		this.headers = res.headers;
		this.error = null;
		if (!res.ok) {
			const text = await res.text().catch(() => '');
			const p = jsonOrString(text);
			this.error = typeof p === 'object' && p !== null ?
			    RivuletError.fromProblem(p, res.status) :
			    new RivuletError(res.status, res.statusText, text);
			return true;
		}
		this.framing = framingOf(res.headers.get('Content-Type'));
		/* 204: nothing (more) to send; EventSource stops there too. */
		this.over = res.status === 204;
		this.res = this.over ? null : res;
		return true;
	}

	fail(e) {
		this.error = e;
		this.close();
		if (this.opts.throwOnError)
			throw e;
	}

	/* Items of the current response; 'cut' if the connection broke. */
	async *read() {
		const dec = decoder(this.framing);
		const reader = this.res.body.getReader();

		for (;;) {
			let r;
			try {
				r = await reader.read();
			} catch (e) {
				return this.closed ? 'closed' : 'cut';
			}
			const items = r.done ? dec.end() : dec.push(r.value);
			if (this.framing === 'sse') {
				this.lastEventId = dec.inner.lastEventId ??
				    this.lastEventId;
				this.retry = dec.inner.retry ?? this.retry;
			}
			for (const it of items) {
				const e = errorOf(it, this.framing);
				if (e !== null) {
					this.fail(e);
					return 'error';
				}
				yield it;
			}
			if (r.done) {
				if (dec.fault() !== null)
					throw dec.fault();
				return 'end';
			}
		}
	}

	/* Come back with Last-Event-ID; false when the stream is over. */
	async resume(how) {
		const max = this.opts.maxRetries ?? 10;

		if (this.framing !== 'sse' || this.opts.reconnect === false ||
		    (how === 'end' && this.lastEventId === null))
			return false;
		for (let k = 0; k < max; k++) {
			await sleep(this.retry, this.ac.signal);
			if (this.closed)
				return false;
			this.reconnects++;
			if (await this.request())
				return this.error === null && this.res !== null;
		}
		return false;
	}

	async *items() {
		try {
			while (this.res !== null && !this.closed) {
				let how;
				try {
					how = yield* this.read();
				} catch (e) {
					if (!(e instanceof RivuletError))
						throw e;
					this.fail(e);
					return;
				}
				this.res = null;
				if (how === 'error' || how === 'closed')
					return;
				if (!(await this.resume(how))) {
					if (this.error !== null)
						this.fail(this.error);
					else if (how === 'cut' && !this.over)
						this.fail(new RivuletError(0,
						    'Stream cut',
						    'the connection closed in the middle of the stream'));
					return;
				}
			}
		} finally {
			this.close();
		}
	}
}

/*
 * Ask for a stream.  Options: format (adds ?format=, which the server
 * obeys before Accept), accept (default: SSE, then NDJSON, MessagePack,
 * JSON), headers, method, body, signal (an AbortSignal: hang up),
 * retry (ms before a reconnection unless the stream says), reconnect
 * (default true), maxRetries (failed reconnections in a row, 10),
 * lastEventId (to resume from), throwOnError, fetch.  Resolves once the answer's head is
 * in: check .error, then iterate .data (or the stream itself).
 */
export async function stream(url, opts = {}) {
	const s = new RivuletStream(url, opts);

	await s.request();
	if (s.error !== null)
		s.close();
	return s;
}

export default stream;
