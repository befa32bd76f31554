// TURN servers for the peer connections (docs/PROTOCOL.md, "TURN relay"). The
// server sends "ice_servers" (time-limited credentials) just before
// "admitted", and answers {"type":"ice_servers"} with fresh ones: asked for
// before every new peer connection after the first and every ICE restart,
// since the TURN server checks a credential's expiry when an allocation is
// made. Without TURN on the server the list is empty.
//
//   const ice = new IceServers();
//   ice.update(msg);                       // every "ice_servers" message
//   ice.failed();                          // an error with ref "ice_servers"
//   const servers = await ice.request((m) => socket.send(m), token);

export const ICE_SERVERS_TIMEOUT_MS = 3000; // then the last known list is used

/** The RTCIceServer entries of a message, checked (strings only). */
export function iceServersOf(msg) {
    const out = [];
    for (const s of Array.isArray(msg && msg.ice_servers) ? msg.ice_servers : []) {
        if (!s || typeof s.username !== 'string' || typeof s.credential !== 'string') continue;
        const urls = (Array.isArray(s.urls) ? s.urls : [s.urls]).filter((u) => typeof u === 'string' && /^turns?:/.test(u));
        if (urls.length) out.push({ urls, username: s.username, credential: s.credential });
    }
    return out;
}

export class IceServers {
    constructor() {
        this.list = [];
        this.expiresAt = 0; // Unix ms, 0 when unknown
        this.waiters = [];
    }

    update(msg) {
        this.list = iceServersOf(msg);
        this.expiresAt = typeof msg.expires_at === 'number' ? msg.expires_at : 0;
        this.settle();
    }

    /** The request was refused: whoever waits goes on with what is known. */
    failed() {
        this.settle();
    }

    settle() {
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w(this.list);
    }

    /** Asks for fresh credentials (send(msg) → bool); resolves with the list. */
    request(send, token = null) {
        const msg = token ? { type: 'ice_servers', token } : { type: 'ice_servers' };
        if (!send(msg)) return Promise.resolve(this.list);
        return new Promise((resolve) => {
            let done = false;
            const finish = (list) => {
                if (done) return;
                done = true;
                clearTimeout(timer);
                resolve(list);
            };
            const timer = setTimeout(() => finish(this.list), ICE_SERVERS_TIMEOUT_MS);
            this.waiters.push(finish);
        });
    }
}
