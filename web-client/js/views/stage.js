// The meeting's stage: an equal tile for every participant (camera video, or
// the name card when there is none), a shared screen above the tiles (pinch
// and buttons to zoom), and one hidden <audio> per remote microphone.
//
// Fed by the room view: setPeople (roster), setRemote / setLocal / setMediaState
// / setSpeaker / setStats (from ../media.js). Tells the media module how big
// each remote video is shown, or that it is not shown (subscribe_prefs).
//
// Test hooks (data-*): each tile has data-participant-id, data-has-video
// ("true" when the camera video is shown), data-frames (frames decoded of
// that camera, every second), data-audio-packets, data-audio ("playing" |
// "blocked" | "none"), data-speaking, data-frame-size (the size received, e.g.
// "320x180": the simulcast layer); the screen area has data-participant-id,
// data-has-video and data-frames.
import { h, uniqueId } from '../dom.js';
import { setText } from '../i18n.js';
import { icon } from '../icons.js';
import { createZoom } from './zoom.js';

export function createStage({ media, renderCard, onStopScreen, onLeaveAudioOnly, onSoundBlocked }) {
    const st = {
        people: [],
        meId: null,
        remote: new Map(), // mid → {mid, participantId, source, kind, track}
        local: { mic: null, camera: null, screen: null },
        media: { mic: false, camera: false, screen: false, audioOnly: false, facing: 'user' },
        speaker: null,
        stats: new Map(),
        soundBlocked: false,
        destroyed: false,
    };
    const tilesById = new Map(); // participant id → tile record
    const audios = new Map(); // mid → <audio>
    const visible = new WeakMap(); // video element → intersecting
    const reported = new Set(); // mids told to the media module

    const tiles = h('ul', { class: 'tiles', tAttrs: { 'aria-label': 'room.tiles_label' } });

    // Screen share area.
    const captionId = uniqueId('screen-caption');
    const screenCaption = h('p', { class: 'screen-caption', id: captionId });
    const screenVideo = h('video', { class: 'screen-video', attrs: { muted: true, playsinline: true, autoplay: true, 'aria-hidden': 'true' } });
    screenVideo.muted = true;
    const screenContent = h('div', { class: 'screen-content' }, screenVideo);
    const screenViewport = h('div', { class: 'screen-viewport', attrs: { tabindex: '0', role: 'group' }, tAttrs: { 'aria-label': 'room.screen_viewport' } }, screenContent);
    const zoomOutBtn = zoomButton('zoomOut', 'room.zoom_out');
    const zoomInBtn = zoomButton('zoomIn', 'room.zoom_in');
    const zoomResetBtn = zoomButton('fit', 'room.zoom_reset');
    const zoomPct = h('span', { class: 'zoom-pct', attrs: { 'aria-live': 'polite' } });
    const zoomBar = h('div', { class: 'zoom-bar', attrs: { role: 'group' }, tAttrs: { 'aria-label': 'room.zoom_group' } }, zoomOutBtn, zoomPct, zoomInBtn, zoomResetBtn);
    const screenNoteText = h('p', { class: 'screen-note-text' });
    const screenNoteBtn = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' } });
    const screenNote = h('div', { class: 'screen-note', attrs: { hidden: true } }, icon('screen', 'icon screen-note-icon'), screenNoteText, screenNoteBtn);
    const screenSection = h('section', { class: 'screen-stage', attrs: { hidden: true, 'aria-labelledby': captionId } }, h('div', { class: 'screen-head' }, screenCaption, zoomBar), screenViewport, screenNote);
    const audioBox = h('div', { class: 'remote-audio', attrs: { 'aria-hidden': 'true' } });
    let screenAction = null;
    screenNoteBtn.addEventListener('click', () => screenAction && screenAction());

    const zoom = createZoom(screenViewport, screenContent, { onChange: renderZoom });
    zoomInBtn.addEventListener('click', () => zoom.zoomIn());
    zoomOutBtn.addEventListener('click', () => zoom.zoomOut());
    zoomResetBtn.addEventListener('click', () => zoom.reset());
    renderZoom(1);

    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver((entries) => entries.forEach((e) => report(e.target))) : null;
    const io =
        typeof IntersectionObserver === 'function'
            ? new IntersectionObserver((entries) => {
                  for (const e of entries) {
                      visible.set(e.target, e.isIntersecting);
                      report(e.target);
                  }
              })
            : null;
    observe(screenVideo);
    screenVideo.addEventListener('resize', () => screenViewport.classList.toggle('has-frame', screenVideo.videoWidth > 0));
    screenVideo.addEventListener('loadeddata', () => screenViewport.classList.toggle('has-frame', screenVideo.videoWidth > 0));

    function zoomButton(name, key) {
        const b = h('button', { class: 'btn-icon zoom-btn', attrs: { type: 'button' }, tAttrs: { 'aria-label': key, title: key } }, icon(name));
        return b;
    }

    function renderZoom(scale) {
        setText(zoomPct, 'room.zoom_pct', { pct: Math.round(scale * 100) });
        // Called by the zoom only after it exists (its observers are asynchronous).
        zoomOutBtn.disabled = scale <= zoom.min;
        zoomInBtn.disabled = scale >= zoom.max;
        zoomResetBtn.disabled = scale <= zoom.min;
    }

    function observe(video) {
        if (ro) ro.observe(video);
        if (io) io.observe(video);
    }

    function unobserve(video) {
        if (ro) ro.unobserve(video);
        if (io) io.unobserve(video);
    }

    /** Tells the media module how the video is shown (debounced there). */
    function report(video) {
        const mid = video.dataset.mid;
        if (!mid || st.destroyed) return;
        const shown = video.dataset.shown === 'true';
        const r = video.getBoundingClientRect();
        const vis = shown && visible.get(video) !== false && r.width > 0 && r.height > 0;
        media.setVideoView(mid, vis ? { width: r.width, height: r.height, visible: true } : null);
        reported.add(mid);
    }

    function setStream(video, track) {
        const cur = video.srcObject && video.srcObject.getTracks()[0];
        if (cur === track) return;
        if (!track) {
            video.srcObject = null;
            return;
        }
        video.srcObject = new MediaStream([track]);
        video.play().catch(() => {});
    }

    function remoteFor(pid, source) {
        for (const t of st.remote.values()) if (t.participantId === pid && t.source === source) return t;
        return null;
    }

    // ---- tiles ----

    function makeTile(p) {
        const card = h('div', { class: 'tile-card' });
        const video = h('video', { class: 'tile-video', attrs: { muted: true, playsinline: true, autoplay: true, 'aria-hidden': 'true' } });
        video.muted = true;
        const li = h('li', { class: 'tile', dataset: { participantId: String(p.id) } }, video, card);
        const t = { id: p.id, li, card, video };
        const frame = () => li.classList.toggle('has-frame', video.videoWidth > 0 && li.dataset.hasVideo === 'true');
        video.addEventListener('resize', frame);
        video.addEventListener('loadeddata', frame);
        t.frame = frame;
        if (p.id !== st.meId) observe(video);
        return t;
    }

    function renderTiles() {
        let people = st.people;
        tiles.dataset.count = String(Math.min(people.length, 16));
        const ids = new Set(people.map((p) => p.id));
        for (const [id, t] of tilesById) {
            if (ids.has(id)) continue;
            unobserve(t.video);
            t.video.srcObject = null;
            t.li.remove();
            tilesById.delete(id);
        }
        let prev = null;
        const used = new Set();
        for (const p of people) {
            let t = tilesById.get(p.id);
            if (!t) {
                t = makeTile(p);
                tilesById.set(p.id, t);
            }
            const me = p.id === st.meId;
            const speaking = st.speaker !== null && st.speaker === p.id;
            let track = null;
            let mid = null;
            if (me) {
                track = st.media.camera && st.local.camera ? st.local.camera : null;
            } else {
                const cam = remoteFor(p.id, 'camera');
                if (cam && cam.kind === 'video') {
                    mid = cam.mid;
                    if (p.camera !== false && !st.media.audioOnly && p.state !== 'reconnecting') track = cam.track;
                }
            }
            const show = !!track;
            t.li.className = `tile${p.state === 'reconnecting' ? ' is-away' : ''}${p.hand ? ' has-hand' : ''}${me ? ' is-me' : ''}${show ? ' has-video' : ''}${speaking ? ' is-speaking' : ''}${me && st.media.facing === 'user' ? ' is-mirrored' : ''}`;
            t.li.dataset.hasVideo = show ? 'true' : 'false';
            t.li.dataset.speaking = speaking ? 'true' : 'false';
            if (t.video.dataset.mid && t.video.dataset.mid !== (mid || '')) delete t.video.dataset.mid;
            if (mid) {
                t.video.dataset.mid = mid;
                used.add(mid);
            }
            t.video.dataset.shown = show ? 'true' : 'false';
            setStream(t.video, track);
            t.frame();
            t.card.replaceChildren(...renderCard(p, { speaking, micOff: !p.mic && p.state !== 'reconnecting' }));
            const expected = prev ? prev.nextSibling : tiles.firstChild;
            if (expected !== t.li) {
                tiles.insertBefore(t.li, expected);
                if (t.video.srcObject) t.video.play().catch(() => {});
            }
            prev = t.li;
            if (mid) report(t.video);
        }
        return used;
    }

    // ---- screen ----

    function renderScreen(used) {
        let sharer = null;
        let entry = null;
        for (const p of st.people) {
            if (p.id === st.meId) continue;
            const e = remoteFor(p.id, 'screen');
            if (e && e.kind === 'video') {
                sharer = p;
                entry = e;
                break;
            }
        }
        const selfSharing = st.media.screen && !!st.local.screen;
        screenAction = null;
        let showVideo = false;
        if (entry) {
            screenSection.hidden = false;
            screenSection.dataset.participantId = String(sharer.id);
            setText(screenCaption, 'room.screen_from', { name: sharer.name });
            if (st.media.audioOnly) {
                setText(screenNoteText, 'room.screen_paused', { name: sharer.name });
                setText(screenNoteBtn, 'room.screen_show');
                screenAction = onLeaveAudioOnly;
            } else {
                showVideo = true;
            }
        } else if (selfSharing) {
            screenSection.hidden = false;
            screenSection.dataset.participantId = String(st.meId);
            setText(screenCaption, 'room.screen_self');
            setText(screenNoteText, 'room.screen_self_hint');
            setText(screenNoteBtn, 'room.screen_stop');
            screenAction = onStopScreen;
        } else {
            screenSection.hidden = true;
            delete screenSection.dataset.participantId;
        }
        // Just shown: the intersection seen while hidden is stale until the observer speaks again.
        if (showVideo && screenSection.dataset.hasVideo !== 'true') visible.delete(screenVideo);
        screenSection.dataset.hasVideo = showVideo ? 'true' : 'false';
        screenNote.hidden = screenSection.hidden || showVideo;
        screenViewport.hidden = !showVideo;
        zoomBar.hidden = !showVideo;
        if (entry) {
            screenVideo.dataset.mid = entry.mid;
            used.add(entry.mid);
        } else {
            delete screenVideo.dataset.mid;
        }
        screenVideo.dataset.shown = showVideo ? 'true' : 'false';
        const wasTrack = screenVideo.srcObject && screenVideo.srcObject.getTracks()[0];
        setStream(screenVideo, showVideo ? entry.track : null);
        if (!showVideo || wasTrack !== entry.track) {
            zoom.reset();
            screenViewport.classList.toggle('has-frame', screenVideo.videoWidth > 0 && showVideo);
        }
        if (entry) report(screenVideo);
        return !screenSection.hidden;
    }

    // ---- audio ----

    function renderAudio() {
        const mids = new Set();
        for (const t of st.remote.values()) {
            if (t.kind !== 'audio') continue;
            mids.add(t.mid);
            let el = audios.get(t.mid);
            if (!el) {
                el = h('audio', { attrs: { autoplay: true } });
                audios.set(t.mid, el);
                audioBox.append(el);
            }
            el.dataset.participantId = String(t.participantId);
            const cur = el.srcObject && el.srcObject.getTracks()[0];
            if (cur !== t.track) {
                el.srcObject = new MediaStream([t.track]);
                play(el);
            }
        }
        for (const [mid, el] of audios) {
            if (mids.has(mid)) continue;
            el.srcObject = null;
            el.remove();
            audios.delete(mid);
        }
    }

    function play(el) {
        el.play()
            .then(() => {
                el.dataset.state = 'playing';
                if (st.soundBlocked && [...audios.values()].every((a) => a.dataset.state !== 'blocked')) setBlocked(false);
                renderAudioState();
            })
            .catch((e) => {
                if (e && e.name === 'NotAllowedError') {
                    el.dataset.state = 'blocked';
                    setBlocked(true);
                }
                renderAudioState();
            });
    }

    function setBlocked(b) {
        if (st.soundBlocked === b) return;
        st.soundBlocked = b;
        onSoundBlocked(b);
    }

    /** After a click: play everything the browser held back. */
    function enableSound() {
        for (const el of audios.values()) play(el);
        if (!audios.size) setBlocked(false);
    }

    function renderAudioState() {
        for (const [id, t] of tilesById) {
            if (id === st.meId) continue;
            const el = [...audios.values()].find((a) => a.dataset.participantId === String(id));
            t.li.dataset.audio = el ? el.dataset.state || 'starting' : 'none';
        }
    }

    // ---- all ----

    function render() {
        if (st.destroyed) return;
        const used = renderTiles();
        const hasScreen = renderScreen(used);
        tiles.classList.toggle('is-strip', hasScreen);
        renderAudio();
        renderAudioState();
        // Videos no longer shown anywhere: tell the server to stop sending them.
        for (const mid of reported) {
            if (used.has(mid)) continue;
            reported.delete(mid);
            if (st.remote.has(mid)) media.setVideoView(mid, null);
            else media.forgetVideoView(mid);
        }
        renderStats();
    }

    function renderStats() {
        let videoPackets = 0;
        for (const s of st.stats.values()) if (s.kind === 'video') videoPackets += s.packetsReceived;
        for (const [id, t] of tilesById) {
            if (id === st.meId) continue;
            const cam = remoteFor(id, 'camera');
            const mic = remoteFor(id, 'mic');
            const cs = cam && st.stats.get(cam.mid);
            const ms = mic && st.stats.get(mic.mid);
            t.li.dataset.frames = String(cs ? cs.framesDecoded : 0);
            t.li.dataset.frameSize = cs && cs.frameWidth ? `${cs.frameWidth}x${cs.frameHeight}` : '';
            t.li.dataset.audioPackets = String(ms ? ms.packetsReceived : 0);
        }
        const mid = screenVideo.dataset.mid;
        const ss = mid && st.stats.get(mid);
        screenSection.dataset.frames = String(ss ? ss.framesDecoded : 0);
        return videoPackets;
    }

    return {
        tiles,
        screen: screenSection,
        audio: audioBox,
        setPeople(people, meId) {
            st.people = people;
            st.meId = meId;
            render();
        },
        setRemote(map) {
            st.remote = map;
            render();
        },
        setLocal(local) {
            st.local = local;
            render();
        },
        setMediaState(s) {
            st.media = s;
            render();
        },
        setSpeaker(id) {
            st.speaker = id;
            render();
        },
        /** Returns the total of video packets received (a test hook for the room). */
        setStats(map) {
            st.stats = map;
            return renderStats();
        },
        enableSound,
        destroy() {
            st.destroyed = true;
            zoom.destroy();
            if (ro) ro.disconnect();
            if (io) io.disconnect();
            for (const t of tilesById.values()) t.video.srcObject = null;
            for (const el of audios.values()) el.srcObject = null;
            screenVideo.srcObject = null;
        },
    };
}
