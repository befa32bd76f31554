/* Project error codes. Functions return 0 or one of these (negative). */
#ifndef SAMTALE_ERR_H
#define SAMTALE_ERR_H

enum err_code {
    ERR_OK = 0,
    ERR_PARSE = -1,    /* input is malformed */
    ERR_TOOBIG = -2,   /* input or result exceeds a named limit */
    ERR_NOMEM = -3,    /* allocation failed */
    ERR_AGAIN = -4,    /* try again later (would block, rate limited) */
    ERR_PROTO = -5,    /* well-formed but not allowed by the protocol/state */
    ERR_DENIED = -6,   /* not permitted for this caller */
    ERR_NOTFOUND = -7, /* no such object */
    ERR_EXISTS = -8,   /* object already exists */
    ERR_EXPIRED = -9,  /* token, session or invitation has expired */
    ERR_REVOKED = -10, /* invitation was revoked */
    ERR_IO = -11,      /* system call or storage failure */
    ERR_INVAL = -12,   /* invalid argument from our own code or config */
    ERR_FULL = -13,    /* capacity reached (participants, queue) */
    ERR_CRYPTO = -14,  /* cryptographic operation failed */
};

/* A short English description of an error code; never NULL. */
const char *err_str(int code);

#endif
