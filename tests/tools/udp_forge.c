/* udp_forge: sends UDP datagrams with a chosen IPv4 source address and
 * port, for end-to-end tests that must reach the server as if from a
 * participant's own address (which only passes the server's ICE source
 * check if it is that address). Uses a raw socket (CAP_NET_RAW: root in the
 * test's own network namespace).
 *
 *   udp_forge SRC_IP SRC_PORT DST_IP DST_PORT < datagrams
 *
 * Standard input holds one datagram per line, as hex (at most
 * FORGE_DATAGRAMS_MAX lines of at most FORGE_PAYLOAD_MAX bytes; empty lines
 * are skipped). Prints "sent N" and exits 0 once all were sent, 1 on a
 * usage, input or socket error, 2 on bad arguments. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FORGE_DATAGRAMS_MAX 4096
#define FORGE_PAYLOAD_MAX 1400
#define IP_HEADER_LEN 20
#define UDP_HEADER_LEN 8
#define LINE_MAX_CHARS (2 * FORGE_PAYLOAD_MAX + 2)

static bool parse_port(const char *s, uint16_t *out)
{
    char *end = NULL;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Hex text (up to a newline) into out[cap]; returns the byte count or -1. */
static long parse_hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;

    while (*s != '\0' && *s != '\n' && *s != '\r') {
        int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

        if (hi < 0 || lo < 0 || n == cap)
            return -1;
        out[n++] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
    return (long)n;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* RFC 768 checksum over the IPv4 pseudo-header and the UDP datagram. */
static uint16_t udp_checksum(const uint8_t *src, const uint8_t *dst, const uint8_t *udp, size_t len)
{
    uint32_t sum = 0;

    for (int i = 0; i < 4; i += 2)
        sum += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(dst[i] << 8 | dst[i + 1]);
    sum += IPPROTO_UDP + (uint32_t)len;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(udp[i] << 8 | udp[i + 1]);
    if (len % 2)
        sum += (uint32_t)udp[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    sum = ~sum & 0xffff;
    return sum == 0 ? 0xffff : (uint16_t)sum;
}

int main(int argc, char **argv)
{
    struct in_addr src, dst;
    uint16_t sport, dport;
    struct sockaddr_in to;
    uint8_t pkt[IP_HEADER_LEN + UDP_HEADER_LEN + FORGE_PAYLOAD_MAX];
    char line[LINE_MAX_CHARS + 1];
    unsigned sent = 0, lines = 0;
    int fd, rc = 1;

    if (argc != 5 || inet_pton(AF_INET, argv[1], &src) != 1 || !parse_port(argv[2], &sport) ||
        inet_pton(AF_INET, argv[3], &dst) != 1 || !parse_port(argv[4], &dport)) {
        fprintf(stderr, "usage: udp_forge SRC_IP SRC_PORT DST_IP DST_PORT < hex-lines\n");
        return 2;
    }
    fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW); /* implies IP_HDRINCL */
    if (fd < 0) {
        perror("udp_forge: raw socket");
        return 1;
    }
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_addr = dst;
    to.sin_port = htons(dport);
    while (fgets(line, sizeof line, stdin) != NULL) {
        uint8_t *ip = pkt, *udp = pkt + IP_HEADER_LEN;
        long n;
        size_t udp_len, total;

        if (++lines > FORGE_DATAGRAMS_MAX || strchr(line, '\n') == NULL) {
            fprintf(stderr, "udp_forge: line %u too long, or too many lines\n", lines);
            goto out;
        }
        n = parse_hex(line, udp + UDP_HEADER_LEN, FORGE_PAYLOAD_MAX);
        if (n < 0) {
            fprintf(stderr, "udp_forge: line %u is not hex of at most %d bytes\n", lines,
                    FORGE_PAYLOAD_MAX);
            goto out;
        }
        if (n == 0)
            continue;
        udp_len = UDP_HEADER_LEN + (size_t)n;
        total = IP_HEADER_LEN + udp_len;
        memset(ip, 0, IP_HEADER_LEN);
        ip[0] = 0x45; /* IPv4, 5 words of header */
        put16(ip + 2, (uint16_t)total);
        ip[8] = 64; /* TTL */
        ip[9] = IPPROTO_UDP;
        memcpy(ip + 12, &src, 4); /* the kernel fills in the id and checksum */
        memcpy(ip + 16, &dst, 4);
        put16(udp, sport);
        put16(udp + 2, dport);
        put16(udp + 4, (uint16_t)udp_len);
        put16(udp + 6, 0);
        put16(udp + 6, udp_checksum(ip + 12, ip + 16, udp, udp_len));
        if (sendto(fd, pkt, total, 0, (const struct sockaddr *)&to, sizeof to) != (ssize_t)total) {
            perror("udp_forge: sendto");
            goto out;
        }
        sent++;
    }
    printf("sent %u\n", sent);
    rc = 0;
out:
    close(fd);
    return rc;
}
