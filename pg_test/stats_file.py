#!/usr/bin/env python3
"""Damages a pg_vitals stats file (pg_stat/pg_vitals.stat) the ways the fault suite needs,
keeping a valid checksum where the damage is in the values, so that only pg_vitals' checks
of the values can catch it.

Usage: stats_file.py FILE KIND, KIND one of
  truncated  the first half of the file only
  version    written by another PostgreSQL major (the header says 14)
  nan        the first entry's maximum execution time is NaN
  huge       the first entry's call count is 2^62
  utf8       the first entry with a query text has an invalid UTF-8 byte in it

The layout (crates/vitals-core/src/store/persist.rs): a 24-byte header (magic, format, PostgreSQL major,
counters size: u32 each; entry count: u64), then per entry a 24-byte key, the encoding
(i32), the text length (u32), from format 4 the command (u32), the counters, the text, the
plan length (u32) and, for a plan, a 24-byte plan info and the plan text; then the store's
statistics and an FNV-1a checksum (u64) of everything before it. All little-endian.
"""
import struct
import sys

NO_TEXT = 0xFFFFFFFF
NO_PLAN = 0xFFFFFFFF
PLAN_INFO = 24
# Offsets inside the counters: calls[plan, exec] at 0, total_time at 16, min_time at 32,
# max_time at 48 (i64 / f64 pairs).
EXEC_CALLS = 8
EXEC_MAX_TIME = 56


def fnv1a(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def entries(body):
    """Offsets of each entry's counters and text, and the text length."""
    _magic, fmt, _major, csize, n = struct.unpack_from("<IIIIQ", body, 0)
    pos = 24
    for _ in range(n):
        _enc, tlen = struct.unpack_from("<iI", body, pos + 24)
        counters = pos + (36 if fmt >= 4 else 32)
        text = counters + csize
        pos = text + (0 if tlen == NO_TEXT else tlen)
        (plen,) = struct.unpack_from("<I", body, pos)
        pos += 4 + (0 if plen == NO_PLAN else PLAN_INFO + plen)
        yield counters, text, (0 if tlen == NO_TEXT else tlen)


def main(path, kind):
    data = bytearray(open(path, "rb").read())
    body = data[:-8]
    if kind == "truncated":
        data = data[: len(data) // 2]
    elif kind == "version":
        struct.pack_into("<I", body, 8, 14)
    else:
        found = list(entries(body))
        if not found:
            sys.exit("no entries in the file")
        counters, text, tlen = found[0]
        if kind == "nan":
            struct.pack_into("<d", body, counters + EXEC_MAX_TIME, float("nan"))
        elif kind == "huge":
            struct.pack_into("<q", body, counters + EXEC_CALLS, 1 << 62)
        elif kind == "utf8":
            counters, text, tlen = next(e for e in found if e[2] > 0)
            body[text] = 0xFF
        else:
            sys.exit(f"unknown kind {kind}")
    if kind != "truncated":
        data = body + struct.pack("<Q", fnv1a(body))
    open(path, "wb").write(bytes(data))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
