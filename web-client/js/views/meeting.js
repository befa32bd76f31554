// One meeting for its caseworker: time and status, the host link ("start"),
// the participants' links (copy, calendar invitation, revoke, add) with each
// link's live status (opened, device check, waiting, in the meeting, left) and
// a short message to whoever waits in the lobby, the caseworker's private
// notes, the audit log, deletion. The server shows the links again on any
// browser; links made before it could are shown only where they were saved
// (../linkstore.js).
import { api, ApiError } from '../api.js';
import { announce, append, clear, confirmDialog, copyText, field, focusHeading, h, uniqueId } from '../dom.js';
import { buildIcs, icsFileName } from '../ics.js';
import { getLang, setAttr, setText, t } from '../i18n.js';
import { icon } from '../icons.js';
import { forgetLink, forgetMeeting, storedLinks, tokenOf } from '../linkstore.js';
import { watchLinks } from '../linkwatch.js';
import { dialIn, dialOutOffered } from '../phone.js';
import { callDialog, dialInLine, showDialState } from './phone-ui.js';
import { ROLES, roleKey } from '../roles.js';
import { createNotes, downloadText, forgetNotes } from './notes.js';

const AUDIT_DETAILS = {
    'host link': 'audit.detail.host_link',
    'auto-admit': 'audit.detail.auto_admit',
    lobby: 'audit.detail.lobby',
    admitted: 'audit.detail.admitted',
    left: 'audit.detail.left',
    'connection lost': 'audit.detail.connection_lost',
    reconnected: 'audit.detail.reconnected',
    host: 'audit.detail.host',
    deleted: 'audit.detail.deleted',
    shutdown: 'audit.detail.shutdown',
};
const AUDIT_KINDS = ['created', 'invitation_created', 'invitation_revoked', 'join', 'leave', 'admit', 'deny', 'remove', 'lock', 'unlock', 'end', 'resume', 'link_opened', 'check_passed', 'check_failed', 'lobby_message'];
const LINK_STATUSES = ['not_opened', 'opened', 'check_passed', 'check_failed', 'waiting', 'in_meeting', 'left'];
const CHECK_REASONS = ['no_connection', 'no_media', 'no_audio', 'permission', 'no_mic', 'mic_busy', 'unsupported', 'browser', 'server', 'busy'];

/** [key, params] for an invitation's link status, in words. */
export function linkStatusText(inv) {
    const status = LINK_STATUSES.includes(inv.status) ? inv.status : 'not_opened';
    const params = {};
    if (status === 'check_failed') params.reason = { k: CHECK_REASONS.includes(inv.status_reason) ? `linkstatus.reason.${inv.status_reason}` : 'linkstatus.reason.browser' };
    return [`linkstatus.${status}`, params];
}

/** The status line of an invitation: words and, once it changed, when. */
export function fillLinkStatus(el, inv) {
    const [key, params] = linkStatusText(inv);
    el.dataset.status = LINK_STATUSES.includes(inv.status) ? inv.status : 'not_opened';
    if (inv.status_at) setText(el, 'linkstatus.since', { status: { k: key, p: params }, at: { d: inv.status_at, f: 'time' } });
    else setText(el, key, params);
}

function copyButton(url, input, labelParams, text = url) {
    const label = h('span', { t: 'meeting.copy' });
    const btn = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' }, tAttrs: { 'aria-label': ['meeting.copy_label', labelParams] } }, icon('copy'), label);
    let timer = null;
    btn.addEventListener('click', async () => {
        const ok = await copyText(text, input);
        setText(label, ok ? 'meeting.copied' : 'meeting.copy_failed');
        announce(ok ? 'meeting.copied_announce' : 'meeting.copy_failed');
        clearTimeout(timer);
        timer = setTimeout(() => setText(label, 'meeting.copy'), 2500);
    });
    return btn;
}

function invitationState(inv, now) {
    if (inv.revoked_at) return 'revoked';
    if (inv.expires_at && inv.expires_at <= now) return 'expired';
    return 'active';
}

export async function mountMeeting(main, ctx, id) {
    ctx.setTitle('meeting.loading_title');
    const page = h('div', { class: 'page' });
    const back = h('p', { class: 'back' }, h('a', { attrs: { href: '/' }, dataset: { link: '' } }, icon('back'), h('span', { t: 'common.back_to_list' })));
    page.append(back, h('p', { class: 'muted', t: 'common.loading' }));
    main.append(page);

    let data;
    try {
        data = await api.meeting(id);
    } catch (e) {
        if (e instanceof ApiError && e.status === 401) {
            ctx.user = null;
            ctx.navigate(location.pathname, { replace: true });
            return null;
        }
        clear(page);
        const heading = h('h1', { t: e.status === 404 ? 'meeting.not_found' : 'error.title' });
        page.append(back, h('section', { class: 'card' }, heading, h('p', { t: e.status === 404 ? 'meeting.not_found_body' : e.code === 'network' ? 'error.network' : 'error.generic' })));
        focusHeading(heading);
        return null;
    }

    const userId = ctx.user.id;
    const note = ctx.createdNote && String(ctx.createdNote.meetingId) === String(id) ? ctx.createdNote : null;
    ctx.createdNote = null;
    let meeting = data.meeting;
    let invitations = data.invitations || [];
    let phone = data.phone || null; // {dial_in_number, dial_out}: the server's phone bridge
    const dialStates = new Map(); // invitation id -> {msg, number, line}: calls samtale makes
    let highlight = null; // invitation id just added
    const statusViews = new Map(); // invitation id -> {line, form, roleLabel}

    clear(page);
    const heading = h('h1', { class: 'meeting-heading', text: meeting.title });
    ctx.setTitle('meeting.page_title', { title: meeting.title });
    const statusEl = h('span');
    const whenEl = h('p', { class: 'meeting-when' });
    const headCard = h('section', { class: 'card' }, h('div', { class: 'meeting-item-head' }, heading, statusEl), whenEl);
    const hostSec = h('section', { class: 'card stack-sm', attrs: { 'aria-labelledby': 'host-h' } });
    const linksSec = h('section', { class: 'card stack-sm', attrs: { 'aria-labelledby': 'links-h' } });
    const addSec = h('section', { class: 'card stack-sm', attrs: { 'aria-labelledby': 'add-h' } });
    const notesSec = h('section', { class: 'card stack-sm notes-card', attrs: { 'aria-labelledby': 'notes-h' } });
    const auditSec = h('section', { class: 'card stack-sm', attrs: { 'aria-labelledby': 'audit-h' } });
    const dangerSec = h('section', { class: 'card stack-sm danger-zone', attrs: { 'aria-labelledby': 'danger-h' } });

    page.append(back, headCard);
    if (note) {
        page.append(
            h(
                'div',
                { class: 'alert alert-success', attrs: { role: 'status' } },
                h('strong', { t: 'meeting.created' }),
                ' ',
                h('span', { t: 'meeting.created_links' }),
            ),
        );
    }
    page.append(hostSec, linksSec, addSec, notesSec, auditSec, dangerSec);

    function renderHead() {
        clear(statusEl);
        const key = { planned: 'status.planned', live: 'status.live', ended: 'status.ended' }[meeting.status] || 'status.planned';
        statusEl.append(h('span', { class: `badge badge-${meeting.status}`, t: key }));
        setText(whenEl, 'meeting.when', { start: { d: meeting.planned_start, f: 'long' }, end: { d: meeting.planned_end, f: 'time' } });
    }

    /** The link of an invitation: from the server, else as saved in this browser before it could. */
    function linkOf(inv, stored) {
        if (inv.url) return { url: inv.url };
        return stored[inv.id] || null;
    }

    function renderHost() {
        clear(hostSec);
        const hid = 'host-h';
        hostSec.append(h('h2', { id: hid, t: 'meeting.host_heading' }));
        const now = Date.now();
        const stored = storedLinks(userId, meeting.id);
        const hosts = invitations.filter((i) => i.is_host && invitationState(i, now) === 'active');
        const hostInv = hosts.find((i) => linkOf(i, stored)) || hosts[0];
        const link = hostInv && linkOf(hostInv, stored);
        if (meeting.status === 'ended') {
            hostSec.append(h('p', { t: 'meeting.ended_note' }));
            return;
        }
        if (hostInv && link) {
            hostSec.append(
                h('p', { class: 'hint', t: 'meeting.host_hint' }),
                h(
                    'div',
                    { class: 'button-row' },
                    h('a', { class: 'btn btn-primary', attrs: { href: `/join#${tokenOf(link.url)}` }, dataset: { link: '' } }, icon('door'), h('span', { t: 'meeting.start' })),
                    copyButton(link.url, null, { role: t('role.caseworker') }),
                ),
            );
        } else {
            const btn = h('button', { class: 'btn btn-secondary', attrs: { type: 'button' } }, icon('plus'), h('span', { t: 'meeting.host_new' }));
            btn.addEventListener('click', async () => {
                btn.disabled = true;
                errorBox.hidden = true;
                try {
                    await api.addInvitation(meeting.id, { role: 'caseworker', host: true });
                    announce('meeting.host_new_done');
                    await reload();
                } catch (e) {
                    btn.disabled = false;
                    showError(e);
                }
            });
            hostSec.append(h('p', { class: 'alert alert-info', t: 'meeting.host_missing' }), h('div', { class: 'button-row' }, btn));
        }
    }

    function renderLinks() {
        clear(linksSec);
        linksSec.append(h('h2', { id: 'links-h', t: 'meeting.links_heading' }));
        const stored = storedLinks(userId, meeting.id);
        const guests = invitations.filter((i) => !i.is_host);
        statusViews.clear();
        if (!guests.length) {
            linksSec.append(h('p', { class: 'muted', t: 'meeting.no_links' }));
            return;
        }
        linksSec.append(h('p', { class: 'hint', t: 'meeting.links_hint' }));
        const list = h('ul', { class: 'link-list' });
        const now = Date.now();
        for (const inv of guests) {
            const state = invitationState(inv, now);
            const roleLabel = { k: roleKey(inv.role) };
            const li = h('li', { class: `link-item link-${state}` });
            if (highlight === inv.id) li.classList.add('is-new');
            const title = h('h3', { class: 'link-role', t: roleKey(inv.role) });
            const head = h('div', { class: 'link-head' }, title);
            if (state !== 'active') head.append(h('span', { class: `badge badge-${state}`, t: `meeting.link_${state}` }));
            else if (inv.auto_admit) head.append(h('span', { class: 'badge badge-auto', t: 'meeting.auto_admit_badge' }));
            li.append(head);
            if (inv.label) li.append(h('p', { class: 'link-label', text: inv.label }));
            const link = linkOf(inv, stored);
            if (state === 'active') li.append(statusBlock(inv, roleLabel));
            if (state === 'active') {
                if (link) {
                    const inputId = uniqueId('link');
                    const input = h('input', { id: inputId, class: 'link-url', attrs: { type: 'text', readonly: true, value: link.url, spellcheck: 'false' } });
                    li.append(
                        h('label', { class: 'visually-hidden', attrs: { for: inputId }, t: ['meeting.link_for', { role: roleLabel }] }),
                        input,
                    );
                    input.addEventListener('focus', () => input.select());
                    if (meeting.status !== 'ended') append(li, [dialInLine(phone, inv)]); // nothing without a dial-in number
                    const row = h('div', { class: 'button-row' }, copyButton(link.url, input, { role: roleLabel }, inviteText(inv, link.url)));
                    if (meeting.status !== 'ended') row.append(icsButton(inv, link.url, roleLabel));
                    if (meeting.status !== 'ended' && dialOutOffered(phone)) row.append(callButton(inv, roleLabel));
                    row.append(revokeButton(inv, roleLabel));
                    li.append(row, dialLine(inv));
                } else {
                    li.append(h('p', { class: 'hint', t: 'meeting.link_unavailable' }), h('div', { class: 'button-row' }, revokeButton(inv, roleLabel)));
                }
            } else if (state === 'expired') {
                li.append(h('p', { class: 'hint', t: 'meeting.link_expired_note' }));
            }
            list.append(li);
        }
        linksSec.append(list);
    }

    /** The live status of a guest link, and the lobby message form while someone waits. */
    function statusBlock(inv, roleLabel) {
        const line = h('p', { class: 'link-status', attrs: { 'data-invitation': inv.id } });
        fillLinkStatus(line, inv);
        const inputId = uniqueId('lobbymsg');
        const hintId = uniqueId('lobbymsg-hint');
        const input = h('input', { id: inputId, class: 'lobby-message-input', attrs: { type: 'text', maxlength: 200, autocomplete: 'off', 'aria-describedby': hintId } });
        const feedback = h('p', { class: 'hint lobby-message-feedback', attrs: { role: 'status' } });
        const send = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'submit' } }, icon('send'), h('span', { t: 'lobbymsg.send' }));
        const form = h(
            'form',
            { class: 'lobby-message', attrs: { novalidate: true } },
            h('label', { attrs: { for: inputId }, t: 'lobbymsg.label' }),
            h('p', { id: hintId, class: 'hint', t: 'lobbymsg.hint' }),
            h('div', { class: 'button-row' }, input, send),
            feedback,
        );
        form.addEventListener('submit', async (ev) => {
            ev.preventDefault();
            const text = input.value.trim();
            if (!text || [...text].length > 200) {
                setText(feedback, 'lobbymsg.bad_text');
                return;
            }
            send.disabled = true;
            try {
                await watcher.lobbyMessage(inv.id, text);
                input.value = '';
                setText(feedback, 'lobbymsg.sent');
            } catch (e) {
                const key = { not_found: 'lobbymsg.not_waiting', rate_limited: 'lobbymsg.too_fast', bad_message: 'lobbymsg.bad_text' }[e && e.code] || 'lobbymsg.failed';
                setText(feedback, key);
            } finally {
                send.disabled = false;
            }
        });
        form.hidden = inv.status !== 'waiting';
        statusViews.set(inv.id, { line, form, roleLabel });
        return h('div', { class: 'link-status-block' }, line, form);
    }

    /** A status pushed by the server: update that link in place (a form being typed in stays). */
    function onLinkStatus(msg) {
        const inv = invitations.find((i) => i.id === msg.invitation_id);
        if (!inv) {
            reload();
            return;
        }
        inv.status = msg.status;
        inv.status_reason = msg.reason;
        inv.status_at = msg.at;
        const view = statusViews.get(inv.id);
        if (!view) return;
        fillLinkStatus(view.line, inv);
        view.form.hidden = inv.status !== 'waiting';
        const [key, params] = linkStatusText(inv);
        announce('linkstatus.announce', { role: view.roleLabel, status: { k: key, p: params } });
    }

    /** What "Copy link" copies: the link, and how to call in when the server has a dial-in number. */
    function inviteText(inv, url) {
        const d = dialIn(phone, inv);
        return d && d.pin ? t('phone.copy_text', { url, number: d.number, pin: d.pin }) : url;
    }

    /** "Call": samtale calls a number through the trunk for this invitation. */
    function callButton(inv, roleLabel) {
        const btn = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' }, tAttrs: { 'aria-label': ['phone.call_label', { role: roleLabel }] } }, icon('phone'), h('span', { t: 'phone.call' }));
        btn.addEventListener('click', async () => {
            const number = await callDialog({ roleLabel });
            btn.focus();
            if (!number) return;
            const view = dialStates.get(inv.id) || { line: null };
            view.number = number;
            view.msg = watcher.dialOut(inv.id, number) ? { state: 'calling' } : { error: { code: 'network' } };
            dialStates.set(inv.id, view);
            if (view.line) showDialState(view.line, view.msg, number);
        });
        return btn;
    }

    /** The line that follows a call for this invitation (role="status": read out as it changes). */
    function dialLine(inv) {
        const line = h('p', { class: 'dial-state', attrs: { role: 'status', hidden: true, 'data-invitation': inv.id } });
        const view = dialStates.get(inv.id) || { msg: null, number: '', line: null };
        view.line = line;
        dialStates.set(inv.id, view);
        if (view.msg) showDialState(line, view.msg, view.number);
        return line;
    }

    function onDialOut(msg) {
        const view = dialStates.get(msg.invitation_id);
        if (!view || !view.number) return; // not a call made from this page
        view.msg = msg;
        if (view.line) showDialState(view.line, msg, view.number);
    }

    /** Downloads an invitation for the recipient's calendar, made here from the stored link. */
    function icsButton(inv, url, roleLabel) {
        const btn = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' }, tAttrs: { 'aria-label': ['meeting.ics_label', { role: roleLabel }] } }, icon('calendar'), h('span', { t: 'meeting.ics' }));
        btn.addEventListener('click', () => {
            errorBox.hidden = true;
            let text;
            try {
                text = buildIcs({
                    meetingId: meeting.id,
                    role: inv.role,
                    title: meeting.title,
                    start: meeting.planned_start,
                    end: meeting.planned_end,
                    url,
                    description: t('ics.description', { title: meeting.title, url }) + icsPhone(inv),
                    alarm: t('ics.alarm', { title: meeting.title }),
                    lang: getLang(),
                });
            } catch (e) {
                showError(e);
                return;
            }
            downloadText(icsFileName(t('ics.file_name', { role: roleLabel })), text, 'text/calendar;charset=utf-8');
            announce('meeting.ics_done', { role: roleLabel });
        });
        return btn;
    }

    /** How to call in, for the calendar invitation's description ("" without a dial-in number). */
    function icsPhone(inv) {
        const d = dialIn(phone, inv);
        return d && d.pin ? t('ics.phone', { number: d.number, pin: d.pin }) : '';
    }

    function revokeButton(inv, roleLabel) {
        const btn = h('button', { class: 'btn btn-danger-outline btn-small', attrs: { type: 'button' }, tAttrs: { 'aria-label': ['meeting.revoke_label', { role: roleLabel }] } }, icon('close'), h('span', { t: 'meeting.revoke' }));
        btn.addEventListener('click', async () => {
            const ok = await confirmDialog({ title: 'meeting.revoke_title', body: 'meeting.revoke_body', confirm: 'meeting.revoke', danger: true, params: { role: roleLabel } });
            if (!ok) return;
            btn.disabled = true;
            try {
                await api.revokeInvitation(meeting.id, inv.id);
                forgetLink(userId, meeting.id, inv.id);
                if (highlight === inv.id) highlight = null;
                announce('meeting.revoked_announce', { role: roleLabel });
                await reload();
            } catch (e) {
                btn.disabled = false;
                showError(e);
            }
        });
        return btn;
    }

    const errorBox = h('p', { class: 'alert alert-error', attrs: { role: 'alert', hidden: true } });
    function showError(e) {
        setText(errorBox, e && e.code === 'network' ? 'error.network' : 'meeting.action_failed', { message: (e && e.message) || '' });
        errorBox.hidden = false;
    }

    function renderAdd() {
        clear(addSec);
        if (meeting.status === 'ended') {
            addSec.hidden = true;
            return;
        }
        addSec.hidden = false;
        addSec.append(h('h2', { id: 'add-h', t: 'meeting.add_heading' }));
        const roleSelect = h('select', { attrs: { name: 'role' } });
        for (const r of ROLES) roleSelect.append(h('option', { attrs: { value: r }, t: r === 'caseworker' ? 'create.role_colleague' : roleKey(r) }));
        const roleField = field({ label: 'meeting.add_role', name: 'role', control: roleSelect });
        const labelField = field({ label: 'meeting.add_label', name: 'label', attrs: { maxlength: 100, autocomplete: 'off' }, hint: 'meeting.add_label_hint' });
        const autoId = uniqueId('auto');
        const auto = h('input', { id: autoId, attrs: { type: 'checkbox', name: 'auto_admit' } });
        const submit = h('button', { class: 'btn btn-primary', attrs: { type: 'submit' } }, icon('plus'), h('span', { t: 'meeting.add_submit' }));
        const form = h(
            'form',
            { class: 'form', attrs: { novalidate: true } },
            roleField.wrap,
            labelField.wrap,
            h('div', { class: 'check' }, auto, h('label', { attrs: { for: autoId }, t: 'meeting.add_auto' })),
            h('div', { class: 'form-actions' }, submit),
        );
        form.addEventListener('submit', async (ev) => {
            ev.preventDefault();
            submit.disabled = true;
            errorBox.hidden = true;
            try {
                const body = { role: roleSelect.value, auto_admit: auto.checked };
                const label = labelField.input.value.trim();
                if (label) body.label = label;
                const res = await api.addInvitation(meeting.id, body);
                highlight = res.invitation.id;
                labelField.input.value = '';
                auto.checked = false;
                announce('meeting.added_announce', { role: { k: roleKey(res.invitation.role) } });
                await reload();
                const fresh = linksSec.querySelector('.is-new .link-url');
                if (fresh) fresh.focus();
            } catch (e) {
                showError(e);
            } finally {
                submit.disabled = false;
            }
        });
        addSec.append(form);
    }

    // Built once: a re-render must not lose what is being typed.
    const notes = createNotes({ meetingId: meeting.id, title: meeting.title, date: meeting.planned_start });
    notesSec.append(h('h2', { id: 'notes-h', t: 'notes.heading' }), h('p', { class: 'hint', t: 'notes.meeting_hint' }), notes.el);

    const auditBody = h('div', { class: 'audit-wrap' });
    function renderAuditFrame() {
        clear(auditSec);
        const refresh = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' }, t: 'meeting.audit_refresh', on: { click: loadAudit } });
        auditSec.append(h('div', { class: 'section-head' }, h('h2', { id: 'audit-h', t: 'meeting.audit_heading' }), refresh), auditBody);
    }

    async function loadAudit() {
        let events;
        try {
            events = (await api.audit(meeting.id)).events || [];
        } catch (e) {
            clear(auditBody);
            auditBody.append(h('p', { class: 'alert alert-error', t: e.code === 'network' ? 'error.network' : 'error.generic' }));
            return;
        }
        clear(auditBody);
        if (!events.length) {
            auditBody.append(h('p', { class: 'muted', t: 'meeting.audit_empty' }));
            return;
        }
        const table = h('table', { class: 'audit-table' });
        table.append(h('caption', { class: 'visually-hidden', t: 'meeting.audit_heading' }));
        const cols = ['meeting.audit_time', 'meeting.audit_event', 'meeting.audit_who', 'meeting.audit_detail'];
        table.append(h('thead', {}, h('tr', {}, cols.map((c) => h('th', { attrs: { scope: 'col' }, t: c })))));
        const tbody = h('tbody');
        for (const ev of events.slice().sort((a, b) => b.at - a.at || b.id - a.id)) {
            const kindKey = AUDIT_KINDS.includes(ev.kind) ? `audit.kind.${ev.kind}` : null;
            const whoBox = h('div');
            if (ev.display_name) whoBox.append(h('span', { class: 'audit-name', text: ev.display_name }));
            if (ev.role) whoBox.append(h('span', { class: 'audit-role', t: roleKey(ev.role, true) }));
            const who = h('td', {}, whoBox.childNodes.length ? whoBox : null);
            const detail = h('td');
            const d = ev.detail || '';
            if (AUDIT_DETAILS[d]) setText(detail, AUDIT_DETAILS[d]);
            else if (ev.kind === 'check_failed' && CHECK_REASONS.includes(d)) setText(detail, `linkstatus.reason.${d}`);
            else if (d.startsWith('by ')) setText(detail, 'audit.detail.by', { name: d.slice(3) });
            else detail.textContent = d;
            const cells = [
                h('td', { t: ['meeting.audit_at', { at: { d: ev.at, f: 'seconds' } }] }),
                kindKey ? h('td', { t: kindKey }) : h('td', { text: ev.kind }),
                who,
                detail,
            ];
            cells.forEach((td, i) => setAttr(td, 'data-label', cols[i]));
            tbody.append(h('tr', {}, cells));
        }
        table.append(tbody);
        auditBody.append(table);
    }

    function renderDanger() {
        clear(dangerSec);
        dangerSec.append(h('h2', { id: 'danger-h', t: 'meeting.delete_heading' }), h('p', { class: 'hint', t: 'meeting.delete_hint' }));
        const btn = h('button', { class: 'btn btn-danger-outline', attrs: { type: 'button' } }, icon('trash'), h('span', { t: 'meeting.delete' }));
        btn.addEventListener('click', async () => {
            const ok = await confirmDialog({ title: 'meeting.delete_title', body: 'meeting.delete_body', confirm: 'meeting.delete', danger: true, params: { title: meeting.title } });
            if (!ok) return;
            btn.disabled = true;
            try {
                await api.deleteMeeting(meeting.id);
                forgetMeeting(userId, meeting.id);
                forgetNotes(meeting.id);
                announce('meeting.deleted_announce', { title: meeting.title });
                ctx.navigate('/');
            } catch (e) {
                btn.disabled = false;
                showError(e);
            }
        });
        dangerSec.append(btn);
    }

    async function reload() {
        const fresh = await api.meeting(meeting.id);
        meeting = fresh.meeting;
        invitations = fresh.invitations || [];
        phone = fresh.phone || null;
        renderAll();
        loadAudit();
    }

    function renderAll() {
        renderHead();
        renderHost();
        renderLinks();
        renderAdd();
    }

    page.insertBefore(errorBox, hostSec);
    renderAll();
    renderAuditFrame();
    renderDanger();
    focusHeading(heading);
    loadAudit();
    // Live statuses; each (re)connection reloads (the first one too: a change
    // between the load above and the watch would be missed otherwise).
    const watcher = watchLinks({
        meetingId: meeting.id,
        onStatus: onLinkStatus,
        onReady: () => reload().catch(() => {}),
        onDialOut,
    });
    return () => {
        watcher.close();
        notes.destroy();
    };
}
