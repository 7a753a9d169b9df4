"""The on-disk cache of generated model code: a private directory, checked before every use.

Generated modules are imported and numba unpickles the machine code stored next to them,
so whoever can write into the cache directory can run code in a bifur process. The rules:

* The directory is ``$BIFUR_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/bifur``, else
  ``~/.cache/bifur``. It is created with mode 0700. Before anything in it is read, it is
  checked: a real directory (not a symlink), owned by the current user, not writable by
  group or others; the same holds for its ``__pycache__`` (numba's machine code) and for
  every file that is read.
* When that location cannot be created or fails the check, bifur warns once
  (:class:`CacheWarning`) and uses a fresh private directory made by
  :func:`tempfile.mkdtemp` (unpredictable name, mode 0700) for this process; it never
  falls back to a predictable shared path. If even that fails, code is generated and
  compiled in memory without a disk cache (slower, warned once).
* Every generated file carries an HMAC-SHA256 of its content under a random key kept in
  the directory (mode 0600). A file whose tag does not verify (truncated, corrupted, or
  written by anything but bifur's generator) is deleted and regenerated with a warning.
* numba's own cache files of a generated module (``__pycache__/<module>.*.nbi/.nbc``) are
  checked when the module is loaded: files recorded in a signed manifest with the same
  SHA-256 are trusted; others are unpickled once, as numba would, and recorded, or deleted
  with a warning if they are damaged (numba then compiles again and rewrites them).
* ``BIFUR_CACHE_DIR=none`` disables the disk cache.

Examples
--------
>>> d = cache_dir()
>>> d is None or oct(d.stat().st_mode & 0o777) == "0o700"
True
"""
from __future__ import annotations

import hashlib
import hmac
import os
import stat
import tempfile
import threading
import warnings
from pathlib import Path

from .errors import CacheWarning

__all__ = ["cache_dir", "chosen_dir", "read_verified", "write_signed", "check_private", "UnsafeCacheError",
           "heal_numba_cache"]

_TAG = "# bifur-hmac-sha256: "
_lock = threading.RLock()
_state: dict[str, object] = {}


class UnsafeCacheError(OSError):
    """A cache location is not private to the current user."""


def _uid() -> int:
    return os.getuid() if hasattr(os, "getuid") else -1


def check_private(path: Path, kind: str = "dir") -> None:
    """Raise :class:`UnsafeCacheError` unless ``path`` is a real directory (or regular file,
    ``kind="file"``) owned by the current user and not writable by group or others."""
    st = os.lstat(path)
    if kind == "dir" and not stat.S_ISDIR(st.st_mode):
        raise UnsafeCacheError(f"{path} is not a directory (symlinks are refused)")
    if kind == "file" and not stat.S_ISREG(st.st_mode):
        raise UnsafeCacheError(f"{path} is not a regular file (symlinks are refused)")
    uid = _uid()
    if uid >= 0 and st.st_uid != uid:
        raise UnsafeCacheError(f"{path} is owned by uid {st.st_uid}, not by the current user ({uid})")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeCacheError(f"{path} is writable by group or others (mode {oct(st.st_mode & 0o777)})")


def _make_private(path: Path) -> None:
    """Create ``path`` (and parents) with mode 0700, or check the existing directory."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_private(path)
    if os.lstat(path).st_mode & 0o077:
        os.chmod(path, 0o700)  # ours and safe, but tighten a directory made by an older version


def _check_tree(path: Path) -> None:
    """Check the directory and its ``__pycache__``. Their entries are not walked (that would cost
    time in proportion to everything ever cached): nobody else can create entries in a private
    directory, and each file is checked where it is read (:func:`read_verified`,
    :func:`heal_numba_cache`)."""
    check_private(path)
    sub = path / "__pycache__"
    if not os.path.lexists(sub):
        sub.mkdir(mode=0o700)
    check_private(sub)


def _preferred() -> Path | None:
    env = os.environ.get("BIFUR_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in ("", "none", "off") else Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "bifur"


def _choose() -> Path | None:
    preferred = _preferred()
    if preferred is None and "BIFUR_CACHE_DIR" in os.environ:
        return None
    reason = ""
    if preferred is not None:
        try:
            _make_private(preferred)
            _check_tree(preferred)
            return preferred
        except OSError as exc:  # includes UnsafeCacheError
            reason = str(exc)
    try:
        path = Path(tempfile.mkdtemp(prefix="bifur-cache-"))
        warnings.warn(f"bifur: cannot use the cache directory {preferred} ({reason}); compiled models are "
                      f"cached in the private temporary directory {path} for this process only. Set "
                      "BIFUR_CACHE_DIR to a directory of your own to keep them.", CacheWarning, stacklevel=4)
        return path
    except OSError as exc:
        warnings.warn(f"bifur: no writable private directory ({reason}; {exc}); models are compiled in memory "
                      "without a disk cache (slower). Set BIFUR_CACHE_DIR to a directory of your own.",
                      CacheWarning, stacklevel=4)
        return None


def cache_dir() -> Path | None:
    """The verified private cache directory of this process, or None when there is no disk cache.

    Chosen once per process (see the module docstring) and checked again on every call.
    """
    with _lock:
        if "dir" not in _state or _state.get("env") != _preferred():
            _state["env"] = _preferred()
            _state["dir"] = _choose()
            _state.pop("key", None)
        path = _state["dir"]
        if path is None:
            return None
        try:
            _check_tree(path)
        except OSError as exc:
            warnings.warn(f"bifur: the cache directory {path} changed and is no longer private ({exc}); "
                          "compiling in memory from now on.", CacheWarning, stacklevel=2)
            _state["dir"] = None
            return None
        return path


def chosen_dir() -> Path | None:
    """The directory chosen by the last :func:`cache_dir` call, without checking it again."""
    return _state.get("dir")  # type: ignore[return-value]


def _key(path: Path) -> bytes:
    with _lock:
        if _state.get("key_dir") == path and "key" in _state:
            return _state["key"]  # type: ignore[return-value]
        kfile = path / "key"
        try:
            fd = os.open(kfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(32))
        except FileExistsError:
            pass
        check_private(kfile, "file")
        key = kfile.read_bytes()
        if len(key) != 32:
            raise UnsafeCacheError(f"{kfile} is not a bifur cache key")
        _state["key"], _state["key_dir"] = key, path
        return key


def _tag(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def write_signed(path: Path, body: str) -> None:
    """Write ``body`` to ``path`` (mode 0600, atomically) with an HMAC header line."""
    key = _key(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(_TAG + _tag(key, body) + "\n" + body)
    os.replace(tmp, path)


def read_verified(path: Path) -> str | None:
    """The body of a signed file if its owner, mode and HMAC check out; otherwise delete it
    (warning when it existed) and return None."""
    if not os.path.lexists(path):
        return None
    try:
        check_private(path, "file")
        text = path.read_text()
        head, _, body = text.partition("\n")
        ok = head.startswith(_TAG) and hmac.compare_digest(head[len(_TAG):], _tag(_key(path.parent), body))
    except (OSError, UnicodeDecodeError) as exc:
        ok, body = False, ""
        reason = str(exc)
    else:
        reason = "its signature does not match its content"
    if ok:
        return body
    warnings.warn(f"bifur: discarding the cache file {path} ({reason}); it is regenerated.", CacheWarning,
                  stacklevel=3)
    try:
        path.unlink()
    except OSError:
        pass
    return None


def _loads_like_numba(path: Path) -> None:
    """Read a numba cache file the way numba does (raises if it is damaged)."""
    import pickle
    with open(path, "rb") as fh:
        if path.suffix == ".nbi":
            pickle.load(fh)  # numba's version
            stamp, overloads = pickle.loads(fh.read())
            if not isinstance(overloads, dict):
                raise ValueError("not a numba index")
        else:
            pickle.loads(fh.read())


def heal_numba_cache(directory: Path, stem: str) -> None:
    """Delete damaged numba cache files of the generated module ``stem`` (see the module docstring)."""
    import json
    pycache = directory / "__pycache__"
    files = sorted(p for p in pycache.glob(f"{stem}.*") if p.suffix in (".nbi", ".nbc"))
    manifest_path = pycache / f"{stem}.manifest"
    text = read_verified(manifest_path)
    try:
        known = json.loads(text) if text else {}
    except ValueError:
        known = {}
    current: dict[str, str] = {}
    damaged: list[str] = []
    for path in files:
        try:
            check_private(path, "file")
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if known.get(path.name) != digest:
                _loads_like_numba(path)
            current[path.name] = digest
        except Exception as exc:  # noqa: BLE001 - any failure to read means the file is damaged
            damaged.append(f"{path.name} ({type(exc).__name__})")
            try:
                path.unlink()
            except OSError:
                pass
    if damaged:
        warnings.warn(f"bifur: discarding damaged numba cache files {', '.join(damaged)} in {pycache}; the "
                      "functions are compiled again.", CacheWarning, stacklevel=3)
    if current != known:
        write_signed(manifest_path, json.dumps(current, sort_keys=True))
