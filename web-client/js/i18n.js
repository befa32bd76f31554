// Translations. Every user-visible string lives in /i18n/<lang>.json; this
// module loads them, translates keys and re-translates the page when the
// language changes.
//
// The language is the one the person chose (localStorage "samtale.lang"),
// else the first of the browser's languages (navigator.languages) that we
// have, by its primary subtag (da, da-DK, da-GL → Danish), else English.
//
// A string that depends on a number is an object of Intl.PluralRules
// categories, e.g. {"one": "{n} ny besked", "other": "{n} nye beskeder"}; the
// number is the parameter "count", else "n" (it must be a number; a formatted
// string counts as "other").
//
// An element translated with setText()/setAttr() remembers its key and
// parameters (data-i18n, data-i18n-args, data-i18n-attr-*), so setLang() can
// re-translate the whole document without the views re-rendering. Parameter
// values may be plain strings/numbers, {k: "key"} (translated at render time)
// or {d: ms, f: "date"|"time"|"datetime"|"long"} (formatted in the locale).

const STORAGE_KEY = 'samtale.lang';
const DEFAULT_LANG = 'da'; // the strings every other language falls back to
const BROWSER_FALLBACK_LANG = 'en'; // for a browser that asks for none we have

let languages = [];
let current = null; // {code, name, dir, locale}
let strings = {};
let fallback = {};
let plurals = null; // Intl.PluralRules of the current language, made when first needed
const listeners = new Set();

async function loadJson(path) {
    const res = await fetch(path, { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res.json();
}

function storedLang() {
    try {
        return localStorage.getItem(STORAGE_KEY);
    } catch {
        return null;
    }
}

/** The first of the browser's languages we have (by primary subtag), or null. */
export function browserLang(list, prefs) {
    for (const tag of prefs || []) {
        const primary = String(tag).toLowerCase().split('-')[0];
        if (list.some((l) => l.code === primary)) return primary;
    }
    return null;
}

function navigatorLanguages() {
    if (typeof navigator === 'undefined') return [];
    if (Array.isArray(navigator.languages) && navigator.languages.length) return navigator.languages;
    return navigator.language ? [navigator.language] : [];
}

/** Loads the language list and the chosen language (else the browser's, else English). */
export async function initI18n() {
    languages = (await loadJson('/i18n/languages.json')).languages;
    fallback = await loadJson(`/i18n/${DEFAULT_LANG}.json`);
    const wanted = storedLang();
    let code = languages.some((l) => l.code === wanted) ? wanted : browserLang(languages, navigatorLanguages());
    if (!code) code = languages.some((l) => l.code === BROWSER_FALLBACK_LANG) ? BROWSER_FALLBACK_LANG : DEFAULT_LANG;
    await applyLang(code);
}

async function applyLang(code) {
    const lang = languages.find((l) => l.code === code) || languages.find((l) => l.code === DEFAULT_LANG);
    strings = lang.code === DEFAULT_LANG ? fallback : await loadJson(`/i18n/${lang.code}.json`);
    current = lang;
    plurals = null;
    document.documentElement.lang = lang.code;
    document.documentElement.dir = lang.dir === 'rtl' ? 'rtl' : 'ltr';
}

export function getLanguages() {
    return languages.slice();
}

export function getLang() {
    return current ? current.code : DEFAULT_LANG;
}

export async function setLang(code) {
    await applyLang(code);
    try {
        localStorage.setItem(STORAGE_KEY, current.code);
    } catch {
        /* private mode: the choice lasts for this page only */
    }
    retranslate(document);
    for (const fn of listeners) fn(current.code);
}

/** Called after every language change (e.g. to update document.title). */
export function onLangChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
}

export function formatDate(ms, f = 'datetime') {
    if (ms === null || ms === undefined || !Number.isFinite(Number(ms))) return '';
    const locale = current ? current.locale : 'da-DK';
    const opts = {
        date: { day: 'numeric', month: 'short', year: 'numeric' },
        long: { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' },
        time: { hour: '2-digit', minute: '2-digit' },
        datetime: { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' },
        seconds: { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' },
    }[f] || {};
    return new Intl.DateTimeFormat(locale, opts).format(new Date(Number(ms)));
}

function resolveParam(v) {
    if (v && typeof v === 'object') {
        if ('k' in v) return t(v.k, v.p);
        if ('d' in v) return formatDate(v.d, v.f);
    }
    return v === null || v === undefined ? '' : String(v);
}

/** The plural category ("one", "other", …) of params.count or params.n in the current language. */
function pluralCategory(params) {
    const raw = params ? (params.count ?? params.n) : undefined;
    if (typeof raw !== 'number' || !Number.isFinite(raw)) return 'other';
    if (!plurals) plurals = new Intl.PluralRules(current ? current.locale || current.code : DEFAULT_LANG);
    return plurals.select(raw);
}

/** A string of the table, the form for the number in params if it has plural forms. */
function entry(table, key, params) {
    const v = table[key];
    if (typeof v === 'string' || !v || typeof v !== 'object') return v;
    const form = v[pluralCategory(params)];
    return typeof form === 'string' ? form : v.other;
}

/** The translation of key with {name} placeholders filled in. */
export function t(key, params) {
    let s = entry(strings, key, params);
    if (typeof s !== 'string') s = entry(fallback, key, params);
    if (typeof s !== 'string') {
        console.warn(`i18n: missing key ${key}`);
        return key;
    }
    if (!params) return s;
    return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? resolveParam(params[name]) : m));
}

/** Sets el's text to the translation and remembers it for language changes. */
export function setText(el, key, params) {
    el.dataset.i18n = key;
    if (params) el.dataset.i18nArgs = JSON.stringify(params);
    else delete el.dataset.i18nArgs;
    el.textContent = t(key, params);
    return el;
}

/** Sets an attribute (aria-label, placeholder, title, data-label...) likewise. */
export function setAttr(el, attr, key, params) {
    el.dataset[attrDataKey(attr)] = params ? JSON.stringify([key, params]) : JSON.stringify([key]);
    el.setAttribute(attr, t(key, params));
    return el;
}

function attrDataKey(attr) {
    // data-i18n-attr-aria-label -> dataset.i18nAttrAriaLabel
    return 'i18nAttr' + attr.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

function dataKeyToAttr(k) {
    return k.slice('i18nAttr'.length).replace(/([A-Z])/g, (m, c, i) => (i === 0 ? c.toLowerCase() : '-' + c.toLowerCase()));
}

export function retranslate(root) {
    for (const el of root.querySelectorAll('[data-i18n]')) {
        let params;
        try {
            params = el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : undefined;
        } catch {
            params = undefined;
        }
        el.textContent = t(el.dataset.i18n, params);
    }
    for (const el of root.querySelectorAll('*')) {
        for (const k of Object.keys(el.dataset)) {
            if (!k.startsWith('i18nAttr')) continue;
            try {
                const [key, params] = JSON.parse(el.dataset[k]);
                el.setAttribute(dataKeyToAttr(k), t(key, params));
            } catch {
                /* ignore a malformed entry */
            }
        }
    }
}
