"""The Mermaid renderer used by the doc tests really renders, and really fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mermaid_render import mermaid_blocks, render_many, render_mermaid

pytestmark = pytest.mark.render

VALID_FLOWCHART = """\
flowchart LR
  user["Internet user"]
  subgraph vpc["VPC 10.0.0.0/16"]
    subgraph public["Public subnets"]
      alb["Application Load Balancer"]
    end
    subgraph private["Private subnets"]
      svc["ECS Fargate service"]
      db[("Aurora PostgreSQL")]
    end
  end
  user -->|HTTPS 443| alb
  alb -->|HTTP 8080| svc
  svc -->|TCP 5432| db
"""

INVALID_FLOWCHART = """\
flowchart LR
  a["Load balancer"] -->-->> [[[ b
"""

LABELS = [
    "Internet user",
    "VPC 10.0.0.0/16",
    "Public subnets",
    "Private subnets",
    "Application Load Balancer",
    "ECS Fargate service",
    "Aurora PostgreSQL",
    "HTTPS 443",
    "HTTP 8080",
    "TCP 5432",
]


def test_valid_flowchart_renders_svg_with_its_labels(tmp_path: Path) -> None:
    svg = render_mermaid(VALID_FLOWCHART, tmp_path, name="network")

    assert svg == tmp_path / "network.svg"
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text
    missing = [label for label in LABELS if label not in text]
    assert not missing, f"labels missing from the SVG: {missing}"
    assert (tmp_path / "network.mmd").read_text(encoding="utf-8") == VALID_FLOWCHART


def test_invalid_flowchart_raises_assertion_error_with_mmdc_stderr(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match=r"(?i)parse error"):
        render_mermaid(INVALID_FLOWCHART, tmp_path, name="broken")
    assert not (tmp_path / "broken.svg").exists()


def test_render_many_renders_each_diagram_in_one_run(tmp_path: Path) -> None:
    second = 'flowchart TD\n  q["Queue orders"] --> w["Worker pool"]\n'
    svgs = render_many({"network": VALID_FLOWCHART, "queue": second}, tmp_path)

    assert list(svgs) == ["network", "queue"]
    network = svgs["network"].read_text(encoding="utf-8")
    queue = svgs["queue"].read_text(encoding="utf-8")
    assert "Application Load Balancer" in network and "Worker pool" not in network
    assert "Worker pool" in queue and "Application Load Balancer" not in queue


def test_render_many_names_the_diagram_that_fails(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match=r"'broken'[\s\S]*(?i:parse error)"):
        render_many({"network": VALID_FLOWCHART, "broken": INVALID_FLOWCHART}, tmp_path)


def test_mermaid_blocks_extracts_only_mermaid_fences() -> None:
    markdown = (
        "# Design\n\n"
        "```mermaid\nflowchart LR\n  a --> b\n```\n\n"
        "```python\nprint('```mermaid')\n```\n\n"
        "````markdown\n```mermaid\nflowchart LR\n  quoted --> ignored\n```\n````\n\n"
        "~~~ Mermaid\nsequenceDiagram\n  A->>B: hi\n~~~\n"
    )
    assert mermaid_blocks(markdown) == [
        "flowchart LR\n  a --> b\n",
        "sequenceDiagram\n  A->>B: hi\n",
    ]
