// The caseworker's private notes for one meeting: a labelled text area that
// saves itself in this browser's localStorage on every change (keyed by
// meeting id). Nothing is ever sent to the server. Copy, download as .txt
// and clear (after a confirmation). Used in the meeting room (a panel, see
// room.js) and on the meeting page (meeting.js), so the notes are there after
// a reload and after the meeting has ended.
import { announce, confirmDialog, copyText, h, uniqueId } from '../dom.js';
import { setText, t } from '../i18n.js';
import { icon } from '../icons.js';

const PREFIX = 'samtale.notes.';

function key(meetingId) {
    return PREFIX + String(meetingId);
}

/** The saved notes of a meeting ('' if none). */
export function loadNotes(meetingId) {
    try {
        const data = JSON.parse(localStorage.getItem(key(meetingId)) || 'null');
        return data && typeof data.text === 'string' ? data.text : '';
    } catch {
        return '';
    }
}

/** Saves (or, for '', removes) the notes; false if the browser refused. */
export function saveNotes(meetingId, text, now = Date.now()) {
    try {
        if (text) localStorage.setItem(key(meetingId), JSON.stringify({ text, at: now }));
        else localStorage.removeItem(key(meetingId));
        return true;
    } catch {
        return false;
    }
}

export function forgetNotes(meetingId) {
    saveNotes(meetingId, '');
}

/** "noter-2026-03-01-opfolgning.txt": the meeting's date and title, safe characters only. */
export function notesFileName(title, date) {
    const d = new Date(Number.isFinite(date) ? date : Date.now());
    const day = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    const slug = String(title || '')
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .replace(/æ/g, 'ae')
        .replace(/ø/g, 'oe')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40)
        .replace(/-+$/, '');
    return `${t('notes.file_prefix')}-${day}${slug ? `-${slug}` : ''}.txt`;
}

/** The .txt file: title and date on top, then the notes; CRLF for Windows editors. */
export function notesFileText(title, date, text) {
    const head = [t('notes.file_title', { title }), Number.isFinite(date) ? t('notes.file_date', { date: { d: date, f: 'long' } }) : null].filter(Boolean);
    return `\ufeff${[...head, '', text].join('\n').replace(/\r\n|\r|\n/g, '\r\n')}\r\n`;
}

/** Saves text as a file through the browser's download (also the calendar file of meeting.js). */
export function downloadText(name, text, type = 'text/plain;charset=utf-8') {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = h('a', { attrs: { href: url, download: name, hidden: true } });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * The notes editor for one meeting: {el, input, destroy()}.
 * title and date (ms, the meeting's planned start) go into the downloaded file.
 */
export function createNotes({ meetingId, title, date }) {
    const inputId = uniqueId('notes');
    const privateId = `${inputId}-private`;
    const statusId = `${inputId}-status`;
    const input = h('textarea', { id: inputId, class: 'notes-input', attrs: { rows: 8, name: 'notes', spellcheck: 'true', 'aria-describedby': `${privateId} ${statusId}` } });
    input.value = loadNotes(meetingId);
    const status = h('p', { class: 'notes-status', id: statusId });
    const copyLabel = h('span', { t: 'notes.copy' });
    const copyBtn = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' } }, icon('copy'), copyLabel);
    const downloadBtn = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' } }, icon('download'), h('span', { t: 'notes.download' }));
    const clearBtn = h('button', { class: 'btn btn-danger-outline btn-small', attrs: { type: 'button' } }, icon('trash'), h('span', { t: 'notes.clear' }));
    const el = h(
        'div',
        { class: 'notes' },
        h('p', { class: 'notes-private', id: privateId }, icon('lock', 'icon icon-sm'), h('span', { t: 'notes.private' })),
        h('label', { class: 'notes-label', attrs: { for: inputId }, t: 'notes.label' }),
        input,
        status,
        h('div', { class: 'button-row notes-actions' }, copyBtn, downloadBtn, clearBtn),
    );
    let copyTimer = null;

    function sync() {
        const empty = !input.value;
        copyBtn.disabled = empty;
        downloadBtn.disabled = empty;
        clearBtn.disabled = empty;
    }

    function save() {
        const ok = saveNotes(meetingId, input.value);
        status.classList.toggle('is-error', !ok);
        if (!ok) setText(status, 'notes.save_failed');
        else if (input.value) setText(status, 'notes.saved', { at: { d: Date.now(), f: 'time' } });
        else status.textContent = '';
        sync();
    }

    input.addEventListener('input', save);
    copyBtn.addEventListener('click', async () => {
        const ok = await copyText(input.value, input);
        setText(copyLabel, ok ? 'notes.copied' : 'notes.copy_failed');
        announce(ok ? 'notes.copied_announce' : 'notes.copy_failed');
        clearTimeout(copyTimer);
        copyTimer = setTimeout(() => setText(copyLabel, 'notes.copy'), 2500);
    });
    downloadBtn.addEventListener('click', () => {
        downloadText(notesFileName(title, date), notesFileText(title, date, input.value));
        announce('notes.downloaded_announce');
    });
    clearBtn.addEventListener('click', async () => {
        const ok = await confirmDialog({ title: 'notes.clear_title', body: 'notes.clear_body', confirm: 'notes.clear', danger: true });
        if (!ok) {
            clearBtn.focus();
            return;
        }
        input.value = '';
        save();
        announce('notes.cleared_announce');
        input.focus();
    });
    // The same notes open in another tab (meeting page and room): follow its
    // edits unless this one is being typed in.
    const onStorage = (ev) => {
        if (ev.key !== key(meetingId) || document.activeElement === input) return;
        input.value = loadNotes(meetingId);
        sync();
    };
    window.addEventListener('storage', onStorage);
    sync();

    function destroy() {
        clearTimeout(copyTimer);
        window.removeEventListener('storage', onStorage);
    }

    return { el, input, destroy };
}
