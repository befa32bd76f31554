// Your own tile as a small picture over the stage on phones ("picture in
// picture"): it sits in a corner (data-corner: "br", "bl", "tl", "tr"), a
// finger or the mouse drags it and it snaps to the nearest corner, and the
// move button (for the keyboard) sends it on to the next corner. The drag
// moves it with a CSS transform set through the CSSOM (allowed by the CSP).
const CORNERS = ['br', 'bl', 'tl', 'tr'];
const DRAG_SLOP_PX = 6;

/** container() is the element whose corners the picture goes to. */
export function createPip(tile, { container, onMoved = () => {} }) {
    let drag = null; // {id, x, y, moved}
    tile.dataset.corner = tile.dataset.corner || 'br';

    function active() {
        return tile.classList.contains('is-pip');
    }

    function onDown(ev) {
        if (!active() || drag || (ev.pointerType === 'mouse' && ev.button !== 0)) return;
        if (ev.target.closest('button')) return;
        drag = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, moved: false };
        try {
            tile.setPointerCapture(ev.pointerId);
        } catch {
            /* not capturable */
        }
    }

    function onMove(ev) {
        if (!drag || ev.pointerId !== drag.id) return;
        const dx = ev.clientX - drag.x;
        const dy = ev.clientY - drag.y;
        if (!drag.moved && Math.hypot(dx, dy) < DRAG_SLOP_PX) return;
        drag.moved = true;
        tile.classList.add('is-dragging');
        tile.style.transform = `translate(${dx}px, ${dy}px)`;
        ev.preventDefault();
    }

    function onUp(ev) {
        if (!drag || ev.pointerId !== drag.id) return;
        const moved = drag.moved;
        drag = null;
        if (!moved) return;
        // The corner nearest to where the picture's centre was let go.
        const r = tile.getBoundingClientRect();
        const c = container().getBoundingClientRect();
        const right = r.left + r.width / 2 > c.left + c.width / 2;
        const bottom = r.top + r.height / 2 > c.top + c.height / 2;
        tile.style.transform = '';
        tile.classList.remove('is-dragging');
        setCorner(`${bottom ? 'b' : 't'}${right ? 'r' : 'l'}`);
    }

    function setCorner(corner) {
        tile.dataset.corner = corner;
        onMoved(corner);
    }

    tile.addEventListener('pointerdown', onDown);
    tile.addEventListener('pointermove', onMove);
    tile.addEventListener('pointerup', onUp);
    tile.addEventListener('pointercancel', onUp);
    tile.addEventListener('lostpointercapture', onUp);

    return {
        /** The next corner (the move button). */
        next() {
            const i = CORNERS.indexOf(tile.dataset.corner);
            setCorner(CORNERS[(i + 1) % CORNERS.length]);
        },
        get corner() {
            return tile.dataset.corner;
        },
        destroy() {
            tile.removeEventListener('pointerdown', onDown);
            tile.removeEventListener('pointermove', onMove);
            tile.removeEventListener('pointerup', onUp);
            tile.removeEventListener('pointercancel', onUp);
            tile.removeEventListener('lostpointercapture', onUp);
        },
    };
}
