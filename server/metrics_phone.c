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
