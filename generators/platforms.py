"""The CI platforms a design can select: per platform its renderer, its checks and its branch-protection file."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from designspec.model import Design
from generators import (
    pipeline_azure,
    pipeline_circleci,
    pipeline_github,
    pipeline_gitlab,
    pipeline_jenkins,
    protection,
)
from generators.pipeline import PIPELINE_FILES, PLATFORM_LABELS, Pipeline

Render = Callable[[Design, Pipeline], str]
Checks = Callable[[Design, Pipeline], list[str]]
Describe = Callable[[Design, Pipeline], dict[str, Any]]
PROTECTION_FILE = "branch-protection.json"


@dataclass(frozen=True)
class Platform:
    id: str
    render: Render
    status_checks: Checks
    describe: Describe
    validated_by: str  # what the project's tests run on the rendered file
    protect: Callable[[Design, Pipeline, list[str]], dict[str, Any]]

    @property
    def folder(self) -> str:
        return PIPELINE_FILES[self.id][1].split("/", 1)[0]


def _on_github(
    platform: str, *, actions: bool = False
) -> Callable[[Design, Pipeline, list[str]], dict[str, Any]]:
    # Jenkins and CircleCI build a repository hosted elsewhere: GitHub here, reporting checks to it.
    return lambda design, p, checks: protection.github(design, p, checks, ci=platform, actions=actions)


PLATFORMS: dict[str, Platform] = {
    "github-actions": Platform(
        "github-actions",
        pipeline_github.render_github,
        pipeline_github.status_checks,
        pipeline_github.describe,
        "actionlint; check-jsonschema --builtin-schema vendor.github-workflows",
        _on_github("github-actions", actions=True),
    ),
    "gitlab-ci": Platform(
        "gitlab-ci",
        pipeline_gitlab.render_gitlab,
        pipeline_gitlab.status_checks,
        pipeline_gitlab.describe,
        "check-jsonschema --builtin-schema vendor.gitlab-ci",
        protection.gitlab,
    ),
    "azure-devops": Platform(
        "azure-devops",
        pipeline_azure.render_azure,
        pipeline_azure.status_checks,
        pipeline_azure.describe,
        "check-jsonschema --builtin-schema vendor.azure-pipelines",
        protection.azure,
    ),
    "jenkins": Platform(
        "jenkins",
        pipeline_jenkins.render_jenkins,
        pipeline_jenkins.status_checks,
        pipeline_jenkins.describe,
        "Groovy's parser (groovy); a structural check of the declarative sections",
        _on_github("jenkins"),
    ),
    "circleci": Platform(
        "circleci",
        pipeline_circleci.render_circleci,
        pipeline_circleci.status_checks,
        pipeline_circleci.describe,
        "check-jsonschema --builtin-schema vendor.circle-ci",
        _on_github("circleci"),
    ),
}


def platform_outputs(design: Design, p: Pipeline) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The selected platforms' files (path under generated/ -> text) and their summaries for pipeline.json."""
    files: dict[str, str] = {}
    summaries: list[dict[str, Any]] = []
    for platform_id in p.platforms:
        platform = PLATFORMS[platform_id]
        checks = platform.status_checks(design, p)
        guard = platform.protect(design, p, checks)
        install, generated = PIPELINE_FILES[platform_id]
        guard_file = f"{platform.folder}/{PROTECTION_FILE}"
        files[generated] = platform.render(design, p)
        files[guard_file] = _json(guard)
        summaries.append(
            {
                "id": platform_id,
                "label": PLATFORM_LABELS[platform_id],
                "primary": platform_id == p.platform,
                "file": install,
                "generated_file": generated,
                "validated_by": platform.validated_by,
                **platform.describe(design, p),
                "status_checks": checks,
                "branch_protection": {
                    "generated_file": guard_file,
                    "host": guard["host"],
                    "enforced_by": guard["enforced_by"],
                    "requests": [f"{r['method']} {r['path']}" for r in guard["requests"]],
                    "placeholders": sorted(guard["placeholders"]),
                },
            }
        )
    return files, summaries


def _json(data: object) -> str:
    return json.dumps(data, indent=2) + "\n"
