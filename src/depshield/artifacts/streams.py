"""A decompressing reader under tarfile that counts what it expands and stops bombs early."""

from __future__ import annotations

import bz2
import io
import lzma
import zlib
from typing import BinaryIO, Protocol

from depshield.artifacts.base import Limits
from depshield.artifacts.guard import RATIO_FLOOR

CHUNK = 1 << 16
# An xz header may ask for a 4 GiB dictionary; `xz -9` itself uses 64 MiB.
_LZMA_MEMLIMIT = 256 << 20
# tarfile skips a member's data by reading block after block; past the end of the stream each
# read is empty, and a header declaring a size of 2**80 bytes would keep it reading forever.
_READS_PAST_END = 2

MAGIC = {"gzip": b"\x1f\x8b", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00"}


class StreamFault(Exception):
    """The stream cannot go on: `kind` is a Refused kind ("ratio", "size" or "corrupt")."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class _Decoder(Protocol):
    @property
    def eof(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...
    @property
    def needs_input(self) -> bool: ...
    def decompress(self, data: bytes, max_length: int = -1, /) -> bytes: ...


class _Inflate:
    """zlib's gzip decoder with the `needs_input` surface that bz2 and lzma decoders have."""

    def __init__(self) -> None:
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)

    @property
    def eof(self) -> bool:
        return self._zlib.eof

    @property
    def unused_data(self) -> bytes:
        return self._zlib.unused_data

    @property
    def needs_input(self) -> bool:
        return not self._zlib.unconsumed_tail

    def decompress(self, data: bytes, max_length: int = -1, /) -> bytes:
        return self._zlib.decompress(self._zlib.unconsumed_tail + data, max(max_length, 0))


def _decoder(codec: str) -> _Decoder:
    if codec == "gzip":
        return _Inflate()
    if codec == "bzip2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor(memlimit=_LZMA_MEMLIMIT)


class GuardedStream(io.RawIOBase):
    """The expanded bytes of a gzip, bzip2 or xz file ("tar": the bytes as they are).

    Every read is bounded by its size argument, so a bomb never expands in one call; once the
    expanded bytes pass RATIO_FLOOR and `max_ratio` times the compressed bytes read so far, reads
    raise StreamFault("ratio"). Concatenated members (`cat a.gz b.gz`) are read as one stream.
    """

    def __init__(self, raw: BinaryIO, codec: str, limits: Limits) -> None:
        super().__init__()
        self._raw, self._codec, self._limits = raw, codec, limits
        self._decoder = None if codec == "tar" else _decoder(codec)
        self._pending = b""
        self._ended = False
        self._reads_past_end = 0
        self.compressed = 0
        self.expanded = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0:
            return self.readall()
        if size == 0:
            return b""
        if self._ended:
            self._reads_past_end += 1
            if self._reads_past_end > _READS_PAST_END:
                raise StreamFault("corrupt", f"truncated {self._codec} stream")
            return b""
        data = self._raw_read(size) if self._decoder is None else self._expand(self._decoder, size)
        self._ended = not data
        self.expanded += len(data)
        self._check_ratio()
        return data

    def _raw_read(self, size: int) -> bytes:
        data = self._pending or self._raw.read(size)
        self._pending = b""
        if self._decoder is not None:
            self.compressed += len(data)
        return data

    def _expand(self, decoder: _Decoder, size: int) -> bytes:
        while True:
            if decoder.eof:
                if not self._restart(decoder):
                    return b""
                decoder = self._decoder = _decoder(self._codec)
            data = self._raw_read(CHUNK) if decoder.needs_input else b""
            try:
                out = decoder.decompress(data, size)
            except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
                raise StreamFault("corrupt", f"corrupt {self._codec} stream ({exc})") from None
            if out:
                return out
            if not data and not decoder.eof:
                # No input left and nothing came out: the stream stops before its end marker.
                raise StreamFault("corrupt", f"truncated {self._codec} stream")

    def _restart(self, decoder: _Decoder) -> bool:
        """Whether another compressed member follows the one that just ended."""
        magic = MAGIC[self._codec]
        rest = decoder.unused_data + self._pending
        while len(rest) < len(magic):
            more = self._raw.read(CHUNK)
            if not more:
                break
            self.compressed += len(more)
            rest += more
        self._pending = rest
        # Padding or junk after the last member is ignored, as gzip(1) and tar do.
        return rest.startswith(magic)

    def _check_ratio(self) -> None:
        if self._decoder is None or self.expanded <= RATIO_FLOOR:
            return
        if self.expanded > self._limits.max_ratio * self.compressed:
            reason = f"{self._codec} stream expands more than {self._limits.max_ratio:g} times"
            raise StreamFault("ratio", reason)
