/* samtale: the command line. `serve` runs the server, `user` manages
 * caseworker accounts. */
#define LOG_MODULE "main"
#include "server/app.h"
#include "signaling/sip_ua.h"
#include "server/cli_user.h"
#include "signaling/pin.h"
#include "base/err.h"
#include "base/log.h"
#include "media/media.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SAMTALE_VERSION
#define SAMTALE_VERSION "0.0.0"
#endif

static struct app *running_app;

static void usage(FILE *f)
{
    fprintf(f, "usage: samtale serve [options]          run the meeting server\n"
               "       samtale user add NAME [--name \"Display Name\"] [--data DIR]\n"
               "       samtale user passwd NAME | remove NAME | list   [--data DIR]\n"
               "       samtale --help | --version\n"
               "\n"
               "serve options (each overrides the config file):\n"
               "  --config FILE      settings file (key = value; see samtale.conf.example)\n"
               "  --listen ADDR:PORT address and port for HTTPS and WSS (default 127.0.0.1:8443)\n"
               "  --data DIR         data directory holding samtale.db (default ./data)\n"
               "  --tls-cert FILE    PEM certificate chain (default certs/dev/server.pem)\n"
               "  --tls-key FILE     PEM private key (default certs/dev/server.key)\n"
               "  --web-root DIR     web client files (default ./web-client)\n"
               "  --public-url URL   base of invitation links, e.g. https://meet.example.dk\n"
               "  --log-level LEVEL  error, warn, info or debug\n"
               "\n"
               "Passwords for `user add` and `user passwd` are asked on the terminal, or read\n"
               "as one line from standard input when it is not a terminal.\n");
}

static void on_signal(int sig)
{
    (void)sig;
    if (running_app)
        http_server_stop(running_app);
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    fprintf(stderr, "samtale: cannot create data directory %s: %s\n", path, strerror(errno));
    return ERR_IO;
}

struct option_map {
    const char *flag;
    const char *key; /* config key it sets; NULL for special handling */
};

static const struct option_map serve_options[] = {
    {"--listen", "listen"},       {"--data", "data_dir"},     {"--tls-cert", "tls_cert"},
    {"--tls-key", "tls_key"},     {"--web-root", "web_root"}, {"--public-url", "public_url"},
    {"--log-level", "log_level"}, {"--config", NULL},
};

static int parse_serve_args(int argc, char **argv, struct config *cfg)
{
    char err[CONFIG_ERR_MAX];
    /* The config file first, so flags override it wherever they appear. */
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "samtale: --config needs a file\n");
                return ERR_INVAL;
            }
            if (config_load_file(cfg, argv[i + 1], err) < 0) {
                fprintf(stderr, "samtale: %s\n", err);
                return ERR_INVAL;
            }
        }
    }
    for (int i = 0; i < argc; i++) {
        const struct option_map *opt = NULL;
        for (size_t k = 0; k < sizeof serve_options / sizeof serve_options[0]; k++)
            if (strcmp(argv[i], serve_options[k].flag) == 0)
                opt = &serve_options[k];
        if (!opt) {
            fprintf(stderr, "samtale: unknown option '%s' (see samtale --help)\n", argv[i]);
            return ERR_INVAL;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "samtale: %s needs a value\n", argv[i]);
            return ERR_INVAL;
        }
        i++;
        if (opt->key && config_set(cfg, opt->key, argv[i], err) < 0) {
            fprintf(stderr, "samtale: %s: %s\n", opt->flag, err);
            return ERR_INVAL;
        }
    }
    if (config_validate(cfg, err) < 0) {
        fprintf(stderr, "samtale: %s\n", err);
        return ERR_INVAL;
    }
    return 0;
}

static int start_media(struct app *app)
{
    const struct config *c = &app->cfg;
    const char *addrs[CONFIG_PUBLIC_ADDRS_MAX];
    for (unsigned i = 0; i < c->sig.media_public_addr_count; i++)
        addrs[i] = c->sig.media_public_addrs[i];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned workers = c->workers ? c->workers : (unsigned)(cores > 0 ? cores : 1);
    if (workers > MEDIA_WORKERS_MAX)
        workers = MEDIA_WORKERS_MAX;
    if (c->media_port_min && (unsigned)(c->media_port_max - c->media_port_min) + 1 < workers)
        workers = (unsigned)(c->media_port_max - c->media_port_min) + 1;
    /* The spoken prompts, as the workers take them (read-only while they run). */
    static struct media_prompt prompts[PROMPT_COUNT];
    size_t n_prompts = 0;
    if (config_phone_enabled(c)) {
        for (size_t i = 0; i < PROMPT_COUNT; i++)
            prompts[i] = (struct media_prompt){app->prompts.p[i].pcm, app->prompts.p[i].n,
                                               app->prompts.p[i].rate};
        n_prompts = PROMPT_COUNT;
    }
    struct media_cfg mc = {
        .prompts = n_prompts ? prompts : NULL,
        .n_prompts = n_prompts,
        .workers = workers,
        .bind = c->sig.media_bind,
        .port_min = c->media_port_min,
        .public_addrs = addrs,
        .n_public = c->sig.media_public_addr_count,
        .tcp_conns = c->media_tcp_conns,
        .tcp_unauth = c->media_tcp_unauth,
        .tcp_unauth_per_addr = c->media_tcp_unauth_per_addr,
        .tcp_auth_per_addr = c->media_tcp_auth_per_addr,
        .tcp_auth_us = (int64_t)c->media_tcp_auth_timeout_ms * 1000,
        .wake = http_wake,
        .wake_arg = app,
    };
    int rc = media_start(&app->sig.media, &mc);
    if (rc < 0)
        fprintf(stderr, "samtale: cannot start the media workers on %s: %s\n", c->sig.media_bind,
                err_str(rc));
    else
        LOG_I("%u media workers on %s, ports from %u", workers, c->sig.media_bind,
              (unsigned)c->media_port_min);
    if (turn_enabled(&c->sig.turn))
        LOG_I("TURN: %u URLs from %s, credentials valid %u s", c->sig.turn.url_count,
              c->sig.turn.urls[0], c->sig.turn.ttl_seconds);
    else
        LOG_I("TURN: off (no turn_urls)");
    return rc;
}

/* Live meetings do not outlive the process: whoever the audit log still
 * shows as present (the server was killed, or stopped with people in a
 * meeting) left when it stopped; the restart is the first time we know. */
static int close_open_seats(struct app *app)
{
    size_t n = 0;
    int rc = store_audit_close_open(app->sig.store, app->started_ms, "server restart", &n);
    if (rc < 0)
        fprintf(stderr, "samtale: cannot close the seats open before the restart: %s\n",
                err_str(rc));
    else if (n > 0)
        LOG_I("%zu participants present before the restart left (audit \"leave\")", n);
    if (rc == 0 && (rc = store_invitation_close_statuses(app->sig.store, app->started_ms, &n)) < 0)
        fprintf(stderr, "samtale: cannot close the link statuses open before the restart: %s\n",
                err_str(rc));
    else if (rc == 0 && n > 0)
        LOG_I("%zu links waiting or in a meeting before the restart are now \"left\"", n);
    return rc;
}

static int serve(int argc, char **argv)
{
    static struct app app; /* large (rate-limit tables); one per process */
    char db_path[CONFIG_PATH_MAX + 16];
    int rc = 1;

    config_defaults(&app.cfg);
    if (parse_serve_args(argc, argv, &app.cfg) < 0)
        return 2;
    app_sig_init(&app);
    log_set_level(app.cfg.log_level);
    if (make_dir(app.cfg.data_dir) < 0)
        return 1;
    snprintf(db_path, sizeof db_path, "%s/samtale.db", app.cfg.data_dir);
    if (store_open(&app.sig.store, db_path) < 0) {
        fprintf(stderr, "samtale: cannot open the store %s\n", db_path);
        return 1;
    }
    char key_path[CONFIG_PATH_MAX + 16];
    if (app.cfg.link_key_file[0])
        snprintf(key_path, sizeof key_path, "%s", app.cfg.link_key_file);
    else
        snprintf(key_path, sizeof key_path, "%s/link.key", app.cfg.data_dir);
    if (linkkey_load(&app.sig.link_key, key_path) < 0) {
        fprintf(stderr, "samtale: cannot use the link key %s (see the log)\n", key_path);
        store_close(app.sig.store);
        app.sig.store = NULL;
        return 1;
    }
    ratelimit_windows_init(&app.login_limits, app.cfg.login_attempts_per_min, 60LL * 1000000);
    app.started_ms = now_wall_ms();
    if (close_open_seats(&app) < 0)
        goto out;
    if (pin_backfill(app.sig.store, &app.sig.link_key, NULL) < 0) {
        fprintf(stderr, "samtale: cannot give older invitations phone PINs (see the log)\n");
        goto out;
    }
    pinlimit_init(&app.sig.pin_limits, PINLIMIT_PER_CALLER_DEFAULT, PINLIMIT_GLOBAL_DEFAULT,
                  now_mono_us());
    if (config_phone_enabled(&app.cfg) &&
        prompts_load(&app.prompts, app.cfg.phone_prompts_dir) < 0) {
        fprintf(stderr,
                "samtale: the phone needs its spoken prompts in %s (phone_prompts_dir; `make` "
                "makes them with espeak-ng; see the log)\n",
                app.cfg.phone_prompts_dir);
        goto out;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    running_app = &app;

    /* The listen port first: the media workers may take ephemeral ports. */
    if (http_server_start(&app) < 0)
        goto out;
    if (start_media(&app) < 0) {
        http_server_abort(&app);
        goto out;
    }
    bool v6 = strchr(app.cfg.listen_addr, ':') != NULL;
    printf("samtale %s listening on https://%s%s%s:%u (links: %s, data: %s)\n", SAMTALE_VERSION,
           v6 ? "[" : "", app.cfg.listen_addr, v6 ? "]" : "", app.cfg.listen_port,
           app.cfg.public_url, app.cfg.data_dir);
    fflush(stdout);
    LOG_I("ready");
    http_server_run(&app);
    LOG_I("stopped cleanly");
    rc = 0;
out:
    running_app = NULL;
    media_stop(app.sig.media); /* only still here if the server never ran */
    app.sig.media = NULL;
    store_close(app.sig.store);
    app.sig.store = NULL;
    prompts_free(&app.prompts);
    linkkey_clear(&app.sig.link_key);
    return rc;
}

/* `samtale user ...`: --data and --config may appear anywhere after `user`. */
static int user_cmd(int argc, char **argv)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX];
    char *rest[64];
    int n = 0;
    config_defaults(&cfg);
    for (int i = 0; i < argc; i++) {
        bool data = strcmp(argv[i], "--data") == 0, conf = strcmp(argv[i], "--config") == 0;
        if (data || conf) {
            if (i + 1 >= argc) {
                fprintf(stderr, "samtale: %s needs a value\n", argv[i]);
                return 2;
            }
            int rc = data ? config_set(&cfg, "data_dir", argv[i + 1], err)
                          : config_load_file(&cfg, argv[i + 1], err);
            if (rc < 0) {
                fprintf(stderr, "samtale: %s\n", err);
                return 2;
            }
            i++;
        } else if (n < (int)(sizeof rest / sizeof rest[0]) - 1) {
            rest[n++] = argv[i];
        }
    }
    rest[n] = NULL;
    log_set_level(LOG_LEVEL_WARN); /* keep the command's own output clean */
    if (n == 0) {
        usage(stderr);
        return 2;
    }
    return cli_user_main(n, rest, cfg.data_dir);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("samtale %s\n", SAMTALE_VERSION);
        return 0;
    }
    if (strcmp(cmd, "serve") == 0) {
        sip_global_init(); /* libosip2's tables, before any thread */
        return serve(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "user") == 0)
        return user_cmd(argc - 2, argv + 2);
    fprintf(stderr, "samtale: unknown command '%s' (see samtale --help)\n", cmd);
    return 2;
}
