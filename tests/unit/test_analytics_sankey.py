"""The group-flow Sankey's geometry (web/charts.py `sankey`) on a case worked out by hand, and its escaped labels."""

from __future__ import annotations

import pytest

from web import charts
from web.templating import templates

# Two sources, two targets. A gives 30 min to X and 10 to Y; B gives 20 to X. Totals: A 40, B 20; X 50, Y 10.
FLOWS = [("B", "X", 20.0), ("A", "Y", 10.0), ("A", "X", 30.0)]


def test_two_sources_two_targets_by_hand() -> None:
    drawn = charts.sankey(FLOWS, room=130, gap=10, top=8, node_width=10, label_width=160)
    assert drawn is not None
    # Two groups per column: 130 - one gap of 10 leaves 120 px for 60 minutes, so 2 px a minute.
    blocks = {(n.side, n.name): (n.y, n.height) for n in drawn.nodes}
    assert blocks == {
        ("source", "A"): (8, 80),  # largest first, from the top
        ("source", "B"): (98, 40),  # 8 + 80 + the gap of 10
        ("target", "X"): (8, 100),
        ("target", "Y"): (118, 20),  # 8 + 100 + 10
    }
    bands = {(b.source, b.target): (b.source_y, b.target_y, b.thickness) for b in drawn.bands}
    assert bands == {
        ("A", "X"): (8, 8, 60),  # A's first band (X before Y), X's first arrival (A before B)
        ("A", "Y"): (68, 118, 20),  # below A->X at A (8 + 60), at the top of Y
        ("B", "X"): (98, 68, 40),  # the top of B; below A->X at X (8 + 60)
    }
    assert drawn.height == 146  # the room and a margin of 8 above and below
    sources = [n for n in drawn.nodes if n.side == "source"]
    targets = [n for n in drawn.nodes if n.side == "target"]
    assert {n.x for n in sources} == {160} and {n.x for n in targets} == {charts.WIDTH - 160 - 10}
    a_to_x = next(b for b in drawn.bands if (b.source, b.target) == ("A", "X"))
    assert a_to_x.path.startswith("M170.0,8.0 ") and a_to_x.path.endswith(" 170.0,68.0 Z")  # leaves A's right edge


def test_each_column_adds_up_and_the_shorter_one_is_centred() -> None:
    drawn = charts.sankey([("A", "X", 30.0), ("A", "Y", 10.0), ("B", "X", 20.0), ("C", "X", 60.0)], room=160, gap=10)
    assert drawn is not None
    scale = (160 - 2 * 10) / 120  # three sources, so two gaps; 120 minutes in all
    for node in drawn.nodes:
        own = [b.thickness for b in drawn.bands if (b.source if node.side == "source" else b.target) == node.name]
        assert sum(own) == pytest.approx(node.height)
    targets = sorted((n for n in drawn.nodes if n.side == "target"), key=lambda n: n.y)
    used = 120 * scale + 10  # the target column has one gap
    assert targets[0].y == pytest.approx(8 + (160 - used) / 2)
    assert [n.name for n in drawn.nodes if n.side == "source"] == ["C", "A", "B"]  # largest first


def test_repeated_pairs_are_summed_and_empty_flow_draws_nothing() -> None:
    drawn = charts.sankey([("A", "X", 5.0), ("A", "X", 5.0), ("B", "Y", 0.0)])
    assert drawn is not None and [(b.source, b.target, b.value) for b in drawn.bands] == [("A", "X", 10.0)]
    assert charts.sankey([]) is None and charts.sankey([("A", "B", 0.0)]) is None


def test_the_summary_names_the_largest_flow() -> None:
    drawn = charts.sankey(FLOWS)
    assert drawn is not None
    assert "3 flows from 2 groups on the left to 2 groups on the right, 60 minutes" in drawn.summary
    assert "the largest, A to X, 30 minutes" in drawn.summary


def test_hostile_group_names_are_escaped_in_the_svg() -> None:
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    drawn = charts.sankey([(hostile, "Ops & <b>Infra</b>", 12.0), ("Sales", hostile, 3.0)])
    html = templates.env.get_template("_sankey.html").render(sankey=drawn, width=charts.WIDTH)
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img" in html  # in the summary and the titles
    assert "Ops &amp; &lt;b&gt;Infra&lt;/b&gt;" in html
    assert 'role="img"' in html and 'aria-labelledby="sankey-title"' in html
    assert "style=" not in html  # the CSP has no inline style: colours come from classes
