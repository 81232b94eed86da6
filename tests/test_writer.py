"""Tests of document file I/O: exact reads, atomic writes, and line-ending-blind comparison and diffs."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from docgen.errors import DocgenError
from docgen.output.writer import read_text, same_content, unified_diff, write_atomic

ORIGINAL = "# Infrastructure\r\n\r\nkept\r\n"


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "60-infrastructure.md"
    path.write_bytes(ORIGINAL.encode())
    return path


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def entries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def failing(error: BaseException) -> Callable[..., None]:
    def fail(*args: object, **kwargs: object) -> None:
        raise error

    return fail


# --- read_text ------------------------------------------------------------------------------------


def test_read_text_keeps_crlf(doc: Path) -> None:
    assert read_text(doc) == ORIGINAL


def test_read_text_of_missing_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "absent.md"
    with pytest.raises(DocgenError) as caught:
        read_text(path)
    assert str(caught.value) == f"cannot read {path}: no such file"


def test_read_text_of_invalid_utf8_names_file_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes("abcé".encode("latin-1"))
    with pytest.raises(DocgenError) as caught:
        read_text(path)
    assert str(caught.value) == f"cannot read {path}: not valid UTF-8 at byte 3"


def test_read_text_of_directory_names_it(tmp_path: Path) -> None:
    with pytest.raises(DocgenError) as caught:
        read_text(tmp_path)
    assert str(caught.value) == f"cannot read {tmp_path}: Is a directory"


# --- write_atomic ---------------------------------------------------------------------------------


def test_write_atomic_writes_text_byte_for_byte(doc: Path) -> None:
    text = "\ufeffa\r\nb\nc\rü✓ no final newline  "
    write_atomic(doc, text)
    assert doc.read_bytes() == text.encode("utf-8")


def test_write_atomic_then_read_text_round_trips(doc: Path) -> None:
    text = "x\r\ny\n\r\n"
    write_atomic(doc, text)
    assert read_text(doc) == text


def test_write_atomic_creates_a_new_file_with_umask_mode(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "new.md"
    write_atomic(path, "new\n")
    assert (path.read_text(), stat.S_IMODE(path.stat().st_mode)) == ("new\n", 0o644)


def test_write_atomic_keeps_the_mode_of_the_replaced_file(doc: Path) -> None:
    doc.chmod(0o640)
    write_atomic(doc, "new\n")
    assert stat.S_IMODE(doc.stat().st_mode) == 0o640


def test_write_atomic_leaves_only_the_document_behind(doc: Path) -> None:
    write_atomic(doc, "new\n")
    assert entries(doc.parent) == [doc.name]


def test_write_atomic_through_a_symlink_keeps_the_link(doc: Path) -> None:
    link = doc.parent / "link.md"
    link.symlink_to(doc.name)
    write_atomic(link, "new\n")
    assert (link.is_symlink(), doc.read_text()) == (True, "new\n")


def test_failed_replace_leaves_original_untouched_and_no_temp_file(
    doc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "replace", failing(OSError(errno.EXDEV, "Invalid cross-device link")))
    with pytest.raises(DocgenError) as caught:
        write_atomic(doc, "new\n")
    assert str(caught.value) == f"cannot write {doc}: Invalid cross-device link"
    assert (doc.read_bytes(), entries(doc.parent)) == (ORIGINAL.encode(), [doc.name])


def test_failed_fsync_leaves_original_untouched_and_no_temp_file(
    doc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "fsync", failing(OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(DocgenError) as caught:
        write_atomic(doc, "new\n")
    assert str(caught.value) == f"cannot write {doc}: No space left on device"
    assert (doc.read_bytes(), entries(doc.parent)) == (ORIGINAL.encode(), [doc.name])


def test_interrupted_write_leaves_no_temp_file_and_propagates(
    doc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "replace", failing(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_atomic(doc, "new\n")
    assert (doc.read_bytes(), entries(doc.parent)) == (ORIGINAL.encode(), [doc.name])


def test_write_into_missing_directory_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "design-docs" / "60-infrastructure.md"
    with pytest.raises(DocgenError) as caught:
        write_atomic(path, "x")
    assert str(caught.value) == f"cannot write {path}: No such file or directory"


def test_unencodable_text_is_refused_before_touching_the_file(doc: Path) -> None:
    with pytest.raises(DocgenError) as caught:
        write_atomic(doc, "abc\udc80")
    assert str(caught.value) == f"cannot write {doc}: text is not encodable as UTF-8 at 3"
    assert (doc.read_bytes(), entries(doc.parent)) == (ORIGINAL.encode(), [doc.name])


# --- comparison and diff --------------------------------------------------------------------------


def test_same_content_ignores_crlf_versus_lf() -> None:
    assert same_content("a\r\nb\r\n", "a\nb\n")


def test_same_content_sees_real_changes() -> None:
    assert not same_content("a\nb\n", "a\nc\n")


def test_same_content_sees_a_missing_final_newline() -> None:
    assert not same_content("a\n", "a")


def test_unified_diff_has_git_headers_and_hunks() -> None:
    diff = unified_diff("a\nb\nc\n", "a\nB\nc\n", "design-docs/60-infrastructure.md")
    assert diff == (
        "--- a/design-docs/60-infrastructure.md\n"
        "+++ b/design-docs/60-infrastructure.md\n"
        "@@ -1,3 +1,3 @@\n"
        " a\n"
        "-b\n"
        "+B\n"
        " c\n"
    )


def test_unified_diff_of_crlf_checkout_of_identical_doc_is_empty() -> None:
    assert unified_diff("a\r\nb\r\n", "a\nb\n", "doc.md") == ""


def test_unified_diff_marks_a_missing_final_newline() -> None:
    assert unified_diff("a\n", "a", "doc.md") == (
        "--- a/doc.md\n+++ b/doc.md\n@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n"
    )
