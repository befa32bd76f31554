/* /metrics: the phone bridge (SIP calls and their audio). */
#include "server/metrics_int.h"

#include <inttypes.h>

void metrics_render_phone(struct metrics_out *o, const struct metrics_live *live)
{
    if (!live->phone_on)
        return;
    const struct phone_stats *p = &live->phone;
    metrics_family(o, "samtale_phone_calls", "gauge", "Phone calls in progress (in and out).");
    metrics_put(o, "samtale_phone_calls %u\n", p->active);
    metrics_family(o, "samtale_phone_calls_total", "counter",
                   "Phone calls by direction: answered dial-in calls, and calls out.");
    metrics_put(o, "samtale_phone_calls_total{direction=\"in\"} %" PRIu64 "\n", p->calls_in);
    metrics_put(o, "samtale_phone_calls_total{direction=\"out\"} %" PRIu64 "\n", p->calls_out);
    metrics_family(o, "samtale_phone_call_results_total", "counter",
                   "How calls went: joined a meeting; ended by the caller, by a host or by the "
                   "PIN limit; failed (no answer, refused, timed out).");
    metrics_put(o, "samtale_phone_call_results_total{result=\"joined\"} %" PRIu64 "\n", p->joined);
    metrics_put(o, "samtale_phone_call_results_total{result=\"ended_by_caller\"} %" PRIu64 "\n",
                p->ended_by_caller);
    metrics_put(o, "samtale_phone_call_results_total{result=\"ended_by_host\"} %" PRIu64 "\n",
                p->ended_by_host);
    metrics_put(o, "samtale_phone_call_results_total{result=\"pin_limit\"} %" PRIu64 "\n",
                p->pin_blocked);
    metrics_put(o, "samtale_phone_call_results_total{result=\"failed\"} %" PRIu64 "\n", p->failed);
    metrics_family(o, "samtale_phone_pin_failures_total", "counter", "Wrong PINs entered.");
    metrics_put(o, "samtale_phone_pin_failures_total %" PRIu64 "\n", p->pin_failures);
    /* The calls' audio on the media workers. */
    uint64_t rtp_in = 0, rtp_out = 0, foreign = 0, late = 0, lost = 0, mixer_in = 0, cpu = 0;
    for (unsigned i = 0; i < live->n_workers; i++) {
        const struct media_stats *w = &live->workers[i];
        rtp_in += w->phone_rtp_in;
        rtp_out += w->phone_rtp_out;
        foreign += w->phone_foreign;
        late += w->phone_jitter_late;
        lost += w->phone_jitter_lost;
        mixer_in += w->mixer_rtp_in;
        cpu += w->mixer_cpu_us;
    }
    metrics_family(o, "samtale_phone_rtp_packets_total", "counter",
                   "RTP packets from and to phones.");
    metrics_put(o, "samtale_phone_rtp_packets_total{direction=\"in\"} %" PRIu64 "\n", rtp_in);
    metrics_put(o, "samtale_phone_rtp_packets_total{direction=\"out\"} %" PRIu64 "\n", rtp_out);
    metrics_family(o, "samtale_phone_rtp_foreign_dropped_total", "counter",
                   "Datagrams on a call's ports from another address than the one it latched "
                   "onto (symmetric RTP): dropped.");
    metrics_put(o, "samtale_phone_rtp_foreign_dropped_total %" PRIu64 "\n", foreign);
    metrics_family(o, "samtale_phone_jitter_total", "counter",
                   "Audio in the calls' and mixers' jitter buffers: packets too late to play, "
                   "frames lost (concealed).");
    metrics_put(o, "samtale_phone_jitter_total{result=\"late\"} %" PRIu64 "\n", late);
    metrics_put(o, "samtale_phone_jitter_total{result=\"lost\"} %" PRIu64 "\n", lost);
    metrics_family(o, "samtale_mixer_rtp_packets_total", "counter",
                   "Browser microphone packets the routers handed to the rooms' mixers.");
    metrics_put(o, "samtale_mixer_rtp_packets_total %" PRIu64 "\n", mixer_in);
    metrics_family(o, "samtale_mixer_cpu_seconds_total", "counter",
                   "CPU time the media workers spent mixing for phone callers.");
    metrics_put(o, "samtale_mixer_cpu_seconds_total %.6f\n", (double)cpu / 1e6);
    metrics_family(o, "samtale_sip_messages_total", "counter",
                   "SIP messages received, and those dropped (unparseable, too big, unmatched).");
    metrics_put(o, "samtale_sip_messages_total{result=\"received\"} %" PRIu64 "\n", p->sip.msgs_in);
    metrics_put(o, "samtale_sip_messages_total{result=\"dropped\"} %" PRIu64 "\n", p->sip.dropped);
    metrics_put(o, "samtale_sip_messages_total{result=\"denied\"} %" PRIu64 "\n",
                p->sip.denied_dropped);
    metrics_family(o, "samtale_sip_refusals_total", "counter",
                   "Requests refused: 400 malformed, 403 from outside sip_allow, 503 over a "
                   "limit.");
    metrics_put(o, "samtale_sip_refusals_total{status=\"400\"} %" PRIu64 "\n", p->sip.sent_400);
    metrics_put(o, "samtale_sip_refusals_total{status=\"403\"} %" PRIu64 "\n", p->sip.sent_403);
    metrics_put(o, "samtale_sip_refusals_total{status=\"503\"} %" PRIu64 "\n", p->sip.sent_503);
}
