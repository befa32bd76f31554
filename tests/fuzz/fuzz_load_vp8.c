/* Fuzz target for tests/load/vp8_recv.c, the load generator's checker of
 * a received VP8 stream: reordering, reassembly, decoding with libvpx and
 * the reference check, on whatever packets arrive.
 *
 * Input: one byte (the reorder window), then records of an op byte, a
 * 2-byte length and an RTP packet. Op bit 0 turns decoding off or on; bits
 * 1..7 advance the clock by that many 10 ms. The seeds are packets of the
 * clip of fuzz_vp8_clip.h, as vp8_send.c writes them. Checks that every packet is
 * counted once and the frame counts add up. */
#include <stdint.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz_record.h"
#include "tests/fuzz/fuzz_vp8_clip.h"
#include "tests/load/vp8_clip.h"
#include "tests/load/vp8_recv.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lg_vp8_recv_cfg cfg = {.clip = fz_vp8_clip(2), .decode = true};
    struct lg_vp8_recv *r;
    struct lg_vp8_recv_stats st;
    uint64_t now = 1000000, records = 0;
    bool decode = true;
    size_t pos = 1;

    if (size < 1)
        return 0;
    cfg.reorder = 1u + data[0] % (LG_VP8_RX_SLOTS / 2);
    CHECK(lg_vp8_recv_create(&r, &cfg) == 0);
    while (pos < size) {
        uint8_t op = data[pos++];
        size_t len = fz_record_len(data, size, &pos);

        if (op & 1) {
            decode = !decode;
            CHECK(lg_vp8_recv_set_decode(r, decode) == 0);
        }
        now += (uint64_t)(op >> 1) * 10000;
        (void)lg_vp8_recv_input(r, now, data + pos, len);
        pos += len;
        records++;
    }
    lg_vp8_recv_flush(r, now);
    lg_vp8_recv_stats(r, now, &st);
    CHECK(st.packets + st.duplicates + st.late + st.invalid == records);
    CHECK(st.shown + st.skipped <= st.complete);
    CHECK(st.decoded <= st.shown && st.corrupt + st.unverified <= st.decoded);
    CHECK(st.keyframes <= st.complete);
    lg_vp8_recv_destroy(r);
    return 0;
}
