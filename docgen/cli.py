"""The docgen command line: regenerate the design doc (create or update), check it, and print cost estimates.

Two ways to call it:

- `python -m docgen [--check]` regenerates the doc's generated regions (plain output, exit 0 or 1);
- `python -m docgen --context FILE|-` (or `--mode/--seq/--short-name/--requirements/--existing-doc`) runs one
  orchestrator work item with the specification's protocol: start line, log entry, Task Result, end line;
  exit 0 complete, 3 blocked, 1 failed (see docgen/workitem.py and docgen/protocol.py).

`python -m docgen diff [--seq N]` prints what changed since a recorded work item, resource by resource.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from docgen.assembly.cache import ensure_assembly
from docgen.errors import DocgenError
from docgen.output.writer import read_text, same_content, unified_diff, write_atomic

DOC = Path("design-docs/60-infrastructure.md")
PICTURE = Path("design-docs/60-infrastructure-architecture.png")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m docgen", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("command", nargs="?", choices=["doc", "cost", "diff"], default="doc")
    p.add_argument(
        "--design", type=Path, default=Path("design.yaml"), help="design spec the assembly is built from"
    )
    p.add_argument("--cdk-out", type=Path, default=Path("cdk.out"), help="cloud assembly directory")
    p.add_argument("--no-synth", action="store_true", help="use --cdk-out as it is; never synthesize")
    p.add_argument("--doc", type=Path, default=None, help=f"the design doc to write (default {DOC})")
    p.add_argument(
        "--template", type=Path, default=Path("design-templates/design-doc-template-infrastructure.md")
    )
    p.add_argument(
        "--generated", type=Path, default=Path("generated"), help="compose/pipeline files from generators"
    )
    p.add_argument("--check", action="store_true", help="exit 1 with a diff when the doc on disk is stale")
    p.add_argument(
        "--force", action="store_true", help="overwrite generated regions that were edited by hand"
    )
    p.add_argument("--no-picture", action="store_true", help="skip the diagrams-package PNG")
    p.add_argument("--format", choices=["table", "json"], default="table", help="cost output format")
    p.add_argument("--compare", type=Path, help="cost: another cdk.out to compare against (monthly delta)")
    p.add_argument(
        "--inventory", type=Path, help="per-seq resource inventories (default: <doc folder>/inventory)"
    )
    p.add_argument(
        "--targets", type=Path, help="requirement targets file (default: <doc folder>/requirements.yaml)"
    )
    work = p.add_argument_group("work item (the orchestrator's invocation context; flags override --context)")
    work.add_argument(
        "--context", metavar="FILE", help="the invocation context YAML; `-` reads standard input"
    )
    work.add_argument("--mode", help="create | update")
    work.add_argument("--seq", help="the work item's sequence number (diff: the baseline seq)")
    work.add_argument("--short-name", help="the work item's short name (a slug)")
    work.add_argument(
        "--requirements",
        action="append",
        metavar="IDS",
        help="requirement ids, comma or space separated; repeatable",
    )
    work.add_argument("--existing-doc", help="the doc to update (mode update)")
    return p


def is_work_item(args: argparse.Namespace) -> bool:
    given = (args.context, args.mode, args.short_name, args.requirements, args.existing_doc)
    return args.command == "doc" and (any(v is not None for v in given) or args.seq is not None)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if is_work_item(args):
        from docgen.workitem import run as workitem

        def write(text: str) -> None:
            sys.stdout.write(text)
            sys.stdout.flush()

        return workitem.main(args, write)
    args.doc = args.doc if args.doc is not None else DOC
    try:
        if args.command == "cost":
            return cost_command(args)
        if args.command == "diff":
            return diff_command(args)
        return doc_command(args)
    except DocgenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # anything else: one line and a log file, never a traceback (exit 3)
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    """An assembly of a shape docgen does not expect (or a bug): the traceback goes to a log file."""
    import tempfile
    import traceback

    with tempfile.NamedTemporaryFile("w", prefix="docgen-", suffix=".log", delete=False) as log:
        traceback.print_exception(exc, file=log)
    print(
        f"error: unexpected {type(exc).__name__} while reading the assembly or rendering the doc: {exc}; "
        f"nothing was written; details in {log.name}",
        file=sys.stderr,
    )
    return 3


def load_assembly(args: argparse.Namespace) -> Any:
    from docgen.assembly.reader import read_assembly

    ensure_assembly(Path.cwd(), args.cdk_out, args.design, synth=not args.no_synth)
    return read_assembly(args.cdk_out)


def generated_inputs(folder: Path) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    compose = pipeline = None
    try:
        if (folder / "docker-compose.yml").exists():
            compose = yaml.safe_load((folder / "docker-compose.yml").read_text())
        if (folder / "pipeline.json").exists():
            pipeline = json.loads((folder / "pipeline.json").read_text())
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise DocgenError(f"cannot read generated files in {folder}: {exc}; rerun `make generate`") from None
    return compose, pipeline


def usage_for(assembly: Any) -> Any:
    """Usage assumptions: the defaults file, then each environment's overrides from its design spec, which
    the stacks carry in the Observability stack's template metadata (docgen never reads the spec)."""
    from docgen.cost import load_usage

    overrides = {
        s.environment: dict(s.metadata.get("CostUsage") or {})
        for s in assembly.stacks
        if s.construct_path.endswith("/Observability") and s.metadata.get("CostUsage")
    }
    return load_usage(overrides or None)


def estimate_for(assembly: Any, usage: Any = None) -> Any:
    from collections import Counter

    from docgen.cost import estimate, load_catalogue

    region = (
        Counter(s.region for s in assembly.stacks).most_common(1)[0][0] if assembly.stacks else "us-east-1"
    )
    return estimate(assembly.resources, load_catalogue(region), usage or usage_for(assembly))


def design_model(
    args: argparse.Namespace, assembly: Any, picture: str | None, targets: Mapping[str, Any]
) -> tuple[Any, Any, list[Any]]:
    """The doc model with the traceability matrix and the requirement verification added."""
    from docgen.sections import build as docmodel
    from docgen.verify import traceability, verification

    compose, pipeline = generated_inputs(args.generated)
    usage = usage_for(assembly)
    model = docmodel.build(
        assembly,
        compose=compose,
        pipeline=pipeline,
        estimate=estimate_for(assembly, usage),
        picture=picture,
        usage=usage,
    )
    traces = traceability.build(assembly, model.environments)
    checked = verification.verify(assembly, targets, model.environments)
    summaries = {t.requirement: checked.summary(t.requirement) for t in traces}
    model.tables["traceability"] = docmodel.t(traceability.HEADERS, traceability.rows(traces, summaries))
    for name, (headers, rows) in verification.tables(checked).items():
        model.tables[name] = docmodel.t(headers, rows)
    model.text["production"] = checked.production
    return model, checked, traces


def targets_path(args: argparse.Namespace) -> Path:
    return args.targets if args.targets is not None else args.doc.parent / "requirements.yaml"


def render_doc(args: argparse.Namespace, assembly: Any, picture: str | None) -> str:
    from docgen.render import template as render
    from docgen.workitem.invocation import load_targets

    model, _, _ = design_model(args, assembly, picture, load_targets(targets_path(args)))
    return render.render(model, args.template)


def generated_with_seq_sections(existing: str, fresh: str, args: argparse.Namespace) -> dict[str, str]:
    """The template's regions, plus the Seq sections of work items already in the doc, kept as they are."""
    from docgen.output import regions
    from docgen.render import template as render
    from docgen.workitem.run import SEQ_REGION

    generated = render.generated_regions(fresh, str(args.template))
    for region in regions.parse(existing, source=str(args.doc)).regions:
        if SEQ_REGION.fullmatch(region.name):
            generated.setdefault(region.name, region.body)
    return generated


def doc_command(args: argparse.Namespace) -> int:
    from docgen.output import regions
    from docgen.render import template as render

    assembly = load_assembly(args)
    picture = _picture(args, assembly)
    fresh = render_doc(args, assembly, picture)
    if args.doc.exists():
        existing = read_text(args.doc)
        template_order = list(render.generated_regions(fresh, str(args.template)))
        generated = generated_with_seq_sections(existing, fresh, args)
        wanted = regions.merge(
            existing, generated, source=str(args.doc), force=args.force, order=template_order
        )
    else:
        existing, wanted = "", fresh
    if args.check:
        if args.doc.exists() and same_content(existing, wanted):
            print(f"{args.doc} is up to date")
            return 0
        print(unified_diff(existing, wanted, str(args.doc)) or f"{args.doc} does not exist")
        print(f"error: {args.doc} is stale: run `python -m docgen` and commit the result", file=sys.stderr)
        return 1
    if existing != wanted:
        args.doc.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(args.doc, wanted)
        print(f"wrote {args.doc}")
    else:
        print(f"{args.doc} unchanged")
    return 0


def _picture(args: argparse.Namespace, assembly: Any) -> str | None:
    """Draws the AWS-icon picture beside the doc (not in --check: its bytes are not compared)."""
    if args.no_picture or not assembly.environments:
        return None
    target = args.doc.parent / PICTURE.name
    if not args.check:
        from docgen.render.picture import draw_architecture

        env = sorted(assembly.environments, key=lambda e: (e != "prod", e))[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        draw_architecture(assembly, env, target)
    return target.name


def diff_command(args: argparse.Namespace) -> int:
    """What the current design adds, changes and removes since a recorded work item (default: the latest)."""
    from docgen.workitem import inventory, seqdiff

    folder = args.inventory if args.inventory is not None else args.doc.parent / "inventory"
    recorded = inventory.recorded(folder)
    if not recorded:
        raise DocgenError(
            f"no inventory in {folder}: record a work item first (python -m docgen --context FILE)"
        )
    if args.seq is not None:
        if not str(args.seq).isdigit() or int(args.seq) not in recorded:
            known = ", ".join(str(n) for n in recorded)
            raise DocgenError(f"--seq {args.seq}: no inventory for it in {folder} (recorded seqs: {known})")
        number = int(args.seq)
    else:
        number = max(recorded)
    base = inventory.load(recorded[number])
    assembly = load_assembly(args)
    current = inventory.build(assembly, seq=number, short_name=str(base.get("short_name", "")))
    changes = seqdiff.diff(base, current)
    if args.format == "json":
        print(
            json.dumps(
                [
                    {
                        "environment": c.environment,
                        "change": c.change,
                        "path": c.key,
                        "type": c.type,
                        "component": c.component,
                        "logical_id": c.logical_id,
                        "changed_properties": list(c.changed_keys),
                    }
                    for c in changes
                ],
                indent=2,
            )
        )
        return 0
    print(seqdiff.text_report(changes, f"seq {number} ({recorded[number]})"), end="")
    return 0


def cost_command(args: argparse.Namespace) -> int:
    from docgen.cost import format_money

    assembly = load_assembly(args)
    est = estimate_for(assembly)
    if args.compare:
        from docgen.assembly.reader import read_assembly

        return _compare(est, estimate_for(read_assembly(args.compare)), args.format)
    if args.format == "json":
        print(json.dumps(_cost_json(est), indent=2, sort_keys=True))
        return 0
    for env in sorted(est.environments):
        total = est.total(env)
        print(
            f"{env}: {format_money(total.monthly)} USD/month "
            f"(range {format_money(total.monthly_min)}–{format_money(total.monthly_max)})"
        )
        for r in est.by_aws_service():
            if r.environment == env:
                print(f"  {r.key:<28} {format_money(r.totals.monthly):>12}")
        for line in est.unpriced(env):
            print(f"  unpriced: {line.path} ({line.resource_type})")
    return 0


def _cost_json(est: Any) -> dict[str, Any]:
    return {
        "environments": {
            env: {
                "expected": str(est.total(env).monthly),
                "min": str(est.total(env).monthly_min),
                "max": str(est.total(env).monthly_max),
            }
            for env in sorted(est.environments)
        },
        "lines": [
            {
                "environment": line.environment,
                "path": line.path,
                "type": line.resource_type,
                "service": line.service,
                "aws_service": line.aws_service,
                "status": line.status,
                "monthly": str(line.monthly),
                "min": str(line.monthly_min),
                "max": str(line.monthly_max),
                "arithmetic": line.arithmetic,
            }
            for line in est.lines
        ],
    }


def _compare(new: Any, old: Any, fmt: str) -> int:
    from decimal import Decimal

    from docgen.cost import format_money

    before = {(line.environment, line.path): line.monthly for line in old.lines}
    after = {(line.environment, line.path): line.monthly for line in new.lines}
    rows = []
    for key in sorted(set(before) | set(after)):
        delta = after.get(key, Decimal(0)) - before.get(key, Decimal(0))
        if delta:
            rows.append(
                {
                    "environment": key[0],
                    "path": key[1],
                    "before": str(before.get(key, Decimal(0))),
                    "after": str(after.get(key, Decimal(0))),
                    "delta": str(delta),
                }
            )
    if fmt == "json":
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"{row['environment']:<10} {row['path']:<70} {format_money(Decimal(row['delta'])):>10}")
    total = sum((Decimal(r["delta"]) for r in rows), Decimal(0))
    print(f"total monthly delta: {format_money(total)} USD")
    return 0
