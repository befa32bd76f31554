/* The limit probe's (tests/bench/bench_probe.c) command line and report:
 * its options, what one variant measured, the text lines and the one-line
 * JSON summary {"probe":...} that `make bench` tables are built from. */
#ifndef SAMTALE_BENCH_LPROBE_REPORT_H
#define SAMTALE_BENCH_LPROBE_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "media/dtls.h"

#define LPROBE_MAX_PUBS 32
#define LPROBE_MAX_FANOUT 32 /* receivers are max(publishers, fan-out), one bit each */
#define LPROBE_MAX_ROUNDS 9

struct lprobe_opts {
    double seconds; /* per variant and round */
    unsigned pubs, fanout, fps, window, rounds;
    double rate; /* incoming packets/s; 0 = burst under `window` */
    bool equal;  /* a frame's packets all of one size (else split about equally) */
    enum dtls_srtp_profile profile;
    const char *profile_name;
};

/* One variant's run. */
struct lprobe_result {
    double cpu_ns;                       /* the probe thread's CPU time from its first packet */
    double wall_ns;                      /* from its first packet to its last batch */
    uint64_t fed;                        /* packets the publishers sent */
    uint64_t in;                         /* packets the probe received */
    uint64_t fwd;                        /* packets the probe sent */
    uint64_t drained, verified;          /* received at the receivers, and checked there */
    uint64_t calls, gso_sends, gso_segs; /* the probe's sendmmsg calls and GSO messages */
    bool gso_refused;
};

/* Parses the command line into o; prints usage and exits on --help (0)
 * or on a bad argument (2). */
void lprobe_parse_args(int argc, char **argv, struct lprobe_opts *o);

double lprobe_ns_per_pkt(const struct lprobe_result *x);
/* Received at the receivers / sent by the probe. */
double lprobe_delivery(const struct lprobe_result *x);

void lprobe_print_result(const char *name, const struct lprobe_result *x);
/* The JSON line: options, the median round of each variant (gso, plain)
 * and every round's ns per packet. */
void lprobe_print_json(const struct lprobe_opts *o, unsigned nrecv, int ncpu, bool pinned,
                       const struct lprobe_result med[2], double ns[2][LPROBE_MAX_ROUNDS]);

#endif
