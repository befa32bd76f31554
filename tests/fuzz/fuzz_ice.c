/* Fuzz target for media/ice.c: a sequence of STUN messages, each from a
 * source chosen by its first byte, fed to an ICE-lite agent with fixed
 * credentials under a fake clock. Every response the agent queues must parse
 * and carry a correct FINGERPRINT; success responses must verify under the
 * current password and map the destination; the agent's invariants are
 * checked after every step. Any violation aborts.
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
#include <stdlib.h>
#include <string.h>

#include "media/ice.h"
#include "media/stun.h"
#include "server/err.h"
#include "tests/fuzz/fuzz_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ufrag[2] = {"LoCa", "LoCb"};
static const char *const pwd[2] = {"aaaaBBBBccccDDDDeeeeFFFF", "zzzzYYYYxxxxWWWWvvvvUUUU"};
static const char *const remote[2] = {"ReMo", "ReMp"};

#define N_SOURCES 8
#define STEP_US 2000000LL
#define MAX_RECORDS 64

static void check(int cond)
{
    if (!cond)
        abort();
}

static struct stun_addr source(unsigned i)
{
    struct stun_addr a;

    memset(&a, 0, sizeof(a));
    a.port = (uint16_t)(50000 + i);
    if (i % 2 == 0) {
        a.family = STUN_FAMILY_IPV4;
        a.ip[0] = 192;
        a.ip[1] = 0;
        a.ip[2] = 2;
        a.ip[3] = (uint8_t)(i + 1);
    } else {
        a.family = STUN_FAMILY_IPV6;
        a.ip[0] = 0x20;
        a.ip[1] = 0x01;
        a.ip[2] = 0x0d;
        a.ip[3] = 0xb8;
        a.ip[15] = (uint8_t)(i + 1);
    }
    return a;
}

/* Drains the agent's output and checks each item. */
static void drain(struct ice_agent *a, unsigned cred, size_t *n_sent)
{
    struct ice_output o;

    while (ice_poll(a, &o)) {
        if (o.kind == ICE_OUT_EVENT) {
            check(o.event <= ICE_EVENT_RESTARTED);
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

static void invariants(const struct ice_agent *a)
{
    struct stun_addr sel;
    enum ice_proto proto;
    enum ice_state st = ice_state(a);
    bool has = ice_selected(a, &sel, &proto);

    if (st == ICE_STATE_CONNECTED || st == ICE_STATE_DISCONNECTED) {
        check(has);
        check(ice_is_valid_source(a, &sel, proto));
    } else {
        check(!has);
    }
    if (st == ICE_STATE_FAILED)
        check(ice_next_deadline(a) == INT64_MAX);
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

    while (off < size && n_records++ < MAX_RECORDS) {
        uint8_t ctrl = data[off++];

        if (ctrl == 0xFF) {
            cred ^= 1;
            check(ice_restart(a, now, ufrag[cred], pwd[cred], remote[cred]) == 0);
            check(strcmp(ice_local_ufrag(a), ufrag[cred]) == 0);
            drain(a, cred, &n_sent);
            invariants(a);
            continue;
        }
        size_t len = fz_record_len(data, size, &off);

        now += (int64_t)(ctrl >> 4) * STEP_US;
        ice_timeout(a, now);
        check(ice_next_deadline(a) > now);
        drain(a, cred, &n_sent);
        invariants(a);

        struct stun_addr from = source(ctrl & 7u);
        enum ice_proto proto = (ctrl & 8u) ? ICE_PROTO_TCP : ICE_PROTO_UDP;
        enum ice_state before = ice_state(a);
        int rc = ice_input(a, now, data + off, len, &from, proto);
        check(rc == 0 || rc == ERR_PARSE || rc == ERR_DENIED || rc == ERR_PROTO);
        if (rc == 0) {
            check(before != ICE_STATE_FAILED);
            check(ice_is_valid_source(a, &from, proto));
            check(ice_state(a) != ICE_STATE_NEW && ice_state(a) != ICE_STATE_FAILED);
        }
        off += len;
        drain(a, cred, &n_sent);
        invariants(a);
    }

    ice_stats(a, &st);
    check(st.checks_ok + st.bad_credentials + st.role_conflicts <= n_records);
    check(n_sent <= n_records);
    ice_destroy(a);
    return 0;
}
