// A calendar invitation (RFC 5545 iCalendar) for one meeting link. Links are
// only kept in the caseworker's browser, so the file is made here, not on the
// server. Pure functions, no DOM: tests run them in node.
//
//   buildIcs({ meetingId: 12, role: 'citizen', title: 'Opfølgning',
//              start: ms, end: ms, url: 'https://host/join#token',
//              description: 'How to join …', alarm: 'Starts in 15 minutes',
//              now: Date.now(), lang: 'da' })  →  "BEGIN:VCALENDAR\r\n…"

const CRLF = '\r\n';
const MAX_OCTETS = 75; // per line, CRLF not counted (RFC 5545 3.1)
const ALARM_MINUTES = 15;

/** TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma, newline. */
export function escapeText(s) {
    return String(s)
        .replace(/\\/g, '\\\\')
        .replace(/;/g, '\\;')
        .replace(/,/g, '\\,')
        .replace(/\r\n|\r|\n/g, '\\n');
}

function utf8Length(cp) {
    if (cp < 0x80) return 1;
    if (cp < 0x800) return 2;
    if (cp < 0x10000) return 3;
    return 4;
}

/**
 * Folds one content line into lines of at most 75 octets of UTF-8, each
 * continuation starting with a space (RFC 5545 3.1). Splits only between
 * characters (code points), never inside a multi-byte one.
 */
export function foldLine(line) {
    const out = [];
    let cur = '';
    let octets = 0;
    let limit = MAX_OCTETS;
    for (const ch of line) {
        const n = utf8Length(ch.codePointAt(0));
        if (octets + n > limit) {
            out.push(cur);
            cur = ' ';
            octets = 1;
            limit = MAX_OCTETS;
        }
        cur += ch;
        octets += n;
    }
    out.push(cur);
    return out.join(CRLF);
}

/** UTC date-time form 20260301T090000Z (RFC 5545 3.3.5, form #2). */
export function formatUtc(ms) {
    const d = new Date(ms);
    if (!Number.isFinite(ms) || Number.isNaN(d.getTime())) throw new TypeError(`ics: not a time: ${ms}`);
    const p = (n, w = 2) => String(n).padStart(w, '0');
    return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

function requireText(name, v) {
    if (typeof v !== 'string' || !v.trim()) throw new TypeError(`ics: ${name} must be a non-empty string`);
    return v;
}

/** The whole VCALENDAR with one VEVENT (and a display alarm), CRLF line ends. */
export function buildIcs({ meetingId, role, title, start, end, url, description, alarm, now = Date.now(), lang = 'da' }) {
    if (!Number.isSafeInteger(Number(meetingId)) || Number(meetingId) <= 0) throw new TypeError(`ics: bad meeting id: ${meetingId}`);
    requireText('role', role);
    requireText('title', title);
    requireText('description', description);
    requireText('alarm', alarm);
    if (!Number.isFinite(start) || !Number.isFinite(end)) throw new TypeError('ics: start and end must be times in ms');
    if (end < start) throw new RangeError('ics: the meeting ends before it starts');
    let link;
    try {
        link = new URL(requireText('url', url));
    } catch (e) {
        throw new TypeError(`ics: bad link: ${e.message}`);
    }
    if (link.protocol !== 'https:' && link.protocol !== 'http:') throw new TypeError(`ics: the link is not http(s): ${link.protocol}`);
    if (/[\s\x00-\x1f\x7f]/.test(url)) throw new TypeError('ics: the link contains spaces or control characters');
    // The same meeting and role give the same UID, so a new link for that
    // role (the old one revoked) updates the event in the recipient's calendar.
    const uid = `samtale-meeting-${Number(meetingId)}-${role.replace(/[^A-Za-z0-9-]/g, '')}@${link.host}`;
    const lines = [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        `PRODID:-//samtale//samtale web client//${String(lang).toUpperCase().replace(/[^A-Z-]/g, '')}`,
        'CALSCALE:GREGORIAN',
        'METHOD:PUBLISH',
        'BEGIN:VEVENT',
        `UID:${uid}`,
        `DTSTAMP:${formatUtc(now)}`,
        `DTSTART:${formatUtc(start)}`,
        `DTEND:${formatUtc(end)}`,
        `SUMMARY:${escapeText(title)}`,
        `DESCRIPTION:${escapeText(description)}`,
        `LOCATION:${escapeText(url)}`,
        // URI value: not TEXT, so no escaping; a URL has no line breaks.
        `URL:${url}`,
        'BEGIN:VALARM',
        'ACTION:DISPLAY',
        `TRIGGER:-PT${ALARM_MINUTES}M`,
        `DESCRIPTION:${escapeText(alarm)}`,
        'END:VALARM',
        'END:VEVENT',
        'END:VCALENDAR',
    ];
    return lines.map(foldLine).join(CRLF) + CRLF;
}

/**
 * A file name for the invitation from a translated base such as
 * "kalenderinvitation-Borger": lower case, spaces and characters that file
 * systems refuse become "-", then ".ics" (kalenderinvitation-borger.ics).
 */
export function icsFileName(base) {
    const name = String(base)
        .toLocaleLowerCase()
        .replace(/[\s\\/:*?"<>|\u0000-\u001f\u007f]+/g, '-')
        .replace(/^[-.]+|[-.]+$/g, '')
        .slice(0, 80);
    return `${name || 'invitation'}.ics`;
}
