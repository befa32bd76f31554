/* Documents on the stage, in memory only (see docstore.h). */
#include "signaling/docstore.h"
#include "base/err.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

struct doc_entry {
    struct doc pub;
    uint8_t *bytes; /* owned */
    unsigned refs;  /* the store's own (while live) plus downloads */
    bool live;      /* still the meeting's document */
    struct doc_entry *next;
};

struct docstore {
    size_t memory_max, doc_max;
    size_t used; /* reservations plus every entry's bytes */
    uint64_t next_id;
    struct doc_entry *entries; /* live and retired ones still referenced */
};

enum doc_type docstore_sniff(const uint8_t *buf, size_t len)
{
    static const uint8_t pdf[] = {'%', 'P', 'D', 'F', '-'};
    static const uint8_t jpeg[] = {0xff, 0xd8, 0xff};
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
    if (!buf)
        return DOC_NONE;
    if (len >= sizeof pdf && memcmp(buf, pdf, sizeof pdf) == 0)
        return DOC_PDF;
    if (len >= sizeof jpeg && memcmp(buf, jpeg, sizeof jpeg) == 0)
        return DOC_JPEG;
    if (len >= sizeof png && memcmp(buf, png, sizeof png) == 0)
        return DOC_PNG;
    if (len >= DOC_SNIFF_LEN && memcmp(buf, "RIFF", 4) == 0 && memcmp(buf + 8, "WEBP", 4) == 0)
        return DOC_WEBP;
    return DOC_NONE;
}

const char *docstore_mime(enum doc_type t)
{
    switch (t) {
    case DOC_PDF:
        return "application/pdf";
    case DOC_JPEG:
        return "image/jpeg";
    case DOC_PNG:
        return "image/png";
    case DOC_WEBP:
        return "image/webp";
    case DOC_NONE:
        break;
    }
    return NULL;
}

int docstore_create(struct docstore **out, size_t memory_max, size_t doc_max)
{
    if (!out || doc_max == 0 || memory_max < doc_max)
        return ERR_INVAL;
    struct docstore *ds = calloc(1, sizeof *ds);
    if (!ds)
        return ERR_NOMEM;
    ds->memory_max = memory_max;
    ds->doc_max = doc_max;
    ds->next_id = 1;
    *out = ds;
    return 0;
}

static void entry_free(struct doc_entry *e)
{
    /* The bytes were a participant's private file: wipe before giving back. */
    OPENSSL_cleanse(e->bytes, e->pub.len);
    free(e->bytes);
    free(e);
}

void docstore_destroy(struct docstore *ds)
{
    if (!ds)
        return;
    while (ds->entries) {
        struct doc_entry *e = ds->entries;
        ds->entries = e->next;
        entry_free(e);
    }
    free(ds);
}

int docstore_reserve(struct docstore *ds, size_t n)
{
    if (!ds)
        return ERR_INVAL;
    if (n == 0 || n > ds->doc_max)
        return ERR_TOOBIG;
    if (n > ds->memory_max - ds->used)
        return ERR_FULL;
    ds->used += n;
    return 0;
}

void docstore_release(struct docstore *ds, size_t n)
{
    if (!ds)
        return;
    ds->used = n > ds->used ? 0 : ds->used - n;
}

static struct doc_entry *live_entry(const struct docstore *ds, int64_t meeting_id)
{
    for (struct doc_entry *e = ds ? ds->entries : NULL; e; e = e->next)
        if (e->live && e->pub.meeting_id == meeting_id)
            return e;
    return NULL;
}

int docstore_put(struct docstore *ds, int64_t meeting_id, uint32_t owner_pid, uint8_t *bytes,
                 size_t len, const struct doc **out)
{
    if (!ds || !bytes || !out)
        return ERR_INVAL;
    if (live_entry(ds, meeting_id))
        return ERR_EXISTS;
    enum doc_type t = docstore_sniff(bytes, len);
    if (t == DOC_NONE)
        return ERR_PARSE;
    struct doc_entry *e = calloc(1, sizeof *e);
    if (!e)
        return ERR_NOMEM;
    e->bytes = bytes;
    e->refs = 1;
    e->live = true;
    e->pub = (struct doc){
        .id = ds->next_id++,
        .meeting_id = meeting_id,
        .owner_pid = owner_pid,
        .type = t,
        .bytes = bytes,
        .len = len,
        .view = {.page = 1, .zoom = 1.0, .x = 0.0, .y = 0.0},
    };
    e->next = ds->entries;
    ds->entries = e;
    *out = &e->pub;
    return 0;
}

const struct doc *docstore_get(const struct docstore *ds, int64_t meeting_id)
{
    struct doc_entry *e = live_entry(ds, meeting_id);
    return e ? &e->pub : NULL;
}

const struct doc *docstore_ref(struct docstore *ds, int64_t meeting_id)
{
    struct doc_entry *e = live_entry(ds, meeting_id);
    if (!e)
        return NULL;
    e->refs++;
    return &e->pub;
}

/* Drops one reference of the entry at *pp; frees it at the last. */
static void entry_unref(struct docstore *ds, struct doc_entry **pp)
{
    struct doc_entry *e = *pp;
    if (--e->refs > 0)
        return;
    *pp = e->next;
    docstore_release(ds, e->pub.len);
    entry_free(e);
}

void docstore_unref(struct docstore *ds, const struct doc *d)
{
    if (!ds || !d)
        return;
    for (struct doc_entry **pp = &ds->entries; *pp; pp = &(*pp)->next) {
        if (&(*pp)->pub == d) {
            entry_unref(ds, pp);
            return;
        }
    }
}

int docstore_set_view(struct docstore *ds, int64_t meeting_id, uint64_t doc_id,
                      const struct doc_view *v)
{
    struct doc_entry *e = live_entry(ds, meeting_id);
    if (!e || e->pub.id != doc_id)
        return ERR_NOTFOUND;
    if (!v || v->page < 1 || v->page > DOC_PAGE_MAX || !(v->zoom >= DOC_ZOOM_MIN) ||
        !(v->zoom <= DOC_ZOOM_MAX) || !(v->x >= 0.0) || !(v->x <= 1.0) || !(v->y >= 0.0) ||
        !(v->y <= 1.0))
        return ERR_INVAL;
    e->pub.view = *v;
    return 0;
}

static void remove_where(struct docstore *ds, int64_t meeting_id, bool any_owner, uint32_t pid,
                         uint64_t *removed_id)
{
    if (removed_id)
        *removed_id = 0;
    for (struct doc_entry **pp = ds ? &ds->entries : NULL; pp && *pp; pp = &(*pp)->next) {
        struct doc_entry *e = *pp;
        if (!e->live || e->pub.meeting_id != meeting_id || (!any_owner && e->pub.owner_pid != pid))
            continue;
        e->live = false;
        if (removed_id)
            *removed_id = e->pub.id;
        entry_unref(ds, pp);
        return;
    }
}

void docstore_remove(struct docstore *ds, int64_t meeting_id, uint64_t *removed_id)
{
    remove_where(ds, meeting_id, true, 0, removed_id);
}

void docstore_remove_owner(struct docstore *ds, int64_t meeting_id, uint32_t pid,
                           uint64_t *removed_id)
{
    remove_where(ds, meeting_id, false, pid, removed_id);
}

size_t docstore_memory_used(const struct docstore *ds)
{
    return ds ? ds->used : 0;
}

unsigned docstore_count(const struct docstore *ds)
{
    unsigned n = 0;
    for (struct doc_entry *e = ds ? ds->entries : NULL; e; e = e->next)
        n += e->live;
    return n;
}
