/* Meeting roles. The role is bound to an invitation and shown to everyone. */
#ifndef SAMTALE_ROLE_H
#define SAMTALE_ROLE_H

enum role {
    ROLE_CITIZEN = 0,
    ROLE_AKASSE,
    ROLE_EMPLOYER,
    ROLE_INTERPRETER,
    ROLE_ADVOCATE,
    ROLE_CASEWORKER,
    ROLE_COUNT
};

/* Wire name ("citizen", "akasse", ...); "unknown" for out-of-range values. */
const char *role_name(enum role r);
/* Parses a wire name; returns 0 or ERR_PARSE. */
int role_parse(const char *name, enum role *out);

#endif
