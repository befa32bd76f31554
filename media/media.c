/* The signaling thread's side of the media service: starting the workers,
 * commands to them, events from them, candidates and counters. */
#define LOG_MODULE "media"
#include "media/media_int.h"
#include "media/srtp.h"
#include "base/err.h"
#include "base/log.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void media_push(struct media *m, const struct media_event *ev)
{
    if (queue_push(m->events, ev) < 0) {
        LOG_E("media event queue full: an event for session %llu is lost",
              (unsigned long long)ev->session);
        return;
    }
    if (m->wake)
        m->wake(m->wake_arg);
}

void media_push_event(struct media *m, uint64_t session, enum media_event_kind kind,
                      enum ice_proto proto, const char *reason)
{
    struct media_event ev = {.session = session, .kind = kind, .proto = proto, .reason = reason};
    media_push(m, &ev);
}

/* Descriptors a worker may hold besides its ICE-TCP connections. */
#define MEDIA_FDS_PER_WORKER 8
/* ... and the rest of the process (store, signaling connections, files). */
#define MEDIA_FDS_PROCESS 2048

/* Every ICE-TCP connection is a descriptor: the default soft limit (1024)
 * would stop accepting long before the admission budgets are reached. */
/* The test switch of fault.h: off unless its environment variable is set;
 * a value that is not a count is refused rather than ignored. */
static int corrupt_switch(uint32_t *every)
{
    const char *v = getenv(FAULT_CORRUPT_ENV);
    *every = 0;
    if (v == NULL || v[0] == '\0')
        return 0;
    if (fault_corrupt_parse(v, every) != 0) {
        LOG_E("%s must be a number from 1 to %u", FAULT_CORRUPT_ENV, FAULT_CORRUPT_MAX);
        return ERR_INVAL;
    }
    LOG_W("TEST SWITCH %s=%u: every %u. forwarded RTP packet is CORRUPTED on purpose. "
          "This is for testing media checkers only; never set it on a real server.",
          FAULT_CORRUPT_ENV, *every, *every);
    return 0;
}

static void raise_fd_limit(const struct media_cfg *cfg)
{
    uint64_t soft = 0;
    unsigned workers = cfg->workers;
    uint64_t conns = cfg->tcp_conns ? cfg->tcp_conns : WORKER_TCP_CONNS_DEFAULT;
    uint64_t unauth = cfg->tcp_unauth ? cfg->tcp_unauth : WORKER_TCP_UNAUTH_DEFAULT;
    uint64_t want = workers * (conns + unauth + MEDIA_FDS_PER_WORKER) + MEDIA_FDS_PROCESS;
    if (worker_raise_fd_limit(&soft) != 0)
        LOG_W("cannot read or raise the limit of open files (RLIMIT_NOFILE)");
    else if (soft < want)
        LOG_W("the limit of open files is %llu; %u media workers may need %llu for ICE-TCP "
              "(raise LimitNOFILE or ulimit -Hn)",
              (unsigned long long)soft, workers, (unsigned long long)want);
    else
        LOG_I("limit of open files: %llu", (unsigned long long)soft);
}

int media_start(struct media **out, const struct media_cfg *cfg)
{
    if (!cfg->workers || cfg->workers > MEDIA_WORKERS_MAX || !cfg->n_public ||
        cfg->n_public > MEDIA_ADDRS_MAX || (cfg->n_prompts && !cfg->prompts))
        return ERR_INVAL;
    for (size_t i = 0; i < cfg->n_prompts; i++) {
        const struct media_prompt *p = &cfg->prompts[i];
        if ((p->n && !p->pcm) || (p->rate != 8000 && p->rate != 16000 && p->rate != 48000))
            return ERR_INVAL;
    }
    struct media *m = calloc(1, sizeof *m);
    if (!m)
        return ERR_NOMEM;
    int rc = srtpx_init();
    if (rc == 0)
        rc = queue_create(&m->events, MEDIA_EVENTS_MAX, sizeof(struct media_event));
    if (rc == 0)
        rc = dtls_cert_create(&m->cert);
    if (rc == 0)
        rc = dtls_cert_fingerprint(m->cert, m->fingerprint);
    for (size_t i = 0; rc == 0 && i < cfg->n_public; i++) {
        if (strlen(cfg->public_addrs[i]) >= MEDIA_ADDR_MAX)
            rc = ERR_INVAL;
        else
            snprintf(m->public_addrs[i], MEDIA_ADDR_MAX, "%s", cfg->public_addrs[i]);
    }
    m->n_public = cfg->n_public;
    m->wake = cfg->wake;
    m->wake_arg = cfg->wake_arg;
    m->prompts = cfg->prompts;
    m->n_prompts = cfg->n_prompts;
    if (rc == 0)
        raise_fd_limit(cfg);
    uint32_t corrupt = 0;
    if (rc == 0)
        rc = corrupt_switch(&corrupt);

    for (unsigned i = 0; rc == 0 && i < cfg->workers; i++) {
        struct engine *e = &m->engines[i];
        e->m = m;
        e->index = i;
        e->corrupt.every = corrupt;
        rc = addrmap_create(&e->by_addr, 8192);
        if (rc == 0)
            rc = engine_indices_create(e);
        if (rc < 0)
            break;
        uint16_t port = cfg->port_min ? (uint16_t)(cfg->port_min + i) : 0;
        struct worker_cfg wc = {
            .index = i,
            .bind_addr = cfg->bind,
            .udp_port = port,
            .tcp_port = port,
            .max_tcp_conns = cfg->tcp_conns,
            .max_tcp_unauth = cfg->tcp_unauth,
            .max_tcp_per_addr = cfg->tcp_unauth_per_addr,
            .max_tcp_auth_per_addr = cfg->tcp_auth_per_addr,
            .tcp_auth_us = cfg->tcp_auth_us,
            .h = &engine_handler,
            .h_arg = e,
        };
        rc = worker_start(&e->w, &wc);
        if (rc < 0) {
            LOG_E("media worker %u cannot bind %s port %u: %s", i, cfg->bind, port, err_str(rc));
            break;
        }
        m->n = i + 1;
    }
    if (rc < 0) {
        media_stop(m);
        return rc;
    }
    *out = m;
    return 0;
}

void media_stop(struct media *m)
{
    if (!m)
        return;
    for (unsigned i = 0; i < MEDIA_WORKERS_MAX; i++) {
        worker_stop(m->engines[i].w);
        addrmap_destroy(m->engines[i].by_addr);
        engine_indices_destroy(&m->engines[i]);
    }
    dtls_cert_destroy(m->cert);
    queue_destroy(m->events);
    free(m);
}

const char *media_fingerprint(const struct media *m)
{
    return m->fingerprint;
}

unsigned media_worker_count(const struct media *m)
{
    return m->n;
}

unsigned media_pick_worker(struct media *m)
{
    unsigned w = m->next % m->n;
    m->next = (m->next + 1) % m->n;
    return w;
}

size_t media_candidates(const struct media *m, unsigned worker, bool udp, bool tcp,
                        struct media_candidate *out, size_t cap)
{
    size_t n = 0;
    uint16_t uport, tport;
    if (worker >= m->n)
        return 0;
    worker_ports(m->engines[worker].w, &uport, &tport);
    for (size_t i = 0; i < m->n_public; i++) {
        if (udp && n < cap) {
            out[n] = (struct media_candidate){.tcp = false, .port = uport};
            memcpy(out[n++].addr, m->public_addrs[i], MEDIA_ADDR_MAX);
        }
        if (tcp && tport && n < cap) {
            out[n] = (struct media_candidate){.tcp = true, .port = tport};
            memcpy(out[n++].addr, m->public_addrs[i], MEDIA_ADDR_MAX);
        }
    }
    return n;
}

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839) */
static int random_ice_chars(char *out, size_t n)
{
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t raw[64];
    if (n > sizeof raw || RAND_bytes(raw, (int)n) != 1)
        return ERR_CRYPTO;
    for (size_t i = 0; i < n; i++)
        out[i] = set[raw[i] & 63];
    out[n] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

int media_ice_credentials(char ufrag[MEDIA_UFRAG_LEN + 1], char pwd[MEDIA_PWD_LEN + 1])
{
    int rc = random_ice_chars(ufrag, MEDIA_UFRAG_LEN);
    return rc ? rc : random_ice_chars(pwd, MEDIA_PWD_LEN);
}

int media_post(struct media *m, unsigned worker, struct media_cmd *cmd)
{
    if (!m || worker >= m->n) {
        free(cmd);
        return ERR_INVAL;
    }
    int rc = worker_post(m->engines[worker].w, cmd);
    if (rc < 0) {
        OPENSSL_cleanse(cmd, sizeof *cmd);
        free(cmd);
    }
    return rc;
}

int media_echo_create(struct media *m, const struct media_echo_params *p)
{
    if (!m)
        return ERR_INVAL;
    struct media_cmd *cmd = calloc(1, sizeof *cmd);
    if (!cmd)
        return ERR_NOMEM;
    cmd->kind = MEDIA_CMD_ECHO;
    cmd->session = p->session;
    cmd->u.echo = *p;
    return media_post(m, p->worker, cmd);
}

int media_session_close(struct media *m, unsigned worker, uint64_t session)
{
    if (!m)
        return ERR_INVAL;
    struct media_cmd *cmd = calloc(1, sizeof *cmd);
    if (!cmd)
        return ERR_NOMEM;
    cmd->kind = MEDIA_CMD_CLOSE;
    cmd->session = session;
    return media_post(m, worker, cmd);
}

static int room_cmd(struct media *m, unsigned worker, enum media_cmd_kind kind, int64_t room,
                    uint32_t id, struct media_cmd **out)
{
    if (!m)
        return ERR_INVAL; /* the media service has stopped (shutting down) */
    struct media_cmd *cmd = calloc(1, sizeof *cmd);
    if (!cmd)
        return ERR_NOMEM;
    cmd->kind = kind;
    cmd->room = room;
    cmd->id = id;
    *out = cmd;
    (void)worker;
    return 0;
}

int media_peer_create(struct media *m, const struct media_peer_params *p)
{
    struct media_cmd *cmd;
    int rc = room_cmd(m, p->worker, MEDIA_CMD_PEER, p->room, 0, &cmd);
    if (rc < 0)
        return rc;
    cmd->session = p->session;
    cmd->u.peer = *p;
    return media_post(m, p->worker, cmd);
}

int media_producer_add(struct media *m, unsigned worker, int64_t room,
                       const struct router_producer_cfg *cfg)
{
    struct media_cmd *cmd;
    int rc = room_cmd(m, worker, MEDIA_CMD_PRODUCER_ADD, room, cfg->id, &cmd);
    if (rc < 0)
        return rc;
    cmd->u.producer = *cfg;
    return media_post(m, worker, cmd);
}

int media_producer_remove(struct media *m, unsigned worker, int64_t room, uint32_t id)
{
    struct media_cmd *cmd;
    int rc = room_cmd(m, worker, MEDIA_CMD_PRODUCER_REMOVE, room, id, &cmd);
    return rc < 0 ? rc : media_post(m, worker, cmd);
}

int media_consumer_add(struct media *m, unsigned worker, int64_t room,
                       const struct router_consumer_cfg *cfg)
{
    struct media_cmd *cmd;
    int rc = room_cmd(m, worker, MEDIA_CMD_CONSUMER_ADD, room, cfg->id, &cmd);
    if (rc < 0)
        return rc;
    cmd->u.consumer = *cfg;
    return media_post(m, worker, cmd);
}

int media_consumer_remove(struct media *m, unsigned worker, int64_t room, uint32_t id)
{
    struct media_cmd *cmd;
    int rc = room_cmd(m, worker, MEDIA_CMD_CONSUMER_REMOVE, room, id, &cmd);
    return rc < 0 ? rc : media_post(m, worker, cmd);
}

int media_consumer_prefs(struct media *m, unsigned worker, int64_t room, uint32_t id,
                         const struct router_prefs *prefs)
{
    struct media_cmd *cmd;
    int rc = room_cmd(m, worker, MEDIA_CMD_PREFS, room, id, &cmd);
    if (rc < 0)
        return rc;
    cmd->u.prefs = *prefs;
    return media_post(m, worker, cmd);
}

int media_ice_restart(struct media *m, unsigned worker, uint64_t session, const char *ufrag,
                      const char *pwd, const char *remote_ufrag)
{
    struct media_cmd *cmd;
    int rc = room_cmd(m, worker, MEDIA_CMD_ICE_RESTART, 0, 0, &cmd);
    if (rc < 0)
        return rc;
    cmd->session = session;
    snprintf(cmd->u.restart.ufrag, sizeof cmd->u.restart.ufrag, "%s", ufrag);
    snprintf(cmd->u.restart.pwd, sizeof cmd->u.restart.pwd, "%s", pwd);
    snprintf(cmd->u.restart.remote_ufrag, sizeof cmd->u.restart.remote_ufrag, "%s",
             remote_ufrag ? remote_ufrag : "");
    return media_post(m, worker, cmd);
}

int media_peer_max_bitrate(struct media *m, unsigned worker, uint64_t session, uint64_t bps)
{
    struct media_cmd *cmd;
    int rc = room_cmd(m, worker, MEDIA_CMD_PEER_CAP, 0, 0, &cmd);
    if (rc < 0)
        return rc;
    cmd->session = session;
    cmd->u.bps = bps;
    return media_post(m, worker, cmd);
}

int media_peer_remb(struct media *m, unsigned worker, uint64_t session, bool on)
{
    struct media_cmd *cmd;
    int rc = room_cmd(m, worker, MEDIA_CMD_PEER_REMB, 0, 0, &cmd);
    if (rc < 0)
        return rc;
    cmd->session = session;
    cmd->u.remb = on;
    return media_post(m, worker, cmd);
}

int media_room_close(struct media *m, unsigned worker, int64_t room)
{
    struct media_cmd *cmd;
    int rc = room_cmd(m, worker, MEDIA_CMD_ROOM_CLOSE, room, 0, &cmd);
    return rc < 0 ? rc : media_post(m, worker, cmd);
}

bool media_poll_event(struct media *m, struct media_event *out)
{
    return queue_pop(m->events, out) == 0;
}

static uint64_t load(_Atomic uint64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

void media_get_stats(struct media *m, int worker, struct media_stats *out)
{
    memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < m->n; i++) {
        if (worker >= 0 && (unsigned)worker != i)
            continue;
        struct engine *e = &m->engines[i];
        struct worker_stats ws;
        worker_stats(e->w, &ws);
        out->packets_in += ws.udp_rx_packets + ws.tcp_rx_frames;
        out->bytes_in += ws.udp_rx_bytes + ws.tcp_rx_bytes;
        out->packets_out += ws.udp_tx_packets + ws.tcp_tx_frames;
        out->bytes_out += ws.udp_tx_bytes + ws.tcp_tx_bytes;
        out->send_calls += ws.udp_tx_syscalls;
        out->gso_sends += ws.udp_tx_gso_sends;
        out->gso_datagrams += ws.udp_tx_gso_datagrams;
        out->wakeups += ws.wakeups;
        out->recv_calls += ws.udp_rx_syscalls;
        out->send_dropped_full += ws.udp_tx_dropped;
        out->send_errors += ws.udp_tx_errors;
        out->no_buffer += ws.pool_exhausted;
        out->tcp_accepted += ws.tcp_accepted;
        out->tcp_unauth += ws.tcp_unauth;
        out->tcp_auth += ws.tcp_open - ws.tcp_unauth;
        out->tcp_evicted += ws.tcp_evicted;
        out->tcp_refused_addr += ws.tcp_refused_addr;
        out->tcp_refused_auth += ws.tcp_refused_auth;
        out->tcp_closed_deadline += ws.tcp_closed_deadline;
        out->tcp_closed_superseded += ws.tcp_closed_superseded;
        out->tcp_closed_ended += ws.tcp_closed_ended;
        out->tcp_refused_auth_addr += ws.tcp_refused_auth_addr;
        out->dropped_garbage += ws.drop_class[WORKER_CLASS_OTHER] + load(&e->c.dropped_garbage);
        out->dropped_unknown_source += load(&e->c.dropped_unknown_source);
        out->srtp_failures += load(&e->c.srtp_failures);
        out->dtls_records_dropped += load(&e->c.dtls_records_dropped);
        out->dtls_ok += load(&e->c.dtls_ok);
        out->dtls_failed += load(&e->c.dtls_failed);
        out->transports_new += load(&e->c.transports_new);
        out->transports_connected += load(&e->c.transports_connected);
        out->transports_failed += load(&e->c.transports_failed);
        out->rtp_forwarded += load(&e->c.rtp_forwarded);
        out->nacks_in += load(&e->c.nacks_in);
        out->retransmissions += load(&e->c.retransmissions);
        out->nacks_out += load(&e->c.nacks_out);
        out->keyframe_requests_in += load(&e->c.keyframe_requests_in);
        out->keyframe_requests_out += load(&e->c.keyframe_requests_out);
        out->layer_switches += load(&e->c.layer_switches);
        out->remb_sent += load(&e->c.remb_sent);
        out->retransmissions_pending += load(&e->c.retransmissions_pending);
        out->retransmissions_missed += load(&e->c.retransmissions_missed);
        out->upstream_missing += load(&e->c.upstream_missing);
        out->upstream_repaired += load(&e->c.upstream_repaired);
        out->upstream_unrepaired += load(&e->c.upstream_unrepaired);
        out->upstream_repair_us += load(&e->c.upstream_repair_us);
        out->upstream_tail_probes += load(&e->c.upstream_tail_probes);
        out->key_copies += load(&e->c.key_copies);
        out->retransmission_copies += load(&e->c.retransmission_copies);
        out->rtp_out_dropped += load(&e->c.rtp_out_dropped);
        out->phone_calls += load(&e->c.phone_calls);
        out->phone_rtp_in += load(&e->c.phone_rtp_in);
        out->phone_rtp_out += load(&e->c.phone_rtp_out);
        out->phone_foreign += load(&e->c.phone_foreign);
        out->phone_jitter_late += load(&e->c.phone_jitter_late);
        out->phone_jitter_lost += load(&e->c.phone_jitter_lost);
        out->mixer_rtp_in += load(&e->c.mixer_rtp_in);
        out->mixer_cpu_us += load(&e->c.mixer_cpu_ns) / 1000;
    }
}
