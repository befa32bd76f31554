// The web client's phone helpers (web-client/js/phone.js), a pure module:
// numbers typed for a call, PINs, the dial-in lines with an invitation and
// phone participants in the roster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeNumber, formatPin, dialIn, dialOutOffered, phoneOf, DIAL_OUT_STATES } from '../../web-client/js/phone.js';

test('numbers for a call: E.164, Danish 8 digits get +45', () => {
    const ok = (input, number) => assert.deepEqual(normalizeNumber(input), { ok: true, number }, input);
    ok('12345678', '+4512345678');
    ok(' 12 34 56 78 ', '+4512345678');
    ok('+45 12 34 56 78', '+4512345678');
    ok('0045 1234-5678', '+4512345678');
    ok('+46 (70) 123.45.67', '+46701234567');
    ok('+1 202 555 0123', '+12025550123');
    ok('+123456789012345', '+123456789012345'); // 15 digits
});

test('numbers for a call: what is refused, and why', () => {
    const no = (input, reason) => assert.deepEqual(normalizeNumber(input), { ok: false, reason }, String(input));
    no('', 'empty');
    no('   ', 'empty');
    no(null, 'empty');
    no(undefined, 'empty');
    no('+45 1234 567a', 'bad_chars');
    no('sip:+4512345678@x', 'bad_chars');
    no('+45 12 34 56 78 #', 'bad_chars');
    no('1234', 'too_short');
    no('+45 1234', 'too_short');
    no('123456789', 'no_country'); // not 8 digits and no country code
    no('+1234567890123456', 'too_long'); // 16 digits
    no('++4512345678', 'bad_chars');
    no('+0512345678', 'bad_chars'); // no country code starts with 0
});

test('PINs and the dial-in lines: only when a dial-in number is configured', () => {
    assert.equal(formatPin('07600619'), '0760 0619');
    assert.equal(formatPin('123'), '123');
    assert.equal(formatPin(null), '');
    const phone = { dial_in_number: '+45 70 20 30 40', dial_out: true };
    assert.deepEqual(dialIn(phone, { pin: '07600619' }), { number: '+45 70 20 30 40', pin: '0760 0619' });
    assert.deepEqual(dialIn(phone, { pin: null }), { number: '+45 70 20 30 40', pin: null }, 'no PIN');
    assert.deepEqual(dialIn(phone, { pin: '1234' }), { number: '+45 70 20 30 40', pin: null }, 'not a PIN');
    assert.equal(dialIn({ dial_in_number: null, dial_out: false }, { pin: '07600619' }), null);
    assert.equal(dialIn({ dial_in_number: '  ' }, { pin: '07600619' }), null);
    assert.equal(dialIn(undefined, { pin: '07600619' }), null, 'an older server');
    assert.equal(dialOutOffered(phone), true);
    assert.equal(dialOutOffered({ dial_out: 'yes' }), false);
    assert.equal(dialOutOffered(undefined), false);
});

test('phone participants in the roster', () => {
    assert.deepEqual(phoneOf({ id: 3, phone: true, number: '+45 •• •• 12 34' }), { number: '+45 •• •• 12 34' });
    assert.deepEqual(phoneOf({ id: 3, phone: true, number: null }), { number: null });
    assert.equal(phoneOf({ id: 3, name: 'Ali' }), null);
    assert.equal(phoneOf({ id: 3, phone: 'true' }), null);
    assert.deepEqual(DIAL_OUT_STATES, ['calling', 'ringing', 'answered', 'joined', 'failed', 'ended']);
});
