"""Server-side SVG charts: well-formed, self-contained, CSP-safe, accessible, labels escaped (no database)."""

import re
import xml.etree.ElementTree as ET

import pytest

from awards.charts import _contrast, score_colour, score_heatmap_svg, totals_bar_svg
from awards.scoring import BidInput, Criterion, Knockout, Scorecard, score_bids

NS = "{http://www.w3.org/2000/svg}"
TRICKY = "A&B <Ltd>"

CARD = Scorecard(
    criteria=[
        Criterion("price", "Price & value", 40, "Commercial"),
        Criterion("quality", 'Quality "<b>bold</b>"', 30, "Technical"),
        Criterion("security", "Security", 20, "Technical"),
        Criterion("support", "Support", 10, "Commercial"),
    ],
    knockouts=[Knockout("gdpr", "GDPR <terms>")],
)
BIDS = [
    BidInput(
        "A",
        TRICKY,
        scores={"price": [4, 4], "quality": [3, 5], "security": [5], "support": [2, 4]},
        knockouts={"gdpr": True},
    ),
    BidInput(
        "B",
        "Bravo's",
        scores={"price": [5, 5], "quality": [1, 4], "security": [3, 3]},
        consensus={"quality": 2.5},
        knockouts={"gdpr": None},
    ),
    BidInput(
        "C",
        "Charlie",
        scores={"price": [1, 5], "quality": [5], "security": [5], "support": [5]},
        knockouts={"gdpr": False},
    ),
]


@pytest.fixture(scope="module")
def result():
    return score_bids(CARD, BIDS, resolved={("A", "support")})


@pytest.fixture(scope="module", params=["heatmap", "bars"])
def svg(request, result):
    return score_heatmap_svg(result) if request.param == "heatmap" else totals_bar_svg(result)


def parse(svg: str) -> ET.Element:
    """Parse our own generated SVG (trusted input: the strings under test)."""
    return ET.fromstring(svg)  # noqa: S314


def texts(root):
    return ["".join(el.itertext()) for el in root.iter(f"{NS}text")]


def titles(root):
    return ["".join(el.itertext()) for el in root.iter(f"{NS}title")]


class TestEverySvg:
    def test_well_formed_with_explicit_size(self, svg):
        root = parse(svg)
        assert root.tag == f"{NS}svg"
        width, height = float(root.get("width")), float(root.get("height"))
        assert width > 0 and height > 0
        assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
        assert root.get("role") == "img"
        assert root[0].tag == f"{NS}title" and root[0].text
        assert root[1].tag == f"{NS}desc" and root[1].text

    def test_self_contained_and_csp_safe(self, svg):
        assert "<script" not in svg.lower()
        assert "style=" not in svg and "<style" not in svg
        assert "href" not in svg
        assert "url(" not in svg
        assert "<image" not in svg and "<foreignObject" not in svg
        assert not re.search(r"\son[a-z]+\s*=", svg)  # no inline event handlers
        # the only namespace is SVG's own
        assert re.findall(r"https?://[^\"]+", svg) == ["http://www.w3.org/2000/svg"]

    def test_every_element_is_svg_and_no_attribute_is_dangerous(self, svg):
        for element in parse(svg).iter():
            assert element.tag.startswith(NS)
            for name in element.attrib:
                assert name not in {"style", "href", "src"} and not name.startswith("on")
                assert "href" not in name

    def test_labels_are_escaped(self, svg):
        assert "A&amp;B &lt;Ltd&gt;" in svg
        assert TRICKY not in svg
        assert "<Ltd>" not in svg and "<b>" not in svg
        root = parse(svg)
        assert any(TRICKY in text for text in texts(root))
        assert any("Bravo's" in text for text in texts(root))

    def test_every_bid_label_appears(self, svg):
        shown = " ".join(texts(parse(svg)))
        for bid in BIDS:
            assert bid.label in shown


class TestHeatmap:
    def test_every_cell_prints_its_number(self, result):
        root = parse(score_heatmap_svg(result))
        shown = texts(root)
        # Alpha (A&B <Ltd>): 4, 4, 5, 3 (price, quality, security, support)
        # A&B: price 4.0, quality 4.0* (3 vs 5, no note), security 5.0, support 3.0 (2 vs 4, note exists)
        for value in ["4.0", "4.0*", "5.0", "3.0"]:
            assert value in shown
        assert "2.5*" in shown  # Bravo's consensus replaces the mean; the 1-vs-4 disagreement still lacks a note
        assert "3.0*" in shown  # Charlie's price, 1 vs 5
        assert "\u2013" in shown  # Bravo has no support score
        cells = [g for g in root.iter(f"{NS}g") if g.find(f"{NS}rect") is not None]
        assert len(cells) == 3 * 4
        for cell in cells:
            number = cell.find(f"{NS}text").text
            assert number == "\u2013" or re.fullmatch(r"\d\.\d\*?", number)
            assert cell.find(f"{NS}title").text

    def test_rows_in_ranking_order_then_knocked_out(self, result):
        root = parse(score_heatmap_svg(result))
        labels = [t for t in texts(root) if re.match(r"\d+\. |\u2715", t)]
        assert labels == ["1. A&B <Ltd>", "2. Bravo's (provisional)", "\u2715 Charlie (knocked out)"]

    def test_titles_explain_cells_and_flags(self, result):
        all_titles = titles(parse(score_heatmap_svg(result)))
        assert any(
            t.startswith("A&B <Ltd> \u2013 Price & value: 4.00 of 5, mean of 2 evaluators; evaluators range 4.00")
            for t in all_titles
        )
        assert any(t.startswith("Bravo's \u2013 Quality") and "consensus score" in t for t in all_titles)
        assert any(t.startswith("A&B <Ltd> \u2013 Support") and "resolved by a consensus note" in t for t in all_titles)
        assert any(t.startswith("A&B <Ltd> \u2013 Quality") and "consensus note needed" in t for t in all_titles)
        assert "Bravo's \u2013 Support: no score yet" in all_titles
        assert "Charlie \u2013 Failed knockout: GDPR <terms>" in all_titles
        assert any(t.startswith('Quality "<b>bold</b>" \u2013 weight 30.00') for t in all_titles)

    def test_unresolved_flag_has_a_marker_and_an_outline(self, result):
        root = parse(score_heatmap_svg(result))
        flagged = [
            g for g in root.iter(f"{NS}g") if g.find(f"{NS}text") is not None and g.find(f"{NS}text").text.endswith("*")
        ]
        # A quality (3 vs 5), B quality (1 vs 4, consensus given but no note), C price (1 vs 5);
        # A support (2 vs 4) is flagged too but resolved, so it is neither starred nor outlined.
        assert sorted(g.find(f"{NS}text").text for g in flagged) == ["2.5*", "3.0*", "4.0*"]
        for cell in flagged:
            assert cell.find(f"{NS}rect").get("stroke-width") == "2"

    def test_fill_colours_are_attributes(self, result):
        root = parse(score_heatmap_svg(result))
        fills = {r.get("fill") for r in root.iter(f"{NS}rect")}
        assert all(re.fullmatch(r"#[0-9a-f]{6}", f) for f in fills)

    def test_scale_ten_and_many_criteria(self):
        card = Scorecard([Criterion(f"c{j}", f"Criterion number {j} with a long name", 5) for j in range(20)], scale=10)
        bids = [
            BidInput(f"b{i}", f"Vendor {i}", consensus={f"c{j}": (i + j) % 11 for j in range(20)}) for i in range(5)
        ]
        svg = score_heatmap_svg(score_bids(card, bids))
        root = parse(svg)
        assert float(root.get("width")) > 20 * 40
        assert "10.0" in texts(root)
        assert any(t.endswith("\u2026") for t in texts(root))  # long labels shortened, full text in the title

    def test_columns_and_rows_can_be_restricted(self, result):
        root = parse(score_heatmap_svg(result, criteria=["security", "price"], bids=["A"]))
        cells = [g for g in root.iter(f"{NS}g") if g.find(f"{NS}rect") is not None]
        assert [g.find(f"{NS}title").text.split(":")[0] for g in cells] == [
            "A&B <Ltd> \u2013 Price & value",
            "A&B <Ltd> \u2013 Security",
        ]
        assert "Charlie" not in " ".join(texts(root))


class TestBars:
    def test_bars_for_ranked_bids_and_totals_printed(self, result):
        root = parse(totals_bar_svg(result))
        shown = texts(root)
        # A: 32 + 24 + 20 + 6 = 82; B: 40 + 30*2.5/5 + 12 + 0 = 67
        assert "82.00" in shown and "67.00" in shown
        bars = [r for r in root.iter(f"{NS}rect") if r.get("height") != root.get("height")]
        widths = sorted(float(r.get("width")) for r in bars)
        assert widths == pytest.approx([420 * 0.67, 420 * 0.82])

    def test_knocked_out_bids_listed_separately_with_reason(self, result):
        shown = texts(parse(totals_bar_svg(result)))
        assert "Excluded by knockout" in shown
        assert "\u2715 Charlie (knocked out)" in shown
        assert "Failed knockout: GDPR <terms>" in shown
        assert shown.index("Excluded by knockout") > shown.index("2. Bravo's (provisional)")

    def test_provisional_ranking_is_announced(self, result):
        root = parse(totals_bar_svg(result))
        assert "Provisional ranking: 2 open points" in texts(root)
        assert "Bravo's: no score yet for 1 criterion (Support)" in " ".join(titles(root))
        assert "Bravo's: knockout \u201cGDPR <terms>\u201d is undecided" in " ".join(titles(root))

    def test_tie_break_is_explained_in_the_title(self):
        card = Scorecard([Criterion("x", "Fit", 60), Criterion("y", "Cost", 40)])
        bids = [
            BidInput("P", "Papa", consensus={"x": 4, "y": 2}),
            BidInput("Q", "Quebec", consensus={"x": 3, "y": 3.5}),
        ]
        root = parse(totals_bar_svg(score_bids(card, bids)))
        assert any("ranks higher on Fit" in t for t in titles(root))
        assert "Provisional" not in " ".join(texts(root))

    def test_nothing_ranked(self):
        card = Scorecard([Criterion("x", "Fit", 100)], [Knockout("k", "K")])
        svg = totals_bar_svg(score_bids(card, [BidInput("Z", "Zulu", knockouts={"k": False})]))
        shown = texts(parse(svg))
        assert "No bid is ranked." in shown and "\u2715 Zulu (knocked out)" in shown


def test_colour_ramp_keeps_the_printed_numbers_readable():
    assert min(_contrast(*score_colour(step / 200)) for step in range(201)) >= 4.5
    assert score_colour(-1) == score_colour(0) and score_colour(2) == score_colour(1)
