/* `samtale user ...`: caseworker accounts from the command line.
 *
 *   samtale user add USERNAME [--name "Display Name"]
 *   samtale user passwd USERNAME
 *   samtale user remove USERNAME
 *   samtale user list
 *
 * Passwords are read from the terminal without echo (asked twice) when stdin
 * is a terminal, otherwise as one line from stdin, so scripts can pipe them:
 *   printf 'secret123\n' | samtale user add anna
 * They are never printed or logged, and wiped from memory after use.
 * Lengths: PASSWORD_MIN..PASSWORD_MAX bytes (server/password.h). */
#ifndef SAMTALE_CLI_USER_H
#define SAMTALE_CLI_USER_H

/* argv[0] is the command ("add", "list", "passwd", "remove"; "help" prints
 * the usage). Opens <data_dir>/samtale.db, creating data_dir (mode 0700) if
 * missing. Returns a process exit status: 0 on success, 1 on any error after
 * printing one line "samtale: ..." to stderr. */
int cli_user_main(int argc, char **argv, const char *data_dir);

#endif
