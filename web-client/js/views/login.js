// Caseworker login.
import { api, ApiError } from '../api.js';
import { append, field, focusHeading, h } from '../dom.js';
import { setText } from '../i18n.js';

export function mountLogin(main, ctx) {
    ctx.setTitle('login.title');
    const heading = h('h1', { t: 'login.title' });
    const user = field({ label: 'login.username', name: 'username', required: true, attrs: { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' } });
    const pass = field({ label: 'login.password', type: 'password', name: 'password', required: true, attrs: { autocomplete: 'current-password' } });
    const error = h('p', { class: 'alert alert-error', attrs: { role: 'alert', hidden: true } });
    const submit = h('button', { class: 'btn btn-primary btn-block', attrs: { type: 'submit' }, t: 'login.submit' });
    const form = h('form', { class: 'form', attrs: { novalidate: true } }, user.wrap, pass.wrap, error, submit);

    form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        error.hidden = true;
        const username = user.input.value.trim();
        const password = pass.input.value;
        if (!username || !password) {
            setText(error, 'login.missing');
            error.hidden = false;
            (username ? pass.input : user.input).focus();
            return;
        }
        submit.disabled = true;
        setText(submit, 'login.busy');
        try {
            const res = await api.login(username, password);
            ctx.user = res.user;
            ctx.navigate(location.pathname === '/' ? '/' : location.pathname, { replace: true });
        } catch (e) {
            const code = e instanceof ApiError ? e.code : 'network';
            const key = { invalid_credentials: 'login.invalid', rate_limited: 'login.rate_limited', network: 'error.network' }[code] || 'error.generic';
            setText(error, key);
            error.hidden = false;
            pass.input.value = '';
            pass.input.focus();
        } finally {
            submit.disabled = false;
            setText(submit, 'login.submit');
        }
    });

    append(main, [
        h(
            'section',
            { class: 'card narrow' },
            heading,
            h('p', { class: 'lead', t: 'login.intro' }),
            form,
            h('p', { class: 'hint login-guest-hint', t: 'login.guest_hint' }),
        ),
    ]);
    focusHeading(heading);
    return null;
}
