/* The engine's timers: one heap entry per session, room and call (see
 * engine.h), the worker's deadline kept at or before the earliest. */
#include "media/engine.h"
#include "media/theap.h"
#include "media/worker.h"

void engine_timer_set(struct engine *e, uint32_t timer, int64_t at_us)
{
    /* Most packets leave their session's deadline as it was: no heap work
     * then (the worker's deadline is at or before it already). */
    if (theap_at(e->timers, timer) == at_us)
        return;
    theap_set(e->timers, timer, at_us);
    /* Later keys leave the worker's deadline early: a timer pass with
     * nothing due only sets it again. */
    if (e->w && at_us != THEAP_NEVER)
        worker_set_deadline(e->w, at_us);
}

void engine_timer_lower(struct engine *e, uint32_t timer, int64_t at_us)
{
    if (at_us < theap_at(e->timers, timer))
        engine_timer_set(e, timer, at_us);
}

void engine_timers_run(struct engine *e, int64_t now_us)
{
    /* Entries re-armed for now_us while the pass runs wait for the next
     * one: a pass always ends. */
    uint64_t mark = theap_mark(e->timers);
    struct theap_due d;
    while (theap_pop(e->timers, now_us, mark, &d)) {
        switch ((enum engine_timer_kind)d.kind) {
        case ENGINE_TIMER_SESSION:
            engine_session_timeout(e, d.item, now_us);
            break;
        case ENGINE_TIMER_ROOM:
            engine_room_timeout(e, d.item, now_us);
            break;
        case ENGINE_TIMER_PHONE:
            engine_phone_timeout(e, d.item, now_us);
            break;
        }
    }
    if (e->w)
        worker_set_deadline(e->w, theap_next(e->timers));
}

int64_t engine_next_deadline(const struct engine *e)
{
    return theap_next(e->timers);
}
