/* The store: caseworker users, login sessions, meetings, invitations and the
 * audit log. This header is the whole interface, declared here because the
 * meeting model and the sessions (signaling/) use it; server/store_sqlite*.c
 * implements it on one SQLite file (WAL). Another backend (e.g. PostgreSQL)
 * implements the same functions. Single-threaded: the signaling thread owns the store.
 *
 * Times are Unix milliseconds (int64_t) supplied by the caller. Secrets
 * (passwords, session and invitation tokens) never reach the store in clear:
 * passwords arrive hashed by password_hash(), tokens as SHA-256 digests
 * (token_hash()). All functions return 0 or a negative ERR_* code. */
#ifndef SAMTALE_STORE_H
#define SAMTALE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signaling/role.h"

#define STORE_USERNAME_MAX 64   /* bytes, without the NUL */
#define STORE_NAME_MAX 128      /* display names */
#define STORE_TITLE_MAX 200     /* meeting titles */
#define STORE_LABEL_MAX 100     /* invitation labels ("Interpreter, Arabic") */
#define STORE_AUDIT_KIND_MAX 32 /* "join", "admit", ... */
#define STORE_DETAIL_MAX 256
#define STORE_PWHASH_MAX 256
#define STORE_HASH_LEN 32   /* SHA-256 digest of a token */
#define STORE_SALT_LEN 32   /* an invitation's salt for its derived token (signaling/linkkey.h) */
#define STORE_STATUS_MAX 16 /* an invitation's link status name ("opened", ...) */
#define STORE_REASON_MAX 32 /* the reason code of a failed device check */

struct store;

struct store_user {
    int64_t id;
    char username[STORE_USERNAME_MAX + 1];
    char display_name[STORE_NAME_MAX + 1];
    int64_t created_at;
};

struct store_meeting {
    int64_t id;
    int64_t owner_id; /* store_user.id of the caseworker who created it */
    char title[STORE_TITLE_MAX + 1];
    int64_t planned_start;
    int64_t planned_end;
    int64_t created_at;
    int64_t ended_at; /* 0 while not ended */
    bool locked;      /* a host locked it: only hosts may join */
};

struct store_invitation {
    int64_t id;
    int64_t meeting_id;
    enum role role;
    bool is_host;    /* the caseworker's own link: host rights, never waits */
    bool auto_admit; /* skip the lobby */
    char label[STORE_LABEL_MAX + 1];
    int64_t created_at;
    int64_t expires_at;
    int64_t revoked_at; /* 0 while not revoked */
    /* The salt its token is derived from with the link key; has_salt is
     * false for invitations made before tokens were derived (their tokens
     * cannot be recovered). */
    bool has_salt;
    uint8_t salt[STORE_SALT_LEN];
    uint8_t token_hash[STORE_HASH_LEN]; /* filled in by reads; ignored when adding */
    /* The latest link status (signaling/linkstatus.h): name ("" = not opened),
     * the device check's reason code when it failed, and when. */
    char status[STORE_STATUS_MAX + 1];
    char status_reason[STORE_REASON_MAX + 1];
    int64_t status_at;
    /* Its phone PIN's keyed hash and derivation counter (signaling/pin.h);
     * has_pin is false for invitations without one ("no PIN"). Stored when
     * adding. */
    bool has_pin;
    uint8_t pin_hash[STORE_HASH_LEN];
    uint32_t pin_counter;
};

struct store_audit_event {
    int64_t id; /* increasing: the log's order */
    int64_t meeting_id;
    int64_t at;
    char kind[STORE_AUDIT_KIND_MAX + 1];
    bool has_role; /* false for events without a participant (e.g. created) */
    enum role role;
    char display_name[STORE_NAME_MAX + 1];
    char detail[STORE_DETAIL_MAX + 1];
};

/* Opens (creating if needed) the store at `path` and runs pending migrations. */
int store_open(struct store **out, const char *path);
/* NULL-safe; checkpoints and closes cleanly. */
void store_close(struct store *s);
/* Schema version after migrations (for tests and `samtale --version`). */
int store_schema_version(struct store *s);

/* ---- users (caseworkers) ---- */
/* ERR_EXISTS if the username is taken. */
int store_user_add(struct store *s, const char *username, const char *display_name,
                   const char *password_hash, int64_t now, int64_t *id_out);
int store_user_get(struct store *s, int64_t id, struct store_user *out);
/* Also returns the stored password hash (for verification) when pwhash != NULL. */
int store_user_find(struct store *s, const char *username, struct store_user *out,
                    char pwhash[STORE_PWHASH_MAX + 1]);
typedef int (*store_user_fn)(void *arg, const struct store_user *u);
/* Calls fn for each user in username order; a non-zero return from fn stops and is returned. */
int store_user_list(struct store *s, store_user_fn fn, void *arg);
/* Also ends all of the user's login sessions, in the same transaction. */
int store_user_set_password(struct store *s, const char *username, const char *password_hash);
/* Removes the user, their sessions and their meetings (with invitations and audit). */
int store_user_remove(struct store *s, const char *username);

/* ---- login sessions ---- */
int store_session_add(struct store *s, const uint8_t hash[STORE_HASH_LEN], int64_t user_id,
                      int64_t now, int64_t expires_at);
/* ERR_NOTFOUND if unknown, ERR_EXPIRED if past expires_at. */
int store_session_find(struct store *s, const uint8_t hash[STORE_HASH_LEN], int64_t now,
                       int64_t *user_id_out);
int store_session_remove(struct store *s, const uint8_t hash[STORE_HASH_LEN]);
/* Deletes sessions that expired before `now`. */
int store_session_purge(struct store *s, int64_t now);

/* ---- meetings and invitations ---- */
/* Creates the meeting and its invitations in one transaction. m->id and each
 * invitations[i].id / meeting_id are filled in. hashes[i] is the digest of
 * invitation i's token. */
int store_meeting_create(struct store *s, struct store_meeting *m,
                         struct store_invitation *invitations,
                         const uint8_t (*hashes)[STORE_HASH_LEN], size_t n_invitations);
int store_meeting_get(struct store *s, int64_t id, struct store_meeting *out);
typedef int (*store_meeting_fn)(void *arg, const struct store_meeting *m);
/* The owner's meetings, newest planned_start first. */
int store_meeting_list(struct store *s, int64_t owner_id, store_meeting_fn fn, void *arg);
int store_meeting_set_ended(struct store *s, int64_t id, int64_t at);
/* Remembers a host's lock, so that it outlives the live meeting (everyone
 * gone, a restart or a crash). store_meeting_create ignores m->locked. */
int store_meeting_set_locked(struct store *s, int64_t id, bool locked);
/* Deletes a meeting with its invitations and audit log. */
int store_meeting_delete(struct store *s, int64_t id);

int store_invitation_add(struct store *s, struct store_invitation *inv,
                         const uint8_t hash[STORE_HASH_LEN]);
int store_invitation_get(struct store *s, int64_t id, struct store_invitation *out);
/* Finds by token digest. Returns the row whatever its state: callers decide
 * about expiry and revocation. ERR_NOTFOUND if no such token. */
int store_invitation_find(struct store *s, const uint8_t hash[STORE_HASH_LEN],
                          struct store_invitation *out);
typedef int (*store_invitation_fn)(void *arg, const struct store_invitation *inv);
int store_invitation_list(struct store *s, int64_t meeting_id, store_invitation_fn fn, void *arg);
/* Replaces the invitation's link status (name and reason as above). */
int store_invitation_set_status(struct store *s, int64_t id, const char *status, const char *reason,
                                int64_t at);
/* At start-up: live meetings are gone, so every link whose status is
 * "waiting" or "in_meeting" becomes "left" at `at`. *n_out (may be NULL):
 * how many. */
int store_invitation_close_statuses(struct store *s, int64_t at, size_t *n_out);
/* Finds the live invitation (not revoked, its meeting not ended) whose PIN
 * has the keyed hash `pin_hash` (signaling/pin.h). Expiry is the caller's to
 * judge. ERR_NOTFOUND if none. */
int store_invitation_find_pin(struct store *s, const uint8_t pin_hash[STORE_HASH_LEN],
                              struct store_invitation *out);
/* Sets an invitation's PIN hash and counter. ERR_NOTFOUND if missing. */
int store_invitation_set_pin(struct store *s, int64_t id, const uint8_t pin_hash[STORE_HASH_LEN],
                             uint32_t counter);
/* The live invitation with a salt and without a PIN that has the smallest
 * id above after_id (for giving PINs to older invitations). ERR_NOTFOUND
 * when there is none. */
int store_invitation_next_without_pin(struct store *s, int64_t after_id,
                                      struct store_invitation *out);
/* ERR_NOTFOUND if missing; revoking twice keeps the first time. */
int store_invitation_revoke(struct store *s, int64_t id, int64_t at);

/* ---- audit log ---- */
/* ev->id is filled in. */
int store_audit_add(struct store *s, struct store_audit_event *ev);
typedef int (*store_audit_fn)(void *arg, const struct store_audit_event *ev);
/* In order of insertion. */
int store_audit_list(struct store *s, int64_t meeting_id, store_audit_fn fn, void *arg);
/* At start-up: live meetings are gone, so everyone the log still shows as
 * present leaves now. For each meeting, since its last `end`, each (role,
 * display name) counts its `join`s minus its `leave`, `deny` and `remove`
 * events; that many `leave` events are added with time `at` and `detail`,
 * in one transaction. *n_out (may be NULL) is how many were added. */
int store_audit_close_open(struct store *s, int64_t at, const char *detail, size_t *n_out);

#endif
