/* SIP over TCP message framing (sip_stream.h). */
#include "signaling/sip_stream.h"

#include <string.h>
#include <strings.h>

#include "base/err.h"

void sip_stream_init(struct sip_stream *s)
{
    s->len = 0;
    s->taken = 0;
    s->failed = false;
    s->pings = 0;
}

static void drop_taken(struct sip_stream *s)
{
    if (s->taken == 0)
        return;
    memmove(s->buf, s->buf + s->taken, s->len - s->taken);
    s->len -= s->taken;
    s->taken = 0;
}

int sip_stream_feed(struct sip_stream *s, const uint8_t *data, size_t len, size_t *used)
{
    *used = 0;
    if (s->failed)
        return ERR_PROTO;
    drop_taken(s);
    size_t room = sizeof s->buf - s->len;
    size_t n = len < room ? len : room;
    if (n > 0)
        memcpy(s->buf + s->len, data, n);
    s->len += n;
    *used = n;
    return 0;
}

/* The end of the header block (index after CRLF CRLF), or 0. */
static size_t header_end(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 3 < len; i++) {
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
            return i + 4;
    }
    return 0;
}

static bool name_is(const uint8_t *p, size_t n, const char *name)
{
    return n == strlen(name) && strncasecmp((const char *)p, name, n) == 0;
}

/* Content-Length (or its compact form "l") from the header block; -1 when
 * absent, -2 when malformed or repeated with another value. */
static long content_length(const uint8_t *p, size_t hlen)
{
    long found = -1;
    size_t i = 0;
    /* skip the start line */
    while (i < hlen && p[i] != '\n')
        i++;
    i++;
    while (i < hlen) {
        size_t start = i;
        while (i < hlen && p[i] != '\n')
            i++;
        size_t end = i; /* at '\n' */
        i++;
        size_t c = start;
        while (c < end && p[c] != ':' && p[c] != ' ' && p[c] != '\t')
            c++;
        size_t name_len = c - start;
        while (c < end && (p[c] == ' ' || p[c] == '\t'))
            c++;
        if (c >= end || p[c] != ':')
            continue;
        if (!name_is(p + start, name_len, "content-length") && !name_is(p + start, name_len, "l"))
            continue;
        c++;
        while (c < end && (p[c] == ' ' || p[c] == '\t'))
            c++;
        long v = 0;
        size_t digits = 0;
        while (c < end && p[c] >= '0' && p[c] <= '9') {
            if (++digits > 6)
                return -2;
            v = v * 10 + (p[c] - '0');
            c++;
        }
        while (c < end && (p[c] == ' ' || p[c] == '\t' || p[c] == '\r'))
            c++;
        if (digits == 0 || c != end || (found >= 0 && found != v))
            return -2;
        found = v;
    }
    return found;
}

int sip_stream_next(struct sip_stream *s, const uint8_t **msg, size_t *len)
{
    if (s->failed)
        return ERR_PROTO;
    drop_taken(s);
    /* keep-alives between messages */
    size_t skip = 0;
    while (skip < s->len && (s->buf[skip] == '\r' || s->buf[skip] == '\n')) {
        if (s->len - skip >= 4 && memcmp(s->buf + skip, "\r\n\r\n", 4) == 0) {
            s->pings++;
            skip += 4;
            continue;
        }
        size_t j = skip;
        while (j < s->len && (s->buf[j] == '\r' || s->buf[j] == '\n'))
            j++;
        if (j == s->len && s->len - skip < 4)
            break; /* maybe the start of a ping: wait for more */
        skip++;
    }
    s->taken = skip;
    drop_taken(s);
    if (s->len > 0 && (s->buf[0] == '\r' || s->buf[0] == '\n'))
        return 0;
    size_t hlen = header_end(s->buf, s->len);
    if (hlen == 0) {
        if (s->len == sizeof s->buf) {
            s->failed = true;
            return ERR_TOOBIG;
        }
        return 0;
    }
    long cl = content_length(s->buf, hlen);
    if (cl < 0) {
        s->failed = true;
        return ERR_PARSE;
    }
    if ((size_t)cl > sizeof s->buf - hlen) {
        s->failed = true;
        return ERR_TOOBIG;
    }
    size_t total = hlen + (size_t)cl;
    if (s->len < total)
        return 0;
    *msg = s->buf;
    *len = total;
    s->taken = total;
    return 1;
}
