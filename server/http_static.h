/* Static files of the web client (used by server/http.c). */
#ifndef SAMTALE_HTTP_STATIC_H
#define SAMTALE_HTTP_STATIC_H

#include <stddef.h>

struct app;

/* The MIME type for a file name's extension, or NULL if unknown. */
const char *http_static_mime(const char *path);

/* Maps a URL path to a file under app->web_root (resolved, no way out of
 * it) in out[cap]. Paths without an extension fall back to index.html, so
 * the client's own routes load the app. 0, ERR_DENIED for a path that
 * tries to leave the root, ERR_NOTFOUND, ERR_TOOBIG. */
int http_static_resolve(const struct app *app, const char *path, char *out, size_t cap);

#endif
