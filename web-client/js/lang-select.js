// The language choice: a labelled <select> of the languages we have. On the
// top bar of every page with one, and in the meeting's people panel (the
// meeting has no top bar). A choice is kept (i18n.js setLang).

import { h, uniqueId } from './dom.js';
import { getLang, getLanguages, setLang } from './i18n.js';

/** {id, labelClass}: the select's id and the class of its label ('visually-hidden' on the top bar). */
export function languageSelect({ id = uniqueId('lang-select'), labelClass = 'visually-hidden', className = 'lang' } = {}) {
    const select = h('select', { id, class: 'lang-select', attrs: { name: 'lang' } });
    for (const l of getLanguages()) {
        select.append(h('option', { attrs: { value: l.code, lang: l.code, selected: l.code === getLang() }, text: l.name }));
    }
    select.addEventListener('change', () => setLang(select.value));
    return h('div', { class: className }, h('label', { class: labelClass, attrs: { for: id }, t: 'app.language' }), select);
}
