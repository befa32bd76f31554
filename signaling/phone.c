/* The phone bridge's calls (see phone.h). */
#define LOG_MODULE "phone"
#include "signaling/phone.h"
#include "base/err.h"
#include "base/log.h"
#include "media/media.h"
#include "server/pin.h"
#include "server/pinlimit.h"
#include "server/prompts.h"
#include "signaling/phone_number.h"
#include "signaling/session_int.h"
#include "signaling/sfu.h"
#include "signaling/sip_sdp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum call_state {
    CALL_PIN,         /* collecting the PIN */
    CALL_LOBBY,       /* in the meeting's lobby */
    CALL_MEETING,     /* admitted */
    CALL_OUT_RINGING, /* dial-out: INVITE sent */
    CALL_OUT_CONFIRM, /* dial-out: answered, waiting for 1 */
    CALL_CLOSING,     /* a goodbye prompt, then BYE */
};

struct phone_call {
    bool used;
    enum call_state state;
    bool outgoing;
    uint64_t sip;     /* the UA's call id */
    uint64_t session; /* the media call's id; its low 32 bits are its router peer */
    unsigned worker;
    bool media;           /* a media call exists on the worker */
    unsigned move_tries;  /* re-creations after a failed bind (moving workers) */
    int64_t move_at;      /* when to try again; 0: not moving */
    int64_t media_room;   /* the room the media call is attached to (0: none) */
    uint32_t producer, voice_ssrc;
    uint16_t port;
    struct sip_sdp_choice codec;
    struct sip_sdp remote;
    int64_t meeting_id;
    int64_t invitation_id;
    uint32_t pid; /* 0 until it joined a meeting */
    uint32_t host_pid; /* dial-out: the host who asked */
    char digits[PHONE_PIN_DIGITS + 1];
    size_t n_digits;
    unsigned failures;
    bool star; /* '*' pressed: the next key is a command */
    bool muted, hand;
    char caller[SIP_UA_MAX_NAME];
    char addr[INET6_ADDRSTRLEN];
    char masked[PHONE_NUMBER_MASKED_MAX];
    int64_t deadline_us; /* IVR or confirm timeout, goodbye fallback; INT64_MAX: none */
};

struct phone_bridge {
    struct sip_ua *ua;
    struct pinlimit *pins;
    struct phone_call *calls;
    size_t n_calls;
    unsigned n_ports, next_port; /* RTP port pairs, handed out round robin */
    uint8_t *port_used;
    struct phone_stats st;
};

/* ---- helpers ---- */

static struct phone_bridge *bridge(const struct app *app)
{
    return app->phone;
}

static struct phone_call *by_sip(struct phone_bridge *b, uint64_t sip)
{
    for (size_t i = 0; i < b->n_calls; i++)
        if (b->calls[i].used && b->calls[i].sip == sip)
            return &b->calls[i];
    return NULL;
}

static struct phone_call *by_session(struct phone_bridge *b, uint64_t session)
{
    for (size_t i = 0; i < b->n_calls; i++)
        if (b->calls[i].used && b->calls[i].session == session)
            return &b->calls[i];
    return NULL;
}

static struct phone_call *by_pid(struct phone_bridge *b, int64_t meeting_id, uint32_t pid)
{
    for (size_t i = 0; pid && i < b->n_calls; i++)
        if (b->calls[i].used && b->calls[i].meeting_id == meeting_id && b->calls[i].pid == pid)
            return &b->calls[i];
    return NULL;
}

static int port_take(struct phone_bridge *b, const struct app *app, uint16_t *out)
{
    for (unsigned k = 0; k < b->n_ports; k++) {
        unsigned i = (b->next_port + k) % b->n_ports;
        if (!b->port_used[i]) {
            b->port_used[i] = 1;
            b->next_port = (i + 1) % b->n_ports; /* a just-freed port rests a while */
            *out = (uint16_t)(app->cfg.sip.rtp_port_min + 2 * i);
            return 0;
        }
    }
    return ERR_FULL;
}

static void port_give(struct phone_bridge *b, const struct app *app, uint16_t port)
{
    unsigned i = (unsigned)(port - app->cfg.sip.rtp_port_min) / 2;
    if (port >= app->cfg.sip.rtp_port_min && i < b->n_ports)
        b->port_used[i] = 0;
}

/* The address our SDP names: the SIP public address, else the media's. */
static const char *media_addr(const struct app *app)
{
    if (app->cfg.sip.public_addr[0])
        return app->cfg.sip.public_addr;
    if (app->cfg.media_public_addr_count > 0)
        return app->cfg.media_public_addrs[0];
    return app->cfg.media_bind;
}

static void drain_ua(struct app *app);

static void send_host(struct app *app, struct phone_call *c, const char *state,
                      const char *reason)
{
    if (!c->outgoing || !c->host_pid)
        return;
    struct live_meeting *lm = session_live_find(app, c->meeting_id);
    struct ws_conn **seat = lm ? session_seat_of(lm, c->host_pid) : NULL;
    if (!seat)
        return;
    json_t *msg = json_pack("{s:s, s:I, s:s}", "type", "dial_out_state", "invitation_id",
                            (json_int_t)c->invitation_id, "state", state);
    if (msg && reason)
        json_object_set_new(msg, "reason", json_string(reason));
    session_send_json(app, *seat, msg);
}

/* ---- the media call ---- */

static int media_create(struct app *app, struct phone_call *c, int64_t room)
{
    struct media_phone_params p;
    memset(&p, 0, sizeof p);
    p.session = c->session;
    p.worker = c->worker;
    p.room = room;
    snprintf(p.bind_addr, sizeof p.bind_addr, "%s", app->cfg.media_bind);
    p.rtp_port = c->port;
    p.codec = c->codec.codec;
    p.pt = c->codec.pt;
    p.dtmf_pt = c->codec.dtmf_pt;
    snprintf(p.remote_addr, sizeof p.remote_addr, "%s", c->remote.addr);
    p.remote_port = c->remote.port;
    p.remote_rtcp_port = c->remote.rtcp_port;
    p.producer = room ? c->producer : 0;
    p.voice_ssrc = room ? c->voice_ssrc : 0;
    int rc = media_phone_create(app->media, &p);
    if (rc == 0) {
        c->media = true;
        c->media_room = room;
    }
    return rc;
}

static void media_end(struct app *app, struct phone_call *c)
{
    if (c->media)
        media_phone_close(app->media, c->worker, c->session);
    c->media = false;
}

static void play(struct app *app, struct phone_call *c, enum prompt_id prompt, bool loop)
{
    if (c->media)
        media_phone_play(app->media, c->worker, c->session, (unsigned)prompt, loop);
}

/* ---- ending ---- */

static void call_free(struct app *app, struct phone_call *c)
{
    struct phone_bridge *b = bridge(app);
    media_end(app, c);
    port_give(b, app, c->port);
    memset(c, 0, sizeof *c);
}

/* The caller leaves the meeting it is in (hung up, or the call failed). */
static void leave_meeting(struct app *app, struct phone_call *c)
{
    if (!c->pid)
        return;
    struct live_meeting *lm = session_live_find(app, c->meeting_id);
    uint32_t pid = c->pid;
    c->pid = 0; /* phone_meeting_closed must not hang up again */
    if (!lm)
        return;
    json_t *leave = json_pack("{s:s}", "type", "leave");
    meeting_input(session_live_meeting(lm), app_now_ms(), pid, leave);
    json_decref(leave);
    session_drain(app, lm);
}

static void hang_up(struct app *app, struct phone_call *c)
{
    leave_meeting(app, c);
    if (sip_ua_hangup(bridge(app)->ua, c->sip, app_mono_us()) < 0)
        call_free(app, c); /* the UA no longer knows it */
    drain_ua(app);
}

/* A last prompt, then BYE (when it has played, or at the deadline). */
static void goodbye(struct app *app, struct phone_call *c, enum prompt_id prompt)
{
    leave_meeting(app, c);
    c->state = CALL_CLOSING;
    c->deadline_us = app_mono_us() + PHONE_GOODBYE_US;
    if (c->media)
        play(app, c, prompt, false);
    else
        hang_up(app, c);
}

/* ---- joining a meeting ---- */

static const char *display_name(const struct store_invitation *inv)
{
    return inv->label[0] ? inv->label : role_label(inv->role);
}

static void join_meeting(struct app *app, struct phone_call *c, const struct store_invitation *inv,
                         const struct store_meeting *sm, bool admit)
{
    struct live_meeting *lm;
    if (session_live_get(app, sm, &lm) < 0) {
        goodbye(app, c, PROMPT_ENDED);
        return;
    }
    struct meeting_join req = {
        .role = inv->role,
        .is_host = false,
        .auto_admit = admit || inv->auto_admit,
        .invitation_id = inv->id,
        .display_name = display_name(inv),
        .resume_secret = NULL,
        .phone = true,
        .phone_masked = c->masked,
    };
    uint32_t pid = 0;
    int rc = meeting_join(session_live_meeting(lm), app_now_ms(), &req, &pid);
    if (rc < 0) {
        LOG_I("phone call to meeting %lld refused: %s", (long long)sm->id, err_str(rc));
        session_drain(app, lm);
        goodbye(app, c, rc == ERR_EXPIRED ? PROMPT_ENDED : PROMPT_DENIED);
        return;
    }
    c->meeting_id = sm->id;
    c->invitation_id = inv->id;
    c->pid = pid;
    c->state = CALL_LOBBY;
    c->deadline_us = INT64_MAX;
    bridge(app)->st.joined++;
    session_drain(app, lm); /* "lobby" or "admitted" reach phone_meeting_send */
}

/* Admitted: the call's media moves into the room (its worker, its mixer,
 * its voice producer). */
static void admitted(struct app *app, struct live_meeting *lm, struct phone_call *c)
{
    struct sfu_room *room = NULL;
    if (session_live_sfu(app, lm, (int)c->worker, &room) < 0 ||
        sfu_phone_join(app, room, c->pid, c->session, &c->producer, &c->voice_ssrc) < 0) {
        LOG_W("meeting %lld: no place for a phone participant", (long long)lm->id);
        goodbye(app, c, PROMPT_ENDED);
        return;
    }
    c->state = CALL_MEETING;
    unsigned worker = sfu_room_worker(room);
    media_end(app, c);
    bool moved = worker != c->worker;
    c->worker = worker;
    c->move_tries = 0;
    c->move_at = 0;
    if (media_create(app, c, lm->id) < 0) {
        goodbye(app, c, PROMPT_ENDED);
        return;
    }
    (void)moved;
    media_phone_mode(app->media, c->worker, c->session,
                     c->muted ? MEDIA_PHONE_MUTED : MEDIA_PHONE_MEETING);
    send_host(app, c, "joined", NULL);
}

/* ---- digits ---- */

static void check_pin(struct app *app, struct phone_call *c)
{
    struct phone_bridge *b = bridge(app);
    int64_t now_ms = app_now_ms();
    c->digits[c->n_digits] = '\0';
    if (!pinlimit_allowed(b->pins, c->caller, c->addr, now_ms)) {
        b->st.pin_blocked++;
        LOG_W("phone: PIN attempts over the limit (caller %s)", c->masked);
        goodbye(app, c, PROMPT_TOO_MANY);
        return;
    }
    struct store_invitation inv;
    struct store_meeting sm;
    int rc = c->n_digits == PHONE_PIN_DIGITS ? pin_lookup(app, c->digits, &inv, &sm) : ERR_NOTFOUND;
    memset(c->digits, 0, sizeof c->digits);
    c->n_digits = 0;
    if (rc < 0) {
        b->st.pin_failures++;
        pinlimit_failure(b->pins, c->caller, c->addr, now_ms);
        if (++c->failures >= PHONE_PIN_TRIES) {
            LOG_I("phone: %u wrong PINs, call ended (caller %s)", c->failures, c->masked);
            goodbye(app, c, PROMPT_TOO_MANY);
        } else {
            play(app, c, PROMPT_PIN_WRONG, false);
        }
        return;
    }
    pinlimit_success(b->pins, c->caller, c->addr, now_ms);
    join_meeting(app, c, &inv, &sm, false);
}

/* *6 and *9 in the meeting: what the browser's buttons do. */
static void keypad_command(struct app *app, struct phone_call *c, char key)
{
    struct live_meeting *lm = session_live_find(app, c->meeting_id);
    if (!lm || !c->pid)
        return;
    json_t *msg = NULL;
    if (key == '6') {
        c->muted = !c->muted;
        media_phone_mode(app->media, c->worker, c->session,
                         c->muted ? MEDIA_PHONE_MUTED : MEDIA_PHONE_MEETING);
        msg = json_pack("{s:s, s:b}", "type", "media_state", "mic", !c->muted);
    } else if (key == '9') {
        c->hand = !c->hand;
        msg = json_pack("{s:s, s:b}", "type", "hand", "raised", c->hand);
    }
    if (!msg)
        return;
    meeting_input(session_live_meeting(lm), app_now_ms(), c->pid, msg);
    json_decref(msg);
    session_drain(app, lm);
}

static void digit(struct app *app, struct phone_call *c, char d)
{
    switch (c->state) {
    case CALL_PIN:
        if (d == '*') {
            c->n_digits = 0;
        } else if (d == '#') {
            check_pin(app, c);
        } else if (d >= '0' && d <= '9') {
            c->digits[c->n_digits++] = d;
            if (c->n_digits == PHONE_PIN_DIGITS)
                check_pin(app, c);
        }
        break;
    case CALL_OUT_CONFIRM:
        if (d == '1') {
            struct store_invitation inv;
            struct store_meeting sm;
            if (store_invitation_get(app->store, c->invitation_id, &inv) < 0 ||
                store_meeting_get(app->store, inv.meeting_id, &sm) < 0 || inv.revoked_at ||
                sm.ended_at) {
                goodbye(app, c, PROMPT_ENDED);
                return;
            }
            join_meeting(app, c, &inv, &sm, true);
        }
        break;
    case CALL_MEETING:
        if (c->star) {
            c->star = false;
            keypad_command(app, c, d);
        } else if (d == '*') {
            c->star = true;
        }
        break;
    default:
        break;
    }
}

/* ---- SIP ---- */

static struct phone_call *call_new(struct app *app)
{
    struct phone_bridge *b = bridge(app);
    for (size_t i = 0; i < b->n_calls; i++) {
        struct phone_call *c = &b->calls[i];
        if (c->used)
            continue;
        memset(c, 0, sizeof *c);
        if (port_take(b, app, &c->port) < 0)
            return NULL;
        c->used = true;
        c->session = ++app->next_media_session;
        c->deadline_us = INT64_MAX;
        return c;
    }
    return NULL;
}

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    const void *a = ss->ss_family == AF_INET6
                        ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
                        : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
    if (!inet_ntop(ss->ss_family, a, out, (socklen_t)cap))
        snprintf(out, cap, "?");
}

static void incoming(struct app *app, const struct sip_ua_action *a)
{
    struct phone_bridge *b = bridge(app);
    int64_t now = app_mono_us();
    struct sip_sdp_choice choice;
    if (!app->media) {
        sip_ua_reject(b->ua, a->call, now, 503);
        return;
    }
    if (sip_sdp_choose(&a->sdp, &choice) < 0) {
        sip_ua_reject(b->ua, a->call, now, 488);
        return;
    }
    struct phone_call *c = call_new(app);
    if (!c) {
        sip_ua_reject(b->ua, a->call, now, 486);
        return;
    }
    c->sip = a->call;
    c->codec = choice;
    c->remote = a->sdp;
    c->worker = media_pick_worker(app->media);
    snprintf(c->caller, sizeof c->caller, "%s", a->caller);
    addr_text(&a->addr, c->addr, sizeof c->addr);
    phone_number_mask(a->caller, c->masked, sizeof c->masked);
    b->st.calls_in++;
    char sdp[SIP_SDP_OUT_MAX];
    size_t len = 0;
    struct sip_sdp_local local = {
        .addr = media_addr(app),
        .port = c->port,
        .sess_id = c->session,
        .sess_version = 1,
    };
    if (sip_sdp_build_answer(&local, &choice, sip_sdp_mirror(a->sdp.dir), sdp, sizeof sdp, &len) <
            0 ||
        media_create(app, c, 0) < 0) {
        sip_ua_reject(b->ua, a->call, now, 500);
        call_free(app, c);
        return;
    }
    sip_ua_answer(b->ua, a->call, now, sdp, len);
    c->state = CALL_PIN;
    c->deadline_us = now + PHONE_IVR_TIMEOUT_US;
    play(app, c, PROMPT_WELCOME, false);
    LOG_I("phone: call in from %s (%s)", c->masked, audio_codec_name(choice.codec));
}

static void answered(struct app *app, struct phone_call *c, const struct sip_ua_action *a)
{
    struct sip_sdp_choice choice;
    if (sip_sdp_choose(&a->sdp, &choice) < 0) {
        send_host(app, c, "failed", "no_common_codec");
        hang_up(app, c);
        return;
    }
    c->codec = choice;
    c->remote = a->sdp;
    if (media_create(app, c, 0) < 0) {
        send_host(app, c, "failed", "server_error");
        hang_up(app, c);
        return;
    }
    c->state = CALL_OUT_CONFIRM;
    c->deadline_us = app_mono_us() + PHONE_CONFIRM_TIMEOUT_US;
    play(app, c, PROMPT_DIAL_OUT, true);
    send_host(app, c, "answered", NULL);
}

static void ended(struct app *app, struct phone_call *c, const struct sip_ua_action *a)
{
    struct phone_bridge *b = bridge(app);
    if (a->reason == SIP_END_BYE || a->reason == SIP_END_CANCEL)
        b->st.ended_by_caller++;
    else if (a->reason == SIP_END_FAILURE || a->reason == SIP_END_TIMEOUT)
        b->st.failed++;
    if (c->outgoing) {
        if (c->state == CALL_OUT_RINGING) {
            char why[16];
            snprintf(why, sizeof why, "%u", a->status);
            send_host(app, c, "failed", a->status ? why : sip_end_reason_name(a->reason));
        } else {
            send_host(app, c, "ended", sip_end_reason_name(a->reason));
        }
    }
    leave_meeting(app, c);
    call_free(app, c);
}

static void drain_ua(struct app *app)
{
    struct phone_bridge *b = bridge(app);
    struct sip_ua_action a;
    while (b && sip_ua_poll(b->ua, &a)) {
        if (a.kind == SIP_ACT_SEND) {
            sip_server_send(app, a.tp, a.conn, (const struct sockaddr *)&a.addr, a.addr_len,
                            a.bytes, a.len);
            continue;
        }
        if (a.kind == SIP_ACT_CALL_INCOMING) {
            incoming(app, &a);
            continue;
        }
        struct phone_call *c = by_sip(b, a.call);
        if (!c)
            continue;
        switch (a.kind) {
        case SIP_ACT_CALL_PROGRESS:
            send_host(app, c, "ringing", NULL);
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
            digit(app, c, a.digit);
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
    struct phone_bridge *b = bridge(app);
    if (!b)
        return;
    sip_ua_input(b->ua, now_us, buf, len, from, fromlen, tp, conn);
    drain_ua(app);
}

int64_t phone_next_deadline(const struct app *app)
{
    const struct phone_bridge *b = bridge(app);
    if (!b)
        return INT64_MAX;
    int64_t d = sip_ua_next_deadline(b->ua);
    for (size_t i = 0; i < b->n_calls; i++) {
        const struct phone_call *c = &b->calls[i];
        if (!c->used)
            continue;
        if (c->deadline_us < d)
            d = c->deadline_us;
        if (c->move_at && c->move_at < d)
            d = c->move_at;
    }
    return d;
}

void phone_timeout(struct app *app, int64_t now_us)
{
    struct phone_bridge *b = bridge(app);
    if (!b)
        return;
    if (sip_ua_next_deadline(b->ua) <= now_us)
        sip_ua_timeout(b->ua, now_us);
    drain_ua(app);
    for (size_t i = 0; i < b->n_calls; i++) {
        struct phone_call *c = &b->calls[i];
        if (c->used && c->move_at && c->move_at <= now_us) {
            c->move_at = 0;
            if (media_create(app, c, c->media_room) == 0)
                media_phone_mode(app->media, c->worker, c->session,
                                 c->muted ? MEDIA_PHONE_MUTED : MEDIA_PHONE_MEETING);
        }
        if (!c->used || c->deadline_us > now_us)
            continue;
        c->deadline_us = INT64_MAX;
        if (c->state == CALL_PIN) {
            goodbye(app, c, PROMPT_TOO_MANY);
        } else if (c->state == CALL_OUT_CONFIRM) {
            send_host(app, c, "failed", "not_confirmed");
            goodbye(app, c, PROMPT_ENDED);
        } else if (c->state == CALL_CLOSING) {
            hang_up(app, c);
        }
    }
}

bool phone_media_event(struct app *app, const struct media_event *ev)
{
    struct phone_bridge *b = bridge(app);
    struct phone_call *c = b ? by_session(b, ev->session) : NULL;
    if (!c)
        return false;
    switch (ev->kind) {
    case MEDIA_EVENT_DTMF:
        digit(app, c, ev->digit);
        break;
    case MEDIA_EVENT_PROMPT_DONE:
        if (c->state == CALL_CLOSING)
            hang_up(app, c);
        break;
    case MEDIA_EVENT_FAILED:
        /* A leg moving to another worker may find its port still held by
         * the old one for a moment: try again shortly. */
        c->media = false;
        if (c->move_tries++ < PHONE_MOVE_TRIES) {
            c->move_at = app_mono_us() + PHONE_MOVE_RETRY_US;
        } else {
            LOG_E("phone: media for a call failed: %s", ev->reason ? ev->reason : "?");
            hang_up(app, c);
        }
        break;
    case MEDIA_EVENT_PHONE_SILENT:
        LOG_I("phone: no audio from %s for a while, hanging up", c->masked);
        hang_up(app, c);
        break;
    default:
        break;
    }
    return true;
}

/* ---- the meeting's side ---- */

bool phone_meeting_send(struct app *app, struct live_meeting *lm, uint32_t pid, const json_t *msg)
{
    struct phone_bridge *b = bridge(app);
    struct phone_call *c = b ? by_pid(b, lm->id, pid) : NULL;
    if (!c)
        return false;
    const char *type = json_string_value(json_object_get(msg, "type"));
    if (!type)
        return true;
    if (strcmp(type, "lobby") == 0 && c->state == CALL_LOBBY) {
        play(app, c, PROMPT_LOBBY, false);
    } else if (strcmp(type, "admitted") == 0 && c->state != CALL_MEETING) {
        admitted(app, lm, c);
    } else if (strcmp(type, "mute_request") == 0 && c->state == CALL_MEETING && !c->muted) {
        const char *kind = json_string_value(json_object_get(msg, "kind"));
        if (kind && strcmp(kind, "mic") == 0) {
            c->muted = true;
            media_phone_mode(app->media, c->worker, c->session, MEDIA_PHONE_MUTED);
            json_t *st = json_pack("{s:s, s:b}", "type", "media_state", "mic", false);
            meeting_input(session_live_meeting(lm), app_now_ms(), c->pid, st);
            json_decref(st);
        }
    } else if (strcmp(type, "denied") == 0 || strcmp(type, "removed") == 0) {
        b->st.ended_by_host++;
        c->pid = 0; /* the meeting let go of the seat already */
        goodbye(app, c, PROMPT_DENIED);
    } else if (strcmp(type, "meeting_ended") == 0) {
        b->st.ended_by_host++;
        c->pid = 0;
        goodbye(app, c, PROMPT_ENDED);
    }
    return true;
}

bool phone_meeting_closed(struct app *app, struct live_meeting *lm, uint32_t pid)
{
    struct phone_bridge *b = bridge(app);
    struct phone_call *c = b ? by_pid(b, lm->id, pid) : NULL;
    if (!c)
        return false;
    c->pid = 0;
    if (c->state != CALL_CLOSING)
        goodbye(app, c, PROMPT_ENDED);
    return true;
}

/* ---- dial-out ---- */

static void dial_error(struct app *app, struct live_meeting *lm, uint32_t pid, const char *code,
                       const char *why)
{
    struct ws_conn **seat = session_seat_of(lm, pid);
    if (seat)
        session_send_error(app, *seat, code, why, "dial_out");
}

void phone_dial_out(struct app *app, struct live_meeting *lm, uint32_t host_pid,
                    const json_t *msg)
{
    struct phone_bridge *b = bridge(app);
    struct meeting *m = session_live_meeting(lm);
    if (!b || !sip_dial_out_enabled(&app->cfg.sip) || !app->media) {
        dial_error(app, lm, host_pid, "not_available", "Calling out is not set up on this server");
        return;
    }
    if (!meeting_is_host(m, host_pid) || !meeting_is_admitted(m, host_pid)) {
        dial_error(app, lm, host_pid, "forbidden", "Only a host can call someone");
        return;
    }
    json_t *jid = json_object_get(msg, "invitation_id");
    const char *number = json_string_value(json_object_get(msg, "number"));
    char e164[PHONE_NUMBER_MAX];
    if (!json_is_integer(jid) || !number || phone_number_normalize(number, e164, sizeof e164) < 0) {
        dial_error(app, lm, host_pid, "bad_message",
                   "dial_out needs an invitation_id and a phone number (+ and 8 to 15 digits)");
        return;
    }
    struct store_invitation inv;
    if (store_invitation_get(app->store, (int64_t)json_integer_value(jid), &inv) < 0 ||
        inv.meeting_id != lm->id || inv.revoked_at || inv.is_host) {
        dial_error(app, lm, host_pid, "not_found", "No such invitation in this meeting");
        return;
    }
    struct sfu_room *room = NULL;
    struct phone_call *c = NULL;
    if (session_live_sfu(app, lm, -1, &room) < 0 || !(c = call_new(app))) {
        dial_error(app, lm, host_pid, "busy", "Too many phone calls right now; try again later");
        return;
    }
    c->outgoing = true;
    c->worker = sfu_room_worker(room);
    c->meeting_id = lm->id;
    c->invitation_id = inv.id;
    c->host_pid = host_pid;
    snprintf(c->caller, sizeof c->caller, "%s", e164);
    phone_number_mask(e164, c->masked, sizeof c->masked);
    char sdp[SIP_SDP_OUT_MAX];
    size_t len = 0;
    struct sip_sdp_local local = {
        .addr = media_addr(app),
        .port = c->port,
        .sess_id = c->session,
        .sess_version = 1,
    };
    int rc = sip_sdp_build_offer(&local, sdp, sizeof sdp, &len);
    if (rc == 0)
        rc = sip_ua_call(b->ua, app_mono_us(), e164, "samtale", sdp, len, &c->sip);
    if (rc < 0) {
        call_free(app, c);
        dial_error(app, lm, host_pid, rc == ERR_FULL ? "busy" : "server_error",
                   "The call could not be started");
        return;
    }
    c->state = CALL_OUT_RINGING;
    b->st.calls_out++;
    LOG_I("meeting %lld: calling %s for invitation %lld", (long long)lm->id, c->masked,
          (long long)inv.id);
    send_host(app, c, "calling", NULL);
    drain_ua(app);
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
    struct sip_ua_cfg cfg = {
        .local_host = sc->public_addr[0] ? sc->public_addr : sc->listen_addr,
        .local_port = sc->listen_port,
        .user_agent = "samtale/" SAMTALE_VERSION,
        .allow = allow,
        .n_allow = sc->allow_count,
        .max_calls = sc->max_calls,
        .trunk_domain = sc->trunk_domain[0] ? sc->trunk_domain : NULL,
        .username = sc->trunk_user[0] ? sc->trunk_user : NULL,
        .password = sc->trunk_password[0] ? sc->trunk_password : NULL,
    };
    int rc = b->calls && b->port_used ? 0 : ERR_NOMEM;
    if (rc == 0 && sip_dial_out_enabled(sc))
        rc = sip_server_resolve(sc->trunk_proxy, &cfg.trunk_addr, &cfg.trunk_addr_len);
    if (rc == 0)
        rc = pinlimit_create(&b->pins);
    if (rc == 0)
        rc = sip_ua_create(&b->ua, &cfg);
    if (rc < 0) {
        pinlimit_destroy(b->pins);
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
    struct phone_bridge *b = bridge(app);
    if (!b)
        return;
    for (size_t i = 0; i < b->n_calls; i++)
        if (b->calls[i].used)
            hang_up(app, &b->calls[i]);
    drain_ua(app);
    sip_ua_destroy(b->ua);
    pinlimit_destroy(b->pins);
    free(b->calls);
    free(b->port_used);
    free(b);
    app->phone = NULL;
}

void phone_get_stats(const struct app *app, struct phone_stats *out)
{
    const struct phone_bridge *b = bridge(app);
    memset(out, 0, sizeof *out);
    if (!b)
        return;
    *out = b->st;
    for (size_t i = 0; i < b->n_calls; i++)
        out->active += b->calls[i].used;
    sip_ua_get_stats(b->ua, &out->sip);
}
