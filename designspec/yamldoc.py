"""Reads YAML text into plain data and the line of every field path, refusing what a design spec never needs.

One pass over the parser's events (libyaml's when available) builds dicts, tuples and scalars directly: nothing
is parsed twice and nothing is expanded blindly. An alias is not copied; it is counted as the number of values
it stands for, so a document that would expand past MAX_VALUES (a 400-byte "billion laughs" file expands to
hundreds of millions) is refused by arithmetic before anything walks it. Recursive aliases, tags, non-scalar or
duplicate keys, several documents and deep nesting are refused with the line they are on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_CHARS = 1_000_000  # a 60-service design is about 40 kB
MAX_DEPTH = 32  # the model nests 6 levels deep
MAX_VALUES = 100_000  # scalars, lists and mappings after alias expansion; the 60-service design has ~5,000

Loc = tuple[str | int, ...]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser is ~15x faster
_MERGE = "<<"  # YAML 1.1 merge key: `<<: *defaults` copies the keys the mapping does not set itself
_TAG = "tag:yaml.org,2002:"


class YamlRefused(Exception):
    """The text cannot be read as a design spec; `loc` is the field path reached, `line` is 1-based."""

    def __init__(self, loc: Loc, message: str, line: int | None) -> None:
        super().__init__(message)
        self.loc, self.message, self.line = loc, message, line


@dataclass
class _Frame:
    """A mapping or list being read: its items so far and how many values it expands to."""

    loc: Loc
    line: int
    anchor: str | None
    is_map: bool
    items: Any
    size: int = 1
    key: str | None = None  # a mapping's key waiting for its value
    key_line: int = 0
    is_merge: bool = False
    seen: dict[str, int] = field(default_factory=dict)  # key -> line, for duplicate keys
    merges: list[tuple[Any, int]] = field(default_factory=list)

    def child_loc(self) -> Loc:
        if self.is_map:
            return self.loc if self.key is None else (*self.loc, self.key)
        return (*self.loc, len(self.items))


def read_yaml(text: str) -> tuple[Any, dict[Loc, int]]:
    """Plain data (dicts, tuples, str/int/float/bool/None) and the line of every field path YAML wrote out.

    Values reached through an alias have no lines of their own: a path under an alias resolves to the alias
    (see line_of)."""
    if len(text) > MAX_CHARS:
        raise YamlRefused((), f"the file has {len(text):,} characters; at most {MAX_CHARS:,} are read", None)
    reader = _Reader(text)
    try:
        return reader.document(), reader.lines
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, reader.loc()) from None
    finally:
        reader.loader.dispose()


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of `loc`, or of its nearest ancestor the YAML has."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _syntax_error(exc: yaml.YAMLError, text: str, loc: Loc) -> YamlRefused:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    position = getattr(exc, "position", None)  # a ReaderError: a character YAML does not allow
    if line is None and isinstance(position, int):
        line = text.count("\n", 0, position) + 1
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return YamlRefused(loc, f"YAML syntax error: {problem}", line)


class _Reader:
    """Pulls parser events and builds the document; `stack` holds the mappings and lists still open."""

    def __init__(self, text: str) -> None:
        self.loader = _Loader(text)
        self.lines: dict[Loc, int] = {}
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int, int]] = {}  # name -> (value, size, line)
        self.open: dict[str, int] = {}  # anchors of mappings and lists still being read -> line
        self.total = 0

    def loc(self) -> Loc:
        return self.stack[-1].child_loc() if self.stack else ()

    def document(self) -> Any:
        self.loader.get_event()  # StreamStart
        if self.loader.check_event(yaml.StreamEndEvent):
            return None
        self.loader.get_event()  # DocumentStart
        value = self._value()
        self.loader.get_event()  # DocumentEnd
        if not self.loader.check_event(yaml.StreamEndEvent):
            line = self.loader.peek_event().start_mark.line + 1
            raise YamlRefused((), "a second YAML document ('---'); a design spec is one document", line)
        return value

    def _value(self) -> Any:
        """Read one whole value (the document's root), iteratively: nesting never deepens Python's stack."""
        while True:
            event = self.loader.get_event()
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = self.stack.pop()
                value = self._finish(frame)
                if not self.stack:
                    return value
                self._attach(value, frame.size, frame.line)
            elif self.stack and self.stack[-1].is_map and self.stack[-1].key is None:
                self._key(self.stack[-1], event)
            else:
                done = self._node(event)
                if done is not None and not self.stack:
                    return done[0]
                if done is not None:
                    self._attach(done[0], done[1], event.start_mark.line + 1)

    def _node(self, event: Any) -> tuple[Any, int] | None:
        """A scalar or alias: its value and size. A mapping or list start: None (its frame is pushed)."""
        loc, line = self.loc(), event.start_mark.line + 1
        if not self.stack:
            self.lines[()] = line
        if isinstance(event, yaml.AliasEvent):
            return self._alias(event.anchor, loc, line)
        self._refuse_tag(event, loc, line)
        anchor = event.anchor
        if anchor is not None and (anchor in self.anchors or anchor in self.open):
            first = self.anchors[anchor][2] if anchor in self.anchors else self.open[anchor]
            raise YamlRefused(loc, f"anchor &{anchor} is defined twice (first at line {first})", line)
        self._count(1, loc, line)
        if isinstance(event, yaml.ScalarEvent):
            value = self._scalar(event)
            if anchor is not None:
                self.anchors[anchor] = (value, 1, line)
            return value, 1
        if len(self.stack) >= MAX_DEPTH:
            raise YamlRefused(loc, f"nesting deeper than {MAX_DEPTH} levels; a design spec needs 7", line)
        is_map = isinstance(event, yaml.MappingStartEvent)
        if anchor is not None:
            self.open[anchor] = line
        self.stack.append(_Frame(loc, line, anchor, is_map, {} if is_map else []))
        return None

    def _alias(self, anchor: str, loc: Loc, line: int) -> tuple[Any, int]:
        if anchor in self.open:
            raise YamlRefused(
                loc,
                f"alias *{anchor} is inside its own anchor &{anchor} (line {self.open[anchor]}); "
                "a recursive value has no end",
                line,
            )
        if anchor not in self.anchors:
            raise YamlRefused(loc, f"alias *{anchor} has no anchor &{anchor} before it", line)
        value, size, _ = self.anchors[anchor]
        self._count(size, loc, line)
        return value, size

    def _count(self, size: int, loc: Loc, line: int) -> None:
        self.total += size
        if self.total > MAX_VALUES:
            raise YamlRefused(
                loc,
                f"the document expands to more than {MAX_VALUES:,} values (aliases counted as what they "
                "stand for); a design spec needs a few thousand",
                line,
            )

    def _key(self, frame: _Frame, event: Any) -> None:
        line = event.start_mark.line + 1
        if not isinstance(event, yaml.ScalarEvent):
            kind = "an alias" if isinstance(event, yaml.AliasEvent) else "a list or mapping"
            raise YamlRefused(frame.loc, f"a key must be plain text, not {kind}", line)
        self._refuse_tag(event, frame.loc, line)
        key = event.value
        if key in frame.seen:
            raise YamlRefused(
                (*frame.loc, key),
                f"duplicate key (first at line {frame.seen[key]}); keys must be unique",
                line,
            )
        frame.seen[key] = line
        frame.key, frame.key_line = key, line
        frame.is_merge = key == _MERGE and event.implicit[0]  # plain, not the quoted text "<<"

    def _attach(self, value: Any, size: int, line: int) -> None:
        frame = self.stack[-1]
        frame.size += size
        if not frame.is_map:
            self.lines[(*frame.loc, len(frame.items))] = line
            frame.items.append(value)
            return
        assert frame.key is not None
        if frame.is_merge:
            self._merge_source(frame, value)
        else:
            self.lines[(*frame.loc, frame.key)] = frame.key_line
            frame.items[frame.key] = value
        frame.key, frame.is_merge = None, False

    def _merge_source(self, frame: _Frame, value: Any) -> None:
        sources = value if isinstance(value, tuple) else (value,)
        if not all(isinstance(s, dict) for s in sources):
            raise YamlRefused(
                (*frame.loc, _MERGE), "'<<' merges a mapping or a list of mappings", frame.key_line
            )
        frame.merges.extend((s, frame.key_line) for s in sources)

    def _finish(self, frame: _Frame) -> Any:
        if frame.anchor is not None:
            del self.open[frame.anchor]
        if not frame.is_map:
            value: Any = tuple(frame.items)
        else:
            value = frame.items
            for source, line in frame.merges:  # keys set in the mapping win, then earlier sources
                for key, item in source.items():
                    if key not in value:
                        value[key] = item
                        self.lines[(*frame.loc, key)] = line
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (value, frame.size, frame.line)
        return value

    def _refuse_tag(self, event: Any, loc: Loc, line: int) -> None:
        if event.tag is not None:
            tag = event.tag.replace(_TAG, "!!")[:40]
            raise YamlRefused(loc, f"YAML tag {tag!r} is not allowed; a design spec takes plain values", line)

    def _scalar(self, event: Any) -> Any:
        """The scalar YAML 1.1 resolves (null, bool, int, float, text); dates stay text: no field is a date."""
        tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag in (_TAG + "str", _TAG + "timestamp", _TAG + "merge", _TAG + "value"):
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        return self.loader.yaml_constructors[tag](self.loader, node)  # null, bool, int or float
