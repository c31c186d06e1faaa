// callsim-server.js is a small call flow written with Plivo's own SDK (the
// plivo npm package, version pinned in package.json): its documents are
// built with plivo.Response(), and every callback is verified with
// plivo.validateV3Signature before it is answered. callsim's tests walk it
// (callsim/sdk_test.go), so that every request the simulator signs is one
// Plivo's SDK accepts.
//
//   cd testdata/gen && npm ci && node callsim-server.js TOKEN
//
// It listens on a free loopback port and prints "listening PORT", then one
// line per callback: "verified METHOD PATH" (for the hangup, with its
// HangupCauseCode and HangupSource; for a Dial's callbackUrl, with its Event),
// "refused METHOD PATH" (answered 403), or
// "verified METHOD PATH missing KEY" when a documented parameter is missing
// (answered 400). It exits when stdin closes.
'use strict';
const http = require('http');
const querystring = require('querystring');
const plivo = require('plivo');

const token = process.argv[2];
let base = '';

// The flow: early media (PreAnswer), a menu (GetInput, POST action with a
// query string), a Redirect by GET, a Dial with an action and a callbackUrl,
// a PIN (GetDigits), a Record with an action, a Hangup.
function answer(path) {
  const r = new plivo.Response();
  switch (path) {
    case '/answer': {
      r.addPreAnswer().addSpeak('Welcome.');
      const input = r.addGetInput({ action: base + '/choice?menu=main', method: 'POST', inputType: 'dtmf', numDigits: 1 });
      input.addSpeak('Press 1 to be connected.');
      r.addSpeak('Goodbye.');
      break;
    }
    case '/choice':
      r.addSpeak('Connecting you.');
      r.addRedirect(base + '/connect?from=menu', { method: 'GET' });
      break;
    case '/connect':
      r.addDial({ action: base + '/dialled', method: 'POST', callbackUrl: base + '/dial-events', callbackMethod: 'POST' })
        .addNumber('14155550199');
      break;
    case '/dialled':
      r.addGetDigits({ action: base + '/pin', method: 'POST', numDigits: 4, finishOnKey: '#' }).addSpeak('Enter your PIN.');
      break;
    case '/pin':
      r.addSpeak('Leave a message.');
      r.addRecord({ action: base + '/recorded', method: 'POST', maxLength: 30, finishOnKey: '#' });
      break;
    case '/recorded':
      r.addSpeak('Thanks. Goodbye.');
      r.addHangup();
      break;
  }
  return r.toXML();
}

// required are the parameters every callback of an inbound call carries
// (https://www.plivo.com/docs/voice/xml/request/), and those the hangup
// callback adds (https://www.plivo.com/docs/account/api/application/).
const required = ['CallUUID', 'From', 'To', 'Direction', 'CallStatus'];
const hangupRequired = ['Duration', 'BillDuration', 'HangupCause', 'HangupCauseName', 'HangupCauseCode', 'HangupSource'];
// dialEventRequired are those of every event a Dial's callbackUrl gets, and
// dialHangupRequired those its DialHangup adds
// (https://www.plivo.com/docs/voice/xml/dial/#callbackurl-request-parameters).
const dialEventRequired = ['Event', 'DialAction', 'DialBLegStatus', 'DialALegUUID', 'DialBLegUUID', 'DialBLegFrom', 'DialBLegTo', 'DialBLegPosition'];
const dialHangupRequired = ['DialBLegDuration', 'DialBLegBillDuration', 'DialBLegHangupCause'];

// missing is the first parameter a callback lacks, or ''.
function missing(path, params) {
  let keys = path === '/hangup' ? required.concat(hangupRequired) : required;
  if (path === '/dial-events') {
    keys = keys.concat(dialEventRequired, params.Event === 'DialHangup' ? dialHangupRequired : []);
  }
  return keys.find((k) => !(k in params)) || (params.Direction !== 'inbound' ? 'Direction=inbound' : '') ||
    ('ALegUUID' in params ? 'no ALegUUID (inbound)' : '');
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    const url = base + req.url;
    const path = req.url.split('?')[0];
    const params = req.method === 'POST' ? querystring.parse(body) : querystring.parse(req.url.split('?')[1] || '');
    const signed = req.method === 'POST' ? params : {};
    const ok = plivo.validateV3Signature(req.method, url, req.headers['x-plivo-signature-v3-nonce'] || '',
      token, req.headers['x-plivo-signature-v3'] || '', signed);
    const lack = ok ? missing(path, params) : '';
    console.log(`${ok ? 'verified' : 'refused'} ${req.method} ${path}${lack ? ' missing ' + lack : ''}` +
      (path === '/hangup' && ok ? ` ${params.HangupCauseCode} ${params.HangupSource}` : '') +
      (path === '/dial-events' && ok ? ` ${params.Event}` : ''));
    if (!ok || lack) {
      res.writeHead(ok ? 400 : 403, { 'Content-Type': 'text/plain' });
      res.end(ok ? `missing ${lack}\n` : 'invalid signature (plivo.validateV3Signature)\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/xml' });
    res.end(path === '/hangup' || path === '/dial-events' ? 'ok' : answer(path));
  });
});
server.listen(0, '127.0.0.1', () => {
  base = `http://127.0.0.1:${server.address().port}`;
  console.log(`listening ${server.address().port}`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
