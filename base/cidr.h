/* Address allowlists: IPv4 and IPv6 networks written as CIDR strings
 * ("192.0.2.0/24", "2001:db8::/32", a bare address means one host).
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches IPv4 networks. */
#ifndef SAMTALE_CIDR_H
#define SAMTALE_CIDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define CIDR_MAX_TEXT 64 /* longest accepted CIDR string */

struct cidr {
    uint8_t addr[16]; /* network address, IPv4 as ::ffff:a.b.c.d */
    unsigned bits;    /* prefix length counted in the 128-bit form */
};

/* Parses "addr/len" or "addr"; host bits set in addr are cleared.
 * Returns 0 or ERR_PARSE. */
int cidr_parse(const char *text, struct cidr *out);
/* Whether sa (AF_INET or AF_INET6) lies inside c. */
bool cidr_match(const struct cidr *c, const struct sockaddr *sa, socklen_t len);

#endif
