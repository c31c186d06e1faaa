// gen.js writes ../vectors/*.json: signature vectors computed by the providers'
// own SDK code (versions pinned in package.json and package-lock.json).
//
//   cd testdata/gen && npm ci && node gen.js
//
// No signing algorithm is re-implemented here. Plivo's SDK exports only
// validators, so each signature is the digest the SDK itself computes inside
// its validator, captured from node's crypto module, and then confirmed by
// calling the same validator with it. Twilio's signatures come from its
// exported getExpectedTwilioSignature. Every vector records what the SDK's
// validator answers (sdk_valid) and what this project must answer
// (expect_valid); they differ only where this project follows another SDK or
// a stricter rule (security/json.go, security/url.go), and "follows" says
// which and why.
//
// Inputs come from a seeded generator, so the output is the same on every run.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

// Capture every HMAC digest the SDKs compute.
const realCreateHmac = crypto.createHmac;
let digests = [];
crypto.createHmac = function (...args) {
  const h = realCreateHmac.apply(crypto, args);
  const digest = h.digest.bind(h);
  h.digest = (enc) => {
    const d = digest(enc);
    digests.push(typeof d === 'string' ? d : d.toString('base64'));
    return d;
  };
  return h;
};
function captured(fn) {
  digests = [];
  fn();
  if (digests.length === 0) throw new Error('the SDK computed no HMAC');
  return digests;
}

const plivo = require('plivo');
const twilio = require('twilio');
const signalwire = require('@signalwire/compatibility-api').RestClient;
const versions = Object.fromEntries(['plivo', 'twilio', '@signalwire/compatibility-api'].map(
  (p) => [p, JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', p, 'package.json'))).version]));

// mulberry32: a small seeded PRNG, so that reruns give the same vectors.
let seed = 0x5eed;
function rand() {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const digits = (n) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
const b64chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const token = (n) => Array.from({ length: n }, () => pick(b64chars)).join('');

// Inputs: hosts, paths, queries and parameter sets that cover the edges.
const hosts = ['https://answer.example.com', 'http://answer.example.com', 'https://answer.example.com:8443',
  'http://127.0.0.1:8080', 'https://abc123.ngrok-free.app'];
const paths = ['/speak/', '/speak', '/receive_sms/', '/caf%C3%A9/answer/', '/a%20b/c.xml', '/'];
const queries = ['', 'a=1&b=2', 'b=2&a=1&a=0', 'q=caf%C3%A9+noir', 'e=&flag', 'x=1;2&y=3',
  'emoji=%F0%9F%8E%89&cjk=%E4%BD%A0%E5%A5%BD', 'k%20ey=v%2Bw', 'z=%2F%3F%26'];
const paramSets = [
  () => [],
  () => voiceCallback(),
  () => [['From', '14155550100'], ['To', '14155550111'], ['Digits', '9'], ['Digits', '1'], ['Digits', '1']],
  () => [['Blank', ''], ['Text', 'a+b c%2B d'], ['Amp', 'x&y=z']],
  () => [['Text', 'café crème'], ['名前', '你好世界'], ['Emoji', '🎉🚀'], ['Ünï', 'çödé']],
  () => [['Text', 'ends with a dot.'], ['Semi', 'a;b'], ['Quote', `"'<>`]],
  () => [['CallUUID', uuid()], ['Event', 'Hangup'], ['Duration', String(Math.floor(rand() * 600))]],
];
function uuid() {
  const h = () => Math.floor(rand() * 16).toString(16);
  const s = (n) => Array.from({ length: n }, h).join('');
  return `${s(8)}-${s(4)}-4${s(3)}-a${s(3)}-${s(12)}`;
}
function voiceCallback() {
  const call = uuid();
  return [['ALegRequestUUID', call], ['ALegUUID', call], ['BillRate', '0.0085'], ['CallStatus', 'in-progress'],
    ['CallUUID', call], ['CallerName', '+14155550100'], ['Direction', 'inbound'], ['Event', 'StartApp'],
    ['From', '14155550100'], ['RequestUUID', call], ['SessionStart', '2026-11-25 10:00:00.000000'], ['To', '14155550111']];
}

// pairs -> { key: [values in request order] }, the shape the vectors record.
function grouped(pairs) {
  const o = {};
  for (const [k, v] of pairs) (o[k] = o[k] || []).push(v);
  return o;
}
// The SDKs take a value as a string, or an array for a repeated key.
function sdkParams(pairs) {
  const o = {};
  for (const [k, vs] of Object.entries(grouped(pairs))) o[k] = vs.length === 1 ? vs[0] : [...vs];
  return o;
}
const formBody = (pairs) => new URLSearchParams(pairs).toString();
const withQuery = (u, q) => (q ? `${u}?${q}` : u);

// One byte changed somewhere: each must make the SDK's validator say no.
function flipChar(s, i) {
  const c = s[i];
  return s.slice(0, i) + (c === 'A' ? 'B' : 'A') + s.slice(i + 1);
}

const out = { 'plivo-v3': [], 'plivo-v2': [], twilio: [], signalwire: [] };
function add(kind, v) {
  v.id = `${kind}/${String(out[kind].length + 1).padStart(3, '0')}`;
  const ordered = { id: v.id, kind, note: v.note, method: v.method, url: v.url, content_type: v.content_type || '',
    body: v.body || '', headers: v.headers, tokens: v.tokens, main_tokens: v.main_tokens || [],
    sdk: v.sdk, sdk_valid: v.sdk_valid, expect_valid: v.expect_valid ?? v.sdk_valid, follows: v.follows || '' };
  out[kind].push(ordered);
}

// ---- Plivo V3 --------------------------------------------------------------
const plivoSDK = `plivo@${versions.plivo}`;
function plivoV3(method, url, pairs, json) {
  const tok = token(40), main = token(40), nonce = digits(20);
  const params = method === 'GET' ? {} : sdkParams(pairs);
  const copy = () => JSON.parse(JSON.stringify(params)); // the SDK sorts arrays in place
  const [sig] = captured(() => plivo.validateV3Signature(method, url, nonce, tok, 'x', copy()));
  if (!plivo.validateV3Signature(method, url, nonce, tok, sig, copy())) throw new Error('SDK rejects its own V3 signature');
  const [mainSig] = captured(() => plivo.validateV3Signature(method, url, nonce, main, 'x', copy()));
  let body = '', contentType = '';
  if (method === 'POST' && pairs.length) {
    if (json) { body = JSON.stringify(params); contentType = 'application/json'; }
    else { body = formBody(pairs); contentType = 'application/x-www-form-urlencoded'; }
  }
  return { tok, main, nonce, sig, mainSig, body, contentType, params, copy };
}
for (let i = 0; i < 150; i++) {
  const method = i % 3 === 0 ? 'GET' : 'POST';
  const json = method === 'POST' && i % 5 === 1;
  let pairs = pick(paramSets)();
  let query = pick(queries);
  if (method === 'GET' && pairs.length) query = [query, formBody(pairs)].filter(Boolean).join('&');
  const url = withQuery(pick(hosts) + pick(paths), query);
  const p = plivoV3(method, url, pairs, json);
  const style = i % 4;
  const headers = { 'X-Plivo-Signature-V3-Nonce': p.nonce };
  let note = `${method} ${json ? 'JSON' : method === 'POST' ? 'form' : 'query'}`;
  if (style === 0) headers['X-Plivo-Signature-V3'] = p.sig;
  if (style === 1) { headers['X-Plivo-Signature-V3'] = `${token(43)}=,${p.sig}`; note += ', several signatures'; }
  if (style === 2) { headers['X-Plivo-Signature-V3'] = `${p.sig}, ${token(43)}=`; note += ', several signatures with a space'; }
  if (style === 3) {
    headers['X-Plivo-Signature-V3'] = token(43) + '=';
    headers['X-Plivo-Signature-Ma-V3'] = p.mainSig;
    note += ', main-account header';
  }
  const base = { method, url, content_type: p.contentType, body: p.body, tokens: [p.tok], main_tokens: [p.main],
    sdk: `${plivoSDK} validateV3Signature` };
  add('plivo-v3', { ...base, note, headers, sdk_valid: true });

  if (i % 3 === 0) { // negatives: one byte changed, each confirmed by the SDK
    const cases = [
      ['signature', () => ({ headers: { ...headers, 'X-Plivo-Signature-V3': flipChar(p.sig, 5), 'X-Plivo-Signature-Ma-V3': undefined } })],
      ['nonce', () => ({ headers: { ...headers, 'X-Plivo-Signature-V3-Nonce': flipChar(p.nonce, 3) } })],
      ['url', () => ({ url: url.replace('answer', 'answeR').replace('127.0.0.1', '127.0.0.2').replace('ngrok', 'ngroK') })],
    ];
    const [what, change] = cases[(i / 3) % cases.length];
    const neg = { ...base, headers, ...change() };
    for (const k of Object.keys(neg.headers)) if (neg.headers[k] === undefined) delete neg.headers[k];
    const usedSig = neg.headers['X-Plivo-Signature-V3'] === p.sig || what !== 'signature' ? p.sig : neg.headers['X-Plivo-Signature-V3'];
    const sdkValid = plivo.validateV3Signature(method, neg.url, neg.headers['X-Plivo-Signature-V3-Nonce'], p.tok,
      style === 3 && what !== 'signature' ? p.sig : usedSig, p.copy());
    if (sdkValid) throw new Error('negative vector accepted by the SDK: ' + what);
    add('plivo-v3', { ...neg, note: `${note}; one byte of the ${what} changed`, sdk_valid: false });
  }
}
// A changed body: the form is re-encoded with one value changed.
for (let i = 0; i < 20; i++) {
  const pairs = voiceCallback();
  const url = withQuery(pick(hosts) + '/speak/', pick(queries));
  const p = plivoV3('POST', url, pairs, false);
  const tampered = pairs.map(([k, v], j) => [k, j === i % pairs.length ? flipChar(v, 0) : v]);
  if (plivo.validateV3Signature('POST', url, p.nonce, p.tok, p.sig, sdkParams(tampered))) throw new Error('tamper accepted');
  add('plivo-v3', { note: 'POST form; one byte of a body value changed', method: 'POST', url,
    content_type: 'application/x-www-form-urlencoded', body: formBody(tampered),
    headers: { 'X-Plivo-Signature-V3': p.sig, 'X-Plivo-Signature-V3-Nonce': p.nonce },
    tokens: [p.tok], sdk: `${plivoSDK} validateV3Signature`, sdk_valid: false });
}
// Where the SDKs disagree: JSON booleans and nested objects. plivo-node signs
// "true" and "[object Object]"; plivo-python, which we follow, signs "True"
// and the nested object's own sorted key+value string.
for (const [note, obj] of [['JSON boolean', { From: '1', Flag: true }], ['JSON nested object', { From: '1', Extra: { b: '2', a: '1' } }]]) {
  const url = 'https://answer.example.com/speak/';
  const tok = token(40), nonce = digits(20);
  const [sig] = captured(() => plivo.validateV3Signature('POST', url, nonce, tok, 'x', JSON.parse(JSON.stringify(obj))));
  add('plivo-v3', { note: `${note}: plivo-node's signature`, method: 'POST', url, content_type: 'application/json',
    body: JSON.stringify(obj), headers: { 'X-Plivo-Signature-V3': sig, 'X-Plivo-Signature-V3-Nonce': nonce },
    tokens: [tok], sdk: `${plivoSDK} validateV3Signature`, sdk_valid: true, expect_valid: false,
    follows: 'plivo-python: True/False/None and nested objects as sorted key+value (security/json.go)' });
}

// ---- Plivo V2 --------------------------------------------------------------
for (let i = 0; i < 60; i++) {
  const url = withQuery(pick(hosts) + pick(paths), pick(queries));
  const tok = token(40), main = token(40), nonce = digits(20);
  const [sig] = captured(() => plivo.validateSignature(url, nonce, 'x', tok));
  if (!plivo.validateSignature(url, nonce, sig, tok)) throw new Error('SDK rejects its own V2 signature');
  const [mainSig] = captured(() => plivo.validateSignature(url, nonce, 'x', main));
  const pairs = [['From', '14155550100'], ['To', '14155550111'], ['Type', 'sms'], ['Text', pick(['hi', 'café 🎉', 'a+b'])], ['MessageUUID', uuid()]];
  const headers = { 'X-Plivo-Signature-V2-Nonce': nonce };
  let note = 'message callback';
  if (i % 3 === 0) headers['X-Plivo-Signature-V2'] = sig;
  if (i % 3 === 1) { headers['X-Plivo-Signature-V2'] = `${token(43)}=, ${sig}`; note += ', several signatures'; }
  if (i % 3 === 2) { headers['X-Plivo-Signature-Ma-V2'] = mainSig; note += ', main-account header'; }
  const base = { method: 'POST', url, content_type: 'application/x-www-form-urlencoded', body: formBody(pairs),
    tokens: [tok], main_tokens: [main], sdk: `${plivoSDK} validateSignature` };
  add('plivo-v2', { ...base, note, headers, sdk_valid: true });
  if (i % 2 === 0) {
    const badNonce = flipChar(nonce, 7);
    const negs = [
      ['signature', { ...headers, 'X-Plivo-Signature-V2': flipChar(sig, 10), 'X-Plivo-Signature-Ma-V2': undefined }, url, flipChar(sig, 10), nonce],
      ['nonce', { ...headers, 'X-Plivo-Signature-V2-Nonce': badNonce }, url, i % 3 === 2 ? mainSig : sig, badNonce],
    ];
    const [what, h, u, s, n] = negs[(i / 2) % 2];
    for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
    if (plivo.validateSignature(u, n, s, i % 3 === 2 && what === 'nonce' ? main : tok)) throw new Error('V2 negative accepted');
    add('plivo-v2', { ...base, url: u, headers: h, note: `${note}; one byte of the ${what} changed`, sdk_valid: false });
  }
}

// ---- Twilio and SignalWire ---------------------------------------------------
function twilioLike(kind, sdkName, validate, validateWithBody, signOf, headerName, n) {
  for (let i = 0; i < n; i++) {
    const tok = token(32);
    const json = i % 4 === 3;
    const host = pick(['https://hooks.example.com', 'http://hooks.example.com', 'https://hooks.example.com:443',
      'http://hooks.example.com:80', 'https://abc123.ngrok-free.app']);
    let url = withQuery(host + pick(['/twilio/voice/', '/signalwire/sms/', '/voice', '/']), pick(queries));
    let pairs = [], body = '', contentType = '';
    if (json) {
      body = JSON.stringify({ CallSid: 'CA' + digits(32), Text: pick(['hi', 'café 🎉']) });
      const hash = crypto.createHash('sha256').update(body).digest('hex');
      url += (url.includes('?') ? '&' : '?') + 'bodySHA256=' + hash;
      contentType = 'application/json';
    } else {
      pairs = pick(paramSets)();
      if (i % 5 === 0) pairs = [...pairs, ['Digits', '2'], ['Digits', '1'], ['Digits', '2']];
      if (pairs.length) { body = formBody(pairs); contentType = 'application/x-www-form-urlencoded'; }
    }
    // The provider may have signed the URL with the default port or without it.
    const signedURL = i % 3 === 1 ? toggleDefaultPort(url) : url;
    const params = json ? {} : sdkParams(pairs);
    const sig = signOf(tok, signedURL, params);
    const ok = json ? validateWithBody(tok, sig, url, body) : validate(tok, sig, url, params);
    if (!ok) throw new Error(`${kind}: SDK rejects its own signature`);
    const hn = typeof headerName === 'function' ? headerName(i) : headerName;
    let note = `${json ? 'JSON body with bodySHA256' : pairs.length ? 'form' : 'no body'}${signedURL !== url ? ', signed with the default port toggled' : ''}`;
    if (!json && pairs.some(([k], j) => pairs.findIndex(([k2]) => k2 === k) !== j)) note += ', repeated keys';
    const base = { method: pairs.length || json ? 'POST' : 'GET', url, content_type: contentType, body, tokens: [tok], sdk: sdkName };
    add(kind, { ...base, note: `${note}, ${hn}`, headers: { [hn]: sig }, sdk_valid: true });
    if (i % 2 === 0) {
      const negs = [
        ['signature', { [hn]: flipChar(sig, 3) }, url, body],
        ['url', { [hn]: sig }, url.replace('hooks', 'hookz').replace('abc123', 'abc124'), body],
        ['body', { [hn]: sig }, url, json ? body.replace('CA', 'CB') : body.replace(/=./, (m) => '=' + (m[1] === 'A' ? 'B' : 'A'))],
      ];
      const [what, h, u, b] = negs[(i / 2) % 3];
      if (what === 'body' && !b) continue;
      const bodyPairs = json ? {} : sdkParams([...new URLSearchParams(b)]);
      const sdkValid = json ? validateWithBody(tok, h[hn], u, b) : validate(tok, h[hn], u, bodyPairs);
      if (sdkValid) throw new Error(`${kind}: negative accepted (${what})`);
      add(kind, { ...base, url: u, body: b, headers: h, note: `${note}; one byte of the ${what} changed`, sdk_valid: false });
    }
  }
  // Where we are stricter than the SDK: it also accepts the URL with a
  // non-default port removed; security/url.go calls that another resource.
  const tok = token(32);
  const sig = signOf(tok, 'https://hooks.example.com/voice', {});
  add(kind, { note: 'signed without a port, received on :8443', method: 'GET', url: 'https://hooks.example.com:8443/voice',
    headers: { [typeof headerName === 'function' ? headerName(0) : headerName]: sig }, tokens: [tok], sdk: sdkName,
    sdk_valid: validate(tok, sig, 'https://hooks.example.com:8443/voice', {}), expect_valid: false,
    follows: 'security/url.go: a non-default port present or absent is a different resource; only the default port is toggled' });
}
function toggleDefaultPort(u) {
  const m = /^(https?):\/\/([^/?#]*)(.*)$/.exec(u);
  const def = m[1] === 'https' ? ':443' : ':80';
  return m[2].endsWith(def) ? `${m[1]}://${m[2].slice(0, -def.length)}${m[3]}` : `${m[1]}://${m[2]}${def}${m[3]}`;
}
twilioLike('twilio', `twilio@${versions.twilio} getExpectedTwilioSignature/validateRequest`,
  twilio.validateRequest, twilio.validateRequestWithBody, twilio.getExpectedTwilioSignature, 'X-Twilio-Signature', 60);
twilioLike('signalwire', `@signalwire/compatibility-api@${versions['@signalwire/compatibility-api']} validateRequest`,
  (t, s, u, p) => signalwire.validateRequest(t, s, u, p, true), signalwire.validateRequestWithBody,
  (t, u, p) => {
    // The SDK exports only validators. Its validateRequest computes the digest
    // for the URL with a port first, then without: the one for u as given is
    // the first when u has a port, else the second.
    const [withPort, withoutPort] = captured(() => signalwire.validateRequest(t, 'x', u, JSON.parse(JSON.stringify(p)), true));
    const authority = u.split('://')[1].split(/[/?#]/)[0];
    return /:\d+$/.test(authority) ? withPort : withoutPort;
  },
  (i) => (i % 2 ? 'X-Twilio-Signature' : 'X-SignalWire-Signature'), 50);

// ---- Write -----------------------------------------------------------------
const dir = path.join(__dirname, '..', 'vectors');
fs.mkdirSync(dir, { recursive: true });
let total = 0;
for (const [kind, vs] of Object.entries(out)) {
  fs.writeFileSync(path.join(dir, `${kind}.json`), JSON.stringify(vs, null, 1) + '\n');
  total += vs.length;
  console.log(`${kind}: ${vs.length} vectors (${vs.filter((v) => v.expect_valid).length} valid)`);
}
console.log(`total: ${total}`);
