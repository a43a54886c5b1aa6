"""Decompress gzip data of one or more members with a cap on the output size."""

from __future__ import annotations

import zlib


class GzipTooLarge(ValueError):
    """Raised when the decompressed data would pass the size limit."""


def gunzip_limited(data: bytes, limit: int) -> bytes:
    """Return the decompressed bytes of every gzip member of ``data``.

    Raise :class:`GzipTooLarge` once the output passes ``limit`` bytes, and
    ``ValueError`` for damaged or cut-short data, so nothing is silently dropped.
    """
    out = bytearray()
    rest = data
    while rest:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += decompressor.decompress(rest, limit + 1 - len(out))
        except zlib.error as error:
            raise ValueError(f"invalid gzip data: {error}") from None
        if len(out) > limit or decompressor.unconsumed_tail:
            raise GzipTooLarge(f"the decompressed input is larger than {limit:,} bytes")
        if not decompressor.eof:
            raise ValueError("the gzip data is cut short: its last member does not end")
        rest = decompressor.unused_data.lstrip(b"\x00")
    return bytes(out)
