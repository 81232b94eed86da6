"""Render Mermaid diagrams with the pinned mermaid-cli (``mmdc``) for tests.

A Mermaid block that does not parse must make a test fail, so every failure here
is an ``AssertionError`` carrying mmdc's stderr. mmdc drives Debian's chromium
headless through ``tools/puppeteer-config.json``; ``make setup`` installs both.

One ``mmdc`` run costs about 1.2 s (mostly the browser start). ``render_many``
renders several diagrams in a single run (mmdc's Markdown mode), which costs
about 0.6 s per extra diagram.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MMDC = REPO_ROOT / "node_modules" / ".bin" / "mmdc"
PUPPETEER_CONFIG = REPO_ROOT / "tools" / "puppeteer-config.json"
TIMEOUT_S = 180

_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>[^\s`]*)")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def mermaid_blocks(markdown: str) -> list[str]:
    """Return the bodies of the ```mermaid fenced blocks of ``markdown``, in order.

    Follows CommonMark fences: ``` or ~~~ (three or more), closed by a fence of the
    same character at least as long; blocks of other languages are skipped whole, so
    a ```mermaid line quoted inside another fenced block is not taken.
    """
    blocks: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if not m or (m["fence"][0] == "`" and "`" in lines[i][m.end("fence") :]):
            i += 1
            continue
        fence = m["fence"]
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        body: list[str] = []
        i += 1
        while i < len(lines) and not close.match(lines[i]):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence (or past the end: an unclosed block runs to the end)
        if m["info"].lower() == "mermaid":
            blocks.append("\n".join(body) + "\n")
    return blocks


def _check_name(name: str) -> None:
    if not _SAFE_NAME.match(name):
        raise ValueError(f"diagram name must be a plain file stem, got {name!r}")


def _run_mmdc(input_path: Path, output_path: Path) -> subprocess.CompletedProcess[str]:
    if not MMDC.exists():
        raise AssertionError(f"{MMDC} not found: run `make setup` (npm ci) first")
    cmd = [str(MMDC), "-q", "-i", str(input_path), "-o", str(output_path), "-p", str(PUPPETEER_CONFIG)]
    try:
        return subprocess.run(
            cmd,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"mmdc timed out after {TIMEOUT_S}s on {input_path}") from exc


def _check_svg(svg: Path, what: str, proc: subprocess.CompletedProcess[str]) -> None:
    if not svg.is_file() or svg.stat().st_size == 0:
        raise AssertionError(
            f"mmdc wrote no SVG for {what} ({svg}); exit {proc.returncode}\n{proc.stderr}{proc.stdout}"
        )
    if "<svg" not in svg.read_text(encoding="utf-8", errors="replace")[:4096]:
        raise AssertionError(f"mmdc output for {what} is not an SVG: {svg}")


def render_mermaid(source: str, out_dir: Path, name: str = "diagram") -> Path:
    """Render one Mermaid diagram to ``out_dir/<name>.svg`` and return that path.

    The source is kept next to it as ``<name>.mmd``. Raises ``AssertionError`` with
    mmdc's stderr when the diagram does not render.
    """
    _check_name(name)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    mmd = out_dir / f"{name}.mmd"
    svg = out_dir / f"{name}.svg"
    mmd.write_text(source, encoding="utf-8")
    svg.unlink(missing_ok=True)
    proc = _run_mmdc(mmd, svg)
    if proc.returncode != 0:
        raise AssertionError(
            f"mmdc failed on Mermaid diagram {name!r} (exit {proc.returncode}):\n"
            f"{proc.stderr.strip()}\n--- source ---\n{source}"
        )
    _check_svg(svg, repr(name), proc)
    return svg


def render_many(sources: dict[str, str], out_dir: Path) -> dict[str, Path]:
    """Render several diagrams in ONE mmdc (one chromium) run.

    Returns ``{name: out_dir/<name>.svg}`` in the order given. The sources are
    written as consecutive ```mermaid blocks of one Markdown file, which mmdc
    renders to numbered SVGs. mmdc stops at the first diagram that fails; the
    ``AssertionError`` names it and carries mmdc's stderr.
    """
    if not sources:
        return {}
    for name in sources:
        _check_name(name)
    for name, source in sources.items():
        if re.search(r"^ {0,3}(`{3,}|~{3,})", source, re.MULTILINE):
            raise ValueError(f"diagram {name!r} contains a Markdown code fence")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(sources)
    with tempfile.TemporaryDirectory(prefix="mmdc-batch-", dir=out_dir) as tmp:
        work = Path(tmp)
        doc = "\n".join(f"```mermaid\n{sources[n].rstrip()}\n```\n" for n in names)
        (work / "batch.md").write_text(doc, encoding="utf-8")
        proc = _run_mmdc(work / "batch.md", work / "out.md")
        result: dict[str, Path] = {}
        for index, name in enumerate(names, start=1):
            produced = work / f"out-{index}.svg"
            if proc.returncode != 0 and not produced.is_file():
                raise AssertionError(
                    f"mmdc failed on Mermaid diagram {name!r} (exit {proc.returncode}):\n"
                    f"{proc.stderr.strip()}\n--- source ---\n{sources[name]}"
                )
            _check_svg(produced, repr(name), proc)
            (out_dir / f"{name}.mmd").write_text(sources[name], encoding="utf-8")
            target = out_dir / f"{name}.svg"
            shutil.move(produced, target)
            result[name] = target
        if proc.returncode != 0:
            raise AssertionError(f"mmdc failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
    return result
