/* The phone bridge's calls (see phone.h): prompts, PINs, keypad commands,
 * joining the meeting, and the meeting's and the media's events. */
#define LOG_MODULE "phone"
#include "signaling/phone_int.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "signaling/pin.h"
#include "signaling/token.h"
#include "signaling/sfu.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

struct phone_bridge *phone_of(const struct sig *sig)
{
    return sig->phone;
}

struct phone_call *phone_by_sip(struct phone_bridge *b, uint64_t sip)
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

int phone_port_take(struct phone_bridge *b, const struct sig *sig, uint16_t *out)
{
    for (unsigned k = 0; k < b->n_ports; k++) {
        unsigned i = (b->next_port + k) % b->n_ports;
        if (!b->port_used[i]) {
            b->port_used[i] = 1;
            b->next_port = (i + 1) % b->n_ports; /* a just-freed port rests a while */
            *out = (uint16_t)(sig->cfg->sip.rtp_port_min + 2 * i);
            return 0;
        }
    }
    return ERR_FULL;
}

static void port_give(struct phone_bridge *b, const struct sig *sig, uint16_t port)
{
    unsigned i = (unsigned)(port - sig->cfg->sip.rtp_port_min) / 2;
    if (port >= sig->cfg->sip.rtp_port_min && i < b->n_ports)
        b->port_used[i] = 0;
}

/* The address our SDP names: the SIP public address, else the media's. */
const char *phone_media_addr(const struct sig *sig)
{
    if (sig->cfg->sip.public_addr[0])
        return sig->cfg->sip.public_addr;
    if (sig->cfg->media_public_addr_count > 0)
        return sig->cfg->media_public_addrs[0];
    return sig->cfg->media_bind;
}

void phone_send_host(struct sig *sig, struct phone_call *c, const char *state, const char *reason)
{
    if (!c->outgoing)
        return;
    /* The owner's meeting pages, and the host in the room who asked. */
    for (struct ws_conn *w = sig->conns; w; w = w->next) {
        bool watcher = w->watching && w->watch_user == c->owner_id &&
                       (!w->watch_meeting || w->watch_meeting == c->meeting_id);
        bool host = c->host_pid && w->lm && w->pid == c->host_pid &&
                    meeting_id(session_live_meeting(w->lm)) == c->meeting_id;
        if (!watcher && !host)
            continue;
        session_send_json(sig, w,
                          json_pack("{s:s, s:I, s:s, s:s}", "type", "dial_out_state",
                                    "invitation_id", (json_int_t)c->invitation_id, "state", state,
                                    "reason", reason ? reason : ""));
    }
}

/* ---- the media call ---- */

void phone_media_params(const struct sig *sig, const struct phone_call *c, int64_t room,
                        struct media_phone_params *p)
{
    memset(p, 0, sizeof *p);
    p->session = c->session;
    p->worker = c->worker;
    p->room = room;
    snprintf(p->bind_addr, sizeof p->bind_addr, "%s", sig->cfg->media_bind);
    p->rtp_port = c->port;
    p->codec = c->codec.codec;
    p->pt = c->codec.pt;
    p->dtmf_pt = c->codec.dtmf_pt;
    snprintf(p->remote_addr, sizeof p->remote_addr, "%s", c->remote.addr);
    p->remote_port = c->remote.port;
    p->remote_rtcp_port = c->remote.rtcp_port;
    p->producer = room ? c->producer : 0;
    p->voice_ssrc = room ? c->voice_ssrc : 0;
}

/* The call's media on its worker, in room 0 until it is admitted. */
int phone_media_create(struct sig *sig, struct phone_call *c)
{
    struct media_phone_params p;
    phone_media_params(sig, c, 0, &p);
    int rc = media_phone_create(sig->media, &p);
    c->media = rc == 0;
    c->media_room = 0;
    return rc;
}

static void media_end(struct sig *sig, struct phone_call *c)
{
    if (c->media)
        media_phone_close(sig->media, c->worker, c->session);
    c->media = false;
}

void phone_play(struct sig *sig, struct phone_call *c, enum prompt_id prompt, bool loop)
{
    if (c->media)
        media_phone_play(sig->media, c->worker, c->session, (unsigned)prompt, loop);
}

/* ---- ending ---- */

void phone_call_free(struct sig *sig, struct phone_call *c)
{
    struct phone_bridge *b = phone_of(sig);
    media_end(sig, c);
    port_give(b, sig, c->port);
    memset(c, 0, sizeof *c);
}

/* The caller leaves the meeting it is in (hung up, or the call failed). */
void phone_leave_meeting(struct sig *sig, struct phone_call *c)
{
    if (!c->pid)
        return;
    struct live_meeting *lm = session_live_find(sig, c->meeting_id);
    uint32_t pid = c->pid;
    c->pid = 0; /* phone_meeting_closed must not hang up again */
    if (!lm)
        return;
    json_t *leave = json_pack("{s:s}", "type", "leave");
    meeting_input(session_live_meeting(lm), now_wall_ms(), pid, leave);
    json_decref(leave);
    session_drain(sig, lm);
}

void phone_hang_up(struct sig *sig, struct phone_call *c)
{
    phone_leave_meeting(sig, c);
    if (sip_ua_hangup(phone_of(sig)->ua, c->sip, now_mono_us()) < 0)
        phone_call_free(sig, c); /* the UA no longer knows it */
    phone_drain_ua(sig);
}

/* A last prompt, then BYE (when it has played, or at the deadline). */
void phone_goodbye(struct sig *sig, struct phone_call *c, enum prompt_id prompt)
{
    phone_leave_meeting(sig, c);
    c->state = CALL_CLOSING;
    c->deadline_us = now_mono_us() + PHONE_GOODBYE_US;
    if (c->media)
        phone_play(sig, c, prompt, false);
    else
        phone_hang_up(sig, c);
}

/* ---- joining a meeting ---- */

/* What the others see: the invitation's label (e.g. the interpreter's
 * name), else the masked number, else a word. */
static const char *display_name(const struct store_invitation *inv, const struct phone_call *c)
{
    if (inv->label[0])
        return inv->label;
    return c->masked[0] ? c->masked : "Telefon";
}

static void phone_join_meeting(struct sig *sig, struct phone_call *c,
                               const struct store_invitation *inv, const struct store_meeting *sm,
                               bool admit)
{
    struct live_meeting *lm;
    if (session_live_get(sig, sm, &lm) < 0) {
        phone_goodbye(sig, c, PROMPT_ENDED);
        return;
    }
    /* A seat needs a secret; a phone never resumes with it (hanging up is
     * leaving), so it stays here. */
    char secret[TOKEN_STR_LEN + 1];
    if (token_generate(secret) < 0) {
        phone_goodbye(sig, c, PROMPT_ENDED);
        return;
    }
    struct meeting_join req = {
        .role = inv->role,
        .is_host = false,
        .auto_admit = admit || inv->auto_admit,
        .invitation_id = inv->id,
        .display_name = display_name(inv, c),
        .resume_secret = secret,
        .phone = true,
        .phone_masked = c->masked,
    };
    uint32_t pid = 0;
    int rc = meeting_join(session_live_meeting(lm), now_wall_ms(), &req, &pid);
    if (rc < 0) {
        LOG_I("phone call to meeting %lld refused: %s", (long long)sm->id, err_str(rc));
        session_drain(sig, lm);
        phone_goodbye(sig, c, rc == ERR_EXPIRED ? PROMPT_ENDED : PROMPT_DENIED);
        return;
    }
    c->meeting_id = sm->id;
    c->invitation_id = inv->id;
    c->pid = pid;
    c->state = CALL_LOBBY;
    c->deadline_us = INT64_MAX;
    phone_of(sig)->st.joined++;
    session_drain(sig, lm); /* "lobby" or "admitted" reach phone_meeting_send */
}

/* Admitted: the call's media moves into the room (its worker, its mixer,
 * its voice producer). */
static void admitted(struct sig *sig, struct live_meeting *lm, struct phone_call *c)
{
    struct sfu_room *room = NULL;
    if (session_live_sfu(sig, lm, (int)c->worker, &room) < 0 ||
        sfu_phone_join(room, c->pid, c->session, &c->producer, &c->voice_ssrc) < 0) {
        LOG_W("meeting %lld: no place for a phone participant", (long long)lm->id);
        phone_goodbye(sig, c, PROMPT_ENDED);
        return;
    }
    c->state = CALL_MEETING;
    struct media_phone_params p;
    unsigned from = c->worker;
    c->worker = sfu_room_worker(room);
    phone_media_params(sig, c, lm->id, &p);
    if (!c->media || media_phone_move(sig->media, from, &p) < 0) {
        phone_goodbye(sig, c, PROMPT_ENDED);
        return;
    }
    c->media_room = lm->id;
}

/* The call is set up in the meeting's room: the others hear it now. */
static void in_room(struct sig *sig, struct phone_call *c)
{
    struct live_meeting *lm = session_live_find(sig, c->meeting_id);
    struct sfu_room *room = NULL;
    if (!lm || session_live_sfu(sig, lm, -1, &room) < 0 || sfu_phone_ready(room, c->pid) < 0)
        return;
    media_phone_mode(sig->media, c->worker, c->session,
                     c->muted ? MEDIA_PHONE_MUTED : MEDIA_PHONE_MEETING);
    phone_play(sig, c, PROMPT_JOINED, false);
    phone_send_host(sig, c, "joined", NULL);
}

/* ---- digits ---- */

static void check_pin(struct sig *sig, struct phone_call *c)
{
    struct phone_bridge *b = phone_of(sig);
    int64_t now_us = now_mono_us();
    c->digits[c->n_digits] = '\0';
    if (!pinlimit_allowed(&sig->pin_limits, c->caller, c->addr, now_us, NULL)) {
        b->st.pin_blocked++;
        LOG_W("phone: PIN attempts over the limit (caller %s)", c->masked);
        phone_goodbye(sig, c, PROMPT_TOO_MANY);
        return;
    }
    struct store_invitation inv;
    struct store_meeting sm;
    int rc = c->n_digits == PHONE_PIN_DIGITS
                 ? pin_lookup(sig->store, &sig->link_key, c->digits, &inv, &sm)
                 : ERR_NOTFOUND;
    memset(c->digits, 0, sizeof c->digits);
    c->n_digits = 0;
    if (rc < 0) {
        b->st.pin_failures++;
        pinlimit_failure(&sig->pin_limits, c->caller, c->addr, now_us);
        if (++c->failures >= PHONE_PIN_TRIES) {
            LOG_I("phone: %u wrong PINs, call ended (caller %s)", c->failures, c->masked);
            phone_goodbye(sig, c, PROMPT_TOO_MANY);
        } else {
            phone_play(sig, c, PROMPT_WRONG_PIN, false);
        }
        return;
    }
    pinlimit_success(&sig->pin_limits, c->caller, c->addr);
    phone_join_meeting(sig, c, &inv, &sm, false);
}

/* *6 and *9 in the meeting: what the browser's buttons do. */
static void keypad_command(struct sig *sig, struct phone_call *c, char key)
{
    struct live_meeting *lm = session_live_find(sig, c->meeting_id);
    if (!lm || !c->pid)
        return;
    json_t *msg = NULL;
    if (key == '6') {
        c->muted = !c->muted;
        media_phone_mode(sig->media, c->worker, c->session,
                         c->muted ? MEDIA_PHONE_MUTED : MEDIA_PHONE_MEETING);
        msg = json_pack("{s:s, s:b}", "type", "media_state", "mic", !c->muted);
        phone_play(sig, c, c->muted ? PROMPT_MUTED : PROMPT_UNMUTED, false);
    } else if (key == '9') {
        c->hand = !c->hand;
        msg = json_pack("{s:s, s:b}", "type", "hand", "raised", c->hand);
        phone_play(sig, c, c->hand ? PROMPT_HAND_RAISED : PROMPT_HAND_LOWERED, false);
    }
    if (!msg)
        return;
    meeting_input(session_live_meeting(lm), now_wall_ms(), c->pid, msg);
    json_decref(msg);
    session_drain(sig, lm);
}

void phone_digit(struct sig *sig, struct phone_call *c, char d)
{
    switch (c->state) {
    case CALL_PIN:
        if (d == '*') {
            c->n_digits = 0;
        } else if (d == '#') {
            check_pin(sig, c);
        } else if (d >= '0' && d <= '9') {
            c->digits[c->n_digits++] = d;
            if (c->n_digits == PHONE_PIN_DIGITS)
                check_pin(sig, c);
        }
        break;
    case CALL_OUT_CONFIRM:
        if (d == '1') {
            struct store_invitation inv;
            struct store_meeting sm;
            if (store_invitation_get(sig->store, c->invitation_id, &inv) < 0 ||
                store_meeting_get(sig->store, inv.meeting_id, &sm) < 0 || inv.revoked_at ||
                sm.ended_at) {
                phone_goodbye(sig, c, PROMPT_ENDED);
                return;
            }
            phone_join_meeting(sig, c, &inv, &sm, true);
        }
        break;
    case CALL_MEETING:
        if (c->star) {
            c->star = false;
            keypad_command(sig, c, d);
        } else if (d == '*') {
            c->star = true;
        }
        break;
    default:
        break;
    }
}

/* ---- the meeting's side ---- */

bool phone_meeting_send(struct sig *sig, struct live_meeting *lm, uint32_t pid, const json_t *msg)
{
    struct phone_bridge *b = phone_of(sig);
    struct phone_call *c = b ? by_pid(b, lm->id, pid) : NULL;
    if (!c)
        return false;
    const char *type = json_string_value(json_object_get(msg, "type"));
    if (!type)
        return true;
    if (strcmp(type, "lobby") == 0 && c->state == CALL_LOBBY) {
        phone_play(sig, c, PROMPT_LOBBY, false);
    } else if (strcmp(type, "admitted") == 0 && c->state != CALL_MEETING) {
        admitted(sig, lm, c);
    } else if (strcmp(type, "mute_request") == 0 && c->state == CALL_MEETING && !c->muted) {
        const char *kind = json_string_value(json_object_get(msg, "kind"));
        if (kind && strcmp(kind, "mic") == 0) {
            c->muted = true;
            media_phone_mode(sig->media, c->worker, c->session, MEDIA_PHONE_MUTED);
            json_t *st = json_pack("{s:s, s:b}", "type", "media_state", "mic", false);
            meeting_input(session_live_meeting(lm), now_wall_ms(), c->pid, st);
            json_decref(st);
        }
    } else if (strcmp(type, "denied") == 0 || strcmp(type, "removed") == 0) {
        b->st.ended_by_host++;
        c->pid = 0; /* the meeting let go of the seat already */
        phone_goodbye(sig, c, type[0] == 'd' ? PROMPT_DENIED : PROMPT_REMOVED);
    } else if (strcmp(type, "meeting_ended") == 0) {
        b->st.ended_by_host++;
        c->pid = 0;
        phone_goodbye(sig, c, PROMPT_ENDED);
    }
    return true;
}

bool phone_meeting_closed(struct sig *sig, struct live_meeting *lm, uint32_t pid)
{
    struct phone_bridge *b = phone_of(sig);
    struct phone_call *c = b ? by_pid(b, lm->id, pid) : NULL;
    if (!c)
        return false;
    c->pid = 0;
    if (c->state != CALL_CLOSING)
        phone_goodbye(sig, c, PROMPT_ENDED);
    return true;
}

bool phone_media_event(struct sig *sig, const struct media_event *ev)
{
    struct phone_bridge *b = phone_of(sig);
    struct phone_call *c = b ? by_session(b, ev->session) : NULL;
    if (!c)
        return false;
    switch (ev->kind) {
    case MEDIA_EVENT_DTMF:
        phone_digit(sig, c, ev->digit);
        break;
    case MEDIA_EVENT_PROMPT_DONE:
        if (c->state == CALL_CLOSING)
            phone_hang_up(sig, c);
        break;
    case MEDIA_EVENT_CONNECTED:
        if (c->state == CALL_MEETING && c->media_room == ev->room && ev->room)
            in_room(sig, c);
        break;
    case MEDIA_EVENT_FAILED:
        c->media = false;
        LOG_E("phone: the media of a call failed: %s", ev->reason ? ev->reason : "?");
        phone_hang_up(sig, c);
        break;
    case MEDIA_EVENT_PHONE_SILENT:
        LOG_I("phone: no audio from %s for a while, hanging up", c->masked);
        phone_hang_up(sig, c);
        break;
    default:
        break;
    }
    return true;
}
