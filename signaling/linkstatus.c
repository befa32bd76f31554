/* Link status rules (see linkstatus.h). */
#include "signaling/linkstatus.h"
#include "base/err.h"

#include <stddef.h>
#include <string.h>

static const char *const names[LINK_STATUS_COUNT] = {
    [LINK_NOT_OPENED] = "not_opened",
    [LINK_OPENED] = "opened",
    [LINK_CHECK_PASSED] = "check_passed",
    [LINK_CHECK_FAILED] = "check_failed",
    [LINK_WAITING] = "waiting",
    [LINK_IN_MEETING] = "in_meeting",
    [LINK_LEFT] = "left",
};

/* The pre-call check's failure codes (web-client/js/precall.js). */
static const char *const reasons[] = {
    "no_connection", "no_media",    "no_audio", "permission", "no_mic",
    "mic_busy",      "unsupported", "browser",  "server",     "busy",
};

const char *link_status_name(enum link_status st)
{
    return (unsigned)st < LINK_STATUS_COUNT ? names[st] : "not_opened";
}

int link_status_parse(const char *name, enum link_status *out)
{
    if (!name)
        return ERR_PARSE;
    if (!*name) {
        *out = LINK_NOT_OPENED;
        return 0;
    }
    for (int i = 0; i < LINK_STATUS_COUNT; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (enum link_status)i;
            return 0;
        }
    }
    return ERR_PARSE;
}

bool link_check_reason_valid(const char *reason)
{
    if (!reason)
        return false;
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (strcmp(reason, reasons[i]) == 0)
            return true;
    return false;
}

bool link_status_replaces(enum link_status cur, enum link_status next)
{
    if ((unsigned)next >= LINK_STATUS_COUNT || next == LINK_NOT_OPENED)
        return false;
    if (next >= LINK_WAITING)
        return true;
    if (cur == LINK_WAITING || cur == LINK_IN_MEETING)
        return false;
    if (next == LINK_OPENED)
        return cur == LINK_NOT_OPENED || cur == LINK_LEFT;
    return true; /* a check result after opening, another check, or after leaving */
}

bool link_status_from_audit(const char *kind, const char *detail, enum link_status *out)
{
    if (strcmp(kind, "join") == 0) {
        *out = detail && strcmp(detail, "lobby") == 0 ? LINK_WAITING : LINK_IN_MEETING;
        return true;
    }
    if (strcmp(kind, "admit") == 0) {
        *out = LINK_IN_MEETING;
        return true;
    }
    if (strcmp(kind, "leave") == 0 || strcmp(kind, "deny") == 0 || strcmp(kind, "remove") == 0) {
        *out = LINK_LEFT;
        return true;
    }
    return false;
}
