"""The docgen command line: regenerate the design doc (create or update), check it, and print cost estimates."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from docgen.assembly_cache import ensure_assembly
from docgen.errors import DocgenError
from docgen.writer import read_text, same_content, unified_diff, write_atomic

DOC = Path("design-docs/60-infrastructure.md")
PICTURE = Path("design-docs/60-infrastructure-architecture.png")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m docgen", description=__doc__)
    p.add_argument("command", nargs="?", choices=["doc", "cost"], default="doc")
    p.add_argument("--design", type=Path, default=Path("design.yaml"), help="design spec the assembly is built from")
    p.add_argument("--cdk-out", type=Path, default=Path("cdk.out"), help="cloud assembly directory")
    p.add_argument("--no-synth", action="store_true", help="use --cdk-out as it is; never synthesize")
    p.add_argument("--doc", type=Path, default=DOC, help="the design doc to write")
    p.add_argument("--template", type=Path, default=Path("design-templates/design-doc-template-infrastructure.md"))
    p.add_argument("--generated", type=Path, default=Path("generated"), help="compose/pipeline files from generators")
    p.add_argument("--check", action="store_true", help="exit 1 with a diff when the doc on disk is stale")
    p.add_argument("--force", action="store_true", help="overwrite generated regions that were edited by hand")
    p.add_argument("--no-picture", action="store_true", help="skip the diagrams-package PNG")
    p.add_argument("--format", choices=["table", "json"], default="table", help="cost output format")
    p.add_argument("--compare", type=Path, help="cost: another cdk.out to compare against (monthly delta)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "cost":
            return cost_command(args)
        return doc_command(args)
    except DocgenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


def load_assembly(args: argparse.Namespace) -> Any:
    from docgen.reader import read_assembly

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


def estimate_for(assembly: Any) -> Any:
    from collections import Counter

    from docgen.cost import estimate, load_catalogue, load_usage

    region = Counter(s.region for s in assembly.stacks).most_common(1)[0][0] if assembly.stacks else "us-east-1"
    return estimate(assembly.resources, load_catalogue(region), load_usage())


def render_doc(args: argparse.Namespace, assembly: Any, picture: str | None) -> str:
    from docgen import docmodel, render

    compose, pipeline = generated_inputs(args.generated)
    model = docmodel.build(assembly, compose=compose, pipeline=pipeline, estimate=estimate_for(assembly),
                           picture=picture)
    return render.render(model, args.template)


def doc_command(args: argparse.Namespace) -> int:
    from docgen import regions, render

    assembly = load_assembly(args)
    picture = _picture(args, assembly)
    fresh = render_doc(args, assembly, picture)
    if args.doc.exists():
        existing = read_text(args.doc)
        generated = render.generated_regions(fresh, str(args.template))
        wanted = regions.merge(existing, generated, source=str(args.doc), force=args.force, order=list(generated))
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
        from docgen.picture import draw_architecture

        env = sorted(assembly.environments, key=lambda e: (e != "prod", e))[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        draw_architecture(assembly, env, target)
    return target.name


def cost_command(args: argparse.Namespace) -> int:
    from docgen.cost import format_money

    assembly = load_assembly(args)
    est = estimate_for(assembly)
    if args.compare:
        from docgen.reader import read_assembly

        return _compare(est, estimate_for(read_assembly(args.compare)), args.format)
    if args.format == "json":
        print(json.dumps(_cost_json(est), indent=2, sort_keys=True))
        return 0
    for env in sorted(est.environments):
        total = est.total(env)
        print(f"{env}: {format_money(total.monthly)} USD/month "
              f"(range {format_money(total.monthly_min)}–{format_money(total.monthly_max)})")
        for r in est.by_aws_service():
            if r.environment == env:
                print(f"  {r.key:<28} {format_money(r.totals.monthly):>12}")
        for line in est.unpriced(env):
            print(f"  unpriced: {line.path} ({line.resource_type})")
    return 0


def _cost_json(est: Any) -> dict[str, Any]:
    return {
        "environments": {env: {"expected": str(est.total(env).monthly), "min": str(est.total(env).monthly_min),
                               "max": str(est.total(env).monthly_max)} for env in sorted(est.environments)},
        "lines": [{"environment": line.environment, "path": line.path, "type": line.resource_type,
                   "service": line.service, "aws_service": line.aws_service, "status": line.status,
                   "monthly": str(line.monthly), "min": str(line.monthly_min), "max": str(line.monthly_max),
                   "arithmetic": line.arithmetic} for line in est.lines],
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
            rows.append({"environment": key[0], "path": key[1], "before": str(before.get(key, Decimal(0))),
                         "after": str(after.get(key, Decimal(0))), "delta": str(delta)})
    if fmt == "json":
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"{row['environment']:<10} {row['path']:<70} {format_money(Decimal(row['delta'])):>10}")
    total = sum((Decimal(r["delta"]) for r in rows), Decimal(0))
    print(f"total monthly delta: {format_money(total)} USD")
    return 0
