/* The generator's report: what every participant sent and received, the
 * server's CPU time per thread and its RSS (from /proc), and the
 * generator's own CPU time; as text and as JSON. */
#ifndef SAMTALE_LOAD_REPORT_H
#define SAMTALE_LOAD_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tests/load/load.h"
#include "tests/load/load_report_fb.h"

#define LG_PROC_THREADS_MAX 64

struct lg_proc_thread {
    int tid;
    char comm[32];
    uint64_t cpu_us; /* run time from schedstat, else utime + stime */
};

/* The threads of process pid with their CPU time so far (/proc/PID/task).
 * Returns the count (at most cap) or ERR_IO. */
int lg_proc_threads(int pid, struct lg_proc_thread *out, size_t cap);
/* User + system CPU time of the whole process pid (every thread, also
 * those that ended), µs in clock ticks' resolution; 0 when unknown. The
 * per-thread list is capped at LG_PROC_THREADS_MAX; this is not. */
uint64_t lg_proc_cpu_us(int pid);
/* VmRSS of pid in kB, or 0 when unknown. */
uint64_t lg_proc_rss_kb(int pid);
/* This process's user + system CPU time, µs. */
uint64_t lg_self_cpu_us(void);

/* What the main thread measured around the measuring window. */
struct lg_window {
    int64_t start_us, end_us;
    struct lg_proc_thread srv0[LG_PROC_THREADS_MAX], srv1[LG_PROC_THREADS_MAX];
    int n_srv0, n_srv1;
    uint64_t srv_cpu0_us, srv_cpu1_us; /* lg_proc_cpu_us() at start and end */
    uint64_t rss_kb;
    uint64_t self_cpu0_us, self_cpu1_us;
};

/* Totals over every participant and stream. */
struct lg_totals {
    uint64_t sent_packets, sent_bytes, send_dropped, send_errors;
    double sent_pps, sent_bps;
    uint64_t rx_packets, rx_bytes;
    double rx_pps, rx_bps;
    uint64_t rx_window_packets, rx_window_bytes; /* received in the measuring window */
    uint64_t expected, lost, reordered, duplicates, decode_errors, auth_failures, decoded;
    unsigned streams, streams_wanted, streams_decoded;
    double loss_pct;
    uint64_t delay_p50_us, delay_p99_us;
    uint64_t join_first_p50_us, join_first_max_us;
    unsigned joined_with_media;
    /* video (--video), over every received camera stream */
    unsigned video_streams, video_streams_decoded, video_with_first;
    uint64_t frames_shown, frames_decoded, frames_corrupt, frames_incomplete, frames_skipped;
    uint64_t video_decode_errors, freezes, frozen_us, layer_switches;
    uint64_t keyframe_requests, plis_sent, rtcp_sent;
    uint64_t first_frame_p50_us, first_frame_max_us; /* join to first shown frame */
    double video_fps;                                /* mean of the streams' shown fps */
    struct lg_fb_totals fb;                          /* loss repair and feedback */
};

void lg_report_totals(const struct lg_run *run, int64_t end_us, struct lg_totals *t);
void lg_report_text(FILE *f, const struct lg_run *run, const struct lg_window *w,
                    const struct lg_totals *t);
/* Returns 0 or ERR_IO. */
int lg_report_json(const char *path, const struct lg_run *run, const struct lg_window *w,
                   const struct lg_totals *t);

#endif
