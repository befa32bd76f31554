/* The generator's report (load_report.h). */
#include "tests/load/load_report.h"

#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/err.h"
#include "tests/load/load_media.h"

static uint64_t ticks_to_us(uint64_t ticks)
{
    long hz = sysconf(_SC_CLK_TCK);
    return ticks * 1000000u / (uint64_t)(hz > 0 ? hz : 100);
}

/* comm and utime+stime from one /proc/.../stat. */
static int read_stat(const char *path, struct lg_proc_thread *t)
{
    char buf[1024];
    FILE *f = fopen(path, "r");
    if (!f)
        return ERR_IO;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (!open || !close || close < open)
        return ERR_PARSE;
    size_t clen = (size_t)(close - open - 1);
    if (clen >= sizeof t->comm)
        clen = sizeof t->comm - 1;
    memcpy(t->comm, open + 1, clen);
    t->comm[clen] = '\0';
    /* After the comm: state (field 3), then numbers; utime is field 14,
     * stime field 15. */
    char *p = close + 2;
    if (*p == '\0' || p[1] != ' ')
        return ERR_PARSE;
    p += 2;
    uint64_t v[13] = {0}; /* fields 4..16 */
    for (int i = 0; i < 13; i++) {
        char *end;
        v[i] = strtoull(p, &end, 10);
        if (end == p)
            return ERR_PARSE;
        p = end;
    }
    t->cpu_us = ticks_to_us(v[10] + v[11]);
    return 0;
}

static int read_schedstat(const char *path, uint64_t *ns)
{
    char buf[128];
    FILE *f = fopen(path, "r");
    if (!f)
        return ERR_IO;
    bool ok = fgets(buf, sizeof buf, f) != NULL;
    fclose(f);
    char *end;
    if (!ok)
        return ERR_IO;
    *ns = strtoull(buf, &end, 10);
    return end == buf ? ERR_PARSE : 0;
}

int lg_proc_threads(int pid, struct lg_proc_thread *out, size_t cap)
{
    char dir[64], path[512];
    snprintf(dir, sizeof dir, "/proc/%d/task", pid);
    DIR *d = opendir(dir);
    if (!d)
        return ERR_IO;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < cap) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "%s/%s/stat", dir, e->d_name);
        if (read_stat(path, &out[n]) == 0) {
            /* The scheduler's run time (ns) is finer than the clock ticks. */
            uint64_t ns;
            snprintf(path, sizeof path, "%s/%s/schedstat", dir, e->d_name);
            if (read_schedstat(path, &ns) == 0)
                out[n].cpu_us = ns / 1000;
            out[n].tid = (int)strtol(e->d_name, NULL, 10);
            n++;
        }
    }
    closedir(d);
    return (int)n;
}

uint64_t lg_proc_cpu_us(int pid)
{
    char path[64];
    struct lg_proc_thread t;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    return read_stat(path, &t) == 0 ? t.cpu_us : 0;
}

uint64_t lg_proc_rss_kb(int pid)
{
    char path[64], line[256];
    uint64_t kb = 0;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtoull(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

uint64_t lg_self_cpu_us(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double per_sec(uint64_t n, int64_t us)
{
    return us > 0 ? (double)n * 1e6 / (double)us : 0;
}

/* A video stream's checker statistics; false when it has no checker. */
static bool video_stats(const struct lg_rx_stream *s, int64_t end_us, struct lg_vp8_recv_stats *st)
{
    if (!s->is_video || !s->video.chk)
        return false;
    lg_vp8_recv_stats(s->video.chk, (uint64_t)end_us, st);
    return true;
}

static void video_totals(const struct lg_run *run, int64_t end_us, struct lg_totals *t)
{
    size_t cap = (size_t)run->n_parts * LG_MAX_RX + 1;
    uint64_t *ff = calloc(cap, sizeof *ff);
    double fps = 0;
    for (unsigned i = 0; i < run->n_parts; i++) {
        const struct lg_part *p = &run->parts[i];
        t->keyframe_requests += p->video.keyframe_requests;
        t->rtcp_sent += p->rtcp_sent;
        for (unsigned k = 0; k < p->n_rx; k++) {
            struct lg_vp8_recv_stats st;
            t->plis_sent += p->rx[k].video.plis;
            if (!p->rx[k].is_video)
                continue;
            t->video_streams++;
            if (!video_stats(&p->rx[k], end_us, &st))
                continue;
            t->video_streams_decoded += p->rx[k].decode;
            t->frames_shown += st.shown;
            t->frames_decoded += st.decoded;
            t->frames_corrupt += st.corrupt;
            t->frames_incomplete += st.incomplete + st.missing;
            t->frames_skipped += st.skipped;
            t->video_decode_errors += st.decode_errors;
            t->freezes += st.freezes;
            t->frozen_us += st.frozen_us + st.frozen_now_us;
            t->layer_switches += st.layer_switches;
            fps += st.fps;
            if (st.has_first && ff)
                ff[t->video_with_first++] = st.join_to_first_us;
        }
    }
    t->decode_errors += t->video_decode_errors;
    t->video_fps = t->video_streams ? fps / t->video_streams : 0;
    if (ff && t->video_with_first) {
        qsort(ff, t->video_with_first, sizeof *ff, cmp_u64);
        t->first_frame_p50_us = ff[(t->video_with_first - 1) / 2];
        t->first_frame_max_us = ff[t->video_with_first - 1];
    }
    free(ff);
}

void lg_report_totals(const struct lg_run *run, int64_t end_us, struct lg_totals *t)
{
    static struct lg_hist all; /* merged delays; only the main thread reports */
    memset(&all, 0, sizeof all);
    memset(t, 0, sizeof *t);
    uint64_t *jf = calloc(run->n_parts + 1, sizeof *jf);
    for (unsigned i = 0; i < run->n_parts; i++) {
        const struct lg_part *p = &run->parts[i];
        t->sent_packets += p->sent_packets;
        t->sent_bytes += p->sent_bytes;
        t->send_dropped += p->send_dropped;
        t->send_errors += p->send_errors;
        t->auth_failures += p->auth_failures;
        if (p->pub.connected_us) {
            t->sent_pps += per_sec(p->sent_packets, end_us - p->pub.connected_us);
            t->sent_bps += 8 * per_sec(p->sent_bytes, end_us - p->pub.connected_us);
        }
        t->streams_wanted += lg_streams_wanted(&run->cfg);
        uint64_t pk = 0, by = 0;
        for (unsigned k = 0; k < p->n_rx; k++) {
            const struct lg_rx_stream *s = &p->rx[k];
            pk += s->packets;
            by += s->bytes;
            if (s->in_window) {
                t->rx_window_packets += s->packets - s->window_packets0;
                t->rx_window_bytes += s->bytes - s->window_bytes0;
            }
            if (s->stream == UINT32_MAX)
                continue;
            t->streams++;
            t->expected += lg_seq_expected(&s->seq);
            t->lost += lg_seq_lost(&s->seq);
            t->reordered += s->seq.reordered;
            t->duplicates += s->seq.duplicates;
            t->decode_errors += s->decode_errors;
            t->decoded += s->decoded;
            t->streams_decoded += s->decode;
            lg_hist_merge(&all, &s->delay);
        }
        t->rx_packets += pk;
        t->rx_bytes += by;
        int64_t first = atomic_load(&p->first_rx_us), adm = atomic_load(&p->admitted_us);
        if (first) {
            t->rx_pps += per_sec(pk, end_us - first);
            t->rx_bps += 8 * per_sec(by, end_us - first);
            if (adm && jf)
                jf[t->joined_with_media++] = (uint64_t)(first - adm);
        }
    }
    t->loss_pct = t->expected ? 100.0 * (double)t->lost / (double)t->expected : 0;
    t->delay_p50_us = lg_hist_quantile(&all, 0.5);
    t->delay_p99_us = lg_hist_quantile(&all, 0.99);
    if (jf && t->joined_with_media) {
        qsort(jf, t->joined_with_media, sizeof *jf, cmp_u64);
        t->join_first_p50_us = jf[(t->joined_with_media - 1) / 2];
        t->join_first_max_us = jf[t->joined_with_media - 1];
    }
    free(jf);
    video_totals(run, end_us, t);
    lg_fb_totals(run, &t->fb);
}

/* The server's CPU per thread over the window: end minus start, by tid. */
static uint64_t srv_delta(const struct lg_window *w, int k)
{
    for (int i = 0; i < w->n_srv0; i++)
        if (w->srv0[i].tid == w->srv1[k].tid)
            return w->srv1[k].cpu_us - w->srv0[i].cpu_us;
    return w->srv1[k].cpu_us;
}

static void video_text(FILE *f, const struct lg_run *run, const struct lg_totals *t)
{
    fprintf(
        f, "  video     clip encoded and decoded in %.0f ms CPU; %u camera streams, %u decoded\n",
        (double)lg_vp8_clip_cost_us(run->vclip) / 1000, t->video_streams, t->video_streams_decoded);
    fprintf(f,
            "    frames shown %" PRIu64 ", decoded %" PRIu64 ", corrupt %" PRIu64
            ", decode errors %" PRIu64 ", incomplete or missing %" PRIu64 ", skipped %" PRIu64 "\n",
            t->frames_shown, t->frames_decoded, t->frames_corrupt, t->video_decode_errors,
            t->frames_incomplete, t->frames_skipped);
    fprintf(f,
            "    freezes %" PRIu64 " (%.0f ms frozen), %.1f fps per stream, layer switches %" PRIu64
            "\n",
            t->freezes, (double)t->frozen_us / 1000, t->video_fps, t->layer_switches);
    fprintf(f,
            "    join to first shown frame: p50 %.0f ms, max %.0f ms (%u of %u streams); "
            "keyframe requests to publishers %" PRIu64 ", PLIs sent %" PRIu64 ", RTCP sent %" PRIu64
            "\n",
            (double)t->first_frame_p50_us / 1000, (double)t->first_frame_max_us / 1000,
            t->video_with_first, t->video_streams, t->keyframe_requests, t->plis_sent,
            t->rtcp_sent);
}

void lg_report_text(FILE *f, const struct lg_run *run, const struct lg_window *w,
                    const struct lg_totals *t)
{
    double secs = (double)(w->end_us - w->start_us) / 1e6;
    fprintf(f, "samtale-load: %u meetings x %u parties = %u participants, %.1f s measured\n",
            run->cfg.meetings, run->cfg.parties, run->n_parts, secs);
    fprintf(f,
            "  sent      %" PRIu64 " packets, %.0f pkt/s, %.0f bit/s (%" PRIu64
            " dropped on purpose, %" PRIu64 " send errors)\n",
            t->sent_packets, t->sent_pps, t->sent_bps, t->send_dropped, t->send_errors);
    fprintf(f, "  received  %" PRIu64 " packets, %.0f pkt/s, %.0f bit/s; streams %u of %u\n",
            t->rx_packets, t->rx_pps, t->rx_bps, t->streams, t->streams_wanted);
    fprintf(f, "    in the window %" PRIu64 " packets, %.0f pkt/s, %.0f bit/s\n",
            t->rx_window_packets, secs > 0 ? (double)t->rx_window_packets / secs : 0,
            secs > 0 ? 8 * (double)t->rx_window_bytes / secs : 0);
    fprintf(f,
            "  loss      %.3f %% (%" PRIu64 " of %" PRIu64 "), reordered %" PRIu64
            ", duplicates %" PRIu64 "\n",
            t->loss_pct, t->lost, t->expected, t->reordered, t->duplicates);
    fprintf(f, "  delay     p50 %.2f ms, p99 %.2f ms\n", (double)t->delay_p50_us / 1000,
            (double)t->delay_p99_us / 1000);
    fprintf(f,
            "  decoded   %" PRIu64
            " audio packets, %u streams in the decoded sample; errors: decode %" PRIu64
            ", SRTP auth %" PRIu64 "\n",
            t->decoded, t->streams_decoded, t->decode_errors, t->auth_failures);
    fprintf(f, "  join to first packet: p50 %.0f ms, max %.0f ms (%u participants)\n",
            (double)t->join_first_p50_us / 1000, (double)t->join_first_max_us / 1000,
            t->joined_with_media);
    lg_fb_text(f, &t->fb);
    if (run->vclip)
        video_text(f, run, t);
    for (unsigned i = 0; i < run->n_parts; i++) {
        const struct lg_part *p = &run->parts[i];
        for (unsigned k = 0; k < p->n_rx; k++) {
            const struct lg_rx_stream *s = &p->rx[k];
            if (s->stream == UINT32_MAX)
                continue;
            struct lg_vp8_recv_stats st;
            bool v = video_stats(s, w->end_us, &st);
            fprintf(f,
                    "    participant %u <- %u/%u: %" PRIu64 " packets, lost %" PRIu64 " (%" PRIu64
                    " before repair), decode errors %" PRIu64,
                    p->index, s->stream >> 8, s->stream & 0xff, s->packets, lg_seq_lost(&s->seq),
                    s->seq.gaps, s->decode_errors + (v ? st.decode_errors : 0));
            if (s->rtx_packets || s->nack.nacks)
                fprintf(f, "; NACKs %" PRIu64 ", RTX %" PRIu64 " (%" PRIu64 " recovered)",
                        s->nack.nacks, s->rtx_packets, s->rtx_recovered);
            if (v)
                fprintf(f,
                        "; frames shown %" PRIu64 ", decoded %" PRIu64 ", corrupt %" PRIu64
                        ", freezes %" PRIu64 ", layer %d",
                        st.shown, st.decoded, st.corrupt, st.freezes, st.layer);
            fprintf(f, "\n");
        }
    }
    if (w->n_srv1 > 0) {
        uint64_t sum = 0;
        fprintf(f, "  server    RSS %" PRIu64 " kB; CPU in the window per thread:\n", w->rss_kb);
        for (int k = 0; k < w->n_srv1; k++) {
            uint64_t d = srv_delta(w, k);
            sum += d;
            if (d > 0)
                fprintf(f, "    %-16s %8.1f ms\n", w->srv1[k].comm, (double)d / 1000);
        }
        fprintf(f, "    total            %8.1f ms (%.1f %% of one core)\n", (double)sum / 1000,
                secs > 0 ? (double)sum / 1e4 / secs : 0);
        uint64_t all = w->srv_cpu1_us - w->srv_cpu0_us;
        fprintf(
            f,
            "    whole process    %8.1f ms (%.1f %% of one core; every thread, in clock ticks)\n",
            (double)all / 1000, secs > 0 ? (double)all / 1e4 / secs : 0);
    }
    fprintf(f, "  generator CPU in the window %.1f ms; media threads over the run:",
            (double)(w->self_cpu1_us - w->self_cpu0_us) / 1000);
    for (unsigned k = 0; k < run->cfg.threads; k++)
        fprintf(f, " %.1f ms", (double)lg_media_thread_cpu_us(run->media, k) / 1000);
    fprintf(f, "\n");
}

/* A video stream's checker figures, added to its JSON object o. */
static json_t *video_json(json_t *o, const struct lg_rx_stream *s, int64_t end_us)
{
    struct lg_vp8_recv_stats st;
    if (!o || !s->is_video)
        return o;
    json_object_set_new(o, "kind", json_string("video"));
    json_object_set_new(o, "plis", json_integer((json_int_t)s->video.plis));
    if (!video_stats(s, end_us, &st))
        return o;
    json_object_set_new(o, "decode_errors", json_integer((json_int_t)st.decode_errors));
    json_t *v =
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:I, s:f}",
                  "frames_shown", (json_int_t)st.shown, "frames_decoded", (json_int_t)st.decoded,
                  "corrupt", (json_int_t)st.corrupt, "decode_errors", (json_int_t)st.decode_errors,
                  "complete", (json_int_t)st.complete, "incomplete", (json_int_t)st.incomplete,
                  "missing", (json_int_t)st.missing, "skipped", (json_int_t)st.skipped, "keyframes",
                  (json_int_t)st.keyframes, "freezes", (json_int_t)st.freezes, "frozen_us",
                  (json_int_t)(st.frozen_us + st.frozen_now_us), "layer_switches",
                  (json_int_t)st.layer_switches, "layer", st.layer, "join_to_first_frame_us",
                  (json_int_t)(st.has_first ? (json_int_t)st.join_to_first_us : -1), "fps", st.fps);
    json_object_set_new(o, "video", v);
    return o;
}

static json_t *video_totals_json(const struct lg_run *run, const struct lg_totals *t)
{
    return json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
        "s:I, s:I, s:I, s:f}",
        "clip_cost_us", (json_int_t)lg_vp8_clip_cost_us(run->vclip), "streams",
        (json_int_t)t->video_streams, "streams_decoded", (json_int_t)t->video_streams_decoded,
        "streams_with_first_frame", (json_int_t)t->video_with_first, "frames_shown",
        (json_int_t)t->frames_shown, "frames_decoded", (json_int_t)t->frames_decoded, "corrupt",
        (json_int_t)t->frames_corrupt, "decode_errors", (json_int_t)t->video_decode_errors,
        "incomplete_or_missing", (json_int_t)t->frames_incomplete, "skipped",
        (json_int_t)t->frames_skipped, "freezes", (json_int_t)t->freezes, "frozen_us",
        (json_int_t)t->frozen_us, "layer_switches", (json_int_t)t->layer_switches,
        "keyframe_requests", (json_int_t)t->keyframe_requests, "plis_sent",
        (json_int_t)t->plis_sent, "join_to_first_frame_p50_us", (json_int_t)t->first_frame_p50_us,
        "join_to_first_frame_max_us", (json_int_t)t->first_frame_max_us, "fps", t->video_fps);
}

int lg_report_json(const char *path, const struct lg_run *run, const struct lg_window *w,
                   const struct lg_totals *t)
{
    json_t *parts = json_array(), *srv = json_array(), *mt = json_array();
    for (unsigned i = 0; i < run->n_parts; i++) {
        const struct lg_part *p = &run->parts[i];
        json_t *rx = json_array();
        for (unsigned k = 0; k < p->n_rx; k++) {
            const struct lg_rx_stream *s = &p->rx[k];
            if (s->stream == UINT32_MAX)
                continue;
            json_t *o = json_pack(
                "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "decoded",
                (json_int_t)s->decoded, "from", (json_int_t)(s->stream >> 8), "what",
                (json_int_t)(s->stream & 0xff), "packets", (json_int_t)s->packets, "expected",
                (json_int_t)lg_seq_expected(&s->seq), "lost", (json_int_t)lg_seq_lost(&s->seq),
                "reordered", (json_int_t)s->seq.reordered, "duplicates",
                (json_int_t)s->seq.duplicates, "decode_errors", (json_int_t)s->decode_errors,
                "delay_p50_us", (json_int_t)lg_hist_quantile(&s->delay, 0.5), "delay_p99_us",
                (json_int_t)lg_hist_quantile(&s->delay, 0.99));
            lg_fb_stream_json(o, s);
            json_array_append_new(rx, video_json(o, s, w->end_us));
        }
        int64_t first = atomic_load(&p->first_rx_us), adm = atomic_load(&p->admitted_us);
        json_array_append_new(
            parts, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "participant",
                             (json_int_t)p->index, "meeting", (json_int_t)p->meeting, "party",
                             (json_int_t)p->slot, "sent_packets", (json_int_t)p->sent_packets,
                             "auth_failures", (json_int_t)p->auth_failures, "join_to_first_us",
                             (json_int_t)(first && adm ? first - adm : -1), "streams",
                             (json_int_t)atomic_load(&p->streams_seen), "received", rx));
    }
    for (int k = 0; k < w->n_srv1; k++)
        json_array_append_new(srv, json_pack("{s:s, s:I}", "thread", w->srv1[k].comm, "cpu_us",
                                             (json_int_t)srv_delta(w, k)));
    for (unsigned k = 0; k < run->cfg.threads; k++)
        json_array_append_new(mt, json_integer((json_int_t)lg_media_thread_cpu_us(run->media, k)));
    json_t *j = json_pack(
        "{s:I, s:I, s:I, s:f, s:{s:I, s:f, s:f, s:I, s:I}, s:{s:I, s:f, s:f, s:I, s:I}, "
        "s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:o}, s:{s:I, s:o}, s:o}",
        "participants", (json_int_t)run->n_parts, "meetings", (json_int_t)run->cfg.meetings,
        "parties", (json_int_t)run->cfg.parties, "seconds", (double)(w->end_us - w->start_us) / 1e6,
        "sent", "packets", (json_int_t)t->sent_packets, "pps", t->sent_pps, "bps", t->sent_bps,
        "dropped_on_purpose", (json_int_t)t->send_dropped, "errors", (json_int_t)t->send_errors,
        "received", "packets", (json_int_t)t->rx_packets, "pps", t->rx_pps, "bps", t->rx_bps,
        "streams", (json_int_t)t->streams, "streams_wanted", (json_int_t)t->streams_wanted,
        "loss_pct", t->loss_pct, "lost", (json_int_t)t->lost, "expected", (json_int_t)t->expected,
        "reordered", (json_int_t)t->reordered, "duplicates", (json_int_t)t->duplicates,
        "decode_errors", (json_int_t)t->decode_errors, "auth_failures",
        (json_int_t)t->auth_failures, "delay_p50_us", (json_int_t)t->delay_p50_us, "delay_p99_us",
        (json_int_t)t->delay_p99_us, "join_to_first_p50_us", (json_int_t)t->join_first_p50_us,
        "server", "rss_kb", (json_int_t)w->rss_kb, "threads", srv, "generator", "cpu_us",
        (json_int_t)(w->self_cpu1_us - w->self_cpu0_us), "media_threads_cpu_us", mt,
        "participant_list", parts);
    if (!j)
        return ERR_NOMEM;
    double secs = (double)(w->end_us - w->start_us) / 1e6;
    json_t *rx = json_object_get(j, "received");
    json_object_set_new(rx, "window_packets", json_integer((json_int_t)t->rx_window_packets));
    json_object_set_new(rx, "window_pps",
                        json_real(secs > 0 ? (double)t->rx_window_packets / secs : 0));
    json_object_set_new(rx, "window_bps",
                        json_real(secs > 0 ? 8 * (double)t->rx_window_bytes / secs : 0));
    json_object_set_new(json_object_get(j, "server"), "cpu_us",
                        json_integer((json_int_t)(w->srv_cpu1_us - w->srv_cpu0_us)));
    json_object_set_new(j, "join_to_first_max_us", json_integer((json_int_t)t->join_first_max_us));
    json_object_set_new(j, "decoded_packets", json_integer((json_int_t)t->decoded));
    json_object_set_new(j, "decoded_streams", json_integer((json_int_t)t->streams_decoded));
    json_object_set_new(j, "rtcp_sent", json_integer((json_int_t)t->rtcp_sent));
    if (run->vclip)
        json_object_set_new(j, "video", video_totals_json(run, t));
    json_object_set_new(j, "feedback", lg_fb_json(&t->fb));
    int rc = json_dump_file(j, path, JSON_INDENT(1)) == 0 ? 0 : ERR_IO;
    json_decref(j);
    return rc;
}
