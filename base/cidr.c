/* Address allowlists in CIDR notation (cidr.h). */
#include "base/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "base/err.h"

static void v4_mapped(const void *in4, uint8_t out[16])
{
    memset(out, 0, 10);
    out[10] = 0xff;
    out[11] = 0xff;
    memcpy(out + 12, in4, 4);
}

static int parse_bits(const char *s, unsigned max, unsigned *out)
{
    unsigned v = 0;
    if (*s == '\0' || strlen(s) > 3)
        return ERR_PARSE;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return ERR_PARSE;
        v = v * 10 + (unsigned)(*s - '0');
    }
    if (v > max)
        return ERR_PARSE;
    *out = v;
    return 0;
}

int cidr_parse(const char *text, struct cidr *out)
{
    char buf[CIDR_MAX_TEXT + 1];
    size_t n = text != NULL ? strnlen(text, sizeof buf) : sizeof buf;
    if (n == 0 || n > CIDR_MAX_TEXT)
        return ERR_PARSE;
    memcpy(buf, text, n);
    buf[n] = '\0';
    char *slash = strchr(buf, '/');
    if (slash != NULL)
        *slash = '\0';
    struct in_addr a4;
    struct in6_addr a6;
    unsigned bits;
    if (inet_pton(AF_INET, buf, &a4) == 1) {
        v4_mapped(&a4, out->addr);
        bits = 32;
        if (slash != NULL && parse_bits(slash + 1, 32, &bits) != 0)
            return ERR_PARSE;
        bits += 96;
    } else if (inet_pton(AF_INET6, buf, &a6) == 1) {
        memcpy(out->addr, a6.s6_addr, 16);
        bits = 128;
        if (slash != NULL && parse_bits(slash + 1, 128, &bits) != 0)
            return ERR_PARSE;
    } else {
        return ERR_PARSE;
    }
    out->bits = bits;
    for (unsigned i = 0; i < 16; i++) {
        unsigned lo = i * 8;
        if (lo >= bits)
            out->addr[i] = 0;
        else if (bits - lo < 8)
            out->addr[i] &= (uint8_t)(0xff << (8 - (bits - lo)));
    }
    return 0;
}

bool cidr_match(const struct cidr *c, const struct sockaddr *sa, socklen_t len)
{
    uint8_t a[16];
    if (sa == NULL)
        return false;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
        v4_mapped(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, a);
    else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
        memcpy(a, ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr, 16);
    else
        return false;
    unsigned full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(a, c->addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[full] & mask) == c->addr[full];
}
