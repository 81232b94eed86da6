"""An existing doc follows its template when the template gains or loses a section (docgen/output/upgrade.py)."""

from __future__ import annotations

from docgen.output.regions import render_region
from docgen.output.upgrade import upgrade


def doc(*parts: str | tuple[str, str]) -> str:
    return "".join(p if isinstance(p, str) else render_region(*p) for p in parts)


OLD_TEMPLATE = doc("# Doc\n\n## A\n\n", ("a", "a1"), "\n## C\n\n", ("c", "c1"), "\n## End\n")
NEW_TEMPLATE = doc(
    "# Doc\n\n## A\n\n",
    ("a", "a2"),
    "\n## B\n\nNew prose.\n\n",
    ("b", "b2"),
    "\n## C\n\n",
    ("c", "c2"),
    "\n## End\n",
)


def test_a_new_section_is_inserted_where_the_template_has_it_and_hand_text_is_kept() -> None:
    existing = OLD_TEMPLATE.replace("## C\n\n", "## C\n\nA person's note.\n\n")
    upgraded, notes = upgrade(existing, NEW_TEMPLATE, source="doc.md")
    assert notes == ["added region 'b' (new in the template) after 'a'"]
    expected = doc(
        "# Doc\n\n## A\n\n", ("a", "a1"), "\n## B\n\nNew prose.\n\n", ("b", "b2"), "\n## C\n\nA person's note.\n\n",
        ("c", "c1"), "\n## End\n",
    )  # fmt: skip
    assert upgraded == expected


def test_a_section_the_template_dropped_is_removed_but_seq_sections_stay() -> None:
    existing = OLD_TEMPLATE + "\n## Seq 2: Worker Infrastructure\n\n" + render_region("seq-002", "work item")
    template = doc("# Doc\n\n## A\n\n", ("a", "a2"), "\n## C\n\n## End\n")
    upgraded, notes = upgrade(existing, template, source="doc.md")
    assert notes == ["removed region 'c' (the template no longer has it)"]
    assert "GENERATED: c " not in upgraded and "## C\n" in upgraded  # the heading is text: kept
    assert render_region("seq-002", "work item") in upgraded


def test_an_up_to_date_doc_is_left_alone() -> None:
    assert upgrade(NEW_TEMPLATE, NEW_TEMPLATE, source="doc.md") == (NEW_TEMPLATE, [])


def test_the_title_follows_the_project_and_a_title_a_person_changed_stays() -> None:
    body = doc("\n## A\n\n", ("a", "a1"), "\nA person's note.\n")
    fresh = "# Infrastructure Design: worker-chain\n" + body
    upgraded, notes = upgrade("# Infrastructure Design: acme-agents\n" + body, fresh, source="doc.md")
    assert upgraded == fresh and notes == ["title names project 'worker-chain' (was 'acme-agents')"]
    own = "# Infrastructure Design: acme-agents (draft for review)\n" + body
    assert upgrade(own, fresh, source="doc.md") == (own, [])
