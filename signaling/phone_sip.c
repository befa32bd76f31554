/* The phone bridge's SIP side (see phone.h): calls coming in and going
 * out through the user agent, timers, start and stop. */
#define LOG_MODULE "phone"
#include "signaling/phone_int.h"
#include "base/err.h"
#include "base/log.h"
#include "signaling/sfu.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- SIP ---- */

struct phone_call *phone_call_new(struct app *app)
{
    struct phone_bridge *b = phone_of(app);
    for (size_t i = 0; i < b->n_calls; i++) {
        struct phone_call *c = &b->calls[i];
        if (c->used)
            continue;
        memset(c, 0, sizeof *c);
        if (phone_port_take(b, app, &c->port) < 0)
            return NULL;
        c->used = true;
        c->session = ++app->next_media_session;
        c->deadline_us = INT64_MAX;
        return c;
    }
    return NULL;
}

void phone_addr_text(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    const void *a = ss->ss_family == AF_INET6
                        ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
                        : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
    if (!inet_ntop(ss->ss_family, a, out, (socklen_t)cap))
        snprintf(out, cap, "?");
}

static void incoming(struct app *app, const struct sip_ua_action *a)
{
    struct phone_bridge *b = phone_of(app);
    int64_t now = now_mono_us();
    struct sip_sdp_choice choice;
    if (!app->media) {
        sip_ua_reject(b->ua, a->call, now, 503);
        return;
    }
    if (sip_sdp_choose(&a->sdp, &choice) < 0) {
        sip_ua_reject(b->ua, a->call, now, 488);
        return;
    }
    struct phone_call *c = phone_call_new(app);
    if (!c) {
        sip_ua_reject(b->ua, a->call, now, 486);
        return;
    }
    c->sip = a->call;
    c->codec = choice;
    c->remote = a->sdp;
    c->worker = media_pick_worker(app->media);
    snprintf(c->caller, sizeof c->caller, "%s", a->caller);
    phone_addr_text(&a->addr, c->addr, sizeof c->addr);
    phone_number_mask(a->caller, c->masked);
    b->st.calls_in++;
    char sdp[SIP_SDP_OUT_MAX];
    size_t len = 0;
    struct sip_sdp_local local = {
        .addr = phone_media_addr(app),
        .port = c->port,
        .sess_id = c->session,
        .sess_version = 1,
    };
    if (sip_sdp_build_answer(&local, &choice, sip_sdp_mirror(a->sdp.dir), sdp, sizeof sdp, &len) <
            0 ||
        phone_media_create(app, c) < 0) {
        sip_ua_reject(b->ua, a->call, now, 500);
        phone_call_free(app, c);
        return;
    }
    sip_ua_answer(b->ua, a->call, now, sdp, len);
    c->state = CALL_PIN;
    c->deadline_us = now + PHONE_IVR_TIMEOUT_US;
    phone_play(app, c, PROMPT_WELCOME, false);
    LOG_I("phone: call in from %s (%s)", c->masked, audio_codec_name(choice.codec));
}

static void answered(struct app *app, struct phone_call *c, const struct sip_ua_action *a)
{
    struct sip_sdp_choice choice;
    if (sip_sdp_choose(&a->sdp, &choice) < 0) {
        phone_send_host(app, c, "failed", "no_common_codec");
        phone_hang_up(app, c);
        return;
    }
    c->codec = choice;
    c->remote = a->sdp;
    if (phone_media_create(app, c) < 0) {
        phone_send_host(app, c, "failed", "server_error");
        phone_hang_up(app, c);
        return;
    }
    c->state = CALL_OUT_CONFIRM;
    c->deadline_us = now_mono_us() + PHONE_CONFIRM_TIMEOUT_US;
    phone_play(app, c, PROMPT_DIAL_OUT, true);
    phone_send_host(app, c, "answered", NULL);
}

/* Why a call out did not connect, as the page shows it. */
static const char *failure_word(unsigned status, enum sip_end_reason reason)
{
    switch (status) {
    case 486:
    case 600:
        return "busy";
    case 603:
        return "declined";
    case 404:
    case 484:
    case 604:
        return "no_such_number";
    case 401:
    case 403:
    case 407:
        return "trunk_refused";
    case 0:
        return reason == SIP_END_TIMEOUT ? "no_answer" : sip_end_reason_name(reason);
    default:
        return status == 408 || status == 480 || status == 487 ? "no_answer" : "failed";
    }
}

static void ended(struct app *app, struct phone_call *c, const struct sip_ua_action *a)
{
    struct phone_bridge *b = phone_of(app);
    if (a->reason == SIP_END_BYE || a->reason == SIP_END_CANCEL)
        b->st.ended_by_caller++;
    else if (a->reason == SIP_END_FAILURE || a->reason == SIP_END_TIMEOUT)
        b->st.failed++;
    if (c->outgoing) {
        if (c->state == CALL_OUT_RINGING || c->state == CALL_OUT_CONFIRM) {
            phone_send_host(app, c, "failed",
                            c->state == CALL_OUT_CONFIRM ? "no_answer"
                                                         : failure_word(a->status, a->reason));
        } else {
            phone_send_host(app, c, "ended", sip_end_reason_name(a->reason));
        }
    }
    phone_leave_meeting(app, c);
    phone_call_free(app, c);
}

void phone_drain_ua(struct app *app)
{
    struct phone_bridge *b = phone_of(app);
    struct sip_ua_action a;
    while (b && sip_ua_poll(b->ua, &a)) {
        if (a.kind == SIP_ACT_SEND) {
            sip_server_send(app, (int)a.tp, a.conn, (const struct sockaddr *)&a.addr, a.addr_len,
                            a.bytes, a.len);
            continue;
        }
        if (a.kind == SIP_ACT_CALL_INCOMING) {
            incoming(app, &a);
            continue;
        }
        struct phone_call *c = phone_by_sip(b, a.call);
        if (!c)
            continue;
        switch (a.kind) {
        case SIP_ACT_CALL_PROGRESS:
            phone_send_host(app, c, "ringing", NULL);
            break;
        case SIP_ACT_CALL_ANSWERED:
            answered(app, c, &a);
            break;
        case SIP_ACT_CALL_UPDATE:
            c->remote = a.sdp;
            if (c->media)
                media_phone_remote(app->media, c->worker, c->session, a.sdp.addr, a.sdp.port,
                                   a.sdp.rtcp_port, a.sdp.dir != SIP_SDP_SENDRECV);
            break;
        case SIP_ACT_CALL_DTMF:
            phone_digit(app, c, a.digit);
            break;
        case SIP_ACT_CALL_ENDED:
            ended(app, c, &a);
            break;
        default:
            break;
        }
    }
}

void phone_sip_input(struct app *app, int64_t now_us, const uint8_t *buf, size_t len,
                     const struct sockaddr *from, socklen_t fromlen, enum sip_transport tp,
                     uint64_t conn)
{
    struct phone_bridge *b = phone_of(app);
    if (!b)
        return;
    sip_ua_input(b->ua, now_us, buf, len, from, fromlen, tp, conn);
    phone_drain_ua(app);
}

int64_t phone_next_deadline(const struct app *app)
{
    const struct phone_bridge *b = phone_of(app);
    if (!b)
        return INT64_MAX;
    int64_t d = sip_ua_next_deadline(b->ua);
    for (size_t i = 0; i < b->n_calls; i++) {
        const struct phone_call *c = &b->calls[i];
        if (!c->used)
            continue;
        if (c->deadline_us < d)
            d = c->deadline_us;
    }
    return d;
}

void phone_timeout(struct app *app, int64_t now_us)
{
    struct phone_bridge *b = phone_of(app);
    if (!b)
        return;
    if (sip_ua_next_deadline(b->ua) <= now_us)
        sip_ua_timeout(b->ua, now_us);
    phone_drain_ua(app);
    for (size_t i = 0; i < b->n_calls; i++) {
        struct phone_call *c = &b->calls[i];
        if (!c->used || c->deadline_us > now_us)
            continue;
        c->deadline_us = INT64_MAX;
        if (c->state == CALL_PIN) {
            phone_goodbye(app, c, PROMPT_TOO_MANY);
        } else if (c->state == CALL_OUT_CONFIRM) {
            phone_send_host(app, c, "failed", "not_confirmed");
            phone_goodbye(app, c, PROMPT_ENDED);
        } else if (c->state == CALL_CLOSING) {
            phone_hang_up(app, c);
        }
    }
}

/* ---- dial-out ---- */

/* A number a host typed: "+" and 8..15 digits, or 8 digits (Danish, +45
 * added); spaces, '-', '(' and ')' are ignored. */
static int normalize_number(const char *in, char out[PHONE_NUMBER_DIGITS_MAX + 2])
{
    size_t n = 0;
    bool plus = false;
    for (size_t i = 0; in[i]; i++) {
        char ch = in[i];
        if (ch == '+' && n == 0 && !plus)
            plus = true;
        else if (ch >= '0' && ch <= '9' && n < PHONE_NUMBER_DIGITS_MAX)
            out[1 + n++] = ch;
        else if (!(ch == ' ' || ch == '-' || ch == '(' || ch == ')'))
            return ERR_PARSE;
        if (i > 64)
            return ERR_PARSE;
    }
    if (!plus && n == 8) {
        memmove(out + 3, out + 1, n);
        out[1] = '4';
        out[2] = '5';
        n += 2;
        plus = true;
    }
    if (!plus || n < 8 || n > PHONE_NUMBER_DIGITS_MAX)
        return ERR_PARSE;
    out[0] = '+';
    out[1 + n] = '\0';
    return 0;
}

/* Who may call out for a meeting: its owner from the meeting page (a
 * watching connection) or a host in the meeting. 0, or the error sent. */
static int dial_allowed(const struct ws_conn *conn, const struct store_meeting *sm)
{
    if (conn->lm) {
        struct meeting *m = session_live_meeting(conn->lm);
        if (meeting_id(m) == sm->id && meeting_is_host(m, conn->pid) &&
            meeting_is_admitted(m, conn->pid))
            return 0;
    } else if (conn->watching && conn->watch_user == sm->owner_id &&
               (!conn->watch_meeting || conn->watch_meeting == sm->id)) {
        return 0;
    }
    return ERR_NOTFOUND;
}

void phone_dial_out(struct app *app, struct ws_conn *conn, const json_t *msg)
{
    struct phone_bridge *b = phone_of(app);
    if (!b || !sip_dial_out_enabled(&app->cfg.sip) || !app->media) {
        session_send_error(app, conn, b ? "server_busy" : "wrong_state",
                           "calling out is not set up on this server", "dial_out");
        return;
    }
    if (!conn->lm && !conn->watching) {
        session_send_error(app, conn, "wrong_state", "send \"watch\" first", "dial_out");
        return;
    }
    json_t *jid = json_object_get(msg, "invitation_id");
    const char *number = json_string_value(json_object_get(msg, "number"));
    char e164[PHONE_NUMBER_DIGITS_MAX + 2];
    if (!json_is_integer(jid) || !number || normalize_number(number, e164) < 0) {
        session_send_error(app, conn, "bad_message",
                           "dial_out needs 'invitation_id' and 'number' (+ and 8 to 15 digits)",
                           "dial_out");
        return;
    }
    struct store_invitation inv;
    struct store_meeting sm;
    if (store_invitation_get(app->store, (int64_t)json_integer_value(jid), &inv) < 0 ||
        store_meeting_get(app->store, inv.meeting_id, &sm) < 0 || inv.revoked_at || inv.is_host ||
        now_wall_ms() >= inv.expires_at || dial_allowed(conn, &sm) < 0) {
        session_send_error(app, conn, "not_found", "no such invitation of yours", "dial_out");
        return;
    }
    if (sm.ended_at) {
        session_send_error(app, conn, "wrong_state", "the meeting has ended", "dial_out");
        return;
    }
    struct live_meeting *lm = session_live_find(app, sm.id);
    struct phone_call *c = phone_call_new(app);
    if (!c) {
        session_send_error(app, conn, "server_busy", "too many phone calls right now; try again",
                           "dial_out");
        return;
    }
    c->outgoing = true;
    c->worker = lm && lm->sfu ? sfu_room_worker(lm->sfu) : media_pick_worker(app->media);
    c->meeting_id = sm.id;
    c->owner_id = sm.owner_id;
    c->invitation_id = inv.id;
    c->host_pid = conn->lm ? conn->pid : 0;
    snprintf(c->caller, sizeof c->caller, "%s", e164);
    phone_number_mask(e164, c->masked);
    char sdp[SIP_SDP_OUT_MAX];
    size_t len = 0;
    struct sip_sdp_local local = {
        .addr = phone_media_addr(app),
        .port = c->port,
        .sess_id = c->session,
        .sess_version = 1,
    };
    int rc = sip_sdp_build_offer(&local, sdp, sizeof sdp, &len);
    if (rc == 0)
        rc = sip_ua_call(b->ua, now_mono_us(), e164,
                         app->cfg.sip.caller_id[0] ? app->cfg.sip.caller_id : "samtale", sdp, len,
                         &c->sip);
    if (rc < 0) {
        phone_call_free(app, c);
        session_send_error(app, conn, rc == ERR_FULL ? "server_busy" : "server_error",
                           "the call could not be started", "dial_out");
        return;
    }
    c->state = CALL_OUT_RINGING;
    b->st.calls_out++;
    LOG_I("meeting %lld: calling %s for invitation %lld", (long long)sm.id, c->masked,
          (long long)inv.id);
    phone_send_host(app, c, "calling", NULL);
    phone_drain_ua(app);
}

/* ---- life ---- */

int phone_bridge_start(struct app *app)
{
    const struct sip_config *sc = &app->cfg.sip;
    if (!sip_enabled(sc))
        return 0;
    struct phone_bridge *b = calloc(1, sizeof *b);
    if (!b)
        return ERR_NOMEM;
    b->n_calls = sc->max_calls;
    b->n_ports = (unsigned)(sc->rtp_port_max - sc->rtp_port_min + 1) / 2;
    b->calls = calloc(b->n_calls, sizeof *b->calls);
    b->port_used = calloc(b->n_ports ? b->n_ports : 1, 1);
    const char *allow[SIP_CONFIG_ALLOW_MAX];
    for (unsigned i = 0; i < sc->allow_count; i++)
        allow[i] = sc->allow[i];
    /* The trunk's domain: sip_trunk_domain, else the proxy's host. */
    char domain[SIP_CONFIG_HOST_MAX];
    snprintf(domain, sizeof domain, "%s", sc->trunk_domain[0] ? sc->trunk_domain : sc->trunk_proxy);
    if (!sc->trunk_domain[0]) {
        char *end = domain[0] == '[' ? strchr(domain, ']') : strchr(domain, ':');
        if (end && domain[0] == '[') {
            end[0] = '\0';
            memmove(domain, domain + 1, strlen(domain + 1) + 1);
        } else if (end) {
            *end = '\0';
        }
    }
    struct sip_ua_cfg cfg = {
        .local_host = sc->public_addr[0] ? sc->public_addr : sc->listen_addr,
        .local_port = sc->listen_port,
        .local_tls_port = sc->tls_addr[0] ? sc->tls_port : 0,
        .user_agent = "samtale/" SAMTALE_VERSION,
        .allow = allow,
        .n_allow = sc->allow_count,
        .max_calls = sc->max_calls,
        .trunk_domain = domain,
        .username = sc->trunk_user[0] ? sc->trunk_user : NULL,
        .password = sc->trunk_password[0] ? sc->trunk_password : NULL,
    };
    int rc = b->calls && b->port_used ? 0 : ERR_NOMEM;
    if (rc == 0 && sip_dial_out_enabled(sc))
        rc = sip_server_resolve(sc->trunk_proxy, &cfg.trunk_addr, &cfg.trunk_addr_len);
    if (rc == 0)
        rc = sip_ua_create(&b->ua, &cfg);
    if (rc < 0) {
        free(b->calls);
        free(b->port_used);
        free(b);
        return rc;
    }
    app->phone = b;
    return 0;
}

void phone_bridge_stop(struct app *app)
{
    struct phone_bridge *b = phone_of(app);
    if (!b)
        return;
    for (size_t i = 0; i < b->n_calls; i++)
        if (b->calls[i].used)
            phone_hang_up(app, &b->calls[i]);
    phone_drain_ua(app);
    sip_ua_destroy(b->ua);
    free(b->calls);
    free(b->port_used);
    free(b);
    app->phone = NULL;
}

void phone_get_stats(const struct app *app, struct phone_stats *out)
{
    const struct phone_bridge *b = phone_of(app);
    memset(out, 0, sizeof *out);
    if (!b)
        return;
    *out = b->st;
    for (size_t i = 0; i < b->n_calls; i++)
        out->active += b->calls[i].used;
    sip_ua_get_stats(b->ua, &out->sip);
}
