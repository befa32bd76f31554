/* The phone bridge's calls (signaling thread): SIP calls from the user
 * agent become participants of meetings. Dial-in: the caller hears a
 * prompt, enters an invitation's PIN by DTMF, waits in the lobby and is
 * admitted like any guest. Dial-out: a host calls a number for an
 * invitation; the callee presses 1 and is admitted directly. In the
 * meeting *6 mutes or unmutes, *9 raises or lowers the hand, hanging up is
 * leaving. The call's audio runs on the media worker of the meeting's room
 * (media_phone_*); this module only decides.
 *
 * The server feeds SIP messages (phone_sip_input), media events
 * (phone_media_event), time (phone_timeout at phone_next_deadline) and
 * meeting actions for phone participants (phone_meeting_send/closed); it
 * sends what the UA queued through the server's sig_sip_send_fn (signaling/sig.h). */
#ifndef SAMTALE_SIGNALING_PHONE_H
#define SAMTALE_SIGNALING_PHONE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "signaling/sip_ua.h"

#define PHONE_PIN_DIGITS 8
#define PHONE_PIN_TRIES 3                         /* wrong PINs that end a call */
#define PHONE_IVR_TIMEOUT_US (60 * 1000000LL)     /* to enter a PIN */
#define PHONE_CONFIRM_TIMEOUT_US (40 * 1000000LL) /* dial-out: to press 1 */
#define PHONE_GOODBYE_US (10 * 1000000LL)         /* a goodbye prompt, then BYE at the latest */

struct sig;
struct live_meeting;
struct media_event;

struct phone_stats {
    uint64_t calls_in, calls_out;
    uint64_t joined, pin_failures, pin_blocked;
    uint64_t ended_by_caller, ended_by_host, ended_by_limit, failed;
    unsigned active;
    struct sip_ua_stats sip;
};

/* Creates the bridge when sip_listen is set (sig->phone stays NULL when
 * not). ERR_INVAL for a configuration the UA refuses. */
int phone_bridge_start(struct sig *sig);
/* Hangs up every call (BYEs are queued for sending) and frees. NULL-safe. */
void phone_bridge_stop(struct sig *sig);

void phone_sip_input(struct sig *sig, int64_t now_us, const uint8_t *buf, size_t len,
                     const struct sockaddr *from, socklen_t fromlen, enum sip_transport tp,
                     uint64_t conn);
int64_t phone_next_deadline(const struct sig *sig);
void phone_timeout(struct sig *sig, int64_t now_us);
/* A media event about a call; false if it is not a call's. */
bool phone_media_event(struct sig *sig, const struct media_event *ev);

/* A meeting message to participant pid; true if pid is a phone (msg is
 * then consumed: the bridge acts on admitted, mute_request, ...). Called
 * while the meeting's actions drain: it may queue meeting input, never
 * drain. */
bool phone_meeting_send(struct sig *sig, struct live_meeting *lm, uint32_t pid, const json_t *msg);
/* The meeting closed pid (removed, denied, ended, left); true if a phone. */
bool phone_meeting_closed(struct sig *sig, struct live_meeting *lm, uint32_t pid);
/* {"type":"dial_out","invitation_id":N,"number":"+45..."} from the
 * meeting's owner on a meeting page (a watching connection) or from a host
 * in the meeting: errors go back on conn; the call's states go to the
 * owner's meeting pages and that host as dial_out_state. */
struct ws_conn;
void phone_dial_out(struct sig *sig, struct ws_conn *conn, const json_t *msg);

void phone_get_stats(const struct sig *sig, struct phone_stats *out);

#endif
