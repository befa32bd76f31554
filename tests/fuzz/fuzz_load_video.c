/* Fuzz target for tests/load/load_video.c's handling of the server's RTCP
 * on a publish connection (lg_video_pub_rtcp): PLI and FIR for the
 * camera's SSRCs ask for keyframes, anything else is ignored.
 *
 * Input: a 4-byte SSRC for the camera's one layer, then an RTCP compound
 * packet. Checks that the count returned is the count of requests the
 * camera took, and that a requested keyframe is what the next frame is. */
#include <stdint.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_vp8_clip.h"
#include "tests/load/load_video.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lg_video_pub v = {.n_layers = 1};
    static uint8_t pkts[LG_VP8_FRAME_PKTS][LG_VP8_PKT_MAX];
    static size_t lens[LG_VP8_FRAME_PKTS];
    struct lg_vp8_burst b = {
        .buf = pkts[0], .stride = LG_VP8_PKT_MAX, .max = LG_VP8_FRAME_PKTS, .len = lens};

    if (size < 4)
        return 0;
    v.ssrc[0] =
        (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
    CHECK(lg_video_pub_start(&v, fz_vp8_clip(1), 1, 1, 0, 0) == 0);
    CHECK(lg_vp8_send_frame(v.send[0], 0, &b) == 0); /* position 0 */
    unsigned n = lg_video_pub_rtcp(&v, data + 4, size - 4);
    CHECK(n == v.keyframe_requests);
    CHECK(lg_vp8_send_frame(v.send[0], 33333, &b) == 0);
    CHECK(b.key == (n > 0));
    lg_video_pub_free(&v);
    return 0;
}
