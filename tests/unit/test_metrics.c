#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "server/metrics.h"

static void renders_every_family_with_help_and_type(void **state)
{
    (void)state;
    static struct metrics m;
    memset(&m, 0, sizeof m);
    struct metrics_live live = {.meetings_live = 2, .participants = {1, 3, 0}, .uptime_s = 7};
    live.ws.ws_connections = 4;
    metrics_error(&m, "bad_json");
    metrics_error(&m, "bad_json");
    metrics_error(&m, "rate_limited");
    metrics_http(&m, 200);
    metrics_http(&m, 404);
    metrics_http(&m, 200);
    char buf[8192];
    int n = metrics_render(&m, &live, buf, sizeof buf);
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(buf));
    assert_non_null(strstr(buf, "# TYPE samtale_ws_connections gauge\nsamtale_ws_connections 4\n"));
    assert_non_null(strstr(buf, "samtale_errors_total{code=\"bad_json\"} 2\n"));
    assert_non_null(strstr(buf, "samtale_errors_total{code=\"rate_limited\"} 1\n"));
    assert_non_null(strstr(buf, "samtale_http_requests_total{status=\"200\"} 2\n"));
    assert_non_null(strstr(buf, "samtale_participants{state=\"admitted\"} 3\n"));
    assert_non_null(strstr(buf, "samtale_meetings_live 2\n"));
    /* every sample line's family was introduced by HELP and TYPE */
    for (char *line = buf; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        if (line[0] != '#') {
            char name[128];
            size_t len = strcspn(line, "{ ");
            assert_true(len < sizeof name);
            memcpy(name, line, len);
            name[len] = '\0';
            char help[160];
            snprintf(help, sizeof help, "# HELP %s ", name);
            assert_non_null(strstr(buf, help));
        }
        line = nl + 1;
    }
}

static void renders_ice_tcp_admission_per_worker(void **state)
{
    (void)state;
    static struct metrics m;
    static struct metrics_live live;
    static char buf[65536];
    memset(&m, 0, sizeof m);
    memset(&live, 0, sizeof live);
    live.n_workers = 2;
    live.workers[1].tcp_accepted = 9;
    live.workers[1].tcp_unauth = 3;
    live.workers[1].tcp_auth = 2;
    live.workers[1].tcp_evicted = 5;
    live.workers[1].tcp_refused_addr = 7;
    live.workers[1].tcp_closed_deadline = 4;
    live.workers[1].tcp_refused_auth = 1;
    live.workers[1].tcp_refused_auth_addr = 6;
    live.workers[1].tcp_closed_superseded = 8;
    live.workers[1].tcp_closed_ended = 11;
    assert_true(metrics_render(&m, &live, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "# TYPE samtale_media_tcp_connections gauge\n"));
    assert_non_null(strstr(buf, "samtale_media_tcp_accepted_total{worker=\"1\"} 9\n"));
    assert_non_null(strstr(buf, "samtale_media_tcp_accepted_total{worker=\"0\"} 0\n"));
    assert_non_null(
        strstr(buf, "samtale_media_tcp_connections{worker=\"1\",state=\"unauthenticated\"} 3\n"));
    assert_non_null(
        strstr(buf, "samtale_media_tcp_connections{worker=\"1\",state=\"authenticated\"} 2\n"));
    assert_non_null(
        strstr(buf, "samtale_media_tcp_dropped_total{worker=\"1\",reason=\"evicted\"} 5\n"));
    assert_non_null(
        strstr(buf, "samtale_media_tcp_dropped_total{worker=\"1\",reason=\"address_cap\"} 7\n"));
    assert_non_null(
        strstr(buf, "samtale_media_tcp_dropped_total{worker=\"1\",reason=\"deadline\"} 4\n"));
    assert_non_null(
        strstr(buf, "samtale_media_tcp_dropped_total{worker=\"1\",reason=\"auth_full\"} 1\n"));
    assert_non_null(strstr(
        buf, "samtale_media_tcp_dropped_total{worker=\"1\",reason=\"auth_address_cap\"} 6\n"));
    assert_non_null(
        strstr(buf, "samtale_media_tcp_dropped_total{worker=\"1\",reason=\"transport_cap\"} 8\n"));
    assert_non_null(strstr(
        buf, "samtale_media_tcp_dropped_total{worker=\"1\",reason=\"transport_ended\"} 11\n"));
}

static void renders_sfu_rtp_out_dropped_per_worker(void **state)
{
    (void)state;
    static struct metrics m;
    static struct metrics_live live;
    static char buf[65536];
    memset(&m, 0, sizeof m);
    memset(&live, 0, sizeof live);
    live.n_workers = 2;
    live.workers[1].rtp_out_dropped = 13;
    assert_true(metrics_render(&m, &live, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "# HELP samtale_sfu_rtp_out_dropped_total RTP packets for "));
    assert_non_null(strstr(buf, "# TYPE samtale_sfu_rtp_out_dropped_total counter\n"
                                "samtale_sfu_rtp_out_dropped_total{worker=\"0\"} 0\n"
                                "samtale_sfu_rtp_out_dropped_total{worker=\"1\"} 13\n"));
}

static void renders_what_each_wakeup_carried(void **state)
{
    (void)state;
    static struct metrics m;
    static struct metrics_live live;
    static char buf[65536];
    memset(&m, 0, sizeof m);
    memset(&live, 0, sizeof live);
    live.n_workers = 1;
    live.workers[0].wakeups = 1282;
    live.workers[0].recv_calls = 1500;
    live.workers[0].gso_datagrams = 30000;
    assert_true(metrics_render(&m, &live, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "# TYPE samtale_media_wakeups_total counter\n"
                                "samtale_media_wakeups_total{worker=\"0\"} 1282\n"));
    assert_non_null(strstr(buf, "samtale_media_recv_calls_total{worker=\"0\"} 1500\n"));
    assert_non_null(strstr(buf, "samtale_media_gso_datagrams_total{worker=\"0\"} 30000\n"));
}

static void too_small_buffer_is_an_error(void **state)
{
    (void)state;
    static struct metrics m;
    struct metrics_live live = {0};
    char buf[64];
    assert_int_equal(metrics_render(&m, &live, buf, sizeof buf), ERR_TOOBIG);
}

/* Every worker's samples appear however many workers run: at 64 workers with full counters
 * the rendering is several times the first 64 KiB buffer. */
static void all_workers_render_at_any_count(void **state)
{
    (void)state;
    static struct metrics m;
    static struct metrics_live live;
    memset(&m, 0, sizeof m);
    memset(&live, 0xff, sizeof live.workers);
    live.n_workers = MEDIA_WORKERS_MAX;
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(metrics_render_alloc(&m, &live, &out, &len), 0);
    assert_true(len > 64 * 1024);
    assert_int_equal(strlen(out), len);
    assert_non_null(strstr(out, "samtale_sfu_upstream_repair_seconds_total{worker=\"63\"}"));
    assert_non_null(strstr(out, "samtale_media_packets_total{worker=\"63\",direction=\"out\"} "
                                "18446744073709551615\n"));
    free(out);
}

static void error_table_is_bounded(void **state)
{
    (void)state;
    static struct metrics m;
    memset(&m, 0, sizeof m);
    char code[16];
    for (int i = 0; i < METRICS_ERROR_CODES_MAX + 10; i++) {
        snprintf(code, sizeof code, "code_%d", i);
        metrics_error(&m, code);
    }
    assert_int_equal(m.error_code_count, METRICS_ERROR_CODES_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(renders_every_family_with_help_and_type),
        cmocka_unit_test(renders_ice_tcp_admission_per_worker),
        cmocka_unit_test(renders_sfu_rtp_out_dropped_per_worker),
        cmocka_unit_test(renders_what_each_wakeup_carried),
        cmocka_unit_test(too_small_buffer_is_an_error),
        cmocka_unit_test(all_workers_render_at_any_count),
        cmocka_unit_test(error_table_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
