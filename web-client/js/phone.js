// The phone bridge in the web client, pure parts (no DOM: tests run them in
// node): reading a number typed for a call, showing a PIN, and the dial-in
// lines that go with an invitation.
//
//   normalizeNumber('12 34 56 78')   → { ok: true, number: '+4512345678' }
//   normalizeNumber('+45 12')        → { ok: false, reason: 'too_short' }
//   formatPin('07600619')            → '0760 0619'
//   dialIn({ dial_in_number: '+45 70 20 30 40' }, { pin: '07600619' })
//                                    → { number: '+45 70 20 30 40', pin: '0760 0619' } | null

export const DIGITS_MIN = 8;
export const DIGITS_MAX = 15; // E.164
export const DIAL_OUT_STATES = ['calling', 'ringing', 'answered', 'joined', 'failed', 'ended'];

/**
 * A number typed for samtale to call, as E.164 ("+" and 8 to 15 digits).
 * Spaces, dashes, dots and brackets are allowed between digits; a leading
 * "00" means "+"; a Danish number of 8 digits gets +45. Reasons for a
 * refusal: empty, bad_chars, too_short, too_long.
 */
export function normalizeNumber(input) {
    const s = String(input ?? '').trim();
    if (!s) return { ok: false, reason: 'empty' };
    if (!/^\+?[0-9 ().-]+$/.test(s)) return { ok: false, reason: 'bad_chars' };
    let digits = s.replace(/[^0-9]/g, '');
    let plus = s.startsWith('+');
    if (!plus && digits.startsWith('00')) {
        plus = true;
        digits = digits.slice(2);
    }
    if (!plus && digits.length === 8) return { ok: true, number: `+45${digits}` };
    if (!plus) return { ok: false, reason: digits.length < 8 ? 'too_short' : 'no_country' };
    if (digits.length < DIGITS_MIN) return { ok: false, reason: 'too_short' };
    if (digits.length > DIGITS_MAX) return { ok: false, reason: 'too_long' };
    if (digits.startsWith('0')) return { ok: false, reason: 'bad_chars' };
    return { ok: true, number: `+${digits}` };
}

/** An 8-digit PIN in two groups of four, easier to read out and key in. */
export function formatPin(pin) {
    const s = String(pin ?? '');
    return /^[0-9]{8}$/.test(s) ? `${s.slice(0, 4)} ${s.slice(4)}` : s;
}

/**
 * What to show with an invitation for calling in: the server's dial-in
 * number and the invitation's PIN, or null when no dial-in is configured.
 * pin is null when the invitation has none ("no PIN").
 */
export function dialIn(phone, inv) {
    const number = phone && typeof phone.dial_in_number === 'string' ? phone.dial_in_number.trim() : '';
    if (!number) return null;
    const pin = inv && typeof inv.pin === 'string' && /^[0-9]{8}$/.test(inv.pin) ? formatPin(inv.pin) : null;
    return { number, pin };
}

/** Whether the host may have samtale call someone (the server has a trunk). */
export function dialOutOffered(phone) {
    return !!(phone && phone.dial_out === true);
}

/** A participant on the phone (roster "phone": true), and the number to show (masked by the server). */
export function phoneOf(p) {
    if (!p || p.phone !== true) return null;
    return { number: typeof p.number === 'string' && p.number ? p.number : null };
}
