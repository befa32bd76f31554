/* The link key and token derivation (see linkkey.h). */
#define LOG_MODULE "linkkey"
#include "signaling/linkkey.h"
#include "base/err.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return ERR_IO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* O_EXCL: two servers starting at once cannot both write a key. */
static int create_key(const char *path)
{
    uint8_t key[LINKKEY_LEN];
    int ret = 0;
    if (RAND_bytes(key, sizeof key) != 1) {
        LOG_E("random source failed");
        return ERR_CRYPTO;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        ret = errno == EEXIST ? ERR_EXISTS : ERR_IO;
        if (ret == ERR_IO)
            LOG_E("cannot create the link key %s: %s", path, strerror(errno));
        goto out;
    }
    if (write_all(fd, key, sizeof key) < 0 || fsync(fd) != 0) {
        LOG_E("cannot write the link key %s: %s", path, strerror(errno));
        ret = ERR_IO;
        close(fd);
        unlink(path);
        goto out;
    }
    close(fd);
    LOG_I("made a new link key %s (back it up: see OPERATIONS.md)", path);
out:
    OPENSSL_cleanse(key, sizeof key);
    return ret;
}

static int read_key(struct linkkey *k, int fd, const char *path)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        LOG_E("the link key %s is not a regular file", path);
        return ERR_IO;
    }
    if (st.st_size != LINKKEY_LEN) {
        LOG_E("the link key %s must be exactly %d bytes (it has %lld)", path, LINKKEY_LEN,
              (long long)st.st_size);
        return ERR_PARSE;
    }
    if (st.st_mode & 077)
        LOG_W("the link key %s can be read by others than its owner: chmod 600 it", path);
    size_t got = 0;
    while (got < LINKKEY_LEN) {
        ssize_t r = read(fd, k->key + got, LINKKEY_LEN - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            LOG_E("cannot read the link key %s", path);
            return ERR_IO;
        }
        got += (size_t)r;
    }
    k->loaded = true;
    return 0;
}

int linkkey_load(struct linkkey *k, const char *path)
{
    memset(k, 0, sizeof *k);
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
            int ret = read_key(k, fd, path);
            close(fd);
            if (ret)
                linkkey_clear(k);
            return ret;
        }
        if (errno != ENOENT) {
            LOG_E("cannot open the link key %s: %s", path, strerror(errno));
            return ERR_IO;
        }
        int ret = create_key(path);
        if (ret && ret != ERR_EXISTS) /* EXISTS: another process made it; read that one */
            return ret;
    }
    return ERR_IO;
}

void linkkey_clear(struct linkkey *k)
{
    OPENSSL_cleanse(k, sizeof *k);
}

int linkkey_token(const struct linkkey *k, const uint8_t salt[STORE_SALT_LEN],
                  char out[TOKEN_STR_LEN + 1])
{
    uint8_t msg[sizeof LINKKEY_LABEL + STORE_SALT_LEN]; /* the label with its NUL, then the salt */
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    out[0] = '\0';
    if (!k || !k->loaded || !salt)
        return ERR_INVAL;
    memcpy(msg, LINKKEY_LABEL, sizeof LINKKEY_LABEL);
    memcpy(msg + sizeof LINKKEY_LABEL, salt, STORE_SALT_LEN);
    if (!HMAC(EVP_sha256(), k->key, LINKKEY_LEN, msg, sizeof msg, mac, &mac_len) ||
        mac_len < TOKEN_BYTES) {
        LOG_E("HMAC-SHA256 failed");
        return ERR_CRYPTO;
    }
    token_encode(mac, out);
    OPENSSL_cleanse(mac, sizeof mac);
    return 0;
}

int linkkey_new(const struct linkkey *k, uint8_t salt[STORE_SALT_LEN],
                char token[TOKEN_STR_LEN + 1], uint8_t hash[STORE_HASH_LEN])
{
    if (RAND_bytes(salt, STORE_SALT_LEN) != 1) {
        LOG_E("random source failed");
        return ERR_CRYPTO;
    }
    int ret = linkkey_token(k, salt, token);
    if (ret == 0)
        ret = token_hash(token, hash);
    if (ret)
        OPENSSL_cleanse(token, TOKEN_STR_LEN + 1);
    return ret;
}

bool linkkey_invitation_ok(const struct linkkey *k, const struct store_invitation *inv)
{
    return !inv->has_salt || linkkey_matches(k, inv->salt, inv->token_hash);
}

bool linkkey_matches(const struct linkkey *k, const uint8_t salt[STORE_SALT_LEN],
                     const uint8_t hash[STORE_HASH_LEN])
{
    char token[TOKEN_STR_LEN + 1];
    uint8_t h[STORE_HASH_LEN];
    bool ok = linkkey_token(k, salt, token) == 0 && token_hash(token, h) == 0 &&
              CRYPTO_memcmp(h, hash, STORE_HASH_LEN) == 0;
    OPENSSL_cleanse(token, sizeof token);
    return ok;
}
