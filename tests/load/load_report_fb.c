/* The report's feedback part (load_report_fb.h). */
#include "tests/load/load_report_fb.h"

#include <inttypes.h>
#include <string.h>

static double pct(uint64_t n, uint64_t of)
{
    return of ? 100.0 * (double)n / (double)of : 0;
}

void lg_fb_totals(const struct lg_run *run, struct lg_fb_totals *t)
{
    memset(t, 0, sizeof *t);
    t->on = run->cfg.feedback;
    for (unsigned i = 0; i < run->n_parts; i++) {
        const struct lg_part *p = &run->parts[i];
        t->nacks_received += p->fb.nacks_received;
        t->nacked += p->fb.nacked;
        t->rtx_sent += p->fb.rtx_sent;
        t->twcc_fb_received += p->fb.twcc_fb_received;
        t->twcc_fb_sent += p->fb.twcc_fb_sent;
        t->nacks_sent += p->fb.nacks_sent;
        t->rtx_probes += p->fb.rtx_probes;
        t->errors += p->fb.fb_bad + p->fb.fb_errors;
        for (unsigned k = 0; k < p->video.n_layers; k++)
            t->rtx_unknown += p->video.rtx[k].unknown;
        for (unsigned k = 0; k < p->n_rx; k++) {
            const struct lg_rx_stream *s = &p->rx[k];
            if (s->stream == UINT32_MAX)
                continue;
            uint64_t e = lg_seq_expected(&s->seq), l = lg_seq_lost(&s->seq);
            t->expected += e;
            t->raw_lost += s->seq.gaps;
            t->lost += l;
            if (s->is_video) {
                t->video_expected += e;
                t->video_raw_lost += s->seq.gaps;
                t->video_lost += l;
            }
            t->nack_requests += s->nack.requests;
            t->nack_given_up += s->nack.given_up;
            t->rtx_received += s->rtx_packets;
            t->rtx_recovered += s->rtx_recovered;
        }
    }
    t->raw_loss_pct = pct(t->raw_lost, t->expected);
    t->video_raw_loss_pct = pct(t->video_raw_lost, t->video_expected);
    t->video_loss_pct = pct(t->video_lost, t->video_expected);
}

void lg_fb_text(FILE *f, const struct lg_fb_totals *t)
{
    fprintf(f, "  repair    loss before repair %.3f %% (%" PRIu64 " of %" PRIu64 "), after %.3f %%",
            t->raw_loss_pct, t->raw_lost, t->expected, pct(t->lost, t->expected));
    if (t->video_expected)
        fprintf(f, "; video %.3f %% before, %.3f %% after", t->video_raw_loss_pct,
                t->video_loss_pct);
    fprintf(f, "\n");
    if (!t->on) {
        fprintf(f, "  feedback  off (--no-feedback)\n");
        return;
    }
    fprintf(f,
            "  feedback  subscribers: transport-cc %" PRIu64 ", NACKs %" PRIu64 " (%" PRIu64
            " numbers, %" PRIu64 " given up), RTX received %" PRIu64 " (%" PRIu64
            " recovered), probes %" PRIu64 "\n",
            t->twcc_fb_sent, t->nacks_sent, t->nack_requests, t->nack_given_up, t->rtx_received,
            t->rtx_recovered, t->rtx_probes);
    fprintf(f,
            "            publishers: NACKs received %" PRIu64 " (%" PRIu64
            " numbers), RTX sent %" PRIu64 " (%" PRIu64 " not in the history), transport-cc "
            "received %" PRIu64 "; errors %" PRIu64 "\n",
            t->nacks_received, t->nacked, t->rtx_sent, t->rtx_unknown, t->twcc_fb_received,
            t->errors);
}

json_t *lg_fb_json(const struct lg_fb_totals *t)
{
    json_t *j =
        json_pack("{s:b, s:f, s:I, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
                  "s:I, s:I, s:I}",
                  "on", t->on, "raw_loss_pct", t->raw_loss_pct, "raw_lost", (json_int_t)t->raw_lost,
                  "video_raw_loss_pct", t->video_raw_loss_pct, "video_loss_pct", t->video_loss_pct,
                  "video_expected", (json_int_t)t->video_expected, "video_raw_lost",
                  (json_int_t)t->video_raw_lost, "video_lost", (json_int_t)t->video_lost,
                  "nacks_received", (json_int_t)t->nacks_received, "nacked", (json_int_t)t->nacked,
                  "rtx_sent", (json_int_t)t->rtx_sent, "rtx_unknown", (json_int_t)t->rtx_unknown,
                  "twcc_feedback_received", (json_int_t)t->twcc_fb_received, "nacks_sent",
                  (json_int_t)t->nacks_sent, "nack_requests", (json_int_t)t->nack_requests,
                  "rtx_received", (json_int_t)t->rtx_received, "rtx_recovered",
                  (json_int_t)t->rtx_recovered, "twcc_feedback_sent", (json_int_t)t->twcc_fb_sent);
    if (j) {
        json_object_set_new(j, "nack_given_up", json_integer((json_int_t)t->nack_given_up));
        json_object_set_new(j, "rtx_probes", json_integer((json_int_t)t->rtx_probes));
        json_object_set_new(j, "errors", json_integer((json_int_t)t->errors));
    }
    return j;
}

void lg_fb_stream_json(json_t *o, const struct lg_rx_stream *s)
{
    if (!o)
        return;
    json_object_set_new(o, "raw_lost", json_integer((json_int_t)s->seq.gaps));
    json_object_set_new(o, "nacks", json_integer((json_int_t)s->nack.nacks));
    json_object_set_new(o, "nack_requests", json_integer((json_int_t)s->nack.requests));
    json_object_set_new(o, "rtx_received", json_integer((json_int_t)s->rtx_packets));
    json_object_set_new(o, "rtx_recovered", json_integer((json_int_t)s->rtx_recovered));
}
