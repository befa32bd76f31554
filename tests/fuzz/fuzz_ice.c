/* Fuzz target for media/ice.c: a sequence of STUN messages, each from a
 * source chosen by its first byte, fed to an ICE-lite agent with fixed
 * credentials under a fake clock. Every response the agent queues must parse
 * and carry a correct FINGERPRINT; success responses must verify under the
 * current password and map the destination; the agent's invariants are
 * checked after every step against a model of its valid pairs (last valid
 * check, nomination, PRIORITY) kept from what was fed in:
 *   - a valid source is one the model has, checked within the consent time;
 *   - CONNECTED/DISCONNECTED have a selected pair that is valid, NEW and
 *     FAILED none; CONNECTED means the selected pair is live (checked
 *     within the disconnect time), DISCONNECTED that it is not;
 *   - while a nominated pair is live, the state is CONNECTED and the
 *     selected pair is a nominated one with the highest priority;
 *   - the last SELECTED event names the selected pair; the last state event
 *     names the state.
 * Any violation aborts.
 *
 * Input: records of
 *   ctrl  1 byte: bits 0-2 source (8 fixed IPv4/IPv6 addresses), bit 3 TCP,
 *                 bits 4-7 advance the clock by that many 2-second steps
 *                 (then ice_timeout) before the message;
 *                 0xFF instead: ICE restart, toggling between two
 *                 credential sets (no length, no message follows)
 *   len   2 bytes big-endian (clamped to what is left)
 *   msg   len bytes given to ice_input()
 *
 * Seeds (tests/fuzz/corpus/ice/) are written by tests/unit/test_ice.c with
 * SAMTALE_SEED_DIR set; the credentials below must match that file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/ice.h"
#include "media/stun.h"
#include "base/err.h"
#include "tests/fuzz/fuzz_record.h"
#include "tests/fuzz/fuzz_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ufrag[2] = {"LoCa", "LoCb"};
static const char *const pwd[2] = {"aaaaBBBBccccDDDDeeeeFFFF", "zzzzYYYYxxxxWWWWvvvvUUUU"};
static const char *const remote[2] = {"ReMo", "ReMp"};

#define N_SOURCES 8
#define STEP_US 2000000LL
#define MAX_RECORDS 64

/* What the agent should know of (source, proto), index source * 2 + tcp. */
struct model_pair {
    bool valid;
    bool nominated;
    uint32_t priority;
    int64_t last_us;
};

static struct model_pair model[N_SOURCES * 2];

/* Aborts, naming the invariant that does not hold. */
#define check(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_ice.c:%d: %s\n", __LINE__, #cond);                               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static struct stun_addr source(unsigned i)
{
    return fz_source(i);
}

/* What the drained events said last. */
struct seen {
    bool selected;
    struct stun_addr sel_addr;
    enum ice_proto sel_proto;
    int state; /* -1: no state event */
};

/* Drains the agent's output and checks each item. */
static void drain(struct ice_agent *a, unsigned cred, size_t *n_sent, struct seen *seen)
{
    struct ice_output o;

    memset(seen, 0, sizeof(*seen));
    seen->state = -1;
    while (ice_poll(a, &o)) {
        if (o.kind == ICE_OUT_EVENT) {
            check(o.event <= ICE_EVENT_RESTARTED);
            if (o.event == ICE_EVENT_SELECTED) {
                seen->selected = true;
                seen->sel_addr = o.addr;
                seen->sel_proto = o.proto;
            } else if (o.event == ICE_EVENT_CONNECTED) {
                seen->state = ICE_STATE_CONNECTED;
            } else if (o.event == ICE_EVENT_DISCONNECTED) {
                seen->state = ICE_STATE_DISCONNECTED;
            } else if (o.event == ICE_EVENT_FAILED) {
                seen->state = ICE_STATE_FAILED;
            }
            continue;
        }
        check(o.kind == ICE_OUT_TRANSMIT);
        check(o.proto == ICE_PROTO_UDP || o.proto == ICE_PROTO_TCP);
        check(o.data != NULL && o.len >= STUN_HEADER_LEN && o.len <= STUN_MAX_MESSAGE);

        struct stun_msg m;
        check(stun_parse(&m, o.data, o.len) == 0);
        check(stun_check_fingerprint(&m) == 0);
        check(m.method == STUN_METHOD_BINDING);
        check(m.cls == STUN_CLASS_SUCCESS || m.cls == STUN_CLASS_ERROR);
        int mi = stun_check_integrity(&m, (const uint8_t *)pwd[cred], strlen(pwd[cred]));
        if (m.cls == STUN_CLASS_SUCCESS) {
            check(mi == 0);
            check(m.has & STUN_HAS_XOR_MAPPED_ADDRESS);
            check(stun_addr_equal(&m.xor_mapped, &o.addr));
        } else {
            check(m.has & STUN_HAS_ERROR_CODE);
            check(m.error_code == 400 || m.error_code == 401 || m.error_code == 420 ||
                  m.error_code == 487);
            if (m.error_code == 400 || m.error_code == 401)
                check(mi == ERR_NOTFOUND);
            else
                check(mi == 0);
        }
        (*n_sent)++;
    }
}

static struct model_pair *model_of(const struct stun_addr *from, enum ice_proto proto)
{
    for (unsigned i = 0; i < N_SOURCES; i++) {
        struct stun_addr s = source(i);

        if (stun_addr_equal(&s, from))
            return &model[i * 2 + (proto == ICE_PROTO_TCP ? 1 : 0)];
    }
    abort();
}

/* The agent forgets pairs (consent expiry, eviction, restart, failure):
 * the model follows, after checking that it never knows fewer. */
static void model_sync(const struct ice_agent *a, int64_t now)
{
    for (unsigned i = 0; i < N_SOURCES * 2; i++) {
        struct stun_addr s = source(i / 2);
        enum ice_proto proto = (i & 1) ? ICE_PROTO_TCP : ICE_PROTO_UDP;

        if (ice_is_valid_source(a, &s, proto)) {
            check(model[i].valid);
            check(now - model[i].last_us < ICE_CONSENT_TIMEOUT_US);
        } else {
            memset(&model[i], 0, sizeof(model[i]));
        }
    }
}

/* `settled`: the agent has evaluated its selection at `now` (after
 * ice_timeout or ice_input; not right after ice_restart). */
static void invariants(const struct ice_agent *a, int64_t now, const struct seen *seen,
                       bool settled)
{
    struct stun_addr sel;
    enum ice_proto proto;
    enum ice_state st = ice_state(a);
    bool has = ice_selected(a, &sel, &proto);

    model_sync(a, now);
    if (st == ICE_STATE_CONNECTED || st == ICE_STATE_DISCONNECTED) {
        check(has);
        check(ice_is_valid_source(a, &sel, proto));
    } else {
        check(!has);
    }
    if (st == ICE_STATE_FAILED)
        check(ice_next_deadline(a) == INT64_MAX);
    if (seen->selected) {
        check(has);
        check(stun_addr_equal(&seen->sel_addr, &sel) && seen->sel_proto == proto);
    }
    if (seen->state >= 0)
        check(seen->state == (int)st);
    if (!has || !settled)
        return;

    const struct model_pair *m = model_of(&sel, proto);
    bool live = now - m->last_us < ICE_DISCONNECT_TIMEOUT_US;

    check(live == (st == ICE_STATE_CONNECTED));
    /* A live nominated pair is selected in preference to anything else. */
    for (unsigned i = 0; i < N_SOURCES * 2; i++) {
        const struct model_pair *p = &model[i];

        if (!p->valid || !p->nominated || now - p->last_us >= ICE_DISCONNECT_TIMEOUT_US)
            continue;
        check(st == ICE_STATE_CONNECTED);
        check(m->nominated);
        check(p->priority <= m->priority);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ice_agent *a = NULL;
    struct ice_cfg cfg;
    unsigned cred = 0;
    int64_t now = 1000;
    size_t off = 0, n_sent = 0, n_records = 0;
    struct ice_stats st;

    memset(&cfg, 0, sizeof(cfg));
    cfg.local_ufrag = ufrag[0];
    cfg.local_pwd = pwd[0];
    cfg.remote_ufrag = remote[0];
    cfg.now_us = now;
    check(ice_create(&a, &cfg) == 0);

    memset(model, 0, sizeof(model));
    while (off < size && n_records++ < MAX_RECORDS) {
        uint8_t ctrl = data[off++];
        struct seen seen;

        if (ctrl == 0xFF) {
            struct stun_addr sel;
            enum ice_proto sel_proto;
            bool has = ice_selected(a, &sel, &sel_proto);

            cred ^= 1;
            check(ice_restart(a, now, ufrag[cred], pwd[cred], remote[cred]) == 0);
            check(strcmp(ice_local_ufrag(a), ufrag[cred]) == 0);
            /* Only the selected pair is kept, consent fresh, not nominated. */
            if (has) {
                struct model_pair keep = *model_of(&sel, sel_proto);

                memset(model, 0, sizeof(model));
                keep.last_us = now;
                keep.nominated = false;
                *model_of(&sel, sel_proto) = keep;
            }
            drain(a, cred, &n_sent, &seen);
            invariants(a, now, &seen, false);
            continue;
        }
        size_t len = fz_record_len(data, size, &off);

        now += (int64_t)(ctrl >> 4) * STEP_US;
        ice_timeout(a, now);
        check(ice_next_deadline(a) > now);
        drain(a, cred, &n_sent, &seen);
        invariants(a, now, &seen, true);

        struct stun_addr from = source(ctrl & 7u);
        enum ice_proto proto = (ctrl & 8u) ? ICE_PROTO_TCP : ICE_PROTO_UDP;
        enum ice_state before = ice_state(a);
        int rc = ice_input(a, now, data + off, len, &from, proto);
        check(rc == 0 || rc == ERR_PARSE || rc == ERR_DENIED || rc == ERR_PROTO);
        if (rc == 0) {
            struct stun_msg m;
            struct model_pair *p = model_of(&from, proto);

            check(before != ICE_STATE_FAILED);
            check(ice_is_valid_source(a, &from, proto));
            check(ice_state(a) != ICE_STATE_NEW && ice_state(a) != ICE_STATE_FAILED);
            check(stun_parse(&m, data + off, len) == 0);
            if (!p->valid)
                memset(p, 0, sizeof(*p));
            p->valid = true;
            p->last_us = now;
            if (m.has & STUN_HAS_PRIORITY)
                p->priority = m.priority;
            if (m.has & STUN_HAS_USE_CANDIDATE)
                p->nominated = true;
        }
        off += len;
        drain(a, cred, &n_sent, &seen);
        invariants(a, now, &seen, true);
    }

    ice_stats(a, &st);
    check(st.checks_ok + st.bad_credentials + st.role_conflicts <= n_records);
    check(n_sent <= n_records);
    ice_destroy(a);
    return 0;
}
