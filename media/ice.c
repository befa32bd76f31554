/* ICE-lite agent; see ice.h for the rules it implements. */
#include "media/ice.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

struct ice_pair {
    struct stun_addr addr;
    enum ice_proto proto;
    int64_t last_check_us;  /* last valid check on this pair */
    uint64_t nominated_seq; /* order of its last nomination among all, if nominated */
    uint32_t priority;      /* PRIORITY of the last valid check that carried one */
    bool nominated;         /* a valid check with USE-CANDIDATE since creation or restart */
};

struct ice_tx_slot {
    struct stun_addr to;
    enum ice_proto proto;
    size_t len;
    uint8_t buf[STUN_MAX_MESSAGE];
};

struct ice_ev_slot {
    enum ice_event event;
    struct stun_addr addr;
    enum ice_proto proto;
};

struct ice_agent {
    char local_ufrag[ICE_UFRAG_MAX + 1];
    char local_pwd[ICE_PWD_MAX + 1];
    char remote_ufrag[ICE_UFRAG_MAX + 1]; /* "" while unknown */
    size_t local_ufrag_len, local_pwd_len, remote_ufrag_len;
    struct stun_mac *mac; /* keyed with local_pwd: checks and our responses */

    int64_t consent_us, connect_us, disconnect_us;
    int64_t start_us; /* creation, or restart from NEW/FAILED */

    enum ice_state state;
    struct ice_pair pairs[ICE_MAX_PAIRS];
    size_t n_pairs;
    int sel;                   /* index into pairs, or -1 */
    uint64_t nominations_seen; /* valid checks with USE-CANDIDATE, for their order */

    struct ice_tx_slot tx[ICE_TX_QUEUE];
    size_t tx_head, tx_count;
    struct ice_ev_slot ev[ICE_EVENT_QUEUE];
    size_t ev_head, ev_count;

    struct ice_stats stats;
};

/* ---- helpers ---- */

static bool is_ice_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

static bool ice_chars(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!is_ice_char(s[i]))
            return false;
    }
    return true;
}

/* Length of a NUL-terminated credential of min..max ice-chars, or -1. */
static long cred_len(const char *s, size_t min, size_t max)
{
    size_t n;

    if (s == NULL)
        return -1;
    n = strnlen(s, max + 1);
    if (n < min || n > max || !ice_chars((const uint8_t *)s, n))
        return -1;
    return (long)n;
}

/* A remote ufrag: NULL/"" (unknown) or a valid ufrag. */
static long remote_len(const char *s)
{
    if (s == NULL || s[0] == '\0')
        return 0;
    return cred_len(s, ICE_UFRAG_MIN, ICE_UFRAG_MAX);
}

static int64_t sat_add(int64_t t, int64_t d)
{
    if (t > INT64_MAX - d)
        return INT64_MAX;
    return t + d;
}

static int timeout_or_default(int64_t v, int64_t dflt, int64_t *out)
{
    if (v < 0 || v > ICE_TIMEOUT_MAX_US)
        return ERR_INVAL;
    *out = v == 0 ? dflt : v;
    return 0;
}

static void push_event(struct ice_agent *a, enum ice_event e, const struct stun_addr *addr,
                       enum ice_proto proto)
{
    struct ice_ev_slot *s;

    if (a->ev_count == ICE_EVENT_QUEUE) {
        a->ev_head = (a->ev_head + 1) % ICE_EVENT_QUEUE;
        a->ev_count--;
        a->stats.events_dropped++;
    }
    s = &a->ev[(a->ev_head + a->ev_count) % ICE_EVENT_QUEUE];
    memset(s, 0, sizeof(*s));
    s->event = e;
    if (addr != NULL)
        s->addr = *addr;
    s->proto = proto;
    a->ev_count++;
}

/* Reserves the next transmit slot, dropping the oldest when full. */
static struct ice_tx_slot *tx_reserve(struct ice_agent *a)
{
    if (a->tx_count == ICE_TX_QUEUE) {
        a->tx_head = (a->tx_head + 1) % ICE_TX_QUEUE;
        a->tx_count--;
        a->stats.tx_dropped++;
    }
    return &a->tx[(a->tx_head + a->tx_count) % ICE_TX_QUEUE];
}

static void tx_commit(struct ice_agent *a, struct ice_tx_slot *s, const struct stun_addr *to,
                      enum ice_proto proto, size_t len)
{
    s->to = *to;
    s->proto = proto;
    s->len = len;
    a->tx_count++;
}

static int find_pair(const struct ice_agent *a, const struct stun_addr *addr, enum ice_proto proto)
{
    for (size_t i = 0; i < a->n_pairs; i++) {
        if (a->pairs[i].proto == proto && stun_addr_equal(&a->pairs[i].addr, addr))
            return (int)i;
    }
    return -1;
}

/* Removes pair i; removing the selected pair leaves nothing selected. */
static void remove_pair(struct ice_agent *a, size_t i)
{
    if (a->sel == (int)i)
        a->sel = -1;
    a->n_pairs--;
    if (i != a->n_pairs) {
        a->pairs[i] = a->pairs[a->n_pairs];
        if (a->sel == (int)a->n_pairs)
            a->sel = (int)i;
    }
}

/* The pair for (addr, proto), added if new (evicting the least recently
 * checked non-selected pair when full). */
static int add_pair(struct ice_agent *a, const struct stun_addr *addr, enum ice_proto proto)
{
    int i = find_pair(a, addr, proto);

    if (i >= 0)
        return i;
    if (a->n_pairs == ICE_MAX_PAIRS) {
        int victim = -1;

        for (size_t j = 0; j < a->n_pairs; j++) {
            if ((int)j == a->sel)
                continue;
            if (victim < 0 || a->pairs[j].last_check_us < a->pairs[victim].last_check_us)
                victim = (int)j;
        }
        /* ICE_MAX_PAIRS > 1, so a non-selected pair exists. */
        remove_pair(a, (size_t)victim);
    }
    i = (int)a->n_pairs++;
    memset(&a->pairs[i], 0, sizeof(a->pairs[i]));
    a->pairs[i].addr = *addr;
    a->pairs[i].proto = proto;
    return i;
}

static void fail(struct ice_agent *a)
{
    a->state = ICE_STATE_FAILED;
    a->n_pairs = 0;
    a->sel = -1;
    push_event(a, ICE_EVENT_FAILED, NULL, ICE_PROTO_UDP);
}

/* Queues an error response. `with_mi`: MESSAGE-INTEGRITY with the local
 * password (not for 400/401, RFC 8489 §9.1.3). */
static int send_error(struct ice_agent *a, const struct stun_msg *m, int code, bool with_mi,
                      const struct stun_addr *to, enum ice_proto proto)
{
    struct stun_error_response er;
    struct ice_tx_slot *s;
    size_t len = 0;
    int rc;

    memset(&er, 0, sizeof(er));
    memcpy(er.tid, m->tid, STUN_TID_LEN);
    er.method = m->method;
    er.code = code;
    if (code == 420) {
        er.unknown = m->unknown;
        er.n_unknown = m->n_unknown;
    }
    if (with_mi)
        er.mac = a->mac;
    s = tx_reserve(a);
    rc = stun_build_error_response(s->buf, sizeof(s->buf), &er, &len);
    if (rc == 0)
        tx_commit(a, s, to, proto, len);
    return rc;
}

static int send_success(struct ice_agent *a, const struct stun_msg *m, const struct stun_addr *to,
                        enum ice_proto proto)
{
    struct stun_binding_success ok;
    struct ice_tx_slot *s;
    size_t len = 0;
    int rc;

    memset(&ok, 0, sizeof(ok));
    memcpy(ok.tid, m->tid, STUN_TID_LEN);
    ok.mapped = *to;
    ok.mac = a->mac;
    s = tx_reserve(a);
    rc = stun_build_binding_success(s->buf, sizeof(s->buf), &ok, &len);
    if (rc == 0)
        tx_commit(a, s, to, proto, len);
    return rc;
}

/* USERNAME is "<local ufrag>:<remote ufrag>"; the remote part is checked
 * when known, otherwise it only has to be non-empty. */
static bool username_ok(const struct ice_agent *a, const struct stun_msg *m)
{
    const uint8_t *u = m->username.p;
    size_t n = m->username.len;
    size_t l = a->local_ufrag_len;

    if (n < l + 2 || memcmp(u, a->local_ufrag, l) != 0 || u[l] != ':')
        return false;
    if (a->remote_ufrag_len == 0)
        return true;
    return n - l - 1 == a->remote_ufrag_len &&
           memcmp(u + l + 1, a->remote_ufrag, a->remote_ufrag_len) == 0;
}

/* How long after its last valid check a pair counts as live: the
 * disconnect timeout, or the consent timeout when that is shorter. */
static int64_t live_us(const struct ice_agent *a)
{
    return a->disconnect_us < a->consent_us ? a->disconnect_us : a->consent_us;
}

static bool pair_live(const struct ice_agent *a, int i, int64_t now_us)
{
    return now_us < sat_add(a->pairs[i].last_check_us, live_us(a));
}

/* Whether nominated pair i is preferred to nominated pair j: higher
 * PRIORITY, then the later nomination. */
static bool nominated_better(const struct ice_agent *a, int i, int j)
{
    const struct ice_pair *p = &a->pairs[i], *q = &a->pairs[j];

    if (p->priority != q->priority)
        return p->priority > q->priority;
    return p->nominated_seq > q->nominated_seq;
}

/* The pair that should be selected now (see "Selection" in ice.h), or -1.
 * Applying it again at the same time gives the same pair. */
static int choose(const struct ice_agent *a, int64_t now_us)
{
    int best = -1;

    /* The live nominated pair with the highest priority. */
    for (int i = 0; i < (int)a->n_pairs; i++) {
        if (!a->pairs[i].nominated || !pair_live(a, i, now_us))
            continue;
        if (best < 0 || nominated_better(a, i, best))
            best = i;
    }
    if (best >= 0)
        return best;
    /* None: a live selection stays. */
    if (a->sel >= 0 && pair_live(a, a->sel, now_us))
        return a->sel;
    /* Nothing selected (first check, or the selected pair lost consent):
     * the most recently checked pair. The selected pair is quiet: the most
     * recently checked of the pairs checked since it stopped being live
     * (the browser moved its checks there), else it stays. */
    int64_t since = a->sel >= 0 ? sat_add(a->pairs[a->sel].last_check_us, live_us(a)) : INT64_MIN;

    for (int i = 0; i < (int)a->n_pairs; i++) {
        if (a->pairs[i].last_check_us < since)
            continue;
        if (best < 0 || a->pairs[i].last_check_us > a->pairs[best].last_check_us)
            best = i;
    }
    return best >= 0 ? best : a->sel;
}

/* Applies choose(): SELECTED when the selection moves, then the state
 * follows whether the selected pair is live. Returns whether it moved. */
static bool reselect(struct ice_agent *a, int64_t now_us)
{
    int i = choose(a, now_us);
    bool moved = i >= 0 && i != a->sel;

    if (moved) {
        a->sel = i;
        push_event(a, ICE_EVENT_SELECTED, &a->pairs[i].addr, a->pairs[i].proto);
    }
    if (a->sel < 0)
        return moved;
    if (pair_live(a, a->sel, now_us)) {
        if (a->state != ICE_STATE_CONNECTED) {
            a->state = ICE_STATE_CONNECTED;
            push_event(a, ICE_EVENT_CONNECTED, NULL, ICE_PROTO_UDP);
        }
    } else if (a->state == ICE_STATE_CONNECTED && a->disconnect_us < a->consent_us) {
        a->state = ICE_STATE_DISCONNECTED;
        push_event(a, ICE_EVENT_DISCONNECTED, NULL, ICE_PROTO_UDP);
    }
    return moved;
}

/* A valid check from (from, proto): remember the pair, its priority and
 * nomination, then select and update the state. */
static void on_valid_check(struct ice_agent *a, int64_t now_us, const struct stun_msg *m,
                           const struct stun_addr *from, enum ice_proto proto)
{
    int i = add_pair(a, from, proto);
    bool nominate = (m->has & STUN_HAS_USE_CANDIDATE) != 0;
    struct ice_pair *p = &a->pairs[i];

    p->last_check_us = now_us;
    if (m->has & STUN_HAS_PRIORITY)
        p->priority = m->priority;
    if (nominate) {
        p->nominated = true;
        p->nominated_seq = ++a->nominations_seen;
    }
    if (reselect(a, now_us) && nominate && a->sel == i)
        a->stats.nominations++;
}

/* ---- API ---- */

int ice_create(struct ice_agent **out, const struct ice_cfg *cfg)
{
    struct ice_agent *a = NULL;
    long lu, lp, lr;
    int rc = ERR_INVAL;

    if (out == NULL)
        return ERR_INVAL;
    *out = NULL;
    if (cfg == NULL)
        goto out;
    lu = cred_len(cfg->local_ufrag, ICE_UFRAG_MIN, ICE_UFRAG_MAX);
    lp = cred_len(cfg->local_pwd, ICE_PWD_MIN, ICE_PWD_MAX);
    lr = remote_len(cfg->remote_ufrag);
    if (lu < 0 || lp < 0 || lr < 0)
        goto out;
    a = calloc(1, sizeof(*a));
    if (a == NULL) {
        rc = ERR_NOMEM;
        goto out;
    }
    if (timeout_or_default(cfg->consent_timeout_us, ICE_CONSENT_TIMEOUT_US, &a->consent_us) != 0 ||
        timeout_or_default(cfg->connect_timeout_us, ICE_CONNECT_TIMEOUT_US, &a->connect_us) != 0 ||
        timeout_or_default(cfg->disconnect_timeout_us, ICE_DISCONNECT_TIMEOUT_US,
                           &a->disconnect_us) != 0)
        goto out;
    memcpy(a->local_ufrag, cfg->local_ufrag, (size_t)lu);
    a->local_ufrag_len = (size_t)lu;
    memcpy(a->local_pwd, cfg->local_pwd, (size_t)lp);
    a->local_pwd_len = (size_t)lp;
    rc = stun_mac_create(&a->mac, (const uint8_t *)a->local_pwd, a->local_pwd_len);
    if (rc < 0)
        goto out;
    if (lr > 0)
        memcpy(a->remote_ufrag, cfg->remote_ufrag, (size_t)lr);
    a->remote_ufrag_len = (size_t)lr;
    a->start_us = cfg->now_us;
    a->state = ICE_STATE_NEW;
    a->sel = -1;
    *out = a;
    a = NULL;
    rc = 0;
out:
    ice_destroy(a);
    return rc;
}

void ice_destroy(struct ice_agent *a)
{
    if (a == NULL)
        return;
    explicit_bzero(a->local_pwd, sizeof(a->local_pwd));
    stun_mac_destroy(a->mac);
    free(a);
}

int ice_set_remote(struct ice_agent *a, const char *remote_ufrag)
{
    long lr;

    if (a == NULL)
        return ERR_INVAL;
    lr = remote_len(remote_ufrag);
    if (lr < 0)
        return ERR_INVAL;
    memset(a->remote_ufrag, 0, sizeof(a->remote_ufrag));
    if (lr > 0)
        memcpy(a->remote_ufrag, remote_ufrag, (size_t)lr);
    a->remote_ufrag_len = (size_t)lr;
    return 0;
}

int ice_input(struct ice_agent *a, int64_t now_us, const uint8_t *buf, size_t len,
              const struct stun_addr *from, enum ice_proto proto)
{
    struct stun_msg m;
    int rc;

    if (a == NULL || from == NULL || (buf == NULL && len != 0) ||
        (proto != ICE_PROTO_UDP && proto != ICE_PROTO_TCP) ||
        (from->family != STUN_FAMILY_IPV4 && from->family != STUN_FAMILY_IPV6))
        return ERR_INVAL;

    /* Well-formed STUN with a correct FINGERPRINT, or not ICE at all. */
    if (!stun_is_stun(buf, len) || stun_parse(&m, buf, len) != 0 ||
        stun_check_fingerprint(&m) != 0) {
        a->stats.malformed++;
        return ERR_PARSE;
    }
    if (m.cls != STUN_CLASS_REQUEST || m.method != STUN_METHOD_BINDING ||
        a->state == ICE_STATE_FAILED) {
        a->stats.ignored++;
        return ERR_PROTO;
    }

    /* RFC 8489 §9.1.3: short-term credential checks. */
    if (!(m.has & STUN_HAS_USERNAME) || !(m.has & STUN_HAS_INTEGRITY)) {
        a->stats.malformed++;
        rc = send_error(a, &m, 400, false, from, proto);
        return rc != 0 ? rc : ERR_PARSE;
    }
    rc = username_ok(a, &m) ? stun_check_integrity_mac(&m, a->mac) : ERR_DENIED;
    if (rc == ERR_DENIED || rc == ERR_NOTFOUND) {
        a->stats.bad_credentials++;
        rc = send_error(a, &m, 401, false, from, proto);
        return rc != 0 ? rc : ERR_DENIED;
    }
    if (rc != 0)
        return rc;

    /* Authenticated from here on: error responses carry MESSAGE-INTEGRITY. */
    if (m.n_unknown > 0) {
        a->stats.malformed++;
        rc = send_error(a, &m, 420, true, from, proto);
        return rc != 0 ? rc : ERR_PROTO;
    }
    if (m.has & STUN_HAS_ICE_CONTROLLED) {
        a->stats.role_conflicts++;
        rc = send_error(a, &m, 487, true, from, proto);
        return rc != 0 ? rc : ERR_PROTO;
    }

    rc = send_success(a, &m, from, proto);
    if (rc != 0)
        return rc;
    a->stats.checks_ok++;
    on_valid_check(a, now_us, &m, from, proto);
    return 0;
}

void ice_timeout(struct ice_agent *a, int64_t now_us)
{
    if (a == NULL)
        return;
    switch (a->state) {
    case ICE_STATE_NEW:
        if (now_us >= sat_add(a->start_us, a->connect_us))
            fail(a);
        return;
    case ICE_STATE_CONNECTED:
    case ICE_STATE_DISCONNECTED:
        break;
    case ICE_STATE_FAILED:
    default:
        return;
    }

    /* Forget pairs whose consent has expired, the selected one included:
     * another pair that still has consent then takes over. */
    for (size_t i = a->n_pairs; i-- > 0;) {
        if (now_us >= sat_add(a->pairs[i].last_check_us, a->consent_us))
            remove_pair(a, i);
    }
    if (a->n_pairs == 0) {
        fail(a);
        return;
    }
    (void)reselect(a, now_us);
}

int64_t ice_next_deadline(const struct ice_agent *a)
{
    int64_t d = INT64_MAX;

    if (a == NULL)
        return INT64_MAX;
    switch (a->state) {
    case ICE_STATE_NEW:
        return sat_add(a->start_us, a->connect_us);
    case ICE_STATE_CONNECTED:
    case ICE_STATE_DISCONNECTED:
        break;
    case ICE_STATE_FAILED:
    default:
        return INT64_MAX;
    }
    for (size_t i = 0; i < a->n_pairs; i++) {
        int64_t t = sat_add(a->pairs[i].last_check_us, a->consent_us);

        if (t < d)
            d = t;
    }
    if (a->sel >= 0 && a->state == ICE_STATE_CONNECTED && a->disconnect_us < a->consent_us) {
        int64_t t = sat_add(a->pairs[a->sel].last_check_us, a->disconnect_us);

        if (t < d)
            d = t;
    }
    return d;
}

bool ice_poll(struct ice_agent *a, struct ice_output *out)
{
    if (a == NULL || out == NULL)
        return false;
    memset(out, 0, sizeof(*out));
    if (a->tx_count > 0) {
        const struct ice_tx_slot *s = &a->tx[a->tx_head];

        out->kind = ICE_OUT_TRANSMIT;
        out->addr = s->to;
        out->proto = s->proto;
        out->data = s->buf;
        out->len = s->len;
        a->tx_head = (a->tx_head + 1) % ICE_TX_QUEUE;
        a->tx_count--;
        return true;
    }
    if (a->ev_count > 0) {
        const struct ice_ev_slot *s = &a->ev[a->ev_head];

        out->kind = ICE_OUT_EVENT;
        out->event = s->event;
        out->addr = s->addr;
        out->proto = s->proto;
        a->ev_head = (a->ev_head + 1) % ICE_EVENT_QUEUE;
        a->ev_count--;
        return true;
    }
    return false;
}

int ice_restart(struct ice_agent *a, int64_t now_us, const char *local_ufrag, const char *local_pwd,
                const char *remote_ufrag)
{
    struct stun_mac *mac = NULL;
    long lu, lp, lr;
    int rc;

    if (a == NULL)
        return ERR_INVAL;
    lu = cred_len(local_ufrag, ICE_UFRAG_MIN, ICE_UFRAG_MAX);
    lp = cred_len(local_pwd, ICE_PWD_MIN, ICE_PWD_MAX);
    lr = remote_len(remote_ufrag);
    if (lu < 0 || lp < 0 || lr < 0)
        return ERR_INVAL;
    /* RFC 8445 §9: a restart changes both the ufrag and the password. */
    if (((size_t)lu == a->local_ufrag_len &&
         memcmp(local_ufrag, a->local_ufrag, (size_t)lu) == 0) ||
        ((size_t)lp == a->local_pwd_len && memcmp(local_pwd, a->local_pwd, (size_t)lp) == 0))
        return ERR_INVAL;
    rc = stun_mac_create(&mac, (const uint8_t *)local_pwd, (size_t)lp);
    if (rc < 0)
        return rc;
    stun_mac_destroy(a->mac);
    a->mac = mac;

    memset(a->local_ufrag, 0, sizeof(a->local_ufrag));
    memcpy(a->local_ufrag, local_ufrag, (size_t)lu);
    a->local_ufrag_len = (size_t)lu;
    explicit_bzero(a->local_pwd, sizeof(a->local_pwd));
    memcpy(a->local_pwd, local_pwd, (size_t)lp);
    a->local_pwd_len = (size_t)lp;
    (void)ice_set_remote(a, remote_ufrag);

    if (a->sel >= 0) {
        /* Keep only the selected pair; media continues on it. */
        a->pairs[0] = a->pairs[a->sel];
        a->pairs[0].last_check_us = now_us;
        a->pairs[0].nominated = false; /* any nomination with the new credentials wins */
        a->n_pairs = 1;
        a->sel = 0;
    } else {
        a->n_pairs = 0;
        a->state = ICE_STATE_NEW;
        a->start_us = now_us;
    }
    push_event(a, ICE_EVENT_RESTARTED, NULL, ICE_PROTO_UDP);
    return 0;
}

bool ice_selected(const struct ice_agent *a, struct stun_addr *addr, enum ice_proto *proto)
{
    if (a == NULL || a->sel < 0)
        return false;
    if (addr != NULL)
        *addr = a->pairs[a->sel].addr;
    if (proto != NULL)
        *proto = a->pairs[a->sel].proto;
    return true;
}

enum ice_state ice_state(const struct ice_agent *a)
{
    return a == NULL ? ICE_STATE_FAILED : a->state;
}

bool ice_is_valid_source(const struct ice_agent *a, const struct stun_addr *from,
                         enum ice_proto proto)
{
    if (a == NULL || from == NULL)
        return false;
    return find_pair(a, from, proto) >= 0;
}

const char *ice_local_ufrag(const struct ice_agent *a)
{
    return a == NULL ? "" : a->local_ufrag;
}

void ice_stats(const struct ice_agent *a, struct ice_stats *out)
{
    if (out == NULL)
        return;
    if (a == NULL)
        memset(out, 0, sizeof(*out));
    else
        *out = a->stats;
}

const char *ice_state_name(enum ice_state s)
{
    switch (s) {
    case ICE_STATE_NEW:
        return "new";
    case ICE_STATE_CONNECTED:
        return "connected";
    case ICE_STATE_DISCONNECTED:
        return "disconnected";
    case ICE_STATE_FAILED:
        return "failed";
    }
    return "unknown";
}

const char *ice_event_name(enum ice_event e)
{
    switch (e) {
    case ICE_EVENT_CONNECTED:
        return "connected";
    case ICE_EVENT_SELECTED:
        return "selected";
    case ICE_EVENT_DISCONNECTED:
        return "disconnected";
    case ICE_EVENT_FAILED:
        return "failed";
    case ICE_EVENT_RESTARTED:
        return "restarted";
    }
    return "unknown";
}

int ice_username_local_ufrag(const struct stun_msg *m, char *out, size_t cap)
{
    const uint8_t *colon;
    size_t n;

    if (m == NULL || out == NULL || cap == 0)
        return ERR_INVAL;
    out[0] = '\0';
    if (!(m->has & STUN_HAS_USERNAME))
        return ERR_NOTFOUND;
    colon = m->username.len > 0 ? memchr(m->username.p, ':', m->username.len) : NULL;
    if (colon == NULL)
        return ERR_PARSE;
    n = (size_t)(colon - m->username.p);
    if (n == 0 || !ice_chars(m->username.p, n))
        return ERR_PARSE;
    if (n >= cap)
        return ERR_TOOBIG;
    memcpy(out, m->username.p, n);
    out[n] = '\0';
    return 0;
}
