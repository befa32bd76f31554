/* Internals of the phone bridge, shared by phone.c (calls, prompts, PINs,
 * the meeting's side) and phone_sip.c (the user agent's events, dial-out,
 * start and stop). Not for other modules. */
#ifndef SAMTALE_SIGNALING_PHONE_INT_H
#define SAMTALE_SIGNALING_PHONE_INT_H

#include "media/media.h"
#include "signaling/sig.h"
#include "signaling/pin.h"
#include "signaling/prompts.h"
#include "signaling/phone.h"
#include "signaling/phone_number.h"
#include "signaling/session_int.h"
#include "signaling/sip_sdp.h"

#include <arpa/inet.h>

enum call_state {
    CALL_PIN,         /* collecting the PIN */
    CALL_LOBBY,       /* in the meeting's lobby */
    CALL_MEETING,     /* admitted */
    CALL_OUT_RINGING, /* dial-out: INVITE sent */
    CALL_OUT_CONFIRM, /* dial-out: answered, waiting for 1 */
    CALL_CLOSING,     /* a goodbye prompt, then BYE */
};

struct phone_call {
    bool used;
    enum call_state state;
    bool outgoing;
    uint64_t sip;     /* the UA's call id */
    uint64_t session; /* the media call's id; its low 32 bits are its router peer */
    unsigned worker;
    bool media;         /* a media call exists on the worker */
    int64_t media_room; /* the room the media call is in (0: not in a meeting) */
    uint32_t producer, voice_ssrc;
    uint16_t port;
    struct sip_sdp_choice codec;
    struct sip_sdp remote;
    int64_t meeting_id;
    int64_t invitation_id;
    uint32_t pid;      /* 0 until it joined a meeting */
    uint32_t host_pid; /* dial-out: the host in the room who asked, or 0 */
    int64_t owner_id;  /* dial-out: the meeting's owner, whose meeting pages follow it */
    char digits[PHONE_PIN_DIGITS + 1];
    size_t n_digits;
    unsigned failures;
    bool star; /* '*' pressed: the next key is a command */
    bool muted, hand;
    char caller[SIP_UA_MAX_NAME];
    char addr[INET6_ADDRSTRLEN];
    char masked[PHONE_MASKED_MAX];
    int64_t deadline_us; /* IVR or confirm timeout, goodbye fallback; INT64_MAX: none */
};

struct phone_bridge {
    struct sip_ua *ua;
    struct phone_call *calls;
    size_t n_calls;
    unsigned n_ports, next_port; /* RTP port pairs, handed out round robin */
    uint8_t *port_used;
    struct phone_stats st;
};

struct phone_bridge *phone_of(const struct sig *sig);
/* An RTP port pair, handed out round robin so a just-freed port rests. */
int phone_port_take(struct phone_bridge *b, const struct sig *sig, uint16_t *out);
struct phone_call *phone_by_sip(struct phone_bridge *b, uint64_t sip);
/* A free call with an RTP port and a media session id; NULL when full. */
struct phone_call *phone_call_new(struct sig *sig);
void phone_call_free(struct sig *sig, struct phone_call *c);
/* dial_out_state to the host who asked for a call out. */
void phone_send_host(struct sig *sig, struct phone_call *c, const char *state, const char *reason);
const char *phone_media_addr(const struct sig *sig);
/* Carries out what the user agent queued (sends, call events). */
void phone_drain_ua(struct sig *sig);
/* The caller leaves the meeting it is in (hung up, or the call failed). */
void phone_leave_meeting(struct sig *sig, struct phone_call *c);
void phone_hang_up(struct sig *sig, struct phone_call *c);
void phone_goodbye(struct sig *sig, struct phone_call *c, enum prompt_id prompt);
void phone_play(struct sig *sig, struct phone_call *c, enum prompt_id prompt, bool loop);
/* The call's media parameters for a room (0: not in a meeting yet). */
void phone_media_params(const struct sig *sig, const struct phone_call *c, int64_t room,
                        struct media_phone_params *p);
/* The call's media on its worker, in room 0 until it is admitted. */
int phone_media_create(struct sig *sig, struct phone_call *c);
void phone_digit(struct sig *sig, struct phone_call *c, char d);
void phone_addr_text(const struct sockaddr_storage *ss, char *out, size_t cap);

#endif
