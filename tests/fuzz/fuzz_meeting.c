/* Fuzzes the meeting state machine (signaling/meeting*.c) with scripts.
 *
 * The input is split into lines; each line is one step:
 *   <pid> <json>       a message from participant <pid> (decimal), parsed like
 *                      the connection glue does (JSON_REJECT_DUPLICATES, size cap)
 *   j<r><f><name>      join: role <r> ('0'..'5'), flags <f> (bit 0 host,
 *                      bit 1 auto_admit of f - '0'), display name <name>;
 *                      join number k gets resume secret "s<k>"
 *   r<k>               resume with secret "s<k>"; r=<text> resumes with <text>
 *   d<pid>             the connection of <pid> closed
 *   t<ms>              the clock moves on by <ms> and meeting_timeout runs
 *   e<reason>          meeting_end(reason)
 *   l<k> <text>        the caseworker's lobby message <text> (raw bytes) to
 *                      invitation <k> (join number k - 1 has invitation k - 1)
 *   h                  hold: stop (or restart) draining the actions after every step
 *   p<n>               poll at most <n> actions now
 *   o<n>               the <n>th JSON allocation the meeting makes from now fails
 * Anything else is ignored. Every step advances the clock by 1 ms, and the
 * timeout runs whenever meeting_next_deadline has passed, as the glue does.
 *
 * Besides crashes and leaks it checks the meeting's promises: every SEND is a
 * JSON object with a string "type"; a participant whose connection closed, or
 * whose seat was closed, gets nothing but errors; the counts stay within the
 * cap; an ended meeting is empty. While every step is drained and no
 * allocation failure was injected, also after every step (the roster seen
 * through meeting_int.h, the module's internals):
 *   - seats: ids unique and below the next id, names set, RECONNECTING only
 *     without a connection
 *   - each connected admitted participant's last "roster" is exactly the
 *     roster it would get now (its host or guest view): nobody misses a
 *     change of who is there, their state, media, hands or the lock
 *   - the lock the store was last told (MEETING_ACT_LOCKED) is the
 *     meeting's, until it ends */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "signaling/meeting.h"
#include "signaling/meeting_int.h"

#define MAX_PIDS 4096
#define MAX_STEPS 2000
#define MAX_MSG 4096 /* the glue's WebSocket message cap is larger; this keeps runs fast */
#define CAP 4
#define WINDOW_MS 1000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Allocation failures are injected only while the meeting runs: jansson's
 * own parser is not safe against them (2.14's lexer drops a saved byte when
 * its buffer cannot grow and then overruns or asserts), and the parser is
 * not what this target tests. */
static long fail_countdown = -1;
static bool inject;

static void *fuzz_malloc(size_t n)
{
    if (!inject)
        return malloc(n);
    if (fail_countdown == 0) {
        fail_countdown = -1;
        return NULL;
    }
    if (fail_countdown > 0)
        fail_countdown--;
    return malloc(n);
}

struct run {
    struct meeting *m;
    int64_t now;
    bool hold;
    bool tracking; /* connection tracking is exact only while every step is drained */
    bool connected[MAX_PIDS];
    bool closed[MAX_PIDS];
    unsigned joins;
    bool views;               /* roster views are checked (no injected failure yet) */
    json_t *roster[MAX_PIDS]; /* the last roster each participant got */
    bool locked;              /* as last stored */
};

static uint64_t parse_num(const char *s, size_t len, size_t *used)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < len && i < 18 && s[i] >= '0' && s[i] <= '9')
        v = v * 10 + (uint64_t)(s[i++] - '0');
    *used = i;
    return v;
}

static void check_action(struct run *r, const struct meeting_action *a)
{
    switch (a->kind) {
    case MEETING_ACT_SEND: {
        const char *type = json_string_value(json_object_get(a->msg, "type"));
        if (!json_is_object(a->msg) || !type || a->pid == 0)
            abort();
        bool is_error = strcmp(type, "error") == 0;
        if (r->tracking && a->pid < MAX_PIDS && !is_error &&
            (r->closed[a->pid] || !r->connected[a->pid]))
            abort();
        char *text = json_dumps(a->msg, JSON_COMPACT);
        free(text); /* may be NULL when an allocation was made to fail */
        if (strcmp(type, "roster") == 0 && a->pid < MAX_PIDS) {
            json_decref(r->roster[a->pid]);
            r->roster[a->pid] = json_incref(a->msg);
        }
        json_decref(a->msg);
        break;
    }
    case MEETING_ACT_CLOSE:
        if (a->pid == 0 || a->msg)
            abort();
        if (a->pid < MAX_PIDS) {
            r->closed[a->pid] = true;
            r->connected[a->pid] = false;
        }
        break;
    case MEETING_ACT_AUDIT:
        if (a->msg || a->audit.kind[0] == '\0' ||
            memchr(a->audit.detail, '\0', sizeof a->audit.detail) == NULL ||
            memchr(a->audit.display_name, '\0', sizeof a->audit.display_name) == NULL)
            abort();
        break;
    case MEETING_ACT_ENDED:
        if (a->msg || !meeting_is_ended(r->m))
            abort();
        break;
    case MEETING_ACT_LOCKED:
        if (a->msg || a->audit.meeting_id != meeting_id(r->m))
            abort();
        r->locked = a->locked;
        break;
    default:
        abort();
    }
}

static void poll_some(struct run *r, size_t max)
{
    struct meeting_action a;
    for (size_t i = 0; i < max && meeting_poll(r->m, &a); i++)
        check_action(r, &a);
}

static void check_meeting(const struct run *r)
{
    unsigned counts[PSTATE_COUNT] = {0}, total = 0;
    meeting_count_states(r->m, counts);
    for (int i = 0; i < PSTATE_COUNT; i++)
        total += counts[i];
    if (total > CAP || (total == 0) != meeting_is_empty(r->m))
        abort();
    if (meeting_is_ended(r->m) && !meeting_is_empty(r->m))
        abort();
}

/* What every participant was told matches the meeting (see the top). */
static void check_views(const struct run *r)
{
    const struct meeting *m = r->m;
    json_t *views[2] = {NULL, NULL}; /* guest, host */
    for (size_t i = 0; i < m->core.n; i++) {
        const struct meeting_participant *p = &m->core.p[i];
        if (p->id == 0 || p->id >= m->core.next_pid || p->name[0] == '\0' ||
            (p->state == PSTATE_RECONNECTING && p->connected))
            abort();
        for (size_t k = i + 1; k < m->core.n; k++)
            if (m->core.p[k].id == p->id)
                abort();
        if (!r->tracking || !r->views || r->hold || p->state != PSTATE_ADMITTED || !p->connected)
            continue;
        json_t **want = &views[p->is_host];
        if (!*want && !(*want = meeting_msg_roster(m, p->is_host)))
            abort(); /* no failure is injected any more */
        if (p->id >= MAX_PIDS || !json_equal(*want, r->roster[p->id]))
            abort();
    }
    json_decref(views[0]);
    json_decref(views[1]);
    if (r->tracking && r->views && !r->hold && !meeting_is_ended(m) && r->locked != m->core.locked)
        abort();
}

static void step_message(struct run *r, const char *line, size_t len)
{
    size_t used;
    uint64_t pid = parse_num(line, len, &used);
    json_error_t jerr;
    if (len - used > MAX_MSG || pid > UINT32_MAX)
        return;
    inject = false;
    json_t *msg = json_loadb(line + used, len - used, JSON_REJECT_DUPLICATES, &jerr);
    inject = true;
    if (!msg)
        return;
    (void)meeting_input(r->m, r->now, (uint32_t)pid, msg);
    json_decref(msg);
}

static void step_join(struct run *r, const char *line, size_t len)
{
    char name[256], secret[32];
    struct meeting_join req = {0};
    uint32_t pid = 0;
    if (len < 3)
        return;
    req.role = (enum role)((unsigned char)line[1] % ROLE_COUNT);
    req.is_host = ((unsigned char)line[2] - '0') & 1u;
    req.auto_admit = ((unsigned char)line[2] - '0') & 2u;
    req.invitation_id = r->joins;
    len -= 3;
    if (len >= sizeof name)
        len = sizeof name - 1;
    memcpy(name, line + 3, len);
    name[len] = '\0';
    snprintf(secret, sizeof secret, "s%u", ++r->joins);
    req.display_name = name;
    req.resume_secret = secret;
    if (meeting_join(r->m, r->now, &req, &pid) == 0) {
        if (pid == 0 || pid >= MAX_PIDS || r->closed[pid] || r->connected[pid])
            abort(); /* pids are new */
        r->connected[pid] = true;
    }
}

static void step_resume(struct run *r, const char *line, size_t len)
{
    char secret[MEETING_RESUME_SECRET_MAX + 8];
    uint32_t pid = 0;
    if (len >= 2 && line[1] == '=') {
        len -= 2;
        if (len >= sizeof secret)
            len = sizeof secret - 1;
        memcpy(secret, line + 2, len);
        secret[len] = '\0';
    } else {
        size_t used;
        uint64_t k = parse_num(line + 1, len - 1, &used);
        snprintf(secret, sizeof secret, "s%llu", (unsigned long long)k);
    }
    if (meeting_resume(r->m, r->now, secret, &pid) == 0) {
        if (pid == 0 || pid >= MAX_PIDS || r->closed[pid])
            abort();
        r->connected[pid] = true;
    }
}

static void step_lobby_message(struct run *r, const char *line, size_t len)
{
    char text[1024];
    size_t used;
    unsigned n = 0;
    uint64_t k = parse_num(line + 1, len - 1, &used);
    size_t at = 1 + used + (1 + used < len); /* skip one separator */
    size_t tlen = at < len ? len - at : 0;
    if (tlen >= sizeof text)
        tlen = sizeof text - 1;
    memcpy(text, line + at, tlen);
    text[tlen] = '\0';
    int rc = meeting_lobby_message(r->m, r->now, (int64_t)(k % 1000000), text, "Anna", &n);
    if ((rc == 0) != (n > 0))
        abort(); /* sent to somebody exactly when it succeeds */
}

static void step(struct run *r, const char *line, size_t len)
{
    size_t used;
    uint64_t n;
    char text[64];
    if (len == 0)
        return;
    switch (line[0]) {
    case 'j':
        step_join(r, line, len);
        break;
    case 'r':
        step_resume(r, line, len);
        break;
    case 'd':
        n = parse_num(line + 1, len - 1, &used);
        if (n <= UINT32_MAX) {
            meeting_disconnected(r->m, r->now, (uint32_t)n);
            if (n < MAX_PIDS)
                r->connected[n] = false;
        }
        break;
    case 't':
        r->now += (int64_t)(parse_num(line + 1, len - 1, &used) % (10 * WINDOW_MS));
        meeting_timeout(r->m, r->now);
        break;
    case 'e':
        len = len - 1 < sizeof text - 1 ? len - 1 : sizeof text - 1;
        memcpy(text, line + 1, len);
        text[len] = '\0';
        meeting_end(r->m, r->now, text);
        break;
    case 'l':
        step_lobby_message(r, line, len);
        break;
    case 'h':
        r->hold = !r->hold;
        r->tracking = false;
        break;
    case 'p':
        inject = false; /* the checks serialise what they poll */
        poll_some(r, (size_t)parse_num(line + 1, len - 1, &used));
        r->tracking = false;
        break;
    case 'o':
        fail_countdown = (long)(parse_num(line + 1, len - 1, &used) % 1000);
        r->views = false; /* a roster update may be lost for want of memory */
        break;
    default:
        if (line[0] >= '0' && line[0] <= '9')
            step_message(r, line, len);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    static struct run r;
    struct meeting_cfg cfg = {
        .id = 7, .title = "Fuzz", .max_participants = CAP, .resume_window_ms = WINDOW_MS};
    const char *p = (const char *)data, *end = p + size;
    if (!init) {
        log_set_level(LOG_LEVEL_ERROR);
        json_set_alloc_funcs(fuzz_malloc, free);
        init = true;
    }
    memset(&r, 0, sizeof r);
    r.now = 1000;
    r.tracking = true;
    r.views = true;
    fail_countdown = -1;
    if (meeting_create(&r.m, &cfg) != 0)
        abort();
    for (int steps = 0; p < end && steps < MAX_STEPS; steps++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        r.now++;
        inject = true;
        step(&r, p, len);
        if (meeting_next_deadline(r.m) <= r.now)
            meeting_timeout(r.m, r.now);
        inject = false;
        if (!r.hold)
            poll_some(&r, SIZE_MAX);
        check_meeting(&r);
        check_views(&r);
        p += len + (nl ? 1 : 0);
    }
    fail_countdown = -1;
    /* Whatever is still queued is freed here. */
    meeting_destroy(r.m);
    for (size_t i = 0; i < MAX_PIDS; i++)
        json_decref(r.roster[i]);
    return 0;
}
