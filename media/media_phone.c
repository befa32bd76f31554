/* The signaling thread's side of phone calls: commands to the room's
 * worker (media/engine_phone.c does the work there). */
#include "media/media_int.h"
#include "base/err.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static bool numeric_addr(const char *s, bool empty_ok)
{
    uint8_t buf[sizeof(struct in6_addr)];
    if (s[0] == '\0')
        return empty_ok;
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int phone_cmd(struct media *m, unsigned worker, enum media_cmd_kind kind, uint64_t session,
                     struct media_cmd **out)
{
    if (!m || worker >= m->n)
        return ERR_INVAL;
    struct media_cmd *cmd = calloc(1, sizeof *cmd);
    if (!cmd)
        return ERR_NOMEM;
    cmd->kind = kind;
    cmd->session = session;
    *out = cmd;
    return 0;
}

/* Parameters a worker can set a call up with: a producer exactly when in a
 * meeting's room (room 0 holds the calls that are not in a meeting yet). */
static bool params_ok(const struct media_phone_params *p)
{
    return p && memchr(p->bind_addr, '\0', sizeof p->bind_addr) != NULL &&
           memchr(p->remote_addr, '\0', sizeof p->remote_addr) != NULL &&
           numeric_addr(p->bind_addr, false) && numeric_addr(p->remote_addr, true) &&
           p->rtp_port != 0 && !(p->rtp_port & 1) && p->rtp_port != UINT16_MAX &&
           (unsigned)p->codec < AUDIO_CODEC_COUNT && p->pt <= 127 && p->dtmf_pt >= -1 &&
           p->dtmf_pt <= 127 && p->dtmf_pt != p->pt && (p->producer == 0) == (p->room == 0) &&
           p->producer < MEDIA_MIX_CONSUMER_BASE;
}

int media_phone_create(struct media *m, const struct media_phone_params *p)
{
    struct media_cmd *cmd;
    if (!params_ok(p))
        return ERR_INVAL;
    int rc = phone_cmd(m, p->worker, MEDIA_CMD_PHONE_CREATE, p->session, &cmd);
    if (rc < 0)
        return rc;
    cmd->room = p->room;
    cmd->u.phone = *p;
    return media_post(m, p->worker, cmd);
}

int media_phone_move(struct media *m, unsigned from_worker, const struct media_phone_params *p)
{
    struct media_cmd *cmd;
    if (!m || !params_ok(p) || p->worker >= m->n)
        return ERR_INVAL;
    int rc = phone_cmd(m, from_worker, MEDIA_CMD_PHONE_MOVE, p->session, &cmd);
    if (rc < 0)
        return rc;
    cmd->room = p->room;
    cmd->u.phone = *p;
    return media_post(m, from_worker, cmd);
}

int media_phone_remote(struct media *m, unsigned worker, uint64_t session, const char *addr,
                       uint16_t port, uint16_t rtcp_port, bool hold)
{
    struct media_cmd *cmd;
    if (!addr || strlen(addr) >= MEDIA_ADDR_MAX || !numeric_addr(addr, true))
        return ERR_INVAL;
    int rc = phone_cmd(m, worker, MEDIA_CMD_PHONE_REMOTE, session, &cmd);
    if (rc < 0)
        return rc;
    memcpy(cmd->u.remote.addr, addr, strlen(addr) + 1);
    cmd->u.remote.port = port;
    cmd->u.remote.rtcp_port = rtcp_port;
    cmd->u.remote.hold = hold;
    return media_post(m, worker, cmd);
}

int media_phone_mode(struct media *m, unsigned worker, uint64_t session, enum media_phone_mode mode)
{
    struct media_cmd *cmd;
    if (mode != MEDIA_PHONE_PROMPT && mode != MEDIA_PHONE_MEETING && mode != MEDIA_PHONE_MUTED)
        return ERR_INVAL;
    int rc = phone_cmd(m, worker, MEDIA_CMD_PHONE_MODE, session, &cmd);
    if (rc < 0)
        return rc;
    cmd->u.mode = mode;
    return media_post(m, worker, cmd);
}

int media_phone_play(struct media *m, unsigned worker, uint64_t session, unsigned prompt, bool loop)
{
    struct media_cmd *cmd;
    if (m && prompt >= m->n_prompts)
        return ERR_INVAL;
    int rc = phone_cmd(m, worker, MEDIA_CMD_PHONE_PLAY, session, &cmd);
    if (rc < 0)
        return rc;
    cmd->u.play.prompt = prompt;
    cmd->u.play.loop = loop;
    return media_post(m, worker, cmd);
}

int media_phone_close(struct media *m, unsigned worker, uint64_t session)
{
    struct media_cmd *cmd;
    int rc = phone_cmd(m, worker, MEDIA_CMD_PHONE_CLOSE, session, &cmd);
    return rc < 0 ? rc : media_post(m, worker, cmd);
}

int media_mix_source(struct media *m, unsigned worker, int64_t room, uint32_t producer, bool add)
{
    struct media_cmd *cmd;
    if (producer == 0 || producer >= MEDIA_MIX_CONSUMER_BASE)
        return ERR_INVAL;
    int rc = phone_cmd(m, worker, MEDIA_CMD_MIX_SOURCE, 0, &cmd);
    if (rc < 0)
        return rc;
    cmd->room = room;
    cmd->id = producer;
    cmd->u.add = add;
    return media_post(m, worker, cmd);
}
