#include "signaling/role.h"
#include "base/err.h"

#include <string.h>

static const char *const role_names[ROLE_COUNT] = {
    "citizen", "akasse", "employer", "interpreter", "advocate", "caseworker",
};

const char *role_name(enum role r)
{
    if ((unsigned)r >= ROLE_COUNT)
        return "unknown";
    return role_names[r];
}

int role_parse(const char *name, enum role *out)
{
    if (!name)
        return ERR_PARSE;
    for (int i = 0; i < ROLE_COUNT; i++) {
        if (strcmp(name, role_names[i]) == 0) {
            *out = (enum role)i;
            return 0;
        }
    }
    return ERR_PARSE;
}
