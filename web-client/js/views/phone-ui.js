// The phone bridge in the pages: the dial-in line with an invitation, the
// host's "Call" dialog and the call's states on the meeting page, and how a
// participant on the phone looks in the room (a phone icon instead of
// initials, a "Phone" chip, the number as the server masked it).
import { h, uniqueId } from '../dom.js';
import { setText } from '../i18n.js';
import { icon } from '../icons.js';
import { dialIn, normalizeNumber, phoneOf } from '../phone.js';

// ---- the room ----

/** The name card's picture for a participant on the phone: a handset, not initials. */
export function phoneAvatar(cls) {
    return h('span', { class: `${cls} avatar-phone`, attrs: { 'aria-hidden': 'true' } }, icon('phone', 'icon'));
}

/** The chip that says someone is on the phone. */
export function phoneChip() {
    return h('span', { class: 'chip chip-phone' }, icon('phone', 'icon icon-sm'), h('span', { t: 'phone.on_phone' }));
}

/** The masked number of a participant on the phone, or null for anyone else. */
export function phoneNumberLine(p, cls) {
    const ph = phoneOf(p);
    if (!ph) return null;
    return ph.number ? h('p', { class: `${cls} phone-number`, attrs: { dir: 'ltr' }, text: ph.number }) : h('p', { class: `${cls} phone-number`, t: 'phone.number_hidden' });
}

// ---- the meeting page ----

/** How to call in with this invitation, or null when no dial-in is configured. */
export function dialInLine(phone, inv) {
    const d = dialIn(phone, inv);
    if (!d) return null;
    if (!d.pin) return h('p', { class: 'hint dial-in', t: 'phone.no_pin' });
    return h(
        'p',
        { class: 'dial-in' },
        icon('phone', 'icon icon-sm'),
        ' ',
        h('span', { t: 'phone.dial_in' }),
        ' ',
        h('strong', { class: 'dial-in-number', attrs: { dir: 'ltr' }, text: d.number }),
        ' · ',
        h('span', { t: 'phone.pin' }),
        ' ',
        h('strong', { class: 'dial-in-pin', attrs: { dir: 'ltr' }, text: d.pin }),
    );
}

/**
 * The modal dialog in which the host types the number to call. Resolves
 * the number in E.164 form, or null when cancelled.
 */
export function callDialog({ roleLabel }) {
    return new Promise((resolve) => {
        const titleId = uniqueId('call');
        const bodyId = uniqueId('call');
        const inputId = uniqueId('call-number');
        const hintId = uniqueId('call-hint');
        const errorId = uniqueId('call-error');
        const dlg = h('dialog', { class: 'dialog call-dialog', attrs: { 'aria-labelledby': titleId, 'aria-describedby': bodyId } });
        const input = h('input', { id: inputId, class: 'call-number', attrs: { type: 'tel', inputmode: 'tel', autocomplete: 'off', maxlength: 32, dir: 'ltr', 'aria-describedby': `${hintId} ${errorId}` } });
        const error = h('p', { id: errorId, class: 'field-error', attrs: { role: 'alert', hidden: true } });
        const ok = h('button', { class: 'btn btn-primary', attrs: { type: 'submit' } }, icon('phone', 'icon icon-sm'), h('span', { t: 'phone.call' }));
        const no = h('button', { class: 'btn btn-secondary', attrs: { type: 'button' }, t: 'common.cancel' });
        const form = h(
            'form',
            { class: 'stack-sm', attrs: { novalidate: true, method: 'dialog' } },
            h('h2', { id: titleId, class: 'dialog-title', t: ['phone.call_title', { role: roleLabel }] }),
            h('p', { id: bodyId, t: ['phone.call_body', { role: roleLabel }] }),
            h('div', { class: 'field' }, h('label', { attrs: { for: inputId }, t: 'phone.number_label' }), h('p', { id: hintId, class: 'hint', t: 'phone.number_hint' }), input, error),
            h('div', { class: 'dialog-actions' }, no, ok),
        );
        dlg.append(form);
        let result = null;
        form.addEventListener('submit', (ev) => {
            ev.preventDefault();
            const n = normalizeNumber(input.value);
            if (!n.ok) {
                setText(error, `phone.number_bad.${n.reason}`);
                error.hidden = false;
                input.setAttribute('aria-invalid', 'true');
                input.focus();
                return;
            }
            result = n.number;
            dlg.close();
        });
        no.addEventListener('click', () => dlg.close());
        dlg.addEventListener('close', () => {
            dlg.remove();
            resolve(result);
        });
        document.body.append(dlg);
        dlg.showModal();
        input.focus();
    });
}

/**
 * The line under an invitation that follows a call samtale makes: msg is a
 * "dial_out_state" message or {error: {code, message}} (see linkwatch.js).
 */
export function showDialState(line, msg, number) {
    line.hidden = false;
    if (msg.error) {
        const { code, message } = msg.error;
        if (code === 'network') setText(line, 'phone.call_offline');
        else if (code === 'no_reply') setText(line, 'phone.call_no_reply');
        else setText(line, 'phone.call_error', { message: message || code || '' });
        line.dataset.state = 'error';
        return;
    }
    const state = ['calling', 'ringing', 'answered', 'joined', 'failed', 'ended'].includes(msg.state) ? msg.state : 'failed';
    if (state === 'failed' && msg.reason) setText(line, 'phone.state.failed_reason', { number, reason: String(msg.reason) });
    else setText(line, `phone.state.${state}`, { number });
    line.dataset.state = state;
}
