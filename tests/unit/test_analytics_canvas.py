"""The report's drawing without a plotting library: the PNG is a valid image of the page's size
with the drawing in it, the SVG is well-formed XML, the HTML page loads nothing from elsewhere,
and every dbt file the report needs ships in the wheel's package data."""

from __future__ import annotations

import struct
import zlib
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree

import tomllib

from kustomer_analytics import charts, page
from kustomer_analytics.canvas import Canvas
from kustomer_analytics.font import GLYPHS, HEIGHT, WIDTH, glyph
from kustomer_analytics.models import ModelData

REPO = Path(__file__).resolve().parents[2]


def decode_png(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        assert zlib.crc32(kind + body) == crc, kind
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return size[0], size[1], zlib.decompress(idat)


def test_png_has_the_drawing_in_it() -> None:
    c = Canvas(40, 20)
    c.rect(10, 5, 4, 3, "#ff0000")
    c.text(20, 15, "Hi", size=7, color="#0000ff")
    width, height, raw = decode_png(c.png())
    assert (width, height) == (40, 20)
    stride = 1 + 3 * width
    assert len(raw) == stride * height
    pixel = raw[6 * stride + 1 + 11 * 3 : 6 * stride + 1 + 12 * 3]
    assert pixel == b"\xff\x00\x00"
    assert b"\x00\x00\xff" in raw  # the text's ink


def test_font_glyphs_are_5_by_7() -> None:
    assert WIDTH == 5 and HEIGHT == 7
    for ch, rows in GLYPHS.items():
        assert len(rows) == 7 and all(0 <= col < 5 for row in rows for col in row), ch
    assert glyph("a") == glyph("A") and glyph("é") == glyph("E") and glyph("€") == glyph("?")


def sample() -> ModelData:
    days = [date(2026, 1, 1) + timedelta(days=k) for k in range(40)]
    return ModelData(
        summary={
            "conversations": 40,
            "open_now": 3,
            "first_day": days[0],
            "last_day": days[-1],
            "median_first_reply_business_minutes": 12.0,
            "median_full_resolution_business_minutes": 300.0,
            "csat_pct": 80.0,
            "rated": 10,
            "fcr_pct": 50.0,
            "fcr_eligible": 8,
            "sla_breached": 1,
        },  # fmt: skip
        teams=[
            {
                "team_name": "Billing <&>",
                "conversations": 40,
                "open_conversations": 3,
                "median_first_reply_business_minutes": 12.0,
                "median_first_reply_calendar_minutes": 30.0,
                "median_full_resolution_business_minutes": 300.0,
                "median_full_resolution_calendar_minutes": 900.0,
                "csat_pct": 80.0,
                "rated": 10,
                "fcr_pct": 50.0,
                "sla_breached": 1,
            }
        ],  # fmt: skip
        agents=[
            {
                "agent_name": "Ana",
                "replies": 5,
                "conversations_resolved": 2,
                "positive": 1,
                "rated": 2,
                "avg_reply_time_business_minutes": 3.0,
                "handle_time_minutes": 20.0,
            }
        ],  # fmt: skip
        backlog=[{"day": d, "open_at_end_of_day": k % 5} for k, d in enumerate(days)],
        sla=[
            {
                "metric": "firstResponse",
                "tracked": 4,
                "breached": 1,
                "achieved": 3,
                "pending": 0,
                "avg_target_minutes": 60.0,
            }
        ],  # fmt: skip
        volume=[{"period": d, "channel": "email", "conversations": 1} for d in days],
        period="day",
    )


def test_svg_is_well_formed_and_html_self_contained(tmp_path: Path) -> None:
    board = charts.from_models(sample())
    ElementTree.fromstring(charts.draw(board).svg())
    html = page.write(board, tmp_path / "r.html", sample()).read_text()
    assert "Billing &lt;&amp;&gt;" in html and "<script" not in html
    assert "https://" not in html and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", ""
    )
    out = charts.render(sample(), tmp_path / "r.png")
    assert decode_png(out.read_bytes())[:2] == (charts.WIDTH, charts.HEIGHT)


def test_every_dbt_file_ships_in_the_package_data() -> None:
    from fnmatch import fnmatch

    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["kustomer_analytics"]
    root = REPO / "kustomer_analytics"
    files = [p.relative_to(root).as_posix() for p in (root / "dbt").rglob("*") if p.is_file()]
    files = [f for f in files if not f.startswith(("dbt/target/", "dbt/logs/"))]
    assert files and all(any(fnmatch(f, pat) for pat in patterns) for f in files), files
