#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_sip (tests/fuzz/corpus/sip/): records of
[op][len:2][bytes] as tests/fuzz/fuzz_sip.c reads them. Tags and branches
of the user agent count up from 1 in fuzz builds, so the seeds can name them.
Run from the repository root: python3 tests/fuzz/make_sip_seeds.py"""
import os
import struct

OUT = "tests/fuzz/corpus/sip"
T1 = "0" * 31 + "1"


def rec(op, data=b""):
    if isinstance(data, str):
        data = data.encode()
    return bytes([op]) + struct.pack(">H", len(data)) + data


def msg(start, headers, body="", ctype="application/sdp"):
    h = start + "\r\n" + "".join(x + "\r\n" for x in headers)
    if body:
        h += "Content-Type: %s\r\n" % ctype
    return h + "Content-Length: %d\r\n\r\n" % len(body) + body


SDP = ("v=0\r\no=- 1 1 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\n"
       "m=audio 30000 RTP/AVP 9 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n")
HOLD = SDP.replace("1 1 IN", "1 2 IN") + "a=sendonly\r\n"


def req(method, branch, cseq, totag=None, body="", ctype="application/sdp", callid="c1@x",
        extra=()):
    to = "<sip:4570000000@192.0.2.10>" + (";tag=" + totag if totag else "")
    return msg("%s sip:4570000000@192.0.2.10 SIP/2.0" % method,
               ["Via: SIP/2.0/UDP 198.51.100.1:5060;branch=%s;rport" % branch,
                "Max-Forwards: 70", "From: \"A\" <sip:+4512345678@198.51.100.1>;tag=ft",
                "To: " + to, "Call-ID: " + callid, "CSeq: %d %s" % (cseq, method),
                "Contact: <sip:a@198.51.100.1:5060>"] + list(extra), body, ctype)


def resp(status, branch, cseq, method, totag, callid, fromtag, body="", extra=()):
    return msg("SIP/2.0 " + status,
               ["Via: SIP/2.0/UDP 192.0.2.10:5060;branch=%s;rport" % branch,
                "From: <sip:samtale@trunk.example>;tag=" + fromtag,
                "To: <sip:+4512345678@trunk.example>;tag=" + totag, "Call-ID: " + callid,
                "CSeq: %d %s" % (cseq, method), "Contact: <sip:gw@198.51.100.1:5060>"]
               + list(extra), body)


def ctr(n):
    return "%032x" % n


seeds = {
    "incoming-full-call": [
        rec(0, req("INVITE", "z9hG4bKa", 1, body=SDP)), rec(8, b"\0"), rec(4, b"\0"),
        rec(3, b"\2"), rec(0, req("ACK", "z9hG4bKb", 1, T1)),
        rec(0, req("INFO", "z9hG4bKc", 2, T1, "Signal=5\r\nDuration=100\r\n",
                   "application/dtmf-relay")),
        rec(0, req("INVITE", "z9hG4bKd", 3, T1, HOLD)), rec(0, req("ACK", "z9hG4bKe", 3, T1)),
        rec(0, req("BYE", "z9hG4bKf", 4, T1)), rec(3, b"\xff")],
    "incoming-cancel": [
        rec(0, req("INVITE", "z9hG4bKa", 1, body=SDP)),
        rec(0, req("CANCEL", "z9hG4bKa", 1)), rec(0, req("ACK", "z9hG4bKa", 1, "x")),
        rec(3, b"\x40")],
    "incoming-no-ack-hangup": [
        rec(0, req("INVITE", "z9hG4bKa", 1, body=SDP)), rec(4, b"\0"), rec(6, b"\0"),
        rec(3, b"\x10"), rec(3, b"\x40"), rec(3, b"\x40")],
    "dial-out-407-answer-bye": [
        rec(7),
        rec(0, resp("407 Proxy Authentication Required", "z9hG4bK" + ctr(3), 1, "INVITE", "g",
                    ctr(2) + "@192.0.2.10", T1,
                    extra=['Proxy-Authenticate: Digest realm="t", nonce="n", qop="auth"'])),
        rec(0, resp("180 Ringing", "z9hG4bK" + ctr(5), 2, "INVITE", "g", ctr(2) + "@192.0.2.10",
                    T1)),
        rec(0, resp("200 OK", "z9hG4bK" + ctr(5), 2, "INVITE", "g", ctr(2) + "@192.0.2.10", T1,
                    SDP, extra=["Record-Route: <sip:p.trunk.example;lr>"])),
        rec(6, b"\0"), rec(3, b"\4")],
    "dial-out-cancel": [rec(7), rec(6, b"\0"),
                        rec(0, resp("183 Session Progress", "z9hG4bK" + ctr(3), 1, "INVITE", "g",
                                    ctr(2) + "@192.0.2.10", T1)),
                        rec(3, b"\xff"), rec(3, b"\xff")],
    "options-subscribe-stranger-tcp": [
        rec(0, req("OPTIONS", "z9hG4bKo", 1)), rec(0, req("SUBSCRIBE", "z9hG4bKs", 1)),
        rec(1, req("INVITE", "z9hG4bKx", 1, body=SDP)),
        rec(2, req("INVITE", "z9hG4bKt", 1, body=SDP, extra=["Require: 100rel"])),
        rec(0, "garbage\r\n\r\n"), rec(0, req("INVITE", "z9hG4bKy", 1, body="v=0\r\nx\r\n"))],
}

os.makedirs(OUT, exist_ok=True)
for name, recs in seeds.items():
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(b"".join(recs))
