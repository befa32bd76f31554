// Constants and helpers shared by the media modules (media.js and the
// media-*.js parts of MeetingMedia).

export const PC_CONFIG = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };

/** A peer connection's configuration with these TURN servers (RTCIceServer list). */
export function pcConfig(iceServers) {
    return { ...PC_CONFIG, iceServers: Array.isArray(iceServers) ? iceServers : [] };
}

/**
 * Puts fresh TURN credentials on pc before an ICE restart (the rest of its
 * configuration stays as it is).
 */
export function setIceServers(pc, iceServers) {
    if (!pc || pc.signalingState === 'closed') return;
    try {
        pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
    } catch (e) {
        console.error(e);
    }
}

// Lowest layer first: the server takes the rids in offer order as 1/4, 1/2, 1/1.
export const CAMERA_ENCODINGS = [
    { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
    { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
    { rid: 'f', maxBitrate: 1500000 },
];
export const SCREEN_MAX_BITRATE = 1500000;
export const CAMERA_CONSTRAINTS = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24, max: 30 } };
export const AUDIO_CONSTRAINTS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

export const PREFS_DEBOUNCE_MS = 500;
export const STATS_MS = 1000;
export const QUALITY_EVERY = 2; // quality from every second stats round
export const DISCONNECTED_GRACE_MS = 4000; // "disconnected" this long: restart ICE
export const RESTART_MIN_GAP_MS = 5000;
export const ANSWER_TIMEOUT_MS = 15000;
/** Offers whose answer fails to apply before the person is told (media_failed). */
export const PUBLISH_ATTEMPTS = 3;
/** Subscribe connections rebuilt after a failed offer before the person is told. */
export const SUBSCRIBE_REBUILDS = 2;
export const RETRY_DELAYS_MS = [2000, 5000, 10000, 20000, 30000];
// The sender's bandwidth estimate (kbit/s) under which the connection is fair / poor.
export const FAIR_KBPS = 500;
export const LOW_KBPS = 150;
// Displayed CSS pixels times this (at most) is the size asked for.
export const MAX_PIXEL_RATIO = 1.5;

export const MEDIA_REFS = new Set(['publish', 'subscribe', 'subscribe_answer', 'subscribe_prefs', 'subscribe_restart']);

/** An error message that belongs to the media (not to be shown as a chat/host error). */
export function isMediaError(msg) {
    return !!msg && msg.type === 'error' && MEDIA_REFS.has(msg.ref);
}

/** Whether this browser can share its screen (not phones, as a rule). */
export function screenShareSupported() {
    return !!(navigator.mediaDevices && typeof navigator.mediaDevices.getDisplayMedia === 'function');
}

export function mediaSupported() {
    return typeof RTCPeerConnection === 'function';
}

export function stopTrack(track) {
    if (!track) return;
    try {
        track.stop();
    } catch {
        /* already */
    }
}

export function trackSize(track) {
    if (!track) return null;
    const s = track.getSettings ? track.getSettings() : {};
    if (!s.width || !s.height) return null;
    return { width: Math.round(s.width), height: Math.round(s.height) };
}

export function errorCode(e) {
    const name = e && e.name;
    if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
    if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'missing';
    if (name === 'NotReadableError' || name === 'AbortError') return 'busy';
    return 'failed';
}
/** Copies the methods of a class (not its constructor) onto target's prototype. */
export function mixin(target, source) {
    for (const name of Object.getOwnPropertyNames(source.prototype)) {
        if (name === 'constructor') continue;
        Object.defineProperty(target.prototype, name, Object.getOwnPropertyDescriptor(source.prototype, name));
    }
}
