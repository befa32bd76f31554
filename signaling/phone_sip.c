/* The phone bridge's SIP side (see phone.h): calls coming in and going
 * out through the user agent, timers, start and stop. */
#define LOG_MODULE "phone"
#include "signaling/phone_int.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "signaling/sfu.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- SIP ---- */

struct phone_call *phone_call_new(struct sig *sig)
{
    struct phone_bridge *b = phone_of(sig);
    for (size_t i = 0; i < b->n_calls; i++) {
        struct phone_call *c = &b->calls[i];
        if (c->used)
            continue;
        memset(c, 0, sizeof *c);
        if (phone_port_take(b, sig, &c->port) < 0)
            return NULL;
        c->used = true;
        c->session = ++sig->next_media_session;
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

static void incoming(struct sig *sig, const struct sip_ua_action *a)
{
    struct phone_bridge *b = phone_of(sig);
    int64_t now = now_mono_us();
    struct sip_sdp_choice choice;
    if (!sig->media) {
        sip_ua_reject(b->ua, a->call, now, 503);
        return;
    }
    if (sip_sdp_choose(&a->sdp, &choice) < 0) {
        sip_ua_reject(b->ua, a->call, now, 488);
        return;
    }
    struct phone_call *c = phone_call_new(sig);
    if (!c) {
        sip_ua_reject(b->ua, a->call, now, 486);
        return;
    }
    c->sip = a->call;
    c->codec = choice;
    c->remote = a->sdp;
    c->worker = media_pick_worker(sig->media);
    snprintf(c->caller, sizeof c->caller, "%s", a->caller);
    phone_addr_text(&a->addr, c->addr, sizeof c->addr);
    phone_number_mask(a->caller, c->masked);
    b->st.calls_in++;
    char sdp[SIP_SDP_OUT_MAX];
    size_t len = 0;
    struct sip_sdp_local local = {
        .addr = phone_media_addr(sig),
        .port = c->port,
        .sess_id = c->session,
        .sess_version = 1,
    };
    if (sip_sdp_build_answer(&local, &choice, sip_sdp_mirror(a->sdp.dir), sdp, sizeof sdp, &len) <
            0 ||
        phone_media_create(sig, c) < 0) {
        sip_ua_reject(b->ua, a->call, now, 500);
        phone_call_free(sig, c);
        return;
    }
    sip_ua_answer(b->ua, a->call, now, sdp, len);
    c->state = CALL_PIN;
    c->deadline_us = now + PHONE_IVR_TIMEOUT_US;
    phone_play(sig, c, PROMPT_WELCOME, false);
    LOG_I("phone: call in from %s (%s)", c->masked, audio_codec_name(choice.codec));
}

static void answered(struct sig *sig, struct phone_call *c, const struct sip_ua_action *a)
{
    struct sip_sdp_choice choice;
    if (sip_sdp_choose(&a->sdp, &choice) < 0) {
        phone_send_host(sig, c, "failed", "no_common_codec");
        phone_hang_up(sig, c);
        return;
    }
    c->codec = choice;
    c->remote = a->sdp;
    if (phone_media_create(sig, c) < 0) {
        phone_send_host(sig, c, "failed", "server_error");
        phone_hang_up(sig, c);
        return;
    }
    c->state = CALL_OUT_CONFIRM;
    c->deadline_us = now_mono_us() + PHONE_CONFIRM_TIMEOUT_US;
    phone_play(sig, c, PROMPT_DIAL_OUT, true);
    phone_send_host(sig, c, "answered", NULL);
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

static void ended(struct sig *sig, struct phone_call *c, const struct sip_ua_action *a)
{
    struct phone_bridge *b = phone_of(sig);
    if (a->reason == SIP_END_BYE || a->reason == SIP_END_CANCEL)
        b->st.ended_by_caller++;
    else if (a->reason == SIP_END_FAILURE || a->reason == SIP_END_TIMEOUT)
        b->st.failed++;
    if (c->outgoing) {
        if (c->state == CALL_OUT_RINGING || c->state == CALL_OUT_CONFIRM) {
            phone_send_host(sig, c, "failed",
                            c->state == CALL_OUT_CONFIRM ? "no_answer"
                                                         : failure_word(a->status, a->reason));
        } else {
            phone_send_host(sig, c, "ended", sip_end_reason_name(a->reason));
        }
    }
    phone_leave_meeting(sig, c);
    phone_call_free(sig, c);
}

void phone_drain_ua(struct sig *sig)
{
    struct phone_bridge *b = phone_of(sig);
    struct sip_ua_action a;
    while (b && sip_ua_poll(b->ua, &a)) {
        if (a.kind == SIP_ACT_SEND) {
            if (sig->sip_send)
                sig->sip_send(sig->server, (int)a.tp, a.conn, (const struct sockaddr *)&a.addr,
                              a.addr_len, a.bytes, a.len);
            continue;
        }
        if (a.kind == SIP_ACT_CALL_INCOMING) {
            incoming(sig, &a);
            continue;
        }
        struct phone_call *c = phone_by_sip(b, a.call);
        if (!c)
            continue;
        switch (a.kind) {
        case SIP_ACT_CALL_PROGRESS:
            phone_send_host(sig, c, "ringing", NULL);
            break;
        case SIP_ACT_CALL_ANSWERED:
            answered(sig, c, &a);
            break;
        case SIP_ACT_CALL_UPDATE:
            c->remote = a.sdp;
            if (c->media)
                media_phone_remote(sig->media, c->worker, c->session, a.sdp.addr, a.sdp.port,
                                   a.sdp.rtcp_port, a.sdp.dir != SIP_SDP_SENDRECV);
            break;
        case SIP_ACT_CALL_DTMF:
            phone_digit(sig, c, a.digit);
            break;
        case SIP_ACT_CALL_ENDED:
            ended(sig, c, &a);
            break;
        default:
            break;
        }
    }
}

void phone_sip_input(struct sig *sig, int64_t now_us, const uint8_t *buf, size_t len,
                     const struct sockaddr *from, socklen_t fromlen, enum sip_transport tp,
                     uint64_t conn)
{
    struct phone_bridge *b = phone_of(sig);
    if (!b)
        return;
    sip_ua_input(b->ua, now_us, buf, len, from, fromlen, tp, conn);
    phone_drain_ua(sig);
}

int64_t phone_next_deadline(const struct sig *sig)
{
    const struct phone_bridge *b = phone_of(sig);
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

void phone_timeout(struct sig *sig, int64_t now_us)
{
    struct phone_bridge *b = phone_of(sig);
    if (!b)
        return;
    if (sip_ua_next_deadline(b->ua) <= now_us)
        sip_ua_timeout(b->ua, now_us);
    phone_drain_ua(sig);
    for (size_t i = 0; i < b->n_calls; i++) {
        struct phone_call *c = &b->calls[i];
        if (!c->used || c->deadline_us > now_us)
            continue;
        c->deadline_us = INT64_MAX;
        if (c->state == CALL_PIN) {
            phone_goodbye(sig, c, PROMPT_TOO_MANY);
        } else if (c->state == CALL_OUT_CONFIRM) {
            phone_send_host(sig, c, "failed", "not_confirmed");
            phone_goodbye(sig, c, PROMPT_ENDED);
        } else if (c->state == CALL_CLOSING) {
            phone_hang_up(sig, c);
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

void phone_dial_out(struct sig *sig, struct ws_conn *conn, const json_t *msg)
{
    struct phone_bridge *b = phone_of(sig);
    if (!b || !sip_dial_out_enabled(&sig->cfg->sip) || !sig->media) {
        session_send_error(sig, conn, b ? "server_busy" : "wrong_state",
                           "calling out is not set up on this server", "dial_out");
        return;
    }
    if (!conn->lm && !conn->watching) {
        session_send_error(sig, conn, "wrong_state", "send \"watch\" first", "dial_out");
        return;
    }
    json_t *jid = json_object_get(msg, "invitation_id");
    const char *number = json_string_value(json_object_get(msg, "number"));
    char e164[PHONE_NUMBER_DIGITS_MAX + 2];
    if (!json_is_integer(jid) || !number || normalize_number(number, e164) < 0) {
        session_send_error(sig, conn, "bad_message",
                           "dial_out needs 'invitation_id' and 'number' (+ and 8 to 15 digits)",
                           "dial_out");
        return;
    }
    struct store_invitation inv;
    struct store_meeting sm;
    if (store_invitation_get(sig->store, (int64_t)json_integer_value(jid), &inv) < 0 ||
        store_meeting_get(sig->store, inv.meeting_id, &sm) < 0 || inv.revoked_at || inv.is_host ||
        now_wall_ms() >= inv.expires_at || dial_allowed(conn, &sm) < 0) {
        session_send_error(sig, conn, "not_found", "no such invitation of yours", "dial_out");
        return;
    }
    if (sm.ended_at) {
        session_send_error(sig, conn, "wrong_state", "the meeting has ended", "dial_out");
        return;
    }
    struct live_meeting *lm = session_live_find(sig, sm.id);
    struct phone_call *c = phone_call_new(sig);
    if (!c) {
        session_send_error(sig, conn, "server_busy", "too many phone calls right now; try again",
                           "dial_out");
        return;
    }
    c->outgoing = true;
    c->worker = lm && lm->sfu ? sfu_room_worker(lm->sfu) : media_pick_worker(sig->media);
    c->meeting_id = sm.id;
    c->owner_id = sm.owner_id;
    c->invitation_id = inv.id;
    c->host_pid = conn->lm ? conn->pid : 0;
    snprintf(c->caller, sizeof c->caller, "%s", e164);
    phone_number_mask(e164, c->masked);
    char sdp[SIP_SDP_OUT_MAX];
    size_t len = 0;
    struct sip_sdp_local local = {
        .addr = phone_media_addr(sig),
        .port = c->port,
        .sess_id = c->session,
        .sess_version = 1,
    };
    int rc = sip_sdp_build_offer(&local, sdp, sizeof sdp, &len);
    if (rc == 0)
        rc = sip_ua_call(b->ua, now_mono_us(), e164,
                         sig->cfg->sip.caller_id[0] ? sig->cfg->sip.caller_id : "samtale", sdp, len,
                         &c->sip);
    if (rc < 0) {
        phone_call_free(sig, c);
        session_send_error(sig, conn, rc == ERR_FULL ? "server_busy" : "server_error",
                           "the call could not be started", "dial_out");
        return;
    }
    c->state = CALL_OUT_RINGING;
    b->st.calls_out++;
    LOG_I("meeting %lld: calling %s for invitation %lld", (long long)sm.id, c->masked,
          (long long)inv.id);
    phone_send_host(sig, c, "calling", NULL);
    phone_drain_ua(sig);
}

/* ---- life ---- */

/* "host[:port]" of the trunk, resolved once at start. */
static int resolve_trunk(const char *host_port, struct sockaddr_storage *out, socklen_t *out_len)
{
    char host[256];
    const char *port = "5060";
    snprintf(host, sizeof host, "%s", host_port);
    char *colon = strrchr(host, ':');
    if (host[0] == '[') {
        char *close = strchr(host, ']');
        if (!close)
            return ERR_INVAL;
        *close = '\0';
        if (close[1] == ':')
            port = close + 2;
        memmove(host, host + 1, strlen(host + 1) + 1);
    } else if (colon && colon == strchr(host, ':')) {
        *colon = '\0';
        port = colon + 1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_DGRAM;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) {
        LOG_E("sip_trunk_proxy %s cannot be resolved", host_port);
        return ERR_INVAL;
    }
    memcpy(out, res->ai_addr, res->ai_addrlen);
    *out_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int phone_bridge_start(struct sig *sig)
{
    const struct sip_config *sc = &sig->cfg->sip;
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
        rc = resolve_trunk(sc->trunk_proxy, &cfg.trunk_addr, &cfg.trunk_addr_len);
    if (rc == 0)
        rc = sip_ua_create(&b->ua, &cfg);
    if (rc < 0) {
        free(b->calls);
        free(b->port_used);
        free(b);
        return rc;
    }
    sig->phone = b;
    return 0;
}

void phone_bridge_stop(struct sig *sig)
{
    struct phone_bridge *b = phone_of(sig);
    if (!b)
        return;
    for (size_t i = 0; i < b->n_calls; i++)
        if (b->calls[i].used)
            phone_hang_up(sig, &b->calls[i]);
    phone_drain_ua(sig);
    sip_ua_destroy(b->ua);
    free(b->calls);
    free(b->port_used);
    free(b);
    sig->phone = NULL;
}

void phone_get_stats(const struct sig *sig, struct phone_stats *out)
{
    const struct phone_bridge *b = phone_of(sig);
    memset(out, 0, sizeof *out);
    if (!b)
        return;
    *out = b->st;
    for (size_t i = 0; i < b->n_calls; i++)
        out->active += b->calls[i].used;
    sip_ua_get_stats(b->ua, &out->sip);
}
