// The speaker (audio output) the person chose, for the pre-call speaker test
// and the meeting's sound. Choosing one needs HTMLMediaElement.setSinkId
// (Chromium, Edge, Firefox); where it is missing the choice is not offered and
// the system's default output plays everything.
//
// The choice is kept in localStorage "samtale.speaker" (a device id, which
// the browser scopes to this origin) so the meeting uses what the check tested.

const SPEAKER_KEY = 'samtale.speaker';
const TONE_RATE = 24000;
const TONE_NOTES = [
    [523.25, 0.28],
    [659.25, 0.28],
    [783.99, 0.44],
]; // C5 E5 G5: a short rising chime, easy to recognise
const TONE_GAIN = 0.3;

/** Whether this browser lets a page choose where sound plays. */
export function sinkSupported() {
    return typeof HTMLMediaElement !== 'undefined' && typeof HTMLMediaElement.prototype.setSinkId === 'function';
}

export function loadSpeakerId() {
    try {
        return localStorage.getItem(SPEAKER_KEY) || '';
    } catch {
        return '';
    }
}

export function saveSpeakerId(id) {
    try {
        if (id) localStorage.setItem(SPEAKER_KEY, id);
        else localStorage.removeItem(SPEAKER_KEY);
    } catch {
        /* not kept: the default output plays */
    }
}

/** Sends an element's sound to `id` ('' = the default). Resolves false when that did not work. */
export async function applySink(el, id) {
    if (!sinkSupported() || !el) return false;
    if ((el.sinkId || '') === (id || '')) return true;
    try {
        await el.setSinkId(id || '');
        return true;
    } catch {
        return false;
    }
}

/** The speakers the browser lists (empty where a choice is not possible). */
export async function listSpeakers() {
    if (!sinkSupported() || !navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return [];
    try {
        const list = await navigator.mediaDevices.enumerateDevices();
        return list.filter((d) => d.kind === 'audiooutput' && d.deviceId);
    } catch {
        return [];
    }
}

/** A WAV file (16-bit mono) of the test chime, with soft edges so it does not click. */
function toneWav() {
    const total = TONE_NOTES.reduce((s, [, d]) => s + d, 0);
    const n = Math.round(total * TONE_RATE);
    const buf = new ArrayBuffer(44 + n * 2);
    const v = new DataView(buf);
    const str = (o, s) => {
        for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i));
    };
    str(0, 'RIFF');
    v.setUint32(4, 36 + n * 2, true);
    str(8, 'WAVE');
    str(12, 'fmt ');
    v.setUint32(16, 16, true);
    v.setUint16(20, 1, true); // PCM
    v.setUint16(22, 1, true); // mono
    v.setUint32(24, TONE_RATE, true);
    v.setUint32(28, TONE_RATE * 2, true);
    v.setUint16(32, 2, true);
    v.setUint16(34, 16, true);
    str(36, 'data');
    v.setUint32(40, n * 2, true);
    let i = 0;
    for (const [freq, dur] of TONE_NOTES) {
        const len = Math.round(dur * TONE_RATE);
        const edge = Math.round(0.02 * TONE_RATE);
        for (let k = 0; k < len && i < n; k++, i++) {
            const env = Math.min(1, k / edge, (len - k) / edge);
            const s = Math.sin((2 * Math.PI * freq * k) / TONE_RATE) * TONE_GAIN * env;
            v.setInt16(44 + i * 2, Math.round(s * 32767), true);
        }
    }
    return new Blob([buf], { type: 'audio/wav' });
}

/**
 * Plays the test chime through speaker `id` ('' = default). Resolves when it
 * has played to the end; rejects when the browser would not play it.
 */
export async function playTestTone(id) {
    const url = URL.createObjectURL(toneWav());
    const el = new Audio();
    el.src = url;
    try {
        await applySink(el, id);
        await new Promise((resolve, reject) => {
            el.onended = resolve;
            el.onerror = () => reject(new Error('the test sound could not play'));
            el.play().catch(reject);
        });
    } finally {
        el.onended = el.onerror = null;
        el.removeAttribute('src');
        URL.revokeObjectURL(url);
    }
}
