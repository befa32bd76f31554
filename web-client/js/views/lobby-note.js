// A host's short text from the room to one guest waiting in the lobby ("Jeg
// kommer om to minutter"): next to each waiting guest a "Send message" button
// opens a text field; the server's answer (lobby_message_sent, or an error
// with ref lobby_message) is shown under it. The controls of each guest are
// kept while the people list is drawn again, so a text being typed stays.
import { h, uniqueId } from '../dom.js';
import { setAttr, setText } from '../i18n.js';
import { icon } from '../icons.js';

const MAX_CHARS = 200;
const ERROR_KEYS = { not_found: 'lobbymsg.not_waiting_person', rate_limited: 'lobbymsg.too_fast', bad_message: 'lobbymsg.bad_text' };

function clearFeedback(el) {
    delete el.dataset.i18n;
    delete el.dataset.i18nArgs;
    el.textContent = '';
}

/** send(msg) → whether it went out (the room's send, which says so if not). */
export function createLobbyNote(send) {
    const notes = new Map(); // participant id → its controls
    let pending = []; // the notes waiting for the server's answer, oldest first

    function make(p) {
        const inputId = uniqueId('lobbynote');
        const hintId = uniqueId('lobbynote-hint');
        const open = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' }, dataset: { focusKey: `lobbynote-${p.id}` } }, icon('send', 'icon icon-sm'), h('span', { t: 'lobbymsg.send' }));
        const label = h('label', { attrs: { for: inputId } });
        const input = h('input', { id: inputId, class: 'lobby-note-input', attrs: { type: 'text', maxlength: MAX_CHARS, autocomplete: 'off', 'aria-describedby': hintId }, dataset: { focusKey: `lobbynote-input-${p.id}` } });
        const submit = h('button', { class: 'btn btn-primary btn-small', attrs: { type: 'submit' }, dataset: { focusKey: `lobbynote-send-${p.id}` } }, h('span', { t: 'lobbymsg.send' }));
        const cancel = h('button', { class: 'btn btn-quiet btn-small', attrs: { type: 'button' }, dataset: { focusKey: `lobbynote-cancel-${p.id}` }, t: 'common.cancel' });
        const form = h('form', { class: 'lobby-note-form', attrs: { novalidate: true, hidden: true } }, label, h('p', { id: hintId, class: 'hint', t: 'lobbymsg.hint' }), input, h('div', { class: 'person-actions' }, submit, cancel));
        const feedback = h('p', { class: 'hint lobby-note-feedback', attrs: { role: 'status' } });
        const el = h('div', { class: 'lobby-note' }, open, form, feedback);
        const note = { id: p.id, el, open, label, form, input, feedback, submit };

        function show(on) {
            form.hidden = !on;
            open.hidden = on;
            (on ? input : open).focus();
        }
        open.addEventListener('click', () => {
            clearFeedback(feedback);
            show(true);
        });
        cancel.addEventListener('click', () => show(false));
        input.addEventListener('keydown', (ev) => {
            if (ev.key === 'Escape') {
                ev.stopPropagation();
                show(false);
            }
        });
        form.addEventListener('submit', (ev) => {
            ev.preventDefault();
            const text = input.value.trim();
            if (!text || [...text].length > MAX_CHARS) {
                setText(feedback, 'lobbymsg.bad_text');
                input.focus();
                return;
            }
            if (!send({ type: 'lobby_message', participant_id: note.id, text })) return;
            pending.push(note);
            submit.disabled = true;
        });
        return note;
    }

    /** The controls for waiting guest p (the same element each time). */
    function forGuest(p) {
        let note = notes.get(p.id);
        if (!note) {
            note = make(p);
            notes.set(p.id, note);
        }
        setText(note.label, 'lobbymsg.label_to', { name: p.name });
        setAttr(note.open, 'aria-label', 'lobbymsg.send_to', { name: p.name });
        return note.el;
    }

    /** Forgets the guests no longer waiting. */
    function keepOnly(ids) {
        for (const id of notes.keys()) {
            if (ids.has(id)) continue;
            pending = pending.filter((n) => n.id !== id);
            notes.delete(id);
        }
    }

    /** The server's answer to a note; true if msg was one. */
    function handle(msg) {
        const answer = msg.type === 'lobby_message_sent' || (msg.type === 'error' && msg.ref === 'lobby_message');
        if (!answer) return false;
        // A success names its guest; an error answers the oldest note sent.
        const sent = msg.type === 'lobby_message_sent';
        const note = sent ? notes.get(msg.participant_id) : pending[0];
        pending = pending.filter((n) => n !== note);
        if (!note) return true;
        note.submit.disabled = false;
        if (sent) {
            note.input.value = '';
            setText(note.feedback, 'lobbymsg.sent');
            note.form.hidden = true;
            note.open.hidden = false;
            if (note.el.contains(document.activeElement) || document.activeElement === document.body) note.open.focus();
        } else {
            setText(note.feedback, ERROR_KEYS[msg.code] || 'lobbymsg.failed');
        }
        return true;
    }

    return { forGuest, keepOnly, handle };
}
