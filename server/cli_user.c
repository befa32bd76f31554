/* `samtale user add|passwd|remove|list`: caseworker accounts from the shell.
 * Talks to the store directly; the server does not need to be running, but
 * SQLite's WAL lets both work on the same file at once. */
#include "server/cli_user.h"
#include "base/err.h"
#include "server/password.h"
#include "signaling/store.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define DB_NAME "samtale.db"
#define DB_PATH_MAX 4096
/* How much of a rejected argument is quoted back in an error message. */
#define SHOW_MAX 64

static const char usage_text[] =
    "usage: samtale user add USERNAME [--name \"Display Name\"]\n"
    "       samtale user passwd USERNAME\n"
    "       samtale user remove USERNAME\n"
    "       samtale user list\n"
    "Usernames are 1-64 characters from a-z, 0-9, '.', '_' and '-'. Passwords\n"
    "are asked for on the terminal, or read as one line from standard input.\n";

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "samtale: <message>" on stderr; returns the exit status 1. */
static int fail(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    fprintf(stderr, "samtale: %s\n", msg);
    return 1;
}

/* A copy of untrusted text that is safe to print: control bytes become '?',
 * and anything past SHOW_MAX bytes becomes "...". */
static const char *shown(const char *s, char out[SHOW_MAX + 4])
{
    size_t i = 0;
    for (; s[i] && i < SHOW_MAX; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (s[i]) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
    return out;
}

static bool username_valid(const char *u)
{
    size_t len = strlen(u);
    if (len == 0 || len > STORE_USERNAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = u[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
              ch == '-'))
            return false;
    }
    return true;
}

static int check_username(const char *u)
{
    char buf[SHOW_MAX + 4];
    if (username_valid(u))
        return 0;
    return fail("invalid username '%s': use 1 to %d characters from a-z (lowercase), 0-9, "
                "'.', '_' and '-'",
                shown(u, buf), STORE_USERNAME_MAX);
}

/* Length of the UTF-8 sequence at s (1..4), or 0 if it is not valid UTF-8
 * or encodes a control character (C0, DEL, C1). */
static size_t utf8_printable_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x20 || c == 0x7f)
        return 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        if ((s[1] & 0xc0) != 0x80)
            return 0;
        if (c == 0xc2 && s[1] < 0xa0) /* U+0080..U+009F: C1 controls */
            return 0;
        return 2;
    }
    if (c >= 0xe0 && c <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if (c == 0xe0 && s[1] < 0xa0) /* overlong */
            return 0;
        if (c == 0xed && s[1] >= 0xa0) /* surrogates */
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if (c == 0xf0 && s[1] < 0x90) /* overlong */
            return 0;
        if (c == 0xf4 && s[1] >= 0x90) /* above U+10FFFF */
            return 0;
        return 4;
    }
    return 0;
}

static int check_display_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0)
        return fail("the display name must not be empty");
    if (len > STORE_NAME_MAX)
        return fail("the display name is too long (at most %d bytes)", STORE_NAME_MAX);
    for (size_t i = 0; i < len;) {
        size_t n = utf8_printable_len((const unsigned char *)name + i);
        if (n == 0)
            return fail("the display name must be UTF-8 text without control characters");
        i += n;
    }
    return 0;
}

/* Display width of UTF-8 text, counted in code points. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

/* ---- passwords ---- */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
}

/* Reads one line from fd into buf[cap] without the newline (and without a
 * "\r" before it). Returns 0, ERR_NOTFOUND at end of input before any byte,
 * ERR_TOOBIG, ERR_PARSE (NUL byte), ERR_AGAIN (interrupted by a signal) or
 * ERR_IO. Reads byte by byte so that nothing after the line is consumed. */
static int read_line_fd(int fd, char *buf, size_t cap, size_t *len_out)
{
    size_t len = 0;
    bool any = false;
    char ch = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, &ch, 1);
        if (n < 0) {
            if (errno == EINTR && !got_signal)
                continue;
            rc = errno == EINTR ? ERR_AGAIN : ERR_IO;
            goto out;
        }
        if (n == 0)
            break;
        any = true;
        if (ch == '\n')
            break;
        if (ch == '\0') {
            rc = ERR_PARSE;
            goto out;
        }
        if (len + 1 >= cap) {
            rc = ERR_TOOBIG;
            goto out;
        }
        buf[len++] = ch;
    }
    if (!any) {
        rc = ERR_NOTFOUND;
        goto out;
    }
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    buf[len] = '\0';
    *len_out = len;
out:
    OPENSSL_cleanse(&ch, sizeof ch);
    if (rc != 0)
        OPENSSL_cleanse(buf, cap);
    return rc;
}

static const int prompt_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_PROMPT_SIGNALS (sizeof prompt_signals / sizeof prompt_signals[0])

/* Asks on the terminal with echo off. If a signal arrives meanwhile, the
 * terminal is restored first and the signal then delivered as usual. */
static int prompt_tty(const char *prompt, char *buf, size_t cap, size_t *len_out)
{
    struct termios old, quiet;
    struct sigaction sa, saved[N_PROMPT_SIGNALS];
    int rc;

    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return ERR_IO;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: read() returns EINTR */
    sigemptyset(&sa.sa_mask);
    got_signal = 0;
    for (size_t i = 0; i < N_PROMPT_SIGNALS; i++)
        sigaction(prompt_signals[i], &sa, &saved[i]);

    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
        rc = ERR_IO;
        goto out;
    }
    fputs(prompt, stderr);
    fflush(stderr);
    rc = read_line_fd(STDIN_FILENO, buf, cap, len_out);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
out:
    for (size_t i = 0; i < N_PROMPT_SIGNALS; i++)
        sigaction(prompt_signals[i], &saved[i], NULL);
    if (got_signal) {
        fputc('\n', stderr);
        raise(got_signal);
        rc = ERR_AGAIN; /* the signal was ignored or handled */
    }
    return rc;
}

static int password_read_error(int rc)
{
    switch (rc) {
    case ERR_NOTFOUND:
        return fail("no password given on standard input");
    case ERR_TOOBIG:
        return fail("the password is too long (at most %d bytes)", PASSWORD_MAX);
    case ERR_PARSE:
        return fail("the password contains a NUL byte");
    case ERR_AGAIN:
        return fail("interrupted");
    default:
        return fail("cannot read the password: %s", err_str(rc));
    }
}

/* Gets a new password and hashes it into hash. Returns an exit status. */
static int new_password_hash(const char *username, char hash[STORE_PWHASH_MAX + 1])
{
    char pw[PASSWORD_MAX + 1];
    char again[PASSWORD_MAX + 1];
    size_t len = 0, len2 = 0;
    int status = 1;
    int rc;

    if (isatty(STDIN_FILENO)) {
        char prompt[128];
        snprintf(prompt, sizeof prompt, "New password for '%s': ", username);
        rc = prompt_tty(prompt, pw, sizeof pw, &len);
        if (rc == 0)
            rc = prompt_tty("Repeat the password: ", again, sizeof again, &len2);
        if (rc != 0) {
            status = password_read_error(rc);
            goto out;
        }
        if (len != len2 || CRYPTO_memcmp(pw, again, len) != 0) {
            status = fail("the passwords do not match");
            goto out;
        }
    } else {
        rc = read_line_fd(STDIN_FILENO, pw, sizeof pw, &len);
        if (rc != 0) {
            status = password_read_error(rc);
            goto out;
        }
    }

    rc = password_hash(pw, hash);
    if (rc == ERR_INVAL)
        status = fail("the password is too short: use at least %d characters", PASSWORD_MIN);
    else if (rc == ERR_TOOBIG)
        status = fail("the password is too long (at most %d bytes)", PASSWORD_MAX);
    else if (rc != 0)
        status = fail("cannot hash the password: %s", err_str(rc));
    else
        status = 0;
out:
    OPENSSL_cleanse(pw, sizeof pw);
    OPENSSL_cleanse(again, sizeof again);
    return status;
}

/* ---- the store ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Opens <data_dir>/samtale.db, creating data_dir (0700) if needed. Returns
 * an exit status. */
static int open_store(const char *data_dir, struct store **out)
{
    char path[DB_PATH_MAX];
    struct stat st;

    if (!data_dir || data_dir[0] == '\0')
        return fail("no data directory configured");
    int n = snprintf(path, sizeof path, "%s/%s", data_dir, DB_NAME);
    if (n < 0 || (size_t)n >= sizeof path)
        return fail("the data directory path is too long");

    if (mkdir(data_dir, 0700) != 0) {
        if (errno != EEXIST)
            return fail("cannot create data directory '%s': %s", data_dir, strerror(errno));
        if (stat(data_dir, &st) != 0 || !S_ISDIR(st.st_mode))
            return fail("'%s' is not a directory", data_dir);
    }
    int rc = store_open(out, path);
    if (rc != 0)
        return fail("cannot open the store '%s': %s", path, err_str(rc));
    return 0;
}

/* ---- commands ---- */

struct args {
    const char *username;
    const char *name; /* --name, add only */
};

/* Parses "[USERNAME] [--name NAME]" after the command. Returns an exit status. */
static int parse_args(int argc, char **argv, bool want_user, bool allow_name, struct args *a)
{
    char buf[SHOW_MAX + 4];
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (allow_name && strcmp(arg, "--name") == 0) {
            if (i + 1 >= argc)
                return fail("--name needs a value");
            a->name = argv[++i];
        } else if (allow_name && strncmp(arg, "--name=", 7) == 0) {
            a->name = arg + 7;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return fail("unknown option '%s' for 'user %s'", shown(arg, buf), argv[0]);
        } else if (want_user && !a->username) {
            a->username = arg;
        } else {
            return fail("unexpected argument '%s' for 'user %s'", shown(arg, buf), argv[0]);
        }
    }
    if (want_user && !a->username)
        return fail("'user %s' needs a USERNAME", argv[0]);
    if (want_user)
        return check_username(a->username);
    return 0;
}

static int cmd_add(const char *data_dir, const struct args *a)
{
    struct store *s = NULL;
    struct store_user u;
    char hash[STORE_PWHASH_MAX + 1];
    const char *name = a->name ? a->name : a->username;
    int status;
    int rc;

    status = check_display_name(name);
    if (status != 0)
        goto out;
    status = open_store(data_dir, &s);
    if (status != 0)
        goto out;
    /* Before asking for a password that could not be used anyway. */
    rc = store_user_find(s, a->username, &u, NULL);
    if (rc == 0) {
        status = fail("user '%s' already exists", a->username);
        goto out;
    }
    if (rc != ERR_NOTFOUND) {
        status = fail("cannot look up user '%s': %s", a->username, err_str(rc));
        goto out;
    }
    status = new_password_hash(a->username, hash);
    if (status != 0)
        goto out;
    rc = store_user_add(s, a->username, name, hash, now_ms(), NULL);
    if (rc == ERR_EXISTS)
        status = fail("user '%s' already exists", a->username);
    else if (rc != 0)
        status = fail("cannot add user '%s': %s", a->username, err_str(rc));
    else
        printf("user '%s' added\n", a->username);
out:
    OPENSSL_cleanse(hash, sizeof hash);
    store_close(s);
    return status;
}

static int cmd_passwd(const char *data_dir, const struct args *a)
{
    struct store *s = NULL;
    struct store_user u;
    char hash[STORE_PWHASH_MAX + 1];
    int status;
    int rc;

    status = open_store(data_dir, &s);
    if (status != 0)
        goto out;
    rc = store_user_find(s, a->username, &u, NULL);
    if (rc == ERR_NOTFOUND) {
        status = fail("no user '%s'", a->username);
        goto out;
    }
    if (rc != 0) {
        status = fail("cannot look up user '%s': %s", a->username, err_str(rc));
        goto out;
    }
    status = new_password_hash(a->username, hash);
    if (status != 0)
        goto out;
    rc = store_user_set_password(s, a->username, hash);
    if (rc == ERR_NOTFOUND)
        status = fail("no user '%s'", a->username);
    else if (rc != 0)
        status = fail("cannot change the password of '%s': %s", a->username, err_str(rc));
    else
        printf("password of '%s' changed\n", a->username);
out:
    OPENSSL_cleanse(hash, sizeof hash);
    store_close(s);
    return status;
}

static int cmd_remove(const char *data_dir, const struct args *a)
{
    struct store *s = NULL;
    int status = open_store(data_dir, &s);
    if (status != 0)
        goto out;
    int rc = store_user_remove(s, a->username);
    if (rc == ERR_NOTFOUND)
        status = fail("no user '%s'", a->username);
    else if (rc != 0)
        status = fail("cannot remove user '%s': %s", a->username, err_str(rc));
    else
        printf("user '%s' removed, with their meetings\n", a->username);
out:
    store_close(s);
    return status;
}

struct list_state {
    size_t count;
    size_t user_w, name_w; /* column widths */
};

static int list_measure(void *arg, const struct store_user *u)
{
    struct list_state *ls = arg;
    size_t w = text_width(u->username);
    if (w > ls->user_w)
        ls->user_w = w;
    w = text_width(u->display_name);
    if (w > ls->name_w)
        ls->name_w = w;
    ls->count++;
    return 0;
}

/* Prints s (control bytes as '?') padded with blanks to width columns. */
static void print_cell(const char *s, size_t width)
{
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        putchar((ch < 0x20 || ch == 0x7f) ? '?' : ch);
    }
    for (size_t w = text_width(s); w < width; w++)
        putchar(' ');
}

static void print_row(const struct list_state *ls, const char *user, const char *name,
                      const char *created)
{
    print_cell(user, ls->user_w);
    fputs("  ", stdout);
    print_cell(name, ls->name_w);
    fputs("  ", stdout);
    fputs(created, stdout);
    putchar('\n');
}

static int list_print(void *arg, const struct store_user *u)
{
    const struct list_state *ls = arg;
    char created[32] = "?";
    struct tm tm;
    time_t t = (time_t)(u->created_at / 1000);
    if (gmtime_r(&t, &tm))
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    print_row(ls, u->username, u->display_name, created);
    return 0;
}

static int cmd_list(const char *data_dir)
{
    struct store *s = NULL;
    struct list_state ls = {.count = 0, .user_w = strlen("USERNAME"), .name_w = strlen("NAME")};
    int status = open_store(data_dir, &s);
    if (status != 0)
        goto out;
    int rc = store_user_list(s, list_measure, &ls);
    if (rc == 0 && ls.count > 0) {
        print_row(&ls, "USERNAME", "NAME", "CREATED");
        rc = store_user_list(s, list_print, &ls);
    }
    if (rc != 0) {
        status = fail("cannot list users: %s", err_str(rc));
        goto out;
    }
    if (ls.count == 0)
        fputs("no users yet; add one with: samtale user add USERNAME\n", stderr);
out:
    fflush(stdout);
    store_close(s);
    return status;
}

int cli_user_main(int argc, char **argv, const char *data_dir)
{
    struct args a;
    char buf[SHOW_MAX + 4];
    int status;

    if (argc < 1 || !argv || !argv[0]) {
        fputs(usage_text, stderr);
        return 1;
    }
    const char *cmd = argv[0];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }

    if (strcmp(cmd, "add") == 0) {
        status = parse_args(argc, argv, true, true, &a);
        if (status == 0)
            status = cmd_add(data_dir, &a);
    } else if (strcmp(cmd, "passwd") == 0) {
        status = parse_args(argc, argv, true, false, &a);
        if (status == 0)
            status = cmd_passwd(data_dir, &a);
    } else if (strcmp(cmd, "remove") == 0) {
        status = parse_args(argc, argv, true, false, &a);
        if (status == 0)
            status = cmd_remove(data_dir, &a);
    } else if (strcmp(cmd, "list") == 0) {
        status = parse_args(argc, argv, false, false, &a);
        if (status == 0)
            status = cmd_list(data_dir);
    } else {
        status = fail("unknown command 'user %s' (add, passwd, remove or list)", shown(cmd, buf));
    }
    fflush(stdout);
    return status;
}
