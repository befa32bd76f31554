// The pre-call check: "Test kamera, mikrofon og forbindelse". Part of the join
// page (before the name and "Deltag"), and on its own at /check#TOKEN
// (?transport=tcp tries the TCP fallback only). Phone first: on a 360×640
// screen the preview, the plain result and "Fortsæt" fit without scrolling.
// Shows the camera preview and the picture and sound that came back through
// the server's echo (../precall.js), the result in plain words, a speaker
// test (a short chime, "Kan du høre lyden?"), the media choice for the
// meeting (video or audio only, localStorage "samtale.mediaChoice"), and
// behind disclosures the technical figures (connection, round trip, packet
// loss) and the choice of camera, microphone and speaker.
// Everything is stopped when the view goes away.
import { api, ApiError } from '../api.js';
import { announce, clear, deviceOptions, field, focusHeading, h, showFieldError, uniqueId } from '../dom.js';
import { getLang, getLanguages, onLangChange, setText } from '../i18n.js';
import { listSpeakers, loadSpeakerId, playTestTone, saveSpeakerId } from '../audio-output.js';
import { loadDeviceChoice, saveDeviceChoice } from '../media-devices.js';
import { icon } from '../icons.js';
import { createLevelMeter, echoCheckSupported, loadMediaChoice, rememberCheck, reportCheckResult, saveMediaChoice, startEchoCheck } from '../precall.js';

const PROBLEMS = {
    missing: 'join.problem.missing',
    invalid_token: 'join.problem.invalid',
    token_expired: 'join.problem.expired',
    token_revoked: 'join.problem.revoked',
    meeting_ended: 'join.problem.ended',
};

const VIDEO_CONSTRAINTS = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24, max: 30 } };

const STATUS_ICONS = { ok: 'okCircle', warn: 'warning', fail: 'error' };
const LEVEL_CLASS = { ok: 'is-ok', warn: 'is-warn', fail: 'is-fail' };
const RANK = { ok: 0, warn: 1, fail: 2 };
// Results where no media was ever sent: the details table would say nothing true.
const BEFORE_MEDIA = new Set(['unsupported', 'permission', 'no_mic', 'mic_busy', 'server', 'busy', 'browser', 'link_invalid', 'link_expired', 'link_revoked', 'link_ended']);

/** The element's id, given one when it has none (for aria-labelledby). */
function uniqueIdFor(el) {
    if (!el.id) el.id = uniqueId('pc');
    return el.id;
}

function fmt(n, digits = 0) {
    const lang = getLanguages().find((l) => l.code === getLang());
    return new Intl.NumberFormat(lang ? lang.locale : 'da-DK', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

/** /check#TOKEN */
export async function mountCheck(main, ctx) {
    const token = decodeURIComponent(location.hash.replace(/^#/, '').trim());
    ctx.setChrome('guest');
    ctx.setTitle('precall.title');
    if (!token) {
        showProblem(main, 'missing');
        return () => {};
    }
    main.append(h('p', { class: 'card narrow muted', t: 'common.loading' }));
    let info;
    try {
        info = await api.joinInfo(token);
    } catch (e) {
        clear(main);
        if (e instanceof ApiError && PROBLEMS[e.code]) showProblem(main, e.code);
        else showProblem(main, null, e, ctx);
        return () => {};
    }
    clear(main);
    const transport = new URLSearchParams(location.search).get('transport');
    const check = createPrecall(main, {
        token,
        title: info.meeting && info.meeting.title,
        transports: transport === 'udp' || transport === 'tcp' ? [transport] : null,
        onContinue: () => ctx.navigate(`/join#${encodeURIComponent(token)}`),
    });
    return () => check.destroy();
}

function showProblem(main, code, err, ctx) {
    const sec = h('section', { class: 'card narrow' });
    const ended = code === 'meeting_ended'; // no broken link: nothing about new links
    const heading = h('h1', { t: ended ? 'join.ended' : 'join.problem.title' });
    let key = PROBLEMS[code];
    if (!key) key = err && err.code === 'network' ? 'error.network' : 'error.generic';
    sec.append(heading, h('p', { class: 'lead', t: key }));
    if (code && !ended) sec.append(h('p', { t: 'join.problem.contact' }));
    else if (ctx) sec.append(h('button', { class: 'btn btn-primary', attrs: { type: 'button' }, t: 'common.retry', on: { click: () => ctx.navigate(location.pathname + location.search + location.hash, { replace: true }) } }));
    main.append(sec);
    focusHeading(heading);
}

/**
 * The check inside `container`. {token, title, autoStart, transports,
 * embedded, onContinue, onResult}. embedded: part of the join page (the
 * heading is an h2 under the meeting's h1). onContinue({result, choice}):
 * "Fortsæt" was pressed (the camera is let go first). onResult(outcome): see
 * checkFinished(). Returns {destroy}.
 */
export function createPrecall(container, { token, title = null, autoStart = false, transports = null, embedded = false, onContinue, onResult = null }) {
    const st = {
        phase: 'idle', // idle | media | running | ended
        net: null, // the check's phase: signaling | connecting | connected | disconnected | failed
        choice: loadMediaChoice() || 'video',
        stream: null,
        check: null,
        meter: null,
        monitor: false,
        stats: null,
        result: null,
        reported: '',
        mediaIssues: [],
        camId: loadDeviceChoice().camera,
        micId: loadDeviceChoice().mic,
        speakerId: loadSpeakerId(),
        speaker: '', // '' | playing | asked | yes | no | failed
        gen: 0,
        raf: 0,
        level: 0,
        destroyed: false,
    };

    // ---- skeleton ----
    const heading = h(embedded ? 'h2' : 'h1', { class: 'precall-title', t: 'precall.title' });
    const startBtn = h('button', { class: 'btn btn-primary btn-large btn-block', attrs: { type: 'button' } }, icon('camera'), h('span', { t: 'precall.start' }));
    const startBlock = h('div', { class: 'precall-start' }, h('p', { class: 'precall-intro', t: 'precall.intro' }), startBtn, h('p', { class: 'hint', t: 'precall.start_hint' }));

    const local = videoBox('precall.local');
    const remote = videoBox('precall.remote');
    const meterFill = h('span', { class: 'meter-fill' });
    // The returned sound's level, on the returned picture: it moves when you speak.
    const meterBlock = h('div', { class: 'precall-meter', attrs: { 'aria-hidden': 'true' } }, icon('mic', 'icon icon-sm'), h('div', { class: 'meter' }, meterFill));
    remote.fig.querySelector('.precall-video-box').append(meterBlock);
    const media = h('div', { class: 'precall-media' }, local.fig, remote.fig);

    const status = h('div', { class: 'precall-status', attrs: { role: 'status' } });

    // The speaker test: a short chime through the chosen output, and a yes/no answer.
    const playBtn = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' } }, icon('speaker', 'icon icon-sm'), h('span', { t: 'precall.speaker_play' }));
    const yesBtn = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' }, t: 'precall.speaker_yes' });
    const noBtn = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' }, t: 'precall.speaker_no' });
    const answer = h('div', { class: 'precall-speaker-answer', attrs: { role: 'group', hidden: true } }, yesBtn, noBtn);
    const speakerQ = h('p', { class: 'precall-speaker-q', t: 'precall.speaker_question' });
    const speakerNote = h('p', { class: 'precall-speaker-note', attrs: { hidden: true } });
    const speakerBlock = h('div', { class: 'precall-speaker', dataset: { speaker: '' } }, h('div', { class: 'precall-speaker-row' }, speakerQ, playBtn, answer), speakerNote);
    answer.setAttribute('aria-labelledby', uniqueIdFor(speakerQ));

    const radioName = uniqueId('media-choice');
    const radios = {};
    const choiceSet = h('fieldset', { class: 'fieldset precall-choice' }, h('legend', { t: 'precall.choice' }));
    const choiceRow = h('div', { class: 'precall-choice-row' });
    for (const [value, key] of [
        ['video', 'precall.choice_video'],
        ['audio', 'precall.choice_audio'],
    ]) {
        const id = uniqueId('choice');
        radios[value] = h('input', { id, attrs: { type: 'radio', name: radioName, value } });
        radios[value].addEventListener('change', () => {
            if (radios[value].checked) setChoice(value);
        });
        choiceRow.append(h('div', { class: 'check' }, radios[value], h('label', { attrs: { for: id }, t: key })));
    }
    choiceSet.append(choiceRow);

    // Behind "Detaljer": the technical figures, and hearing yourself.
    const rows = {};
    const statsList = h('dl', { class: 'precall-stats' });
    for (const [k, label] of [
        ['connection', 'precall.row.connection'],
        ['rtt', 'precall.row.rtt'],
        ['loss', 'precall.row.loss'],
        ['video', 'precall.row.video'],
        ['audio', 'precall.row.audio'],
    ]) {
        rows[k] = h('dd', { dataset: { row: k } });
        statsList.append(h('div', { class: 'precall-stat' }, h('dt', { t: label }), rows[k]));
    }
    const monitorId = uniqueId('monitor');
    const monitorBox = h('input', { id: monitorId, attrs: { type: 'checkbox', 'aria-describedby': `${monitorId}-hint` } });
    monitorBox.addEventListener('change', () => {
        st.monitor = monitorBox.checked;
        if (st.meter) st.meter.setMonitor(st.monitor);
    });
    const monitor = h(
        'div',
        { class: 'precall-monitor' },
        h('div', { class: 'check' }, monitorBox, h('label', { attrs: { for: monitorId }, t: 'precall.monitor' })),
        h('p', { class: 'hint', id: `${monitorId}-hint`, t: 'precall.monitor_hint' }),
    );
    const statsBlock = h('details', { class: 'precall-details' }, h('summary', { t: 'precall.details' }), statsList, monitor);

    const camField = field({ label: 'precall.camera', name: 'camera', control: h('select', { attrs: { name: 'camera' } }) });
    const micField = field({ label: 'precall.mic', name: 'microphone', control: h('select', { attrs: { name: 'microphone' } }) });
    const spkField = field({ label: 'precall.speaker', name: 'speaker', control: h('select', { attrs: { name: 'speaker' } }) });
    camField.input.addEventListener('change', () => switchDevice('video', camField.input.value));
    micField.input.addEventListener('change', () => switchDevice('audio', micField.input.value));
    spkField.input.addEventListener('change', () => {
        st.speakerId = spkField.input.value;
        saveSpeakerId(st.speakerId);
        if (st.meter && st.meter.setSink) st.meter.setSink(st.speakerId);
    });
    const devices = h('details', { class: 'precall-devices', attrs: { hidden: true } }, h('summary', { t: 'precall.devices' }), h('div', { class: 'precall-devices-body' }, camField.wrap, micField.wrap, spkField.wrap));

    const endedNote = h('p', { class: 'alert alert-info', attrs: { hidden: true } });
    const retryBtn = h('button', { class: 'btn btn-secondary', attrs: { type: 'button' }, t: 'precall.retry' });
    const continueBtn = h('button', { class: 'btn btn-primary btn-large', attrs: { type: 'button' }, t: 'precall.continue' });
    const actions = h('div', { class: 'precall-actions' }, retryBtn, continueBtn);

    const root = h(
        'section',
        { class: embedded ? 'precall precall-embedded' : 'card narrow precall', dataset: { phase: 'idle' } },
        title && !embedded ? h('p', { class: 'eyebrow', t: ['precall.for_meeting', { title }] }) : null,
        heading,
        startBlock,
        media,
        status,
        speakerBlock,
        choiceSet,
        statsBlock,
        devices,
        endedNote,
        actions,
    );
    root.setAttribute('aria-labelledby', uniqueIdFor(heading));
    container.append(root);

    startBtn.addEventListener('click', () => run());
    retryBtn.addEventListener('click', () => run());
    playBtn.addEventListener('click', () => speakerTest());
    yesBtn.addEventListener('click', () => speakerAnswer('yes'));
    noBtn.addEventListener('click', () => speakerAnswer('no'));
    continueBtn.addEventListener('click', () => {
        // "Continue" confirms the choice on screen, also the untouched default.
        saveMediaChoice(st.choice);
        const result = st.result;
        if (embedded) {
            // The meeting takes the camera next: let go of it now.
            st.gen++;
            stopCheck();
            stopStream();
        }
        if (onContinue) onContinue({ result, choice: st.choice, speaker: st.speaker });
    });

    const onDeviceChange = () => refreshDevices();
    if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) navigator.mediaDevices.addEventListener('devicechange', onDeviceChange);
    const onPageHide = () => endNow();
    window.addEventListener('pagehide', onPageHide);
    const offLang = onLangChange(() => {
        renderStats();
        renderStatus();
        renderSpeaker();
    });

    radios[st.choice].checked = true;
    render();
    if (!embedded) focusHeading(heading);
    if (autoStart) run();

    return { destroy };

    // ---- pieces ----

    function videoBox(captionKey) {
        const video = h('video', { class: 'precall-video', attrs: { playsinline: true, autoplay: true, muted: true } });
        video.muted = true;
        const placeholder = h('p', { class: 'precall-placeholder' });
        const box = h('div', { class: 'precall-video-box' }, video, placeholder);
        const fig = h('figure', { class: 'precall-figure' }, box, h('figcaption', { t: captionKey }));
        video.addEventListener('loadeddata', () => {
            placeholder.hidden = true;
        });
        return {
            fig,
            video,
            show(stream) {
                if (video.srcObject !== stream) video.srcObject = stream;
                video.play().catch(() => {});
            },
            blank(key) {
                video.srcObject = null;
                setText(placeholder, key);
                placeholder.hidden = false;
            },
        };
    }

    // ---- running the check ----

    async function run() {
        const gen = ++st.gen;
        stopCheck();
        st.result = null;
        st.reported = '';
        st.stats = null;
        st.net = null;
        st.phase = 'media';
        endedNote.hidden = true;
        remote.blank('precall.remote_waiting');
        render();
        if (!echoCheckSupported()) {
            finishWith([{ level: 'fail', code: 'unsupported' }]);
            return;
        }
        if (!streamFits()) {
            stopStream();
            local.blank('precall.cam_starting');
            let got;
            try {
                got = await acquire();
            } catch (code) {
                if (gen !== st.gen) return;
                finishWith([{ level: 'fail', code: typeof code === 'string' ? code : 'no_mic' }]);
                return;
            }
            if (gen !== st.gen || st.destroyed) {
                for (const tr of got.stream.getTracks()) tr.stop();
                return;
            }
            st.stream = got.stream;
            st.mediaIssues = got.issues;
        }
        showLocal();
        refreshDevices();
        startCheck();
    }

    /** Whether the stream we hold matches the choice and is still live. */
    function streamFits() {
        if (!st.stream) return false;
        const live = (tr) => tr.readyState === 'live';
        const audio = st.stream.getAudioTracks().filter(live);
        const video = st.stream.getVideoTracks().filter(live);
        if (!audio.length) return false;
        if (st.choice === 'audio') {
            for (const tr of st.stream.getVideoTracks()) {
                st.stream.removeTrack(tr);
                tr.stop();
            }
            st.mediaIssues = [];
            return true;
        }
        return video.length > 0;
    }

    function gum(constraints) {
        return navigator.mediaDevices.getUserMedia(constraints);
    }

    function audioConstraints() {
        return st.micId ? { deviceId: { exact: st.micId } } : true;
    }

    function videoConstraints() {
        return st.camId ? { ...VIDEO_CONSTRAINTS, deviceId: { exact: st.camId } } : { ...VIDEO_CONSTRAINTS, facingMode: 'user' };
    }

    /** {stream, issues}; throws an issue code when there is no usable microphone. */
    async function acquire() {
        const wantVideo = st.choice === 'video';
        try {
            return { stream: await gum({ audio: audioConstraints(), video: wantVideo ? videoConstraints() : false }), issues: [] };
        } catch (e) {
            if (e && e.name === 'OverconstrainedError' && (st.camId || st.micId)) {
                // A remembered device is gone: take the defaults.
                st.camId = st.micId = null;
                saveDeviceChoice('camera', null);
                saveDeviceChoice('mic', null);
                return acquire();
            }
            if (!wantVideo) throw micIssue(e, e);
            let stream;
            try {
                stream = await gum({ audio: audioConstraints(), video: false });
            } catch (e2) {
                throw micIssue(e2, e);
            }
            // The microphone works, the camera does not: go on with sound only.
            const code = { NotFoundError: 'no_camera', OverconstrainedError: 'no_camera', NotReadableError: 'camera_busy', AbortError: 'camera_busy', NotAllowedError: 'camera_denied', SecurityError: 'camera_denied' }[e && e.name] || 'no_camera';
            setChoice('audio', { restart: false });
            return { stream, issues: [{ level: 'warn', code }] };
        }
    }

    function micIssue(e, first) {
        const name = e && e.name;
        if (name === 'NotAllowedError' || name === 'SecurityError') return 'permission';
        if (first && (first.name === 'NotAllowedError' || first.name === 'SecurityError')) return 'permission';
        if (name === 'NotReadableError' || name === 'AbortError') return 'mic_busy';
        if (name === 'TypeError') return 'unsupported';
        return 'no_mic';
    }

    function showLocal() {
        if (st.stream && st.stream.getVideoTracks().length) local.show(st.stream);
        else local.blank(st.choice === 'audio' ? 'precall.audio_only' : 'precall.cam_off');
    }

    function startCheck() {
        st.phase = 'running';
        st.net = 'signaling';
        const c = startEchoCheck({ token, stream: st.stream, transports });
        st.check = c;
        c.on('phase', (p) => {
            st.net = p;
            renderStats();
            renderStatus();
            renderData();
        });
        c.on('track', ({ track, stream }) => {
            if (track.kind === 'video') remote.show(stream);
            if (track.kind === 'audio' && !st.meter) {
                st.meter = createLevelMeter(stream, st.speakerId);
                if (st.meter) {
                    st.meter.setMonitor(st.monitor);
                    startMeterLoop();
                }
            }
            if (track.kind === 'audio' && st.stream && !st.stream.getVideoTracks().length) remote.blank('precall.audio_only');
        });
        c.on('stats', (s) => {
            st.stats = s;
            renderStats();
            renderData();
        });
        c.on('result', (r) => {
            checkFinished(mergeResult(r.issues));
            // A failed check lets go of the camera at once; "Test igen" starts over.
            if (st.result.level === 'fail') endNow();
            else render();
        });
        c.on('ended', ({ reason }) => {
            if (st.result && st.result.level !== 'fail' && (reason === 'failed' || reason === 'socket_closed')) {
                checkFinished(mergeResult([...st.result.issues, { level: 'warn', code: 'dropped' }], true));
            }
            endNow();
        });
        render();
    }

    function mergeResult(issues, already = false) {
        // "No" to the speaker test is the person's own finding: a warning with advice (the meeting can still work).
        const all = (already ? issues : [...st.mediaIssues, ...issues]).filter((i) => i.code !== 'no_speaker');
        if (st.speaker === 'no') all.push({ level: 'warn', code: 'no_speaker' });
        const level = all.reduce((lvl, i) => (RANK[i.level] > RANK[lvl] ? i.level : lvl), 'ok');
        const first = all.find((i) => i.level === level);
        return { level, code: first ? first.code : 'ok', issues: all };
    }

    function finishWith(issues) {
        checkFinished(mergeResult(issues, true));
        endNow();
    }

    /**
     * The one place a check ends: every result (passed, passed with a
     * warning, failed) comes through here, and again when the person's
     * answer to the speaker test changes it. onResult gets {passed, level,
     * code, issues: [codes], speaker: '' | 'yes' | 'no'}: passed is false only
     * for a "fail" (the meeting would not work); code is the first issue's
     * code (precall.issue.<code> in the i18n files says it in plain words).
     */
    function checkFinished(result) {
        st.result = result;
        rememberCheck(token, { result, choice: st.choice });
        reportCheckResult(token, result);
        const outcome = { passed: result.level !== 'fail', level: result.level, code: result.code, issues: result.issues.map((i) => i.code), speaker: st.speaker === 'yes' || st.speaker === 'no' ? st.speaker : '' };
        const key = JSON.stringify(outcome);
        if (key === st.reported) return;
        st.reported = key;
        if (onResult) {
            try {
                onResult(outcome);
            } catch (e) {
                console.error(e);
            }
        }
    }

    // ---- the speaker test ----

    async function speakerTest() {
        st.speaker = 'playing';
        renderSpeaker();
        try {
            await playTestTone(st.speakerId);
        } catch {
            if (st.destroyed) return;
            st.speaker = 'failed';
            renderSpeaker();
            return;
        }
        if (st.destroyed) return;
        st.speaker = 'asked';
        renderSpeaker();
        yesBtn.focus();
    }

    function speakerAnswer(value) {
        st.speaker = value;
        renderSpeaker();
        if (st.result) {
            checkFinished(mergeResult(st.result.issues, true));
            renderStatus();
            renderData();
        }
        playBtn.focus();
    }

    function renderSpeaker() {
        speakerBlock.dataset.speaker = st.speaker;
        playBtn.disabled = st.speaker === 'playing';
        answer.hidden = st.speaker !== 'asked' && st.speaker !== 'yes' && st.speaker !== 'no';
        yesBtn.setAttribute('aria-pressed', String(st.speaker === 'yes'));
        noBtn.setAttribute('aria-pressed', String(st.speaker === 'no'));
        const note = { yes: 'precall.speaker_ok', no: 'precall.speaker_help', failed: 'precall.speaker_failed', playing: 'precall.speaker_playing' }[st.speaker];
        speakerNote.hidden = !note;
        if (note) setText(speakerNote, note);
    }

    /** The echo is over: stop the check, the camera and the microphone. */
    function endNow() {
        if (st.phase === 'idle' && !st.stream) return;
        stopCheck();
        stopStream();
        st.phase = 'ended';
        local.blank('precall.cam_off');
        remote.blank('precall.remote_off');
        setText(endedNote, 'precall.ended');
        endedNote.hidden = false;
        render();
        if (!st.result) announce('precall.ended');
    }

    function stopCheck() {
        if (st.check) st.check.stop();
        st.check = null;
        if (st.meter) st.meter.close();
        st.meter = null;
        cancelAnimationFrame(st.raf);
        st.raf = 0;
        st.level = 0;
        meterFill.style.transform = 'scaleX(0)';
    }

    function stopStream() {
        if (st.stream) for (const tr of st.stream.getTracks()) tr.stop();
        st.stream = null;
    }

    function startMeterLoop() {
        cancelAnimationFrame(st.raf);
        const tick = () => {
            if (!st.meter) return;
            const v = st.meter.level();
            // Quick to rise, slow to fall, so speech reads as a steady bar.
            st.level = v > st.level ? v : st.level * 0.9 + v * 0.1;
            meterFill.style.transform = `scaleX(${st.level.toFixed(3)})`;
            st.raf = requestAnimationFrame(tick);
        };
        st.raf = requestAnimationFrame(tick);
    }

    function setChoice(value, { restart = true } = {}) {
        st.choice = value;
        saveMediaChoice(value);
        radios[value].checked = true;
        if (value === 'video') st.mediaIssues = st.mediaIssues.filter((i) => !['no_camera', 'camera_busy', 'camera_denied'].includes(i.code));
        render();
        if (restart && st.phase !== 'idle') run();
    }

    async function switchDevice(kind, deviceId) {
        const f = kind === 'video' ? camField : micField;
        showFieldError(f, null);
        if (kind === 'video') st.camId = deviceId;
        else st.micId = deviceId;
        saveDeviceChoice(kind === 'video' ? 'camera' : 'mic', deviceId); // the meeting opens this one
        if (!st.stream) return;
        const old = kind === 'video' ? st.stream.getVideoTracks()[0] : st.stream.getAudioTracks()[0];
        if (old && old.getSettings().deviceId === deviceId) return;
        // Phones often cannot open two cameras at once: let go of the old one first.
        if (old) {
            st.stream.removeTrack(old);
            old.stop();
        }
        let track;
        try {
            const s = await gum(kind === 'video' ? { video: videoConstraints() } : { audio: audioConstraints() });
            track = kind === 'video' ? s.getVideoTracks()[0] : s.getAudioTracks()[0];
        } catch {
            showFieldError(f, 'precall.device_failed');
            if (kind === 'video') st.camId = null;
            else st.micId = null;
            saveDeviceChoice(kind === 'video' ? 'camera' : 'mic', null);
            if (st.phase === 'running') run();
            return;
        }
        if (!st.stream || st.destroyed) {
            track.stop();
            return;
        }
        st.stream.addTrack(track);
        if (kind === 'video') {
            local.video.srcObject = null;
            showLocal();
        }
        if (st.check && !(await st.check.replaceTrack(kind, track))) run();
    }

    async function refreshDevices() {
        if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return;
        let list;
        try {
            list = await navigator.mediaDevices.enumerateDevices();
        } catch {
            return;
        }
        if (st.destroyed) return;
        const cams = list.filter((d) => d.kind === 'videoinput' && d.deviceId);
        const mics = list.filter((d) => d.kind === 'audioinput' && d.deviceId);
        const current = (kind) => {
            const tr = st.stream && (kind === 'video' ? st.stream.getVideoTracks()[0] : st.stream.getAudioTracks()[0]);
            return (tr && tr.getSettings().deviceId) || (kind === 'video' ? st.camId : st.micId);
        };
        const speakers = await listSpeakers();
        if (st.destroyed) return;
        deviceOptions(camField.input, cams, current('video'), 'precall.camera_n');
        deviceOptions(micField.input, mics, current('audio'), 'precall.mic_n');
        deviceOptions(spkField.input, speakers, st.speakerId || (speakers[0] && speakers[0].deviceId), 'precall.speaker_n');
        camField.wrap.hidden = cams.length === 0 || st.choice === 'audio';
        micField.wrap.hidden = mics.length === 0;
        spkField.wrap.hidden = speakers.length < 2;
        devices.hidden = camField.wrap.hidden && micField.wrap.hidden && spkField.wrap.hidden;
    }

    // ---- rendering ----

    function render() {
        startBlock.hidden = st.phase !== 'idle';
        media.hidden = st.phase === 'idle';
        meterBlock.hidden = st.phase === 'idle' || st.phase === 'ended';
        statsBlock.hidden = st.phase === 'idle' || (!!st.result && st.result.issues.some((i) => BEFORE_MEDIA.has(i.code)));
        monitor.hidden = st.phase !== 'running';
        retryBtn.hidden = st.phase === 'idle' || (st.phase !== 'ended' && !st.result);
        if (st.choice === 'audio') camField.wrap.hidden = true;
        renderStatus();
        renderStats();
        renderSpeaker();
        renderData();
    }

    function renderStatus() {
        clear(status);
        status.className = 'precall-status';
        if (st.phase === 'idle') {
            status.hidden = true;
            return;
        }
        status.hidden = false;
        const r = st.result;
        if (!r) {
            status.classList.add('is-running');
            const key = st.phase === 'media' ? 'precall.status.media' : st.net === 'connected' ? 'precall.status.testing' : st.net === 'connecting' ? 'precall.status.connecting' : 'precall.status.signaling';
            status.append(h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }), h('p', { class: 'precall-status-text', t: key }));
            return;
        }
        status.classList.add(LEVEL_CLASS[r.level]);
        const body = h('div', { class: 'precall-status-body' });
        body.append(h('h2', { class: 'precall-status-title', t: `precall.result.${r.level}` }));
        if (r.level === 'ok') {
            const audioOnly = st.stats ? !st.stats.videoSent : st.choice === 'audio';
            body.append(h('p', { t: audioOnly ? 'precall.result.ok_audio' : 'precall.result.ok_body' }));
        }
        for (const i of r.issues) {
            const params = {};
            if (i.params && typeof i.params.pct === 'number') params.pct = fmt(i.params.pct, 1);
            if (i.params && typeof i.params.ms === 'number') params.ms = fmt(i.params.ms);
            body.append(h('p', { t: [`precall.issue.${i.code}`, params] }));
        }
        status.append(icon(STATUS_ICONS[r.level], 'icon precall-status-icon'), body);
    }

    function renderStats() {
        const s = st.stats;
        const r = st.result;
        const done = !!r || st.phase === 'ended';
        // Connection
        let conn;
        if (st.phase === 'idle' || st.phase === 'media') conn = 'precall.dash';
        else if (s && s.everConnected && s.transport === 'tcp') conn = 'precall.conn.tcp';
        else if (s && s.everConnected && s.transport === 'udp') conn = 'precall.conn.udp';
        else if (s && s.everConnected) conn = 'precall.conn.yes';
        else if (st.net === 'failed' || done) conn = 'precall.conn.none';
        else conn = 'precall.conn.connecting';
        setText(rows.connection, conn);
        rows.connection.dataset.transport = s && s.everConnected && s.transport ? s.transport : '';
        // Round trip and loss
        if (s && s.rttMs !== null && s.rttMs < 1) setText(rows.rtt, 'precall.ms_lt1', { ms: fmt(1) });
        else if (s && s.rttMs !== null) setText(rows.rtt, 'precall.ms', { ms: fmt(s.rttMs) });
        else setText(rows.rtt, 'precall.dash');
        if (s && s.lossPct !== null) setText(rows.loss, 'precall.pct', { pct: fmt(s.lossPct, 1) });
        else setText(rows.loss, 'precall.dash');
        // Video and sound
        const videoSent = s ? s.videoSent : st.stream ? st.stream.getVideoTracks().length > 0 : st.choice === 'video';
        if (!videoSent) setText(rows.video, 'precall.video.not_tested');
        else if (s && s.video.framesDecoded > 0) setText(rows.video, 'precall.video.ok', { n: fmt(s.video.framesDecoded), count: s.video.framesDecoded });
        else if (done) setText(rows.video, 'precall.video.none');
        else setText(rows.video, st.phase === 'running' ? 'precall.waiting' : 'precall.dash');
        if (s && s.audio.packetsReceived > 0) setText(rows.audio, 'precall.audio.ok');
        else if (done) setText(rows.audio, 'precall.audio.none');
        else setText(rows.audio, st.phase === 'running' ? 'precall.waiting' : 'precall.dash');
    }

    /** Machine-readable state for tests and support: data-* on the section. */
    function renderData() {
        const s = st.stats;
        const d = root.dataset;
        d.phase = st.phase;
        d.net = st.net || '';
        d.result = st.result ? st.result.level : '';
        d.resultCode = st.result ? st.result.code : '';
        d.mediaChoice = st.choice;
        d.transport = s && s.everConnected && s.transport ? s.transport : '';
        d.rttMs = s && s.rttMs !== null ? String(s.rttMs) : '';
        d.lossPct = s && s.lossPct !== null ? String(s.lossPct) : '';
        d.framesDecoded = s ? String(s.video.framesDecoded) : '';
        d.videoPackets = s ? String(s.video.packetsReceived) : '';
        d.audioPackets = s ? String(s.audio.packetsReceived) : '';
        d.audioLevel = s && s.audio.audioLevel !== null ? String(s.audio.audioLevel) : '';
        d.speaker = st.speaker;
    }

    function destroy() {
        if (st.destroyed) return;
        st.destroyed = true;
        st.gen++;
        stopCheck();
        stopStream();
        local.video.srcObject = null;
        remote.video.srcObject = null;
        if (navigator.mediaDevices && navigator.mediaDevices.removeEventListener) navigator.mediaDevices.removeEventListener('devicechange', onDeviceChange);
        window.removeEventListener('pagehide', onPageHide);
        offLang();
    }
}
