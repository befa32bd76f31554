// Entry point: loads the translations, then routes by location.pathname.
//   /                 caseworker login, or the meeting list when logged in
//   /meetings/new     new meeting form
//   /meetings/{id}    one meeting: links, audit log
//   /join#TOKEN       a participant's (or the host's) way into a meeting
//   /check#TOKEN      the pre-call check: camera, microphone and connection
import { api, ApiError } from './api.js';
import { append, clear, focusHeading, h } from './dom.js';
import { initI18n, onLangChange, retranslate, t } from './i18n.js';
import { languageSelect } from './lang-select.js';
import { icon } from './icons.js';
import { pruneLinks } from './linkstore.js';
import { mountJoin } from './views/join.js';
import { mountLogin } from './views/login.js';
import { mountMeeting } from './views/meeting.js';
import { mountCreate, mountMeetings } from './views/meetings.js';
import { mountCheck } from './views/precall.js';

const main = document.getElementById('main');
const topbar = document.getElementById('topbar');

const ctx = {
    user: undefined, // undefined: not asked yet; null: not logged in
    navigate,
    setTitle,
    setChrome,
    requireUser,
    logout,
};

let cleanup = null;
let titleSpec = null;
let chrome = 'staff';

function setTitle(key, params) {
    titleSpec = key ? [key, params] : null;
    document.title = titleSpec ? t('app.title_page', { page: t(key, params) }) : t('app.name');
}

/** 'staff' (logo, user, logout, language), 'guest' (logo, language) or 'none'. */
function setChrome(kind) {
    chrome = kind;
    renderTopbar();
}

function renderTopbar() {
    clear(topbar);
    topbar.hidden = chrome === 'none';
    document.body.dataset.chrome = chrome;
    if (chrome === 'none') return;
    const brandInner = [icon('chat', 'brand-icon'), h('span', { t: 'app.name' })];
    const brand =
        chrome === 'staff' && ctx.user
            ? h('a', { class: 'brand', attrs: { href: '/' }, dataset: { link: '' } }, brandInner)
            : h('span', { class: 'brand' }, brandInner);
    const right = h('div', { class: 'topbar-right' });
    if (chrome === 'staff' && ctx.user) {
        right.append(
            h('span', { class: 'topbar-user', text: ctx.user.display_name || ctx.user.username }),
            h('button', { class: 'btn btn-quiet btn-small', attrs: { type: 'button' }, t: 'app.logout', on: { click: logout } }),
        );
    }
    right.append(languageSelect({ id: 'lang-select' }));
    append(topbar, [h('div', { class: 'topbar-inner' }, brand, right)]);
}

async function logout() {
    try {
        await api.logout();
    } catch {
        /* the cookie is cleared by the server; a network error leaves it to expire */
    }
    ctx.user = null;
    navigate('/');
}

/** The logged-in caseworker, or null after showing the login form. */
async function requireUser() {
    if (ctx.user === undefined) {
        try {
            ctx.user = (await api.me()).user;
        } catch (e) {
            if (e instanceof ApiError && e.status === 401) ctx.user = null;
            else throw e;
        }
        if (ctx.user) pruneLinks(ctx.user.id);
    }
    return ctx.user;
}

function navigate(path, { replace = false, state = null } = {}) {
    if (replace) history.replaceState(state, '', path);
    else history.pushState(state, '', path);
    route();
}

async function route() {
    if (cleanup) {
        try {
            cleanup();
        } catch (e) {
            console.error(e);
        }
        cleanup = null;
    }
    clear(main);
    main.setAttribute('aria-busy', 'true');
    const path = location.pathname.replace(/\/+$/, '') || '/';
    try {
        if (path === '/join') {
            setChrome('guest');
            cleanup = await mountJoin(main, ctx);
        } else if (path === '/check') {
            setChrome('guest');
            cleanup = await mountCheck(main, ctx);
        } else if (path === '/' || path === '/meetings' || path.startsWith('/meetings/')) {
            const user = await requireUser();
            setChrome('staff');
            if (!user) {
                cleanup = await mountLogin(main, ctx);
            } else if (path === '/' || path === '/meetings') {
                cleanup = await mountMeetings(main, ctx);
            } else if (path === '/meetings/new') {
                cleanup = await mountCreate(main, ctx);
            } else if (/^\/meetings\/\d+$/.test(path)) {
                cleanup = await mountMeeting(main, ctx, path.split('/')[2]);
            } else {
                notFound();
            }
        } else {
            setChrome(ctx.user ? 'staff' : 'guest');
            notFound();
        }
    } catch (e) {
        console.error(e);
        showFatal(e);
    }
    main.removeAttribute('aria-busy');
}

function notFound() {
    setTitle('notfound.title');
    const heading = h('h1', { t: 'notfound.title' });
    append(main, [
        h('section', { class: 'card narrow' }, heading, h('p', { t: 'notfound.body' }), h('p', {}, h('a', { attrs: { href: '/' }, dataset: { link: '' }, t: 'notfound.home' }))),
    ]);
    focusHeading(heading);
}

function showFatal(e) {
    clear(main);
    setTitle('error.title');
    const heading = h('h1', { t: 'error.title' });
    const key = e instanceof ApiError && e.code === 'network' ? 'error.network' : 'error.generic';
    append(main, [
        h(
            'section',
            { class: 'card narrow', attrs: { role: 'alert' } },
            heading,
            h('p', { t: key }),
            h('button', { class: 'btn btn-primary', attrs: { type: 'button' }, t: 'common.retry', on: { click: () => route() } }),
        ),
    ]);
}

// Internal links ([data-link]) are routed without a page load.
document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[data-link]');
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) return;
    ev.preventDefault();
    if (url.pathname + url.hash === location.pathname + location.hash) {
        route();
        return;
    }
    navigate(url.pathname + url.search + url.hash);
});

window.addEventListener('popstate', () => route());

onLangChange(() => {
    if (titleSpec) setTitle(...titleSpec);
    else setTitle(null);
});

(async () => {
    try {
        await initI18n();
    } catch (e) {
        console.error(e);
    }
    retranslate(document);
    route();
})();
