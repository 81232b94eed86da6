"""What every section builds from: the assembly's index and environments, and the optional extra inputs
(generated compose file and pipeline, the cost estimate and its usage assumptions)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docgen.assembly.model import Assembly
from docgen.facts import environments as envs
from docgen.facts.fact import Fact, Source, dig
from docgen.facts.index import Index


@dataclass
class SectionInputs:
    assembly: Assembly
    index: Index
    compose: Mapping[str, Any] | None = None  # generated/compose.json
    pipeline: Mapping[str, Any] | None = None  # generated/pipeline.json
    generated_dir: str = "generated"
    estimate: Any = None
    usage: Any = None
    root: Path = Path(".")  # the repository: runbooks and design docs the doc links to are looked up here
    doc_dir: Path = Path("design-docs")  # the doc's folder: links are relative to it
    _envs: dict[str, envs.EnvironmentFacts] = field(default_factory=dict)

    @property
    def environments(self) -> list[str]:
        return self.index.environments

    @property
    def production(self) -> str:
        return self.index.production

    def env(self, name: str) -> envs.EnvironmentFacts:
        if name not in self._envs:
            self._envs[name] = envs.environment(self.index, name)
        return self._envs[name]

    def env_name(self, name: str) -> Fact:
        return self.env(name).name

    def generated(self, file: str, *path: str | int, fmt: Any = None) -> Fact:
        """A value of a generated file (compose.json, pipeline.json) with its source."""
        data = {"compose.json": self.compose, "pipeline.json": self.pipeline}.get(file)
        value = dig(data, path) if data is not None else None
        pointer = "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)
        text = (
            fmt(value)
            if fmt
            else (
                "-"
                if value in (None, "", [])
                else ", ".join(map(str, value))
                if isinstance(value, list)
                else str(value)
            )
        )
        return Fact(value, text, (Source("generated", f"{self.generated_dir}/{file}", pointer, value),))
