"""Files of the repository a doc links to (runbooks, other design docs): whether each exists, as a fact.

A link is printed only to a file that exists; one that does not is named and marked "not written yet". The
source (`file`, path relative to the repository, value "exists" or "missing") lets the source-map check look.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from docgen.facts.fact import Fact, Source


def file_fact(path: str, root: Path) -> Fact:
    """Whether `path` (relative to the repository root `root`) exists."""
    found = (root / path).is_file()
    return Fact(found, path, (Source("file", path, "", "exists" if found else "missing"),))


def link(path: str, root: Path, doc_dir: Path, fact: Fact | None = None) -> Fact:
    """`[path](relative link)` from the doc's folder when the file exists, else `path (not written yet)`; the
    fact's sources are the file's plus those of `fact` (what named the file: a tag, a template)."""
    found = file_fact(path, root)
    sources = found.sources + (fact.sources if fact is not None else ())
    if not found.value:
        return Fact(False, f"{path} (not written yet)", sources)
    target = PurePosixPath(Path(os.path.relpath(root / path, doc_dir)).as_posix())
    return Fact(True, f"[{path}]({target})", sources)
