"""Reading and atomically writing generated documents, and comparing them regardless of line endings."""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import secrets
import shutil
import stat
from pathlib import Path

from docgen.errors import DocgenError

_NO_NEWLINE = "\\ No newline at end of file\n"


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def read_text(path: Path) -> str:
    """The file's text exactly as stored: UTF-8, CRLF line ends kept."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError as error:
        raise DocgenError(f"cannot read {path}: no such file") from error
    except UnicodeDecodeError as error:
        raise DocgenError(f"cannot read {path}: not valid UTF-8 at byte {error.start}") from error
    except OSError as error:
        raise DocgenError(f"cannot read {path}: {_reason(error)}") from error


def _existing_mode(target: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return None


def _create_temp(temp: Path, path: Path) -> int:
    # O_EXCL: never clobber anything; 0o666 lets the umask decide like for any new file
    # (mkstemp would force 0600 onto the replaced doc).
    try:
        return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise DocgenError(f"cannot write {path}: {_reason(error)}") from error


def _fill_temp(descriptor: int, temp: Path, data: bytes, mode: int | None) -> None:
    with open(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if mode is not None:
        os.chmod(temp, mode)  # replacing the doc must not change who may read it


def _remove_quietly(temp: Path) -> None:
    with contextlib.suppress(OSError):
        temp.unlink(missing_ok=True)


def _sync_directory(directory: Path) -> None:
    # Makes the rename itself durable; the content is already safe, so a failure here is not an error.
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_atomic(path: Path, text: str) -> None:
    """Replace path with text in one step: readers see the old file or the new one, never half of one."""
    target = Path(os.path.realpath(path))  # through a symlink, so the link itself survives
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise DocgenError(f"cannot write {path}: text is not encodable as UTF-8 at {error.start}") from error
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    descriptor = _create_temp(temp, path)
    try:
        _fill_temp(descriptor, temp, data, _existing_mode(target))
        os.replace(temp, target)
    except OSError as error:
        _remove_quietly(temp)
        raise DocgenError(f"cannot write {path}: {_reason(error)}") from error
    except BaseException:
        _remove_quietly(temp)  # e.g. KeyboardInterrupt: still no litter next to the doc
        raise
    _sync_directory(target.parent)


def write_all(files: list[tuple[Path, str]]) -> None:
    """Write several files as one change: every temporary file first, then the renames in the order given
    (put the file that marks completion last). A failure before the renames leaves every file as it was."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, text in files:
            target = Path(os.path.realpath(path))
            temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
            descriptor = _create_temp(temp, path)
            staged.append((temp, target))
            _fill_temp(descriptor, temp, text.encode("utf-8"), _existing_mode(target))
        for temp, target in staged:
            os.replace(temp, target)
    except OSError as error:
        for temp, _ in staged:
            _remove_quietly(temp)
        raise DocgenError(
            f"cannot write {files[len(staged) - 1][0] if staged else files[0][0]}: {_reason(error)}"
        ) from error
    except BaseException:
        for temp, _ in staged:
            _remove_quietly(temp)
        raise
    for directory in {target.parent for _, target in staged}:
        _sync_directory(directory)


LEFTOVER = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")


def remove_leftovers(*folders: Path) -> list[Path]:
    """Temporary files and picture folders a killed run left behind (ours only: `.name.<8 hex>.tmp`,
    `.picture-*`), removed at the start of the next run."""
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for item in folder.iterdir():
            if item.is_file() and LEFTOVER.match(item.name):
                _remove_quietly(item)
                removed.append(item)
            elif item.is_dir() and item.name.startswith(".picture-"):
                shutil.rmtree(item, ignore_errors=True)
                removed.append(item)
    return removed


def _normalized(text: str) -> str:
    return text.replace("\r\n", "\n")


def same_content(a: str, b: str) -> bool:
    """True when a and b differ at most in CRLF versus LF line endings."""
    return _normalized(a) == _normalized(b)


def _lines(text: str) -> list[str]:
    # Split on "\n" only, as the region parser does; str.splitlines also splits on \x0c and \u2028.
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def unified_diff(old: str, new: str, path: str) -> str:
    """A git-style unified diff with a/ and b/ headers; empty when only line endings differ."""
    diff = difflib.unified_diff(
        _lines(_normalized(old)), _lines(_normalized(new)), fromfile=f"a/{path}", tofile=f"b/{path}"
    )
    # A last line without newline would run into the next diff line; git marks it instead.
    return "".join(line if line.endswith("\n") else line + "\n" + _NO_NEWLINE for line in diff)
