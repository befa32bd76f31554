// The stage document: a PDF (a CV) or a photo that any participant let into
// the meeting puts on the stage for everyone, also from a phone that cannot
// share its screen. The file goes to the server over HTTPS (POST
// /api/meetings/{id}/document, proven by the seat's resume token in an
// Authorization header), the server tells the room ("document"), and each
// client fetches it the same way and draws it here: PDFs with pdf.js
// (served from our own origin under /vendor/pdfjs/), photos as an <img>.
//
// The one who shows it steers: page, zoom and scroll position go to the
// others as "doc_view" and they follow. The owner and a host can remove it.
//
// Fed by the room view: handle(msg) for document, doc_view, document_removed
// and their errors; pick() opens the file chooser. Test hooks (data-*) on
// the section: data-doc (id), data-owner, data-mime, data-page, data-pages,
// data-zoom and data-rendered-page (the page last drawn, set once drawing is
// done); the error banner (.doc-banner) has data-error, the last refusal's code.
import { announce, h, uniqueId } from '../dom.js';
import { setAttr, setText } from '../i18n.js';
import { icon } from '../icons.js';

const DOC_MAX_BYTES = 20 * 1024 * 1024; // the server's default document_max_mb
const ACCEPT = 'application/pdf,image/jpeg,image/png,image/webp,.pdf,.jpg,.jpeg,.png,.webp';
const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4];
const PDFJS = '/vendor/pdfjs/pdf.min.mjs';
const PDFJS_WORKER = '/vendor/pdfjs/pdf.worker.min.mjs';
const PDFJS_FONTS = '/vendor/pdfjs/standard_fonts/';
const MAX_CANVAS_PIXELS = 16 * 1024 * 1024;
const VIEW_SEND_MS = 150;
const UPLOAD_ERRORS = {
    unsupported_type: 'doc.err.type',
    too_big: 'doc.err.too_big',
    document_shown: 'doc.err.shown',
    busy: 'doc.err.busy',
};

let pdfjs = null;
function loadPdfjs() {
    if (!pdfjs) {
        pdfjs = import(PDFJS).then((lib) => {
            lib.GlobalWorkerOptions.workerSrc = PDFJS_WORKER;
            return lib;
        });
        pdfjs.catch(() => {
            pdfjs = null;
        });
    }
    return pdfjs;
}

/** A fraction 0..1 of how far el is scrolled on one axis. */
function fraction(pos, size, view) {
    const range = size - view;
    return range > 0 ? Math.min(1, Math.max(0, pos / range)) : 0;
}

export function createDocumentView({ client, meetingId, myId, isHost, nameOf, send, onShown }) {
    const st = {
        doc: null, // {id, owner, mime, size}
        view: { page: 1, zoom: 1, x: 0, y: 0 },
        pages: 1,
        pdf: null,
        pdfTask: null, // the loading task: destroying it lets go of the document and its worker
        imgUrl: null,
        load: 0, // increases with every document, so late answers are dropped
        draw: 0,
        task: null,
        sendTimer: null,
        following: false, // scroll events caused by applying the owner's view
        uploading: false,
        destroyed: false,
    };

    const captionId = uniqueId('doc-caption');
    const caption = h('p', { class: 'doc-caption', id: captionId });
    const prevBtn = iconButton('back', 'doc.prev');
    const nextBtn = iconButton('back', 'doc.next', 'doc-next');
    const pageText = h('span', { class: 'doc-page', attrs: { 'aria-live': 'polite' } });
    const zoomOutBtn = iconButton('zoomOut', 'room.zoom_out');
    const zoomInBtn = iconButton('zoomIn', 'room.zoom_in');
    const fitBtn = iconButton('fit', 'doc.fit');
    const steer = h('div', { class: 'doc-steer', attrs: { role: 'group' }, tAttrs: { 'aria-label': 'doc.steer' } }, prevBtn, pageText, nextBtn, zoomOutBtn, zoomInBtn, fitBtn);
    const removeBtn = h('button', { class: 'btn btn-danger-outline btn-small doc-remove', attrs: { type: 'button' }, tAttrs: { 'aria-label': 'doc.remove_label' } }, icon('trash', 'icon icon-sm'), h('span', { t: 'doc.remove' }));
    const canvas = h('canvas', { class: 'doc-canvas', attrs: { 'aria-hidden': 'true' } });
    const img = h('img', { class: 'doc-img', attrs: { alt: '', hidden: true } });
    const status = h('p', { class: 'doc-status' });
    const viewport = h('div', { class: 'doc-viewport', attrs: { tabindex: '0', role: 'group', 'aria-labelledby': captionId } }, canvas, img, status);
    const el = h('section', { class: 'doc-stage', attrs: { hidden: true, 'aria-labelledby': captionId } }, h('div', { class: 'doc-head' }, caption, removeBtn), viewport, steer);

    const fileInput = h('input', { class: 'visually-hidden', attrs: { type: 'file', accept: ACCEPT, tabindex: '-1', 'aria-hidden': 'true' } });
    const errorText = h('span');
    const errorClose = h('button', { class: 'btn-icon', attrs: { type: 'button' }, tAttrs: { 'aria-label': 'doc.err.close' } }, icon('close'));
    const banner = h('div', { class: 'banner banner-warning doc-banner', attrs: { hidden: true, role: 'alert' } }, h('p', { class: 'banner-text' }, icon('warning', 'icon icon-sm'), errorText), errorClose, fileInput);
    const sending = h('div', { class: 'banner banner-info doc-sending', attrs: { hidden: true, role: 'status' } }, h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }), h('span', { t: 'doc.sending' }));

    prevBtn.addEventListener('click', () => steerTo({ page: st.view.page - 1, x: 0, y: 0 }));
    nextBtn.addEventListener('click', () => steerTo({ page: st.view.page + 1, x: 0, y: 0 }));
    zoomInBtn.addEventListener('click', () => steerTo({ zoom: stepZoom(1) }));
    zoomOutBtn.addEventListener('click', () => steerTo({ zoom: stepZoom(-1) }));
    fitBtn.addEventListener('click', () => steerTo({ zoom: 1, x: 0, y: 0 }));
    removeBtn.addEventListener('click', () => st.doc && send({ type: 'doc_remove', doc: st.doc.id }));
    errorClose.addEventListener('click', () => {
        banner.hidden = true;
    });
    fileInput.addEventListener('change', () => {
        const f = fileInput.files && fileInput.files[0];
        fileInput.value = '';
        if (f) upload(f);
    });
    viewport.addEventListener('scroll', onScroll, { passive: true });
    viewport.addEventListener('keydown', onKey);
    let lastWidth = 0;
    const ro =
        typeof ResizeObserver === 'function'
            ? new ResizeObserver(() => {
                  if (viewport.clientWidth === lastWidth) return;
                  lastWidth = viewport.clientWidth;
                  redraw();
              })
            : null;
    if (ro) ro.observe(viewport);

    function iconButton(name, key, cls = '') {
        return h('button', { class: `btn-icon doc-btn ${cls}`.trim(), attrs: { type: 'button' }, tAttrs: { 'aria-label': key, title: key } }, icon(name));
    }

    function isOwner() {
        return !!st.doc && st.doc.owner === myId();
    }

    function stepZoom(dir) {
        const z = st.view.zoom;
        if (dir > 0) return ZOOMS.find((s) => s > z + 1e-6) ?? z;
        return [...ZOOMS].reverse().find((s) => s < z - 1e-6) ?? z;
    }

    // ---- choosing and sending a file ----

    function pick() {
        if (st.uploading) return;
        fileInput.click();
    }

    function showError(key, code) {
        setText(errorText, key);
        banner.dataset.error = code;
        banner.hidden = false;
    }

    async function upload(file) {
        banner.hidden = true;
        if (file.size > DOC_MAX_BYTES) {
            showError('doc.err.too_big', 'too_big');
            return;
        }
        if (file.size === 0) {
            showError('doc.err.type', 'unsupported_type');
            return;
        }
        st.uploading = true;
        sending.hidden = false;
        try {
            const r = await fetch(`/api/meetings/${meetingId()}/document`, {
                method: 'POST',
                body: file,
                headers: { Authorization: `Bearer ${client.resumeToken}`, 'Content-Type': 'application/octet-stream' },
                cache: 'no-store',
            });
            if (!r.ok) {
                let code = 'server_error';
                try {
                    code = (await r.json()).error.code;
                } catch {
                    /* not our error body */
                }
                showError(UPLOAD_ERRORS[code] || 'doc.err.generic', code);
            }
        } catch {
            showError('doc.err.generic', 'network');
        } finally {
            st.uploading = false;
            sending.hidden = true;
        }
    }

    // ---- showing ----

    function handle(msg) {
        if (st.destroyed) return;
        switch (msg.type) {
            case 'document':
                show(msg);
                break;
            case 'doc_view':
                if (st.doc && msg.doc === st.doc.id && !isOwner()) follow(msg);
                break;
            case 'document_removed':
                if (st.doc && msg.doc === st.doc.id) {
                    announce(msg.by === myId() ? 'doc.removed_self' : 'doc.removed');
                    reset();
                }
                break;
            default:
        }
    }

    function show(msg) {
        if (st.doc && st.doc.id === msg.doc) {
            follow(msg);
            return;
        }
        reset();
        st.doc = { id: msg.doc, owner: msg.owner, mime: msg.mime, size: msg.size };
        st.view = { page: msg.page || 1, zoom: msg.zoom || 1, x: msg.x || 0, y: msg.y || 0 };
        el.hidden = false;
        el.dataset.doc = String(msg.doc);
        el.dataset.owner = String(msg.owner);
        el.dataset.mime = msg.mime;
        if (onShown) onShown(true); /* the stage gives it the main place (stage.js setMainContent) */
        el.closest('.stage')?.classList.add('has-document');
        const mine = isOwner();
        setText(caption, mine ? 'doc.caption_self' : 'doc.caption', { name: nameOf(msg.owner) });
        announce(mine ? 'doc.shown_self' : 'doc.shown', { name: nameOf(msg.owner) });
        setText(status, 'doc.loading');
        status.hidden = false;
        renderControls();
        fetchAndOpen(++st.load);
    }

    async function fetchAndOpen(load) {
        try {
            const r = await fetch(`/api/meetings/${meetingId()}/document`, { headers: { Authorization: `Bearer ${client.resumeToken}` }, cache: 'no-store' });
            if (!r.ok) throw new Error(`HTTP ${r.status}`);
            const data = await r.arrayBuffer();
            if (load !== st.load) return;
            if (st.doc.mime === 'application/pdf') {
                const lib = await loadPdfjs();
                const task = lib.getDocument({ data, isEvalSupported: false, standardFontDataUrl: PDFJS_FONTS, enableXfa: false });
                st.pdfTask = task;
                const pdf = await task.promise;
                if (load !== st.load) return;
                st.pdf = pdf;
                st.pages = pdf.numPages;
            } else {
                st.imgUrl = URL.createObjectURL(new Blob([data], { type: st.doc.mime }));
                img.src = st.imgUrl;
                await img.decode();
                if (load !== st.load) return;
                st.pages = 1;
            }
            status.hidden = true;
            renderControls();
            await redraw();
        } catch (err) {
            if (load !== st.load) return;
            console.warn('document: cannot show', err);
            setText(status, 'doc.cannot_show');
            status.hidden = false;
        }
    }

    async function redraw() {
        if (!st.doc || (!st.pdf && !st.imgUrl)) return;
        const draw = ++st.draw;
        const view = st.view;
        const width = Math.max(1, viewport.clientWidth) * view.zoom;
        if (st.pdf) {
            img.hidden = true;
            canvas.hidden = false;
            const page = await st.pdf.getPage(Math.min(view.page, st.pages));
            if (draw !== st.draw) return;
            const base = page.getViewport({ scale: 1 });
            let scale = (width / base.width) * (window.devicePixelRatio || 1);
            const pixels = base.width * base.height * scale * scale;
            if (pixels > MAX_CANVAS_PIXELS) scale *= Math.sqrt(MAX_CANVAS_PIXELS / pixels);
            const vp = page.getViewport({ scale });
            if (st.task) st.task.cancel();
            const next = document.createElement('canvas');
            next.width = Math.floor(vp.width);
            next.height = Math.floor(vp.height);
            st.task = page.render({ canvasContext: next.getContext('2d'), canvas: next, viewport: vp });
            try {
                await st.task.promise;
            } catch (err) {
                if (err && err.name === 'RenderingCancelledException') return;
                throw err;
            }
            if (draw !== st.draw) return;
            // Drawn off screen, then copied: the old page stays until the new one is whole.
            canvas.width = next.width;
            canvas.height = next.height;
            canvas.getContext('2d').drawImage(next, 0, 0);
            canvas.style.width = `${Math.floor(width)}px`;
            canvas.style.height = `${Math.floor((width * base.height) / base.width)}px`;
        } else {
            canvas.hidden = true;
            img.hidden = false;
            img.style.width = `${Math.floor(width)}px`;
        }
        el.dataset.renderedPage = String(view.page);
        applyScroll();
    }

    function renderControls() {
        const v = st.view;
        el.dataset.page = String(v.page);
        el.dataset.pages = String(st.pages);
        el.dataset.zoom = String(v.zoom);
        const mine = isOwner();
        el.classList.toggle('is-presenter', mine);
        steer.hidden = !mine;
        removeBtn.hidden = !(mine || isHost());
        setText(pageText, 'doc.page_of', { page: v.page, pages: st.pages });
        prevBtn.disabled = v.page <= 1;
        nextBtn.disabled = v.page >= st.pages;
        zoomOutBtn.disabled = v.zoom <= ZOOMS[0];
        zoomInBtn.disabled = v.zoom >= ZOOMS[ZOOMS.length - 1];
        setAttr(viewport, 'aria-label', mine ? 'doc.viewport_self' : 'doc.viewport', { page: v.page, pages: st.pages });
    }

    // ---- steering (the owner) and following (everyone else) ----

    function steerTo(change) {
        if (!isOwner()) return;
        const v = { ...st.view, ...change };
        v.page = Math.min(Math.max(1, v.page), st.pages);
        v.zoom = Math.min(Math.max(ZOOMS[0], v.zoom), ZOOMS[ZOOMS.length - 1]);
        const redrawNeeded = v.page !== st.view.page || v.zoom !== st.view.zoom;
        st.view = v;
        renderControls();
        sendView(true);
        if (redrawNeeded) redraw();
        else applyScroll();
    }

    function sendView(now) {
        clearTimeout(st.sendTimer);
        const go = () => {
            st.sendTimer = null;
            if (st.doc && isOwner()) send({ type: 'doc_view', doc: st.doc.id, ...st.view });
        };
        if (now) go();
        else st.sendTimer = setTimeout(go, VIEW_SEND_MS);
    }

    function onScroll() {
        if (st.following || !isOwner()) return;
        st.view = {
            ...st.view,
            x: fraction(viewport.scrollLeft, viewport.scrollWidth, viewport.clientWidth),
            y: fraction(viewport.scrollTop, viewport.scrollHeight, viewport.clientHeight),
        };
        sendView(false);
    }

    function onKey(e) {
        if (!isOwner()) return;
        if (e.key === 'PageDown') steerTo({ page: st.view.page + 1, x: 0, y: 0 });
        else if (e.key === 'PageUp') steerTo({ page: st.view.page - 1, x: 0, y: 0 });
        else if (e.key === '+') steerTo({ zoom: stepZoom(1) });
        else if (e.key === '-') steerTo({ zoom: stepZoom(-1) });
        else return;
        e.preventDefault();
    }

    function follow(msg) {
        const v = { page: msg.page, zoom: msg.zoom, x: msg.x, y: msg.y };
        const redrawNeeded = v.page !== st.view.page || v.zoom !== st.view.zoom;
        st.view = v;
        renderControls();
        if (redrawNeeded) redraw();
        else applyScroll();
    }

    function applyScroll() {
        st.following = true;
        viewport.scrollLeft = st.view.x * Math.max(0, viewport.scrollWidth - viewport.clientWidth);
        viewport.scrollTop = st.view.y * Math.max(0, viewport.scrollHeight - viewport.clientHeight);
        requestAnimationFrame(() => {
            st.following = false;
        });
    }

    // ---- clearing ----

    function reset() {
        st.load++;
        st.draw++;
        clearTimeout(st.sendTimer);
        if (st.task) st.task.cancel();
        st.task = null;
        if (st.pdfTask) st.pdfTask.destroy(); // ends its worker too
        st.pdfTask = null;
        st.pdf = null;
        if (st.imgUrl) URL.revokeObjectURL(st.imgUrl);
        st.imgUrl = null;
        img.removeAttribute('src');
        canvas.width = 0;
        canvas.height = 0;
        st.doc = null;
        st.pages = 1;
        st.view = { page: 1, zoom: 1, x: 0, y: 0 };
        el.hidden = true;
        el.closest('.stage')?.classList.remove('has-document');
        if (onShown) onShown(false);
        for (const k of ['doc', 'owner', 'mime', 'page', 'pages', 'zoom', 'renderedPage']) delete el.dataset[k];
    }

    function destroy() {
        reset();
        st.destroyed = true;
        if (ro) ro.disconnect();
    }

    return { el, banners: [sending, banner], pick, handle, reset, destroy, refresh: renderControls, isShown: () => !!st.doc };
}
