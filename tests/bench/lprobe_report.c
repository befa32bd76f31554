/* The limit probe's command line and report (lprobe_report.h). */
#include "tests/bench/lprobe_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double lprobe_ns_per_pkt(const struct lprobe_result *x)
{
    return x->cpu_ns / (double)x->fwd;
}

double lprobe_delivery(const struct lprobe_result *x)
{
    return (double)x->drained / (double)x->fwd;
}

void lprobe_print_result(const char *name, const struct lprobe_result *x)
{
    printf("bench_probe: %s: %.0f ns CPU per forwarded packet (%.0fk pkt/s per core), "
           "%.0fk forwarded pkt/s at %.0f%% of the probe's core; in %llu (fed %llu), "
           "out %llu, received %llu (loss %.3f%%), %.1f packets per send call, "
           "%.1f%% in GSO sends of %.1f segments, %llu verified%s\n",
           name, lprobe_ns_per_pkt(x), 1e6 / lprobe_ns_per_pkt(x),
           (double)x->fwd / x->wall_ns * 1e6, 100.0 * x->cpu_ns / x->wall_ns,
           (unsigned long long)x->in, (unsigned long long)x->fed, (unsigned long long)x->fwd,
           (unsigned long long)x->drained, 100.0 * (1.0 - lprobe_delivery(x)),
           (double)x->fwd / (double)x->calls, 100.0 * (double)x->gso_segs / (double)x->fwd,
           x->gso_sends ? (double)x->gso_segs / (double)x->gso_sends : 0.0,
           (unsigned long long)x->verified, x->gso_refused ? " (GSO refused)" : "");
}

static void print_json_variant(const char *name, const struct lprobe_result *x, const double *all,
                               unsigned n)
{
    printf("\"%s\":{\"ns_per_pkt\":%.1f,\"pkts_per_s\":%.0f,\"probe_cpu_share\":%.3f,"
           "\"fed\":%llu,\"in\":%llu,\"forwarded\":%llu,\"received\":%llu,\"loss\":%.6f,"
           "\"send_calls\":%llu,\"pkts_per_call\":%.2f,\"gso_sends\":%llu,"
           "\"segs_per_gso_send\":%.2f,\"gso_refused\":%s,\"verified\":%llu,\"rounds_ns\":[",
           name, lprobe_ns_per_pkt(x), (double)x->fwd / x->wall_ns * 1e9, x->cpu_ns / x->wall_ns,
           (unsigned long long)x->fed, (unsigned long long)x->in, (unsigned long long)x->fwd,
           (unsigned long long)x->drained, 1.0 - lprobe_delivery(x), (unsigned long long)x->calls,
           (double)x->fwd / (double)x->calls, (unsigned long long)x->gso_sends,
           x->gso_sends ? (double)x->gso_segs / (double)x->gso_sends : 0.0,
           x->gso_refused ? "true" : "false", (unsigned long long)x->verified);
    for (unsigned i = 0; i < n; i++)
        printf("%s%.1f", i ? "," : "", all[i]);
    printf("]}");
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_probe [--seconds S] [--fanout F] [--publishers P] [--fps N]\n"
            "                   [--profile gcm|cm] [--rate PKTS_PER_S | --window N]\n"
            "                   [--rounds N] [--equal]\n"
            "  --seconds S      run time of each variant (default 3, 0.2..60)\n"
            "  --fanout F       receivers of each packet (default 2, 1..%d)\n"
            "  --publishers P   publishers (default 3, 1..%d); receivers: max(P, F)\n"
            "  --fps N          video frames per second per publisher (default 30)\n"
            "  --profile        gcm: AEAD_AES_128_GCM (default), cm: AES_CM_128_HMAC_SHA1_80\n"
            "  --rate N         pace the feeder at N incoming packets/s (default 0: burst)\n"
            "  --window N       burst: packets in flight at most (default 256)\n"
            "  --rounds N       rounds of both variants, alternating (default 1, max %d)\n"
            "  --equal          a frame's packets all of one size (default: split about\n"
            "                   equally, the last ones one byte longer, as libwebrtc does)\n",
            LPROBE_MAX_FANOUT, LPROBE_MAX_PUBS, LPROBE_MAX_ROUNDS);
}

static double num_arg(int argc, char **argv, int *i, double lo, double hi)
{
    char *end;

    if (*i + 1 >= argc) {
        fprintf(stderr, "bench_probe: %s needs a value\n", argv[*i]);
        exit(2);
    }
    errno = 0;
    double v = strtod(argv[++*i], &end);
    if (errno != 0 || end == argv[*i] || *end != '\0' || !(v >= lo && v <= hi)) {
        fprintf(stderr, "bench_probe: %s %s: expected a number in %g..%g\n", argv[*i - 1], argv[*i],
                lo, hi);
        exit(2);
    }
    return v;
}

void lprobe_parse_args(int argc, char **argv, struct lprobe_opts *o)
{
    *o = (struct lprobe_opts){.seconds = 3,
                              .pubs = 3,
                              .fanout = 2,
                              .fps = 30,
                              .window = 256,
                              .rounds = 1,
                              .profile = DTLS_SRTP_AEAD_AES_128_GCM,
                              .profile_name = "AEAD_AES_128_GCM"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--seconds") == 0) {
            o->seconds = num_arg(argc, argv, &i, 0.2, 60);
        } else if (strcmp(a, "--fanout") == 0) {
            o->fanout = (unsigned)num_arg(argc, argv, &i, 1, LPROBE_MAX_FANOUT);
        } else if (strcmp(a, "--publishers") == 0) {
            o->pubs = (unsigned)num_arg(argc, argv, &i, 1, LPROBE_MAX_PUBS);
        } else if (strcmp(a, "--fps") == 0) {
            o->fps = (unsigned)num_arg(argc, argv, &i, 1, 120);
        } else if (strcmp(a, "--rate") == 0) {
            o->rate = num_arg(argc, argv, &i, 0, 10e6);
        } else if (strcmp(a, "--window") == 0) {
            o->window = (unsigned)num_arg(argc, argv, &i, 1, 4096);
        } else if (strcmp(a, "--equal") == 0) {
            o->equal = true;
        } else if (strcmp(a, "--rounds") == 0) {
            o->rounds = (unsigned)num_arg(argc, argv, &i, 1, LPROBE_MAX_ROUNDS);
        } else if (strcmp(a, "--profile") == 0 && i + 1 < argc) {
            const char *p = argv[++i];
            if (strcmp(p, "gcm") == 0) {
                o->profile = DTLS_SRTP_AEAD_AES_128_GCM;
                o->profile_name = "AEAD_AES_128_GCM";
            } else if (strcmp(p, "cm") == 0) {
                o->profile = DTLS_SRTP_AES128_CM_SHA1_80;
                o->profile_name = "AES_CM_128_HMAC_SHA1_80";
            } else {
                fprintf(stderr, "bench_probe: --profile %s: expected gcm or cm\n", p);
                exit(2);
            }
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "bench_probe: unknown or incomplete argument %s\n", a);
            usage(stderr);
            exit(2);
        }
    }
}

void lprobe_print_json(const struct lprobe_opts *o, unsigned nrecv, int ncpu, bool pinned,
                       const struct lprobe_result med[2], double ns[2][LPROBE_MAX_ROUNDS])
{
    static const char *const names[2] = {"gso", "plain"};

    printf("{\"probe\":{\"profile\":\"%s\",\"publishers\":%u,\"fanout\":%u,\"receivers\":%u,"
           "\"fps\":%u,\"equal_sizes\":%s,\"mode\":\"%s\",\"rate\":%.0f,\"window\":%u,\"seconds\":%"
           ".1f,"
           "\"rounds\":%u,\"cpus\":%d,\"pinned\":%s,",
           o->profile_name, o->pubs, o->fanout, nrecv, o->fps, o->equal ? "true" : "false",
           o->rate > 0 ? "paced" : "burst", o->rate, o->window, o->seconds, o->rounds, ncpu,
           pinned ? "true" : "false");
    for (unsigned v = 0; v < 2; v++) {
        print_json_variant(names[v], &med[v], ns[v], o->rounds);
        printf(",");
    }
    printf("\"gso_vs_plain\":%.3f}}\n", lprobe_ns_per_pkt(&med[0]) / lprobe_ns_per_pkt(&med[1]));
}
