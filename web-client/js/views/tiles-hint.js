// The tiles' scrolling region: when tiles are out of sight it becomes a tab
// stop (tabindex 0, so the keyboard can scroll it; it is labelled by the
// list's aria-label) and a visible button says how many are hidden and
// scrolls to the next one. Without overflow it is neither.
import { h } from '../dom.js';
import { setText } from '../i18n.js';
import { icon } from '../icons.js';

export function createTilesHint(tiles) {
    const label = h('span');
    const button = h('button', { class: 'tiles-more', attrs: { type: 'button', hidden: true } }, icon('chevronDown', 'icon icon-sm'), label);
    let frame = 0;

    /** Tiles not at least half in sight: {before, after}. */
    function hidden() {
        const box = tiles.getBoundingClientRect();
        const before = [];
        const after = [];
        for (const li of tiles.children) {
            if (li.classList.contains('is-pip') || li.hidden) continue;
            const r = li.getBoundingClientRect();
            if (!r.width || !r.height) continue;
            const visW = Math.min(r.right, box.right) - Math.max(r.left, box.left);
            const visH = Math.min(r.bottom, box.bottom) - Math.max(r.top, box.top);
            if (visW >= r.width / 2 && visH >= r.height / 2) continue;
            if (r.top >= box.bottom - r.height / 2 || r.left >= box.right - r.width / 2) after.push(li);
            else before.push(li);
        }
        return { before, after };
    }

    function update() {
        frame = 0;
        const scrollable = tiles.scrollHeight > tiles.clientHeight + 2 || tiles.scrollWidth > tiles.clientWidth + 2;
        if (scrollable) tiles.setAttribute('tabindex', '0');
        else tiles.removeAttribute('tabindex');
        const { before, after } = scrollable ? hidden() : { before: [], after: [] };
        const n = before.length + after.length;
        button.hidden = n === 0;
        button.classList.toggle('is-up', after.length === 0);
        tiles.dataset.hiddenTiles = String(n);
        if (n) setText(label, n === 1 ? 'room.tiles_hidden_one' : 'room.tiles_hidden', { n });
    }

    function schedule() {
        if (!frame) frame = requestAnimationFrame(update);
    }

    button.addEventListener('click', () => {
        const { before, after } = hidden();
        const next = after[0] || before[before.length - 1];
        if (next) next.scrollIntoView({ block: 'nearest', inline: 'nearest', behavior: 'smooth' });
    });
    tiles.addEventListener('scroll', schedule, { passive: true });
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(schedule) : null;
    if (ro) ro.observe(tiles);

    return {
        button,
        update: schedule,
        destroy() {
            if (frame) cancelAnimationFrame(frame);
            if (ro) ro.disconnect();
            tiles.removeEventListener('scroll', schedule);
        },
    };
}
