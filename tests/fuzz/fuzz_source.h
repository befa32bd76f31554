/* The fixed peer addresses the ICE and transport fuzz targets draw their
 * sources from: even numbers IPv4 (192.0.2.x), odd ones IPv6
 * (2001:db8::x), port 50000 + i. Header-only. */
#ifndef SAMTALE_TESTS_FUZZ_SOURCE_H
#define SAMTALE_TESTS_FUZZ_SOURCE_H

#include <string.h>

#include "media/stun.h"

static inline struct stun_addr fz_source(unsigned i)
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

#endif
