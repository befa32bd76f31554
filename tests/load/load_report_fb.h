/* The report's loss repair and congestion feedback part (load_repair.h,
 * load_fb.h): loss before and after repair, NACK, RTX and transport-cc
 * counts, as text and JSON. */
#ifndef SAMTALE_LOAD_REPORT_FB_H
#define SAMTALE_LOAD_REPORT_FB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tests/load/load.h"

struct lg_fb_totals {
    bool on; /* cfg.feedback */
    /* every received stream, and the video ones alone */
    uint64_t expected, raw_lost, lost;
    uint64_t video_expected, video_raw_lost, video_lost;
    double raw_loss_pct, video_raw_loss_pct, video_loss_pct;
    /* publishers */
    uint64_t nacks_received, nacked, rtx_sent, rtx_unknown, twcc_fb_received;
    /* subscribers */
    uint64_t nacks_sent, nack_requests, nack_given_up, rtx_received, rtx_recovered, rtx_probes;
    uint64_t twcc_fb_sent, errors; /* errors: feedback that did not parse or could not be made */
};

void lg_fb_totals(const struct lg_run *run, struct lg_fb_totals *t);
void lg_fb_text(FILE *f, const struct lg_fb_totals *t);
/* The "feedback" object of the JSON report. */
json_t *lg_fb_json(const struct lg_fb_totals *t);
/* Adds a received stream's repair figures to its JSON object o. */
void lg_fb_stream_json(json_t *o, const struct lg_rx_stream *s);

#endif
