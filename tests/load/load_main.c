/* samtale-load: the native load generator and media checker. Acts as many
 * meeting participants against a running samtale server (load.h), then
 * reports what they received (load_report.h).
 *
 *   samtale-load --url https://127.0.0.1:8443 --user anna --password-file F
 *                [--ca certs/dev/ca.pem | --insecure] [--meetings 2] [--parties 3]
 *                [--seconds 10] [--threads 1] [--audio-bitrate 32000]
 *                [--drop-send PCT] [--decode PCT] [--server-pid PID] [--json FILE]
 *                [--video [--simulcast | --single-layer] [--video-bitrates A,B,C]
 *                 [--video-size WxH] [--fps N]] [--no-feedback]
 *   samtale-load --server janus --janus-url http://IPV4:PORT [the same options]
 *
 * With --server janus the participants meet in Janus's VideoRoom instead
 * (load_signal_janus.h); media (--video included), checks and report are
 * the same.
 *
 * The measuring window starts once every participant sends and receives
 * every other's audio and lasts --seconds (SIGINT or SIGTERM ends it early;
 * the report still comes). Exit codes: 0 done, 1 setup failed (the message
 * names the participant and why) or a participant failed during the run,
 * 2 usage. */
#include <getopt.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "tests/load/load.h"
#include "tests/load/load_media.h"
#include "tests/load/load_report.h"
#include "tests/load/load_signal.h"
#include "tests/load/load_signal_janus.h"
#include "tests/load/marker.h"

#define PASSWORD_MAX 256

/* SIGINT or SIGTERM: end the measuring window early and report. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: samtale-load --url https://HOST:PORT --user NAME\n"
                    "                    (--password PW | --password-file FILE)\n"
                    "                    [--ca FILE | --insecure] [--meetings M] [--parties 2-6]\n"
                    "                    [--seconds S] [--threads T] [--audio-bitrate BPS]\n"
                    "                    [--drop-send PCT] [--server-pid PID] [--json FILE]\n"
                    "                    [--decode PCT] [--setup-timeout S] [--warmup S]\n"
                    "                    [--video [--simulcast | --single-layer]\n"
                    "                     [--video-bitrates KBPS[,KBPS,KBPS]] [--video-size WxH]\n"
                    "                     [--fps N]] [--no-feedback]\n"
                    "       samtale-load --server janus --janus-url http://IPV4:PORT\n"
                    "                    [the options after --password-file above]\n");
}

static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi)
        return false;
    *out = (unsigned)v;
    return true;
}

/* "640x360": two numbers from lo to hi. */
static bool parse_size(const char *s, unsigned lo, unsigned hi, unsigned *w, unsigned *h)
{
    char *end;
    unsigned long a = strtoul(s, &end, 10);
    if (end == s || *end != 'x')
        return false;
    const char *rest = end + 1;
    unsigned long b = strtoul(rest, &end, 10);
    if (end == rest || *end != '\0' || a < lo || a > hi || b < lo || b > hi)
        return false;
    *w = (unsigned)a;
    *h = (unsigned)b;
    return true;
}

/* "150,500,1500" (kbit/s, lowest layer first) or one number. */
static bool parse_kbps(const char *s, unsigned out[LG_VP8_MAX_LAYERS], unsigned *n)
{
    *n = 0;
    for (;;) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (end == s || v < 20 || v > 20000 || *n == LG_VP8_MAX_LAYERS)
            return false;
        out[(*n)++] = (unsigned)v;
        if (*end == '\0')
            return *n == 1 || *n == LG_VP8_MAX_LAYERS;
        if (*end != ',')
            return false;
        s = end + 1;
    }
}

/* The camera's bitrates: as given, else scaled with the area from
 * 150/500/1500 kbit/s at 1280x720. */
static void video_bitrates(struct lg_video_cfg *v, const unsigned *given, unsigned n_given)
{
    double area = (double)v->width * v->height / (1280.0 * 720.0);
    unsigned top = (unsigned)(1500 * area);
    unsigned def[LG_VP8_MAX_LAYERS] = {top / 10, top / 3, top};
    for (unsigned k = 0; k < LG_VP8_MAX_LAYERS; k++)
        if (def[k] < 30)
            def[k] = 30;
    if (v->n_layers == 1)
        v->kbps[0] = n_given ? given[n_given - 1] : def[2];
    else
        for (unsigned k = 0; k < LG_VP8_MAX_LAYERS; k++)
            v->kbps[k] = n_given ? given[k] : def[k];
}

/* "SCHEME://HOST:PORT" with an IPv4 literal or a name. */
static bool parse_url(const char *url, const char *scheme, char *host, size_t cap, int *port)
{
    const char *p = url;
    size_t sl = strlen(scheme);
    if (strncmp(p, scheme, sl) != 0)
        return false;
    p += sl;
    const char *colon = strrchr(p, ':');
    if (!colon || colon == p || (size_t)(colon - p) >= cap)
        return false;
    unsigned v;
    char tail[16];
    snprintf(tail, sizeof tail, "%s", colon + 1);
    char *slash = strchr(tail, '/');
    if (slash)
        *slash = '\0';
    if (!parse_uint(tail, 1, 65535, &v))
        return false;
    memcpy(host, p, (size_t)(colon - p));
    host[colon - p] = '\0';
    *port = (int)v;
    return true;
}

static bool read_password(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    return ok && out[0] != '\0';
}

static int parse_args(int argc, char **argv, struct lg_cfg *c, char *host, size_t host_cap,
                      char *janus_host, char *password)
{
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'},
        {"user", required_argument, NULL, 'U'},
        {"password", required_argument, NULL, 'p'},
        {"password-file", required_argument, NULL, 'P'},
        {"ca", required_argument, NULL, 'c'},
        {"insecure", no_argument, NULL, 'k'},
        {"meetings", required_argument, NULL, 'm'},
        {"parties", required_argument, NULL, 'n'},
        {"seconds", required_argument, NULL, 's'},
        {"threads", required_argument, NULL, 't'},
        {"audio-bitrate", required_argument, NULL, 'a'},
        {"drop-send", required_argument, NULL, 'd'},
        {"server-pid", required_argument, NULL, 'S'},
        {"json", required_argument, NULL, 'j'},
        {"decode", required_argument, NULL, 'D'},
        {"setup-timeout", required_argument, NULL, 'T'},
        {"warmup", required_argument, NULL, 'W'},
        {"server", required_argument, NULL, 'z'},
        {"janus-url", required_argument, NULL, 'J'},
        {"video", no_argument, NULL, 'V'},
        {"simulcast", no_argument, NULL, 'M'},
        {"single-layer", no_argument, NULL, 'L'},
        {"video-bitrates", required_argument, NULL, 'B'},
        {"video-size", required_argument, NULL, 'Z'},
        {"fps", required_argument, NULL, 'F'},
        {"no-feedback", no_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned v, kbps[LG_VP8_MAX_LAYERS], n_kbps = 0;
    int o, li = 0;
    bool have_url = false, have_janus_url = false, vflags = false;
    while ((o = getopt_long(argc, argv, "", opts, &li)) != -1) {
        switch (o) {
        case 'u':
            if (!parse_url(optarg, "https://", host, host_cap, &c->port)) {
                fprintf(stderr, "samtale-load: --url must be https://HOST:PORT\n");
                return 2;
            }
            have_url = true;
            break;
        case 'z':
            if (strcmp(optarg, "janus") != 0 && strcmp(optarg, "samtale") != 0) {
                fprintf(stderr, "samtale-load: --server must be samtale or janus\n");
                return 2;
            }
            c->janus = strcmp(optarg, "janus") == 0;
            break;
        case 'J':
            if (!parse_url(optarg, "http://", janus_host, host_cap, &c->janus_port)) {
                fprintf(stderr, "samtale-load: --janus-url must be http://IPV4:PORT\n");
                return 2;
            }
            have_janus_url = true;
            break;
        case 'U':
            c->user = optarg;
            break;
        case 'p':
            snprintf(password, PASSWORD_MAX, "%s", optarg);
            break;
        case 'P':
            if (!read_password(optarg, password, PASSWORD_MAX)) {
                fprintf(stderr, "samtale-load: cannot read a password from %s\n", optarg);
                return 2;
            }
            break;
        case 'c':
            c->ca_path = optarg;
            break;
        case 'k':
            c->insecure = true;
            break;
        case 'm':
        case 'n':
        case 's':
        case 't':
        case 'a':
        case 'S':
        case 'D':
        case 'T':
        case 'W': {
            unsigned lo = o == 'n' ? LG_MIN_PARTIES : o == 'D' || o == 'W' ? 0 : 1;
            unsigned hi = o == 'm'   ? LG_MAX_MEETINGS
                          : o == 'n' ? LG_MAX_PARTIES
                          : o == 't' ? LG_MAX_THREADS
                          : o == 'a' ? 510000
                          : o == 'S' ? 4194304
                          : o == 'D' ? 100
                                     : 3600;
            if (o == 'a')
                lo = 6000;
            if (!parse_uint(optarg, lo, hi, &v)) {
                fprintf(stderr, "samtale-load: --%s must be a number from %u to %u\n",
                        opts[li].name, lo, hi);
                return 2;
            }
            if (o == 'm')
                c->meetings = v;
            else if (o == 'n')
                c->parties = v;
            else if (o == 's')
                c->seconds = v;
            else if (o == 't')
                c->threads = v;
            else if (o == 'a')
                c->audio_bitrate = (int)v;
            else if (o == 'S')
                c->server_pid = (int)v;
            else if (o == 'D')
                c->decode_pct = v;
            else if (o == 'W')
                c->warmup_s = v;
            else
                c->setup_timeout_s = v;
            break;
        }
        case 'd': {
            char *end;
            double d = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(d >= 0 && d <= 50)) {
                fprintf(stderr, "samtale-load: --drop-send must be a percentage from 0 to 50\n");
                return 2;
            }
            c->drop_send_pct = d;
            break;
        }
        case 'j':
            c->json_path = optarg;
            break;
        case 'V':
            c->video = true;
            break;
        case 'N':
            c->feedback = false;
            break;
        case 'M':
        case 'L':
            vflags = true;
            c->vcfg.n_layers = o == 'M' ? LG_VP8_MAX_LAYERS : 1;
            break;
        case 'B':
            vflags = true;
            if (!parse_kbps(optarg, kbps, &n_kbps)) {
                fprintf(stderr, "samtale-load: --video-bitrates must be one or three numbers "
                                "from 20 to 20000 (kbit/s), e.g. 150,500,1500\n");
                return 2;
            }
            break;
        case 'Z':
            vflags = true;
            if (!parse_size(optarg, LG_VIDEO_MIN_DIM, LG_VP8_MAX_DIM, &c->vcfg.width,
                            &c->vcfg.height)) {
                fprintf(stderr, "samtale-load: --video-size must be WxH, each from %d to %d\n",
                        LG_VIDEO_MIN_DIM, LG_VP8_MAX_DIM);
                return 2;
            }
            break;
        case 'F':
            vflags = true;
            if (!parse_uint(optarg, 1, 60, &c->vcfg.fps)) {
                fprintf(stderr, "samtale-load: --fps must be a number from 1 to 60\n");
                return 2;
            }
            break;
        default:
            usage();
            return 2;
        }
    }
    if (optind != argc || (c->janus && !have_janus_url) ||
        (!c->janus &&
         (!have_url || !c->user || password[0] == '\0' || (!c->ca_path && !c->insecure)))) {
        usage();
        return 2;
    }
    c->janus_host = janus_host;
    if (!c->video && vflags) {
        fprintf(stderr, "samtale-load: the video options need --video\n");
        return 2;
    }
    if (n_kbps == 1 && c->vcfg.n_layers > 1) {
        fprintf(stderr, "samtale-load: --video-bitrates needs three numbers with simulcast\n");
        return 2;
    }
    video_bitrates(&c->vcfg, kbps, n_kbps);
    c->url_host = host;
    c->password = password;
    return 0;
}

static int setup_parts(struct lg_run *run)
{
    run->n_parts = run->cfg.meetings * run->cfg.parties;
    run->parts = calloc(run->n_parts, sizeof *run->parts);
    if (!run->parts)
        return ERR_NOMEM;
    for (unsigned i = 0; i < run->n_parts; i++) {
        struct lg_part *p = &run->parts[i];
        p->index = i;
        p->meeting = i / run->cfg.parties;
        p->slot = i % run->cfg.parties;
        snprintf(p->name, sizeof p->name, "Load %u.%u", p->meeting + 1, p->slot + 1);
        if (lg_peer_init(&p->pub) != 0 || lg_peer_init(&p->sub) != 0)
            return ERR_CRYPTO;
        uint32_t r[4 + 2 * LG_VP8_MAX_LAYERS];
        if (RAND_bytes((uint8_t *)r, sizeof r) != 1)
            return ERR_CRYPTO;
        p->rtcp_ssrc = r[3] | 1u;
        if (run->cfg.video) {
            p->video.n_layers = run->cfg.vcfg.n_layers;
            for (unsigned k = 0; k < p->video.n_layers; k++)
                p->video.ssrc[k] = (r[4 + k] & ~7u) | k; /* distinct */
            for (unsigned k = 0; k < p->video.n_layers; k++)
                p->video.rtx_ssrc[k] = (r[4 + LG_VP8_MAX_LAYERS + k] & ~7u) | 4u | k;
        }
        p->audio.ssrc = r[0] | 1u;
        p->audio.seq = (uint16_t)r[1];
        p->audio.timestamp = r[2];
        p->audio.stream = lg_stream_id(i, 0);
        snprintf(p->audio.mid, sizeof p->audio.mid, "0");
    }
    return 0;
}

static bool part_ready(const struct lg_run *run, struct lg_part *p)
{
    return atomic_load(&p->pub_state) == LG_PEER_CONNECTED &&
           atomic_load(&p->sub_state) == LG_PEER_CONNECTED &&
           atomic_load(&p->streams_seen) >= lg_streams_wanted(&run->cfg);
}

static const char *phase_name(const struct lg_run *run, int phase)
{
    static const char *const names[] = {"no WebSocket", "joining", "in the lobby", "admitted",
                                        "publish answered"};
    static const char *const janus[] = {"no Janus session", "Janus session", "Janus session",
                                        "joined the room", "publish answered"};
    if (phase < 0 || phase > LG_PHASE_ANSWERED)
        return "?";
    return run->cfg.janus ? janus[phase] : names[phase];
}

static void describe(const struct lg_run *run, struct lg_part *p)
{
    fprintf(stderr,
            "  participant %u (meeting %u, party %u%s): %s; publish %s, subscribe %s, "
            "streams %u of %u%s%s\n",
            p->index, p->meeting + 1, p->slot + 1, p->slot == 0 ? ", host" : "",
            phase_name(run, atomic_load(&p->phase)),
            lg_peer_state_name((enum lg_peer_state)atomic_load(&p->pub_state)),
            lg_peer_state_name((enum lg_peer_state)atomic_load(&p->sub_state)),
            atomic_load(&p->streams_seen), lg_streams_wanted(&run->cfg),
            atomic_load(&p->failed) ? ": " : "", atomic_load(&p->failed) ? p->reason : "");
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* A failure so far: the first failed participant, or the run's. */
static bool any_failure(struct lg_run *run)
{
    if (atomic_load(&run->signal_failed)) {
        fprintf(stderr, "samtale-load: setup failed: %s\n", run->signal_reason);
        return true;
    }
    for (unsigned i = 0; i < run->n_parts; i++) {
        struct lg_part *p = &run->parts[i];
        if (atomic_load(&p->failed)) {
            fprintf(stderr, "samtale-load: participant %u (meeting %u, party %u) failed: %s\n",
                    p->index, p->meeting + 1, p->slot + 1, p->reason);
            return true;
        }
    }
    return false;
}

/* Waits until every participant sends and receives every other's audio
 * (and camera). */
static int wait_setup(struct lg_run *run)
{
    int64_t deadline = lg_now_us() + (int64_t)run->cfg.setup_timeout_s * 1000000;
    for (;;) {
        if (any_failure(run))
            return 1;
        if (interrupted) {
            fprintf(stderr, "samtale-load: interrupted during setup\n");
            return 1;
        }
        unsigned ready = 0;
        for (unsigned i = 0; i < run->n_parts; i++)
            ready += part_ready(run, &run->parts[i]);
        if (ready == run->n_parts)
            return 0;
        if (lg_now_us() > deadline) {
            fprintf(stderr, "samtale-load: setup failed: %u of %u participants ready after %u s:\n",
                    ready, run->n_parts, run->cfg.setup_timeout_s);
            for (unsigned i = 0; i < run->n_parts; i++)
                if (!part_ready(run, &run->parts[i]))
                    describe(run, &run->parts[i]);
            return 1;
        }
        sleep_ms(50);
    }
}

static void sample_server(const struct lg_run *run, struct lg_proc_thread *t, int *n)
{
    *n = run->cfg.server_pid ? lg_proc_threads(run->cfg.server_pid, t, LG_PROC_THREADS_MAX) : 0;
    if (*n < 0)
        *n = 0;
}

int main(int argc, char **argv)
{
    static struct lg_run run;
    static struct lg_window w;
    static char host[256], janus_host[256], password[PASSWORD_MAX];
    struct lg_signal *sig = NULL;
    struct lg_janus *jan = NULL;
    int rc = 1;

    run.cfg = (struct lg_cfg){
        .meetings = 1,
        .parties = 3,
        .seconds = 10,
        .threads = 1,
        .audio_bitrate = 32000,
        .setup_timeout_s = 30,
        .decode_pct = 100,
        .feedback = true,
        .vcfg = {.n_layers = LG_VP8_MAX_LAYERS, .width = 1280, .height = 720, .fps = 30}};
    int u = parse_args(argc, argv, &run.cfg, host, sizeof host, janus_host, password);
    if (u != 0)
        return u;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    log_set_level(LOG_LEVEL_WARN);
    /* Three descriptors per participant (two UDP sockets, one WebSocket). */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &nofile);
    }
    if (srtpx_init() != 0 || dtls_cert_create(&run.cert) != 0 ||
        dtls_cert_fingerprint(run.cert, run.fingerprint) != 0) {
        fprintf(stderr, "samtale-load: cannot make the DTLS certificate\n");
        goto out;
    }
    if (lg_audio_clip_make(&run.clip, 3, run.cfg.audio_bitrate) != 0) {
        fprintf(stderr, "samtale-load: cannot encode the audio with libopus\n");
        goto out;
    }
    if (run.cfg.video) {
        int vrc = lg_video_clip_make(&run.vclip, &run.cfg.vcfg);
        if (vrc != 0) {
            fprintf(stderr, "samtale-load: cannot encode the video clip with libvpx: %s\n",
                    err_str(vrc));
            goto out;
        }
        const struct lg_video_cfg *vc = &run.cfg.vcfg;
        fprintf(stderr,
                "samtale-load: video clip: %u frames x %u layers (top %ux%u, %u fps) encoded "
                "and decoded in %.0f ms CPU\n",
                lg_vp8_clip_cfg(run.vclip)->frames, vc->n_layers, vc->width, vc->height, vc->fps,
                (double)lg_vp8_clip_cost_us(run.vclip) / 1000);
    }
    if (setup_parts(&run) != 0 || lg_media_create(&run.media, &run) != 0 ||
        lg_media_start(run.media) != 0) {
        fprintf(stderr, "samtale-load: cannot make the participants' sockets and threads\n");
        goto out;
    }
    if (run.cfg.janus ? lg_janus_start(&jan, &run) != 0 : lg_signal_start(&sig, &run) != 0) {
        fprintf(stderr, "samtale-load: cannot start the signaling client\n");
        goto out;
    }
    if (wait_setup(&run) != 0)
        goto out;

    /* Steady state: caches filled, estimators settled, before measuring. */
    int64_t warm_end = lg_now_us() + (int64_t)run.cfg.warmup_s * 1000000;
    while (!interrupted && !any_failure(&run) && lg_now_us() < warm_end)
        sleep_ms(50);

    w.start_us = lg_now_us();
    atomic_store(&run.window_start_us, w.start_us);
    /* Tools that watch the run (the capacity benchmark's profiler) wait for this line. */
    fprintf(stderr, "samtale-load: everyone is ready; measuring for %u s\n", run.cfg.seconds);
    sample_server(&run, w.srv0, &w.n_srv0);
    w.srv_cpu0_us = run.cfg.server_pid ? lg_proc_cpu_us(run.cfg.server_pid) : 0;
    w.self_cpu0_us = lg_self_cpu_us();
    int64_t end = w.start_us + (int64_t)run.cfg.seconds * 1000000;
    bool failed = false;
    while (!failed && !interrupted && lg_now_us() < end) {
        sleep_ms(50);
        failed = any_failure(&run);
    }
    w.end_us = lg_now_us();
    sample_server(&run, w.srv1, &w.n_srv1);
    w.srv_cpu1_us = run.cfg.server_pid ? lg_proc_cpu_us(run.cfg.server_pid) : 0;
    w.rss_kb = run.cfg.server_pid ? lg_proc_rss_kb(run.cfg.server_pid) : 0;
    w.self_cpu1_us = lg_self_cpu_us();
    rc = failed ? 1 : 0;

    atomic_store(&run.stop, true);
    lg_signal_stop(sig);
    lg_janus_stop(jan);
    sig = NULL;
    jan = NULL;
    struct lg_media *m = run.media;
    /* Join the media threads (their CPU times stay readable until freed). */
    lg_media_stop(m);
    struct lg_totals t;
    lg_report_totals(&run, w.end_us, &t);
    lg_report_text(stdout, &run, &w, &t);
    if (run.cfg.json_path && lg_report_json(run.cfg.json_path, &run, &w, &t) != 0) {
        fprintf(stderr, "samtale-load: cannot write %s\n", run.cfg.json_path);
        rc = 1;
    }
out:
    atomic_store(&run.stop, true);
    lg_signal_stop(sig);
    lg_janus_stop(jan);
    lg_media_destroy(run.media);
    free(run.parts);
    lg_audio_clip_free(&run.clip);
    lg_vp8_clip_destroy(run.vclip);
    dtls_cert_destroy(run.cert);
    return rc;
}
