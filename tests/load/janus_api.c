/* Janus API requests and answers for the side-by-side benchmark (janus_api.h). */
#include "tests/load/janus_api.h"

#include <jansson.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

static const char PLUGIN[] = "janus.plugin.videoroom";
#define JANUS_FALLBACK_US 1500000

/* ---- reading ---- */

static uint64_t id_of(const json_t *v)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return 0;
    return (uint64_t)json_integer_value(v);
}

static void copy_str(char *dst, size_t cap, const json_t *v)
{
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    snprintf(dst, cap, "%s", s);
}

static bool is_ok(const json_t *v)
{
    return json_is_string(v) && strcmp(json_string_value(v), "ok") == 0;
}

static enum janus_kind kind_of(const char *s)
{
    static const struct {
        const char *name;
        enum janus_kind kind;
    } k[] = {
        {"success", JANUS_SUCCESS}, {"ack", JANUS_ACK},           {"event", JANUS_EVENT},
        {"error", JANUS_ERROR},     {"webrtcup", JANUS_WEBRTCUP}, {"media", JANUS_MEDIA},
        {"hangup", JANUS_HANGUP},   {"slowlink", JANUS_SLOWLINK}, {"timeout", JANUS_TIMEOUT},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strcmp(s, k[i].name) == 0)
            return k[i].kind;
    return JANUS_OTHER;
}

static enum janus_vr vr_of(const char *s)
{
    static const struct {
        const char *name;
        enum janus_vr vr;
    } k[] = {
        {"created", JANUS_VR_CREATED},   {"joined", JANUS_VR_JOINED},
        {"attached", JANUS_VR_ATTACHED}, {"updated", JANUS_VR_UPDATED},
        {"event", JANUS_VR_EVENT},       {"destroyed", JANUS_VR_DESTROYED},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strcmp(s, k[i].name) == 0)
            return k[i].vr;
    return JANUS_VR_OTHER;
}

static void read_feeds(struct janus_msg *m, const json_t *list)
{
    size_t i;
    json_t *p;

    if (!json_is_array(list))
        return;
    json_array_foreach(list, i, p)
    {
        uint64_t id = id_of(json_object_get(p, "id"));
        if (id && m->n_feeds < JANUS_FEEDS_MAX)
            m->feeds[m->n_feeds++] = id;
    }
}

static int read_plugin(struct janus_msg *m, const json_t *pd)
{
    const json_t *data = json_object_get(pd, "data");
    const json_t *vr = json_object_get(data, "videoroom");

    if (!json_is_object(data))
        return 0;
    m->vr = json_is_string(vr) ? vr_of(json_string_value(vr)) : JANUS_VR_OTHER;
    m->room = id_of(json_object_get(data, "room"));
    if (m->vr == JANUS_VR_JOINED)
        m->feed = id_of(json_object_get(data, "id"));
    read_feeds(m, json_object_get(data, "publishers"));
    m->unpublished = id_of(json_object_get(data, "unpublished"));
    m->configured = is_ok(json_object_get(data, "configured"));
    m->started = is_ok(json_object_get(data, "started"));
    const json_t *code = json_object_get(data, "error_code");
    if (json_is_integer(code)) {
        m->error_code = (int)json_integer_value(code);
        copy_str(m->error, sizeof m->error, json_object_get(data, "error"));
    }
    return 0;
}

static int read_one(struct janus_msg *m, const json_t *o)
{
    const json_t *kind = json_object_get(o, "janus");

    memset(m, 0, sizeof *m);
    if (!json_is_object(o) || !json_is_string(kind))
        return ERR_PARSE;
    m->kind = kind_of(json_string_value(kind));
    const json_t *txn = json_object_get(o, "transaction");
    if (json_is_string(txn) && strlen(json_string_value(txn)) > JANUS_TXN_MAX)
        return ERR_PARSE;
    copy_str(m->transaction, sizeof m->transaction, txn);
    m->session = id_of(json_object_get(o, "session_id"));
    m->sender = id_of(json_object_get(o, "sender"));
    m->data_id = id_of(json_object_get(json_object_get(o, "data"), "id"));
    const json_t *err = json_object_get(o, "error");
    if (m->kind == JANUS_ERROR && json_is_object(err)) {
        m->error_code = (int)(json_is_integer(json_object_get(err, "code"))
                                  ? json_integer_value(json_object_get(err, "code"))
                                  : -1);
        copy_str(m->error, sizeof m->error, json_object_get(err, "reason"));
    }
    const json_t *pd = json_object_get(o, "plugindata");
    if (json_is_object(pd)) {
        const json_t *plugin = json_object_get(pd, "plugin");
        if (!json_is_string(plugin) || strcmp(json_string_value(plugin), PLUGIN) != 0)
            return ERR_PARSE;
        read_plugin(m, pd);
    }
    const json_t *jsep = json_object_get(o, "jsep");
    if (jsep) {
        const json_t *type = json_object_get(jsep, "type");
        const json_t *sdp = json_object_get(jsep, "sdp");
        if (!json_is_string(type) || !json_is_string(sdp) ||
            (strcmp(json_string_value(type), "offer") != 0 &&
             strcmp(json_string_value(type), "answer") != 0))
            return ERR_PARSE;
        if (json_string_length(sdp) > JANUS_SDP_MAX)
            return ERR_TOOBIG;
        copy_str(m->jsep_type, sizeof m->jsep_type, type);
        m->jsep_sdp = strdup(json_string_value(sdp));
        if (!m->jsep_sdp)
            return ERR_NOMEM;
    }
    return 0;
}

void janus_msg_clear(struct janus_msg *m)
{
    free(m->jsep_sdp);
    memset(m, 0, sizeof *m);
}

int janus_parse(const char *buf, size_t len, struct janus_msg *out, size_t cap, size_t *dropped)
{
    json_error_t je;
    json_t *root;
    size_t n = 0, left_out = 0;
    int rc = 0;

    if (dropped)
        *dropped = 0;
    if (len > JANUS_MSG_MAX)
        return ERR_TOOBIG;
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return ERR_PARSE;
    if (json_is_array(root)) {
        size_t i;
        json_t *o;
        json_array_foreach(root, i, o)
        {
            if (n == cap) {
                left_out++;
                continue;
            }
            rc = read_one(&out[n], o);
            if (rc < 0)
                break;
            n++;
        }
    } else if (cap > 0) {
        rc = read_one(&out[0], root);
        n = rc < 0 ? 0 : 1;
    } else {
        left_out = 1;
    }
    json_decref(root);
    if (rc < 0) {
        /* the failed one may hold an SDP already; the earlier ones too */
        janus_msg_clear(&out[n]);
        for (size_t i = 0; i < n; i++)
            janus_msg_clear(&out[i]);
        return rc;
    }
    if (dropped)
        *dropped = left_out;
    return (int)n;
}

/* ---- writing ---- */

static char *dump(json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

static json_t *request(const char *janus, const char *txn)
{
    if (!txn || strlen(txn) > JANUS_TXN_MAX)
        return NULL;
    return json_pack("{s:s, s:s}", "janus", janus, "transaction", txn);
}

/* A plugin message with body (taken), and a JSEP of jsep_type ("offer",
 * "answer"; NULL: none) with sdp and, when not NULL, Janus's rid_order. */
static char *message(const char *txn, json_t *body, const char *jsep_type, const char *sdp,
                     const char *rid_order)
{
    json_t *o = request("message", txn);
    if (!o || !body) {
        json_decref(o);
        json_decref(body);
        return NULL;
    }
    json_object_set_new(o, "body", body);
    if (jsep_type) {
        if (!sdp || strlen(sdp) > JANUS_SDP_MAX) {
            json_decref(o);
            return NULL;
        }
        json_t *jsep = json_pack("{s:s, s:s}", "type", jsep_type, "sdp", sdp);
        if (jsep && rid_order)
            json_object_set_new(jsep, "rid_order", json_string(rid_order));
        json_object_set_new(o, "jsep", jsep);
    }
    return dump(o);
}

/* Janus takes ids as JSON integers; jansson's are signed 64-bit. */
static bool id_ok(uint64_t id)
{
    return id > 0 && id <= (uint64_t)INT64_MAX;
}

static json_t *feed_list(const uint64_t *feeds, size_t n)
{
    json_t *a;

    if (n == 0 || n > JANUS_FEEDS_MAX)
        return NULL;
    a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (!id_ok(feeds[i])) {
            json_decref(a);
            return NULL;
        }
        /* The top simulcast layer with every temporal layer, as samtale
         * forwards to a subscriber that states no preference; a layer
         * counts as gone after the same silence as in samtale's router
         * (ROUTER_LAYER_ACTIVE_US) rather than Janus's 250 ms. */
        json_array_append_new(a, json_pack("{s:I, s:i, s:i, s:i}", "feed", (json_int_t)feeds[i],
                                           "substream", 2, "temporal", 2, "fallback",
                                           JANUS_FALLBACK_US));
    }
    return a;
}

char *janus_req_create(const char *txn)
{
    return dump(request("create", txn));
}

char *janus_req_attach(const char *txn)
{
    json_t *o = request("attach", txn);
    if (o)
        json_object_set_new(o, "plugin", json_string(PLUGIN));
    return dump(o);
}

char *janus_req_keepalive(const char *txn)
{
    return dump(request("keepalive", txn));
}

char *janus_req_destroy(const char *txn)
{
    return dump(request("destroy", txn));
}

char *janus_req_room_create(const char *txn, uint64_t room, unsigned publishers)
{
    if (!id_ok(room) || publishers == 0 || publishers > JANUS_FEEDS_MAX)
        return NULL;
    /* The codecs every load participant sends; no bitrate cap (bitrate 0),
     * like samtale, which leaves it to congestion control. */
    return message(txn,
                   json_pack("{s:s, s:I, s:i, s:s, s:s, s:i}", "request", "create", "room",
                             (json_int_t)room, "publishers", (int)publishers, "audiocodec", "opus",
                             "videocodec", "vp8", "bitrate", 0),
                   NULL, NULL, NULL);
}

char *janus_req_join_publisher(const char *txn, uint64_t room, const char *display)
{
    if (!id_ok(room) || !display)
        return NULL;
    return message(txn,
                   json_pack("{s:s, s:s, s:I, s:s}", "request", "join", "ptype", "publisher",
                             "room", (json_int_t)room, "display", display),
                   NULL, NULL, NULL);
}

char *janus_req_publish(const char *txn, const char *offer_sdp)
{
    /* Our camera's a=rid lines go lowest first (q, h, f: lg_video_rid),
     * as Chromium lists its encodings; Janus takes them highest first
     * unless the JSEP says "lmh". */
    return message(txn, json_pack("{s:s}", "request", "publish"), "offer", offer_sdp, "lmh");
}

char *janus_req_join_subscriber(const char *txn, uint64_t room, const uint64_t *feeds,
                                size_t n_feeds)
{
    json_t *list = feed_list(feeds, n_feeds);
    if (!id_ok(room) || !list) {
        json_decref(list);
        return NULL;
    }
    return message(txn,
                   json_pack("{s:s, s:s, s:I, s:o}", "request", "join", "ptype", "subscriber",
                             "room", (json_int_t)room, "streams", list),
                   NULL, NULL, NULL);
}

char *janus_req_subscribe_more(const char *txn, const uint64_t *feeds, size_t n_feeds)
{
    json_t *list = feed_list(feeds, n_feeds);
    if (!list)
        return NULL;
    return message(txn, json_pack("{s:s, s:o}", "request", "update", "subscribe", list), NULL, NULL,
                   NULL);
}

char *janus_req_start(const char *txn, const char *answer_sdp)
{
    return message(txn, json_pack("{s:s}", "request", "start"), "answer", answer_sdp, NULL);
}

char *janus_req_room_destroy(const char *txn, uint64_t room)
{
    if (!id_ok(room))
        return NULL;
    return message(txn, json_pack("{s:s, s:I}", "request", "destroy", "room", (json_int_t)room),
                   NULL, NULL, NULL);
}

int janus_path(char *buf, size_t cap, uint64_t session, uint64_t handle)
{
    int n;

    if (session && handle)
        n = snprintf(buf, cap, "/janus/%llu/%llu", (unsigned long long)session,
                     (unsigned long long)handle);
    else if (session)
        n = snprintf(buf, cap, "/janus/%llu", (unsigned long long)session);
    else
        n = snprintf(buf, cap, "/janus");
    return n < 0 || (size_t)n >= cap ? ERR_TOOBIG : 0;
}

/* ---- HTTP/1.1 answers ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A header line's value after "name:" and blanks, or NULL when the line is
 * another header. */
static const char *header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return NULL;
    size_t i = n + 1;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    *vlen = len - i;
    return line + i;
}

int janus_http_response(const char *buf, size_t len, bool eof, unsigned *status, size_t *body_off,
                        size_t *body_len)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end)
        return len > JANUS_HTTP_HEAD_MAX ? ERR_TOOBIG : eof ? ERR_PARSE : 0;
    size_t head = (size_t)(end - buf) + 4;
    if (head > JANUS_HTTP_HEAD_MAX)
        return ERR_TOOBIG;
    /* "HTTP/1.x NNN" then a blank or the line's end */
    if (head < 16 || memcmp(buf, "HTTP/1.", 7) != 0 || !is_digit(buf[7]) || buf[8] != ' ' ||
        !is_digit(buf[9]) || !is_digit(buf[10]) || !is_digit(buf[11]) ||
        (buf[12] != ' ' && buf[12] != '\r'))
        return ERR_PARSE;
    unsigned st =
        (unsigned)(buf[9] - '0') * 100 + (unsigned)(buf[10] - '0') * 10 + (unsigned)(buf[11] - '0');
    bool have_cl = false;
    size_t cl = 0;
    const char *line = memchr(buf, '\n', head);
    for (line = line ? line + 1 : buf + head; line < buf + head - 2;) {
        const char *eol = memchr(line, '\n', (size_t)(buf + head - line));
        if (!eol)
            return ERR_PARSE;
        size_t ll = (size_t)(eol - line), vlen = 0;
        if (ll > 0 && line[ll - 1] == '\r')
            ll--;
        const char *v;
        if (header_value(line, ll, "Transfer-Encoding", &vlen))
            return ERR_PARSE; /* Janus sends whole bodies; chunked is not taken */
        if ((v = header_value(line, ll, "Content-Length", &vlen)) != NULL) {
            size_t val = 0;
            if (vlen == 0 || have_cl)
                return ERR_PARSE;
            for (size_t i = 0; i < vlen; i++) {
                if (!is_digit(v[i]))
                    return ERR_PARSE;
                val = val * 10 + (size_t)(v[i] - '0');
                if (val > JANUS_MSG_MAX)
                    return ERR_TOOBIG;
            }
            have_cl = true;
            cl = val;
        }
        line = eol + 1;
    }
    size_t have = len - head;
    if (have_cl && have < cl)
        return eof ? ERR_PARSE : 0;
    if (!have_cl && have > JANUS_MSG_MAX)
        return ERR_TOOBIG;
    if (!have_cl && !eof)
        return 0;
    *status = st;
    *body_off = head;
    *body_len = have_cl ? cl : have;
    return 1;
}
