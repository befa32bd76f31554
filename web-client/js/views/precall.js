// The pre-call check: "Test kamera, mikrofon og forbindelse". Reached from
// the join page's button or directly at /check#TOKEN (?transport=tcp tries
// the TCP fallback only). Shows the camera and microphone preview with device
// choice, the media choice for the meeting (video or audio only, kept in
// localStorage "samtale.mediaChoice"), and runs the server echo check
// (../precall.js): the returned video, a level meter for the returned sound,
// the connection (UDP/TCP), round trip, packet loss and a plain result.
// Everything is stopped when the view goes away.
import { api, ApiError } from '../api.js';
import { announce, clear, field, focusHeading, h, showFieldError, uniqueId } from '../dom.js';
import { getLang, getLanguages, onLangChange, setText } from '../i18n.js';
import { icon } from '../icons.js';
import { createLevelMeter, echoCheckSupported, loadMediaChoice, reportCheckResult, saveMediaChoice, startEchoCheck } from '../precall.js';

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

/** The history state the join page pushes when it opens the check. */
export const FROM_JOIN_STATE = { precall: 'join' };

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
    const fromJoin = !!(history.state && history.state.precall === 'join');
    const transport = new URLSearchParams(location.search).get('transport');
    const check = createPrecall(main, {
        token,
        title: info.meeting && info.meeting.title,
        autoStart: fromJoin,
        transports: transport === 'udp' || transport === 'tcp' ? [transport] : null,
        onContinue: () => {
            if (fromJoin) history.back();
            else ctx.navigate(`/join#${encodeURIComponent(token)}`);
        },
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
 * onContinue}. Returns {destroy}.
 */
export function createPrecall(container, { token, title = null, autoStart = false, transports = null, onContinue }) {
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
        mediaIssues: [],
        camId: null,
        micId: null,
        gen: 0,
        raf: 0,
        level: 0,
        destroyed: false,
    };

    // ---- skeleton ----
    const heading = h('h1', { t: 'precall.title' });
    const startBtn = h('button', { class: 'btn btn-primary btn-large btn-block', attrs: { type: 'button' } }, icon('camera'), h('span', { t: 'precall.start' }));
    const startBlock = h('div', { class: 'precall-start' }, startBtn, h('p', { class: 'hint', t: 'precall.start_hint' }));

    const local = videoBox('precall.local');
    const remote = videoBox('precall.remote');
    const media = h('div', { class: 'precall-media' }, local.fig, remote.fig);

    const meterFill = h('span', { class: 'meter-fill' });
    const meterBlock = h(
        'div',
        { class: 'precall-meter' },
        h('p', { class: 'precall-meter-label' }, icon('mic', 'icon icon-sm'), h('span', { t: 'precall.meter_label' })),
        h('div', { class: 'meter', attrs: { 'aria-hidden': 'true' } }, meterFill),
        h('p', { class: 'hint', t: 'precall.meter_hint' }),
    );

    const status = h('div', { class: 'precall-status', attrs: { role: 'status' } });

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
    const statsBlock = h('div', { class: 'precall-details' }, h('h2', { class: 'precall-h2', t: 'precall.details' }), statsList);

    const radioName = uniqueId('media-choice');
    const radios = {};
    const choiceSet = h('fieldset', { class: 'fieldset precall-choice' }, h('legend', { t: 'precall.choice' }));
    for (const [value, key] of [
        ['video', 'precall.choice_video'],
        ['audio', 'precall.choice_audio'],
    ]) {
        const id = uniqueId('choice');
        radios[value] = h('input', { id, attrs: { type: 'radio', name: radioName, value } });
        radios[value].addEventListener('change', () => {
            if (radios[value].checked) setChoice(value);
        });
        choiceSet.append(h('div', { class: 'check' }, radios[value], h('label', { attrs: { for: id }, t: key })));
    }
    choiceSet.append(h('p', { class: 'hint', t: 'precall.choice_hint' }));

    const camField = field({ label: 'precall.camera', name: 'camera', control: h('select', { attrs: { name: 'camera' } }) });
    const micField = field({ label: 'precall.mic', name: 'microphone', control: h('select', { attrs: { name: 'microphone' } }) });
    camField.input.addEventListener('change', () => switchDevice('video', camField.input.value));
    micField.input.addEventListener('change', () => switchDevice('audio', micField.input.value));
    const devices = h('div', { class: 'precall-devices', attrs: { hidden: true } }, camField.wrap, micField.wrap);

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

    const endedNote = h('p', { class: 'alert alert-info', attrs: { hidden: true } });
    const retryBtn = h('button', { class: 'btn btn-secondary btn-block', attrs: { type: 'button' }, t: 'precall.retry' });
    const continueBtn = h('button', { class: 'btn btn-primary btn-large btn-block', attrs: { type: 'button' }, t: 'precall.continue' });
    const actions = h('div', { class: 'button-column precall-actions' }, retryBtn, continueBtn);

    const root = h(
        'section',
        { class: 'card narrow precall', dataset: { phase: 'idle' } },
        title ? h('p', { class: 'eyebrow', t: ['precall.for_meeting', { title }] }) : null,
        heading,
        h('p', { class: 'precall-intro', t: 'precall.intro' }),
        startBlock,
        media,
        status,
        meterBlock,
        statsBlock,
        choiceSet,
        devices,
        monitor,
        endedNote,
        actions,
    );
    container.append(root);

    startBtn.addEventListener('click', () => run());
    retryBtn.addEventListener('click', () => run());
    continueBtn.addEventListener('click', () => {
        // "Continue" confirms the choice on screen, also the untouched default.
        saveMediaChoice(st.choice);
        if (onContinue) onContinue();
    });

    const onDeviceChange = () => refreshDevices();
    if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) navigator.mediaDevices.addEventListener('devicechange', onDeviceChange);
    const onPageHide = () => endNow();
    window.addEventListener('pagehide', onPageHide);
    const offLang = onLangChange(() => {
        renderStats();
        renderStatus();
    });

    radios[st.choice].checked = true;
    render();
    focusHeading(heading);
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
                st.meter = createLevelMeter(stream);
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
            st.result = mergeResult(r.issues);
            reportCheckResult(token, st.result);
            // A failed check lets go of the camera at once; "Test igen" starts over.
            if (st.result.level === 'fail') endNow();
            else render();
        });
        c.on('ended', ({ reason }) => {
            if (st.result && st.result.level !== 'fail' && (reason === 'failed' || reason === 'socket_closed')) {
                st.result = mergeResult([...st.result.issues, { level: 'warn', code: 'dropped' }], true);
            }
            endNow();
        });
        render();
    }

    function mergeResult(issues, already = false) {
        const all = already ? issues : [...st.mediaIssues, ...issues];
        const level = all.reduce((lvl, i) => (RANK[i.level] > RANK[lvl] ? i.level : lvl), 'ok');
        const first = all.find((i) => i.level === level);
        return { level, code: first ? first.code : 'ok', issues: all };
    }

    function finishWith(issues) {
        st.result = mergeResult(issues, true);
        reportCheckResult(token, st.result);
        endNow();
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
        fillSelect(camField.input, cams, current('video'), 'precall.camera_n');
        fillSelect(micField.input, mics, current('audio'), 'precall.mic_n');
        camField.wrap.hidden = cams.length === 0 || st.choice === 'audio';
        micField.wrap.hidden = mics.length === 0;
        devices.hidden = camField.wrap.hidden && micField.wrap.hidden;
    }

    function fillSelect(select, list, currentId, fallbackKey) {
        clear(select);
        list.forEach((d, i) => {
            const opt = d.label ? h('option', { attrs: { value: d.deviceId }, text: d.label }) : h('option', { attrs: { value: d.deviceId }, t: [fallbackKey, { n: i + 1 }] });
            if (d.deviceId === currentId) opt.selected = true;
            select.append(opt);
        });
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
