// The caseworker's meeting list, with each guest link's live status, and the
// form for a new meeting.
import { api, ApiError } from '../api.js';
import { append, clear, field, focusHeading, h, showFieldError, uniqueId } from '../dom.js';
import { setText, t } from '../i18n.js';
import { icon } from '../icons.js';
import { watchLinks } from '../linkwatch.js';
import { ROLES, roleKey } from '../roles.js';
import { fillLinkStatus } from './meeting.js';

function statusBadge(status) {
    const key = { planned: 'status.planned', live: 'status.live', ended: 'status.ended' }[status] || 'status.planned';
    return h('span', { class: `badge badge-${status}`, t: key });
}

/** Guest links and their statuses; lines are kept in `lines` by invitation id for live updates. */
function linkStatuses(m, lines) {
    const links = (m.links || []).filter((l) => l.status);
    if (!links.length || m.status === 'ended') return null;
    const list = h('ul', { class: 'meeting-links', tAttrs: { 'aria-label': 'meetings.links_status' } });
    for (const l of links) {
        const status = h('span', { class: 'link-status' });
        fillLinkStatus(status, l);
        lines.set(l.id, { el: status, inv: l });
        list.append(h('li', {}, h('span', { class: 'meeting-link-role', t: roleKey(l.role) }), l.label ? h('span', { class: 'muted', text: ` (${l.label})` }) : null, ': ', status));
    }
    return list;
}

function meetingItem(m, lines) {
    const link = h('a', { class: 'meeting-link', attrs: { href: `/meetings/${m.id}` }, dataset: { link: '' }, text: m.title });
    const meta = h(
        'p',
        { class: 'meeting-meta' },
        h('span', { t: ['meetings.when', { start: { d: m.planned_start, f: 'datetime' }, end: { d: m.planned_end, f: 'time' } }] }),
    );
    const extra = [];
    if (m.status === 'live') extra.push(h('span', { class: 'meeting-count', t: ['meetings.present', { n: m.participants }] }));
    return h('li', { class: 'meeting-item' }, h('div', { class: 'meeting-item-head' }, h('h3', { class: 'meeting-title' }, link), statusBadge(m.status)), meta, extra, linkStatuses(m, lines));
}

export async function mountMeetings(main, ctx) {
    ctx.setTitle('meetings.title');
    const heading = h('h1', { t: 'meetings.title' });
    const newBtn = h('a', { class: 'btn btn-primary', attrs: { href: '/meetings/new' }, dataset: { link: '' } }, icon('plus'), h('span', { t: 'meetings.new' }));
    const body = h('div', { class: 'stack' }, h('p', { class: 'muted', t: 'common.loading' }));
    append(main, [h('div', { class: 'page' }, h('div', { class: 'page-head' }, heading, newBtn), body)]);
    focusHeading(heading);

    const lines = new Map(); // invitation id -> {el, inv}
    let gone = false;
    let ready = false; // the first list is on the page
    // Live statuses for all of the caseworker's meetings; a link not on the
    // page yet (or a reconnect) reloads the list.
    const watcher = watchLinks({
        onStatus: (msg) => {
            const line = lines.get(msg.invitation_id);
            if (!line && msg.is_host) return; // host links are not listed
            if (!line) {
                if (ready) load();
                return;
            }
            Object.assign(line.inv, { status: msg.status, status_reason: msg.reason, status_at: msg.at });
            fillLinkStatus(line.el, line.inv);
        },
        // Each (re)connection reloads: nothing between a load and the watch is missed.
        onReady: () => load(),
    });
    await load();
    ready = true;
    return () => {
        gone = true;
        watcher.close();
    };

    async function load() {
        let res;
        try {
            res = await api.meetings();
        } catch (e) {
            if (gone) return;
            if (e instanceof ApiError && e.status === 401) {
                watcher.close();
                ctx.user = null;
                ctx.navigate('/', { replace: true });
                return;
            }
            clear(body);
            body.append(h('p', { class: 'alert alert-error', attrs: { role: 'alert' }, t: e.code === 'network' ? 'error.network' : 'error.generic' }));
            return;
        }
        if (!gone) render(res.meetings || []);
    }

    function render(meetings) {
        const current = meetings.filter((m) => m.status !== 'ended').sort((a, b) => a.planned_start - b.planned_start);
        const ended = meetings.filter((m) => m.status === 'ended').sort((a, b) => (b.ended_at || b.planned_start) - (a.ended_at || a.planned_start));
        clear(body);
        lines.clear();
        const sec = (titleKey, list, emptyKey) => {
            const hid = uniqueId('sec');
            return h(
                'section',
                { class: 'stack-sm', attrs: { 'aria-labelledby': hid } },
                h('h2', { id: hid, t: titleKey }),
                list.length ? h('ul', { class: 'meeting-list' }, list.map((m) => meetingItem(m, lines))) : h('p', { class: 'muted', t: emptyKey }),
            );
        };
        body.append(sec('meetings.upcoming', current, 'meetings.none'));
        if (ended.length) body.append(sec('meetings.ended', ended.slice(0, 50), 'meetings.none'));
    }
}

function pad(n) {
    return String(n).padStart(2, '0');
}

function localDate(d) {
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function localTime(d) {
    return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const DURATIONS = [15, 30, 45, 60, 90, 120, 180];

export function mountCreate(main, ctx) {
    ctx.setTitle('create.title');
    const heading = h('h1', { t: 'create.title' });

    const title = field({ label: 'create.meeting_title', name: 'title', required: true, attrs: { maxlength: 200, autocomplete: 'off' }, hint: 'create.meeting_title_hint' });

    // Next quarter of an hour from now.
    const start = new Date(Date.now() + 15 * 60000);
    start.setMinutes(Math.ceil(start.getMinutes() / 15) * 15, 0, 0);
    const date = field({ label: 'create.date', type: 'date', name: 'date', required: true, attrs: { value: localDate(start) } });
    const time = field({ label: 'create.time', type: 'time', name: 'time', required: true, attrs: { value: localTime(start), step: 300 } });

    const durSelect = h('select', { attrs: { name: 'duration' } });
    for (const m of DURATIONS) durSelect.append(h('option', { attrs: { value: m, selected: m === 60 }, t: ['create.minutes', { n: m }] }));
    const duration = field({ label: 'create.duration', name: 'duration', control: durSelect });

    const roleBoxes = {};
    const autoBoxes = {};
    const rolesFs = h('fieldset', { class: 'fieldset' }, h('legend', { t: 'create.roles' }), h('p', { class: 'hint', t: 'create.roles_hint' }));
    const autoFs = h('fieldset', { class: 'fieldset' }, h('legend', { t: 'create.auto_admit' }), h('p', { class: 'hint', t: 'create.auto_admit_hint' }));
    const rolesGrid = h('div', { class: 'check-grid' });
    const autoGrid = h('div', { class: 'check-grid' });
    for (const role of ROLES) {
        const id = uniqueId(`role-${role}`);
        const box = h('input', { id, attrs: { type: 'checkbox', name: 'roles', value: role, checked: role === 'citizen' } });
        roleBoxes[role] = box;
        rolesGrid.append(h('div', { class: 'check' }, box, h('label', { attrs: { for: id }, t: role === 'caseworker' ? 'create.role_colleague' : roleKey(role) })));
        const aid = uniqueId(`auto-${role}`);
        const abox = h('input', { id: aid, attrs: { type: 'checkbox', name: 'auto_admit', value: role, checked: role === 'caseworker' } });
        autoBoxes[role] = abox;
        autoGrid.append(h('div', { class: 'check', dataset: { role } }, abox, h('label', { attrs: { for: aid }, t: role === 'caseworker' ? 'create.role_colleague' : roleKey(role) })));
        box.addEventListener('change', syncAuto);
    }
    rolesFs.append(rolesGrid);
    autoFs.append(autoGrid);
    function syncAuto() {
        for (const role of ROLES) {
            const on = roleBoxes[role].checked;
            autoBoxes[role].disabled = !on;
            autoBoxes[role].closest('.check').classList.toggle('is-disabled', !on);
        }
    }
    syncAuto();

    const error = h('p', { class: 'alert alert-error', attrs: { role: 'alert', hidden: true } });
    const submit = h('button', { class: 'btn btn-primary', attrs: { type: 'submit' }, t: 'create.submit' });
    const cancel = h('a', { class: 'btn btn-secondary', attrs: { href: '/' }, dataset: { link: '' }, t: 'common.cancel' });
    const form = h(
        'form',
        { class: 'form', attrs: { novalidate: true } },
        title.wrap,
        h('div', { class: 'field-row' }, date.wrap, time.wrap),
        duration.wrap,
        rolesFs,
        autoFs,
        error,
        h('div', { class: 'form-actions' }, submit, cancel),
    );

    form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        error.hidden = true;
        let bad = null;
        const titleVal = title.input.value.trim();
        showFieldError(title, null);
        showFieldError(date, null);
        showFieldError(time, null);
        if (!titleVal) {
            showFieldError(title, 'create.err_title');
            bad = bad || title.input;
        }
        const when = new Date(`${date.input.value}T${time.input.value}`);
        if (!date.input.value || Number.isNaN(when.getTime())) {
            showFieldError(date, 'create.err_date');
            bad = bad || date.input;
        }
        if (!time.input.value) {
            showFieldError(time, 'create.err_time');
            bad = bad || time.input;
        }
        if (bad) {
            bad.focus();
            return;
        }
        const roles = ROLES.filter((r) => roleBoxes[r].checked);
        const autoAdmit = roles.filter((r) => autoBoxes[r].checked);
        submit.disabled = true;
        setText(submit, 'create.busy');
        try {
            const res = await api.createMeeting({
                title: titleVal,
                planned_start: when.getTime(),
                duration_minutes: Number(durSelect.value),
                roles,
                auto_admit: autoAdmit,
            });
            ctx.createdNote = { meetingId: res.meeting.id };
            ctx.navigate(`/meetings/${res.meeting.id}`);
        } catch (e) {
            if (e instanceof ApiError && e.status === 401) {
                ctx.user = null;
                ctx.navigate('/', { replace: true });
                return;
            }
            setText(error, e.code === 'network' ? 'error.network' : 'create.err_server', { message: e.message || '' });
            error.hidden = false;
            submit.disabled = false;
            setText(submit, 'create.submit');
        }
    });

    append(main, [
        h(
            'div',
            { class: 'page narrow-page' },
            h('p', { class: 'back' }, h('a', { attrs: { href: '/' }, dataset: { link: '' } }, icon('back'), h('span', { t: 'common.back_to_list' }))),
            h('section', { class: 'card' }, heading, form),
        ),
    ]);
    focusHeading(heading);
    return null;
}
