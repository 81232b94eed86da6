"""A structural reader of declarative Jenkinsfiles: blocks as a tree, and the rules of the declarative syntax.

Groovy's own parser (the `groovy` package) proves the file is valid Groovy; this checks what Groovy cannot:
that the blocks sit where Jenkins' declarative pipeline accepts them (the directives of the Pipeline Syntax
reference, jenkins.io/doc/book/pipeline/syntax).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

PIPELINE_SECTIONS = {"agent", "options", "parameters", "stages", "post", "environment", "triggers", "tools"}
STAGE_DIRECTIVES = {
    "agent", "when", "input", "options", "environment", "tools", "post", "steps", "parallel", "stages",
    "matrix", "failFast",
}  # fmt: skip
STAGE_BODIES = {"steps", "parallel", "stages", "matrix"}
WHEN_CONDITIONS = {
    "branch", "tag", "buildingTag", "changeRequest", "expression", "allOf", "anyOf", "not", "triggeredBy",
    "environment", "equals", "changelog", "changeset", "beforeInput", "beforeAgent", "beforeOptions",
}  # fmt: skip
POST_CONDITIONS = {
    "always", "changed", "fixed", "regression", "aborted", "failure", "success", "unstable", "unsuccessful",
    "cleanup",
}  # fmt: skip
INPUT_FIELDS = {"message", "id", "ok", "submitter", "submitterParameter", "parameters"}
GROOVY_ONLY = {"try", "if", "for", "while", "def", "else", "finally", "catch"}  # need a `script` block


@dataclass
class Node:
    head: str  # the text before `{` (or the whole statement of a leaf)
    children: list[Node] | None = None  # None: a leaf statement
    line: int = 0

    @property
    def keyword(self) -> str:
        match = re.match(r"[A-Za-z_]\w*", self.head)
        return match.group(0) if match else self.head

    @property
    def argument(self) -> str | None:
        """The string argument of `stage('Build')` and the like."""
        match = re.match(r"\w+\(\s*'((?:[^'\\]|\\.)*)'\s*\)$", self.head)
        return match.group(1) if match else None

    def blocks(self, keyword: str) -> list[Node]:
        return [c for c in self.children or [] if c.children is not None and c.keyword == keyword]

    def block(self, keyword: str) -> Node | None:
        found = self.blocks(keyword)
        return found[0] if found else None

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children or []:
            yield from child.walk()

    def text(self) -> str:
        """Every statement under this node, joined (for `in` checks on scripts)."""
        return "\n".join(n.head for n in self.walk())


_TOKEN = re.compile(
    r"(?P<comment>//[^\n]*|/\*.*?\*/)"
    r"|(?P<string>'''(?:[^\\]|\\.)*?'''|\"\"\"(?:[^\\]|\\.)*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\")"
    r"|(?P<open>\{)|(?P<close>\})|(?P<end>[\n;])|(?P<other>[^'\"{}\n;/]+|/)",
    re.S,
)


def parse(text: str) -> list[Node]:
    """The file's top-level statements as a tree of blocks; raises ValueError on unbalanced braces."""
    root: list[Node] = []
    stack: list[list[Node]] = [root]
    current, line, start = "", 1, 1
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group(0)
        if kind == "open":
            children: list[Node] = []
            stack[-1].append(Node(current.strip(), children, start))
            stack.append(children)
            current = ""
        elif kind in ("close", "end"):
            if current.strip():
                stack[-1].append(Node(current.strip(), None, start))
            current = ""
            if kind == "close":
                if len(stack) == 1:
                    raise ValueError(f"line {line}: '}}' closes nothing")
                stack.pop()
        elif kind != "comment":
            if not current.strip():
                start = line
            current += value
        line += value.count("\n")
    if len(stack) != 1:
        raise ValueError(f"{len(stack) - 1} block(s) never closed")
    return root


def problems(text: str) -> list[str]:
    """Where the file breaks the declarative syntax; empty when every section sits where Jenkins wants it."""
    try:
        top = parse(text)
    except ValueError as exc:
        return [str(exc)]
    pipelines = [n for n in top if n.keyword == "pipeline" and n.children is not None]
    if len(pipelines) != 1 or len(top) != 1:
        return ["the file must hold exactly one `pipeline { }` block and nothing else"]
    pipeline = pipelines[0]
    out = [f"line {c.line}: `{c.keyword}` is not a pipeline section" for c in pipeline.children or []
           if c.keyword not in PIPELINE_SECTIONS]  # fmt: skip
    if not pipeline.block("agent") and not any(c.head.startswith("agent ") for c in pipeline.children or []):
        out.append("the pipeline has no top-level `agent`")
    stages = pipeline.block("stages")
    if stages is None:
        return [*out, "the pipeline has no `stages`"]
    out += _stages(stages)
    for post in [n for n in pipeline.walk() if n.keyword == "post" and n.children is not None]:
        out += [f"line {c.line}: `{c.keyword}` is not a post condition" for c in post.children or []
                if c.keyword not in POST_CONDITIONS]  # fmt: skip
    return out


def _stages(stages: Node) -> list[str]:
    out = []
    for stage in stages.children or []:
        if stage.keyword != "stage" or stage.argument is None or stage.children is None:
            out.append(f"line {stage.line}: `{stage.head}` in `stages` is not a stage('name') {{ }}")
            continue
        out += _stage(stage)
    return out


def _stage(stage: Node) -> list[str]:
    where = f"line {stage.line}: stage '{stage.argument}'"
    directives = [c for c in stage.children or []]
    out = [
        f"{where}: `{c.keyword}` is not a stage directive"
        for c in directives
        if c.keyword not in STAGE_DIRECTIVES
    ]
    bodies = [c for c in directives if c.keyword in STAGE_BODIES]
    if len(bodies) != 1:
        out.append(f"{where}: needs exactly one of steps, parallel, stages or matrix ({len(bodies)} found)")
    for when in stage.blocks("when"):
        out += [f"{where}: `{n.keyword}` is not a when condition" for n in when.walk()
                if n is not when and n.keyword not in WHEN_CONDITIONS and _is_condition(n, when)]  # fmt: skip
    for prompt in stage.blocks("input"):
        fields = {c.keyword for c in prompt.children or []}
        out += [f"{where}: `{f}` is not an input field" for f in sorted(fields - INPUT_FIELDS)]
        if "message" not in fields:
            out.append(f"{where}: input needs a message")
    for steps in stage.blocks("steps"):
        out += [f"{where}: `{c.keyword}` needs a script block in declarative steps" for c in steps.children or []
                if c.keyword in GROOVY_ONLY]  # fmt: skip
    for nested in stage.blocks("parallel") + stage.blocks("stages"):
        out += _stages(nested)
    return out


def _is_condition(node: Node, when: Node) -> bool:
    """Conditions are the direct statements of `when`, `allOf`, `anyOf` and `not` (not expression bodies)."""
    parent = next(p for p in when.walk() if node in (p.children or []))
    return parent.keyword in ("when", "allOf", "anyOf", "not")


def stages(text: str) -> dict[str, Node]:
    """Every stage by name, nested ones included."""
    return {
        n.argument: n
        for n in parse(text)[0].walk()
        if n.keyword == "stage" and n.children is not None and n.argument is not None
    }
