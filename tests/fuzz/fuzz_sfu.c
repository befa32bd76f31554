/* Fuzz target for signaling/sfu*.c: the publish / subscribe messages of a
 * meeting's browsers (SDP inside JSON, docs/PROTOCOL.md "Audio and video in
 * a meeting (SFU)"), handled as signaling/session.c does: a real meeting
 * (signaling/meeting*.c: admitted participants, the host's screen-share
 * permission, leaving) and the real media service (media_start: one worker
 * thread on 127.0.0.1 with ephemeral ports, its engine and router; started
 * once per process, each input gets its own room).
 *
 * Input: records  op (1 byte) | len (2 bytes, big-endian, clamped) | bytes
 *   op bits 0-3  what: 0 publish (bytes: SDP, then optionally a NUL and the
 *                "tracks" JSON), 1 subscribe, 2 subscribe_restart,
 *                3 subscribe_answer (bytes: SDP), 4 subscribe_answer made
 *                here from the last subscribe_offer to that participant
 *                (as a browser would answer; bytes[0] bit i: refuse m-line
 *                i), 5 subscribe_prefs (bytes: the message's JSON), 6 any
 *                message (bytes: JSON, its "type" as sent), 7 the host
 *                allows (bytes[0] & 1) or forbids screen sharing, 8 the
 *                participant leaves, 9 a new guest joins, 10 a transport
 *                event (bytes[0]: publish or subscribe, connected or failed),
 *                11 an active-speaker event (bytes: producer id)
 *   op bits 4-5  which participant (of up to 4 seats; seat 0 is the host)
 *
 * After every record the room must hold (else abort):
 *   - peers only for admitted participants; a screen producer only for one
 *     who may share a screen; producer ids unique in the room
 *   - per subscriber: at most SFU_SUB_MAX m-lines, mids unique, a producer
 *     on at most one line, a consumer only on a line with a producer and
 *     an answer; no change left unsent (dirty without an offer in flight);
 *     settled (no offer in flight), every line's producer is another
 *     participant's current track
 * and every message sent must be well formed: a known type; SDP that
 * parses; a publish_answer with one m-line per offered one; a
 * subscribe_offer with the subscriber's m-lines in order (mids), sendonly
 * exactly where a track is offered, "tracks" naming those mids and never
 * the subscriber itself; errors with code, message and ref. */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "signaling/meeting.h"
#include "signaling/sdp.h"
#include "signaling/sfu.h"
#include "signaling/sfu_int.h"
#include "tests/fuzz/fuzz_record.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 64
#define SEATS 4
#define OFFER_MAX SFU_SDP_MAX
#define BARRIER_MAX_US 2000000 /* the worker is late: go on (a leak check may run) */

static void check(int cond)
{
    if (!cond)
        abort();
}

static struct media *workers; /* the media workers the room runs on */
static uint64_t next_session; /* the SFU numbers media sessions from it */
static int64_t next_meeting = 1;

static struct {
    struct meeting *m;
    struct sfu_room *room;
    uint32_t seat[SEATS]; /* pid, 0: empty */
    unsigned joined;
    int64_t now;
    int publish_lines; /* m-lines of the publish offer being handled; -1 unknown */
    uint32_t publisher;
    char offer[SEATS][OFFER_MAX]; /* the last subscribe_offer to each seat */
    struct sdp_session sdp;       /* scratch */
    char answer[OFFER_MAX];
    json_t *empty; /* {} */
    bool ending;   /* the meeting is ending: seats go before the SFU hears */
} g;

/* ---- the messages the SFU sends ---- */

static int seat_of(uint32_t pid)
{
    for (int i = 0; i < SEATS; i++)
        if (pid != 0 && g.seat[i] == pid)
            return i;
    return -1;
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void check_offer(uint32_t pid, const json_t *msg)
{
    const char *sdp = str(msg, "sdp");
    const json_t *tracks = json_object_get(msg, "tracks");
    const struct sfu_peer *p = sfu_peer_find(g.room, pid);
    size_t sending = 0, i;
    json_t *t;
    int s = seat_of(pid);

    check(sdp != NULL && json_is_array(tracks) && p != NULL && s >= 0);
    check(sdp_parse(&g.sdp, sdp, strlen(sdp), NULL) == 0);
    check(g.sdp.n_media == p->n_sub);
    for (size_t k = 0; k < g.sdp.n_media; k++) {
        const struct sdp_media *m = &g.sdp.media[k];

        check(strcmp(m->mid, p->sub[k].mid) == 0);
        check((m->dir == SDP_DIR_SENDONLY) == (p->sub[k].producer != 0 && m->port != 0));
        sending += m->dir == SDP_DIR_SENDONLY;
    }
    check(json_array_size(tracks) == sending);
    json_array_foreach(tracks, i, t)
    {
        const char *mid = str(t, "mid");
        const struct sdp_media *m = mid ? sdp_find_mid(&g.sdp, mid) : NULL;

        check(m != NULL && m->dir == SDP_DIR_SENDONLY);
        check(json_integer_value(json_object_get(t, "participant_id")) != (json_int_t)pid);
    }
    snprintf(g.offer[s], sizeof g.offer[s], "%s", sdp);
}

static void on_send(void *arg, uint32_t pid, json_t *msg)
{
    const char *type = str(msg, "type");

    (void)arg;
    check(msg != NULL && type != NULL);
    check(g.ending || meeting_is_admitted(g.m, pid));
    if (strcmp(type, "subscribe_offer") == 0) {
        check_offer(pid, msg);
    } else if (strcmp(type, "publish_answer") == 0) {
        const char *sdp = str(msg, "sdp");

        check(sdp != NULL && pid == g.publisher);
        check(sdp_parse(&g.sdp, sdp, strlen(sdp), NULL) == 0);
        check(g.publish_lines < 0 || g.sdp.n_media == (size_t)g.publish_lines);
    } else if (strcmp(type, "error") == 0) {
        check(str(msg, "code") && str(msg, "message") && str(msg, "ref"));
    } else {
        check(strcmp(type, "transport_state") == 0 || strcmp(type, "active_speaker") == 0 ||
              strcmp(type, "screen_share_stopped") == 0);
    }
    json_decref(msg);
}

/* ---- the room's invariants ---- */

static bool current_track(uint32_t sub_pid, uint32_t producer)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        const struct sfu_peer *o = &g.room->peers[i];

        for (size_t k = 0; o->used && o->pid != sub_pid && k < SFU_PUB_MAX; k++)
            if (o->pub[k].producer == producer)
                return true;
    }
    return false;
}

static void check_room(void)
{
    uint32_t seen[MEETING_PARTICIPANTS_LIMIT * SFU_PUB_MAX];
    size_t n_seen = 0;

    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        const struct sfu_peer *p = &g.room->peers[i];

        if (!p->used)
            continue;
        check(meeting_is_admitted(g.m, p->pid));
        check(!(p->dirty && !p->offer_in_flight)); /* every change went out */
        for (size_t k = 0; k < SFU_PUB_MAX; k++) {
            const struct sfu_pub_track *t = &p->pub[k];

            if (!t->producer)
                continue;
            check(t->source != ROUTER_SOURCE_SCREEN || meeting_may_share_screen(g.m, p->pid));
            for (size_t j = 0; j < n_seen; j++)
                check(seen[j] != t->producer);
            seen[n_seen++] = t->producer;
        }
        check(p->n_sub <= SFU_SUB_MAX);
        for (size_t k = 0; k < p->n_sub; k++) {
            const struct sfu_sub_line *l = &p->sub[k];

            check(!l->consumer || (l->producer && !l->pending));
            if (!p->offer_in_flight && l->producer)
                check(current_track(p->pid, l->producer));
            for (size_t j = k + 1; j < p->n_sub; j++) {
                check(strcmp(l->mid, p->sub[j].mid) != 0);
                check(!l->producer || l->producer != p->sub[j].producer);
            }
        }
    }
}

/* ---- the meeting, as signaling/session.c drives it ---- */

static void drain_meeting(void)
{
    struct meeting_action a;

    while (meeting_poll(g.m, &a)) {
        if (a.kind == MEETING_ACT_CLOSE) {
            int s = seat_of(a.pid);

            sfu_participant_left(g.room, a.pid);
            if (s >= 0)
                g.seat[s] = 0;
        }
        json_decref(a.msg);
    }
}

static void join(int seat, bool host)
{
    char name[16], secret[32];
    struct meeting_join req = {
        .role = host ? ROLE_CASEWORKER : ROLE_CITIZEN,
        .is_host = host,
        .auto_admit = true,
        .invitation_id = host ? 1 : 2,
        .display_name = name,
        .resume_secret = secret,
    };
    uint32_t pid = 0;

    snprintf(name, sizeof name, "P%u", g.joined);
    snprintf(secret, sizeof secret, "secret-%u", g.joined++);
    if (meeting_join(g.m, g.now, &req, &pid) == 0)
        g.seat[seat] = pid;
    drain_meeting();
}

static void meeting_msg(uint32_t pid, const char *text)
{
    json_t *msg = json_loads(text, 0, NULL);

    check(msg != NULL);
    (void)meeting_input(g.m, g.now, pid, msg);
    json_decref(msg);
    drain_meeting();
}

/* ---- the browser's side ---- */

static void handle(uint32_t pid, const char *type, const json_t *msg)
{
    /* As session.c: media messages from admitted participants only. */
    if (!meeting_is_admitted(g.m, pid))
        return;
    (void)sfu_handle(g.room, pid, type, msg, meeting_may_share_screen(g.m, pid));
}

static void publish(uint32_t pid, const uint8_t *b, size_t n)
{
    const uint8_t *nul = memchr(b, 0, n);
    size_t sdp_len = nul ? (size_t)(nul - b) : n;
    json_t *msg = json_object(), *tracks = NULL;

    check(msg != NULL);
    json_object_set_new(msg, "sdp", json_stringn((const char *)b, sdp_len));
    if (nul)
        tracks = json_loadb((const char *)nul + 1, n - sdp_len - 1, 0, NULL);
    if (tracks)
        json_object_set_new(msg, "tracks", tracks);
    g.publisher = pid;
    g.publish_lines = -1;
    if (sdp_parse(&g.sdp, (const char *)b, sdp_len, NULL) == 0)
        g.publish_lines = (int)g.sdp.n_media;
    handle(pid, "publish", msg);
    g.publisher = 0;
    json_decref(msg);
}

static void answer_sdp(uint32_t pid, const char *sdp, size_t len)
{
    json_t *msg = json_object();

    check(msg != NULL);
    json_object_set_new(msg, "sdp", json_stringn(sdp, len));
    handle(pid, "subscribe_answer", msg);
    json_decref(msg);
}

/* What a browser answers to the last subscribe offer: our own answer
 * builder on the receiving side, some m-lines refused. */
static void auto_answer(int seat, uint32_t pid, uint8_t refuse)
{
    struct sdp_answer_info info;
    struct sdp_local local = {
        .ice_ufrag = "brws",
        .ice_pwd = "browserpasswordbrowserpw",
        .fingerprint_alg = "sha-256",
        .fingerprint = media_fingerprint(workers),
        .session_id = 1,
        .session_version = 1,
        .dir = SDP_DIR_RECVONLY,
    };
    size_t len;

    if (g.offer[seat][0] == '\0' ||
        sdp_parse(&g.sdp, g.offer[seat], strlen(g.offer[seat]), NULL) < 0)
        return;
    for (size_t k = 0; k < g.sdp.n_media && k < 8; k++)
        if (refuse >> k & 1)
            g.sdp.media[k].n_codecs = 0; /* nothing it can take: refused */
    if (sdp_build_answer(&g.sdp, &local, g.answer, sizeof g.answer, &len, &info) < 0)
        return;
    answer_sdp(pid, g.answer, len);
}

static void json_msg(uint32_t pid, const uint8_t *b, size_t n, const char *force_type)
{
    json_t *msg = json_loadb((const char *)b, n, JSON_REJECT_DUPLICATES, NULL);
    const char *type = force_type ? force_type : str(msg, "type");

    if (json_is_object(msg) && type)
        handle(pid, type, msg);
    json_decref(msg);
}

static void transport_event(uint32_t pid, uint8_t b)
{
    const struct sfu_peer *p = sfu_peer_find(g.room, pid);
    struct media_event ev = {
        .kind = b & 2 ? MEDIA_EVENT_FAILED : MEDIA_EVENT_CONNECTED,
        .proto = b & 4 ? ICE_PROTO_TCP : ICE_PROTO_UDP,
        .reason = "consent lost",
    };

    if (!p)
        return;
    ev.session = b & 1 ? p->sub_session : p->pub_session;
    if (ev.session)
        (void)sfu_media_event(g.room, &ev);
}

static void speaker_event(const uint8_t *b, size_t n)
{
    struct media_event ev = {.kind = MEDIA_EVENT_SPEAKER, .room = meeting_id(g.m)};

    ev.producer = n > 0 ? b[0] : 0;
    check(sfu_media_event(g.room, &ev));
}

static void record(uint8_t op, const uint8_t *b, size_t n)
{
    int seat = op >> 4 & 3;
    uint32_t pid = g.seat[seat];

    switch (op & 15) {
    case 0:
        publish(pid, b, n);
        break;
    case 1:
        handle(pid, "subscribe", g.empty);
        break;
    case 2:
        handle(pid, "subscribe_restart", g.empty);
        break;
    case 3:
        answer_sdp(pid, (const char *)b, n);
        break;
    case 4:
        if (meeting_is_admitted(g.m, pid))
            auto_answer(seat, pid, n > 0 ? b[0] : 0);
        break;
    case 5:
        json_msg(pid, b, n, "subscribe_prefs");
        break;
    case 6:
        json_msg(pid, b, n, NULL);
        break;
    case 7:
        if (g.seat[0]) {
            meeting_msg(g.seat[0], n > 0 && (b[0] & 1) ? "{\"type\":\"allow_screen_share\","
                                                         "\"allowed\":true}"
                                                       : "{\"type\":\"allow_screen_share\","
                                                         "\"allowed\":false}");
            sfu_enforce_screen_permission(g.room, g.m);
        }
        break;
    case 8:
        if (pid)
            meeting_msg(pid, "{\"type\":\"leave\"}");
        break;
    case 9:
        if (!pid)
            join(seat, seat == 0);
        break;
    case 10:
        transport_event(pid, n > 0 ? b[0] : 0);
        break;
    case 11:
        speaker_event(b, n);
        break;
    default:
        break;
    }
}

/* Waits (bounded) until the worker has carried out every command posted so
 * far: an echo session it must refuse (no ICE credentials) is queued behind
 * them, and its "failed" event is the sign. Other events (earlier rooms'
 * transports) are dropped. Then what the worker freed for this input (the
 * room, its router and transports, the commands) is freed within the input
 * and libFuzzer's leak check has nothing pending to look at; only the last
 * refused command may be freed a moment later, during the next input. */
static void worker_barrier(void)
{
    static uint64_t barrier = 1ULL << 62;
    struct media_echo_params ep = {.session = ++barrier};
    struct media_event ev;

    int64_t give_up = now_mono_us() + BARRIER_MAX_US;

    if (media_echo_create(workers, &ep) < 0)
        return;
    while (now_mono_us() < give_up) {
        while (media_poll_event(workers, &ev))
            if (ev.session == ep.session)
                return;
        sched_yield();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const addrs[1] = {"127.0.0.1"};
    struct media_cfg mc = {
        .workers = 1,
        .bind = "127.0.0.1",
        .public_addrs = addrs,
        .n_public = 1,
    };

    (void)argc;
    (void)argv;
    log_set_level(LOG_LEVEL_ERROR);
    g.empty = json_object();
    if (!g.empty || media_start(&workers, &mc) < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct meeting_cfg cfg = {.id = next_meeting++, .title = "fuzz", .max_participants = 8};
    size_t pos = 0;
    unsigned records = 0;

    memset(g.seat, 0, sizeof g.seat);
    for (int i = 0; i < SEATS; i++)
        g.offer[i][0] = '\0';
    g.joined = 0;
    g.now = 1000000;
    check(meeting_create(&g.m, &cfg) == 0);
    check(sfu_room_create(&g.room, workers, &next_session, cfg.id, -1, on_send, NULL) == 0);
    join(0, true);
    join(1, false);
    join(2, false);
    check(g.seat[0] && g.seat[1] && g.seat[2]);

    while (pos < size && records++ < MAX_RECORDS) {
        uint8_t op = data[pos++];
        size_t len = fz_record_len(data, size, &pos);

        g.now += 10;
        record(op, data + pos, len);
        pos += len;
        check_room();
    }
    g.ending = true;
    meeting_end(g.m, g.now, "fuzz");
    drain_meeting();
    g.ending = false;
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++)
        check(!g.room->peers[i].used); /* everyone's media went with the meeting */
    sfu_room_destroy(g.room);
    meeting_destroy(g.m);
    g.room = NULL;
    g.m = NULL;
    worker_barrier();
    return 0;
}
