/* RTCP: bounds-checked parsing and building of compound packets.
 *
 *   RFC 3550         SR, RR, SDES, BYE, APP (APP is only iterated over)
 *   RFC 4585         generic NACK (RTPFB 1), PLI (PSFB 1)
 *   RFC 5104         FIR (PSFB 4)
 *   draft-alvestrand-rmcat-remb                       REMB (PSFB 15 "REMB")
 *   draft-holmer-rmcat-transport-wide-cc-extensions-01 transport-cc (RTPFB 15)
 *
 * Sans-IO and allocation-free. Parsers return views into the caller's
 * buffer; builders append one whole RTCP packet to a struct wr (media/rd.h)
 * or, if it does not fit, write nothing, set the writer's error flag and
 * return ERR_TOOBIG. Call several builders on one writer for a compound
 * packet. Functions return 0 or a negative ERR_* code (base/err.h).
 *
 * media/rtcp.c holds the iterator, SR/RR/SDES/BYE and SSRC rewriting;
 * media/rtcp_fb.c the feedback messages. */
#ifndef SAMTALE_RTCP_H
#define SAMTALE_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/rd.h"

#define RTCP_VERSION 2
#define RTCP_HEADER_LEN 4
#define RTCP_MAX_COUNT 31 /* the 5-bit RC/SC field */
#define RTCP_MAX_REPORT_BLOCKS RTCP_MAX_COUNT
#define RTCP_MAX_SDES_ITEMS 16  /* items per SDES chunk */
#define RTCP_MAX_NACK_PAIRS 256 /* PID+BLP pairs in one NACK */
#define RTCP_NACK_MAX_SEQS (RTCP_MAX_NACK_PAIRS * 17)
#define RTCP_MAX_FIR_ENTRIES 32
#define RTCP_MAX_REMB_SSRCS 32
#define RTCP_TWCC_MAX_STATUS 4096 /* packets described by one transport-cc built here */
#define RTCP_TWCC_DELTA_US 250    /* receive delta tick */
#define RTCP_TWCC_REF_US 64000    /* reference time tick */

enum rtcp_type {
    RTCP_SR = 200,
    RTCP_RR = 201,
    RTCP_SDES = 202,
    RTCP_BYE = 203,
    RTCP_APP = 204,
    RTCP_RTPFB = 205,
    RTCP_PSFB = 206,
    RTCP_XR = 207,
};

enum rtcp_fmt {
    RTCP_RTPFB_NACK = 1,
    RTCP_RTPFB_TWCC = 15,
    RTCP_PSFB_PLI = 1,
    RTCP_PSFB_FIR = 4,
    RTCP_PSFB_AFB = 15, /* application layer feedback: REMB */
};

enum rtcp_sdes_type {
    RTCP_SDES_END = 0,
    RTCP_SDES_CNAME = 1,
};

/* ---- Iterating a compound packet ---- */

/* One RTCP packet of a compound packet. */
struct rtcp_block {
    uint8_t pt;
    uint8_t count;       /* RC, SC or FMT: the 5 bits after V and P */
    bool padding;        /* P bit */
    const uint8_t *data; /* whole packet: header, body, padding */
    size_t len;          /* (length field + 1) * 4 */
    const uint8_t *body; /* after the 4-byte header */
    size_t body_len;     /* padding excluded */
};

struct rtcp_iter {
    struct rd r;
    bool err; /* set when a packet was malformed; check after the loop */
};

/* Each packet must have version 2, a length within what remains, and, with
 * the P bit, a padding count from 1 to the body length. Iteration stops at
 * the first malformed packet with it->err set.
 *     struct rtcp_iter it; struct rtcp_block b;
 *     rtcp_iter_init(&it, buf, len);
 *     while (rtcp_iter_next(&it, &b)) switch (b.pt) ...;
 *     if (it.err) ... */
void rtcp_iter_init(struct rtcp_iter *it, const uint8_t *buf, size_t len);
bool rtcp_iter_next(struct rtcp_iter *it, struct rtcp_block *out);

/* 0 when buf is a non-empty sequence of well-formed RTCP packets
 * (headers only), else ERR_PARSE. */
int rtcp_validate(const uint8_t *buf, size_t len);

/* ---- SR and RR (RFC 3550 6.4) ---- */

struct rtcp_report_block {
    uint32_t ssrc; /* source this block reports on */
    uint8_t fraction_lost;
    int32_t cumulative_lost; /* 24-bit signed */
    uint32_t ext_highest_seq;
    uint32_t jitter;
    uint32_t lsr;
    uint32_t dlsr;
};

struct rtcp_sr {
    uint32_t ssrc;
    uint64_t ntp; /* 32.32 fixed point */
    uint32_t rtp_ts;
    uint32_t packet_count;
    uint32_t octet_count;
    uint8_t report_count;
    struct rtcp_report_block reports[RTCP_MAX_REPORT_BLOCKS];
};

struct rtcp_rr {
    uint32_t ssrc;
    uint8_t report_count;
    struct rtcp_report_block reports[RTCP_MAX_REPORT_BLOCKS];
};

/* ERR_INVAL for a block of another type, ERR_PARSE when the report blocks
 * do not fit. Profile-specific extensions after them are ignored. */
int rtcp_parse_sr(struct rtcp_sr *out, const struct rtcp_block *b);
int rtcp_parse_rr(struct rtcp_rr *out, const struct rtcp_block *b);
/* ERR_INVAL for report_count > RTCP_MAX_REPORT_BLOCKS. cumulative_lost is
 * clamped to the 24-bit range. */
int rtcp_build_sr(struct wr *w, const struct rtcp_sr *sr);
int rtcp_build_rr(struct wr *w, const struct rtcp_rr *rr);

/* ---- SDES (RFC 3550 6.5) ---- */

struct rtcp_sdes_chunk {
    uint32_t ssrc;
    const uint8_t *cname; /* the first CNAME item, NULL if none */
    uint8_t cname_len;
    uint8_t item_count;
};

struct rtcp_sdes {
    uint8_t chunk_count;
    struct rtcp_sdes_chunk chunks[RTCP_MAX_COUNT];
};

/* Called for each item (CNAME included) once the whole packet is known to
 * be well formed. */
typedef void (*rtcp_sdes_item_fn)(void *arg, uint32_t ssrc, uint8_t type, const uint8_t *data,
                                  uint8_t len);

/* Each chunk: SSRC, items, a null item, padding to 32 bits. ERR_PARSE when
 * a chunk runs past the packet, ERR_TOOBIG for more than
 * RTCP_MAX_SDES_ITEMS items in a chunk. item_fn may be NULL. */
int rtcp_parse_sdes(struct rtcp_sdes *out, const struct rtcp_block *b, rtcp_sdes_item_fn item_fn,
                    void *arg);
/* One chunk with one CNAME item; len 1..255 else ERR_INVAL. */
int rtcp_build_sdes_cname(struct wr *w, uint32_t ssrc, const char *cname, size_t len);

/* ---- BYE (RFC 3550 6.6) ---- */

struct rtcp_bye {
    uint8_t ssrc_count;
    uint32_t ssrcs[RTCP_MAX_COUNT];
    const uint8_t *reason; /* NULL if absent */
    uint8_t reason_len;
};

int rtcp_parse_bye(struct rtcp_bye *out, const struct rtcp_block *b);
/* n <= RTCP_MAX_COUNT and reason_len <= 255, else ERR_INVAL; reason may be
 * NULL (no reason). */
int rtcp_build_bye(struct wr *w, const uint32_t *ssrcs, size_t n, const char *reason,
                   size_t reason_len);

/* ---- Feedback messages (RFC 4585 6.1), media/rtcp_fb.c ---- */

enum rtcp_fb_type {
    RTCP_FB_OTHER = 0,
    RTCP_FB_NACK,
    RTCP_FB_TWCC,
    RTCP_FB_PLI,
    RTCP_FB_FIR,
    RTCP_FB_REMB,
};

struct rtcp_fb {
    enum rtcp_fb_type type;
    uint8_t pt; /* RTCP_RTPFB or RTCP_PSFB */
    uint8_t fmt;
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    const uint8_t *fci; /* feedback control information */
    size_t fci_len;
};

/* The common feedback header; sets type from pt/fmt (and the "REMB"
 * identifier). ERR_INVAL when b is not RTPFB/PSFB, ERR_PARSE when shorter
 * than the two SSRCs. */
int rtcp_parse_fb(struct rtcp_fb *out, const struct rtcp_block *b);

/* Generic NACK: every PID+BLP pair is expanded to the lost sequence numbers
 * (PID first, then PID+1..PID+16 for set BLP bits), in wire order;
 * duplicates across pairs are kept. ERR_INVAL if fb is not a NACK,
 * ERR_PARSE for an empty or ragged FCI, ERR_TOOBIG for more than
 * RTCP_MAX_NACK_PAIRS pairs or (expand) more seqs than cap; cap
 * RTCP_NACK_MAX_SEQS always suffices. The callback runs only after the
 * whole FCI has been checked. */
typedef void (*rtcp_nack_fn)(void *arg, uint16_t seq);
int rtcp_nack_foreach(const struct rtcp_fb *fb, rtcp_nack_fn fn, void *arg);
int rtcp_parse_nack(const struct rtcp_fb *fb, uint16_t *seqs, size_t cap, size_t *count);
/* Packs the lost seqs into PID+BLP pairs (best with ascending seqs; any
 * order gives a correct if longer message). n >= 1 and at most
 * RTCP_MAX_NACK_PAIRS pairs, else ERR_INVAL / ERR_TOOBIG. */
int rtcp_build_nack(struct wr *w, uint32_t sender_ssrc, uint32_t media_ssrc, const uint16_t *lost,
                    size_t n);

/* PLI has no FCI. */
int rtcp_build_pli(struct wr *w, uint32_t sender_ssrc, uint32_t media_ssrc);

/* FIR (RFC 5104 4.3.1): entries of SSRC + command sequence number. */
struct rtcp_fir_entry {
    uint32_t ssrc;
    uint8_t seq;
};
struct rtcp_fir {
    uint32_t sender_ssrc;
    uint8_t count;
    struct rtcp_fir_entry entries[RTCP_MAX_FIR_ENTRIES];
};
/* ERR_PARSE for an empty FCI or one not a multiple of 8 bytes, ERR_TOOBIG
 * for more than RTCP_MAX_FIR_ENTRIES entries. */
int rtcp_parse_fir(struct rtcp_fir *out, const struct rtcp_fb *fb);
int rtcp_build_fir(struct wr *w, uint32_t sender_ssrc, const struct rtcp_fir_entry *entries,
                   size_t n);

/* REMB: bitrate = mantissa (18 bits) << exponent (6 bits). */
struct rtcp_remb {
    uint32_t sender_ssrc;
    uint64_t bitrate_bps;
    uint8_t ssrc_count;
    uint32_t ssrcs[RTCP_MAX_REMB_SSRCS];
};
/* ERR_PARSE when the SSRC count disagrees with the length or the bitrate
 * overflows 64 bits, ERR_TOOBIG for more than RTCP_MAX_REMB_SSRCS. */
int rtcp_parse_remb(struct rtcp_remb *out, const struct rtcp_fb *fb);
/* The bitrate is rounded down to what 18 mantissa bits can carry. */
int rtcp_build_remb(struct wr *w, uint32_t sender_ssrc, uint64_t bitrate_bps, const uint32_t *ssrcs,
                    size_t n);

/* transport-cc feedback. */
struct rtcp_twcc_pkt {
    uint16_t seq;
    bool received;
    int32_t delta_us; /* received only: arrival minus the previous received
                       * packet's (the first: minus the reference time) */
};
struct rtcp_twcc {
    uint16_t base_seq;
    uint16_t status_count;
    int32_t ref_time; /* 24-bit signed, units of RTCP_TWCC_REF_US */
    uint8_t fb_count; /* feedback packet count */
    size_t received;  /* how many of the status_count were received */
};
/* Fills pkts[0..status_count) in sequence order. ERR_PARSE for a status
 * count of 0, a reserved status symbol, or chunks/deltas running past the
 * FCI; ERR_TOOBIG when status_count > cap. */
int rtcp_parse_twcc(struct rtcp_twcc *out, struct rtcp_twcc_pkt *pkts, size_t cap,
                    const struct rtcp_fb *fb);

struct rtcp_twcc_recv {
    uint16_t seq;
    int64_t arrival_us; /* >= 0, receiver clock */
};
/* Feedback for received packets given in increasing sequence order
 * (modulo 2^16); gaps are reported as not received. Reference time is the
 * first arrival rounded down to 64 ms; deltas are in 250 us ticks computed
 * from absolute ticks, so rounding does not accumulate. Chunks are chosen
 * greedily: run length for runs of 14+ (or the rest), else a 1-bit vector
 * of 14 when no large delta is among them, else a 2-bit vector of 7.
 * ERR_INVAL for n == 0, unordered seqs or negative arrival, ERR_TOOBIG when
 * more than RTCP_TWCC_MAX_STATUS packets are spanned or a delta does not
 * fit 16 bits (about +-8 s): split the report. */
int rtcp_build_twcc(struct wr *w, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t fb_count,
                    const struct rtcp_twcc_recv *recv, size_t n);

/* ---- In-place SSRC rewriting for an SFU ---- */

enum rtcp_ssrc_field {
    RTCP_SSRC_SENDER, /* SR/RR/APP/feedback sender SSRC, SDES chunk, BYE */
    RTCP_SSRC_MEDIA,  /* report block, feedback media SSRC, FIR entry, REMB list */
};

/* Returns the SSRC to write in place of ssrc. */
typedef uint32_t (*rtcp_ssrc_map_fn)(void *arg, const struct rtcp_block *b,
                                     enum rtcp_ssrc_field field, uint32_t ssrc);

/* Validates the whole compound packet first (ERR_PARSE, nothing written),
 * then calls fn for every SSRC field of SR, RR, SDES, BYE, APP, RTPFB and
 * PSFB packets and writes its answer back. Packets of other types (XR...)
 * are left as they are: drop them if they must not leak. */
int rtcp_rewrite_ssrcs(uint8_t *buf, size_t len, rtcp_ssrc_map_fn fn, void *arg);

#endif
