/* Internals of the REST API (server/api.c) shared with its JSON shapes
 * (server/api_json.c). Nothing else includes this. */
#ifndef SAMTALE_API_INT_H
#define SAMTALE_API_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/app.h"

/* Each returns a new object, or NULL when an allocation failed. */
json_t *api_time_or_null(int64_t ms);
json_t *api_user_json(const struct store_user *u);
json_t *api_meeting_json(struct app *app, const struct store_meeting *m);
/* An invitation for its owner. token is NULL when listing: the link (and
 * its PIN) is then derived again with the link key while it is usable.
 * with_pin is false once the meeting has ended: its PINs are free for new
 * invitations then, so showing one could send a caller to another meeting. */
json_t *api_invitation_json(struct app *app, const struct store_invitation *inv, const char *token,
                            bool with_pin);
/* What the phone bridge offers the meeting page: {"dial_in_number", "dial_out"}. */
json_t *api_phone_json(const struct app *app);

#endif
