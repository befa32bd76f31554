/* Fuzz target for signaling/sip_ua (and through it libosip2's parser,
 * sip_sdp and sip_digest): records of [op][len:2][bytes] drive one user
 * agent with messages from an allowed trunk, from a stranger and over TCP,
 * interleaved with clock advances and the caller's answer, reject, ringing,
 * hangup and dial-out. After every step the actions are drained and
 * checked; the target aborts when an invariant breaks:
 *   - every SIP_ACT_SEND parses again with libosip2 and is within 16 KiB;
 *   - call events name a call that exists (INCOMING or sip_ua_call made
 *     it, ENDED not yet seen), ENDED comes once, and the UA's count of
 *     calls equals the calls alive here, never over the cap;
 *   - the next deadline never lies in the past after a timeout.
 * The seed corpus is tests/fuzz/corpus/sip/. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "fuzz_record.h"
#include "signaling/sip_msg.h"
#include "signaling/sip_ua.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CALLS 3

static uint64_t live[64];
static size_t n_live;
static char text[SIP_TCP_MAX_MSG + 1];

static const char answer_sdp[] = "v=0\r\no=samtale 1 1 IN IP4 192.0.2.10\r\ns=samtale\r\n"
                                 "c=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8 101\r\n"
                                 "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";

#define check(cond) check_at((cond), __LINE__)

static void check_at(int cond, int line)
{
    if (!cond) {
        fprintf(stderr, "fuzz_sip: invariant at line %d broken\n", line);
        abort();
    }
}

static int find_live(uint64_t id)
{
    for (size_t i = 0; i < n_live; i++) {
        if (live[i] == id)
            return (int)i;
    }
    return -1;
}

static void add_live(uint64_t id)
{
    check(id != 0 && find_live(id) < 0 && n_live < MAX_CALLS);
    live[n_live++] = id;
}

static void drain(struct sip_ua *ua)
{
    struct sip_ua_action a;
    while (sip_ua_poll(ua, &a)) {
        switch (a.kind) {
        case SIP_ACT_SEND: {
            check(a.len > 0 && a.len <= SIP_TCP_MAX_MSG && a.bytes != NULL);
            memcpy(text, a.bytes, a.len);
            text[a.len] = '\0';
            osip_message_t *m = NULL;
            check(osip_message_init(&m) == 0);
            int rc = osip_message_parse(m, text, a.len);
            if (rc != 0)
                fprintf(stderr, "fuzz_sip: we sent what does not parse:\n%s\n", text);
            check(rc == 0);
            osip_message_free(m);
            break;
        }
        case SIP_ACT_CALL_INCOMING:
            add_live(a.call);
            check(memchr(a.caller, '\0', sizeof a.caller) != NULL);
            check(memchr(a.callee, '\0', sizeof a.callee) != NULL);
            break;
        case SIP_ACT_CALL_ENDED: {
            int i = find_live(a.call);
            check(i >= 0);
            live[i] = live[--n_live];
            break;
        }
        default:
            check(find_live(a.call) >= 0);
            break;
        }
    }
    check(sip_ua_call_count(ua) == n_live && n_live <= MAX_CALLS);
}

static uint64_t pick(uint8_t b)
{
    return n_live > 0 ? live[b % n_live] : b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    static const char *const allow[] = {"198.51.100.0/24"};
    if (!init) {
        sip_global_init();
        init = true;
    }
    struct sip_ua_cfg cfg = {.local_host = "192.0.2.10",
                             .local_port = 5060,
                             .user_agent = "fuzz",
                             .allow = allow,
                             .n_allow = 1,
                             .max_calls = MAX_CALLS,
                             .trunk_domain = "trunk.example",
                             .password = "pw"};
    struct sockaddr_in trunk = {.sin_family = AF_INET, .sin_port = htons(5060)};
    trunk.sin_addr.s_addr = htonl(0xc6336401); /* 198.51.100.1 */
    memcpy(&cfg.trunk_addr, &trunk, sizeof trunk);
    cfg.trunk_addr_len = sizeof trunk;
    struct sip_ua *ua = NULL;
    if (sip_ua_create(&ua, &cfg) != 0)
        abort();
    n_live = 0;
    sip_msg_random_reset();
    int64_t now = 1000000;
    size_t pos = 0;
    while (pos < size) {
        uint8_t op = data[pos++];
        size_t len = fz_record_len(data, size, &pos);
        const uint8_t *p = data + pos;
        pos += len;
        uint8_t arg = len > 0 ? p[0] : 0;
        struct sockaddr_in from = trunk;
        switch (op % 9) {
        case 0:
        case 1:
        case 2:
            if (op % 9 == 1)
                from.sin_addr.s_addr = htonl(0xcb007109); /* 203.0.113.9 */
            sip_ua_input(ua, now, p, len, (struct sockaddr *)&from, sizeof from,
                         op % 9 == 2 ? SIP_TP_TCP : SIP_TP_UDP, op % 9 == 2 ? 7 : 0);
            break;
        case 3:
            now += (int64_t)arg * 250000 + 1;
            if (sip_ua_next_deadline(ua) <= now)
                sip_ua_timeout(ua, now);
            drain(ua);
            check(sip_ua_next_deadline(ua) > now);
            break;
        case 4:
            sip_ua_answer(ua, pick(arg), now, answer_sdp, sizeof answer_sdp - 1);
            break;
        case 5:
            sip_ua_reject(ua, pick(arg), now, 300u + arg);
            break;
        case 6:
            sip_ua_hangup(ua, pick(arg), now);
            break;
        case 7: {
            uint64_t id = 0;
            if (sip_ua_call(ua, now, "+4512345678", "x", answer_sdp, sizeof answer_sdp - 1, &id) ==
                0)
                add_live(id);
            break;
        }
        default:
            sip_ua_ringing(ua, pick(arg), now);
            break;
        }
        drain(ua);
    }
    sip_ua_destroy(ua);
    return 0;
}
