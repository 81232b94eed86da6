"""Shared file systems (in Storage), schedules (in APIs, Events and Workflows) and scheduled jobs (in Compute):
one row per file system, schedule and job in each environment, every cell a fact of the templates."""

from __future__ import annotations

from docgen.facts import storage_kinds as files
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    fs_rows, schedule_rows, job_rows = [], [], []
    for env in inputs.environments:
        name = inputs.env_name(env)
        fs_rows += [
            [
                name,
                f.name,
                f.encrypted,
                f.throughput,
                f.performance,
                f.lifecycle,
                f.access_points,
                f.mount_targets,
                f.backup,
            ]
            for f in files.file_systems(inputs.index, env)
        ]
        schedule_rows += [
            [name, s.name, s.expression, s.time_zone, s.target, s.retry, s.dead_letter, s.state]
            for s in files.schedules(inputs.index, env)
        ]
        job_rows += [
            [name, j.name, j.family, j.cpu, j.memory, j.architecture, j.expression, j.mounts]
            for j in files.jobs(inputs.index, env)
        ]
    model.tables["file_systems"] = t(
        [
            "Environment",
            "File system",
            "Encrypted",
            "Throughput mode",
            "Performance mode",
            "Lifecycle",
            "Access points",
            "Mount targets",
            "Backup plan",
        ],
        fs_rows,
    )
    model.tables["schedules"] = t(
        [
            "Environment",
            "Schedule of",
            "Expression",
            "Time zone",
            "Target",
            "Retry",
            "Dead-letter queue",
            "State",
        ],
        schedule_rows,
    )
    model.tables["jobs"] = t(
        ["Environment", "Job", "Task Definition", "CPU", "Memory", "Arch", "Schedule", "Mounts"], job_rows
    )
