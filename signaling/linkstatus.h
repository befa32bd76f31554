/* An invitation link's status as its caseworker sees it: not opened, opened,
 * device check passed or failed (with a reason code), waiting in the lobby,
 * in the meeting, left. Only the latest status per invitation is kept
 * (store_invitation_set_status); this module says which event may replace
 * which status, and which device-check reasons exist. Pure: no I/O. */
#ifndef SAMTALE_LINKSTATUS_H
#define SAMTALE_LINKSTATUS_H

#include <stdbool.h>

enum link_status {
    LINK_NOT_OPENED = 0,
    LINK_OPENED,       /* the join or check page asked about the link (join-info) */
    LINK_CHECK_PASSED, /* the pre-call device check worked (perhaps with warnings) */
    LINK_CHECK_FAILED, /* ... did not; see the reason */
    LINK_WAITING,      /* in the lobby */
    LINK_IN_MEETING,   /* admitted */
    LINK_LEFT,         /* left, was denied or removed, or lost the connection for good */
    LINK_STATUS_COUNT
};

/* "not_opened", "opened", "check_passed", "check_failed", "waiting",
 * "in_meeting", "left". */
const char *link_status_name(enum link_status st);
/* The status for a stored name ("" is not opened). ERR_PARSE if unknown. */
int link_status_parse(const char *name, enum link_status *out);

/* Whether reason is one of the device check's failure codes (docs/PROTOCOL.md). */
bool link_check_reason_valid(const char *reason);

/* Whether an event that means `next` replaces the current status. What the
 * meeting says (waiting, in the meeting, left) always does. Opening the link
 * and checking devices do not hide a person who is waiting or in the meeting
 * (the same link opened on a second device), and opening it again does not
 * hide a check result. */
bool link_status_replaces(enum link_status cur, enum link_status next);

/* The status a meeting audit event (kind, detail) means for the
 * participant's link; false for events that do not change it. */
bool link_status_from_audit(const char *kind, const char *detail, enum link_status *out);

#endif
