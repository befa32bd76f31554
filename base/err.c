#include "base/err.h"

const char *err_str(int code)
{
    switch (code) {
    case ERR_OK:
        return "ok";
    case ERR_PARSE:
        return "malformed input";
    case ERR_TOOBIG:
        return "too big";
    case ERR_NOMEM:
        return "out of memory";
    case ERR_AGAIN:
        return "try again";
    case ERR_PROTO:
        return "not allowed by the protocol";
    case ERR_DENIED:
        return "not permitted";
    case ERR_NOTFOUND:
        return "not found";
    case ERR_EXISTS:
        return "already exists";
    case ERR_EXPIRED:
        return "expired";
    case ERR_REVOKED:
        return "revoked";
    case ERR_IO:
        return "input/output error";
    case ERR_INVAL:
        return "invalid argument";
    case ERR_FULL:
        return "full";
    case ERR_CRYPTO:
        return "cryptographic failure";
    default:
        return "unknown error";
    }
}
