// The meeting's stage: an equal tile for every participant (camera video, or
// the name card when there is none), a shared screen above the tiles (pinch,
// double tap and buttons to zoom, fit to width by default, full screen where
// the browser allows), and one hidden <audio> per remote microphone.
//
// Any tile can be pinned (its pin button): it then fills the stage and the
// others line up below it. On phones your own tile is a small picture over
// the stage that can be dragged to another corner (./pip.js). On a phone held
// sideways, the shared screen takes the stage and the tiles come up with the
// "participants" button.
//
// The main area can also hold any other element instead of the shared screen
// (setMainContent: e.g. a document viewer); it then gets the same place, the
// caption, full screen, and the tiles move aside exactly as for a screen.
//
// Fed by the room view: setPeople (roster), setRemote / setLocal / setMediaState
// / setSpeaker / setStats (from ../media.js). Tells the media module how big
// each remote video is shown, or that it is not shown (subscribe_prefs).
//
// Test hooks (data-*): each tile has data-participant-id, data-has-video
// ("true" when the camera video is shown), data-frames (frames decoded of
// that camera, every second), data-audio-packets, data-audio ("playing" |
// "blocked" | "none"), data-speaking, data-frame-size (the size received, e.g.
// "320x180": the simulcast layer), data-pinned; the screen area has
// data-participant-id, data-has-video, data-frames and data-main ("screen" |
// "content" when setMainContent put an element there); the screen viewport
// has data-scale (its zoom).
import { h, uniqueId } from '../dom.js';
import { setAttr, setText } from '../i18n.js';
import { icon } from '../icons.js';
import { createPip } from './pip.js';
import { createTilesHint } from './tiles-hint.js';
import { createZoom } from './zoom.js';

/** Phones: portrait up to 599 px wide, or held sideways (short). */
const PHONE = '(max-width: 599px), (orientation: landscape) and (max-height: 500px)';

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
        pinned: null, // participant id of the pinned tile
        tilesOpen: false, // sideways phone with a shared screen: tiles shown
        main: null, // {el, caption} put on the stage by setMainContent
        destroyed: false,
    };
    const phone = window.matchMedia(PHONE);
    const tilesById = new Map(); // participant id → tile record
    const audios = new Map(); // mid → <audio>
    const visible = new WeakMap(); // video element → intersecting
    const reported = new Set(); // mids told to the media module

    const tiles = h('ul', { class: 'tiles', id: uniqueId('tiles'), tAttrs: { 'aria-label': 'room.tiles_label' } });
    const hint = createTilesHint(tiles);
    const tilesArea = h('div', { class: 'tiles-area' }, tiles, hint.button);

    // Screen share area.
    const captionId = uniqueId('screen-caption');
    const screenCaption = h('p', { class: 'screen-caption', id: captionId });
    const screenVideo = h('video', { class: 'screen-video', attrs: { muted: true, playsinline: true, autoplay: true, 'aria-hidden': 'true' } });
    screenVideo.muted = true;
    const screenContent = h('div', { class: 'screen-content' }, screenVideo);
    const screenViewport = h('div', { class: 'screen-viewport', attrs: { tabindex: '0', role: 'group' }, tAttrs: { 'aria-label': 'room.screen_viewport' } }, screenContent);
    const zoomOutBtn = zoomButton('zoomOut', 'room.zoom_out');
    const zoomInBtn = zoomButton('zoomIn', 'room.zoom_in');
    const zoomResetBtn = zoomButton('fitWidth', 'room.zoom_reset');
    const zoomPct = h('span', { class: 'zoom-pct', attrs: { 'aria-live': 'polite' } });
    const zoomBar = h('div', { class: 'zoom-bar', attrs: { role: 'group' }, tAttrs: { 'aria-label': 'room.zoom_group' } }, zoomOutBtn, zoomPct, zoomInBtn, zoomResetBtn);
    const fullBtn = zoomButton('fullscreen', 'room.fullscreen');
    const tilesBtn = h('button', { class: 'btn-icon stage-tiles-btn', attrs: { type: 'button', 'aria-expanded': 'false', 'aria-controls': tiles.id }, tAttrs: { 'aria-label': 'room.tiles_show', title: 'room.tiles_show' } }, icon('people'));
    const mainHost = h('div', { class: 'stage-main-content', attrs: { hidden: true } });
    const screenNoteText = h('p', { class: 'screen-note-text' });
    const screenNoteBtn = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' } });
    const screenNote = h('div', { class: 'screen-note', attrs: { hidden: true } }, icon('screen', 'icon screen-note-icon'), screenNoteText, screenNoteBtn);
    const screenSection = h('section', { class: 'screen-stage', attrs: { hidden: true, 'aria-labelledby': captionId } }, h('div', { class: 'screen-head' }, screenCaption, h('div', { class: 'screen-tools' }, zoomBar, tilesBtn, fullBtn)), screenViewport, mainHost, screenNote);
    const audioBox = h('div', { class: 'remote-audio', attrs: { 'aria-hidden': 'true' } });
    let screenAction = null;
    screenNoteBtn.addEventListener('click', () => screenAction && screenAction());

    const zoom = createZoom(screenViewport, screenContent, { onChange: renderZoom });
    zoomInBtn.addEventListener('click', () => zoom.zoomIn());
    zoomOutBtn.addEventListener('click', () => zoom.zoomOut());
    zoomResetBtn.addEventListener('click', () => zoom.reset());
    renderZoom(1);
    const canFullscreen = !!(document.fullscreenEnabled && typeof screenSection.requestFullscreen === 'function');
    fullBtn.hidden = !canFullscreen;
    fullBtn.addEventListener('click', toggleFullscreen);
    const onFullscreen = () => renderFullscreen();
    document.addEventListener('fullscreenchange', onFullscreen);
    tilesBtn.addEventListener('click', () => {
        st.tilesOpen = !st.tilesOpen;
        render();
    });
    const onPhone = () => render();
    phone.addEventListener('change', onPhone);

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
    screenVideo.addEventListener('resize', screenFrame);
    screenVideo.addEventListener('loadeddata', screenFrame);

    /** A frame of the shared screen: the viewport takes its shape (fit to width). */
    function screenFrame() {
        const w = screenVideo.videoWidth;
        const hgt = screenVideo.videoHeight;
        screenViewport.classList.toggle('has-frame', w > 0);
        if (w > 0 && hgt > 0) screenViewport.style.setProperty('--screen-aspect', `${w} / ${hgt}`);
        zoom.refit();
    }

    function toggleFullscreen() {
        if (document.fullscreenElement === screenSection) {
            document.exitFullscreen().catch(() => {});
            return;
        }
        screenSection
            .requestFullscreen({ navigationUI: 'hide' })
            .then(() => {
                // Phones: a screen reads best sideways (where the browser allows it).
                if (phone.matches && screen.orientation && typeof screen.orientation.lock === 'function') screen.orientation.lock('landscape').catch(() => {});
            })
            .catch(() => {});
    }

    function renderFullscreen() {
        const full = document.fullscreenElement === screenSection;
        screenSection.classList.toggle('is-fullscreen', full);
        fullBtn.replaceChildren(icon(full ? 'fullscreenExit' : 'fullscreen'));
        setAttr(fullBtn, 'aria-label', full ? 'room.fullscreen_exit' : 'room.fullscreen');
        setAttr(fullBtn, 'title', full ? 'room.fullscreen_exit' : 'room.fullscreen');
        zoom.refit();
    }

    function zoomButton(name, key) {
        const b = h('button', { class: 'btn-icon zoom-btn', attrs: { type: 'button' }, tAttrs: { 'aria-label': key, title: key } }, icon(name));
        return b;
    }

    function renderZoom(scale) {
        setText(zoomPct, 'room.zoom_pct', { pct: Math.round(scale * 100) });
        screenViewport.dataset.scale = String(Math.round(scale * 100) / 100);
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
        const pin = h('button', { class: 'tile-btn tile-pin', attrs: { type: 'button', 'aria-pressed': 'false' } }, icon('pin'));
        const li = h('li', { class: 'tile', dataset: { participantId: String(p.id) } }, video, card, pin);
        const t = { id: p.id, li, card, video, pin, name: null, move: null, pip: null };
        pin.addEventListener('click', () => {
            st.pinned = st.pinned === p.id ? null : p.id;
            render();
            pin.focus();
        });
        const frame = () => li.classList.toggle('has-frame', video.videoWidth > 0 && li.dataset.hasVideo === 'true');
        video.addEventListener('resize', frame);
        video.addEventListener('loadeddata', frame);
        t.frame = frame;
        if (p.id !== st.meId) observe(video);
        return t;
    }

    /** Your own tile gets the picture-in-picture drag and its move button. */
    function makeMovable(t) {
        t.move = h('button', { class: 'tile-btn tile-move', attrs: { type: 'button', hidden: true }, tAttrs: { 'aria-label': 'room.pip_move', title: 'room.pip_move' } }, icon('move'));
        t.li.append(t.move);
        t.pip = createPip(t.li, { container: () => tilesArea.parentElement || tilesArea });
        t.move.addEventListener('click', () => t.pip.next());
    }

    function renderTiles(hasMain) {
        let people = st.people;
        const ids = new Set(people.map((p) => p.id));
        if (st.pinned !== null && !ids.has(st.pinned)) st.pinned = null;
        // Your own picture floats on phones when there is someone else to see.
        const pip = phone.matches && people.length >= 2 && st.pinned !== st.meId;
        if (st.pinned !== null) people = [...people.filter((p) => p.id === st.pinned), ...people.filter((p) => p.id !== st.pinned)];
        const shown = pip ? people.length - 1 : people.length;
        tiles.dataset.count = String(Math.min(shown, 16));
        tiles.classList.toggle('has-pin', st.pinned !== null && !hasMain);
        tiles.classList.toggle('has-pip', pip);
        // The others below a pinned tile: up to four in a row.
        tiles.style.setProperty('--pin-cols', String(Math.max(1, Math.min(4, shown - 1))));
        for (const [id, t] of tilesById) {
            if (ids.has(id)) continue;
            if (t.pip) t.pip.destroy();
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
            const pinned = st.pinned === p.id;
            const isPip = me && pip;
            if (me && !t.move) makeMovable(t);
            t.li.className = `tile${p.state === 'reconnecting' ? ' is-away' : ''}${p.hand ? ' has-hand' : ''}${me ? ' is-me' : ''}${show ? ' has-video' : ''}${speaking ? ' is-speaking' : ''}${me && st.media.facing === 'user' ? ' is-mirrored' : ''}${pinned ? ' is-pinned' : ''}${isPip ? ' is-pip' : ''}`;
            t.li.dataset.pinned = pinned ? 'true' : 'false';
            t.pin.setAttribute('aria-pressed', String(pinned));
            t.pin.hidden = isPip;
            if (t.move) t.move.hidden = !isPip;
            if (t.name !== p.name) {
                t.name = p.name;
                setAttr(t.pin, 'aria-label', 'room.pin', { name: p.name });
                setAttr(t.pin, 'title', 'room.pin', { name: p.name });
            }
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
        const main = st.main;
        if (main) {
            screenSection.hidden = false;
            delete screenSection.dataset.participantId;
            const [key, params] = Array.isArray(main.caption) ? main.caption : [main.caption];
            if (key) setText(screenCaption, key, params);
            else screenCaption.textContent = '';
            if (main.el.parentNode !== mainHost) mainHost.replaceChildren(main.el);
        } else if (entry) {
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
        screenSection.dataset.main = main ? 'content' : showVideo ? 'screen' : '';
        mainHost.hidden = !main;
        if (!main && mainHost.firstChild) mainHost.replaceChildren();
        screenNote.hidden = screenSection.hidden || showVideo || !!main;
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
        if (screenSection.hidden && document.fullscreenElement === screenSection) document.exitFullscreen().catch(() => {});
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
        const used = new Set();
        const hasScreen = renderScreen(used);
        for (const mid of renderTiles(hasScreen)) used.add(mid);
        tiles.classList.toggle('is-strip', hasScreen);
        // A phone held sideways: the shared screen has the stage, the tiles come on request.
        const open = hasScreen && st.tilesOpen;
        tilesArea.classList.toggle('is-open', open);
        tilesArea.classList.toggle('is-strip', hasScreen);
        tilesBtn.setAttribute('aria-expanded', String(open));
        setAttr(tilesBtn, 'aria-label', open ? 'room.tiles_hide' : 'room.tiles_show');
        setAttr(tilesBtn, 'title', open ? 'room.tiles_hide' : 'room.tiles_show');
        hint.update();
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
        /** The tiles with their "more tiles" hint: what the stage shows below the main area. */
        tilesArea,
        screen: screenSection,
        audio: audioBox,
        /**
         * Puts any element on the stage's main area, where a shared screen
         * goes (it takes the screen's place while it is there), with a caption:
         * a translation key or [key, params]. setMainContent(null) takes it
         * away. The element should fill its box (width and height 100%).
         */
        setMainContent(el, { caption = null } = {}) {
            st.main = el ? { el, caption } : null;
            render();
        },
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
            hint.destroy();
            phone.removeEventListener('change', onPhone);
            document.removeEventListener('fullscreenchange', onFullscreen);
            if (document.fullscreenElement === screenSection) document.exitFullscreen().catch(() => {});
            for (const t of tilesById.values()) if (t.pip) t.pip.destroy();
            if (ro) ro.disconnect();
            if (io) io.disconnect();
            for (const t of tilesById.values()) t.video.srcObject = null;
            for (const el of audios.values()) el.srcObject = null;
            screenVideo.srcObject = null;
        },
    };
}
