"""Delivery settings of the designed application: its CI/CD platform and pipeline options."""

from __future__ import annotations

from typing import Literal

from designspec.base import Strict


class CiSpec(Strict):
    platform: Literal["github-actions", "gitlab-ci"] = "github-actions"
    default_branch: str = "main"
