/* Fuzz target for tests/load/janus_api.c and janus_flow.c: whatever Janus
 * (or anything on its port) answers the load generator is parsed within
 * bounds (the HTTP answer around it too: its body lies inside the input), every message it reports
 * is whole, and clearing them leaks nothing; a participant's flow fed the same bytes as answers
 * (split at NUL bytes) never has two requests or two long polls out at once, and once failed stays
 * failed with a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/load/janus_api.h"
#include "tests/load/janus_flow.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Drives one flow with the input's NUL-separated parts as the answers. */
static void drive_flow(const uint8_t *data, size_t size)
{
    const struct janus_flow_cfg cfg = {
        .room = 42, .creates_room = true, .room_size = 6, .display = "fuzz", .participant = 1};
    static const uint64_t feeds[] = {7, 8};
    struct janus_flow f;
    struct janus_act a;
    bool post_out = false, poll_out = false, failed = false;
    size_t pos = 0;

    janus_flow_init(&f, &cfg);
    for (int steps = 0; steps < 64; steps++) {
        janus_flow_poll(&f, &a);
        if (failed)
            CHECK(a.what == JANUS_FAILED);
        switch (a.what) {
        case JANUS_FAILED:
            CHECK(a.reason && a.reason[0]);
            failed = true;
            break;
        case JANUS_DO_POST:
            CHECK(!post_out && a.path && a.body);
            post_out = true;
            break;
        case JANUS_DO_LONG_POLL:
            CHECK(!poll_out && a.path);
            poll_out = true;
            break;
        case JANUS_DO_OFFER:
            (void)janus_flow_offer(&f, "v=0\r\n");
            break;
        case JANUS_GOT_ANSWER:
            CHECK(a.sdp != NULL);
            (void)janus_flow_subscribe(&f, feeds, 2);
            break;
        case JANUS_DO_ANSWER:
            CHECK(a.sdp != NULL);
            (void)janus_flow_answer(&f, "v=0\r\n");
            break;
        default:
            break;
        }
        if (failed || pos >= size)
            continue;
        const uint8_t *end = memchr(data + pos, 0, size - pos);
        size_t len = end ? (size_t)(end - (data + pos)) : size - pos;
        if (!post_out && !poll_out)
            continue; /* the part waits for a request to answer */
        /* The first byte of a part says who gets it (even the request, odd
         * the long poll) when both are out. */
        bool to_post = len > 0 ? (data[pos] & 1) == 0 : true;
        if (!post_out || !poll_out)
            to_post = post_out;
        const char *body = len > 0 ? (const char *)data + pos + 1 : "";
        size_t body_len = len > 0 ? len - 1 : 0;
        if (to_post) {
            post_out = false;
            (void)janus_flow_posted(&f, 200, body, body_len);
        } else {
            poll_out = false;
            (void)janus_flow_events(&f, 200, body, body_len);
        }
        pos += len + 1;
    }
    janus_flow_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    drive_flow(data, size);

    /* the same bytes as an HTTP answer, open and closed */
    for (int eof = 0; eof < 2; eof++) {
        unsigned status = 0;
        size_t off = 0, len = 0;
        int rc = janus_http_response((const char *)data, size, eof == 1, &status, &off, &len);
        CHECK(rc <= 1);
        if (rc == 1)
            CHECK(status <= 999 && off <= size && len <= size - off && len <= JANUS_MSG_MAX);
    }

    struct janus_msg m[4];
    size_t dropped = 0;
    int n = janus_parse((const char *)data, size, m, 4, &dropped);

    if (n < 0)
        return 0;
    CHECK(n <= 4);
    for (int i = 0; i < n; i++) {
        CHECK(strlen(m[i].transaction) <= JANUS_TXN_MAX);
        CHECK(m[i].n_feeds <= JANUS_FEEDS_MAX);
        CHECK((m[i].jsep_sdp != NULL) == (m[i].jsep_type[0] != '\0'));
        CHECK(!m[i].jsep_sdp || strlen(m[i].jsep_sdp) <= JANUS_SDP_MAX);
        CHECK(m[i].vr != JANUS_VR_JOINED || m[i].feed == 0 || m[i].feed <= (uint64_t)INT64_MAX);
        janus_msg_clear(&m[i]);
        CHECK(m[i].jsep_sdp == NULL);
    }
    return 0;
}
