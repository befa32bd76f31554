/* Which client addresses count as one for limits: an IPv4 address (also
 * when written as IPv4-mapped IPv6) or an IPv6 /64, since one host or home
 * network usually holds a whole /64. Used by every per-address cap and rate
 * limit, so they all agree. */
#ifndef SAMTALE_ADDR_GROUP_H
#define SAMTALE_ADDR_GROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define ADDR_GROUP_LEN 16

/* Writes the group of sa: ::ffff:a.b.c.d for IPv4, the /64 with the low 64
 * bits zero for IPv6. Returns 0, or ERR_INVAL for another family or a
 * short length. */
int addr_group(const struct sockaddr *sa, socklen_t len, uint8_t key[ADDR_GROUP_LEN]);
/* Whether a group written by addr_group() is an IPv4 one. */
bool addr_group_is_v4(const uint8_t key[ADDR_GROUP_LEN]);

#endif
