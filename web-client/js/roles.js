// Roles as the server names them, with their translation keys.
export const ROLES = ['citizen', 'akasse', 'employer', 'interpreter', 'advocate', 'caseworker'];

/** Translation key of a role's label; a caseworker who is not the host is a colleague. */
export function roleKey(role, isHost = false) {
    if (role === 'caseworker') return isHost ? 'role.caseworker' : 'role.colleague';
    return ROLES.includes(role) ? `role.${role}` : 'role.unknown';
}

const ROLE_ICONS = { citizen: 'user', akasse: 'building', employer: 'briefcase', interpreter: 'translate', advocate: 'heart', caseworker: 'idCard' };

/** The icon (../icons.js) that stands for a role where its word does not fit. */
export function roleIcon(role) {
    return ROLE_ICONS[role] || 'user';
}

/** Initials for a name card: first letters of the first and last word. */
export function initials(name) {
    const words = String(name || '').trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return '?';
    const first = Array.from(words[0])[0] || '';
    const last = words.length > 1 ? Array.from(words[words.length - 1])[0] || '' : '';
    return (first + last).toLocaleUpperCase();
}
