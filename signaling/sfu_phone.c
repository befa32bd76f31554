/* Phone callers in the SFU: the call's voice is an ordinary microphone
 * producer of the room (the worker encodes it to Opus), and while a phone
 * is in the room every browser microphone also feeds the room's mixer,
 * which gives each caller everyone but themselves. */
#define LOG_MODULE "sfu"
#include "base/err.h"
#include "base/log.h"
#include "signaling/sfu_int.h"

#include <string.h>

unsigned sfu_room_worker(const struct sfu_room *r)
{
    return r->worker;
}

static bool is_mix_source(const struct sfu_peer *p, const struct sfu_pub_track *t)
{
    return !p->phone && t->producer && t->kind == ROUTER_AUDIO && t->codec == ROUTER_CODEC_OPUS;
}

/* Every browser microphone of the room joins or leaves the mix. */
static void mix_all(struct sfu_room *r, bool add)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        const struct sfu_peer *p = &r->peers[i];
        for (size_t k = 0; p->used && k < SFU_PUB_MAX; k++)
            if (is_mix_source(p, &p->pub[k]))
                media_mix_source(r->media, r->worker, r->meeting_id, p->pub[k].producer, add);
    }
}

void sfu_phone_producer(struct sfu_room *r, const struct sfu_peer *p, const struct sfu_pub_track *t,
                        bool add)
{
    if (r->n_phones > 0 && is_mix_source(p, t))
        media_mix_source(r->media, r->worker, r->meeting_id, t->producer, add);
}

int sfu_phone_join(struct sfu_room *r, uint32_t pid, uint64_t call_session, uint32_t *producer_out,
                   uint32_t *voice_ssrc_out)
{
    if (sfu_peer_find(r, pid))
        return ERR_EXISTS;
    struct sfu_peer *p = sfu_peer_get(r, pid);
    if (!p)
        return ERR_FULL;
    p->phone = true;
    p->phone_session = call_session;
    p->phone_producer = ++r->next_id;
    do
        p->phone_ssrc = sfu_random_u32();
    while (p->phone_ssrc == 0);
    *producer_out = p->phone_producer;
    *voice_ssrc_out = p->phone_ssrc;
    return 0;
}

int sfu_phone_ready(struct sfu_room *r, uint32_t pid)
{
    struct sfu_peer *p = sfu_peer_find(r, pid);
    if (!p || !p->phone)
        return ERR_NOTFOUND;
    struct sfu_pub_track *t = &p->pub[0];
    if (t->producer)
        return 0;
    snprintf(t->mid, sizeof t->mid, "phone");
    t->producer = p->phone_producer;
    t->kind = ROUTER_AUDIO;
    t->source = ROUTER_SOURCE_MIC;
    t->codec = ROUTER_CODEC_OPUS;
    if (r->n_phones++ == 0)
        mix_all(r, true);
    sfu_mark_others_dirty(r, pid);
    sfu_flush_offers(r);
    LOG_I("meeting %lld: phone participant %u in the room", (long long)r->meeting_id, pid);
    return 0;
}

void sfu_phone_peer_gone(struct sfu_room *r, struct sfu_peer *p)
{
    /* Its producer left the router with its call (media_phone_close). */
    bool counted = p->pub[0].producer != 0;
    memset(&p->pub[0], 0, sizeof p->pub[0]);
    if (counted && r->n_phones > 0 && --r->n_phones == 0)
        mix_all(r, false);
}
