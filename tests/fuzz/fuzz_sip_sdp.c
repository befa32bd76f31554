/* Fuzz target for signaling/sip_sdp: parse any input; every string ends
 * inside its array and lists are bounded; if a codec can be chosen, the
 * answer and our offer must build and parse back agreeing with the choice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "signaling/sip_sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sip_sdp s, back;
    struct sip_sdp_choice ch, ch2;
    char buf[SIP_SDP_OUT_MAX];
    size_t len;
    if (sip_sdp_parse((const char *)data, size, &s) != 0)
        return 0;
    check(memchr(s.addr, '\0', sizeof s.addr) != NULL);
    check(s.n_codecs <= SIP_SDP_MAX_CODECS);
    check(s.dtmf_pt >= -1 && s.dtmf_pt <= 127);
    check((unsigned)s.dir <= SIP_SDP_INACTIVE);
    if (sip_sdp_choose(&s, &ch) != 0)
        return 0;
    struct sip_sdp_local l = {"192.0.2.1", 40000, s.sess_id, s.sess_version};
    check(sip_sdp_build_answer(&l, &ch, sip_sdp_mirror(s.dir), buf, sizeof buf, &len) == 0);
    check(sip_sdp_parse(buf, len, &back) == 0);
    check(sip_sdp_choose(&back, &ch2) == 0);
    check(ch2.codec == ch.codec && ch2.pt == ch.pt && ch2.dtmf_pt == ch.dtmf_pt);
    check(back.dir == sip_sdp_mirror(s.dir) && back.port == 40000);
    check(sip_sdp_build_offer(&l, buf, sizeof buf, &len) == 0);
    check(sip_sdp_parse(buf, len, &back) == 0 && back.n_codecs == 4);
    return 0;
}
