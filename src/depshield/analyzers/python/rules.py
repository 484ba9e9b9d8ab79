"""Tables mapping resolved Python call names to capabilities and correlation signals."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from depshield.analyzers.base import (
    SIGNAL_DECODE,
    SIGNAL_DOWNLOAD,
    SIGNAL_EXEC,
    SIGNAL_SINK,
    SIGNAL_SOURCE,
    SIGNAL_SPAWN,
    SIGNAL_WRITE,
)


@dataclass(frozen=True, slots=True)
class Hit:
    """A finding type and props that a call name implies, before a location is attached."""

    type: str
    props: Mapping[str, Any] = field(default_factory=dict)


def _product(prefixes: Iterable[str], names: Iterable[str]) -> frozenset[str]:
    names = tuple(names)
    return frozenset(f"{p}.{n}" for p in prefixes for n in names)


# Longest prefix wins; the value is the module reported in props.
NETWORK_PREFIXES: Mapping[str, str] = {
    "socket": "socket",
    "ssl": "ssl",
    "urllib.request": "urllib.request",
    "urllib2": "urllib2",
    "urllib.urlopen": "urllib",
    "urllib.urlretrieve": "urllib",
    "urllib.URLopener": "urllib",
    "urllib3": "urllib3",
    "http.client": "http.client",
    "httplib": "httplib",
    "requests": "requests",
    "httpx": "httpx",
    "aiohttp": "aiohttp",
    "dns": "dns",
    "ftplib": "ftplib",
    "smtplib": "smtplib",
    "telnetlib": "telnetlib",
    "paramiko": "paramiko",
    "pycurl": "pycurl",
    "websocket": "websocket",
    "websockets": "websockets",
    "xmlrpc.client": "xmlrpc.client",
    "xmlrpclib": "xmlrpclib",
    "wget": "wget",
}
NOT_NETWORK = frozenset(
    {
        "socket.gethostname",
        "socket.getfqdn",
        "socket.inet_aton",
        "socket.inet_ntoa",
        "socket.htons",
        "socket.ntohs",
        "socket.htonl",
        "socket.ntohl",
        "socket.setdefaulttimeout",
        "socket.getdefaulttimeout",
        "ssl.create_default_context",
    }
)
NOT_NETWORK_PREFIXES = frozenset(
    {
        "requests.exceptions",
        "requests.utils",
        "requests.structures",
        "requests.compat",
        "httpx.Timeout",
        "aiohttp.ClientTimeout",
    }
)

SHELL_CALLS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
        "os.popen2",
        "os.popen3",
        "os.popen4",
        "os.startfile",
        "os.posix_spawn",
        "os.posix_spawnp",
        "pty.spawn",
        "commands.getoutput",
        "commands.getstatusoutput",
        "popen2.popen2",
        "popen2.popen3",
        "platform.popen",
        "asyncio.create_subprocess_shell",
        "asyncio.create_subprocess_exec",
        "pexpect.spawn",
        "pexpect.run",
        # pip's entry points: installing packages from inside a package's code.
        "pip.main",
        "pip._internal.main",
        "pip._internal.cli.main.main",
    }
    | {f"os.exec{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")}
    | {f"os.spawn{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")}
)

EVAL_CALLS: Mapping[str, str] = {
    "exec": "exec",
    "eval": "eval",
    "compile": "compile",
    "execfile": "execfile",
    "marshal.loads": "marshal",
    "types.FunctionType": "code-object",
}

DEBUG_CALLS = frozenset(
    {
        "sys.settrace",
        "sys.setprofile",
        "sys._getframe",
        "inspect.currentframe",
        "inspect.stack",
        "inspect.getouterframes",
        "inspect.trace",
        "threading.settrace",
        "threading.setprofile",
        "sys.addaudithook",
    }
)
DEBUG_PREFIXES = frozenset({"ctypes", "_ctypes", "cffi.FFI.dlopen"})

_PATH_METHODS_WRITE = ("write_text", "write_bytes", "touch", "rename", "replace")
FS_WRITES = frozenset(
    {
        "os.rename",
        "os.replace",
        "os.truncate",
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
        "os.write",
    }
    | _product(("pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"), _PATH_METHODS_WRITE)
)
FS_DELETES = frozenset(
    {"os.remove", "os.unlink", "os.rmdir", "os.removedirs", "shutil.rmtree"}
    | _product(("pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"), ("unlink", "rmdir"))
)

SOURCES: Mapping[str, str] = {
    "socket.gethostname": "hostname",
    "socket.getfqdn": "hostname",
    "platform.node": "hostname",
    "os.uname": "hostname",
    "getpass.getuser": "userinfo",
    "os.getlogin": "userinfo",
    "pwd.getpwuid": "userinfo",
    "pwd.getpwnam": "userinfo",
    "platform.platform": "system-info",
    "platform.uname": "system-info",
    "platform.version": "system-info",
    "win32crypt.CryptUnprotectData": "credential-store",
}
SOURCE_PREFIXES: Mapping[str, str] = {
    "browser_cookie3": "credential-store",
    "browser_cookie": "credential-store",
}

_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")
_SESSIONS = (
    "requests",
    "requests.Session",
    "requests.session",
    "requests.sessions.Session",
    "httpx",
    "httpx.Client",
    "httpx.AsyncClient",
    "aiohttp.ClientSession",
)
SINKS = frozenset(
    _product(_SESSIONS, _HTTP_VERBS)
    | _product(("urllib.request", "urllib2", "urllib"), ("urlopen",))
    | _product(("urllib3.PoolManager", "urllib3.ProxyManager", "urllib3"), ("request", "urlopen"))
    | _product(
        (
            "http.client.HTTPConnection",
            "http.client.HTTPSConnection",
            "httplib.HTTPConnection",
            "httplib.HTTPSConnection",
        ),
        ("request", "putrequest"),
    )
    | _product(("socket.socket",), ("connect", "connect_ex", "send", "sendall", "sendto"))
    | _product(("smtplib.SMTP", "smtplib.SMTP_SSL"), ("sendmail", "send_message"))
    | _product(("ftplib.FTP", "ftplib.FTP_TLS"), ("storbinary", "storlines"))
    | {
        "socket.create_connection",
        "pycurl.Curl.perform",
        "websocket.create_connection",
        "telnetlib.Telnet.write",
        "xmlrpc.client.ServerProxy",
        "xmlrpclib.ServerProxy",
    }
)
DOWNLOADS = frozenset(
    _product(_SESSIONS, ("get", "request", "stream"))
    | _product(("urllib.request", "urllib2", "urllib"), ("urlopen", "urlretrieve"))
    | _product(("urllib3.PoolManager", "urllib3"), ("request", "urlopen"))
    | {"wget.download"}
)
# Downloads that also write the fetched bytes to a file.
DOWNLOAD_TO_FILE = frozenset({"urllib.request.urlretrieve", "urllib.urlretrieve", "wget.download"})

DECODERS: Mapping[str, str] = {
    **{
        f"base64.{n}": "base64"
        for n in (
            "b64decode",
            "standard_b64decode",
            "urlsafe_b64decode",
            "decodebytes",
            "decodestring",
            "b32decode",
            "b16decode",
            "b85decode",
            "a85decode",
        )
    },
    "binascii.a2b_base64": "base64",
    "bytes.fromhex": "hex",
    "bytearray.fromhex": "hex",
    "binascii.unhexlify": "hex",
    "binascii.a2b_hex": "hex",
    "zlib.decompress": "zlib",
    "gzip.decompress": "gzip",
    "bz2.decompress": "bz2",
    "lzma.decompress": "lzma",
    "marshal.loads": "marshal",
    **{f"{m}.Fernet.decrypt": "fernet" for m in ("cryptography.fernet", "fernet")},
    **{
        f"{m}.Cipher.{c}.new.decrypt": "aes"
        for m in ("Crypto", "Cryptodome")
        for c in ("AES", "DES", "DES3", "ARC4", "Blowfish")
    },
}

PICKLE_LOADS = frozenset(
    {"pickle.loads", "cPickle.loads", "_pickle.loads", "dill.loads", "cloudpickle.loads"}
)
IMPORT_FUNCS = frozenset({"__import__", "importlib.import_module", "importlib.__import__"})


def strip_calls(qualname: str) -> str:
    """`requests.Session().post` -> `requests.Session.post`: tables list call-free names."""
    return qualname.replace("()", "")


def _prefix_match(name: str, prefixes: Collection[str]) -> str | None:
    """The longest of `prefixes` that is `name` or a dotted prefix of it."""
    end = len(name)
    while end > 0:
        candidate = name[:end]
        if candidate in prefixes:
            return candidate
        end = name.rfind(".", 0, end)
    return None


def network_module(name: str) -> str | None:
    if name in NOT_NETWORK or _prefix_match(name, NOT_NETWORK_PREFIXES):
        return None
    prefix = _prefix_match(name, NETWORK_PREFIXES)
    return NETWORK_PREFIXES[prefix] if prefix else None


@lru_cache(maxsize=4096)
def classify_call(qualname: str) -> tuple[Hit, ...]:
    """Findings a call to `qualname` implies whatever its arguments are."""
    name = strip_calls(qualname)
    root = name.split(".")[0]
    hits: list[Hit] = []
    module = network_module(name)
    if module:
        hits.append(Hit("networkAccess", {"module": module}))
    if name in SHELL_CALLS:
        hits += [Hit("shellAccess", {"module": root}), Hit(SIGNAL_SPAWN, {"detail": name})]
    if name in EVAL_CALLS:
        how = EVAL_CALLS[name]
        hits += [Hit("usesEval", {"evalType": how}), Hit(SIGNAL_EXEC, {"how": how})]
    if name in DEBUG_CALLS or _prefix_match(name, DEBUG_PREFIXES):
        hits.append(Hit("debugAccess", {"module": root}))
    if name in FS_WRITES or name in FS_DELETES or name in DOWNLOAD_TO_FILE:
        hits.append(Hit("filesystemAccess", {"module": root}))
    if name in FS_WRITES or name in DOWNLOAD_TO_FILE:
        hits.append(Hit(SIGNAL_WRITE, {"detail": name}))
    source = SOURCES.get(name) or _source_prefix(name)
    if source:
        hits.append(Hit(SIGNAL_SOURCE, {"kind": source, "detail": name}))
    if name in SINKS:
        hits.append(Hit(SIGNAL_SINK, {"kind": "network", "detail": name}))
    if name in DOWNLOADS:
        hits.append(Hit(SIGNAL_DOWNLOAD, {"detail": name}))
    if name in DECODERS:
        hits.append(Hit(SIGNAL_DECODE, {"how": DECODERS[name]}))
    return tuple(hits)


def _source_prefix(name: str) -> str | None:
    prefix = _prefix_match(name, SOURCE_PREFIXES)
    return SOURCE_PREFIXES[prefix] if prefix else None


KNOWN = frozenset(
    SHELL_CALLS
    | set(EVAL_CALLS)
    | DEBUG_CALLS
    | FS_WRITES
    | FS_DELETES
    | set(SOURCES)
    | SINKS
    | DOWNLOADS
    | set(DECODERS)
    | PICKLE_LOADS
    | IMPORT_FUNCS
    | {"os.environ", "os.getenv"}
)


# First components of the dotted names above: a name that is never bound in a file (a
# truncated sample, a star import) but spells one of these is taken to be that module.
KNOWN_ROOTS = frozenset(
    {n.split(".")[0] for n in KNOWN if "." in n}
    | {p.split(".")[0] for p in NETWORK_PREFIXES}
    | {p.split(".")[0] for p in DEBUG_PREFIXES}
) - {"bytes", "bytearray", "types"}


def is_known(qualname: str) -> bool:
    """True for names the rules care about (used to resolve `from os import *`)."""
    return qualname in KNOWN or network_module(qualname) is not None
