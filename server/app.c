/* The app's wiring of the signaling layer (see app.h). */
#include "server/app.h"
#include "server/metrics.h"

static void count_error(void *server, const char *code)
{
    struct app *app = server;
    metrics_error(&app->metrics, code);
}

void app_sig_init(struct app *app)
{
    app->sig.cfg = &app->cfg.sig;
    app->sig.server = app;
    app->sig.error_sent = count_error;
}
