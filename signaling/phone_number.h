/* A caller's phone number as others in the meeting see it: the country code
 * and the last digits, the rest as bullets in pairs ("+45 •• •• 12 34"). The
 * full number never leaves the phone bridge: not in the roster, not in the
 * audit log, not in log lines (log the masked form). Pure. */
#ifndef SAMTALE_PHONE_NUMBER_H
#define SAMTALE_PHONE_NUMBER_H

#include <stdbool.h>
#include <stddef.h>

#define PHONE_NUMBER_DIGITS_MAX 15 /* E.164 */
#define PHONE_NUMBER_INPUT_MAX 256 /* bytes of caller id looked at */
/* "+", 3 country digits, then each national digit as a 3-byte bullet and a space */
#define PHONE_MASKED_MAX (1 + 3 + 1 + PHONE_NUMBER_DIGITS_MAX * 4 + 1)

/* Masks a caller id: "+4512345678", "004512345678", "12345678", with
 * spaces, dashes, dots or brackets, or inside a SIP/tel URI
 * ("sip:+4512345678@trunk;user=phone", "\"Name\" <tel:+45-1234-5678>").
 * International numbers keep their country code (E.164 prefix rules). Of the
 * national digits, the last 4 stay when there are at least 8, the last 2
 * when there are 6 or 7, none when fewer. 0 and the UTF-8 text in `out`;
 * ERR_PARSE (out "") for anything that is not a number: "anonymous",
 * "unknown", a name, an empty string, more than PHONE_NUMBER_DIGITS_MAX
 * digits. */
int phone_number_mask(const char *caller_id, char out[PHONE_MASKED_MAX]);

/* Whether s is shorter than PHONE_MASKED_MAX and made only of what
 * phone_number_mask() writes (digits, '+', spaces, bullets), so it is
 * bounded, valid UTF-8 and safe to show. */
bool phone_number_masked_ok(const char *s);

#endif
