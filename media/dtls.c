/* DTLS 1.2 association over memory BIOs; see dtls.h.
 *
 * Data path. Received datagrams go through dtls_record_filter(), which
 * keeps only records the association can read now (whole, known type and
 * version, plaintext only during the handshake and plausible, encrypted
 * only in epoch 1 and long enough for the AEAD's nonce and tag: OpenSSL
 * fails the association on some invalid records instead of discarding
 * them as RFC 6347 §4.1.2.7 asks, so they must never reach it). During the
 * handshake the rest is written to the read BIO at once; OpenSSL reads
 * everything pending as one datagram. Once connected, each record is given
 * to OpenSSL on its own, so that those it discards silently are counted as
 * well (input_connected()).
 *
 * Everything OpenSSL writes goes to a memory BIO (OpenSSL 3.0 has no
 * datagram memory BIO; BIO_s_dgram_mem came in 3.2), where the records
 * of a flight end up back to back. After each call into OpenSSL the write
 * BIO is drained through dtls_record_pack(): it walks the bytes record by
 * record (13-byte header, length at offset 11) and packs consecutive
 * records into datagrams of at most DTLS_MTU bytes (OpenSSL already
 * fragments handshake messages so that each record fits). The datagrams
 * are copied into a bounded queue that dtls_poll() hands out. */
#define LOG_MODULE "dtls"

#include "media/dtls.h"

#include <string.h>
#include <sys/time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/srtp.h>

#include "media/dtls_int.h"
#include "base/err.h"
#include "base/log.h"

/* RFC 5764 §4.2 */
#define EXPORTER_LABEL "EXTRACTOR-dtls_srtp"

/* Scratch for reading (and discarding) application data. */
#define APP_READ_CHUNK 2048
/* Events per association: CONNECTED and one of FAILED/CLOSED at most. */
#define EVENT_QUEUE_MAX 4

struct tx_item {
    uint32_t off;
    uint32_t len;
};

struct dtls {
    SSL *ssl; /* owns both BIOs */
    BIO *rbio;
    BIO *wbio;
    enum dtls_role role;
    enum dtls_state state;

    const EVP_MD *fp_md; /* remote fingerprint algorithm */
    uint8_t fp[EVP_MAX_MD_SIZE];
    size_t fp_len;

    const char *fail_reason; /* set by callbacks before OpenSSL reports failure */
    bool alert_in;           /* a fatal alert was received */
    bool alert_out;          /* a fatal alert was sent */
    uint64_t alerts_read;    /* alerts of any level OpenSSL accepted */

    bool have_keys;
    struct dtls_srtp_keys keys;

    int64_t now_us;      /* caller's clock at the current call */
    int64_t hs_deadline; /* handshake must be done by then */
    int64_t rto_deadline;
    int64_t reported_deadline;

    struct dtls_stats stats;
    struct log_ratelimit rl;

    struct tx_item tx[DTLS_TX_QUEUE_MAX];
    unsigned tx_head;
    unsigned tx_count;
    size_t tx_used; /* bytes of txbuf in use; reset once the queue is drained */

    struct {
        enum dtls_event event;
        const char *reason;
    } ev[EVENT_QUEUE_MAX];
    unsigned ev_head;
    unsigned ev_count;

    uint8_t txbuf[DTLS_TX_BUF_BYTES];
};

/* ---- outgoing queue ---- */

static void log_drop(struct dtls *d, const char *what)
{
    if (log_ratelimit_ok(&d->rl, d->now_us, 2))
        LOG_W("%s", what);
}

/* The previous views are no longer promised once a new call starts. */
static void tx_reset_if_drained(struct dtls *d)
{
    if (d->tx_count == 0)
        d->tx_used = 0;
}

static void tx_push(struct dtls *d, const uint8_t *p, size_t len)
{
    unsigned slot;

    if (d->tx_count == DTLS_TX_QUEUE_MAX || len > sizeof d->txbuf - d->tx_used) {
        d->stats.tx_dropped++;
        log_drop(d, "outgoing queue full: datagram dropped");
        return;
    }
    if (len > DTLS_MTU)
        log_drop(d, "a record exceeds the MTU: sent alone");
    memcpy(d->txbuf + d->tx_used, p, len);
    slot = (d->tx_head + d->tx_count) % DTLS_TX_QUEUE_MAX;
    d->tx[slot].off = (uint32_t)d->tx_used;
    d->tx[slot].len = (uint32_t)len;
    d->tx_used += len;
    d->tx_count++;
}

static void emit_datagram(void *arg, const uint8_t *p, size_t len)
{
    tx_push(arg, p, len);
}

/* Moves what OpenSSL wrote into the queue, records packed into datagrams. */
static void flush_wbio(struct dtls *d)
{
    char *data = NULL;
    long n = BIO_get_mem_data(d->wbio, &data);

    if (n <= 0 || data == NULL)
        return;
    if (!dtls_record_pack((const uint8_t *)data, (size_t)n, DTLS_MTU, emit_datagram, d)) {
        /* OpenSSL writes whole records; never seen, but do not guess. */
        d->stats.tx_dropped++;
        log_drop(d, "malformed record from OpenSSL dropped");
    }
    (void)BIO_reset(d->wbio);
}

static void push_event(struct dtls *d, enum dtls_event ev, const char *reason)
{
    unsigned slot;

    if (d->ev_count == EVENT_QUEUE_MAX)
        return; /* cannot happen: at most two events per association */
    slot = (d->ev_head + d->ev_count) % EVENT_QUEUE_MAX;
    d->ev[slot].event = ev;
    d->ev[slot].reason = reason;
    d->ev_count++;
}

/* ---- state changes ---- */

static void log_openssl_error(const char *what, const char *reason)
{
    char buf[256];
    unsigned long e = ERR_peek_last_error();

    if (e != 0) {
        ERR_error_string_n(e, buf, sizeof buf);
        LOG_I("%s: %s (%s)", what, reason, buf);
    } else {
        LOG_I("%s: %s", what, reason);
    }
    ERR_clear_error();
}

static void fail(struct dtls *d, const char *reason)
{
    if (d->state == DTLS_STATE_FAILED || d->state == DTLS_STATE_CLOSED)
        return;
    if (d->state != DTLS_STATE_CONNECTED)
        d->stats.handshakes_failed++;
    log_openssl_error("DTLS failed", reason);
    d->state = DTLS_STATE_FAILED;
    push_event(d, DTLS_EVENT_FAILED, reason);
}

static void peer_closed(struct dtls *d)
{
    if (d->state == DTLS_STATE_FAILED || d->state == DTLS_STATE_CLOSED)
        return;
    if (d->state != DTLS_STATE_CONNECTED)
        d->stats.handshakes_failed++;
    d->state = DTLS_STATE_CLOSED;
    /* Answer with our own close_notify. */
    ERR_clear_error();
    (void)SSL_shutdown(d->ssl);
    ERR_clear_error();
    LOG_D("close_notify received");
    push_event(d, DTLS_EVENT_CLOSED, NULL);
}

static const char *failure_reason(const struct dtls *d)
{
    if (d->fail_reason != NULL)
        return d->fail_reason;
    if (d->alert_in)
        return "fatal alert received";
    if (d->alert_out)
        return d->state == DTLS_STATE_CONNECTED ? "fatal alert sent" : "handshake failed";
    return "protocol error";
}

/* After SSL_do_handshake/SSL_read returned rc <= 0. */
static void on_ssl_result(struct dtls *d, int rc)
{
    switch (SSL_get_error(d->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        ERR_clear_error();
        return;
    case SSL_ERROR_ZERO_RETURN:
        peer_closed(d);
        return;
    default:
        fail(d, failure_reason(d));
        return;
    }
}

/* ---- fingerprint and keys ---- */

static bool fingerprint_matches(const struct dtls *d, X509 *cert)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    bool ok;

    if (X509_digest(cert, d->fp_md, md, &n) != 1 || n != d->fp_len)
        return false;
    ok = CRYPTO_memcmp(md, d->fp, n) == 0;
    OPENSSL_cleanse(md, sizeof md);
    return ok;
}

int dtls_verify_cert_cb(X509_STORE_CTX *store, void *arg)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct dtls *d = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
    X509 *leaf = X509_STORE_CTX_get0_cert(store);

    (void)arg;
    if (d == NULL || leaf == NULL) {
        X509_STORE_CTX_set_error(store, X509_V_ERR_UNSPECIFIED);
        return 0;
    }
    if (!fingerprint_matches(d, leaf)) {
        d->fail_reason = "fingerprint mismatch";
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED); /* bad_certificate */
        return 0;
    }
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 1;
}

/* RFC 5764 §4.2: client key | server key | client salt | server salt. */
static const char *export_keys(struct dtls *d)
{
    SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
    uint8_t km[2 * (DTLS_SRTP_KEY_MAX + DTLS_SRTP_SALT_MAX)];
    struct dtls_srtp_keys *k = &d->keys;
    const uint8_t *ck, *sk, *cs, *ss;
    size_t kl = 16, sl, total;
    int rc;

    if (p == NULL)
        return "no SRTP profile negotiated";
    switch (p->id) {
    case SRTP_AES128_CM_SHA1_80:
        k->profile = DTLS_SRTP_AES128_CM_SHA1_80;
        sl = 14;
        break;
    case SRTP_AEAD_AES_128_GCM:
        k->profile = DTLS_SRTP_AEAD_AES_128_GCM;
        sl = 12;
        break;
    default:
        return "unsupported SRTP profile";
    }
    total = 2 * (kl + sl);
    rc = SSL_export_keying_material(d->ssl, km, total, EXPORTER_LABEL, sizeof EXPORTER_LABEL - 1,
                                    NULL, 0, 0);
    if (rc != 1) {
        OPENSSL_cleanse(km, sizeof km);
        return "key export failed";
    }
    ck = km;
    sk = km + kl;
    cs = km + 2 * kl;
    ss = km + 2 * kl + sl;
    k->key_len = kl;
    k->salt_len = sl;
    memcpy(k->local_key, d->role == DTLS_ROLE_CLIENT ? ck : sk, kl);
    memcpy(k->remote_key, d->role == DTLS_ROLE_CLIENT ? sk : ck, kl);
    memcpy(k->local_salt, d->role == DTLS_ROLE_CLIENT ? cs : ss, sl);
    memcpy(k->remote_salt, d->role == DTLS_ROLE_CLIENT ? ss : cs, sl);
    OPENSSL_cleanse(km, sizeof km);
    d->have_keys = true;
    return NULL;
}

static void handshake_done(struct dtls *d)
{
    X509 *peer = SSL_get0_peer_certificate(d->ssl);
    const char *err;

    /* The verify callback already checked this; check again, it is cheap
     * and nothing must be exported for the wrong peer. */
    if (peer == NULL) {
        fail(d, "no peer certificate");
        return;
    }
    if (!fingerprint_matches(d, peer)) {
        fail(d, "fingerprint mismatch");
        return;
    }
    err = export_keys(d);
    if (err != NULL) {
        fail(d, err);
        return;
    }
    d->state = DTLS_STATE_CONNECTED;
    d->stats.handshakes_ok++;
    LOG_D("DTLS connected (%s, %s)", SSL_get_cipher_name(d->ssl),
          dtls_srtp_profile_name(d->keys.profile));
    push_event(d, DTLS_EVENT_CONNECTED, NULL);
}

/* ---- driving OpenSSL ---- */

static void read_app_data(struct dtls *d)
{
    uint8_t buf[APP_READ_CHUNK];

    while (d->state == DTLS_STATE_CONNECTED) {
        int n;

        ERR_clear_error();
        n = SSL_read(d->ssl, buf, (int)sizeof buf);
        if (n > 0) {
            d->stats.app_data_bytes += (uint64_t)n;
            continue;
        }
        on_ssl_result(d, n);
        break;
    }
}

static void update_rto(struct dtls *d)
{
    struct timeval tv;

    d->rto_deadline = DTLS_NO_DEADLINE;
    if (d->state != DTLS_STATE_HANDSHAKING)
        return;
    if (DTLSv1_get_timeout(d->ssl, &tv) == 1)
        d->rto_deadline = d->now_us + (int64_t)tv.tv_sec * 1000000 + (int64_t)tv.tv_usec;
}

static void drive(struct dtls *d)
{
    if (d->state == DTLS_STATE_HANDSHAKING) {
        int rc;

        ERR_clear_error();
        rc = SSL_do_handshake(d->ssl);
        if (rc == 1)
            handshake_done(d);
        else
            on_ssl_result(d, rc);
    }
    if (d->state == DTLS_STATE_CONNECTED)
        read_app_data(d);
    /* Whatever OpenSSL wrote goes out, alerts of a failure included. */
    flush_wbio(d);
    if (BIO_ctrl_pending(d->rbio) > 0)
        (void)BIO_reset(d->rbio); /* nothing may linger for a later datagram */
    update_rto(d);
}

/* What the filter lets through to OpenSSL now. The suite is known once the
 * ServerHello is sent or read (pending), and stays (current). */
static void rx_policy(const struct dtls *d, struct dtls_rx_policy *pol)
{
    const SSL_CIPHER *c = SSL_get_pending_cipher(d->ssl);

    if (c == NULL)
        c = SSL_get_current_cipher(d->ssl);
    pol->connected = d->state == DTLS_STATE_CONNECTED;
    pol->sealed_min = dtls_sealed_min(c);
}

/* After the handshake, each record goes to OpenSSL on its own, so that the
 * ones it discards without a word (wrong tag, replayed, empty) are counted
 * too: a record that yields no application data, no alert, nothing to send
 * and no change of state had no effect, and is counted as dropped. */
static void input_connected(struct dtls *d, const uint8_t *p, size_t n)
{
    size_t off = 0;

    while (off < n) {
        size_t len = dtls_record_len(p + off, n - off);
        uint64_t app = d->stats.app_data_bytes, alerts = d->alerts_read;
        size_t out = BIO_ctrl_pending(d->wbio);

        if (len == 0)
            break; /* cannot happen: the filter passed whole records only */
        if (d->state != DTLS_STATE_CONNECTED) {
            d->stats.records_dropped++; /* after a close_notify earlier in the datagram */
        } else {
            ERR_clear_error();
            if (BIO_write(d->rbio, p + off, (int)len) != (int)len) {
                ERR_clear_error();
                d->stats.records_dropped++;
                break;
            }
            read_app_data(d);
            if (BIO_ctrl_pending(d->rbio) > 0)
                (void)BIO_reset(d->rbio);
            if (d->state == DTLS_STATE_CONNECTED && d->stats.app_data_bytes == app &&
                d->alerts_read == alerts && BIO_ctrl_pending(d->wbio) == out)
                d->stats.records_dropped++;
        }
        off += len;
    }
    flush_wbio(d);
}

static void start(struct dtls *d)
{
    d->state = DTLS_STATE_HANDSHAKING;
    d->hs_deadline = d->now_us + DTLS_HANDSHAKE_TIMEOUT_US;
}

/* ---- callbacks ---- */

static void info_cb(const SSL *ssl, int where, int ret)
{
    struct dtls *d = SSL_get_app_data(ssl);

    if (d == NULL || !(where & SSL_CB_ALERT))
        return;
    if (where & SSL_CB_READ)
        d->alerts_read++;
    if ((ret >> 8) != SSL3_AL_FATAL)
        return;
    if (where & SSL_CB_READ) {
        d->alert_in = true;
        LOG_I("fatal alert received: %s", SSL_alert_desc_string_long(ret));
    } else {
        d->alert_out = true;
        LOG_D("fatal alert sent: %s", SSL_alert_desc_string_long(ret));
    }
}

/* OpenSSL asks for the first timeout (prev_us == 0) and for the next one
 * each time it retransmits. */
static unsigned int timer_cb(SSL *ssl, unsigned int prev_us)
{
    struct dtls *d = SSL_get_app_data(ssl);

    if (prev_us == 0)
        return DTLS_RTO_INITIAL_US;
    if (d != NULL)
        d->stats.retransmits++;
    return prev_us >= DTLS_RTO_MAX_US / 2 ? DTLS_RTO_MAX_US : 2 * prev_us;
}

/* ---- public ---- */

int dtls_create(struct dtls **out, struct dtls_cert *cert, enum dtls_role role,
                const char *remote_fp_alg, const char *remote_fp)
{
    struct dtls *d = NULL;
    int rc;

    if (out == NULL)
        return ERR_INVAL;
    *out = NULL;
    if (cert == NULL || cert->ctx == NULL || remote_fp_alg == NULL || remote_fp == NULL ||
        (role != DTLS_ROLE_SERVER && role != DTLS_ROLE_CLIENT))
        return ERR_INVAL;
    d = OPENSSL_zalloc(sizeof *d);
    if (d == NULL)
        return ERR_NOMEM;
    d->role = role;
    d->state = DTLS_STATE_NEW;
    d->hs_deadline = DTLS_NO_DEADLINE;
    d->rto_deadline = DTLS_NO_DEADLINE;
    d->reported_deadline = DTLS_NO_DEADLINE;

    d->fp_md = dtls_fp_md(remote_fp_alg);
    if (d->fp_md == NULL) {
        rc = ERR_PARSE;
        goto fail;
    }
    d->fp_len = (size_t)EVP_MD_get_size(d->fp_md);
    if (d->fp_len == 0 || d->fp_len > sizeof d->fp ||
        dtls_fp_parse(remote_fp, d->fp, d->fp_len) != 0) {
        rc = ERR_PARSE;
        goto fail;
    }

    ERR_clear_error();
    rc = ERR_NOMEM;
    d->ssl = SSL_new(cert->ctx);
    if (d->ssl == NULL)
        goto fail;
    d->rbio = BIO_new(BIO_s_mem());
    d->wbio = BIO_new(BIO_s_mem());
    if (d->rbio == NULL || d->wbio == NULL) {
        BIO_free(d->rbio);
        BIO_free(d->wbio);
        d->rbio = d->wbio = NULL;
        goto fail;
    }
    /* An empty BIO means "retry later", not end of file. */
    BIO_set_mem_eof_return(d->rbio, -1);
    BIO_set_mem_eof_return(d->wbio, -1);
    SSL_set_bio(d->ssl, d->rbio, d->wbio); /* takes ownership of both */

    rc = ERR_CRYPTO;
    if (SSL_set_app_data(d->ssl, d) != 1 || SSL_set_mtu(d->ssl, DTLS_MTU) <= 0 ||
        SSL_set_tlsext_use_srtp(d->ssl, cert->profiles) != 0) /* 0 means success */
        goto fail;
    DTLS_set_timer_cb(d->ssl, timer_cb);
    SSL_set_info_callback(d->ssl, info_cb);
    if (role == DTLS_ROLE_CLIENT)
        SSL_set_connect_state(d->ssl);
    else
        SSL_set_accept_state(d->ssl);
    *out = d;
    return 0;

fail:
    if (rc == ERR_CRYPTO || rc == ERR_NOMEM)
        log_openssl_error("DTLS setup failed", err_str(rc));
    dtls_destroy(d);
    return rc;
}

void dtls_destroy(struct dtls *d)
{
    if (d == NULL)
        return;
    SSL_free(d->ssl); /* frees the BIOs */
    OPENSSL_cleanse(&d->keys, sizeof d->keys);
    OPENSSL_free(d);
}

int dtls_start(struct dtls *d, int64_t now_us)
{
    if (d == NULL)
        return ERR_INVAL;
    if (d->state == DTLS_STATE_CLOSED || d->state == DTLS_STATE_FAILED)
        return ERR_PROTO;
    if (d->state != DTLS_STATE_NEW)
        return 0;
    d->now_us = now_us;
    tx_reset_if_drained(d);
    start(d);
    drive(d); /* a client writes its ClientHello; a server waits */
    return 0;
}

int dtls_input(struct dtls *d, int64_t now_us, const uint8_t *buf, size_t len)
{
    uint8_t filtered[DTLS_DATAGRAM_MAX];
    const uint8_t *feed = NULL;
    size_t feed_len = 0, bad;
    struct dtls_rx_policy pol;

    if (d == NULL || (buf == NULL && len != 0))
        return ERR_INVAL;
    d->now_us = now_us;
    tx_reset_if_drained(d);
    d->stats.datagrams_in++;
    if (d->state == DTLS_STATE_CLOSED || d->state == DTLS_STATE_FAILED) {
        d->stats.records_dropped++;
        return ERR_PROTO;
    }
    if (len > DTLS_DATAGRAM_MAX) {
        d->stats.records_dropped++;
        return ERR_TOOBIG;
    }
    if (!dtls_is_dtls(buf, len)) {
        d->stats.records_dropped++;
        return ERR_PARSE;
    }

    rx_policy(d, &pol);
    bad = dtls_record_filter(buf, len, &pol, filtered, sizeof filtered, &feed, &feed_len);
    if (bad > 0) {
        d->stats.records_dropped += bad;
        if (log_ratelimit_ok(&d->rl, now_us, 2))
            LOG_D("dropped %zu DTLS record(s) that cannot be read now", bad);
    }
    if (feed_len == 0)
        return ERR_PARSE;

    if (d->state == DTLS_STATE_CONNECTED) {
        input_connected(d, feed, feed_len);
        return 0;
    }
    if (d->state == DTLS_STATE_NEW)
        start(d);
    ERR_clear_error();
    if (BIO_write(d->rbio, feed, (int)feed_len) != (int)feed_len) {
        ERR_clear_error();
        return ERR_NOMEM;
    }
    drive(d);
    return 0;
}

int dtls_timeout(struct dtls *d, int64_t now_us)
{
    if (d == NULL)
        return ERR_INVAL;
    d->now_us = now_us;
    tx_reset_if_drained(d);
    if (d->state != DTLS_STATE_HANDSHAKING)
        return 0;
    if (now_us >= d->hs_deadline) {
        fail(d, "handshake timed out");
        d->rto_deadline = DTLS_NO_DEADLINE;
        return 0;
    }
    if (now_us >= d->rto_deadline) {
        int rc;

        ERR_clear_error();
        /* 1: retransmitted; 0: OpenSSL's own clock says not yet (we look
         * again at the remaining time below); < 0: too many timeouts. */
        rc = (int)DTLSv1_handle_timeout(d->ssl);
        if (rc < 0)
            fail(d, d->fail_reason != NULL ? d->fail_reason : "handshake timed out");
        flush_wbio(d);
    }
    update_rto(d);
    if (d->rto_deadline <= now_us && d->rto_deadline != DTLS_NO_DEADLINE)
        d->rto_deadline = now_us + 1000; /* OpenSSL rounds; never spin */
    return 0;
}

int64_t dtls_next_deadline(const struct dtls *d)
{
    if (d == NULL || d->state != DTLS_STATE_HANDSHAKING)
        return DTLS_NO_DEADLINE;
    return d->rto_deadline < d->hs_deadline ? d->rto_deadline : d->hs_deadline;
}

int dtls_close(struct dtls *d)
{
    if (d == NULL)
        return ERR_INVAL;
    tx_reset_if_drained(d);
    if (d->state == DTLS_STATE_CONNECTED) {
        ERR_clear_error();
        (void)SSL_shutdown(d->ssl); /* writes close_notify */
        ERR_clear_error();
        flush_wbio(d);
    }
    if (d->state != DTLS_STATE_FAILED)
        d->state = DTLS_STATE_CLOSED;
    d->rto_deadline = DTLS_NO_DEADLINE;
    return 0;
}

bool dtls_poll(struct dtls *d, struct dtls_output *out)
{
    int64_t deadline;

    if (d == NULL || out == NULL)
        return false;
    memset(out, 0, sizeof *out);
    if (d->tx_count > 0) {
        const struct tx_item *it = &d->tx[d->tx_head];

        out->kind = DTLS_OUT_TRANSMIT;
        out->data = d->txbuf + it->off;
        out->len = it->len;
        d->tx_head = (d->tx_head + 1) % DTLS_TX_QUEUE_MAX;
        d->tx_count--;
        d->stats.datagrams_out++;
        return true;
    }
    if (d->ev_count > 0) {
        out->kind = DTLS_OUT_EVENT;
        out->event = d->ev[d->ev_head].event;
        out->reason = d->ev[d->ev_head].reason;
        d->ev_head = (d->ev_head + 1) % EVENT_QUEUE_MAX;
        d->ev_count--;
        return true;
    }
    deadline = dtls_next_deadline(d);
    if (deadline != d->reported_deadline) {
        d->reported_deadline = deadline;
        out->kind = DTLS_OUT_DEADLINE;
        out->deadline_us = deadline;
        return true;
    }
    return false;
}

int dtls_srtp_keys(const struct dtls *d, struct dtls_srtp_keys *out)
{
    if (d == NULL || out == NULL)
        return ERR_INVAL;
    if (!d->have_keys || d->state == DTLS_STATE_FAILED)
        return ERR_PROTO;
    *out = d->keys;
    return 0;
}

void dtls_srtp_keys_wipe(struct dtls_srtp_keys *keys)
{
    if (keys != NULL)
        OPENSSL_cleanse(keys, sizeof *keys);
}

enum dtls_state dtls_get_state(const struct dtls *d)
{
    return d != NULL ? d->state : DTLS_STATE_FAILED;
}

enum dtls_role dtls_get_role(const struct dtls *d)
{
    return d != NULL ? d->role : DTLS_ROLE_SERVER;
}

void dtls_get_stats(const struct dtls *d, struct dtls_stats *out)
{
    if (out == NULL)
        return;
    if (d == NULL)
        memset(out, 0, sizeof *out);
    else
        *out = d->stats;
}
