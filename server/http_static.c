/* Static files of the web client: where a URL path leads under the web root,
 * and the MIME type to send. */
#include "server/http_static.h"
#include "server/app.h"
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
    const char *ext;
    const char *mime;
} mime_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".ics", "text/calendar; charset=utf-8"},
    {".wav", "audio/wav"},
    {".wasm", "application/wasm"},
    {".tflite", "application/octet-stream"},
    {".binarypb", "application/octet-stream"},
};

const char *http_static_mime(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/')) {
        for (size_t i = 0; i < sizeof mime_types / sizeof mime_types[0]; i++)
            if (strcmp(dot, mime_types[i].ext) == 0)
                return mime_types[i].mime;
    }
    return NULL;
}

/* Maps a URL path to a file under the web root, refusing anything that could
 * leave it. Paths without a file extension fall back to index.html so the
 * client's own routes (/join, /meeting) load the app. */
int http_static_resolve(const struct app *app, const char *path, char *out, size_t cap)
{
    char joined[PATH_MAX], real[PATH_MAX];
    if (path[0] != '/' || strstr(path, "..") || strchr(path, '\\') || strstr(path, "//"))
        return ERR_DENIED;
    const char *last = strrchr(path, '/');
    bool is_dir = path[strlen(path) - 1] == '/';
    bool has_ext = last && strchr(last, '.');
    int n =
        snprintf(joined, sizeof joined, "%s%s%s", app->web_root, path, is_dir ? "index.html" : "");
    if (n < 0 || (size_t)n >= sizeof joined)
        return ERR_TOOBIG;
    struct stat st;
    if (!realpath(joined, real) || stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (has_ext)
            return ERR_NOTFOUND;
        n = snprintf(joined, sizeof joined, "%s/index.html", app->web_root);
        if (n < 0 || (size_t)n >= sizeof joined || !realpath(joined, real))
            return ERR_NOTFOUND;
    }
    size_t root_len = strlen(app->web_root);
    if (strncmp(real, app->web_root, root_len) != 0 || real[root_len] != '/')
        return ERR_DENIED;
    if (strlen(real) >= cap)
        return ERR_TOOBIG;
    memcpy(out, real, strlen(real) + 1);
    return 0;
}
