"""Tests for BinaryAnalyzer: magic bytes and names of native code, and their look-alikes."""

from __future__ import annotations

import struct

import pytest

from depshield.analyzers.binary import BinaryAnalyzer, native_format

# Headers only: enough bytes for the magic checks, nothing that could run.
ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 57
MACHO_64 = b"\xcf\xfa\xed\xfe" + b"\0" * 28
FAT_MACHO = b"\xca\xfe\xba\xbe" + struct.pack(">I", 2) + b"\0" * 40
JAVA_CLASS = b"\xca\xfe\xba\xbe" + struct.pack(">HH", 0, 52) + b"\0" * 40


def pe(offset: int = 0x80) -> bytes:
    dos = bytearray(b"MZ" + b"\0" * (offset - 2))
    dos[0x3C:0x40] = struct.pack("<I", offset)
    return bytes(dos) + b"PE\0\0" + b"\0" * 20


@pytest.mark.parametrize(
    ("path", "data", "fmt"),
    [
        ("lib/binding.node", ELF, "elf"),
        ("bin/helper", ELF, "elf"),
        ("prebuilds/win32-x64/addon.node", pe(), "pe"),
        ("tools/x.exe", pe(0x100), "pe"),
        ("lib/libfoo.dylib", MACHO_64, "mach-o"),
        ("bin/universal", FAT_MACHO, "mach-o-universal"),
        ("binding.gyp", b"{'targets': []}", "binding.gyp"),
        ("deps/x/binding.gyp", b"{}", "binding.gyp"),
        ("lib/stripped.node", b"\0" * 64, "node-addon"),
        ("pkg/_speedups.cpython-311-x86_64-linux-gnu.so", b"\x01\0" * 8, "shared-object"),
        ("lib/libz.so.1.2.13", b"\0", "shared-object"),
        ("pkg/_ext.pyd", b"\0", "python-extension"),
        ("lib/x.DLL", b"\0", "dll"),
    ],
)
def test_native_code_fires_with_format(path: str, data: bytes, fmt: str) -> None:
    result = BinaryAnalyzer().analyze(path, data)
    assert [(f.type, f.file, f.line, f.props) for f in result.findings] == [
        ("hasNativeCode", path, 0, {"format": fmt})
    ]
    assert result.language == "native"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("classes/Main.class", JAVA_CLASS),  # Java bytecode shares the 0xCAFEBABE magic
        ("lib/Main.bin", JAVA_CLASS),  # ... and is told apart by its version field too
        ("notes.txt", b"MZ is where the notes start\n" + b"x" * 100),  # MZ without a PE header
        ("index.js", b"module.exports = 1;\n"),
        ("data/elf-names.json", b'{"names": ["\\u007fELF"]}'),
        ("lib/x.wasm", b"\0asm\x01\0\0\0"),  # WebAssembly is sandboxed, not native code
        ("docs/binding.gyp.md", b"# how to write binding.gyp"),
        ("empty", b""),
        ("lib/libc.so", b"/* GNU ld script */\nGROUP ( /lib/libc.so.6 )\n"),  # text, not code
        ("test/fixtures/load_error.node", b"corrupt"),  # a test fixture named like an addon
        ("lib/libboost_regex.so.0.1.0", b""),  # an empty placeholder
    ],
)
def test_look_alikes_are_not_native(path: str, data: bytes) -> None:
    result = BinaryAnalyzer().analyze(path, data)
    assert result.findings == ()
    assert result.language == "other"


def test_wants_every_file() -> None:
    analyzer = BinaryAnalyzer()
    assert analyzer.wants("a/b/c") and analyzer.wants("x.js") and analyzer.wants("x.node")


def test_corrupt_pe_offset_does_not_raise() -> None:
    data = bytearray(pe())
    data[0x3C:0x40] = struct.pack("<I", 0xFFFFFFFF)
    assert native_format("x.bin", bytes(data)) is None
    assert native_format("x.bin", b"MZ") is None
