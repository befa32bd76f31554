// Pinch-zoom and pan for a shared screen: two fingers pinch and move, one
// finger (or the mouse) drags once zoomed in, a double tap (or double click)
// zooms to DOUBLE_TAP_SCALE at the tapped point and back, ctrl + wheel
// zooms, the arrow keys pan the focused viewport, and zoomIn/zoomOut/reset
// serve the + / − / fit buttons. The content is moved with a CSS transform (set through the
// CSSOM, which the page's CSP allows); the viewport clips it.
const MIN = 1;
const MAX = 6;
const STEP = 1.5;
const KEY_PAN_PX = 60;
const DOUBLE_TAP_SCALE = 2.5;
const TAP_MS = 300; // longest press that is a tap
const DOUBLE_TAP_MS = 400; // longest gap between the two taps
const TAP_SLOP_PX = 24; // how far a finger may move and still tap

export function createZoom(viewport, content, { onChange = () => {} } = {}) {
    const z = { scale: 1, x: 0, y: 0 };
    const pointers = new Map(); // pointerId → {x, y}
    let gesture = null; // {scale, x, y, dist, mx, my} at the start of a pinch or drag
    let tap = null; // the touch that may become a tap: {id, x, y, t}
    let lastTap = null; // the last tap: {x, y, t}
    let lastTouchMs = -Infinity; // a touch's own double tap is handled; its dblclick is not

    function size() {
        return { w: viewport.clientWidth || 1, h: viewport.clientHeight || 1 };
    }

    function clamp() {
        const { w, h } = size();
        z.scale = Math.min(MAX, Math.max(MIN, z.scale));
        // The content is the viewport's size scaled from its top-left corner:
        // keep it covering the viewport.
        z.x = Math.min(0, Math.max(w - w * z.scale, z.x));
        z.y = Math.min(0, Math.max(h - h * z.scale, z.y));
    }

    function apply() {
        clamp();
        content.style.transform = z.scale === 1 ? '' : `translate(${z.x}px, ${z.y}px) scale(${z.scale})`;
        viewport.classList.toggle('is-zoomed', z.scale > 1);
        onChange(z.scale);
    }

    /** Zooms to scale, keeping the viewport point (px, py) where it is. */
    function zoomAt(scale, px, py) {
        const s = Math.min(MAX, Math.max(MIN, scale));
        const cx = (px - z.x) / z.scale;
        const cy = (py - z.y) / z.scale;
        z.scale = s;
        z.x = px - cx * s;
        z.y = py - cy * s;
        apply();
    }

    function local(ev) {
        const r = viewport.getBoundingClientRect();
        return { x: ev.clientX - r.left, y: ev.clientY - r.top };
    }

    function startGesture() {
        const pts = [...pointers.values()];
        if (pts.length >= 2) {
            const [a, b] = pts;
            gesture = { scale: z.scale, x: z.x, y: z.y, dist: Math.hypot(a.x - b.x, a.y - b.y) || 1, mx: (a.x + b.x) / 2, my: (a.y + b.y) / 2 };
        } else if (pts.length === 1) {
            gesture = { scale: z.scale, x: z.x, y: z.y, dist: 0, mx: pts[0].x, my: pts[0].y };
        } else {
            gesture = null;
        }
    }

    function onDown(ev) {
        if (ev.pointerType === 'mouse' && ev.button !== 0) return;
        const p = local(ev);
        if (ev.pointerType !== 'mouse') {
            lastTouchMs = ev.timeStamp;
            tap = pointers.size === 0 ? { id: ev.pointerId, x: p.x, y: p.y, t: ev.timeStamp } : null;
        }
        pointers.set(ev.pointerId, p);
        try {
            viewport.setPointerCapture(ev.pointerId);
        } catch {
            /* not capturable */
        }
        startGesture();
    }

    function onMove(ev) {
        if (!pointers.has(ev.pointerId)) return;
        const p = local(ev);
        if (tap && tap.id === ev.pointerId && Math.hypot(p.x - tap.x, p.y - tap.y) > TAP_SLOP_PX) tap = null;
        pointers.set(ev.pointerId, p);
        if (!gesture) return;
        const pts = [...pointers.values()];
        if (pts.length >= 2 && gesture.dist) {
            const [a, b] = pts;
            const dist = Math.hypot(a.x - b.x, a.y - b.y) || 1;
            const mx = (a.x + b.x) / 2;
            const my = (a.y + b.y) / 2;
            const s = Math.min(MAX, Math.max(MIN, (gesture.scale * dist) / gesture.dist));
            // The content point under the starting midpoint follows the fingers.
            const cx = (gesture.mx - gesture.x) / gesture.scale;
            const cy = (gesture.my - gesture.y) / gesture.scale;
            z.scale = s;
            z.x = mx - cx * s;
            z.y = my - cy * s;
            apply();
            ev.preventDefault();
        } else if (pts.length === 1 && z.scale > 1) {
            z.x = gesture.x + (pts[0].x - gesture.mx);
            z.y = gesture.y + (pts[0].y - gesture.my);
            apply();
            ev.preventDefault();
        }
    }

    function onUp(ev) {
        if (!pointers.delete(ev.pointerId)) return;
        startGesture();
        if (ev.type === 'pointerup' && tap && tap.id === ev.pointerId && ev.timeStamp - tap.t <= TAP_MS) onTap(tap);
        if (tap && tap.id === ev.pointerId) tap = null;
    }

    /** Two taps close in time and place: zoom in there, or back to the fit. */
    function onTap(t) {
        if (lastTap && t.t - lastTap.t <= DOUBLE_TAP_MS && Math.hypot(t.x - lastTap.x, t.y - lastTap.y) <= TAP_SLOP_PX * 2) {
            lastTap = null;
            toggleAt(t.x, t.y);
        } else {
            lastTap = { x: t.x, y: t.y, t: t.t };
        }
    }

    function toggleAt(x, y) {
        if (z.scale > 1) api.reset();
        else zoomAt(DOUBLE_TAP_SCALE, x, y);
    }

    function onWheel(ev) {
        if (!ev.ctrlKey) return; // plain scrolling is left alone; ctrl+wheel (and trackpad pinch) zooms
        ev.preventDefault();
        const p = local(ev);
        zoomAt(z.scale * Math.exp(-ev.deltaY / 200), p.x, p.y);
    }

    function onKey(ev) {
        const pans = { ArrowLeft: [KEY_PAN_PX, 0], ArrowRight: [-KEY_PAN_PX, 0], ArrowUp: [0, KEY_PAN_PX], ArrowDown: [0, -KEY_PAN_PX] };
        if (ev.key === '+' || ev.key === '=') api.zoomIn();
        else if (ev.key === '-') api.zoomOut();
        else if (ev.key === '0') api.reset();
        else if (pans[ev.key] && z.scale > 1) {
            z.x += pans[ev.key][0];
            z.y += pans[ev.key][1];
            apply();
        } else return;
        ev.preventDefault();
    }

    function onDouble(ev) {
        if (ev.timeStamp - lastTouchMs < 1000) return; // a touch: onTap had it
        const p = local(ev);
        toggleAt(p.x, p.y);
    }

    viewport.addEventListener('pointerdown', onDown);
    viewport.addEventListener('pointermove', onMove);
    viewport.addEventListener('pointerup', onUp);
    viewport.addEventListener('pointercancel', onUp);
    viewport.addEventListener('lostpointercapture', onUp);
    viewport.addEventListener('wheel', onWheel, { passive: false });
    viewport.addEventListener('keydown', onKey);
    viewport.addEventListener('dblclick', onDouble);
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => apply()) : null;
    if (ro) ro.observe(viewport);

    const api = {
        zoomIn() {
            const { w, h } = size();
            zoomAt(z.scale * STEP, w / 2, h / 2);
        },
        zoomOut() {
            const { w, h } = size();
            zoomAt(z.scale / STEP, w / 2, h / 2);
        },
        reset() {
            z.scale = 1;
            z.x = 0;
            z.y = 0;
            apply();
        },
        get scale() {
            return z.scale;
        },
        /** Re-applies the limits after the viewport changed shape. */
        refit() {
            apply();
        },
        get min() {
            return MIN;
        },
        get max() {
            return MAX;
        },
        destroy() {
            if (ro) ro.disconnect();
            viewport.removeEventListener('pointerdown', onDown);
            viewport.removeEventListener('pointermove', onMove);
            viewport.removeEventListener('pointerup', onUp);
            viewport.removeEventListener('pointercancel', onUp);
            viewport.removeEventListener('lostpointercapture', onUp);
            viewport.removeEventListener('wheel', onWheel);
            viewport.removeEventListener('keydown', onKey);
            viewport.removeEventListener('dblclick', onDouble);
        },
    };
    return api;
}
