/* The retransmission caches' memory (media/rtx_cache.c): PUBLISHERS
 * publishers as the router keeps them, each a three-layer VP8 camera of
 * the capacity benchmark (100/300/800 kbit/s at 30 fps, a keyframe of six
 * times a frame's packets every 2 s) and an Opus microphone (32 kbit/s,
 * 20 ms packets), after SECONDS of their packets: the bytes each stream
 * holds (rtx_cache_bytes) and the process's RSS growth. For comparison,
 * what the former layout (one 2 KiB slot per packet, 512 per video
 * stream, 64 per audio stream) held whatever the packets' size.
 *   make MODE=release build/release/bench/bench_rtx_cache
 *   build/release/bench/bench_rtx_cache */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/bench/bench.h"
#include "media/rtx_cache.h"

#define PUBLISHERS 150
#define SECONDS 20
#define FPS 30
#define VIDEO_SLOTS 512 /* ROUTER_RTX_CACHE_PACKETS */
#define AUDIO_SLOTS 64  /* ROUTER_AUDIO_CACHE_PACKETS */

static long rss_kib(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f == NULL)
        bench_fail("bench_rtx_cache", "/proc/self/statm");
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
        bench_fail("bench_rtx_cache", "reading /proc/self/statm");
    fclose(f);
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(void)
{
    static struct rtx_cache *c[PUBLISHERS][4];
    static uint8_t pkt[RTX_CACHE_PKT_CAP];
    static const unsigned kbps[3] = {100, 300, 800};
    int64_t seq[4] = {0};
    size_t bytes[4] = {0}, total = 0, old;
    long rss0 = rss_kib(), rss1;
    double t0, t1;
    uint64_t puts = 0;

    memset(pkt, 0x5a, sizeof(pkt));
    for (size_t p = 0; p < PUBLISHERS; p++) {
        for (size_t l = 0; l < 3; l++)
            if (rtx_cache_create(&c[p][l], VIDEO_SLOTS, rtx_cache_budget(true, l, 3)) < 0)
                bench_fail("bench_rtx_cache", "rtx_cache_create");
        if (rtx_cache_create(&c[p][3], AUDIO_SLOTS, rtx_cache_budget(false, 0, 1)) < 0)
            bench_fail("bench_rtx_cache", "rtx_cache_create");
    }
    t0 = bench_cpu_ns();
    for (int frame = 0; frame < SECONDS * FPS; frame++) {
        for (size_t l = 0; l < 3; l++) {
            size_t size = kbps[l] * 1000 / 8 / FPS, n = (size + 1099) / 1100;
            size_t each = size / n + 40; /* RTP header and extensions */

            if (frame % (2 * FPS) == 0)
                n *= 6;
            for (size_t k = 0; k < n; k++, seq[l]++)
                for (size_t p = 0; p < PUBLISHERS; p++, puts++)
                    (void)rtx_cache_put(c[p][l], seq[l], pkt, each);
        }
        for (int a = 0; a < (frame % 2 ? 2 : 1); a++, seq[3]++) /* 50 a second */
            for (size_t p = 0; p < PUBLISHERS; p++, puts++)
                (void)rtx_cache_put(c[p][3], seq[3], pkt, 120);
    }
    t1 = bench_cpu_ns();
    rss1 = rss_kib();
    for (size_t s = 0; s < 4; s++)
        bytes[s] = rtx_cache_bytes(c[0][s]);
    for (size_t s = 0; s < 4; s++)
        total += bytes[s];
    old = 3 * VIDEO_SLOTS * (RTX_CACHE_PKT_CAP + 16) + AUDIO_SLOTS * (RTX_CACHE_PKT_CAP + 16);
    printf("%d publishers (3 video layers of 100/300/800 kbit/s, audio 32 kbit/s), %d s:\n",
           PUBLISHERS, SECONDS);
    printf("| | low | mid | top | audio | per publisher | %d publishers |\n", PUBLISHERS);
    printf("| bytes held (rtx_cache_bytes) | %zu | %zu | %zu | %zu | %.0f KiB | %.1f MiB |\n",
           bytes[0], bytes[1], bytes[2], bytes[3], (double)total / 1024,
           (double)total * PUBLISHERS / (1 << 20));
    printf("| RSS growth | | | | | %.0f KiB | %.1f MiB |\n", (double)(rss1 - rss0) / PUBLISHERS,
           (double)(rss1 - rss0) / 1024);
    printf("| the 2 KiB slots' layout | %d | %d | %d | %d | %.0f KiB | %.1f MiB |\n",
           VIDEO_SLOTS * (RTX_CACHE_PKT_CAP + 16), VIDEO_SLOTS * (RTX_CACHE_PKT_CAP + 16),
           VIDEO_SLOTS * (RTX_CACHE_PKT_CAP + 16), AUDIO_SLOTS * (RTX_CACHE_PKT_CAP + 16),
           (double)old / 1024, (double)old * PUBLISHERS / (1 << 20));
    printf("%.1f ns per put (CPU time of this thread, %llu puts, each to the next of %d caches: "
           "mostly memory misses)\n",
           (t1 - t0) / (double)puts, (unsigned long long)puts, PUBLISHERS * 4);
    for (size_t p = 0; p < PUBLISHERS; p++)
        for (size_t s = 0; s < 4; s++)
            rtx_cache_destroy(c[p][s]);
    return 0;
}
