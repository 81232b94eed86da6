"""The spec's YAML reader and its command lines: hostile YAML is refused fast and small, messages are one
sanitized line, and every entry point exits 2 for a bad spec and 3 (one line plus a log) for a bug."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

import app
from designspec import SpecError, load_design, parse_design
from designspec.__main__ import main as designspec_main
from designspec.loader import MAX_BYTES
from designspec.yamldoc import MAX_CHARS, MAX_VALUES, read_yaml
from generators.__main__ import main as generators_main
from tests.conftest import ROOT, assert_one_line
from tests.spec_mutations import BOMB

DESIGN = (ROOT / "design.yaml").read_text(encoding="utf-8")


def error_of(text: str) -> str:
    with pytest.raises(SpecError) as info:
        parse_design(text, "design.yaml")
    assert_one_line(str(info.value), "design.yaml")
    return str(info.value)


def test_an_alias_bomb_is_refused_in_under_a_tenth_of_a_second_and_50_mb() -> None:
    text = BOMB + DESIGN  # 9 aliases per level, 9 levels: 387 million values once expanded
    tracemalloc.start()
    started = time.perf_counter()
    message = error_of(text)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(BOMB) == 414
    assert f"expands to more than {MAX_VALUES:,} values" in message
    assert elapsed < 0.1
    assert peak < 50 * 2**20


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("loop: &a [*a]", "design.yaml:1: loop[0]: alias *a is inside its own anchor &a (line 1)"),
        ("m: &m {k: *m}", "design.yaml:1: m.k: alias *m is inside its own anchor &m (line 1)"),
        (
            "x: !!python/object/apply:os.system [id]",
            "design.yaml:1: x: YAML tag '!!python/object/apply:os.system'",
        ),
        ("x: !foo 1", "design.yaml:1: x: YAML tag '!foo' is not allowed"),
        ("x: !!str 1", "design.yaml:1: x: YAML tag '!!str' is not allowed"),
        ("[a, b]: 1", "design.yaml:1: a key must be plain text, not a list or mapping"),
        ("? {a: 1}\n: 1", "design.yaml:1: a key must be plain text, not a list or mapping"),
        ("x: *nowhere", "design.yaml:1: x: alias *nowhere has no anchor &nowhere before it"),
        ("x: &a 1\ny: &a 2", "design.yaml:2: y: anchor &a is defined twice (first at line 1)"),
        ("x: 1\n---\ny: 2", "design.yaml:2: a second YAML document ('---'); a design spec is one document"),
        ("x: " + "[" * 40 + "]" * 40, "nesting deeper than 32 levels"),
        ("x: [" + "1, " * (MAX_VALUES + 1) + "]", f"the document expands to more than {MAX_VALUES:,} values"),
        ("x: <<", None),  # only a plain `<<` key merges; as a value it is text
    ],
)
def test_hostile_yaml_is_one_line_naming_the_line(snippet: str, expected: str | None) -> None:
    text = snippet + "\n" + DESIGN
    if expected is None:
        assert error_of(text).startswith("design.yaml:1: x: unknown key 'x'")
    else:
        assert expected in error_of(text)


def test_merge_keys_and_anchors_still_work() -> None:
    text = DESIGN.replace(
        "      backend: {cpu: 512, memory: 1024, desired: 1, min: 1, max: 3, architecture: arm64}",
        "      backend: &small {cpu: 512, memory: 1024, desired: 1, min: 1, max: 3, architecture: arm64}",
    ).replace(
        "      agent-research: {cpu: 512, memory: 1024, desired: 1, min: 0, max: 2, architecture: arm64}",
        "      agent-research: {<<: *small, min: 0, max: 2}",
    )
    assert text != DESIGN
    assert parse_design(text, "design.yaml") == load_design(ROOT / "design.yaml")


def test_yaml_11_scalars_keep_their_meaning_but_dates_stay_text() -> None:
    data, lines = read_yaml("a: 0x10\nb: 1_000\nc: yes\nd: ~\ne: 2024-01-01\nf: 1e3\ng: 1.0e+3\n")
    assert data == {"a": 16, "b": 1000, "c": True, "d": None, "e": "2024-01-01", "f": "1e3", "g": 1000.0}
    assert lines[("g",)] == 7


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    port: 8080",
            "    port: '8080'",
            "services[0].port: '8080' is invalid: Input should be a valid integer",
        ),
        (
            "retention_days: 35 ",
            "retention_days: true ",
            "true is invalid: Input should be a valid integer (true",
        ),
        ("desired: 3,", "desired: 2.0,", "2.0 is invalid: Input should be a valid integer (a whole number"),
        (
            "monthly_limit_usd: 400",
            "monthly_limit_usd: .inf",
            ".inf is invalid: Input should be a finite number",
        ),
        (
            "LOG_LEVEL: info",
            "LOG_LEVEL: 5",
            "5 is invalid: Input should be a valid string (write it in quotes",
        ),
        (
            "multi_az: false",
            "multi_az: 'no'",
            "'no' is invalid: Input should be a valid boolean (true or false",
        ),
    ],
)
def test_no_coercion(old: str, new: str, expected: str) -> None:
    assert old in DESIGN
    assert expected in error_of(DESIGN.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "shown"),
    [
        (
            "    port: 8080",
            '    "po\\nrt\\e[31m": 8080',
            "services[0]['po\\nrt\\x1b[31m']: unknown key 'po\\nrt\\x1b[31m'",
        ),
        (
            "description: HTTP API for both front ends",
            'description: "a\\nb"',
            "'a\\nb' is not one line of text",
        ),
        (
            "description: HTTP API for both front ends",
            'description: "\\u202Eevil"',
            "'\\u202eevil' is not one",
        ),
        (
            "    port: 8080",
            "    port: " + "9" * 20000 + "x",
            "services[0].port: '" + "9" * 77 + "...' is invalid",
        ),
    ],
)
def test_messages_escape_control_characters_and_cut_long_values(old: str, new: str, shown: str) -> None:
    message = error_of(DESIGN.replace(old, new, 1))
    assert shown in message
    assert len(message) < 400


def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad\nname\x1b.yaml"
    path.write_text("project: [", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_design(path)
    assert str(info.value).isprintable()
    assert "bad\\nname\\x1b.yaml:2: project[0]: YAML syntax error" in str(info.value)


def test_files_that_are_not_a_spec(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.truncate(MAX_BYTES + 10)  # sparse: nothing is written, and only MAX_BYTES + 1 are read
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"project: caf\xe9\n")
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + DESIGN.encode())
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # opening it would block until a writer comes
    cases = {
        big: f"larger than {MAX_BYTES:,} bytes",
        latin: "latin.yaml:1: not UTF-8 text (byte 0xe9)",
        fifo: "not a regular file",
        tmp_path: "not a regular file",
        tmp_path / "missing.yaml": "file not found",
    }
    for path, expected in cases.items():
        with pytest.raises(SpecError, match=expected.replace("(", r"\(").replace(")", r"\)")):
            load_design(path)
    assert load_design(bom) == load_design(ROOT / "design.yaml")
    assert f"{MAX_CHARS + 1:,} characters" in error_of("#" * (MAX_CHARS + 1))


# --- exit statuses ---------------------------------------------------------------------------------


@pytest.mark.synth
def test_app_exits_2_for_a_spec_error_raised_while_building_constructs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def build(*args: object, **kwargs: object) -> None:
        raise SpecError("design.yaml", "services[0]", "a check a construct made", 3)

    monkeypatch.setattr(app, "build_app", build)
    assert app.main() == 2
    assert capsys.readouterr().err == "error: design.yaml:3: services[0]: a check a construct made\n"


@pytest.mark.synth
def test_app_exits_3_with_a_log_for_anything_unexpected(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def build(*args: object, **kwargs: object) -> None:
        raise RuntimeError("jsii says no\n    at Object.<anonymous> (lib.js:1)")

    monkeypatch.setattr(app, "build_app", build)
    assert app.main() == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(
        "error: unexpected RuntimeError while synthesizing design.yaml: jsii says no; details in "
    )
    log = Path(err.rstrip().rsplit(" ", 1)[1])
    assert "Traceback" in log.read_text()
    log.unlink()


def test_generators_exit_3_with_a_log_for_anything_unexpected(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import generators.__main__ as cli

    def render(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(cli, "render_all", render)
    assert generators_main(["--design", str(ROOT / "design.yaml"), "--out", str(tmp_path / "out")]) == 3
    assert capsys.readouterr().err.startswith("error: unexpected KeyError while generating files for ")
    assert not (tmp_path / "out").exists()


def test_designspec_command_checks_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert designspec_main([str(ROOT / "design.yaml")]) == 0
    assert "valid (3 workloads, 2 aws environments)" in capsys.readouterr().out
    bad = ROOT / "tests" / "spec_corpus" / "nat-zero.yaml"
    assert designspec_main([str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {bad}:")


@pytest.mark.parametrize(
    "case", ["alias-bomb", "recursive-alias", "python-tag", "newline-in-key", "vpc-too-small"]
)
def test_the_command_lines_print_one_line_and_exit_2(case: str, tmp_path: Path) -> None:
    bad = ROOT / "tests" / "spec_corpus" / f"{case}.yaml"
    for argv in (
        ["-m", "designspec", str(bad)],
        ["-m", "generators", "--design", str(bad), "--out", str(tmp_path)],
    ):
        proc = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert proc.returncode == 2, proc.stderr
        assert len(lines) == 1 and lines[0].startswith(f"error: {bad}:"), proc.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.synth
def test_cdk_synth_shows_the_one_line_and_fails(tmp_path: Path) -> None:
    """The CDK CLI runs app.py and maps its exit status 2 to its own 1, adding one line of its own."""
    bad = ROOT / "tests" / "spec_corpus" / "nat-zero.yaml"
    cdk = ROOT / "node_modules" / ".bin" / "cdk"
    env = {**os.environ, "PATH": f"{cdk.parent}:{os.environ['PATH']}"}
    proc = subprocess.run(
        [str(cdk), "synth", "--quiet", "--no-notices", "-c", f"design={bad}", "-o", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1
    assert lines[0].startswith(f"error: {bad}:") and "nat_gateways" in lines[0]
    assert lines[1:] == [".venv/bin/python app.py: Subprocess exited with error 2"]
    assert "Traceback" not in proc.stderr
