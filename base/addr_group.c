#include "base/addr_group.h"
#include "base/err.h"

#include <netinet/in.h>
#include <string.h>

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int addr_group(const struct sockaddr *sa, socklen_t len, uint8_t key[ADDR_GROUP_LEN])
{
    memset(key, 0, ADDR_GROUP_LEN);
    if (!sa)
        return ERR_INVAL;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        struct sockaddr_in in4;
        memcpy(&in4, sa, sizeof in4);
        memcpy(key, v4_mapped, sizeof v4_mapped);
        memcpy(key + 12, &in4.sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        const uint8_t *a = in6.sin6_addr.s6_addr;
        memcpy(key, a, addr_group_is_v4(a) ? ADDR_GROUP_LEN : 8);
        return 0;
    }
    return ERR_INVAL;
}

bool addr_group_is_v4(const uint8_t key[ADDR_GROUP_LEN])
{
    return memcmp(key, v4_mapped, sizeof v4_mapped) == 0;
}
