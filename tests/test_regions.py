"""Tests of the generated-region marker format: parse, render, merge, compose and append."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from docgen.errors import MarkerError
from docgen.output.regions import (
    NAME_PATTERN,
    Region,
    Text,
    append_region,
    canonical_body,
    checksum,
    compose,
    document_newline,
    dominant_newline,
    merge,
    parse,
    region_names,
    render_region,
)

SRC = "design-docs/60-infrastructure.md"
HELLO_SUM = hashlib.sha256(b"hello").hexdigest()[:12]


def begin(name: str, body: str = "") -> str:
    return f"<!-- BEGIN GENERATED: {name} sha256={checksum(body)} -->\n"


def end(name: str) -> str:
    return f"<!-- END GENERATED: {name} -->\n"


def doc_with(*names: str) -> str:
    """A document with one small region per name, in the given order, hand-written text around them."""
    parts: list[str | tuple[str, str]] = ["# Infrastructure\n\n"]
    for name in names:
        parts += [f"## {name}\n\n", (name, f"old {name}\n"), "\n"]
    return compose(parts)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# --- checksum and rendering ---------------------------------------------------------------------


def test_checksum_is_first_12_hex_of_sha256_of_body() -> None:
    assert checksum("hello") == HELLO_SUM


def test_checksum_ignores_crlf_and_trailing_whitespace_at_end() -> None:
    assert checksum("a\r\nb\r\n \t\r\n\n") == checksum("a\nb")


def test_checksum_sees_trailing_whitespace_inside_the_body() -> None:
    assert checksum("a  \nb") != checksum("a\nb")


def test_render_region_writes_markers_checksum_and_body() -> None:
    assert render_region("network", "hello") == (
        f"<!-- BEGIN GENERATED: network sha256={HELLO_SUM} -->\nhello\n<!-- END GENERATED: network -->\n"
    )


def test_render_region_uses_the_requested_newline_everywhere() -> None:
    digest = checksum("a\nb")
    assert render_region("network", "a\nb\n", "\r\n") == (
        f"<!-- BEGIN GENERATED: network sha256={digest} -->\r\na\r\nb\r\n<!-- END GENERATED: network -->\r\n"
    )


def test_render_region_strips_trailing_blanks_of_every_line_and_of_the_end() -> None:
    assert canonical_body("| a |  \n| b |\t\r\n\n\n  ") == "| a |\n| b |\n"


def test_render_region_of_empty_body_has_nothing_between_markers() -> None:
    assert render_region("x", " \n\n") == f"{begin('x')}{end('x')}"


def test_render_region_rejects_invalid_name() -> None:
    with pytest.raises(MarkerError) as caught:
        render_region("Network", "x")
    assert str(caught.value) == "invalid region name 'Network': names must match [a-z0-9][a-z0-9._-]*"


def test_render_region_rejects_a_marker_inside_the_body() -> None:
    with pytest.raises(MarkerError) as caught:
        render_region("network", "a\n<!-- END GENERATED: network -->\n")
    assert str(caught.value) == (
        "generated body of region 'network' has a marker at its line 2; bodies cannot contain markers"
    )


def test_dominant_newline_is_crlf_only_when_most_line_ends_are() -> None:
    assert (dominant_newline("a\r\nb\r\nc\n"), dominant_newline("a\r\nb\n"), dominant_newline("")) == (
        "\r\n",
        "\n",
        "\n",
    )


# --- parse ----------------------------------------------------------------------------------------


def test_parse_splits_text_and_regions_with_line_numbers() -> None:
    text = f"intro\n{begin('net', 'body')}body\n{end('net')}outro"
    document = parse(text, source=SRC)
    assert document.segments == (
        Text("intro\n", 1),
        Region("net", "body\n", checksum("body"), 2, 4, f"{begin('net', 'body')}body\n{end('net')}"),
        Text("outro", 5),
    )


def test_parse_then_text_gives_back_the_exact_input() -> None:
    text = f"\ufeff  odd \t\r\n\x0cpage\u2028sep\r\n{begin('a', 'x')}x\r\n{end('a')}\r\n\r\n  tail  "
    assert parse(text, source=SRC).text == text


def test_parse_marks_untouched_region_intact() -> None:
    text = f"{begin('net', 'body')}body\n{end('net')}"
    assert parse(text, source=SRC).regions[0].intact


def test_parse_marks_hand_edited_region_not_intact() -> None:
    text = f"{begin('net', 'body')}body, edited\n{end('net')}"
    assert not parse(text, source=SRC).regions[0].intact


def test_parse_accepts_blank_placeholder_without_checksum() -> None:
    region = parse("<!-- BEGIN GENERATED: costs -->\n\n<!-- END GENERATED: costs -->\n", source=SRC).regions[
        0
    ]
    assert (region.name, region.checksum, region.intact) == ("costs", None, True)


def test_placeholder_with_text_counts_as_hand_edited() -> None:
    text = "<!-- BEGIN GENERATED: costs -->\nmy notes\n<!-- END GENERATED: costs -->\n"
    assert not parse(text, source=SRC).regions[0].intact


def test_parse_treats_indented_marker_as_plain_text() -> None:
    text = "Example:\n\n    <!-- BEGIN GENERATED: x sha256=000000000000 -->\n"
    assert parse(text, source=SRC).segments == (Text(text, 1),)


def test_parse_accepts_trailing_blanks_after_a_marker() -> None:
    text = f"{begin('a').rstrip()}  \t\n{end('a').rstrip()} \n"
    assert [r.name for r in parse(text, source=SRC).regions] == ["a"]


def test_region_names_lists_names_in_document_order() -> None:
    assert region_names(doc_with("network", "costs", "dns")) == ["network", "costs", "dns"]


def parse_error(text: str) -> str:
    with pytest.raises(MarkerError) as caught:
        parse(text, source=SRC)
    return str(caught.value)


def test_end_without_any_begin() -> None:
    assert parse_error(f"a\n{end('network')}") == (
        f"{SRC}: end marker for 'network' at line 2 has no begin marker above it"
    )


def test_end_before_its_begin() -> None:
    assert parse_error(f"a\n{end('network')}b\n{begin('network')}{end('network')}") == (
        f"{SRC}: end marker for 'network' at line 2 comes before its begin marker at line 4"
    )


def test_begin_without_end() -> None:
    assert parse_error(f"a\n{begin('network')}body\n") == (
        f"{SRC}: begin marker for 'network' at line 2 has no end marker;"
        " add '<!-- END GENERATED: network -->' after its body"
    )


def test_nested_begin() -> None:
    assert parse_error(f"{begin('network')}x\n{begin('dns')}{end('dns')}{end('network')}") == (
        f"{SRC}: begin marker for 'dns' at line 3 is inside region 'network' opened at line 1;"
        " regions cannot nest"
    )


def test_end_name_differs_from_open_begin() -> None:
    assert parse_error(f"{begin('network')}x\n{end('dns')}") == (
        f"{SRC}: end marker for 'dns' at line 3 does not close region 'network' opened at line 1;"
        " expected '<!-- END GENERATED: network -->'"
    )


def test_same_region_name_twice() -> None:
    assert parse_error(f"{begin('network')}{end('network')}\n{begin('network')}{end('network')}") == (
        f"{SRC}: region 'network' at line 4 duplicates region 'network' at line 1;"
        " region names must be unique"
    )


@pytest.mark.parametrize(
    "marker",
    [
        "<!-- BEGIN GENERATED: network sha256=12345 -->",  # checksum too short
        "<!-- BEGIN GENERATED: Network sha256=0123456789ab -->",  # upper case name
        "<!-- BEGIN GENERATED network sha256=0123456789ab -->",  # no colon
        "<!-- BEGIN GENERATED: network sha256=0123456789ab",  # unclosed comment
        "<!-- BEGIN GENERATED: network sha256=0123456789ab --> trailing words",
    ],
)
def test_malformed_begin_marker(marker: str) -> None:
    assert parse_error(f"intro\n{marker}\n") == (
        f"{SRC}: malformed begin marker at line 2;"
        " expected '<!-- BEGIN GENERATED: <name> sha256=<12 hex digits> -->'"
        " with <name> matching [a-z0-9][a-z0-9._-]*"
    )


@pytest.mark.parametrize(
    "marker",
    [
        "<!-- END GENERATED: network sha256=0123456789ab -->",
        "<!-- END GENERATED -->",
        "<!-- END GENERATED: -x -->",
    ],
)
def test_malformed_end_marker(marker: str) -> None:
    assert parse_error(f"{begin('network')}{marker}\n") == (
        f"{SRC}: malformed end marker at line 2; expected '<!-- END GENERATED: <name> -->'"
        " with <name> matching [a-z0-9][a-z0-9._-]*"
    )


# --- merge ----------------------------------------------------------------------------------------


def test_merge_replaces_bodies_and_keeps_odd_hand_written_text_byte_for_byte() -> None:
    before = "\ufeff# Infra  \t\n\n\tTabs, ünïcödé ✓ and trailing blanks   \r\n"
    between = "\n\n\n  indented\r\n<!-- a normal comment -->\n"
    after = "\nlast line without newline  "
    existing = before + render_region("network", "old") + between + render_region("costs", "old") + after
    merged = merge(existing, {"network": "new net", "costs": "new costs"}, source=SRC)
    assert merged == (
        before + render_region("network", "new net") + between + render_region("costs", "new costs") + after
    )


def test_merge_twice_gives_identical_bytes() -> None:
    generated = {"network": "| a | b |  \n|---|---|\n", "costs": "total: 3 USD\n\n"}
    once = merge(doc_with("network", "costs"), generated, source=SRC)
    assert merge(once, generated, source=SRC) == once


def test_merge_output_verifies() -> None:
    merged = merge(doc_with("network"), {"network": "new\n"}, source=SRC)
    assert all(region.intact for region in parse(merged, source=SRC).regions)


def test_merge_refuses_hand_edited_region() -> None:
    existing = doc_with("network", "costs").replace("old costs", "old costs, my note")
    with pytest.raises(MarkerError) as caught:
        merge(existing, {"network": "n", "costs": "c"}, source=SRC)
    assert str(caught.value) == (
        f"{SRC}: region 'costs' at line {line_of(existing, 'BEGIN GENERATED: costs')} was edited by hand;"
        " move your text outside the markers or rerun with --force"
    )


def test_merge_with_force_overwrites_hand_edited_region() -> None:
    existing = doc_with("network").replace("old network", "my note")
    merged = merge(existing, {"network": "fresh"}, source=SRC, force=True)
    assert parse(merged, source=SRC).regions[0].body == "fresh\n"


def test_merge_refuses_region_the_generator_does_not_produce() -> None:
    existing = doc_with("network", "legacy")
    with pytest.raises(MarkerError) as caught:
        merge(existing, {"network": "n"}, source=SRC)
    assert str(caught.value) == (
        f"{SRC}: region 'legacy' at line {line_of(existing, '<!-- BEGIN GENERATED: legacy')} is not produced"
        " by the generator: delete its markers or rename it (generated regions: network)"
    )


def test_merge_with_force_keeps_unknown_region_untouched() -> None:
    existing = doc_with("network", "legacy").replace("old legacy", "edited legacy")
    merged = merge(existing, {"network": "n"}, source=SRC, force=True)
    assert parse(merged, source=SRC).region("legacy") == parse(existing, source=SRC).region("legacy")


def test_merge_reports_missing_region_after_its_predecessor() -> None:
    with pytest.raises(MarkerError) as caught:
        merge(doc_with("network"), {"network": "n", "costs": "c"}, source=SRC)
    assert str(caught.value) == f"{SRC}: missing marker for region 'costs': expected after region 'network'"


def test_merge_reports_every_missing_region_in_one_line() -> None:
    with pytest.raises(MarkerError) as caught:
        merge(doc_with("costs"), {"network": "n", "costs": "c", "dns": "d"}, source=SRC)
    assert str(caught.value) == (
        f"{SRC}: missing marker for region 'network': expected before region 'costs';"
        " missing marker for region 'dns': expected after region 'costs'"
    )


def test_merge_uses_order_for_the_missing_region_hint() -> None:
    with pytest.raises(MarkerError) as caught:
        merge(doc_with("network"), {"costs": "c", "network": "n"}, source=SRC, order=["network", "costs"])
    assert str(caught.value) == f"{SRC}: missing marker for region 'costs': expected after region 'network'"


def test_merge_reports_missing_sole_region() -> None:
    with pytest.raises(MarkerError) as caught:
        merge("# Empty\n", {"network": "n"}, source=SRC)
    assert str(caught.value) == f"{SRC}: missing marker for region 'network'"


def test_merge_reports_reordered_regions_when_order_is_given() -> None:
    existing = doc_with("costs", "network", "dns")
    with pytest.raises(MarkerError) as caught:
        merge(
            existing,
            {"network": "n", "costs": "c", "dns": "d"},
            source=SRC,
            order=["network", "costs", "dns"],
        )
    costs, network = (line_of(existing, f"<!-- BEGIN GENERATED: {n}") for n in ("costs", "network"))
    assert str(caught.value) == (
        f"{SRC}: region 'costs' at line {costs} comes before region 'network' at line {network};"
        " expected order: network, costs, dns"
    )


def test_merge_without_order_accepts_any_region_order() -> None:
    merged = merge(doc_with("costs", "network"), {"network": "n", "costs": "c"}, source=SRC)
    assert region_names(merged) == ["costs", "network"]


def test_merge_fills_a_blank_placeholder() -> None:
    existing = "# Costs\n\n<!-- BEGIN GENERATED: costs -->\n<!-- END GENERATED: costs -->\n\nNotes.\n"
    merged = merge(existing, {"costs": "3 USD"}, source=SRC)
    assert merged == "# Costs\n\n" + render_region("costs", "3 USD") + "\nNotes.\n"


def test_merge_keeps_missing_final_newline_after_last_end_marker() -> None:
    existing = "intro\n" + render_region("network", "old").removesuffix("\n")
    merged = merge(existing, {"network": "new"}, source=SRC)
    assert merged == "intro\n" + render_region("network", "new").removesuffix("\n")


def test_crlf_checkout_verifies_and_regenerates_to_identical_bytes() -> None:
    generated = {"network": "| a |\n|---|\n", "costs": "3 USD\n"}
    committed = merge(doc_with("network", "costs"), generated, source=SRC)
    checkout = committed.replace("\n", "\r\n")  # what git autocrlf gives on Windows
    assert merge(checkout, generated, source=SRC) == checkout


def test_merge_writes_regions_with_the_documents_dominant_newline() -> None:
    existing = "a\r\nb\r\nc\n" + render_region("network", "old", "\r\n")
    merged = merge(existing, {"network": "x\ny"}, source=SRC)
    assert merged == "a\r\nb\r\nc\n" + render_region("network", "x\ny", "\r\n")


# --- compose and append ---------------------------------------------------------------------------


def test_compose_builds_document_from_text_and_regions() -> None:
    text = compose(["# Title\n\n", ("network", "hello"), "\nEnd.\n"])
    assert text == "# Title\n\n" + render_region("network", "hello") + "\nEnd.\n"


def test_compose_starts_a_region_on_its_own_line() -> None:
    assert compose(["no newline", ("network", "hello")]) == "no newline\n" + render_region("network", "hello")


def test_compose_follows_the_newline_of_its_text() -> None:
    assert compose(["a\r\nb\r\n", ("x", "y")]) == "a\r\nb\r\n" + render_region("x", "y", "\r\n")


def test_compose_refuses_duplicate_region_names() -> None:
    with pytest.raises(MarkerError) as caught:
        compose([("network", "a"), ("network", "b")])
    assert str(caught.value) == (
        "<composed document>: region 'network' at line 4 duplicates region 'network' at line 1;"
        " region names must be unique"
    )


def test_append_region_adds_blank_line_then_region() -> None:
    assert append_region("# Doc\ntext\n", "costs", "3 USD") == "# Doc\ntext\n\n" + render_region(
        "costs", "3 USD"
    )


def test_append_region_puts_heading_above_region() -> None:
    assert append_region("# Doc\n\n", "costs", "3 USD", heading="## Costs") == (
        "# Doc\n\n## Costs\n\n" + render_region("costs", "3 USD")
    )


def test_append_region_completes_a_last_line_without_newline() -> None:
    assert append_region("text", "costs", "x") == "text\n\n" + render_region("costs", "x")


def test_append_region_to_empty_document_adds_no_blank_line() -> None:
    assert append_region("", "costs", "x") == render_region("costs", "x")


def test_append_region_keeps_crlf_style() -> None:
    assert append_region("a\r\nb\r\n", "costs", "x", heading="## Costs") == (
        "a\r\nb\r\n\r\n## Costs\r\n\r\n" + render_region("costs", "x", "\r\n")
    )


def test_append_region_refuses_existing_name() -> None:
    with pytest.raises(MarkerError) as caught:
        append_region(doc_with("costs"), "costs", "x", source=SRC)
    assert str(caught.value) == f"{SRC}: region 'costs' already exists at line 5"


# --- properties -----------------------------------------------------------------------------------

MARKER_PREFIXES = ("<!-- BEGIN GENERATED", "<!-- END GENERATED")
# Fragments close to what breaks parsers: line ends of all kinds, comment syntax, blanks, non-ASCII.
TRICKY = st.sampled_from(
    ["\n", "\r\n", "\r", " ", "\t", "<!-- ", " -->", "GENERATED", "é✓", "\u2028", "\x0c"]
)
free_text = (
    st.lists(TRICKY | st.text(max_size=6), max_size=12)
    .map("".join)
    .filter(lambda text: not any(prefix in text for prefix in MARKER_PREFIXES))
)
line_text = free_text.map(lambda text: text if not text or text.endswith("\n") else text + "\n")
names = st.lists(st.from_regex(NAME_PATTERN, fullmatch=True), unique=True, max_size=4)


@st.composite
def documents(draw: st.DrawFn) -> tuple[list[str], list[str], list[str], list[str]]:
    """Hand-written texts (one more than regions), region names, old bodies and new bodies."""
    region_list = draw(names)
    texts = [draw(line_text) for _ in region_list] + [draw(free_text)]
    old = [draw(free_text) for _ in region_list]
    new = [draw(free_text) for _ in region_list]
    return texts, region_list, old, new


def assemble(texts: list[str], names: list[str], bodies: list[str], newline: str) -> str:
    regions = [render_region(name, body, newline) for name, body in zip(names, bodies, strict=True)]
    return "".join(text + region for text, region in zip(texts, regions, strict=False)) + texts[-1]


@given(documents(), st.sampled_from(["\n", "\r\n"]))
def test_merge_keeps_outside_text_and_parse_returns_new_bodies(
    doc: tuple[list[str], list[str], list[str], list[str]], old_newline: str
) -> None:
    texts, region_list, old, new = doc
    existing = assemble(texts, region_list, old, old_newline)
    merged = merge(existing, dict(zip(region_list, new, strict=True)), source=SRC)
    newline = document_newline(existing, source=SRC)
    parsed = parse(merged, source=SRC)
    assert merged == assemble(texts, region_list, new, newline)
    assert [s.text for s in parsed.segments if isinstance(s, Text)] == [
        s.text for s in parse(existing, source=SRC).segments if isinstance(s, Text)
    ]
    assert [r.body for r in parsed.regions] == [canonical_body(b).replace("\n", newline) for b in new]


@given(documents())
# found by hypothesis: removing the old body's LF lines tipped the whole document's majority to CRLF
@example(doc=(["", "\n\n\r\n\r\n\r\n\r\n\r\n"], ["0"], ["<!-- "], [""]))
def test_merge_is_idempotent(doc: tuple[list[str], list[str], list[str], list[str]]) -> None:
    texts, region_list, old, new = doc
    generated = dict(zip(region_list, new, strict=True))
    once = merge(assemble(texts, region_list, old, "\n"), generated, source=SRC)
    assert merge(once, generated, source=SRC) == once
