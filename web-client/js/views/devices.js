// "Enheder" (devices) in the meeting: a dialog to pick another microphone,
// camera or speaker during the call, and to blur the background.
//
//   const devices = createDevices({ media, root, button, onOpen });
//   devices.destroy();
//
// media: the MeetingMedia (useMic, useCamera, setCameraEffect, deviceChoice).
// root: the room element; every <audio> in it plays through the chosen
// speaker (setSinkId, where the browser has it; elsewhere the choice is not
// shown). button: the toolbar button that opens the dialog.
// The speaker and the blur are remembered in this browser (localStorage
// "samtale.speaker", "samtale.blur"); blur is off until the person turns it on.
// State for tests and support: data-blur ("off" | "starting" | "on") and,
// while on, data-blur-ms / data-blur-busy / data-blur-frames (ms per frame, % of
// one core, frames) on root; data-blur-off-ms: the average that turned it off.
import { applySink, listSpeakers, loadSpeakerId, saveSpeakerId, sinkSupported } from '../audio-output.js';
import { blurSupported, createBlur } from '../blur.js';
import { deviceOptions, field, h, uniqueId } from '../dom.js';
import { setText } from '../i18n.js';

const BLUR_KEY = 'samtale.blur';
const STATS_MS = 1000;

function loadBlur() {
    try {
        return localStorage.getItem(BLUR_KEY) === 'on';
    } catch {
        return false;
    }
}

function saveBlur(on) {
    try {
        if (on) localStorage.setItem(BLUR_KEY, 'on');
        else localStorage.removeItem(BLUR_KEY);
    } catch {
        /* not kept */
    }
}

export function createDevices({ media, root, button, onOpen = null }) {
    const st = { speakerId: loadSpeakerId(), blur: null, blurState: 'off', statsTimer: 0, destroyed: false, offs: [] };

    const titleId = uniqueId('devices');
    const micField = field({ label: 'devices.mic', name: 'mic', control: h('select', { attrs: { name: 'mic' } }) });
    const camField = field({ label: 'devices.camera', name: 'camera', control: h('select', { attrs: { name: 'camera' } }) });
    const spkField = field({ label: 'devices.speaker', name: 'speaker', control: h('select', { attrs: { name: 'speaker' } }) });
    const blurId = uniqueId('blur');
    const blurBox = h('input', { id: blurId, attrs: { type: 'checkbox', 'aria-describedby': `${blurId}-hint` } });
    const blurNote = h('p', { class: 'hint', id: `${blurId}-hint`, t: 'devices.blur_hint' });
    const blurWrap = h('div', { class: 'devices-blur' }, h('div', { class: 'check' }, blurBox, h('label', { attrs: { for: blurId }, t: 'devices.blur' })), blurNote);
    blurWrap.hidden = !blurSupported();
    const close = h('button', { class: 'btn btn-primary', attrs: { type: 'button' }, t: 'devices.done' });
    const dlg = h(
        'dialog',
        { class: 'dialog devices-dialog', attrs: { 'aria-labelledby': titleId } },
        h('h2', { id: titleId, class: 'dialog-title', t: 'devices.title' }),
        h('div', { class: 'devices-body' }, micField.wrap, camField.wrap, spkField.wrap, blurWrap),
        h('div', { class: 'dialog-actions' }, close),
    );
    root.append(dlg);
    root.dataset.blur = 'off';

    button.setAttribute('aria-haspopup', 'dialog');
    button.addEventListener('click', open);
    close.addEventListener('click', () => dlg.close());
    micField.input.addEventListener('change', () => media.useMic(micField.input.value).then(() => fill()));
    camField.input.addEventListener('change', () => media.useCamera(camField.input.value).then(() => fill()));
    spkField.input.addEventListener('change', () => {
        st.speakerId = spkField.input.value;
        saveSpeakerId(st.speakerId);
        applySpeaker();
    });
    blurBox.addEventListener('change', () => {
        setText(blurNote, 'devices.blur_hint');
        saveBlur(blurBox.checked);
        setBlur(blurBox.checked);
    });

    // Every remote <audio> (now and later) plays through the chosen speaker.
    const observer = new MutationObserver(() => applySpeaker());
    if (sinkSupported()) observer.observe(root, { childList: true, subtree: true });
    applySpeaker();
    const onDeviceChange = () => {
        if (dlg.open) fill();
    };
    if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) navigator.mediaDevices.addEventListener('devicechange', onDeviceChange);
    if (blurSupported() && loadBlur()) {
        blurBox.checked = true;
        setBlur(true);
    }

    return { destroy };

    function open() {
        if (onOpen) onOpen();
        fill();
        dlg.showModal();
        micField.input.focus();
    }

    async function fill() {
        let list = [];
        try {
            list = await navigator.mediaDevices.enumerateDevices();
        } catch {
            list = [];
        }
        if (st.destroyed) return;
        const speakers = await listSpeakers();
        const now = media.deviceChoice();
        const mics = list.filter((d) => d.kind === 'audioinput' && d.deviceId);
        const cams = list.filter((d) => d.kind === 'videoinput' && d.deviceId);
        deviceOptions(micField.input, mics, now.mic, 'devices.mic_n');
        deviceOptions(camField.input, cams, now.camera, 'devices.camera_n');
        deviceOptions(spkField.input, speakers, st.speakerId || (speakers[0] && speakers[0].deviceId), 'devices.speaker_n');
        micField.wrap.hidden = mics.length === 0;
        camField.wrap.hidden = cams.length === 0;
        spkField.wrap.hidden = speakers.length === 0;
    }

    function applySpeaker() {
        if (!sinkSupported()) return;
        for (const el of root.querySelectorAll('audio')) applySink(el, st.speakerId);
    }

    // ---- background blur ----

    async function setBlur(on) {
        if (!on) {
            stopBlur();
            return;
        }
        if (st.blur || st.blurState === 'starting') return;
        setBlurState('starting');
        let effect;
        try {
            effect = await createBlur({
                onSlow: (stats) => {
                    root.dataset.blurOffMs = stats.avgMs === null ? '' : stats.avgMs.toFixed(1);
                    blurOff('blur_slow');
                },
                onFailed: () => blurOff('blur_failed'),
            });
        } catch (e) {
            console.error(e);
            if (!st.destroyed) blurOff('blur_failed');
            return;
        }
        if (st.destroyed || !blurBox.checked) {
            effect.stop();
            if (!st.destroyed) setBlurState('off');
            return;
        }
        st.blur = effect;
        await media.setCameraEffect(effect);
        setBlurState('on');
        st.statsTimer = setInterval(() => {
            const s = effect.stats();
            root.dataset.blurMs = s.avgMs === null ? '' : s.avgMs.toFixed(1);
            root.dataset.blurBusy = s.busyPct === null ? '' : s.busyPct.toFixed(0);
            root.dataset.blurFrames = String(s.frames);
        }, STATS_MS);
    }

    /** Blur off by itself (too slow, or it failed): say so in plain words. */
    function blurOff(code) {
        blurBox.checked = false;
        saveBlur(false);
        stopBlur();
        setText(blurNote, `devices.${code}`);
        media.emit('notice', { code });
    }

    function stopBlur() {
        clearInterval(st.statsTimer);
        st.statsTimer = 0;
        const effect = st.blur;
        st.blur = null;
        if (effect) media.setCameraEffect(null);
        setBlurState('off');
    }

    function setBlurState(s) {
        st.blurState = s;
        root.dataset.blur = s;
        if (s !== 'on') {
            delete root.dataset.blurMs;
            delete root.dataset.blurBusy;
        }
    }

    function destroy() {
        st.destroyed = true;
        clearInterval(st.statsTimer);
        observer.disconnect();
        if (navigator.mediaDevices && navigator.mediaDevices.removeEventListener) navigator.mediaDevices.removeEventListener('devicechange', onDeviceChange);
        button.removeEventListener('click', open);
        if (dlg.open) dlg.close();
        dlg.remove();
    }
}
