// The REST API: JSON in and out, errors thrown as ApiError with the server's
// error code ("not_logged_in", "invalid_token", ...) or "network".

export class ApiError extends Error {
    constructor(status, code, message) {
        super(message || code);
        this.name = 'ApiError';
        this.status = status;
        this.code = code;
    }
}

export async function request(method, path, body) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
    }
    let res;
    try {
        res = await fetch(path, init);
    } catch (e) {
        throw new ApiError(0, 'network', e && e.message);
    }
    if (res.status === 204) return null;
    let data = null;
    try {
        data = await res.json();
    } catch {
        data = null;
    }
    if (!res.ok) {
        const err = data && data.error ? data.error : {};
        throw new ApiError(res.status, err.code || `http_${res.status}`, err.message);
    }
    return data;
}

export const api = {
    login: (username, password) => request('POST', '/api/login', { username, password }),
    logout: () => request('POST', '/api/logout'),
    me: () => request('GET', '/api/me'),
    meetings: () => request('GET', '/api/meetings'),
    createMeeting: (body) => request('POST', '/api/meetings', body),
    meeting: (id) => request('GET', `/api/meetings/${encodeURIComponent(id)}`),
    deleteMeeting: (id) => request('DELETE', `/api/meetings/${encodeURIComponent(id)}`),
    addInvitation: (id, body) => request('POST', `/api/meetings/${encodeURIComponent(id)}/invitations`, body),
    revokeInvitation: (id, iid) =>
        request('DELETE', `/api/meetings/${encodeURIComponent(id)}/invitations/${encodeURIComponent(iid)}`),
    audit: (id) => request('GET', `/api/meetings/${encodeURIComponent(id)}/audit`),
    joinInfo: (token) => request('POST', '/api/join-info', { token }),
};
