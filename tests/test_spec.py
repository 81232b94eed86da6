"""Bad design input: each gets one line naming the file, field path, line, value and what is allowed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from designspec import SpecError, load_design, parse_design
from tests.conftest import ROOT

DESIGN = (ROOT / "design.yaml").read_text()


def error_of(text: str) -> str:
    with pytest.raises(SpecError) as info:
        parse_design(text, "design.yaml")
    return str(info.value)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_default_design_is_valid() -> None:
    design = load_design(ROOT / "design.yaml")
    assert [s.name for s in design.services] == ["backend", "agent-research", "agent-report"]
    assert sorted(design.aws_environments()) == ["prod", "staging"]


def test_unknown_key_names_the_allowed_keys() -> None:
    text = DESIGN.replace(
        "    health_check_path: /health\n", "    health_check_path: /health\n    helth: 1\n", 1
    )
    assert error_of(text).startswith(
        f"design.yaml:{line_of(text, 'helth')}: services[0].helth: unknown key 'helth'; allowed keys: "
    )
    assert "health_check_path" in error_of(text)


def test_wrong_type() -> None:
    text = DESIGN.replace("    port: 8080\n", "    port: eighty\n", 1)
    assert error_of(text) == (
        f"design.yaml:{line_of(text, 'eighty')}: services[0].port: 'eighty' is invalid: "
        "Input should be a valid integer"
    )


def test_invalid_fargate_pair_lists_allowed_memory() -> None:
    text = DESIGN.replace("backend: {cpu: 1024, memory: 2048", "backend: {cpu: 1024, memory: 512")
    assert error_of(text) == (
        f"design.yaml:{line_of(text, 'memory: 512, desired: 3')}: environments.prod.services.backend.memory: "
        "512 MiB is not valid with cpu 1024 on Fargate; allowed: 2048-8192 in steps of 1024 MiB"
    )


def test_invalid_fargate_cpu() -> None:
    text = DESIGN.replace("backend: {cpu: 1024,", "backend: {cpu: 300,")
    assert (
        "environments.prod.services.backend.cpu: 300 is not a Fargate CPU value; allowed: CPU must be one of 256, 512"
        in error_of(text)
    )


def test_duplicate_names() -> None:
    text = DESIGN.replace("  - name: report-tasks\n", "  - name: research-tasks\n")
    second = [i for i, line in enumerate(text.splitlines(), 1) if "name: research-tasks" in line][1]
    assert error_of(text) == (
        f"design.yaml:{second}: queues[1].name: duplicate name 'research-tasks' (already used by queues[0]); "
        "names must be unique"
    )


def test_duplicate_yaml_key() -> None:
    text = DESIGN.replace("project: acme-agents\n", "project: acme-agents\nproject: other\n")
    assert error_of(text) == "design.yaml:6: project: duplicate key (first at line 5); keys must be unique"


def test_worker_without_queue() -> None:
    text = DESIGN.replace("    queue: report-tasks\n", "")
    assert error_of(text).endswith(
        "services[2].queue: a worker needs a 'queue' to consume; defined queues: research-tasks, report-tasks"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    queue: research-tasks\n",
            "    queue: nosuch\n",
            "services[1].queue: unknown queue 'nosuch'; defined queues: research-tasks, report-tasks",
        ),
        (
            "    secrets: [llm-api-key]\n    environment:\n      LOG_LEVEL: info\n      LOG_FORMAT: json\n    description: Research",
            "    secrets: [nope]\n    environment:\n      LOG_LEVEL: info\n      LOG_FORMAT: json\n    description: Research",
            "services[1].secrets[0]: unknown secret 'nope'; defined secrets: llm-api-key, session-signing-key",
        ),
        (
            "      agent-report: {cpu: 256,",
            "      agent-reporter: {cpu: 256,",
            "environments.staging.services: no sizing for 'agent-report'; every service needs a size in every aws environment",
        ),
    ],
)
def test_unknown_references(old: str, new: str, expected: str) -> None:
    assert old in DESIGN
    assert error_of(DESIGN.replace(old, new, 1)).endswith(expected)


def test_sizing_for_unknown_service() -> None:
    text = DESIGN.replace(
        "      agent-report: {cpu: 512, memory: 1024, desired: 1, min: 1, max: 4, architecture: arm64}\n",
        "      agent-report: {cpu: 512, memory: 1024, desired: 1, min: 1, max: 4, architecture: arm64}\n"
        "      ghost: {cpu: 256, memory: 512, desired: 1, min: 1, max: 1}\n",
    )
    assert error_of(text) == (
        f"design.yaml:{line_of(text, 'ghost')}: environments.prod.services.ghost: sizing for unknown service 'ghost'; "
        "known: backend, agent-research, agent-report"
    )


def test_environment_without_sizing() -> None:
    start = DESIGN.index("    services:\n      backend: {cpu: 512")
    end = DESIGN.index("    databases:\n      appdb: {instance_class: db.t4g.micro")
    text = DESIGN[:start] + DESIGN[end:]
    assert error_of(text).endswith(
        "environments.staging.services: no sizing for 'backend'; every service needs a size in every aws environment"
    )


def test_yaml_syntax_error() -> None:
    text = DESIGN.replace("project: acme-agents", "project: [acme-agents")
    assert error_of(text).startswith("design.yaml:")
    assert "YAML syntax error:" in error_of(text)


@pytest.mark.parametrize("text", ["", "   \n# only a comment\n"])
def test_empty_file(text: str) -> None:
    assert error_of(text) in (
        "design.yaml: the file is empty; expected a mapping with at least 'project' and 'environments'",
        "design.yaml: the file holds no document; expected a mapping",
    )


def test_top_level_not_a_mapping() -> None:
    assert error_of("- a\n- b\n") == "design.yaml:1: the top level is a list; expected a mapping"


def test_literal_choice_lists_allowed_values() -> None:
    text = DESIGN.replace("    type: worker\n", "    type: cron\n", 1)
    assert (
        error_of(text)
        == f"design.yaml:{line_of(text, 'type: cron')}: services[1].type: 'cron' is not allowed; expected 'http' or 'worker'"
    )


def test_log_retention_must_be_a_cloudwatch_value() -> None:
    text = DESIGN.replace("log_retention_days: 30", "log_retention_days: 31")
    assert (
        "environments.staging.log_retention_days: 31 is not a CloudWatch Logs retention; allowed: 1, 3, 5, 7"
        in error_of(text)
    )


def test_nat_gateways_cannot_exceed_zones() -> None:
    text = DESIGN.replace("nat_gateways: 1", "nat_gateways: 3")
    assert error_of(text).endswith(
        "environments.staging.nat_gateways: 3 NAT gateways but 2 zones; allowed: 0-2"
    )


def test_cli_prints_one_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(DESIGN.replace("    queue: report-tasks\n", ""))
    out = tmp_path / "cdk.out"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DESIGN_FILE": str(bad), "CDK_OUTDIR": str(out)},
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    worker_line = line_of(bad.read_text(), "- name: agent-report")  # the field is absent: its item's line
    assert lines == [
        f"error: {bad}:{worker_line}: services[2].queue: a worker needs a 'queue' to consume; "
        "defined queues: research-tasks, report-tasks"
    ]
    assert "Traceback" not in proc.stderr
    assert not out.exists() or not any(out.iterdir())
