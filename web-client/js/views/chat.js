// The meeting room's chat: the message log, the unread count and the form.
// room.js puts it in a panel, feeds it the server's chat messages and shows
// the unread count on the chat button.
import { announce, clear, h, uniqueId } from '../dom.js';
import { setAttr, setText } from '../i18n.js';
import { icon } from '../icons.js';
import { roleKey } from '../roles.js';

const CHAT_MAX_BYTES = 2000;

function byteLength(s) {
    return new TextEncoder().encode(s).length;
}

/**
 * send(msg) → bool: to the server; myId() → own participant id;
 * isHostId(id) → bool; isOpen() → whether the chat panel is shown;
 * onChange(): the unread count may have changed.
 */
export function createChat({ headingId, send, myId, isHostId, isOpen, onChange }) {
    const st = {
        messages: new Map(), // "seat:id" -> chat message, in arrival order
        seat: 0, // a new seat (after a server restart) starts chat ids again
        unread: 0,
    };
    const heading = h('h2', { id: headingId, t: 'room.chat' });
    const log = h('ol', { class: 'chat-log' });
    const empty = h('p', { class: 'chat-empty muted', t: 'room.chat_empty' });
    const inputId = uniqueId('chat-input');
    const input = h('textarea', { id: inputId, class: 'chat-input', attrs: { rows: 2, name: 'text', enterkeyhint: 'send' } });
    const sendBtn = h('button', { class: 'btn btn-primary chat-send', attrs: { type: 'submit' } }, icon('send'), h('span', { class: 'visually-hidden', t: 'room.chat_send' }));
    setAttr(sendBtn, 'title', 'room.chat_send');
    const error = h('p', { class: 'field-error', attrs: { hidden: true } });
    const form = h(
        'form',
        { class: 'chat-form', attrs: { novalidate: true } },
        h('label', { class: 'visually-hidden', attrs: { for: inputId }, t: 'room.chat_label' }),
        input,
        sendBtn,
    );
    // The log role is on the scroller, so the <ol> stays a list; focusable to scroll with the keyboard.
    const scroller = h('div', { class: 'chat-scroll', attrs: { role: 'log', 'aria-live': 'polite', tabindex: '0' }, tAttrs: { 'aria-label': 'room.chat_log' } }, empty, log);

    form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        sendChat();
    });
    input.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
            ev.preventDefault();
            sendChat();
        }
    });
    input.addEventListener('input', () => {
        error.hidden = true;
    });

    function add(m, live) {
        if (!m) return;
        const key = `${st.seat}:${m.id}`;
        if (st.messages.has(key)) return;
        st.messages.set(key, m);
        if (!live || m.from === myId()) return;
        if (!isOpen()) {
            st.unread += 1;
            announce('room.chat_new', { name: m.name });
        }
    }

    function render() {
        const nearBottom = isNearBottom();
        clear(log);
        const msgs = [...st.messages.values()];
        empty.hidden = msgs.length > 0;
        for (const m of msgs) {
            const own = m.from === myId();
            log.append(
                h(
                    'li',
                    { class: `msg${own ? ' is-own' : ''}` },
                    h('p', { class: 'msg-meta' }, h('span', { class: 'msg-name', text: m.name }), h('span', { class: 'msg-role', t: roleKey(m.role, isHostId(m.from)) }), h('time', { class: 'msg-time', attrs: { datetime: new Date(m.at).toISOString() }, t: ['room.chat_time', { at: { d: m.at, f: 'time' } }] })),
                    h('p', { class: 'msg-text', text: m.text }),
                ),
            );
        }
        onChange();
        scroll(nearBottom);
    }

    function isNearBottom() {
        return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    }

    function scroll(force) {
        if (force) scroller.scrollTop = scroller.scrollHeight;
    }

    function sendChat() {
        const text = input.value.replace(/\s+$/, '');
        if (!text.trim()) return;
        if (byteLength(text) > CHAT_MAX_BYTES) {
            setText(error, 'room.chat_too_long');
            error.hidden = false;
            return;
        }
        if (send({ type: 'chat', text })) {
            input.value = '';
            scroll(true);
        }
        input.focus();
    }

    return {
        heading,
        input,
        body: [scroller, error, form],
        add,
        render,
        /** The panel was opened: everything is read. */
        opened() {
            st.unread = 0;
            onChange();
            scroll(true);
        },
        /** A fresh seat: the server numbers chat messages from the start again. */
        newSeat() {
            st.seat += 1;
        },
        unread: () => (isOpen() ? 0 : st.unread),
    };
}
