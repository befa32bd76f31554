/* The generator's media threads: each owns a set of participants (two UDP
 * sockets each, one per peer connection), runs their ICE, DTLS and SRTP
 * (load_peer.h), sends their audio every 20 ms and checks what they
 * receive, with epoll and recvmmsg/sendmmsg. */
#ifndef SAMTALE_LOAD_MEDIA_H
#define SAMTALE_LOAD_MEDIA_H

#include "signaling/sdp.h"
#include "tests/load/load.h"

/* Depth of each thread's command queue (peer starts and subscribe offers
 * from signaling). While hundreds join at once the media thread is busy
 * with handshakes and may drain little: 4096 holds every command of 200
 * three-party meetings (two starts and a few offers each) on one thread. */
#define LG_MEDIA_CMDS 4096

struct lg_media;

/* Makes run->cfg.threads threads' state and every participant's sockets
 * (participant i goes to thread i % threads). Threads start with
 * lg_media_start(). Returns 0, ERR_NOMEM or ERR_IO. */
int lg_media_create(struct lg_media **out, struct lg_run *run);
int lg_media_start(struct lg_media *m);
/* Sets run->stop and joins the threads; their participants' counters are
 * then final. Idempotent. */
void lg_media_stop(struct lg_media *m);
/* Stops, closes the sockets and frees everything. NULL-safe. */
void lg_media_destroy(struct lg_media *m);

enum lg_which { LG_PUB, LG_SUB };

/* From the signaling thread: start peer `which` of participant `p` towards
 * the server's side `remote`. For the publish peer, ext ids of the answer
 * (0 = not negotiated). Returns 0 or ERR_FULL (queue full). */
int lg_media_peer_start(struct lg_media *m, struct lg_part *p, enum lg_which which,
                        const struct lg_remote *remote, uint8_t ext_audio_level, uint8_t ext_mid);

/* From the signaling thread, for every subscribe offer (parsed) with
 * feedback: hands the offer's transport-wide extension id and RTX streams
 * (lg_sdp_subscribe_feedback) to the participant's media thread
 * (load_fb.h). Returns 0 or ERR_FULL. */
int lg_media_sub_offer(struct lg_media *m, struct lg_part *p, const struct sdp_session *offer);

/* CPU time of each media thread so far (CLOCK_THREAD_CPUTIME_ID of the
 * thread, read by the thread itself when it ends), in µs. */
uint64_t lg_media_thread_cpu_us(const struct lg_media *m, unsigned thread);

#endif
