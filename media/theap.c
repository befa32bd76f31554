/* A binary min-heap of deadlines with stable handles (see theap.h). */
#include "media/theap.h"
#include "base/err.h"

#include <stdlib.h>

#define NO_POS UINT32_MAX

/* A heap slot carries its key, so sifting reads no other memory. */
struct node {
    int64_t at;
    uint64_t seq; /* ties between equal deadlines: armed first, first out */
    uint32_t slot;
};

/* What a handle names: the caller's item and where it sits in the heap. */
struct slot {
    void *item;
    int kind;
    uint32_t pos;       /* index in heap[], NO_POS when not armed */
    uint32_t next_free; /* free list, while unused */
    bool used;
};

struct theap {
    struct node *heap;
    struct slot *slots;
    size_t n;     /* armed entries: heap[0..n) */
    size_t used;  /* slots handed out */
    size_t cap;   /* slots (and heap nodes) allocated */
    size_t max;   /* cap never passes it */
    size_t fresh; /* slots[fresh..cap) were never used */
    uint32_t free_head;
    uint64_t seq;
};

int theap_create(struct theap **out, size_t initial, size_t max)
{
    if (max == 0 || max >= NO_POS || initial > max)
        return ERR_INVAL;
    if (initial == 0)
        initial = 1;
    struct theap *h = calloc(1, sizeof *h);
    if (!h)
        return ERR_NOMEM;
    h->heap = calloc(initial, sizeof *h->heap);
    h->slots = calloc(initial, sizeof *h->slots);
    if (!h->heap || !h->slots) {
        theap_destroy(h);
        return ERR_NOMEM;
    }
    h->cap = initial;
    h->max = max;
    h->free_head = NO_POS;
    *out = h;
    return 0;
}

void theap_destroy(struct theap *h)
{
    if (!h)
        return;
    free(h->heap);
    free(h->slots);
    free(h);
}

static bool before(const struct node *a, const struct node *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void place(struct theap *h, size_t i, struct node nd)
{
    h->heap[i] = nd;
    h->slots[nd.slot].pos = (uint32_t)i;
}

static void sift_up(struct theap *h, size_t i)
{
    struct node nd = h->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&nd, &h->heap[parent]))
            break;
        place(h, i, h->heap[parent]);
        i = parent;
    }
    place(h, i, nd);
}

static void sift_down(struct theap *h, size_t i)
{
    struct node nd = h->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && before(&h->heap[c + 1], &h->heap[c]))
            c++;
        if (!before(&h->heap[c], &nd))
            break;
        place(h, i, h->heap[c]);
        i = c;
    }
    place(h, i, nd);
}

/* Takes heap[i] out, filling its place with the last node. */
static void unlink_at(struct theap *h, size_t i)
{
    h->slots[h->heap[i].slot].pos = NO_POS;
    h->n--;
    if (i == h->n)
        return;
    h->heap[i] = h->heap[h->n];
    h->slots[h->heap[i].slot].pos = (uint32_t)i;
    if (i > 0 && before(&h->heap[i], &h->heap[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

static int grow(struct theap *h)
{
    if (h->cap >= h->max)
        return ERR_FULL;
    size_t cap = h->cap * 2 > h->max ? h->max : h->cap * 2;
    struct node *heap = realloc(h->heap, cap * sizeof *heap);
    if (!heap)
        return ERR_NOMEM;
    h->heap = heap;
    struct slot *slots = realloc(h->slots, cap * sizeof *slots);
    if (!slots)
        return ERR_NOMEM; /* the larger heap array is harmless */
    h->slots = slots;
    h->cap = cap;
    return 0;
}

/* The slot a handle names while handed out; NULL otherwise. */
static struct slot *slot_of(const struct theap *h, uint32_t handle)
{
    if (!h || handle == 0 || handle > h->fresh)
        return NULL;
    struct slot *s = &h->slots[handle - 1];
    return s->used ? s : NULL;
}

int theap_add(struct theap *h, int kind, void *item, uint32_t *handle)
{
    uint32_t idx;
    if (h->free_head != NO_POS) {
        idx = h->free_head;
        h->free_head = h->slots[idx].next_free;
    } else {
        if (h->fresh == h->cap) {
            int rc = grow(h);
            if (rc < 0)
                return rc;
        }
        idx = (uint32_t)h->fresh++;
    }
    h->slots[idx] =
        (struct slot){.item = item, .kind = kind, .pos = NO_POS, .next_free = NO_POS, .used = true};
    h->used++;
    *handle = idx + 1;
    return 0;
}

void theap_del(struct theap *h, uint32_t handle)
{
    struct slot *s = slot_of(h, handle);
    if (!s)
        return;
    if (s->pos != NO_POS)
        unlink_at(h, s->pos);
    s->used = false;
    s->item = NULL;
    s->next_free = h->free_head;
    h->free_head = handle - 1;
    h->used--;
}

void theap_set(struct theap *h, uint32_t handle, int64_t at_us)
{
    struct slot *s = slot_of(h, handle);
    if (!s)
        return;
    if (at_us == THEAP_NEVER) {
        if (s->pos != NO_POS)
            unlink_at(h, s->pos);
        return;
    }
    struct node nd = {.at = at_us, .seq = h->seq++, .slot = handle - 1};
    if (s->pos == NO_POS) {
        /* n < cap: every armed entry has a slot of its own */
        h->heap[h->n] = nd;
        s->pos = (uint32_t)h->n++;
        sift_up(h, s->pos);
        return;
    }
    size_t i = s->pos;
    bool earlier = before(&nd, &h->heap[i]);
    h->heap[i] = nd;
    if (earlier)
        sift_up(h, i);
    else
        sift_down(h, i);
}

int64_t theap_at(const struct theap *h, uint32_t handle)
{
    const struct slot *s = slot_of(h, handle);
    return s && s->pos != NO_POS ? h->heap[s->pos].at : THEAP_NEVER;
}

void theap_lower(struct theap *h, uint32_t handle, int64_t at_us)
{
    if (at_us < theap_at(h, handle))
        theap_set(h, handle, at_us);
}

int64_t theap_next(const struct theap *h)
{
    return h && h->n ? h->heap[0].at : THEAP_NEVER;
}

uint64_t theap_mark(const struct theap *h)
{
    return h->seq;
}

bool theap_pop(struct theap *h, int64_t now_us, uint64_t mark, struct theap_due *out)
{
    if (!h || h->n == 0 || h->heap[0].at > now_us || h->heap[0].seq >= mark)
        return false;
    const struct slot *s = &h->slots[h->heap[0].slot];
    *out = (struct theap_due){
        .handle = h->heap[0].slot + 1, .kind = s->kind, .item = s->item, .at = h->heap[0].at};
    unlink_at(h, 0);
    return true;
}

size_t theap_count(const struct theap *h)
{
    return h ? h->used : 0;
}

size_t theap_armed(const struct theap *h)
{
    return h ? h->n : 0;
}

bool theap_check(const struct theap *h)
{
    if (h->n > h->used || h->used > h->fresh || h->fresh > h->cap || h->cap > h->max)
        return false;
    for (size_t i = 0; i < h->n; i++) {
        const struct node *nd = &h->heap[i];
        if (nd->slot >= h->fresh || !h->slots[nd->slot].used || h->slots[nd->slot].pos != i ||
            nd->at == THEAP_NEVER || nd->seq >= h->seq)
            return false;
        if (i > 0 && before(nd, &h->heap[(i - 1) / 2]))
            return false;
    }
    size_t used = 0, armed = 0, free_n = 0;
    for (size_t i = 0; i < h->fresh; i++) {
        const struct slot *s = &h->slots[i];
        if (s->used) {
            used++;
            if (s->pos != NO_POS) {
                if (s->pos >= h->n || h->heap[s->pos].slot != i)
                    return false;
                armed++;
            }
        }
    }
    for (uint32_t f = h->free_head; f != NO_POS; f = h->slots[f].next_free) {
        if (f >= h->fresh || h->slots[f].used || ++free_n > h->fresh)
            return false;
    }
    return used == h->used && armed == h->n && free_n + used == h->fresh;
}
