/* The record format of tests/fuzz/fuzz_mixer.c, shared with the unit test
 * that writes its seeds (tests/unit/test_mixer_seeds.c). Each record is
 * one op byte, then:
 *   FZM_RTP     source byte, 2-byte length, whole RTP packet
 *   FZM_OPUS    source byte, 2-byte length, Opus payload: sent as the
 *               source's next RTP packet (seq + 1, ts + 960) unless the
 *               op's high bits say otherwise (see fuzz_mixer.c)
 *   FZM_PCM     source byte, 2-byte length, 16-bit native-endian samples,
 *               repeated to 960 unless the op's high bit is set
 *   FZM_TIME    2-byte advance in 100 us units, then mixer_tick
 *   FZM_ADD     source byte, kind byte (even: Opus, odd: PCM)
 *   FZM_REMOVE  source byte
 *   FZM_SINK    sink byte, own source byte, rate byte (0: 8000, 1: 16000,
 *               2: 48000; others are invalid)
 *   FZM_UNSINK  sink byte
 * Source and sink numbers are taken modulo 6 and 4, plus one. */
#ifndef SAMTALE_TESTS_FUZZ_MIXER_H
#define SAMTALE_TESTS_FUZZ_MIXER_H

enum { FZM_RTP, FZM_OPUS, FZM_PCM, FZM_TIME, FZM_ADD, FZM_REMOVE, FZM_SINK, FZM_UNSINK, FZM_OPS };

#define FZM_SOURCES 6
#define FZM_SINKS 4

#endif
