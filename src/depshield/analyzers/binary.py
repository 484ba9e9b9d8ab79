"""Native code in a package: ELF, PE and Mach-O files, native addons and their build recipes."""

from __future__ import annotations

from depshield.model import FileAnalysis, Finding

_MACHO = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_FAT = (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")
# A universal Mach-O counts its architectures where a Java class file has its version
# (major >= 45): more than a handful of slices would be absurd, so the field tells them apart.
_MAX_FAT_ARCHS = 30
# e_lfanew beyond this is no PE a linker wrote; it keeps a corrupt header from meaning much.
_MAX_PE_OFFSET = 1 << 16
# Names that mean native code even when the bytes do not say so (stripped, packed, other CPU).
_SUFFIX_FORMATS = (
    (".node", "node-addon"),
    (".so", "shared-object"),
    (".dylib", "dylib"),
    (".dll", "dll"),
    (".exe", "exe"),
    (".pyd", "python-extension"),
)


class BinaryAnalyzer:
    """Reports hasNativeCode from magic bytes and file names; looks at the first bytes only."""

    name = "binary"
    version = "1"

    def wants(self, path: str) -> bool:
        return True  # any file can be a binary whatever its name; analyze() is cheap

    def analyze(self, path: str, data: bytes) -> FileAnalysis:
        fmt = native_format(path, data)
        if fmt is None:
            return FileAnalysis(path, "other")
        evidence = f"{fmt} ({len(data)} bytes)"
        finding = Finding("hasNativeCode", path, 0, evidence, {"format": fmt})
        return FileAnalysis(path, "native", (finding,))


def native_format(path: str, data: bytes) -> str | None:
    """The native format of a file ("elf", "pe", "mach-o"...), or None when it is not native."""
    lowered = path.lower()
    name = lowered.rsplit("/", 1)[-1]
    if name == "binding.gyp":  # node-gyp builds a native addon from it at install
        return "binding.gyp"
    magic = _magic_format(lowered, data)
    if magic is not None:
        return magic
    # Named like a binary but holding text or nothing: a test fixture or a linker script.
    if lowered.endswith(".class") or b"\0" not in data[:1024]:
        return None
    for suffix, fmt in _SUFFIX_FORMATS:
        # libfoo.so.1.2 is a versioned shared object.
        if name.endswith(suffix) or (suffix == ".so" and ".so." in name):
            return fmt
    return None


def _magic_format(path: str, data: bytes) -> str | None:
    head = data[:8]
    if head.startswith(b"\x7fELF"):
        return "elf"
    if head.startswith(_MACHO):
        return "mach-o"
    if head.startswith(_FAT) and not path.endswith(".class") and len(head) >= 8:
        archs = int.from_bytes(head[4:8], "big")
        return "mach-o-universal" if 0 < archs <= _MAX_FAT_ARCHS else None
    if head.startswith(b"MZ") and _has_pe_header(data):
        return "pe"
    return None


def _has_pe_header(data: bytes) -> bool:
    if len(data) < 0x40:
        return False
    offset = int.from_bytes(data[0x3C:0x40], "little")
    return offset <= _MAX_PE_OFFSET and data[offset : offset + 4] == b"PE\0\0"
