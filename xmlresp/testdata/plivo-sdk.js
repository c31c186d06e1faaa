// plivo-sdk.js writes plivo-sdk/*.xml with Plivo's own XML builder (the
// plivo npm package that ../../testdata/gen pins), so that TestPlivoSDKBuilder
// proves xmlresp writes, byte for byte, what that builder makes of the same
// verbs and attributes. The documents are Plivo's doc examples
// (https://www.plivo.com/docs/voice/xml/), with every attribute xmlresp
// writes set somewhere.
//
//   (cd ../../testdata/gen && npm ci) && node plivo-sdk.js   (.ci/run does it, and compares)
'use strict';
const fs = require('fs');
const path = require('path');
const plivo = require(path.join(__dirname, '..', '..', 'testdata', 'gen', 'node_modules', 'plivo'));

const docs = {};
function doc(name, build) {
  const r = new plivo.Response();
  build(r);
  docs[name] = r.toXML();
}

// https://www.plivo.com/docs/voice/xml/input#phone-tree-ivr
doc('getdigits_menu', (r) => {
  r.addGetDigits({ action: 'https://example.com/ivr/', timeout: 10, numDigits: 1, retries: 2 })
    .addSpeak('Welcome to Acme Corp. Press 1 for sales. Press 2 for support.');
  r.addSpeak("Sorry, we didn't receive valid input. Goodbye.");
});
doc('getdigits_full', (r) => {
  const g = r.addGetDigits({
    action: 'https://example.com/verify-pin/', method: 'GET', timeout: 10, digitTimeout: 3, finishOnKey: 'none',
    numDigits: 4, retries: 1, redirect: false, playBeep: true, validDigits: '0123456789',
    invalidDigitsSound: 'https://example.com/invalid.mp3', log: false,
  });
  g.addSpeak('Please enter your 4-digit PIN.');
  g.addPlay('https://example.com/tone.mp3');
  g.addWait({ length: 1 });
});
doc('getinput_speech', (r) => {
  r.addGetInput({
    action: 'https://example.com/handle-input/', method: 'POST', inputType: 'dtmf speech', executionTimeout: 30,
    digitEndTimeout: 4, speechEndTimeout: 3, finishOnKey: '*', numDigits: 8, speechModel: 'command_and_search',
    hints: 'account balance, transfer money', language: 'en-GB',
    interimSpeechResultsCallback: 'https://example.com/interim/', interimSpeechResultsCallbackMethod: 'GET',
    redirect: false, log: false, profanityFilter: true,
  }).addSpeak('How can I help you with your account today?', { voice: 'Polly.Amy', language: 'en-GB' });
  r.addSpeak('We did not hear you.');
});
// https://www.plivo.com/docs/voice/xml/routing#preanswer
doc('preanswer', (r) => {
  const p = r.addPreAnswer();
  p.addWait({ length: 2 });
  p.addPlay('https://example.com/ring.mp3', { loop: 2 });
  p.addSpeak('Please wait while we connect your call.');
  r.addSpeak('Hello, thank you for calling.');
});
doc('dial_full', (r) => {
  const d = r.addDial({
    action: 'https://example.com/dial-status/', method: 'GET', redirect: false,
    callbackUrl: 'https://example.com/dial-events/', callbackMethod: 'POST', timeout: 15, timeLimit: 600,
    callerId: '+14155559999', callerName: 'Support Team', hangupOnStar: true,
    confirmSound: 'https://example.com/confirm.xml', confirmKey: '1', dialMusic: 'real',
  });
  d.addNumber('+14155551234', { sendDigits: 'wwww1234#', sendOnPreanswer: true });
  d.addUser('sip:alice@phone.plivo.com', { sendDigits: '1', sendOnPreanswer: false });
});
// https://www.plivo.com/docs/voice/xml/record#record-entire-session
doc('record_session', (r) => {
  r.addRecord({ recordSession: true, recordChannelType: 'mono', callbackUrl: 'https://example.com/recording-ready/' });
  r.addSpeak('This call is being recorded for quality purposes.');
  r.addRecord({
    action: 'https://example.com/handle-recording/', method: 'GET', fileFormat: 'wav', redirect: false, timeout: 5,
    maxLength: 120, finishOnKey: 'none', playBeep: false, startOnDialAnswer: true, transcriptionType: 'auto',
    transcriptionUrl: 'https://example.com/transcription/', transcriptionMethod: 'POST',
    callbackUrl: 'https://example.com/recording-ready/', callbackMethod: 'GET',
  });
});
doc('speak_voices', (r) => {
  r.addSpeak('Olá', { voice: 'Polly.Vitória', language: 'pt-BR' });
  r.addSpeak('Hola', { voice: 'Polly.Lupe-Standard', language: 'es-US', loop: 0 });
  r.addSpeak('Good day!', { voice: 'MAN', language: 'en-GB' });
});
// https://www.plivo.com/docs/voice/xml/routing#scheduled-hangup and #wait
doc('wait_dtmf_hangup', (r) => {
  r.addWait({ length: 10, silence: true, minSilence: 3000, beep: false });
  r.addDTMF('1ww2W#', { async: false });
  r.addHangup({ reason: 'busy', schedule: 60 });
  r.addRedirect('https://example.com/next-step/?lang=en', { method: 'GET' });
});

const out = path.join(__dirname, 'plivo-sdk');
fs.mkdirSync(out, { recursive: true });
for (const [name, xml] of Object.entries(docs)) {
  fs.writeFileSync(path.join(out, name + '.xml'), xml);
}
