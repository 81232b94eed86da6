"""A fact is a value with the places it was read from: a template property, a manifest entry, a data file key,
a generated file. Every table cell, diagram label and checklist line of the doc is built from facts, so the
doc's source map can name, for each, where a reader can check it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from docgen.assembly import intrinsics
from docgen.assembly.model import TAG_PROPERTIES, Resource

MISSING: Any = object()


@dataclass(frozen=True)
class Source:
    """Where a value was read. `file` is relative to the cloud assembly root (templates, manifests) or to the
    repository (data and generated files); `pointer` is an RFC 6901 JSON pointer into that file (YAML data
    files are read as the JSON they parse to); `value` is what was there. A `count` source counts the
    resources of a CloudFormation type (`pointer` = "<environment>:<type>") and `value` is the count; a `keys`
    source counts the keys of the mapping at `pointer` (a template's resources).
    A `resource` source records that a resource exists (`pointer` = "/Resources/<logical id>")."""

    kind: str  # template | resource | count | keys | manifest | data | generated
    file: str
    pointer: str
    value: Any = None


@dataclass(frozen=True)
class Fact:
    value: Any
    text: str
    sources: tuple[Source, ...] = ()

    def __str__(self) -> str:
        return self.text


def escape_pointer(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def pointer_of(logical_id: str, path: Sequence[str | int]) -> str:
    return "/Resources/" + "/".join(escape_pointer(p) for p in (logical_id, *path))


def dig(value: Any, path: Sequence[str | int]) -> Any:
    """The value at `path` inside nested dicts and lists, or MISSING."""
    for part in path:
        if (isinstance(value, dict) and part in value) or (
            isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
        ):
            value = value[part]
        else:
            return MISSING
    return value


def prop(
    resource: Resource,
    *path: str | int,
    default: Any = MISSING,
    fmt: Callable[[Any], str] | None = None,
) -> Fact:
    """A property of a resource (path below `Properties`), formatted by `fmt` (default `str`).

    When the property is absent, the fact records the resource itself and carries `default`: CloudFormation's
    (or the service's) default for a property the template leaves out.
    """
    value = dig(resource.properties, path)
    if value is MISSING:
        value = None if default is MISSING else default
        source = Source("resource", resource.template, pointer_of(resource.logical_id, ()), None)
    else:
        source = Source(
            "template", resource.template, pointer_of(resource.logical_id, ("Properties", *path)), value
        )
    return Fact(value, (fmt or _text)(value), (source,))


def meta(
    resource: Resource, *path: str | int, default: Any = None, fmt: Callable[[Any], str] | None = None
) -> Fact:
    """A value of the resource's template `Metadata` (what the stacks record for docgen, e.g. a dashboard's kind)."""
    value = dig(resource.metadata, path)
    if value is MISSING:
        return Fact(default, (fmt or _text)(default), (resource_source(resource),))
    source = Source(
        "template", resource.template, pointer_of(resource.logical_id, ("Metadata", *path)), value
    )
    return Fact(value, (fmt or _text)(value), (source,))


def of_type(resource: Resource, fmt: Callable[[str], str] | None = None) -> Fact:
    """The resource's CloudFormation type."""
    source = Source("template", resource.template, pointer_of(resource.logical_id, ("Type",)), resource.type)
    return Fact(resource.type, (fmt or _text)(resource.type), (source,))


def exists(resource: Resource, text: str, value: Any = None) -> Fact:
    """A fact that holds because `resource` is in the template (its name, its kind, its being there)."""
    return Fact(value if value is not None else text, text, (resource_source(resource),))


def resource_source(resource: Resource) -> Source:
    return Source("resource", resource.template, pointer_of(resource.logical_id, ()), None)


def tag(resource: Resource, key: str, default: str = "-") -> Fact:
    """A tag's value, from whichever tag property of the template carries it."""
    for name in TAG_PROPERTIES:
        raw = resource.properties.get(name)
        if isinstance(raw, list):
            for i, item in enumerate(raw):
                if isinstance(item, dict) and item.get("Key") == key:
                    src = Source(
                        "template",
                        resource.template,
                        pointer_of(resource.logical_id, ("Properties", name, i, "Value")),
                        item.get("Value"),
                    )
                    return Fact(item.get("Value"), _text(item.get("Value")), (src,))
        elif isinstance(raw, dict) and key in raw:
            src = Source(
                "template",
                resource.template,
                pointer_of(resource.logical_id, ("Properties", name, key)),
                raw[key],
            )
            return Fact(raw[key], _text(raw[key]), (src,))
    if key in resource.tags:  # from the construct tree (types whose template carries no tag property)
        return Fact(resource.tags[key], resource.tags[key], (resource_source(resource),))
    return Fact(None, default, (resource_source(resource),))


def derived(value: Any, text: str, inputs: Iterable[Fact | Source]) -> Fact:
    """A value computed from other facts (a sum, a product, a choice of words): their sources are its own."""
    sources: list[Source] = []
    seen: set[Source] = set()  # a list alone made this quadratic: a total over sixty services has hundreds
    for item in inputs:
        for source in item.sources if isinstance(item, Fact) else (item,):
            try:
                if source in seen:
                    continue
                seen.add(source)
            except TypeError:  # a value JSON gave as a list or dict: not hashable, compared one by one
                if source in sources:
                    continue
            sources.append(source)
    return Fact(value, text, tuple(sources))


def count(environment: str, cfn_type: str, resources: Sequence[Resource], text: str | None = None) -> Fact:
    """How many resources of `cfn_type` the environment has (the count is the source: re-countable)."""
    n = sum(1 for r in resources if r.type == cfn_type and r.environment == environment)
    return Fact(
        n, text if text is not None else str(n), (Source("count", "", f"{environment}:{cfn_type}", n),)
    )


def join(
    facts: Sequence[Fact], sep: str = ", ", empty: str = "-", *, none: Fact | Resource | None = None
) -> Fact:
    """The facts as one, their texts joined; with none of them, `empty` read from `none` (the resource or
    fact whose lack of them it states: e.g. the service that has no scaling policy)."""
    if not facts:
        where = resource_source(none) if isinstance(none, Resource) else None
        sources = (where,) if where else (none.sources if isinstance(none, Fact) else ())
        return Fact(None, empty, sources)
    return derived([f.value for f in facts], sep.join(f.text for f in facts), facts)


# --- formatting for people ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, Decimal)):
        return number(value)
    return intrinsics.text(value)


def number(value: Any) -> str:
    """A number as people read it: thousands grouped, no exponent, no trailing zeros (2,147,483,648; 0.05)."""
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if not d.is_finite():
        return str(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    text = format(d.normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{int(whole):,}.{frac}" if whole not in ("-0",) else text


def counted(n: int, word: str, plural: str | None = None) -> str:
    """`1 alarm`, `40 alarms`, `2 caches`: a count with its noun as people write it."""
    if n == 1:
        return f"1 {word}"
    return f"{n:,} {plural or (word + 'es' if word.endswith(('s', 'sh', 'ch', 'x')) else word + 's')}"


def yes_no(value: Any) -> str:
    return "yes" if value is True or str(value).lower() == "true" else "no"


def days(value: Any) -> str:
    return "-" if value is None else f"{number(value)} d"


def mib(value: Any) -> str:
    return "-" if value is None else f"{number(value)} MiB"


def gib_from_mib(value: Any) -> str:
    return "-" if value is None else f"{number(Decimal(str(value)) / 1024)} GiB"


def vcpu_from_units(value: Any) -> str:
    return "-" if value is None else f"{number(Decimal(str(value)) / 1024)} vCPU"


def percent(value: Any) -> str:
    return "-" if value is None else f"{number(value)} %"


def seconds(value: Any) -> str:
    return "-" if value is None else f"{number(value)} s"
