// callflow.js writes, with Plivo's own SDK code (the plivo npm package,
// version pinned in package.json):
//
//   ../../handlers/testdata/plivo-xml/*.xml   the documents the answer URLs
//       send, built by Plivo's XML builder, so that the tests prove the
//       server answers exactly what that builder makes of the same verbs;
//   ../../handlers/testdata/callflow-requests.json   signed callbacks to the
//       call-flow routes, each signature the digest Plivo's own validator
//       computes (captured from node's crypto, then confirmed by it).
//
//   cd testdata/gen && npm ci && node callflow.js
//
// The texts and URLs are the ones handlers/callflow.go uses, for requests
// that the tests send to http://example.com.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

// Capture the HMAC digests the SDK computes (as gen.js does).
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
const plivo = require('plivo');

const out = path.join(__dirname, '..', '..', 'handlers', 'testdata', 'plivo-xml');
const base = 'http://example.com';
const docs = {};

function doc(name, build) {
  const r = new plivo.Response();
  build(r);
  docs[name] = r.toXML();
}

doc('speak', (r) => r.addSpeak('Hello, from Plivo', { loop: 3 }));
doc('receive_sms', (r) => r.addMessage('Thanks, we got your message.', { src: '14155550111', dst: '14155550100', type: 'sms' }));
doc('ivr', (r) => {
  const input = r.addGetInput({ action: base + '/ivr/choice/', method: 'POST', inputType: 'dtmf', executionTimeout: 10, numDigits: 1 });
  input.addSpeak('Press 1 to hear a message. Press 2 to be connected to someone. Press 3 to leave a message.');
  r.addSpeak('We did not get your choice. Goodbye.');
  r.addHangup();
});
doc('ivr_choice_1', (r) => {
  r.addSpeak('Thanks for calling. This answer was verified before it was spoken. Goodbye.');
  r.addHangup();
});
doc('ivr_choice_2', (r) => {
  r.addSpeak('Connecting you now.');
  r.addDial().addNumber('14155550199');
});
doc('ivr_choice_2_nobody', (r) => {
  r.addSpeak('No one is available to take your call.');
  r.addRedirect(base + '/ivr/', { method: 'POST' });
});
doc('ivr_choice_3', (r) => {
  r.addSpeak('Leave a message after the beep, then press the hash key.');
  r.addRecord({ action: base + '/ivr/voicemail/', method: 'POST', maxLength: 60, finishOnKey: '#' });
  r.addSpeak('We did not get a message. Goodbye.');
  r.addHangup();
});
doc('ivr_voicemail', (r) => {
  r.addSpeak('Thanks, your message was recorded. Goodbye.');
  r.addHangup();
});
doc('ivr_choice_other', (r) => {
  r.addSpeak('Sorry, that is not an option.');
  r.addRedirect(base + '/ivr/', { method: 'POST' });
});

fs.mkdirSync(out, { recursive: true });
for (const [name, xml] of Object.entries(docs)) {
  fs.writeFileSync(path.join(out, name + '.xml'), xml);
}

// ---- signed callbacks to the call-flow routes ------------------------------
const token = 'callflow-test-auth-token';
const call = { CallUUID: 'c0ffee00-0000-4000-8000-00000000ca11', From: '14155550100', To: '14155550111', Direction: 'inbound' };
const requests = [];
let n = 0;
function v3(name, method, route, params, want) {
  const nonce = String(70000000000000000000n + BigInt(++n));
  const url = base + route;
  digests = [];
  plivo.validateV3Signature(method, url, nonce, token, 'x', method === 'GET' ? {} : { ...params });
  const sig = digests[0];
  if (!plivo.validateV3Signature(method, url, nonce, token, sig, method === 'GET' ? {} : { ...params })) throw new Error('SDK rejects its own V3 signature');
  requests.push({ name, method, url, params: method === 'GET' ? {} : params, headers: { 'X-Plivo-Signature-V3': sig, 'X-Plivo-Signature-V3-Nonce': nonce }, want });
}
function v2(name, route, params, want) {
  const nonce = String(80000000000000000000n + BigInt(++n));
  const url = base + route;
  digests = [];
  plivo.validateSignature(url, nonce, 'x', token);
  const sig = digests[0];
  if (!plivo.validateSignature(url, nonce, sig, token)) throw new Error('SDK rejects its own V2 signature');
  requests.push({ name, method: 'POST', url, params, headers: { 'X-Plivo-Signature-V2': sig, 'X-Plivo-Signature-V2-Nonce': nonce }, want });
}
const q = new URLSearchParams(call).toString();
v3('menu, POST', 'POST', '/ivr/', { ...call, CallStatus: 'ringing' }, 'ivr');
v3('menu, GET', 'GET', '/ivr/?' + q, {}, 'ivr');
v3('menu, no trailing slash', 'POST', '/ivr', { ...call, CallStatus: 'ringing' }, 'ivr');
v3('choice 1', 'POST', '/ivr/choice/', { ...call, Digits: '1' }, 'ivr_choice_1');
v3('choice 2', 'POST', '/ivr/choice/', { ...call, Digits: '2' }, 'ivr_choice_2');
v3('choice 3', 'POST', '/ivr/choice/', { ...call, Digits: '3' }, 'ivr_choice_3');
v3('choice 9', 'POST', '/ivr/choice/', { ...call, Digits: '9' }, 'ivr_choice_other');
v3('voicemail', 'POST', '/ivr/voicemail/', { ...call, RecordUrl: 'https://media.example.com/r/7a1e.mp3', RecordingID: '7a1e', RecordingDuration: '7', RecordingDurationMs: '7000', Digits: '#' }, 'ivr_voicemail');
v3('no choice', 'POST', '/ivr/choice/', { ...call }, 'ivr_choice_other');
v3('hangup', 'POST', '/hangup/', { ...call, CallStatus: 'completed', Duration: '42', HangupCauseName: 'Normal Hangup', HangupSource: 'Caller' }, 'ok');
const status = { MessageUUID: 'm-5747a4a5', From: '14155550111', To: '14155550100', ErrorCode: '' };
v2('status sent', '/message_status/', { ...status, Status: 'sent' }, 'ok');
v2('status delivered', '/message_status/', { ...status, Status: 'delivered' }, 'ok');
v2('status delivered, again with a fresh nonce', '/message_status/', { ...status, Status: 'delivered' }, 'duplicate');
fs.writeFileSync(path.join(out, '..', 'callflow-requests.json'), JSON.stringify({ token, sdk: `plivo@${require('plivo/package.json').version}`, requests }, null, 2) + '\n');
console.log(`wrote ${Object.keys(docs).length} documents and ${requests.length} signed callbacks`);
