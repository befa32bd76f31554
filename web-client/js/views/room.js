// The meeting room: an equal tile for every participant (camera video or
// name card, see ./stage.js), a shared screen, sound, the participant list,
// the host's lobby queue with admit/deny, a short message to a waiting guest
// (./lobby-note.js) and a chime, chat (./chat.js), raise hand, leave, the
// host's controls (ask to mute, remove, lock, who may share a screen, end for
// all) and private notes (./notes.js), and the media controls (microphone,
// camera, switch camera, share screen, audio only) with a connection quality
// indicator. The media itself is ../media.js.
import { announce, clear, confirmDialog, focusHeading, h, uniqueId } from '../dom.js';
import { setAttr, setText } from '../i18n.js';
import { icon } from '../icons.js';
import { languageSelect } from '../lang-select.js';
import { AudioFirst } from '../audio-first.js';
import { isMediaError, MeetingMedia, screenShareSupported } from '../media.js';
import { loadMediaChoice } from '../precall.js';
import { initials, roleIcon, roleKey } from '../roles.js';
import { chime } from '../sound.js';
import { createChat } from './chat.js';
import { createDocumentView } from './document.js';
import { createDevices } from './devices.js';
import { createLobbyNote } from './lobby-note.js';
import { createNotes } from './notes.js';
import { createStage } from './stage.js';
import { phoneAvatar, phoneChip, phoneNumberLine } from './phone-ui.js';

const AVATAR_COLOURS = 8;
const WIDE = '(min-width: 960px)';
const ALL_CONTROLS = '(min-width: 600px)';
const MEDIA_TYPES = new Set(['publish_answer', 'subscribe_offer', 'transport_state', 'active_speaker']);
const QUALITY_KEYS = { good: 'room.quality.good', fair: 'room.quality.fair', poor: 'room.quality.poor', unknown: 'room.quality.unknown' };

const ERROR_KEYS = {
    rate_limited: 'room.err.rate_limited',
    not_permitted: 'room.err.not_permitted',
    wrong_state: 'room.err.wrong_state',
    not_found: 'room.err.not_found',
    meeting_full: 'room.err.meeting_full',
    bad_message: 'room.err.bad_message',
    too_big: 'room.err.bad_message',
};

function inMeeting(p) {
    return p.state === 'admitted' || p.state === 'reconnecting';
}

/** meetingId and plannedStart (ms) name the host's notes and their file. */
export function createRoom(main, { ctx, client, me, title, isHost, meetingId, plannedStart, onLeave }) {
    const st = {
        me: { ...me },
        participants: [],
        locked: false,
        screenShareOpen: false, // roster.meeting.screen_share_open: guests may share too
        panel: null,
        knownLobby: null, // Set of ids seen waiting (null until the first roster)
        known: null, // Map id -> participant last seen in the meeting
        connection: 'joined',
        destroyed: false,
        toastTimer: null,
        mediaState: { mic: false, camera: false, screen: false, audioOnly: false, facing: 'user', hasMic: false },
        cameras: 0,
        moreOpen: false,
    };
    const wide = window.matchMedia(WIDE);
    const allControls = window.matchMedia(ALL_CONTROLS);
    const media = new MeetingMedia({ signaling: client, choice: loadMediaChoice() || 'video' });
    const audioFirst = new AudioFirst({ media, signaling: client });

    // ---- skeleton ----
    const titleEl = h('h1', { class: 'room-title', text: title });
    const countEl = h('span', { class: 'room-count' });
    const lockBadge = h('span', { class: 'badge badge-locked', attrs: { hidden: true } }, icon('lock', 'icon icon-sm'), h('span', { t: 'room.locked_badge' }));
    const audioOnlyBadge = h('span', { class: 'badge badge-audio-only', attrs: { hidden: true } }, icon('headphones', 'icon icon-sm'), h('span', { t: 'room.audio_only' }));
    const connPill = h('span', { class: 'conn-pill', attrs: { hidden: true }, t: 'room.reconnecting_short' });
    const qualityText = h('span', { class: 'quality-text' });
    const quality = h(
        'p',
        { class: 'quality', attrs: { hidden: true }, dataset: { quality: 'unknown' } },
        h('span', { class: 'quality-bars', attrs: { 'aria-hidden': 'true' } }, h('span'), h('span'), h('span')),
        qualityText,
    );
    const bar = h('header', { class: 'room-bar' }, h('div', { class: 'room-heading' }, titleEl, h('p', { class: 'room-sub' }, countEl, lockBadge, audioOnlyBadge)), quality, connPill);

    const reconnectBanner = h('div', { class: 'banner banner-warning', attrs: { hidden: true, role: 'status' } }, h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }), h('span', { t: 'room.reconnecting' }));
    const shutdownBanner = h('div', { class: 'banner banner-warning', attrs: { hidden: true } }, h('span', { t: 'room.server_restart' }));
    const lobbyBanner = h('div', { class: 'banner banner-lobby', attrs: { hidden: true } });
    const noticeBanner = h('div', { class: 'banner banner-info', attrs: { hidden: true, role: 'alert' } });
    const mediaBanner = h('div', { class: 'banner banner-info', attrs: { hidden: true, role: 'alert' } });
    // Audio first (audio-first.js): why the pictures stopped.
    const audioFirstBanner = h('div', { class: 'banner banner-info audio-first', attrs: { hidden: true, role: 'status' } }, h('span', { t: 'room.audio_first' }));
    const soundBtn = h('button', { class: 'btn btn-primary btn-small', attrs: { type: 'button' } }, icon('speaker', 'icon icon-sm'), h('span', { t: 'room.sound_enable' }));
    const soundBanner = h('div', { class: 'banner banner-sound', attrs: { hidden: true } }, h('p', { class: 'banner-text' }, icon('soundOff', 'icon icon-sm'), h('span', { t: 'room.sound_blocked' })), h('div', { class: 'banner-actions' }, soundBtn));
    const toast = h('div', { class: 'toast', attrs: { role: 'status', hidden: true } });
    const banners = h('div', { class: 'room-banners' }, reconnectBanner, shutdownBanner, lobbyBanner, soundBanner, noticeBanner, mediaBanner, audioFirstBanner);

    const stageView = createStage({
        media,
        renderCard: tileCard,
        onStopScreen: () => media.stopScreen(),
        onLeaveAudioOnly: () => media.setAudioOnly(false),
        onSoundBlocked: (blocked) => {
            soundBanner.hidden = !blocked;
            root.dataset.sound = blocked ? 'blocked' : 'on';
        },
    });
    const stageH = h('h2', { class: 'visually-hidden', id: uniqueId('stage'), t: 'room.stage_heading' });
    // A PDF or photo on the stage (./document.js): its section sits above the shared screen.
    const docView = createDocumentView({
        client,
        meetingId: () => meetingId,
        myId: () => st.me.id,
        isHost: () => isHost || !!st.me.host,
        nameOf: (id) => (st.participants.find((p) => p.id === id) || {}).name || '',
        send,
        onShown: (shown) => stageView.setMainContent(shown ? docView.el : null),
    });
    const stage = h('section', { class: 'stage', attrs: { 'aria-labelledby': stageH.id } }, stageH, stageView.screen, stageView.tilesArea);

    // Chat panel
    const chatId = uniqueId('panel-chat');
    const chat = createChat({ headingId: `${chatId}-h`, send, myId: () => st.me.id, isHostId, isOpen: () => st.panel === 'chat', onChange: () => renderBadges() });
    const chatPanel = h('aside', { class: 'panel', id: chatId, attrs: { hidden: true, 'aria-labelledby': chat.heading.id } }, panelHead(chat.heading, 'room.chat_close'), chat.body);

    // People panel
    const peopleId = uniqueId('panel-people');
    const peopleH = h('h2', { id: `${peopleId}-h`, t: 'room.people' });
    const peopleBody = h('div', { class: 'people-body' });
    // The meeting has no top bar: the language is chosen here.
    const langChoice = languageSelect({ labelClass: 'people-lang-label', className: 'people-lang' });
    const peoplePanel = h('aside', { class: 'panel', id: peopleId, attrs: { hidden: true, 'aria-labelledby': peopleH.id } }, panelHead(peopleH, 'room.people_close'), peopleBody, langChoice);

    // The host's private notes: kept in this browser only (./notes.js).
    const notesId = uniqueId('panel-notes');
    const notesH = h('h2', { id: `${notesId}-h`, t: 'notes.heading' });
    const lobbyNote = createLobbyNote(send);
    const notes = isHost && meetingId ? createNotes({ meetingId, title, date: plannedStart }) : null;
    const notesPanel = notes ? h('aside', { class: 'panel', id: notesId, attrs: { hidden: true, 'aria-labelledby': notesH.id } }, panelHead(notesH, 'room.notes_close'), h('div', { class: 'notes-body' }, notes.el)) : null;

    const roomBody = h('div', { class: 'room-body' }, stage, chatPanel, peoplePanel, notesPanel);

    // Controls. On phones the less used ones are behind "Flere" (more); from
    // ALL_CONTROLS up the menu's buttons stand in the bar (CSS display: contents).
    // Short visible labels; the accessible name says what a press does (and contains the label).
    const micBtn = ctl('mic', 'room.mic', 'ctl ctl-mic');
    const camBtn = ctl('camera', 'room.camera', 'ctl ctl-camera');
    const switchBtn = ctl('cameraSwitch', 'room.camera_switch', 'ctl ctl-switch');
    const devicesBtn = ctl('sliders', 'devices.button', 'ctl ctl-devices');
    const screenBtn = ctl('screen', 'room.screen_start', 'ctl ctl-screen');
    const audioOnlyBtn = ctl('headphones', 'room.audio_only', 'ctl ctl-audio-only');
    const handBtn = ctl('hand', 'room.hand_raise', 'ctl ctl-hand');
    const chatBtn = ctl('chat', 'room.chat', 'ctl ctl-chat');
    const peopleBtn = ctl('people', 'room.people', 'ctl ctl-people');
    const notesBtn = ctl('note', 'room.notes', 'ctl ctl-notes');
    const docBtn = ctl('document', 'doc.show', 'ctl ctl-doc');
    const moreBtn = ctl('more', 'room.more', 'ctl ctl-more');
    const leaveBtn = ctl('leave', 'room.leave', 'ctl ctl-leave');
    chatBtn.btn.setAttribute('aria-controls', chatId);
    peopleBtn.btn.setAttribute('aria-controls', peopleId);
    chatBtn.btn.setAttribute('aria-expanded', 'false');
    peopleBtn.btn.setAttribute('aria-expanded', 'false');
    notesBtn.btn.setAttribute('aria-controls', notesId);
    notesBtn.btn.setAttribute('aria-expanded', 'false');
    notesBtn.btn.hidden = !notes;
    audioOnlyBtn.btn.setAttribute('aria-pressed', 'false');
    const moreId = uniqueId('more');
    const moreMenu = h('div', { class: 'more-menu', id: moreId, attrs: { role: 'group' }, tAttrs: { 'aria-label': 'room.more_label' } }, switchBtn.btn, devicesBtn.btn, screenBtn.btn, docBtn.btn, audioOnlyBtn.btn, handBtn.btn, peopleBtn.btn, notesBtn.btn);
    moreBtn.btn.setAttribute('aria-controls', moreId);
    moreBtn.btn.setAttribute('aria-expanded', 'false');
    setAttr(moreBtn.btn, 'aria-label', 'room.more_label');
    switchBtn.btn.hidden = true;
    const controls = h('nav', { class: 'controls', tAttrs: { 'aria-label': 'room.controls' } }, micBtn.btn, camBtn.btn, chatBtn.btn, moreMenu, moreBtn.btn, leaveBtn.btn);

    const root = h('div', { class: `room${isHost ? ' is-host' : ''}`, dataset: { quality: 'unknown', audioOnly: 'false', sound: 'on', mediaStatus: 'idle', videoPackets: '0' } }, bar, banners, roomBody, controls, toast, stageView.audio);
    main.append(root);
    banners.append(...docView.banners);
    docBtn.btn.addEventListener('click', () => {
        closeMore();
        docView.pick();
    });
    // Microphone, camera and speaker during the call, and background blur (./devices.js).
    const devices = createDevices({ media, root, button: devicesBtn.btn, onOpen: () => closeMore() });

    // ---- events ----
    micBtn.btn.addEventListener('click', () => media.setMic(!st.mediaState.mic));
    camBtn.btn.addEventListener('click', () => media.setCamera(!st.mediaState.camera));
    switchBtn.btn.addEventListener('click', () => {
        closeMore();
        media.switchCamera();
    });
    screenBtn.btn.addEventListener('click', () => {
        closeMore();
        if (st.mediaState.screen) media.stopScreen();
        else media.startScreen();
    });
    audioOnlyBtn.btn.addEventListener('click', () => {
        closeMore();
        media.setAudioOnly(!st.mediaState.audioOnly);
    });
    handBtn.btn.addEventListener('click', () => {
        closeMore();
        send({ type: 'hand', raised: !st.me.hand });
    });
    chatBtn.btn.addEventListener('click', () => togglePanel('chat'));
    peopleBtn.btn.addEventListener('click', () => {
        closeMore();
        togglePanel('people');
    });
    notesBtn.btn.addEventListener('click', () => {
        closeMore();
        togglePanel('notes');
    });
    moreBtn.btn.addEventListener('click', () => (st.moreOpen ? closeMore(true) : openMore()));
    leaveBtn.btn.addEventListener('click', () => onLeave());
    soundBtn.addEventListener('click', () => stageView.enableSound());
    const onDocClick = (ev) => {
        if (st.moreOpen && !moreMenu.contains(ev.target) && !moreBtn.btn.contains(ev.target)) closeMore();
    };
    document.addEventListener('click', onDocClick);
    const onAllControls = () => closeMore();
    allControls.addEventListener('change', onAllControls);
    const onKey = (ev) => {
        if (ev.key !== 'Escape' || document.querySelector('dialog[open]')) return;
        if (st.moreOpen) closeMore(true);
        else if (st.panel) closePanel();
    };
    document.addEventListener('keydown', onKey);
    const onWide = () => layoutPanels();
    wide.addEventListener('change', onWide);

    if (wide.matches) openPanel('chat', false);
    wireMedia();
    updateTitle();
    renderAll();
    renderMediaControls();
    focusHeading(titleEl);
    media.start();

    // ---- helpers ----
    function panelHead(heading, closeKey) {
        const close = h('button', { class: 'btn-icon', attrs: { type: 'button' }, tAttrs: { 'aria-label': closeKey } }, icon('close'));
        close.addEventListener('click', () => closePanel());
        return h('div', { class: 'panel-head' }, heading, close);
    }

    function ctl(iconName, key, cls = 'ctl') {
        const label = h('span', { class: 'ctl-label', t: key });
        // The count is drawn from data-count (CSS): it is a decoration, the
        // button's name says it ("Chat, 2 nye beskeder") after the label.
        const badge = h('span', { class: 'ctl-badge', attrs: { hidden: true, 'aria-hidden': 'true' } });
        const iconWrap = h('span', { class: 'ctl-icon' }, icon(iconName), badge);
        const btn = h('button', { class: cls, attrs: { type: 'button' } }, iconWrap, label);
        return { btn, label, badge, iconWrap, iconName };
    }

    function openMore() {
        st.moreOpen = true;
        moreMenu.classList.add('is-open');
        moreBtn.btn.setAttribute('aria-expanded', 'true');
        const first = [...moreMenu.querySelectorAll('button')].find((b) => !b.hidden && !b.disabled);
        if (first) first.focus();
    }

    function closeMore(focusButton = false) {
        if (!st.moreOpen) return;
        st.moreOpen = false;
        moreMenu.classList.remove('is-open');
        moreBtn.btn.setAttribute('aria-expanded', 'false');
        if (focusButton) moreBtn.btn.focus();
    }

    // ---- media ----
    function wireMedia() {
        media.on('state', (s) => {
            st.mediaState = s;
            stageView.setMediaState(s);
            renderMediaControls();
        });
        media.on('local', (local) => stageView.setLocal(local));
        media.on('remote', (map) => stageView.setRemote(map));
        media.on('speaker', (id) => stageView.setSpeaker(id));
        media.on('cameras', (n) => {
            st.cameras = n;
            renderMediaControls();
        });
        media.on('stats', (map) => {
            root.dataset.videoPackets = String(stageView.setStats(map));
        });
        media.on('quality', (q) => renderQuality(q));
        media.on('transport', (t) => {
            root.dataset.publishState = t.publish;
            root.dataset.subscribeState = t.subscribe;
        });
        media.on('status', (s) => {
            root.dataset.mediaStatus = s;
            renderQuality(media.quality);
        });
        media.on('notice', ({ code }) => showMediaNotice(code));
        audioFirst.on('change', ({ paused, up, down }) => {
            audioFirstBanner.hidden = !paused;
            audioFirstBanner.dataset.up = String(up);
            audioFirstBanner.dataset.down = String(down);
        });
        audioFirst.start();
    }

    function renderMediaControls() {
        const s = st.mediaState;
        micBtn.btn.classList.toggle('is-off', !s.mic);
        setAttr(micBtn.btn, 'aria-label', s.mic ? 'room.mic_off' : 'room.mic_on');
        replaceIcon(micBtn, s.mic ? 'mic' : 'micOff');
        camBtn.btn.classList.toggle('is-off', !s.camera);
        setAttr(camBtn.btn, 'aria-label', s.camera ? 'room.camera_off' : 'room.camera_on');
        replaceIcon(camBtn, s.camera ? 'camera' : 'cameraOff');
        switchBtn.btn.hidden = !(st.cameras > 1 && s.camera);
        // Guests share only while the host allows it (the server refuses it otherwise).
        const hideScreen = !screenShareSupported() || !(isHost || st.me.host || st.screenShareOpen || s.screen);
        if (hideScreen && document.activeElement === screenBtn.btn) (moreBtn.btn.offsetParent ? moreBtn.btn : micBtn.btn).focus();
        screenBtn.btn.hidden = hideScreen;
        screenBtn.btn.classList.toggle('is-active', s.screen);
        setText(screenBtn.label, s.screen ? 'room.screen_stop' : 'room.screen_start');
        replaceIcon(screenBtn, s.screen ? 'screenOff' : 'screen');
        audioOnlyBtn.btn.classList.toggle('is-active', s.audioOnly);
        audioOnlyBtn.btn.setAttribute('aria-pressed', String(s.audioOnly));
        root.dataset.audioOnly = String(s.audioOnly);
        audioOnlyBadge.hidden = !s.audioOnly;
        root.classList.toggle('is-audio-only', s.audioOnly);
    }

    function replaceIcon(c, name) {
        if (c.iconName === name) return;
        c.iconName = name;
        c.iconWrap.firstChild.replaceWith(icon(name));
    }

    function renderQuality(q) {
        const status = media.status;
        const level = status === 'active' || status === 'starting' ? q.level : 'unknown';
        root.dataset.quality = level;
        root.dataset.qualityDetail = JSON.stringify(q);
        quality.dataset.quality = level;
        quality.hidden = status !== 'active' && status !== 'starting';
        setText(qualityText, QUALITY_KEYS[level] || QUALITY_KEYS.unknown);
        if (q.rttMs !== null || q.lossPct !== null) setAttr(quality, 'title', 'room.quality.details', { rtt: q.rttMs === null ? '–' : q.rttMs, loss: q.lossPct === null ? '0' : q.lossPct });
        else quality.removeAttribute('title');
    }

    function showMediaNotice(code) {
        clear(mediaBanner);
        const close = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' }, t: 'common.ok', on: { click: () => (mediaBanner.hidden = true) } });
        mediaBanner.append(h('p', { class: 'banner-text', t: `room.media.${code}` }), h('div', { class: 'banner-actions' }, close));
        mediaBanner.hidden = false;
        mediaBanner.dataset.code = code;
    }

    function tileCard(p, { speaking, micOff }) {
        const chips = [];
        if (speaking) chips.push(h('span', { class: 'chip chip-speaking' }, icon('speaker', 'icon icon-sm'), h('span', { t: 'room.speaking' })));
        chips.push(...badges(p));
        if (micOff) chips.push(h('span', { class: 'chip chip-muted' }, icon('micOff', 'icon icon-sm'), h('span', { class: 'visually-hidden', t: 'room.mic_muted' })));
        // Where the tile is small the role shows as its icon (its word stays for screen readers and as a tooltip).
        const role = h('p', { class: 'tile-role', tAttrs: { title: roleKey(p.role, p.host) } }, icon(roleIcon(p.role), 'icon icon-sm tile-role-icon'), h('span', { class: 'tile-role-text', t: roleKey(p.role, p.host) }));
        // replaceChildren() would show a missing number line as the text "null".
        return [avatar(p), h('p', { class: 'tile-name', text: p.name }), phoneNumberLine(p, 'tile-number'), role, h('div', { class: 'tile-chips' }, chips)].filter(Boolean);
    }

    function send(msg) {
        if (client.send(msg)) return true;
        showToast('room.not_connected');
        return false;
    }

    function showToast(key, params) {
        setText(toast, key, params);
        toast.hidden = false;
        clearTimeout(st.toastTimer);
        st.toastTimer = setTimeout(() => {
            toast.hidden = true;
        }, 4000);
    }

    function updateTitle() {
        const waiting = isHost ? st.participants.filter((p) => p.state === 'lobby').length : 0;
        if (waiting) ctx.setTitle('room.title_waiting', { n: waiting, title });
        else ctx.setTitle('room.title', { title });
    }

    // ---- panels ----
    function panels() {
        const all = {
            chat: { el: chatPanel, btn: chatBtn.btn, heading: chat.heading, input: chat.input },
            people: { el: peoplePanel, btn: peopleBtn.btn, heading: peopleH },
        };
        if (notesPanel) all.notes = { el: notesPanel, btn: notesBtn.btn, heading: notesH, input: notes.input };
        return all;
    }

    function openPanel(name, focus = true) {
        const p = panels()[name];
        if (!p) return;
        st.panel = name;
        layoutPanels();
        if (name === 'chat') chat.opened();
        if (focus) {
            if (p.input && wide.matches) p.input.focus();
            else focusHeading(p.heading);
        }
    }

    function closePanel() {
        const p = panels()[st.panel];
        st.panel = null;
        layoutPanels();
        // On phones the button may be inside the closed "Flere" menu.
        if (p) (p.btn.offsetParent ? p.btn : moreBtn.btn).focus();
    }

    function togglePanel(name) {
        if (st.panel === name) closePanel();
        else openPanel(name);
    }

    function layoutPanels() {
        for (const [name, p] of Object.entries(panels())) {
            const open = st.panel === name;
            p.el.hidden = !open;
            p.btn.setAttribute('aria-expanded', String(open));
        }
        root.classList.toggle('has-panel', !!st.panel);
    }

    // ---- state from the server ----
    function handle(msg) {
        if (st.destroyed || lobbyNote.handle(msg)) return;
        if (MEDIA_TYPES.has(msg.type)) {
            media.handle(msg);
            return;
        }
        switch (msg.type) {
            case 'admitted':
                media.start(); // again after a new seat (newSeat)
                break;
            case 'roster':
                onRoster(msg);
                break;
            case 'chat_history':
                for (const m of msg.messages || []) chat.add(m, false);
                chat.render();
                break;
            case 'chat':
                chat.add(msg, true);
                chat.render();
                break;
            case 'mute_request':
                media.applyMuteRequest(msg.kind);
                showMuteRequest(msg.kind);
                break;
            case 'document':
            case 'doc_view':
            case 'document_removed':
                docView.handle(msg);
                break;
            case 'server_shutdown':
                shutdownBanner.hidden = false;
                break;
            case 'error':
                if (msg.code === 'not_permitted' && msg.ref === 'publish') screenRefused();
                else if (isMediaError(msg)) media.handle(msg);
                else showToast(ERROR_KEYS[msg.code] || 'room.err.generic');
                break;
            default:
        }
    }

    function onRoster(msg) {
        const list = (msg.participants || []).slice().sort((a, b) => a.id - b.id);
        const wasLocked = st.locked;
        const wasOpen = st.screenShareOpen;
        st.locked = !!(msg.meeting && msg.meeting.locked);
        st.screenShareOpen = !!(msg.meeting && msg.meeting.screen_share_open);
        const mine = list.find((p) => p.id === st.me.id);
        if (mine) st.me = mine;
        // The host withdrew the permission: the server keeps forwarding a
        // running share but refuses it in the next offer, so stop it now.
        const stopShare = !isHost && !st.me.host && !st.screenShareOpen && media.state().screen;

        const lobby = list.filter((p) => p.state === 'lobby');
        const inRoom = list.filter(inMeeting);
        if (st.knownLobby && st.known) {
            const newcomers = lobby.filter((p) => !st.knownLobby.has(p.id));
            if (isHost && newcomers.length) {
                chime();
                const p = newcomers[0];
                announce(newcomers.length === 1 ? 'room.lobby_waiting' : 'room.lobby_waiting_many', { name: p.name, role: { k: roleKey(p.role, p.host) }, n: newcomers.length });
            }
            for (const p of inRoom) {
                const before = st.known.get(p.id);
                if (!before && p.id !== st.me.id) announce('room.joined', { name: p.name });
                else if (before && !before.hand && p.hand && p.id !== st.me.id) announce('room.hand_raised', { name: p.name });
            }
            const ids = new Set(inRoom.map((p) => p.id));
            for (const [id, p] of st.known) {
                if (!ids.has(id) && id !== st.me.id) announce('room.left', { name: p.name });
            }
            if (wasLocked !== st.locked) announce(st.locked ? 'room.locked_announce' : 'room.unlocked_announce');
            if (wasOpen !== st.screenShareOpen && !stopShare && (isHost || screenShareSupported())) announce(st.screenShareOpen ? 'room.screen_share_open_announce' : 'room.screen_share_closed_announce');
        } else if (isHost && lobby.length) {
            chime();
            announce('room.lobby_waiting_many', { n: lobby.length, name: lobby[0].name, role: { k: roleKey(lobby[0].role) } });
        }
        st.knownLobby = new Set(lobby.map((p) => p.id));
        st.known = new Map(inRoom.map((p) => [p.id, p]));
        st.participants = list;
        renderAll();
        updateTitle();
        if (stopShare) {
            media.stopScreen();
            showNotice('room.screen_share_stopped');
        }
        renderMediaControls();
    }

    /** The server refused an offer with a screen (not allowed): offer again without it. */
    async function screenRefused() {
        await media.rollbackPublish();
        if (media.state().screen) media.stopScreen();
        else media.negotiatePublish();
        showNotice('room.screen_share_refused');
    }

    function setMe(you) {
        st.me = { ...st.me, ...you };
        renderAll();
    }

    /** A fresh seat (the old one was lost): ids start over on the server. */
    function newSeat(you) {
        chat.newSeat();
        docView.reset(); /* told again on admission */
        st.known = null;
        st.knownLobby = null;
        // The server forgot our peer connections: new ones once admitted again.
        media.reset();
        setMe(you);
        if (you && you.state === 'admitted') media.start();
    }

    /** The same seat after a dropped WebSocket: the peer connections may still work. */
    function resumed(you) {
        setMe(you);
        media.resumed();
    }

    function setConnection(state) {
        st.connection = state;
        const down = state === 'reconnecting';
        reconnectBanner.hidden = !down;
        connPill.hidden = !down;
        root.classList.toggle('is-reconnecting', down);
        if (!down) shutdownBanner.hidden = true;
    }

    // ---- rendering ----
    function renderAll() {
        renderBar();
        renderStage();
        renderLobbyBanner();
        preserveFocus(peopleBody, renderPeople);
        renderHand();
        renderBadges();
    }

    function renderBar() {
        const n = st.participants.filter(inMeeting).length || 1;
        setText(countEl, 'room.count', { n });
        lockBadge.hidden = !st.locked;
    }

    function renderHand() {
        const raised = !!st.me.hand;
        handBtn.btn.classList.toggle('is-active', raised);
        setText(handBtn.label, raised ? 'room.hand_lower' : 'room.hand_raise');
    }

    function renderBadges() {
        const waiting = isHost ? st.participants.filter((p) => p.state === 'lobby').length : 0;
        peopleBtn.badge.hidden = !waiting;
        peopleBtn.badge.dataset.count = String(waiting);
        moreBtn.badge.hidden = !waiting;
        moreBtn.badge.dataset.count = String(waiting);
        if (waiting) setAttr(moreBtn.btn, 'aria-label', 'room.more_waiting', { n: waiting });
        else setAttr(moreBtn.btn, 'aria-label', 'room.more_label');
        if (waiting) setAttr(peopleBtn.btn, 'aria-label', 'room.people_waiting', { n: waiting });
        else setAttr(peopleBtn.btn, 'aria-label', 'room.people');
        const unread = chat.unread();
        chatBtn.badge.hidden = !unread;
        chatBtn.badge.dataset.count = unread > 9 ? '9+' : String(unread);
        if (unread) setAttr(chatBtn.btn, 'aria-label', 'room.chat_unread', { n: unread });
        else setAttr(chatBtn.btn, 'aria-label', 'room.chat');
    }

    function avatar(p, cls = 'avatar') {
        if (p.phone === true) return phoneAvatar(`${cls} av-${p.id % AVATAR_COLOURS}`);
        return h('span', { class: `${cls} av-${p.id % AVATAR_COLOURS}`, attrs: { 'aria-hidden': 'true' }, text: initials(p.name) });
    }

    function badges(p, { self = true } = {}) {
        const out = p.phone === true ? [phoneChip()] : [];
        if (p.host) out.push(h('span', { class: 'chip chip-host' }, icon('shield', 'icon icon-sm'), h('span', { t: 'room.host' })));
        if (self && p.id === st.me.id) out.push(h('span', { class: 'chip', t: 'room.you' }));
        if (p.hand) out.push(h('span', { class: 'chip chip-hand' }, icon('hand', 'icon icon-sm'), h('span', { t: 'room.hand_up' })));
        if (p.state === 'reconnecting') out.push(h('span', { class: 'chip chip-warn', t: 'room.reconnecting_short' }));
        return out;
    }

    function renderStage() {
        let people = st.participants.filter(inMeeting);
        if (!people.some((p) => p.id === st.me.id)) people = [...people, st.me].sort((a, b) => a.id - b.id);
        stageView.setPeople(people, st.me.id);
    }

    function renderLobbyBanner() {
        clear(lobbyBanner);
        const lobby = isHost ? st.participants.filter((p) => p.state === 'lobby') : [];
        lobbyBanner.hidden = lobby.length === 0;
        if (!lobby.length) return;
        const p = lobby[0];
        const text = h('p', { class: 'banner-text' }, h('span', { class: 'pulse', attrs: { 'aria-hidden': 'true' } }), h('span', { t: ['room.lobby_banner', { name: p.name, role: { k: roleKey(p.role, p.host) } }] }));
        const actions = h('div', { class: 'banner-actions' }, admitButton(p, 'btn btn-primary btn-small'), denyButton(p, 'btn btn-secondary btn-small'));
        if (lobby.length > 1) {
            actions.append(h('button', { class: 'btn btn-quiet btn-small', attrs: { type: 'button' }, t: ['room.lobby_more', { n: lobby.length - 1 }], on: { click: () => openPanel('people') } }));
        }
        lobbyBanner.append(text, actions);
    }

    function admitButton(p, cls) {
        // The name is in the visible text: "Luk ind" is not part of "Luk Mette ind" (label in name).
        const b = h('button', { class: cls, attrs: { type: 'button' }, dataset: { focusKey: `admit-${p.id}` } }, icon('check', 'icon icon-sm'), h('span', { t: ['room.admit_label', { name: p.name }] }));
        b.addEventListener('click', () => send({ type: 'admit', participant_id: p.id }));
        return b;
    }

    function denyButton(p, cls) {
        const b = h('button', { class: cls, attrs: { type: 'button' }, dataset: { focusKey: `deny-${p.id}` }, tAttrs: { 'aria-label': ['room.deny_label', { name: p.name }] } }, h('span', { t: 'room.deny' }));
        b.addEventListener('click', () => send({ type: 'deny', participant_id: p.id }));
        return b;
    }

    function renderPeople() {
        clear(peopleBody);
        if (isHost) {
            const lobby = st.participants.filter((p) => p.state === 'lobby');
            lobbyNote.keepOnly(new Set(lobby.map((p) => p.id)));
            const lh = h('h3', { t: ['room.lobby_heading', { n: lobby.length }] });
            const sec = h('section', { class: 'people-section lobby-section' }, lh);
            if (!lobby.length) sec.append(h('p', { class: 'muted', t: 'room.lobby_empty' }));
            else {
                const ul = h('ul', { class: 'people-list' });
                for (const p of lobby) {
                    ul.append(
                        h(
                            'li',
                            { class: 'person is-waiting' },
                            h('div', { class: 'person-main' }, avatar(p, 'avatar avatar-sm'), h('div', { class: 'person-text' }, h('p', { class: 'person-name', text: p.name }), phoneNumberLine(p, 'person-number'), h('p', { class: 'person-role', t: roleKey(p.role, p.host) }))),
                            h('div', { class: 'person-actions' }, admitButton(p, 'btn btn-primary btn-small'), denyButton(p, 'btn btn-secondary btn-small')),
                            lobbyNote.forGuest(p),
                        ),
                    );
                }
                sec.append(ul);
            }
            peopleBody.append(sec);
        }

        let people = st.participants.filter(inMeeting);
        if (!people.some((p) => p.id === st.me.id)) people = [...people, st.me].sort((a, b) => a.id - b.id);
        const sec = h('section', { class: 'people-section' }, h('h3', { t: ['room.in_meeting', { n: people.length }] }));
        const ul = h('ul', { class: 'people-list' });
        for (const p of people) {
            const li = h(
                'li',
                { class: 'person' },
                h(
                    'div',
                    { class: 'person-main' },
                    avatar(p, 'avatar avatar-sm'),
                    h('div', { class: 'person-text' }, h('p', { class: 'person-name', text: p.name }), phoneNumberLine(p, 'person-number'), h('p', { class: 'person-role', t: roleKey(p.role, p.host) }), h('div', { class: 'tile-chips' }, badges(p))),
                ),
            );
            if (isHost && p.id !== st.me.id) {
                const mute = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button', disabled: p.state !== 'admitted' }, dataset: { focusKey: `mute-${p.id}` }, tAttrs: { 'aria-label': ['room.mute_label', { name: p.name }] } }, icon('micOff', 'icon icon-sm'), h('span', { t: 'room.mute' }));
                mute.addEventListener('click', () => {
                    if (send({ type: 'mute_request', participant_id: p.id, kind: 'mic' })) showToast('room.mute_sent', { name: p.name });
                });
                const remove = h('button', { class: 'btn btn-danger-outline btn-small', attrs: { type: 'button' }, dataset: { focusKey: `remove-${p.id}` }, tAttrs: { 'aria-label': ['room.remove_label', { name: p.name }] } }, icon('userRemove', 'icon icon-sm'), h('span', { t: 'room.remove' }));
                remove.addEventListener('click', async () => {
                    const ok = await confirmDialog({ title: 'room.remove_title', body: 'room.remove_body', confirm: 'room.remove', danger: true, params: { name: p.name } });
                    if (ok) send({ type: 'remove', participant_id: p.id });
                });
                li.append(h('div', { class: 'person-actions' }, mute, remove));
            }
            ul.append(li);
        }
        sec.append(ul);
        peopleBody.append(sec);

        if (isHost) {
            const lock = h('button', { class: 'btn btn-secondary', attrs: { type: 'button' }, dataset: { focusKey: 'lock' } }, icon(st.locked ? 'unlock' : 'lock', 'icon icon-sm'), h('span', { t: st.locked ? 'room.unlock' : 'room.lock' }));
            lock.addEventListener('click', () => send({ type: 'lock', locked: !st.locked }));
            const shareId = uniqueId('screen-share');
            const share = h('input', { id: shareId, attrs: { type: 'checkbox', checked: st.screenShareOpen, 'aria-describedby': `${shareId}-hint` }, dataset: { focusKey: 'screen-share' } });
            share.addEventListener('change', () => {
                if (!send({ type: 'allow_screen_share', allowed: share.checked })) share.checked = st.screenShareOpen;
            });
            const shareRow = h('div', { class: 'check screen-share-toggle' }, share, h('label', { attrs: { for: shareId }, t: 'room.screen_share_allow' }));
            const shareHint = h('p', { class: 'hint', id: `${shareId}-hint`, t: st.screenShareOpen ? 'room.screen_share_open_hint' : 'room.screen_share_hint' });
            const end = h('button', { class: 'btn btn-danger', attrs: { type: 'button' }, dataset: { focusKey: 'end' } }, icon('power', 'icon icon-sm'), h('span', { t: 'room.end' }));
            end.addEventListener('click', async () => {
                const ok = await confirmDialog({ title: 'room.end_title', body: 'room.end_body', confirm: 'room.end_confirm', danger: true });
                if (ok) send({ type: 'end' });
            });
            peopleBody.append(
                h(
                    'section',
                    { class: 'people-section host-tools' },
                    h('h3', { t: 'room.host_tools' }),
                    h('div', { class: 'button-column' }, lock, h('p', { class: 'hint', t: st.locked ? 'room.locked_hint' : 'room.lock_hint' }), shareRow, shareHint, end),
                ),
            );
        }
    }

    /** Re-renders a container and puts focus back on the "same" control. */
    function preserveFocus(container, render) {
        const active = document.activeElement;
        const inside = active && container.contains(active);
        const key = inside && active.dataset ? active.dataset.focusKey : null;
        render();
        if (!inside) return;
        const again = key && container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
        if (again && !again.disabled) again.focus();
        else focusHeading(peopleH);
    }

    function isHostId(id) {
        const p = st.participants.find((x) => x.id === id);
        return p ? p.host : true;
    }

    function showMuteRequest(kind) {
        const key = { mic: 'room.mute_request.mic', camera: 'room.mute_request.camera', screen: 'room.mute_request.screen' }[kind] || 'room.mute_request.mic';
        if (kind === 'screen' && !st.mediaState.screen) return;
        showNotice(key);
    }

    /** A notice with an OK button (role="alert": read out at once). */
    function showNotice(key) {
        clear(noticeBanner);
        const ok = h('button', { class: 'btn btn-secondary btn-small', attrs: { type: 'button' }, t: 'common.ok', on: { click: () => (noticeBanner.hidden = true) } });
        noticeBanner.append(h('p', { class: 'banner-text', t: key }), h('div', { class: 'banner-actions' }, ok));
        noticeBanner.hidden = false;
    }

    function destroy() {
        st.destroyed = true;
        clearTimeout(st.toastTimer);
        document.removeEventListener('keydown', onKey);
        document.removeEventListener('click', onDocClick);
        if (notes) notes.destroy();
        devices.destroy();
        wide.removeEventListener('change', onWide);
        allControls.removeEventListener('change', onAllControls);
        audioFirst.stop();
        media.close();
        docView.destroy();
        stageView.destroy();
        root.remove();
    }

    return { handle, setMe, newSeat, resumed, setConnection, destroy };
}
