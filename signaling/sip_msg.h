/* SIP message helpers of the user agent: libosip2 parsing behind
 * pre-checks, views of the fields the UA needs, and a bounded writer for
 * the messages it sends. Internal to sip_ua*.c and sip_txn.c. */
#ifndef SAMTALE_SIGNALING_SIP_MSG_H
#define SAMTALE_SIGNALING_SIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <osipparser2/osip_parser.h>

#define SIP_MSG_OUT_MAX (16 * 1024) /* any message we build */
#define SIP_MSG_MAX_LINES 256       /* lines of a message before it reaches libosip2 */
#define SIP_MSG_MAX_TOKEN 128       /* branch, tags, Call-ID, sent-by */

/* Bounded text writer; a write that does not fit sets err. */
struct sip_wr {
    char *buf;
    size_t cap, len;
    bool err;
};

void sip_wr_init(struct sip_wr *w, char *buf, size_t cap);
void sip_wr_put(struct sip_wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sip_wr_mem(struct sip_wr *w, const void *p, size_t n);

/* Parses one message. ERR_TOOBIG over max, ERR_PARSE when the pre-checks
 * (NUL bytes, line count, start line) or libosip2 reject it. On 0 the
 * caller frees *out with osip_message_free. */
int sip_msg_parse(const uint8_t *buf, size_t len, size_t max, osip_message_t **out);

/* A string fit for a header value: no CR, LF or NUL, at most max bytes. */
bool sip_msg_safe(const char *s, size_t max);

/* Top Via branch; NULL when absent or unsafe. */
const char *sip_msg_branch(const osip_message_t *m);
/* Top Via "host:port" into out; false when absent. */
bool sip_msg_sent_by(const osip_message_t *m, char *out, size_t cap);
/* Number of header fields (every list and the others). */
size_t sip_msg_header_count(const osip_message_t *m);
/* The value of the first header named name (lower case), or NULL. */
const char *sip_msg_header(const osip_message_t *m, const char *name);
/* From/To tag, or NULL. */
const char *sip_msg_from_tag(const osip_message_t *m);
const char *sip_msg_to_tag(const osip_message_t *m);
/* The first body and its length; NULL when none. */
const char *sip_msg_body(const osip_message_t *m, size_t *len);
/* "type/subtype" of Content-Type into out (lower case); false when none. */
bool sip_msg_content_type(const osip_message_t *m, char *out, size_t cap);

/* The Via, From, To (with to_tag added when it has none), Call-ID and CSeq
 * lines of a response to req, each ending in CRLF. The top Via gets
 * received= and rport= values (RFC 3581) from src. Returns 0 or
 * ERR_PARSE when a header is missing or unsafe, ERR_TOOBIG, ERR_NOMEM. */
int sip_msg_resp_head(osip_message_t *req, const char *to_tag, const struct sockaddr *src,
                      socklen_t srclen, struct sip_wr *w);
/* Where responses to req go (RFC 3261 18.2.2 with RFC 3581): the source
 * address, at the Via's port unless rport was asked for. */
void sip_msg_resp_addr(const osip_message_t *req, const struct sockaddr *src, socklen_t srclen,
                       struct sockaddr_storage *out, socklen_t *outlen);

/* A serialized header of ours (osip *_to_str), checked safe. Caller frees
 * with osip_free. NULL on failure. */
char *sip_msg_from_str(const osip_message_t *m);
char *sip_msg_to_str(const osip_message_t *m);

/* Random lower-case hex token of n bytes of entropy into out (2n+1). */
void sip_msg_random_hex(char *out, size_t n);

#ifdef SAMTALE_FUZZING
/* Fuzz builds: restart the deterministic tag counter (per input). */
void sip_msg_random_reset(void);
#endif

/* Reason phrase of a status code we send. */
const char *sip_msg_reason(unsigned status);

#endif
