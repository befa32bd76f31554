#include "server/metrics.h"
#include "server/metrics_int.h"
#include "base/err.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void metrics_error(struct metrics *m, const char *code)
{
    for (unsigned i = 0; i < m->error_code_count; i++) {
        if (strcmp(m->error_codes[i], code) == 0) {
            m->error_counts[i]++;
            return;
        }
    }
    /* Codes are our own constants, so the table cannot be flooded from outside;
     * the bound only guards against a programming error. */
    if (m->error_code_count >= METRICS_ERROR_CODES_MAX || strlen(code) >= 32)
        return;
    unsigned i = m->error_code_count++;
    snprintf(m->error_codes[i], sizeof m->error_codes[i], "%s", code);
    m->error_counts[i] = 1;
}

void metrics_http(struct metrics *m, unsigned status)
{
    for (unsigned i = 0; i < m->http_status_count; i++) {
        if (m->http_statuses[i] == status) {
            m->http_counts[i]++;
            return;
        }
    }
    if (m->http_status_count >= METRICS_HTTP_STATUSES_MAX)
        return;
    unsigned i = m->http_status_count++;
    m->http_statuses[i] = status;
    m->http_counts[i] = 1;
}

void metrics_put(struct metrics_out *o, const char *fmt, ...)
{
    if (o->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->full = true;
        return;
    }
    o->len += (size_t)n;
}

void metrics_family(struct metrics_out *o, const char *name, const char *type, const char *help)
{
    metrics_put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One labelled sample per worker of a media counter. */
#define PER_WORKER(o, live, name, field)                                                           \
    for (unsigned i_ = 0; i_ < (live)->n_workers; i_++)                                            \
    metrics_put((o), name "{worker=\"%u\"} %" PRIu64 "\n", i_, (live)->workers[i_].field)

/* One sample per worker and label value, e.g. reason="evicted". */
#define PER_WORKER_LABEL(o, live, name, label, value, field)                                       \
    for (unsigned i_ = 0; i_ < (live)->n_workers; i_++)                                            \
    metrics_put((o), name "{worker=\"%u\"," label "=\"" value "\"} %" PRIu64 "\n", i_,             \
                (live)->workers[i_].field)

static void render_media_tcp(struct metrics_out *o, const struct metrics_live *live)
{
    metrics_family(o, "samtale_media_tcp_accepted_total", "counter",
                   "ICE-TCP connections accepted by the media workers.");
    PER_WORKER(o, live, "samtale_media_tcp_accepted_total", tcp_accepted);
    metrics_family(o, "samtale_media_tcp_connections", "gauge",
                   "Open ICE-TCP connections, by whether they passed an ICE check.");
    PER_WORKER_LABEL(o, live, "samtale_media_tcp_connections", "state", "unauthenticated",
                     tcp_unauth);
    PER_WORKER_LABEL(o, live, "samtale_media_tcp_connections", "state", "authenticated", tcp_auth);
    metrics_family(
        o, "samtale_media_tcp_dropped_total", "counter",
        "ICE-TCP connections closed by admission: unauthenticated ones evicted for a newer "
        "one, refused for their address's cap, closed at the authentication deadline, and "
        "authenticated ones refused for a full budget or their address's cap, superseded by "
        "a newer one of their transport, or left by their ended transport.");
    PER_WORKER_LABEL(o, live, "samtale_media_tcp_dropped_total", "reason", "evicted", tcp_evicted);
    PER_WORKER_LABEL(o, live, "samtale_media_tcp_dropped_total", "reason", "address_cap",
                     tcp_refused_addr);
    PER_WORKER_LABEL(o, live, "samtale_media_tcp_dropped_total", "reason", "deadline",
                     tcp_closed_deadline);
    PER_WORKER_LABEL(o, live, "samtale_media_tcp_dropped_total", "reason", "auth_full",
                     tcp_refused_auth);
    PER_WORKER_LABEL(o, live, "samtale_media_tcp_dropped_total", "reason", "auth_address_cap",
                     tcp_refused_auth_addr);
    PER_WORKER_LABEL(o, live, "samtale_media_tcp_dropped_total", "reason", "transport_cap",
                     tcp_closed_superseded);
    PER_WORKER_LABEL(o, live, "samtale_media_tcp_dropped_total", "reason", "transport_ended",
                     tcp_closed_ended);
}

static void render_media(struct metrics_out *o, const struct metrics_live *live)
{
    metrics_family(o, "samtale_media_packets_total", "counter",
                   "Media packets by worker and direction.");
    for (unsigned i = 0; i < live->n_workers; i++) {
        metrics_put(o, "samtale_media_packets_total{worker=\"%u\",direction=\"in\"} %" PRIu64 "\n",
                    i, live->workers[i].packets_in);
        metrics_put(o, "samtale_media_packets_total{worker=\"%u\",direction=\"out\"} %" PRIu64 "\n",
                    i, live->workers[i].packets_out);
    }
    metrics_family(o, "samtale_media_bytes_total", "counter",
                   "Media bytes by worker and direction.");
    for (unsigned i = 0; i < live->n_workers; i++) {
        metrics_put(o, "samtale_media_bytes_total{worker=\"%u\",direction=\"in\"} %" PRIu64 "\n", i,
                    live->workers[i].bytes_in);
        metrics_put(o, "samtale_media_bytes_total{worker=\"%u\",direction=\"out\"} %" PRIu64 "\n",
                    i, live->workers[i].bytes_out);
    }
    metrics_family(o, "samtale_media_send_calls_total", "counter",
                   "UDP send system calls (sendto, sendmmsg) by worker.");
    PER_WORKER(o, live, "samtale_media_send_calls_total", send_calls);
    metrics_family(o, "samtale_media_gso_sends_total", "counter",
                   "UDP sends that carried several datagrams at once (GSO).");
    PER_WORKER(o, live, "samtale_media_gso_sends_total", gso_sends);
    metrics_family(o, "samtale_media_gso_datagrams_total", "counter",
                   "Datagrams carried by those GSO sends.");
    PER_WORKER(o, live, "samtale_media_gso_datagrams_total", gso_datagrams);
    metrics_family(o, "samtale_media_recv_calls_total", "counter",
                   "recvmmsg system calls on the media socket by worker.");
    PER_WORKER(o, live, "samtale_media_recv_calls_total", recv_calls);
    metrics_family(o, "samtale_media_wakeups_total", "counter",
                   "Times the worker's event loop woke up (epoll returns).");
    PER_WORKER(o, live, "samtale_media_wakeups_total", wakeups);
    metrics_family(o, "samtale_media_send_dropped_total", "counter",
                   "Outgoing datagrams dropped: socket buffer full (EAGAIN, ENOBUFS), another send "
                   "error, or no free packet buffer.");
    for (unsigned i = 0; i < live->n_workers; i++) {
        metrics_put(
            o,
            "samtale_media_send_dropped_total{worker=\"%u\",reason=\"socket_full\"} %" PRIu64 "\n",
            i, live->workers[i].send_dropped_full);
        metrics_put(
            o, "samtale_media_send_dropped_total{worker=\"%u\",reason=\"error\"} %" PRIu64 "\n", i,
            live->workers[i].send_errors);
        metrics_put(
            o, "samtale_media_send_dropped_total{worker=\"%u\",reason=\"no_buffer\"} %" PRIu64 "\n",
            i, live->workers[i].no_buffer);
    }
    metrics_family(o, "samtale_media_dropped_total", "counter",
                   "Media datagrams dropped: unknown source (no valid ICE check) or garbage.");
    for (unsigned i = 0; i < live->n_workers; i++) {
        metrics_put(
            o, "samtale_media_dropped_total{worker=\"%u\",reason=\"unknown_source\"} %" PRIu64 "\n",
            i, live->workers[i].dropped_unknown_source);
        metrics_put(o,
                    "samtale_media_dropped_total{worker=\"%u\",reason=\"garbage\"} %" PRIu64 "\n",
                    i, live->workers[i].dropped_garbage);
    }
    render_media_tcp(o, live);
    metrics_family(o, "samtale_srtp_failures_total", "counter",
                   "SRTP/SRTCP packets that failed authentication or replay checks.");
    PER_WORKER(o, live, "samtale_srtp_failures_total", srtp_failures);
    metrics_family(o, "samtale_dtls_records_dropped_total", "counter",
                   "DTLS records from a participant's address that were dropped: malformed, out of "
                   "place (e.g. plaintext after the handshake), too short to decrypt, or failing "
                   "authentication.");
    PER_WORKER(o, live, "samtale_dtls_records_dropped_total", dtls_records_dropped);
    metrics_family(o, "samtale_dtls_handshakes_total", "counter", "DTLS handshakes by result.");
    uint64_t ok = 0, failed = 0;
    for (unsigned i = 0; i < live->n_workers; i++) {
        ok += live->workers[i].dtls_ok;
        failed += live->workers[i].dtls_failed;
    }
    metrics_put(o, "samtale_dtls_handshakes_total{result=\"ok\"} %" PRIu64 "\n", ok);
    metrics_put(o, "samtale_dtls_handshakes_total{result=\"failed\"} %" PRIu64 "\n", failed);
    metrics_family(o, "samtale_ice_transports", "gauge", "ICE transports by state.");
    uint64_t fresh = 0, connected = 0;
    for (unsigned i = 0; i < live->n_workers; i++) {
        fresh += live->workers[i].transports_new;
        connected += live->workers[i].transports_connected;
    }
    metrics_put(o, "samtale_ice_transports{state=\"new\"} %" PRIu64 "\n", fresh);
    metrics_put(o, "samtale_ice_transports{state=\"connected\"} %" PRIu64 "\n", connected);
    metrics_family(o, "samtale_ice_transports_failed_total", "counter",
                   "ICE transports that failed (consent lost, DTLS failure).");
    PER_WORKER(o, live, "samtale_ice_transports_failed_total", transports_failed);
    metrics_family(o, "samtale_sfu_rtp_forwarded_total", "counter",
                   "RTP packets forwarded to subscribers.");
    PER_WORKER(o, live, "samtale_sfu_rtp_forwarded_total", rtp_forwarded);
    metrics_family(o, "samtale_sfu_nacks_total", "counter",
                   "NACKs from subscribers (in) and sent to publishers (out).");
    for (unsigned i = 0; i < live->n_workers; i++) {
        metrics_put(o, "samtale_sfu_nacks_total{worker=\"%u\",direction=\"in\"} %" PRIu64 "\n", i,
                    live->workers[i].nacks_in);
        metrics_put(o, "samtale_sfu_nacks_total{worker=\"%u\",direction=\"out\"} %" PRIu64 "\n", i,
                    live->workers[i].nacks_out);
    }
    metrics_family(o, "samtale_sfu_retransmissions_total", "counter",
                   "Packets resent to subscribers from the retransmission cache.");
    PER_WORKER(o, live, "samtale_sfu_retransmissions_total", retransmissions);
    metrics_family(
        o, "samtale_sfu_keyframe_requests_total", "counter",
        "Keyframe requests (PLI/FIR) from subscribers (in) and sent to publishers (out).");
    for (unsigned i = 0; i < live->n_workers; i++) {
        metrics_put(
            o, "samtale_sfu_keyframe_requests_total{worker=\"%u\",direction=\"in\"} %" PRIu64 "\n",
            i, live->workers[i].keyframe_requests_in);
        metrics_put(
            o, "samtale_sfu_keyframe_requests_total{worker=\"%u\",direction=\"out\"} %" PRIu64 "\n",
            i, live->workers[i].keyframe_requests_out);
    }
    metrics_family(o, "samtale_sfu_remb_sent_total", "counter",
                   "REMB messages sent to publishers without transport-cc.");
    PER_WORKER(o, live, "samtale_sfu_remb_sent_total", remb_sent);
    metrics_family(o, "samtale_sfu_layer_switches_total", "counter", "Simulcast layer switches.");
    PER_WORKER(o, live, "samtale_sfu_layer_switches_total", layer_switches);
    metrics_family(o, "samtale_sfu_retransmission_copies_total", "counter",
                   "Retransmissions sent a second time shortly after the first, so that one lost "
                   "retransmission does not cost the subscriber another round trip.");
    PER_WORKER(o, live, "samtale_sfu_retransmission_copies_total", retransmission_copies);
    metrics_family(
        o, "samtale_sfu_retransmissions_missed_total", "counter",
        "Packets NACKed by subscribers and not resent from the cache: not received from the "
        "publisher yet (pending: forwarded when its repair arrives) or no longer available "
        "(gone).");
    for (unsigned i = 0; i < live->n_workers; i++) {
        metrics_put(
            o,
            "samtale_sfu_retransmissions_missed_total{worker=\"%u\",reason=\"pending\"} %" PRIu64
            "\n",
            i, live->workers[i].retransmissions_pending);
        metrics_put(
            o,
            "samtale_sfu_retransmissions_missed_total{worker=\"%u\",reason=\"gone\"} %" PRIu64 "\n",
            i, live->workers[i].retransmissions_missed);
    }
    metrics_family(
        o, "samtale_sfu_upstream_lost_total", "counter",
        "Packets missing in publishers' streams (of layers someone takes), by outcome: all "
        "found missing, repaired after a NACK, given up on (a keyframe is asked for).");
    for (unsigned i = 0; i < live->n_workers; i++) {
        metrics_put(
            o, "samtale_sfu_upstream_lost_total{worker=\"%u\",result=\"missing\"} %" PRIu64 "\n", i,
            live->workers[i].upstream_missing);
        metrics_put(
            o, "samtale_sfu_upstream_lost_total{worker=\"%u\",result=\"repaired\"} %" PRIu64 "\n",
            i, live->workers[i].upstream_repaired);
        metrics_put(
            o, "samtale_sfu_upstream_lost_total{worker=\"%u\",result=\"unrepaired\"} %" PRIu64 "\n",
            i, live->workers[i].upstream_unrepaired);
    }
    metrics_family(o, "samtale_sfu_upstream_tail_probes_total", "counter",
                   "NACKs sent for the overdue last packet of a publisher's frame, before the next "
                   "frame shows the gap.");
    PER_WORKER(o, live, "samtale_sfu_upstream_tail_probes_total", upstream_tail_probes);
    metrics_family(
        o, "samtale_sfu_key_copies_total", "counter",
        "Packets of key frames (VP8 temporal layer 0) sent a second time to subscribers whose "
        "receiver reports show loss: their repair would stall every frame built on them.");
    PER_WORKER(o, live, "samtale_sfu_key_copies_total", key_copies);
    metrics_family(o, "samtale_sfu_rtp_out_dropped_total", "counter",
                   "RTP packets for subscribers (forwarded, retransmitted or sent twice) not sent "
                   "for want of a packet buffer: the subscriber's transport was not connected "
                   "(yet, or any more) or the media worker's packet pool was exhausted.");
    PER_WORKER(o, live, "samtale_sfu_rtp_out_dropped_total", rtp_out_dropped);
    metrics_family(
        o, "samtale_sfu_upstream_repair_seconds_total", "counter",
        "Time from a gap in a publisher's stream to its repair, summed over the repaired "
        "packets (divided by the repaired ones: the mean).");
    for (unsigned i = 0; i < live->n_workers; i++)
        metrics_put(o, "samtale_sfu_upstream_repair_seconds_total{worker=\"%u\"} %.6f\n", i,
                    (double)live->workers[i].upstream_repair_us / 1e6);
}

int metrics_render(const struct metrics *m, const struct metrics_live *live, char *buf, size_t cap)
{
    struct metrics_out o = {.buf = buf, .cap = cap};
    if (cap == 0)
        return ERR_TOOBIG;
    buf[0] = '\0';

    metrics_family(&o, "samtale_uptime_seconds", "gauge", "Seconds since the server started.");
    metrics_put(&o, "samtale_uptime_seconds %" PRId64 "\n", live->uptime_s);
    metrics_family(&o, "samtale_ws_connections", "gauge", "Open WebSocket signaling connections.");
    metrics_put(&o, "samtale_ws_connections %" PRIu64 "\n", live->ws.ws_connections);
    metrics_family(&o, "samtale_ws_connections_total", "counter",
                   "WebSocket signaling connections accepted.");
    metrics_put(&o, "samtale_ws_connections_total %" PRIu64 "\n", live->ws.ws_connections_total);
    metrics_family(&o, "samtale_meetings_live", "gauge", "Meetings with at least one participant.");
    metrics_put(&o, "samtale_meetings_live %u\n", live->meetings_live);
    metrics_family(&o, "samtale_meetings_created_total", "counter", "Meetings created.");
    metrics_put(&o, "samtale_meetings_created_total %" PRIu64 "\n", m->meetings_created);
    metrics_family(&o, "samtale_participants", "gauge", "Participants by state.");
    for (int s = 0; s < PSTATE_COUNT; s++)
        metrics_put(&o, "samtale_participants{state=\"%s\"} %u\n",
                    participant_state_name((enum participant_state)s), live->participants[s]);
    metrics_family(&o, "samtale_ws_messages_received_total", "counter",
                   "Signaling messages received from clients.");
    metrics_put(&o, "samtale_ws_messages_received_total %" PRIu64 "\n",
                live->ws.ws_messages_received);
    metrics_family(&o, "samtale_ws_messages_sent_total", "counter",
                   "Signaling messages sent to clients.");
    metrics_put(&o, "samtale_ws_messages_sent_total %" PRIu64 "\n", live->ws.ws_messages_sent);
    metrics_family(&o, "samtale_logins_total", "counter", "Caseworker login attempts by result.");
    metrics_put(&o, "samtale_logins_total{result=\"ok\"} %" PRIu64 "\n", m->logins_ok);
    metrics_put(&o, "samtale_logins_total{result=\"failed\"} %" PRIu64 "\n", m->logins_failed);
    metrics_family(&o, "samtale_errors_total", "counter", "Errors reported to clients, by code.");
    for (unsigned i = 0; i < m->error_code_count; i++)
        metrics_put(&o, "samtale_errors_total{code=\"%s\"} %" PRIu64 "\n", m->error_codes[i],
                    m->error_counts[i]);
    metrics_family(&o, "samtale_http_requests_total", "counter", "HTTP responses by status code.");
    for (unsigned i = 0; i < m->http_status_count; i++)
        metrics_put(&o, "samtale_http_requests_total{status=\"%u\"} %" PRIu64 "\n",
                    m->http_statuses[i], m->http_counts[i]);

    render_media(&o, live);
    metrics_render_phone(&o, live);
    if (o.full)
        return ERR_TOOBIG;
    return (int)o.len;
}

int metrics_render_alloc(const struct metrics *m, const struct metrics_live *live, char **out,
                         size_t *len)
{
    *out = NULL;
    *len = 0;
    for (size_t cap = 64 * 1024; cap <= METRICS_RENDER_MAX; cap *= 2) {
        char *buf = malloc(cap);
        if (!buf)
            return ERR_NOMEM;
        int n = metrics_render(m, live, buf, cap);
        if (n >= 0) {
            *out = buf;
            *len = (size_t)n;
            return 0;
        }
        free(buf);
        if (n != ERR_TOOBIG)
            return n;
    }
    return ERR_TOOBIG;
}
