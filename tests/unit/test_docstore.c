/* signaling/docstore.c: type by content, memory caps, one document per meeting,
 * removal by owner and by meeting, references held by downloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "signaling/docstore.h"

static const uint8_t PDF[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj";
static const uint8_t JPEG[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1};
static const uint8_t PNG[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d};
static const uint8_t WEBP[] = {'R', 'I', 'F', 'F', 0x24, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P'};
static const uint8_t ELF[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};

static uint8_t *copy(const uint8_t *b, size_t n)
{
    uint8_t *p = malloc(n);
    assert_non_null(p);
    memcpy(p, b, n);
    return p;
}

static void sniff_knows_the_four_types(void **state)
{
    (void)state;
    assert_int_equal(docstore_sniff(PDF, sizeof PDF - 1), DOC_PDF);
    assert_int_equal(docstore_sniff(JPEG, sizeof JPEG), DOC_JPEG);
    assert_int_equal(docstore_sniff(PNG, sizeof PNG), DOC_PNG);
    assert_int_equal(docstore_sniff(WEBP, sizeof WEBP), DOC_WEBP);
    assert_string_equal(docstore_mime(DOC_PDF), "application/pdf");
    assert_string_equal(docstore_mime(DOC_JPEG), "image/jpeg");
    assert_string_equal(docstore_mime(DOC_PNG), "image/png");
    assert_string_equal(docstore_mime(DOC_WEBP), "image/webp");
    assert_null(docstore_mime(DOC_NONE));
}

static void sniff_refuses_everything_else(void **state)
{
    (void)state;
    static const uint8_t riff_wave[] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E'};
    static const uint8_t png_bad[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0b};
    static const uint8_t pdf_no_dash[] = "%PDF1.4";
    static const uint8_t html[] = "<html><script>alert(1)</script>";
    assert_int_equal(docstore_sniff(ELF, sizeof ELF), DOC_NONE);
    assert_int_equal(docstore_sniff(riff_wave, sizeof riff_wave), DOC_NONE);
    assert_int_equal(docstore_sniff(png_bad, sizeof png_bad), DOC_NONE);
    assert_int_equal(docstore_sniff(pdf_no_dash, sizeof pdf_no_dash - 1), DOC_NONE);
    assert_int_equal(docstore_sniff(html, sizeof html - 1), DOC_NONE);
    assert_int_equal(docstore_sniff(NULL, 10), DOC_NONE);
    /* Too short to tell: never read past the end. */
    assert_int_equal(docstore_sniff(PDF, 4), DOC_NONE);
    assert_int_equal(docstore_sniff(JPEG, 2), DOC_NONE);
    assert_int_equal(docstore_sniff(PNG, 7), DOC_NONE);
    assert_int_equal(docstore_sniff(WEBP, 11), DOC_NONE);
    assert_int_equal(docstore_sniff(PDF, 0), DOC_NONE);
    /* A marker later in the file does not count. */
    static const uint8_t late[] = "xx%PDF-1.4";
    assert_int_equal(docstore_sniff(late, sizeof late - 1), DOC_NONE);
}

static void reservations_respect_both_caps(void **state)
{
    (void)state;
    struct docstore *ds;
    assert_int_equal(docstore_create(&ds, 100, 40), 0);
    assert_int_equal(docstore_reserve(ds, 0), ERR_TOOBIG);
    assert_int_equal(docstore_reserve(ds, 41), ERR_TOOBIG);
    assert_int_equal(docstore_reserve(ds, 40), 0);
    assert_int_equal(docstore_reserve(ds, 40), 0);
    assert_int_equal(docstore_reserve(ds, 21), ERR_FULL);
    assert_int_equal(docstore_reserve(ds, 20), 0);
    assert_int_equal(docstore_memory_used(ds), 100);
    docstore_release(ds, 40);
    assert_int_equal(docstore_memory_used(ds), 60);
    assert_int_equal(docstore_reserve(ds, 40), 0);
    docstore_destroy(ds);
    assert_int_equal(docstore_create(&ds, 10, 40), ERR_INVAL);
}

static void one_document_per_meeting(void **state)
{
    (void)state;
    struct docstore *ds;
    const struct doc *d, *d2;
    assert_int_equal(docstore_create(&ds, 1000, 100), 0);
    assert_int_equal(docstore_reserve(ds, sizeof PDF), 0);
    assert_int_equal(docstore_put(ds, 7, 3, copy(PDF, sizeof PDF), sizeof PDF, &d), 0);
    assert_int_equal(d->type, DOC_PDF);
    assert_int_equal(d->owner_pid, 3);
    assert_int_equal(d->view.page, 1);
    assert_ptr_equal(docstore_get(ds, 7), d);
    assert_null(docstore_get(ds, 8));

    /* A second one for the same meeting is refused; the caller keeps its bytes. */
    uint8_t *other = copy(PNG, sizeof PNG);
    assert_int_equal(docstore_reserve(ds, sizeof PNG), 0);
    assert_int_equal(docstore_put(ds, 7, 4, other, sizeof PNG, &d2), ERR_EXISTS);
    /* Another meeting may show one. */
    assert_int_equal(docstore_put(ds, 8, 4, other, sizeof PNG, &d2), 0);
    assert_true(d2->id != d->id);
    assert_int_equal(docstore_count(ds), 2);

    /* Content that is not a shown type is refused even at put. */
    uint8_t *elf = copy(ELF, sizeof ELF);
    assert_int_equal(docstore_put(ds, 9, 1, elf, sizeof ELF, &d2), ERR_PARSE);
    free(elf);
    docstore_destroy(ds);
}

static void removal_by_owner_and_meeting(void **state)
{
    (void)state;
    struct docstore *ds;
    const struct doc *d;
    uint64_t id;
    assert_int_equal(docstore_create(&ds, 1000, 100), 0);
    assert_int_equal(docstore_reserve(ds, sizeof JPEG), 0);
    assert_int_equal(docstore_put(ds, 7, 3, copy(JPEG, sizeof JPEG), sizeof JPEG, &d), 0);
    uint64_t shown = d->id;
    docstore_remove_owner(ds, 7, 4, &id); /* someone else left: it stays */
    assert_int_equal(id, 0);
    assert_non_null(docstore_get(ds, 7));
    docstore_remove_owner(ds, 7, 3, &id);
    assert_int_equal(id, shown);
    assert_null(docstore_get(ds, 7));
    assert_int_equal(docstore_memory_used(ds), 0);

    assert_int_equal(docstore_reserve(ds, sizeof WEBP), 0);
    assert_int_equal(docstore_put(ds, 7, 5, copy(WEBP, sizeof WEBP), sizeof WEBP, &d), 0);
    uint64_t webp_id = d->id;
    docstore_remove(ds, 7, &id);
    assert_int_equal(id, webp_id);
    assert_null(docstore_get(ds, 7));
    docstore_remove(ds, 7, &id);
    assert_int_equal(id, 0);
    assert_int_equal(docstore_memory_used(ds), 0);
    docstore_destroy(ds);
}

static void download_keeps_bytes_until_unref(void **state)
{
    (void)state;
    struct docstore *ds;
    const struct doc *d;
    assert_int_equal(docstore_create(&ds, 1000, 100), 0);
    assert_int_equal(docstore_reserve(ds, sizeof PDF), 0);
    assert_int_equal(docstore_put(ds, 7, 3, copy(PDF, sizeof PDF), sizeof PDF, &d), 0);
    const struct doc *held = docstore_ref(ds, 7);
    assert_ptr_equal(held, d);
    assert_null(docstore_ref(ds, 8));
    docstore_remove(ds, 7, NULL);
    /* Gone for everyone new, but the download still reads valid bytes. */
    assert_null(docstore_get(ds, 7));
    assert_null(docstore_ref(ds, 7));
    assert_memory_equal(held->bytes, PDF, sizeof PDF);
    assert_int_equal(docstore_memory_used(ds), sizeof PDF);
    assert_int_equal(docstore_count(ds), 0);
    /* A new document may come meanwhile. */
    assert_int_equal(docstore_reserve(ds, sizeof PNG), 0);
    assert_int_equal(docstore_put(ds, 7, 4, copy(PNG, sizeof PNG), sizeof PNG, &d), 0);
    docstore_unref(ds, held);
    assert_int_equal(docstore_memory_used(ds), sizeof PNG);
    assert_ptr_equal(docstore_get(ds, 7), d);
    /* Destroy frees a document still referenced. */
    assert_non_null(docstore_ref(ds, 7));
    docstore_destroy(ds);
    docstore_destroy(NULL);
}

static void view_is_validated(void **state)
{
    (void)state;
    struct docstore *ds;
    const struct doc *d;
    assert_int_equal(docstore_create(&ds, 1000, 100), 0);
    assert_int_equal(docstore_reserve(ds, sizeof PDF), 0);
    assert_int_equal(docstore_put(ds, 7, 3, copy(PDF, sizeof PDF), sizeof PDF, &d), 0);
    struct doc_view v = {.page = 2, .zoom = 1.5, .x = 0.25, .y = 1.0};
    assert_int_equal(docstore_set_view(ds, 7, d->id, &v), 0);
    assert_int_equal(d->view.page, 2);
    assert_true(d->view.zoom == 1.5);
    assert_int_equal(docstore_set_view(ds, 7, d->id + 1, &v), ERR_NOTFOUND);
    assert_int_equal(docstore_set_view(ds, 8, d->id, &v), ERR_NOTFOUND);
    struct doc_view bad[] = {
        {.page = 0, .zoom = 1, .x = 0, .y = 0},
        {.page = DOC_PAGE_MAX + 1, .zoom = 1, .x = 0, .y = 0},
        {.page = 1, .zoom = 0.1, .x = 0, .y = 0},
        {.page = 1, .zoom = 9, .x = 0, .y = 0},
        {.page = 1, .zoom = 1, .x = -0.1, .y = 0},
        {.page = 1, .zoom = 1, .x = 0, .y = 1.5},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(docstore_set_view(ds, 7, d->id, &bad[i]), ERR_INVAL);
    assert_int_equal(d->view.page, 2); /* unchanged */
    docstore_destroy(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sniff_knows_the_four_types),
        cmocka_unit_test(sniff_refuses_everything_else),
        cmocka_unit_test(reservations_respect_both_caps),
        cmocka_unit_test(one_document_per_meeting),
        cmocka_unit_test(removal_by_owner_and_meeting),
        cmocka_unit_test(download_keeps_bytes_until_unref),
        cmocka_unit_test(view_is_validated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
