// Small DOM helpers. Text from the server or from people is only ever put in
// with textContent / attributes, never parsed as HTML.
import { setAttr, setText, t } from './i18n.js';

/**
 * h('button', {class: 'btn', t: 'key' | ['key', params], text: 'raw',
 *   attrs: {type: 'button'}, tAttrs: {'aria-label': 'key' | ['key', params]},
 *   on: {click: fn}, dataset: {...}}, ...children)
 */
export function h(tag, props = {}, ...children) {
    const el = document.createElement(tag);
    applyProps(el, props);
    append(el, children);
    return el;
}

function applyProps(el, props) {
    if (!props) return;
    if (props.class) el.className = props.class;
    if (props.id) el.id = props.id;
    if (props.attrs) {
        for (const [k, v] of Object.entries(props.attrs)) {
            if (v === false || v === null || v === undefined) continue;
            el.setAttribute(k, v === true ? '' : String(v));
        }
    }
    if (props.dataset) Object.assign(el.dataset, props.dataset);
    if (props.t) {
        const [key, params] = Array.isArray(props.t) ? props.t : [props.t];
        setText(el, key, params);
    } else if (props.text !== undefined && props.text !== null) {
        el.textContent = String(props.text);
    }
    if (props.tAttrs) {
        for (const [attr, spec] of Object.entries(props.tAttrs)) {
            const [key, params] = Array.isArray(spec) ? spec : [spec];
            setAttr(el, attr, key, params);
        }
    }
    if (props.on) {
        for (const [ev, fn] of Object.entries(props.on)) el.addEventListener(ev, fn);
    }
}

export function append(el, children) {
    for (const c of children.flat(Infinity)) {
        if (c === null || c === undefined || c === false) continue;
        el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
}

export function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
}

let announceTimer = null;
let pending = [];
/** Says something through the page's polite live region. */
export function announce(key, params) {
    const region = document.getElementById('announcer');
    if (!region) return;
    // Messages in the same moment (one left, another joined) are said together.
    pending.push(t(key, params));
    // A fresh text node each time so repeated messages are read again.
    clear(region);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
        region.textContent = pending.join(' ');
        pending = [];
    }, 60);
}

let uid = 0;
export function uniqueId(prefix = 'id') {
    uid += 1;
    return `${prefix}-${uid}`;
}

/** A labelled form field: returns {wrap, input, error}. */
/**
 * Fills a <select> with media devices (from enumerateDevices): their labels,
 * or "<fallbackKey> n" while the browser hides labels; currentId is selected.
 */
export function deviceOptions(select, list, currentId, fallbackKey) {
    clear(select);
    list.forEach((d, i) => {
        const opt = d.label ? h('option', { attrs: { value: d.deviceId }, text: d.label }) : h('option', { attrs: { value: d.deviceId }, t: [fallbackKey, { n: i + 1 }] });
        if (d.deviceId === currentId) opt.selected = true;
        select.append(opt);
    });
}

export function field({ label, type = 'text', name, required = false, attrs = {}, hint = null, control = null }) {
    const id = uniqueId(name || 'f');
    const input = control || h('input', { attrs: { type, name, id, required, ...attrs } });
    input.id = id;
    const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint`, t: hint }) : null;
    const error = h('p', { class: 'field-error', id: `${id}-error`, attrs: { hidden: true } });
    const describedBy = [hintEl ? hintEl.id : null, error.id].filter(Boolean).join(' ');
    input.setAttribute('aria-describedby', describedBy);
    const wrap = h('div', { class: 'field' }, h('label', { attrs: { for: id }, t: label }), hintEl, input, error);
    return { wrap, input, error };
}

export function showFieldError(f, key, params) {
    if (!key) {
        f.error.hidden = true;
        f.input.removeAttribute('aria-invalid');
        return;
    }
    setText(f.error, key, params);
    f.error.hidden = false;
    f.input.setAttribute('aria-invalid', 'true');
}

/**
 * A modal confirm dialog (native <dialog>). Resolves true when confirmed.
 * {title, body, confirm, cancel, danger}
 */
export function confirmDialog({ title, body, confirm, cancel = 'common.cancel', danger = false, params }) {
    return new Promise((resolve) => {
        const titleId = uniqueId('dlg');
        const bodyId = uniqueId('dlg');
        const dlg = h('dialog', { class: 'dialog', attrs: { 'aria-labelledby': titleId, 'aria-describedby': bodyId } });
        const ok = h('button', { class: danger ? 'btn btn-danger' : 'btn btn-primary', attrs: { type: 'button' }, t: [confirm, params] });
        const no = h('button', { class: 'btn btn-secondary', attrs: { type: 'button' }, t: cancel });
        append(dlg, [
            h('h2', { id: titleId, class: 'dialog-title', t: [title, params] }),
            h('p', { id: bodyId, t: [body, params] }),
            h('div', { class: 'dialog-actions' }, no, ok),
        ]);
        let result = false;
        ok.addEventListener('click', () => {
            result = true;
            dlg.close();
        });
        no.addEventListener('click', () => dlg.close());
        dlg.addEventListener('close', () => {
            dlg.remove();
            resolve(result);
        });
        document.body.append(dlg);
        dlg.showModal();
        no.focus();
    });
}

/** Focuses a heading (or other element) for screen readers after a view change. */
export function focusHeading(el) {
    if (!el) return;
    if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
    el.focus({ preventScroll: false });
}

/** Copies text to the clipboard; falls back to selecting input (if any) and execCommand. */
export async function copyText(text, input) {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        if (!input) return false;
        input.focus();
        input.select();
        try {
            return document.execCommand('copy');
        } catch {
            return false;
        }
    }
}
