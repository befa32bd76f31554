/* Tests for server/cli_user.c: `samtale user add|passwd|remove|list` against a
 * temporary data directory, with stdin, stdout and stderr redirected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/cli_user.h"
#include "base/err.h"
#include "base/log.h"
#include "server/password.h"
#include "signaling/store.h"

#define OUT_MAX 65536

struct fixture {
    char base[64];
    char data_dir[128];
};

struct result {
    int status;
    char out[OUT_MAX];
    char err[OUT_MAX];
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->base, sizeof f->base, "/tmp/samtale-test-cli-user-XXXXXX");
    if (!mkdtemp(f->base))
        return -1;
    /* not created yet: cli_user_main creates it */
    snprintf(f->data_dir, sizeof f->data_dir, "%s/data", f->base);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    nftw(f->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* Replaces fd `target` by a fresh temporary file; returns the saved original. */
static int redirect_to_tmp(int target, char path[64])
{
    snprintf(path, 64, "/tmp/samtale-test-cli-io-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(target);
    assert_true(saved >= 0);
    assert_true(dup2(fd, target) == target);
    close(fd);
    return saved;
}

static void restore_and_read(int target, int saved, const char *path, char *buf)
{
    assert_true(dup2(saved, target) == target);
    close(saved);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, OUT_MAX - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    unlink(path);
}

/* Runs cli_user_main with `in` (len bytes) on stdin, capturing stdout and
 * stderr into r. The arguments end with NULL. */
static void run_in(struct result *r, const char *data_dir, const char *in, size_t len, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, len);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        assert_true(argc < 15);
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc] = NULL;

    char in_path[64], out_path[64], err_path[64];
    int saved_in = redirect_to_tmp(STDIN_FILENO, in_path);
    assert_int_equal(write(STDIN_FILENO, in, len), (ssize_t)len);
    assert_int_equal(lseek(STDIN_FILENO, 0, SEEK_SET), 0);

    fflush(stdout);
    fflush(stderr);
    int saved_out = redirect_to_tmp(STDOUT_FILENO, out_path);
    int saved_err = redirect_to_tmp(STDERR_FILENO, err_path);

    r->status = cli_user_main(argc, argv, data_dir);

    fflush(stdout);
    fflush(stderr);
    restore_and_read(STDERR_FILENO, saved_err, err_path, r->err);
    restore_and_read(STDOUT_FILENO, saved_out, out_path, r->out);
    char unused[OUT_MAX];
    restore_and_read(STDIN_FILENO, saved_in, in_path, unused);
}

#define RUN(r, dir, in, ...) run_in((r), (dir), (in), strlen(in), __VA_ARGS__, (const char *)NULL)

static struct store *open_db(const struct fixture *f)
{
    char path[192];
    struct store *s = NULL;
    snprintf(path, sizeof path, "%s/samtale.db", f->data_dir);
    assert_int_equal(store_open(&s, path), 0);
    return s;
}

/* 0 if `username` exists and `password` is theirs. */
static int check_login(const struct fixture *f, const char *username, const char *password,
                       struct store_user *u_out)
{
    struct store *s = open_db(f);
    struct store_user u;
    char hash[STORE_PWHASH_MAX + 1];
    int rc = store_user_find(s, username, &u, hash);
    if (rc == 0) {
        rc = password_verify(password, hash);
        if (u_out)
            *u_out = u;
    }
    store_close(s);
    return rc;
}

static bool user_exists(const struct fixture *f, const char *username)
{
    struct stat st;
    if (stat(f->data_dir, &st) != 0)
        return false; /* never created: certainly no users */
    struct store *s = open_db(f);
    struct store_user u;
    int rc = store_user_find(s, username, &u, NULL);
    store_close(s);
    return rc == 0;
}

static struct result *new_result(void)
{
    struct result *r = malloc(sizeof *r);
    assert_non_null(r);
    return r;
}

static void test_add_and_list(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();

    RUN(r, f->data_dir, "secret123\n", "add", "anna");
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    assert_string_equal(r->out, "user 'anna' added\n");

    struct store_user u;
    assert_int_equal(check_login(f, "anna", "secret123", &u), 0);
    assert_int_equal(check_login(f, "anna", "secret124", NULL), ERR_DENIED);
    assert_string_equal(u.display_name, "anna"); /* defaults to the username */
    int64_t now = (int64_t)time(NULL) * 1000;
    assert_true(u.created_at > now - 60000 && u.created_at <= now + 1000);

    RUN(r, f->data_dir, "", "list");
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "USERNAME"));
    assert_non_null(strstr(r->out, "\nanna "));
    free(r);
}

static void test_add_with_name(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();
    struct store_user u;

    RUN(r, f->data_dir, "secret123\n", "add", "anna", "--name", "Anna Jensen");
    assert_int_equal(r->status, 0);
    assert_int_equal(check_login(f, "anna", "secret123", &u), 0);
    assert_string_equal(u.display_name, "Anna Jensen");

    RUN(r, f->data_dir, "secret123\n", "add", "--name=Åse Ørsted", "ase.o");
    assert_int_equal(r->status, 0);
    assert_int_equal(check_login(f, "ase.o", "secret123", &u), 0);
    assert_string_equal(u.display_name, "Åse Ørsted");

    RUN(r, f->data_dir, "secret123\n", "add", "bo", "--name");
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "samtale: --name needs a value\n");
    assert_false(user_exists(f, "bo"));
    free(r);
}

static void test_add_duplicate(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();

    RUN(r, f->data_dir, "secret123\n", "add", "anna");
    assert_int_equal(r->status, 0);
    RUN(r, f->data_dir, "other-pass\n", "add", "anna", "--name", "Someone Else");
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "samtale: user 'anna' already exists\n");
    assert_string_equal(r->out, "");

    struct store_user u;
    assert_int_equal(check_login(f, "anna", "secret123", &u), 0);
    assert_string_equal(u.display_name, "anna");
    free(r);
}

static void test_bad_usernames(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();
    static const char *const bad[] = {
        "Anna", "anna jensen", "anna@example.org", "åse", "a/b", "", "x\ty", "ANNA", "anna:1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        RUN(r, f->data_dir, "secret123\n", "add", bad[i]);
        if (r->status != 1)
            fail_msg("username '%s' was accepted", bad[i]);
        assert_non_null(strstr(r->err, "samtale: invalid username '"));
        assert_non_null(strstr(r->err, "a-z"));
        assert_null(strchr(r->err, '\t')); /* control bytes are not echoed */
    }
    RUN(r, f->data_dir, "secret123\n", "passwd", "Anna");
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "invalid username"));
    RUN(r, f->data_dir, "", "remove", "anna jensen");
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "invalid username"));
    free(r);
}

static void test_username_edges(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();
    char name[STORE_USERNAME_MAX + 2];

    memset(name, 'a', STORE_USERNAME_MAX);
    name[STORE_USERNAME_MAX] = '\0';
    RUN(r, f->data_dir, "secret123\n", "add", name);
    assert_int_equal(r->status, 0);
    assert_true(user_exists(f, name));

    name[STORE_USERNAME_MAX] = 'a';
    name[STORE_USERNAME_MAX + 1] = '\0';
    RUN(r, f->data_dir, "secret123\n", "add", name);
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "invalid username"));
    assert_non_null(strstr(r->err, "...")); /* long input is shortened in the message */

    RUN(r, f->data_dir, "secret123\n", "add", "a.b_c-9");
    assert_int_equal(r->status, 0);
    RUN(r, f->data_dir, "secret123\n", "add", "x");
    assert_int_equal(r->status, 0);
    free(r);
}

static void test_short_and_long_passwords(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();

    RUN(r, f->data_dir, "1234567\n", "add", "anna");
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "samtale: the password is too short: use at least 8 characters\n");
    assert_false(user_exists(f, "anna"));

    RUN(r, f->data_dir, "\n", "add", "anna");
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "too short"));

    RUN(r, f->data_dir, "", "add", "anna");
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "samtale: no password given on standard input\n");
    assert_false(user_exists(f, "anna"));

    RUN(r, f->data_dir, "12345678\n", "add", "anna");
    assert_int_equal(r->status, 0);

    char *big = malloc(PASSWORD_MAX + 3);
    assert_non_null(big);
    memset(big, 'p', PASSWORD_MAX);
    big[PASSWORD_MAX] = '\n';
    big[PASSWORD_MAX + 1] = '\0';
    RUN(r, f->data_dir, big, "add", "bo"); /* exactly the maximum */
    assert_int_equal(r->status, 0);
    big[PASSWORD_MAX] = 'p';
    big[PASSWORD_MAX + 1] = '\n';
    big[PASSWORD_MAX + 2] = '\0';
    RUN(r, f->data_dir, big, "add", "cy");
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "too long"));
    assert_false(user_exists(f, "cy"));
    free(big);
    free(r);
}

static void test_password_input_forms(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();

    RUN(r, f->data_dir, "no-newline", "add", "a1");
    assert_int_equal(r->status, 0);
    assert_int_equal(check_login(f, "a1", "no-newline", NULL), 0);

    RUN(r, f->data_dir, "crlf-line\r\n", "add", "a2");
    assert_int_equal(r->status, 0);
    assert_int_equal(check_login(f, "a2", "crlf-line", NULL), 0);

    RUN(r, f->data_dir, "first-line\nsecond-line\n", "add", "a3");
    assert_int_equal(r->status, 0);
    assert_int_equal(check_login(f, "a3", "first-line", NULL), 0);

    RUN(r, f->data_dir, "  spaces kept  \n", "add", "a4");
    assert_int_equal(r->status, 0);
    assert_int_equal(check_login(f, "a4", "  spaces kept  ", NULL), 0);

    run_in(r, f->data_dir, "abcd\0efgh\n", 10, "add", "a5", (const char *)NULL);
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "NUL"));
    assert_false(user_exists(f, "a5"));
    free(r);
}

static void test_passwd(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();

    RUN(r, f->data_dir, "secret123\n", "add", "anna");
    assert_int_equal(r->status, 0);
    RUN(r, f->data_dir, "new-secret-456\n", "passwd", "anna");
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    assert_string_equal(r->out, "password of 'anna' changed\n");
    assert_int_equal(check_login(f, "anna", "new-secret-456", NULL), 0);
    assert_int_equal(check_login(f, "anna", "secret123", NULL), ERR_DENIED);

    /* a rejected new password keeps the old one */
    RUN(r, f->data_dir, "short\n", "passwd", "anna");
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "too short"));
    assert_int_equal(check_login(f, "anna", "new-secret-456", NULL), 0);

    RUN(r, f->data_dir, "secret123\n", "passwd", "bo");
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "samtale: no user 'bo'\n");
    assert_false(user_exists(f, "bo"));
    free(r);
}

static void test_remove(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();

    RUN(r, f->data_dir, "secret123\n", "add", "anna");
    assert_int_equal(r->status, 0);
    RUN(r, f->data_dir, "secret123\n", "add", "bo");
    assert_int_equal(r->status, 0);

    RUN(r, f->data_dir, "", "remove", "anna");
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    assert_false(user_exists(f, "anna"));
    assert_true(user_exists(f, "bo"));

    RUN(r, f->data_dir, "", "remove", "anna");
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "samtale: no user 'anna'\n");

    /* the name can be used again */
    RUN(r, f->data_dir, "another-pass\n", "add", "anna");
    assert_int_equal(r->status, 0);
    assert_int_equal(check_login(f, "anna", "another-pass", NULL), 0);
    free(r);
}

static void test_usage_errors(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();

    run_in(r, f->data_dir, "", 0, (const char *)NULL);
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "usage: samtale user add"));

    RUN(r, f->data_dir, "", "frobnicate");
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "samtale: unknown command 'user frobnicate'"));

    RUN(r, f->data_dir, "secret123\n", "add");
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "samtale: 'user add' needs a USERNAME\n");

    RUN(r, f->data_dir, "secret123\n", "add", "anna", "bo");
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "unexpected argument 'bo'"));

    RUN(r, f->data_dir, "", "list", "extra");
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "unexpected argument"));

    RUN(r, f->data_dir, "secret123\n", "passwd", "anna", "--name", "X");
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "unknown option '--name'"));

    RUN(r, f->data_dir, "secret123\n", "add", "anna", "--force");
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "unknown option '--force'"));

    RUN(r, f->data_dir, "", "remove");
    assert_int_equal(r->status, 1);

    RUN(r, f->data_dir, "", "help");
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "samtale user add USERNAME"));

    /* nothing was created along the way */
    assert_false(user_exists(f, "anna"));
    free(r);
}

static void test_bad_display_names(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();
    char long_name[STORE_NAME_MAX + 2];

    static const char *const bad[] = {"",
                                      "Anna\nJensen",
                                      "Anna\x1b[31m",
                                      "Bad \xff byte",
                                      "Over\xc0\xaflong",
                                      "C1 \xc2\x85 control"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        RUN(r, f->data_dir, "secret123\n", "add", "anna", "--name", bad[i]);
        if (r->status != 1)
            fail_msg("display name %zu was accepted", i);
        assert_non_null(strstr(r->err, "display name"));
    }
    memset(long_name, 'n', STORE_NAME_MAX + 1);
    long_name[STORE_NAME_MAX + 1] = '\0';
    RUN(r, f->data_dir, "secret123\n", "add", "anna", "--name", long_name);
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "too long"));
    assert_false(user_exists(f, "anna"));

    long_name[STORE_NAME_MAX] = '\0';
    RUN(r, f->data_dir, "secret123\n", "add", "anna", "--name", long_name);
    assert_int_equal(r->status, 0);
    free(r);
}

static void test_data_dir(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();
    struct stat st;

    mode_t old = umask(022);
    RUN(r, f->data_dir, "", "list");
    umask(old);
    assert_int_equal(r->status, 0);
    assert_int_equal(stat(f->data_dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);

    /* a file where the directory should be */
    char path[192];
    snprintf(path, sizeof path, "%s/plain-file", f->base);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    RUN(r, path, "secret123\n", "add", "anna");
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "is not a directory"));

    /* a missing parent */
    snprintf(path, sizeof path, "%s/missing/data", f->base);
    RUN(r, path, "", "list");
    assert_int_equal(r->status, 1);
    assert_non_null(strstr(r->err, "cannot create data directory"));

    RUN(r, "", "", "list");
    assert_int_equal(r->status, 1);
    free(r);
}

/* The display column where `needle` starts in `line` (code points). */
static size_t column_of(const char *line, const char *needle)
{
    const char *p = strstr(line, needle);
    assert_non_null(p);
    size_t col = 0;
    for (const char *q = line; q < p; q++)
        if (((unsigned char)*q & 0xc0) != 0x80)
            col++;
    return col;
}

static void test_list_columns(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();

    RUN(r, f->data_dir, "", "list");
    assert_int_equal(r->status, 0);
    assert_string_equal(r->out, "");
    assert_non_null(strstr(r->err, "no users"));

    RUN(r, f->data_dir, "secret123\n", "add", "christoffer.b", "--name", "Bo");
    assert_int_equal(r->status, 0);
    RUN(r, f->data_dir, "secret123\n", "add", "al", "--name", "Åse Ørsted-Kristiansen");
    assert_int_equal(r->status, 0);

    RUN(r, f->data_dir, "", "list");
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");

    char *lines[3];
    char *p = r->out;
    for (int i = 0; i < 3; i++) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl);
        *nl = '\0';
        lines[i] = p;
        p = nl + 1;
    }
    assert_string_equal(p, ""); /* exactly three lines */

    /* header, then username order */
    assert_true(strncmp(lines[0], "USERNAME", 8) == 0);
    assert_true(strncmp(lines[1], "al ", 3) == 0);
    assert_true(strncmp(lines[2], "christoffer.b ", 14) == 0);

    /* the columns line up */
    size_t name_col = column_of(lines[0], "  NAME") + 2; /* not the NAME in USERNAME */
    assert_int_equal(column_of(lines[1], "Åse"), name_col);
    assert_int_equal(column_of(lines[2], "Bo"), name_col);
    size_t created_col = column_of(lines[0], "CREATED");
    for (int i = 1; i < 3; i++) {
        const char *t = strstr(lines[i], "20");
        assert_non_null(t);
        /* the CREATED cell: YYYY-MM-DDTHH:MM:SSZ at the end of the line */
        t = lines[i] + strlen(lines[i]) - 20;
        assert_int_equal(column_of(lines[i], t), created_col);
        assert_int_equal(t[4], '-');
        assert_int_equal(t[7], '-');
        assert_int_equal(t[10], 'T');
        assert_int_equal(t[13], ':');
        assert_int_equal(t[16], ':');
        assert_int_equal(t[19], 'Z');
    }
    free(r);
}

static void test_password_never_shown(void **state)
{
    struct fixture *f = *state;
    struct result *r = new_result();
    static const char pw[] = "Very-Secret-Pw-1";

    RUN(r, f->data_dir, "Very-Secret-Pw-1\n", "add", "anna");
    assert_int_equal(r->status, 0);
    assert_null(strstr(r->out, pw));
    assert_null(strstr(r->err, pw));
    RUN(r, f->data_dir, "Very-Secret-Pw-1\n", "passwd", "anna");
    assert_int_equal(r->status, 0);
    assert_null(strstr(r->out, pw));
    assert_null(strstr(r->err, pw));
    RUN(r, f->data_dir, "Very-Secret-Pw-1\n", "add", "anna");
    assert_int_equal(r->status, 1);
    assert_null(strstr(r->err, pw));
    RUN(r, f->data_dir, "", "list");
    assert_null(strstr(r->out, pw));

    /* nor stored in clear */
    struct store *s = open_db(f);
    struct store_user u;
    char hash[STORE_PWHASH_MAX + 1];
    assert_int_equal(store_user_find(s, "anna", &u, hash), 0);
    assert_null(strstr(hash, pw));
    store_close(s);
    free(r);
}

int main(void)
{
    /* The store's info lines ("schema migrated") would mix into the captured stderr. */
    log_set_level(LOG_LEVEL_WARN);
    /* Never read the real terminal, whatever happens. */
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        close(fd);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_with_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_usernames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_username_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_and_long_passwords, setup, teardown),
        cmocka_unit_test_setup_teardown(test_password_input_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_passwd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_display_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_password_never_shown, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
