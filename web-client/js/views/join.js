// /join#TOKEN: what the link is for, the pre-call check (first, on the same
// page: it starts by itself for a guest and folds into one line with
// "Fortsæt"; the host's is folded, one press away), the name form, the lobby, the meeting room, and the screens
// after it (left, removed, denied, ended, problems).
import { api, ApiError } from '../api.js';
import { announce, append, clear, field, focusHeading, h, showFieldError } from '../dom.js';
import { setText, t } from '../i18n.js';
import { icon } from '../icons.js';
import { roleKey } from '../roles.js';
import { echoCheckSupported, lastCheck, loadMediaChoice } from '../precall.js';
import { loadSeat, SignalingClient } from '../signaling.js';
import { chime, unlockSound } from '../sound.js';
import { createPrecall } from './precall.js';
import { createRoom } from './room.js';

const NAME_MAX_BYTES = 64;
const NAME_KEY = 'samtale.name';

const PROBLEMS = {
    missing: 'join.problem.missing',
    invalid_token: 'join.problem.invalid',
    token_expired: 'join.problem.expired',
    token_revoked: 'join.problem.revoked',
    meeting_ended: 'join.problem.ended',
};

function byteLength(s) {
    return new TextEncoder().encode(s).length;
}

function rememberedName() {
    try {
        return sessionStorage.getItem(NAME_KEY) || '';
    } catch {
        return '';
    }
}

function rememberName(name) {
    try {
        sessionStorage.setItem(NAME_KEY, name);
    } catch {
        /* not kept */
    }
}

export async function mountJoin(main, ctx) {
    const token = decodeURIComponent(location.hash.replace(/^#/, '').trim());
    const state = {
        token,
        info: null,
        name: '',
        client: null,
        room: null,
        me: null,
        meetingId: null,
        phase: 'loading',
        precall: null,
        checked: false, // "Fortsæt" was pressed on this page's check
        offs: [],
        destroyed: false,
    };

    ctx.setTitle('join.title');
    if (!token) {
        showProblem('missing');
        return destroy;
    }

    main.append(h('p', { class: 'card narrow muted', t: 'common.loading' }));
    try {
        const res = await api.joinInfo(token);
        state.info = res;
    } catch (e) {
        clear(main);
        if (e instanceof ApiError && PROBLEMS[e.code]) showProblem(e.code);
        else showProblem(null, e);
        return destroy;
    }
    if (state.info.is_host) {
        try {
            await ctx.requireUser();
        } catch {
            /* the name is typed instead */
        }
    }

    const seat = loadSeat(token);
    if (seat) {
        state.name = seat.name;
        showConnecting('join.resuming');
        startClient((c) => c.resume({ token, name: seat.name, resumeToken: seat.resume_token, fallbackJoin: false }));
    } else {
        showForm();
    }
    return destroy;

    // ---- screens ----

    function screen(cls = 'card narrow') {
        stopPrecall();
        if (state.room) {
            state.room.destroy();
            state.room = null;
        }
        ctx.setChrome('guest');
        clear(main);
        const sec = h('section', { class: cls });
        main.append(sec);
        return sec;
    }

    function meetingSummary() {
        const m = state.info.meeting;
        return h(
            'div',
            { class: 'join-summary' },
            h('p', { class: 'eyebrow', t: state.info.is_host ? 'join.you_host' : 'join.invited' }),
            h('h1', { class: 'join-title', text: m.title }),
            h('p', { class: 'join-when', t: ['join.when', { start: { d: m.planned_start, f: 'long' }, end: { d: m.planned_end, f: 'time' } }] }),
            h('p', { class: 'join-role' }, h('span', { t: 'join.role_label' }), ' ', h('strong', { t: roleKey(state.info.role, state.info.is_host) })),
        );
    }

    function showForm(errorKey, errorParams) {
        state.phase = 'form';
        ctx.setTitle('join.title_meeting', { title: state.info.meeting.title });
        const sec = screen();
        const summary = meetingSummary();
        const initial = state.name || rememberedName() || (state.info.is_host && ctx.user ? ctx.user.display_name : '');
        const name = field({
            label: 'join.name',
            name: 'name',
            required: true,
            hint: state.info.is_host ? 'join.name_hint_host' : 'join.name_hint',
            attrs: { autocomplete: 'name', maxlength: 64, value: initial, enterkeyhint: 'go' },
        });
        const error = h('p', { class: 'alert alert-error', attrs: { role: 'alert', hidden: true } });
        if (errorKey) {
            setText(error, errorKey, errorParams);
            error.hidden = false;
        }
        const submit = h('button', { class: 'btn btn-primary btn-block btn-large', attrs: { type: 'submit' }, t: 'join.submit' });
        const form = h('form', { class: 'form', attrs: { novalidate: true } }, name.wrap, error, submit);
        form.addEventListener('submit', (ev) => {
            ev.preventDefault();
            const value = name.input.value.trim().replace(/\s+/g, ' ');
            if (!value) {
                showFieldError(name, 'join.err_name_empty');
                name.input.focus();
                return;
            }
            if (byteLength(value) > NAME_MAX_BYTES) {
                showFieldError(name, 'join.err_name_long');
                name.input.focus();
                return;
            }
            showFieldError(name, null);
            unlockSound(); // a user gesture: the lobby chime may play later
            state.name = value;
            rememberName(value);
            join();
        });
        if (state.info.meeting.status === 'live') summary.append(h('p', { class: 'join-live' }, h('span', { class: 'badge badge-live', t: 'join.live_now' })));
        // The check comes first on the same page; the name and "Deltag" follow it.
        const check = h('div', { class: 'join-check' });
        sec.append(summary, check, form);
        if (!state.info.is_host) sec.append(h('p', { class: 'hint privacy-hint', t: 'join.privacy' }));
        // The host (a caseworker at her desk) gets it folded, one press away.
        const done = state.checked || !!lastCheck(token) || !echoCheckSupported() || state.info.is_host;
        if (done || errorKey) showCheckSummary(check, name.input);
        else showCheck(check, name.input);
        if (errorKey) name.input.focus();
        else focusHeading(sec.querySelector('h1'));
    }

    /**
     * The pre-call check on the join page. It starts by itself (the browser
     * asks for the camera and microphone); "Fortsæt" folds it into one line
     * and goes on to the name.
     */
    function showCheck(box, nameInput) {
        stopPrecall();
        clear(box);
        box.classList.remove('is-done');
        state.precall = createPrecall(box, {
            token,
            embedded: true,
            autoStart: true,
            onContinue: () => {
                state.checked = true;
                stopPrecall();
                showCheckSummary(box, nameInput);
                nameInput.focus();
            },
        });
    }

    /** One line after the check: what it found and the choice made, with a way back to it. */
    function showCheckSummary(box, nameInput) {
        stopPrecall();
        clear(box);
        box.classList.add('is-done');
        const last = lastCheck(token);
        const choice = (last && last.choice) || loadMediaChoice();
        const level = last && last.result ? last.result.level : '';
        const again = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' }, t: last ? 'precall.retry' : 'precall.open' });
        again.addEventListener('click', () => {
            // Keep what was typed for the way back.
            const typed = nameInput.value.trim();
            if (typed) rememberName(typed);
            unlockSound();
            state.checked = false;
            showCheck(box, nameInput);
        });
        const parts = [];
        if (level) parts.push(h('p', { class: `precall-done is-${level}`, dataset: { result: level } }, icon(level === 'ok' ? 'okCircle' : level === 'warn' ? 'warning' : 'error', 'icon icon-sm'), h('span', { t: `precall.done.${level}` })));
        // What was found stays in words after the check is folded away.
        if (level && level !== 'ok') {
            const issue = last.result.issues.find((i) => i.code === last.result.code) || {};
            parts.push(h('p', { class: 'precall-done-issue', t: [`precall.issue.${last.result.code}`, issue.params || {}] }));
        }
        if (choice) parts.push(h('p', { class: 'precall-entry-choice', dataset: { mediaChoice: choice }, t: choice === 'audio' ? 'precall.chosen_audio' : 'precall.chosen_video' }));
        box.append(h('div', { class: 'precall-entry' }, ...parts, again));
    }

    function stopPrecall() {
        if (state.precall) state.precall.destroy();
        state.precall = null;
    }

    function showConnecting(key) {
        state.phase = 'connecting';
        const sec = screen('card narrow center');
        const heading = h('h1', { t: key });
        sec.append(h('div', { class: 'waiting-dots', attrs: { 'aria-hidden': 'true' } }, h('span'), h('span'), h('span')), heading);
        focusHeading(heading);
    }

    function showLobby() {
        if (state.phase === 'lobby') return;
        state.phase = 'lobby';
        ctx.setTitle('lobby.title');
        const sec = screen('card narrow center lobby');
        const heading = h('h1', { t: 'lobby.heading' });
        const conn = h('p', { class: 'alert alert-warning', attrs: { role: 'status', hidden: true }, t: 'room.reconnecting' });
        state.lobbyConn = conn;
        // A short text from the caseworker ("I'll be two minutes"): the latest one is shown.
        const msgText = h('p', { class: 'lobby-message-text' });
        const msgBox = h('div', { class: 'alert alert-info lobby-message-box', attrs: { hidden: true } }, h('h2', { class: 'lobby-message-heading', t: 'lobby.message_heading' }), msgText);
        state.lobbyMessage = (text) => {
            msgText.textContent = text;
            msgBox.hidden = false;
            announce('lobby.message_announce', { text });
        };
        const leaveBtn = h('button', { class: 'btn btn-secondary', attrs: { type: 'button' }, t: 'lobby.leave', on: { click: leave } });
        sec.append(
            h('div', { class: 'waiting-dots', attrs: { 'aria-hidden': 'true' } }, h('span'), h('span'), h('span')),
            heading,
            h('p', { class: 'lead', t: ['lobby.body', { title: state.info.meeting.title }] }),
            h('p', {}, h('span', { t: 'lobby.you_are' }), ' ', h('strong', { text: state.name }), ' · ', h('span', { t: roleKey(state.info.role, state.info.is_host) })),
            h('p', { class: 'hint', t: 'lobby.hint' }),
            msgBox,
            conn,
            leaveBtn,
        );
        announce('lobby.announce');
        focusHeading(heading);
    }

    function showRoom() {
        if (state.room) return;
        state.phase = 'room';
        clear(main);
        ctx.setChrome('none');
        state.room = createRoom(main, {
            ctx,
            client: state.client,
            me: state.me,
            title: state.info.meeting.title,
            role: state.info.role,
            isHost: state.info.is_host,
            meetingId: state.meetingId,
            plannedStart: state.info.meeting.planned_start,
            onLeave: leave,
        });
    }

    function showEnd(key, { rejoin = false, params } = {}) {
        state.phase = 'end';
        ctx.setTitle(key, params);
        const sec = screen('card narrow center');
        const heading = h('h1', { t: [key, params] });
        sec.append(heading);
        const hostView = state.info && state.info.is_host;
        const bodyKey = hostView && key === 'join.ended' ? 'join.ended_host_body' : `${key}_body`;
        sec.append(h('p', { class: 'lead', t: [bodyKey, params] }));
        const actions = h('div', { class: 'button-column' });
        if (rejoin) {
            actions.append(
                h(
                    'button',
                    {
                        class: 'btn btn-primary btn-large btn-block',
                        attrs: { type: 'button' },
                        on: {
                            click: () => {
                                unlockSound();
                                join();
                            },
                        },
                    },
                    icon('door'),
                    h('span', { t: 'join.again' }),
                ),
            );
        }
        if (state.info && state.info.is_host && ctx.user) {
            const href = state.meetingId ? `/meetings/${state.meetingId}` : '/';
            actions.append(h('a', { class: 'btn btn-secondary btn-block', attrs: { href }, dataset: { link: '' }, t: 'join.back_to_meeting' }));
        }
        if (actions.childNodes.length) sec.append(actions);
        announce(key, params);
        focusHeading(heading);
    }

    function showProblem(code, err) {
        state.phase = 'problem';
        // An ended meeting is no broken link: say that it ended, and nothing about new links.
        const ended = code === 'meeting_ended';
        ctx.setTitle(ended ? 'join.ended' : 'join.problem.title');
        const sec = screen('card narrow');
        const heading = h('h1', { t: ended ? 'join.ended' : 'join.problem.title' });
        let key = PROBLEMS[code];
        if (!key) key = err && err.code === 'network' ? 'error.network' : 'error.generic';
        sec.append(heading, h('p', { class: 'lead', t: key }));
        if (code && !ended) sec.append(h('p', { t: 'join.problem.contact' }));
        else sec.append(h('button', { class: 'btn btn-primary', attrs: { type: 'button' }, t: 'common.retry', on: { click: () => ctx.navigate(location.pathname + location.hash, { replace: true }) } }));
        focusHeading(heading);
    }

    // ---- signaling ----

    function startClient(start) {
        stopClient();
        const c = new SignalingClient();
        state.client = c;
        const on = (type, fn) => state.offs.push(c.on(type, fn));
        on('joined', (msg) => {
            const wasReconnecting = state.me && msg.resumed;
            state.me = msg.you;
            state.meetingId = msg.meeting && msg.meeting.id;
            if (msg.you.state === 'lobby') {
                if (state.phase === 'room') announce('room.back_to_lobby');
                showLobby();
            }
            if (state.room) {
                if (msg.resumed) state.room.resumed(msg.you);
                else state.room.newSeat(msg.you);
            }
            if (wasReconnecting && state.phase === 'room') announce('room.reconnected');
        });
        on('lobby', () => showLobby());
        on('lobby_message', (msg) => {
            if (state.phase === 'lobby' && state.lobbyMessage && typeof msg.text === 'string') state.lobbyMessage(msg.text);
        });
        on('admitted', () => {
            const fromLobby = state.phase === 'lobby';
            showRoom();
            if (fromLobby) {
                chime();
                announce('room.admitted');
            }
        });
        const forRoom = ['admitted', 'chat_history', 'roster', 'chat', 'mute_request', 'lobby_message_sent', 'error', 'server_shutdown', 'publish_answer', 'subscribe_offer', 'transport_state', 'active_speaker', 'document', 'doc_view', 'document_removed'];
        for (const type of forRoom) {
            on(type, (msg) => state.room && state.room.handle(msg));
        }
        on('state', (s) => {
            if (state.room) state.room.setConnection(s);
            if (state.lobbyConn) state.lobbyConn.hidden = s !== 'reconnecting';
            if (s === 'reconnecting') announce('room.reconnecting');
        });
        on('left', () => {
            if (state.phase !== 'end') showEnd('join.left', { rejoin: true });
        });
        on('denied', () => showEnd('join.denied'));
        on('removed', () => showEnd('join.removed'));
        on('meeting_ended', () => showEnd('join.ended'));
        on('lost', () => showEnd('join.lost', { rejoin: true }));
        on('connect_failed', () => {
            if (state.phase === 'connecting' || state.phase === 'form') showForm('join.err_connect');
            else showEnd('join.lost', { rejoin: true });
        });
        on('resume_failed', () => {
            // Only a resume after a page reload gets here without falling back.
            if (!state.client.fallbackJoin) showForm();
        });
        on('join_error', (msg) => {
            if (PROBLEMS[msg.code]) {
                showProblem(msg.code);
                return;
            }
            const key = {
                meeting_locked: 'join.err_locked',
                meeting_full: 'join.err_full',
                bad_message: 'join.err_name_invalid',
                rate_limited: 'join.err_rate',
            }[msg.code] || 'join.err_generic';
            showForm(key);
        });
        start(c);
    }

    function join() {
        state.me = null;
        showConnecting('join.connecting');
        startClient((c) => c.join(token, state.name));
    }

    function leave() {
        if (state.client) state.client.leave();
        showEnd('join.left', { rejoin: true });
    }

    function stopClient() {
        for (const off of state.offs) off();
        state.offs = [];
        if (state.client) state.client.destroy();
        state.client = null;
    }

    function destroy() {
        state.destroyed = true;
        stopPrecall();
        if (state.room) state.room.destroy();
        state.room = null;
        stopClient();
    }
}
