// Line icons drawn as SVG elements (no markup parsing). 24x24, stroke-based,
// decorative: every button that uses one also has a text label.
const NS = 'http://www.w3.org/2000/svg';

const ICONS = {
    hand: ['M8 13V6a1.5 1.5 0 0 1 3 0v5', 'M11 11V4.5a1.5 1.5 0 0 1 3 0V11', 'M14 11V6a1.5 1.5 0 0 1 3 0v7.5a7.5 7.5 0 0 1-7.5 7.5h-.6a6 6 0 0 1-4.9-2.6l-2.6-3.7a1.6 1.6 0 0 1 2.5-2L8 15'],
    chat: ['M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.3-4.8A8 8 0 1 1 21 12z'],
    people: [{ c: [9, 8, 3.5] }, 'M2.5 20a6.5 6.5 0 0 1 13 0', 'M16 4.6a3.5 3.5 0 0 1 0 6.8', 'M18 14.3a6.5 6.5 0 0 1 3.5 5.7'],
    leave: ['M10 4H5.5A1.5 1.5 0 0 0 4 5.5v13A1.5 1.5 0 0 0 5.5 20H10', 'M15 8l4 4-4 4', 'M19 12H9'],
    lock: [{ r: [5, 11, 14, 10, 2] }, 'M8 11V7.5a4 4 0 0 1 8 0V11'],
    unlock: [{ r: [5, 11, 14, 10, 2] }, 'M8 11V7.5a4 4 0 0 1 7.8-1.3'],
    copy: [{ r: [9, 9, 11, 11, 2] }, 'M5 15H4.5A1.5 1.5 0 0 1 3 13.5v-9A1.5 1.5 0 0 1 4.5 3h9A1.5 1.5 0 0 1 15 4.5V5'],
    plus: ['M12 5v14', 'M5 12h14'],
    close: ['M6 6l12 12', 'M18 6L6 18'],
    micOff: ['M9 9v2a3 3 0 0 0 5.1 2.1', 'M15 9.3V5a3 3 0 0 0-5.9-.7', 'M19 11a7 7 0 0 1-1.1 3.8', 'M5 11a7 7 0 0 0 11.4 5.4', 'M12 18v3', 'M3 3l18 18'],
    userRemove: [{ c: [9, 8, 3.5] }, 'M2.5 20a6.5 6.5 0 0 1 13 0', 'M17 9l4 4', 'M21 9l-4 4'],
    power: ['M12 3v9', 'M6.3 6.3a8 8 0 1 0 11.4 0'],
    shield: ['M12 3l7 3v5c0 5-3.5 8.5-7 10-3.5-1.5-7-5-7-10V6z'],
    back: ['M15 18l-6-6 6-6'],
    check: ['M5 12.5l4.5 4.5L19 7.5'],
    send: ['M4 12L20 4l-6 16-2.5-6.5z', 'M11.5 13.5L20 4'],
    sliders: ['M4 7h9', 'M17 7h3', { c: [15, 7, 2] }, 'M4 17h3', 'M11 17h9', { c: [9, 17, 2] }],
    trash: ['M4 7h16', 'M10 11v6', 'M14 11v6', 'M6 7l1 13h10l1-13', 'M9 7V4h6v3'],
    link: ['M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1', 'M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1'],
    door: ['M6 21V4.5A1.5 1.5 0 0 1 7.5 3h9A1.5 1.5 0 0 1 18 4.5V21', 'M3 21h18', 'M14 12h.01'],
    camera: [{ r: [3, 6, 13, 12, 2] }, 'M16 10.5l5-3v9l-5-3'],
    mic: [{ r: [9, 3, 6, 11, 3] }, 'M5 11a7 7 0 0 0 14 0', 'M12 18v3'],
    warning: ['M12 3.5l9.5 16.5h-19z', 'M12 10v4', 'M12 17h.01'],
    error: [{ c: [12, 12, 9] }, 'M9 9l6 6', 'M15 9l-6 6'],
    cameraOff: ['M16 10.5l5-3v9l-5-3', 'M13 18H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h1', 'M10 6h4a2 2 0 0 1 2 2v4', 'M3 3l18 18'],
    screen: [{ r: [3, 4, 18, 12, 2] }, 'M8 20h8', 'M12 16v4'],
    screenOff: [{ r: [3, 4, 18, 12, 2] }, 'M8 20h8', 'M12 16v4', 'M9 8l6 4', 'M15 8l-6 4'],
    cameraSwitch: [{ r: [3, 6, 18, 13, 2] }, 'M8 6l1.5-2.5h5L16 6', 'M15.5 11a3.5 3.5 0 0 0-6.2-1.5', 'M8.5 14a3.5 3.5 0 0 0 6.2 1.5', 'M9.3 7.6v1.9h1.9', 'M14.7 17.4v-1.9h-1.9'],
    headphones: ['M4 15v-3a8 8 0 0 1 16 0v3', { r: [3, 14, 4, 6, 1.5] }, { r: [17, 14, 4, 6, 1.5] }],
    more: [{ c: [5, 12, 1.5] }, { c: [12, 12, 1.5] }, { c: [19, 12, 1.5] }],
    speaker: ['M4 9.5h3.5L12 5.5v13l-4.5-4H4z', 'M15.5 9a4 4 0 0 1 0 6', 'M18 6.5a7.5 7.5 0 0 1 0 11'],
    soundOff: ['M4 9.5h3.5L12 5.5v13l-4.5-4H4z', 'M16 9.5l5 5', 'M21 9.5l-5 5'],
    zoomIn: [{ c: [10.5, 10.5, 6.5] }, 'M15.5 15.5L20 20', 'M10.5 7.5v6', 'M7.5 10.5h6'],
    zoomOut: [{ c: [10.5, 10.5, 6.5] }, 'M15.5 15.5L20 20', 'M7.5 10.5h6'],
    // Fit to width: the picture between two edges, arrows out to them.
    fitWidth: ['M3.5 5v14', 'M20.5 5v14', 'M7 12h10', 'M9.5 9.5L7 12l2.5 2.5', 'M14.5 9.5L17 12l-2.5 2.5'],
    fullscreen: ['M4 9V5.5A1.5 1.5 0 0 1 5.5 4H9', 'M15 4h3.5A1.5 1.5 0 0 1 20 5.5V9', 'M20 15v3.5a1.5 1.5 0 0 1-1.5 1.5H15', 'M9 20H5.5A1.5 1.5 0 0 1 4 18.5V15'],
    fullscreenExit: ['M9 4v3.5A1.5 1.5 0 0 1 7.5 9H4', 'M15 4v3.5A1.5 1.5 0 0 0 16.5 9H20', 'M20 15h-3.5a1.5 1.5 0 0 0-1.5 1.5V20', 'M4 15h3.5A1.5 1.5 0 0 1 9 16.5V20'],
    pin: ['M9 3.5h6', 'M10 3.5v5.5l-3 3.5h10l-3-3.5V3.5', 'M12 12.5V20.5'],
    move: ['M12 3v18', 'M3 12h18', 'M9.5 5.5L12 3l2.5 2.5', 'M9.5 18.5L12 21l2.5-2.5', 'M5.5 9.5L3 12l2.5 2.5', 'M18.5 9.5L21 12l-2.5 2.5'],
    chevronDown: ['M6 9l6 6 6-6'],
    user: [{ c: [12, 8, 4] }, 'M4.5 20.5a7.5 7.5 0 0 1 15 0'],
    briefcase: [{ r: [3, 7, 18, 13, 2] }, 'M9 7V5.5A1.5 1.5 0 0 1 10.5 4h3A1.5 1.5 0 0 1 15 5.5V7', 'M3 13h18'],
    idCard: [{ r: [3, 5, 18, 14, 2] }, { c: [9, 11, 2] }, 'M6 16.5a3 3 0 0 1 6 0', 'M14.5 10h4', 'M14.5 14h4'],
    translate: ['M4 5h8', 'M8 3v2', 'M5.5 5a8 8 0 0 0 5.5 7', 'M10.5 5A8 8 0 0 1 4 13', 'M12 21l4.5-10 4.5 10', 'M13.5 17.5h6'],
    building: ['M3 9l9-5 9 5z', 'M4 21h16', 'M6 9v12', 'M10 9v12', 'M14 9v12', 'M18 9v12'],
    heart: ['M12 20l-7-7a4.5 4.5 0 0 1 7-5.6 4.5 4.5 0 0 1 7 5.6z'],
    okCircle: [{ c: [12, 12, 9] }, 'M8 12.5l3 3 5-6'],
    calendar: [{ r: [3, 5, 18, 16, 2] }, 'M3 10h18', 'M8 3v4', 'M16 3v4'],
    note: ['M6 3h9l4 4v14H6z', 'M14 3v5h5', 'M9 12h7', 'M9 16h7'],
    document: ['M6 3h9l4 4v14H6z', 'M14 3v5h5', 'M12.5 18v-7', 'M9.5 14l3-3 3 3'],
    download: ['M12 4v11', 'M7.5 10.5L12 15l4.5-4.5', 'M5 19h14'],
    phone: ['M6.5 3.5h3l1.5 4.5-2 1.5a11 11 0 0 0 5.5 5.5l1.5-2 4.5 1.5v3a2 2 0 0 1-2 2A16.5 16.5 0 0 1 4.5 5.5a2 2 0 0 1 2-2z'],
};

// Icons that point along the line of text: drawn mirrored right-to-left.
const DIRECTIONAL = new Set(['back', 'send', 'leave']);

export function icon(name, cls = 'icon') {
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('class', DIRECTIONAL.has(name) ? `${cls} icon-directional` : cls);
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    for (const part of ICONS[name] || []) {
        let el;
        if (typeof part === 'string') {
            el = document.createElementNS(NS, 'path');
            el.setAttribute('d', part);
        } else if (part.c) {
            el = document.createElementNS(NS, 'circle');
            el.setAttribute('cx', part.c[0]);
            el.setAttribute('cy', part.c[1]);
            el.setAttribute('r', part.c[2]);
        } else if (part.r) {
            el = document.createElementNS(NS, 'rect');
            const [x, y, w, hgt, rx] = part.r;
            el.setAttribute('x', x);
            el.setAttribute('y', y);
            el.setAttribute('width', w);
            el.setAttribute('height', hgt);
            el.setAttribute('rx', rx);
        }
        svg.append(el);
    }
    return svg;
}
