// Links saved in this browser's localStorage, per caseworker and meeting, by
// versions of samtale that could show a link only once. The server now shows
// every link again to its owner on any browser; this is read only for links
// made before that (which the server cannot show), and emptied as they expire
// or are revoked. Nothing new is saved; nothing leaves the browser.

const PREFIX = 'samtale.links.';

function key(userId) {
    return PREFIX + String(userId);
}

function load(userId) {
    try {
        const data = JSON.parse(localStorage.getItem(key(userId)) || '{}');
        return data && typeof data === 'object' ? data : {};
    } catch {
        return {};
    }
}

function save(userId, data) {
    try {
        localStorage.setItem(key(userId), JSON.stringify(data));
        return true;
    } catch {
        return false;
    }
}

/** Drops expired links and meetings left without links. */
export function pruneLinks(userId, now = Date.now()) {
    const data = load(userId);
    for (const [mid, links] of Object.entries(data)) {
        for (const [iid, link] of Object.entries(links)) {
            if (!link || !link.url || (link.expires_at && link.expires_at < now)) delete links[iid];
        }
        if (Object.keys(links).length === 0) delete data[mid];
    }
    save(userId, data);
}

/** {invitationId: {url, role, is_host, expires_at}} for a meeting. */
export function storedLinks(userId, meetingId) {
    return load(userId)[meetingId] || {};
}

export function forgetLink(userId, meetingId, invitationId) {
    const data = load(userId);
    if (data[meetingId]) {
        delete data[meetingId][invitationId];
        save(userId, data);
    }
}

export function forgetMeeting(userId, meetingId) {
    const data = load(userId);
    delete data[meetingId];
    save(userId, data);
}

/** The token part of a join URL (after '#'). */
export function tokenOf(url) {
    const i = url.indexOf('#');
    return i >= 0 ? url.slice(i + 1) : '';
}
