/* Pieces shared by the settings modules (signaling/turn.c, signaling/sip_config.c):
 * an error message into the caller's buffer, and a bounded number. */
#ifndef SAMTALE_SETTING_H
#define SAMTALE_SETTING_H

#include <stddef.h>

#define SETTING_SHOW_MAX 64 /* how much of an offending value an error quotes */

/* Formats into err[0..cap) (nothing if err is NULL or cap 0). */
__attribute__((format(printf, 3, 4))) void setting_err(char *err, size_t cap, const char *fmt, ...);
/* A decimal number in lo..hi for `key`: ERR_PARSE (not a number) or
 * ERR_INVAL (out of range) with a message naming the key. */
int setting_uint(const char *key, const char *value, unsigned long lo, unsigned long hi,
                 unsigned long *out, char *err, size_t cap);

#endif
