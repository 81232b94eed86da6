"""Storage: the S3 buckets with their encryption, versioning, expiry and public-access blocks."""

from __future__ import annotations

from docgen.facts import data
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    rows = []
    for env in inputs.environments:
        name = inputs.env_name(env)
        rows += [
            [name, b.name, b.purpose, b.encryption, b.versioned, b.expiry, b.public_access_blocked]
            for b in data.buckets(inputs.index, env)
        ]
    model.tables["buckets"] = t(
        ["Environment", "Owner", "Bucket", "Encryption", "Versioned", "Expiry", "Public access blocked"], rows
    )
