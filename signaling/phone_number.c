/* Masking callers' phone numbers (see phone_number.h). */
#include "signaling/phone_number.h"
#include "base/err.h"

#include <string.h>
#include <strings.h>

#define BULLET "\xe2\x80\xa2" /* U+2022 */

/* Length of the E.164 country code at the start of `d` (ITU-T E.164
 * assignments: zones 1 and 7 are one digit; these two-digit codes exist;
 * every other code has three digits). */
static size_t country_code_len(const char *d)
{
    static const char two[] = "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 "
                              "55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98";
    if (d[0] == '1' || d[0] == '7')
        return 1;
    for (size_t i = 0; i + 1 < sizeof two; i += 3) {
        if (two[i] == d[0] && two[i + 1] == d[1])
            return 2;
    }
    return 3;
}

/* The user part of a SIP/tel URI in s[0..len), or all of s. */
static void user_part(const char *s, size_t len, const char **p, const char **end)
{
    static const char *const schemes[] = {"sips:", "sip:", "tel:"};
    *p = s;
    *end = s + len;
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++) {
            size_t n = strlen(schemes[k]);
            if (len - i >= n && strncasecmp(s + i, schemes[k], n) == 0) {
                *p = s + i + n;
                const char *e = *p;
                while (e < s + len && !strchr("@;>?,", *e))
                    e++;
                *end = e;
                return;
            }
        }
    }
}

int phone_number_mask(const char *caller_id, char out[PHONE_MASKED_MAX])
{
    char d[PHONE_NUMBER_DIGITS_MAX + 1];
    size_t n = 0;
    bool plus = false;
    const char *p, *end;
    out[0] = '\0';
    if (!caller_id)
        return ERR_PARSE;
    user_part(caller_id, strnlen(caller_id, PHONE_NUMBER_INPUT_MAX), &p, &end);
    for (; p < end; p++) {
        char c = *p;
        if (c >= '0' && c <= '9') {
            if (n == PHONE_NUMBER_DIGITS_MAX + 2) /* room for a "00" prefix */
                return ERR_PARSE;
            if (n < sizeof d)
                d[n] = c;
            n++;
        } else if (c == '+' && n == 0 && !plus) {
            plus = true;
        } else if (!strchr(" -.()", c)) {
            return ERR_PARSE; /* "anonymous", a name, a stray character */
        }
    }
    size_t start = 0;
    if (!plus && n >= 2 && d[0] == '0' && d[1] == '0') { /* international prefix 00 */
        plus = true;
        start = 2;
    }
    if (n - start == 0 || n - start > PHONE_NUMBER_DIGITS_MAX)
        return ERR_PARSE;
    if (start) {
        memmove(d, d + start, n - start);
        n -= start;
    }
    size_t cc = plus ? country_code_len(d) : 0;
    if (plus && n <= cc)
        return ERR_PARSE;
    size_t national = n - cc, keep = national >= 8 ? 4 : national >= 6 ? 2 : 0;
    char *o = out;
    if (plus) {
        *o++ = '+';
        memcpy(o, d, cc);
        o += cc;
        *o++ = ' ';
    }
    /* Pairs counted from the right, so the kept digits read "12 34". */
    for (size_t i = 0; i < national; i++) {
        if (i && (national - i) % 2 == 0)
            *o++ = ' ';
        if (i >= national - keep) {
            *o++ = d[cc + i];
        } else {
            memcpy(o, BULLET, sizeof BULLET - 1);
            o += sizeof BULLET - 1;
        }
    }
    *o = '\0';
    return 0;
}

bool phone_number_masked_ok(const char *s)
{
    if (!s || strnlen(s, PHONE_MASKED_MAX) >= PHONE_MASKED_MAX)
        return false;
    while (*s) {
        if (strncmp(s, BULLET, sizeof BULLET - 1) == 0)
            s += sizeof BULLET - 1;
        else if ((*s >= '0' && *s <= '9') || *s == '+' || *s == ' ')
            s++;
        else
            return false;
    }
    return true;
}
