"""A drawing of rectangles, lines and text, written out as SVG (for the HTML page) or as PNG (a
raster drawn here with the 5 x 7 font of `font.py` and encoded with zlib): the same picture both
ways, and neither needs a plotting library."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from html import escape

from .font import HEIGHT as GLYPH_HEIGHT
from .font import WIDTH as GLYPH_WIDTH
from .font import glyph

Color = str  # "#rrggbb"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: Color


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    color: Color
    width: float = 1.0


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: int = (
        12  # pixel height of a capital letter x 10 / 7 (the PNG scales the font by size // 7)
    )
    color: Color = "#222222"
    anchor: str = "start"  # start, middle or end
    bold: bool = False


@dataclass
class Canvas:
    width: int
    height: int
    background: Color = "#ffffff"
    items: list[Rect | Line | Text] = field(default_factory=list)

    def rect(self, x: float, y: float, w: float, h: float, fill: Color) -> None:
        if w > 0 and h > 0:
            self.items.append(Rect(x, y, w, h, fill))

    def line(
        self, x1: float, y1: float, x2: float, y2: float, color: Color, width: float = 1
    ) -> None:
        self.items.append(Line(x1, y1, x2, y2, color, width))

    def text(self, x: float, y: float, text: str, size: int = 12, color: Color = "#222222",
             anchor: str = "start", bold: bool = False) -> None:  # fmt: skip
        self.items.append(Text(x, y, text, size, color, anchor, bold))

    @staticmethod
    def text_width(text: str, size: int = 12) -> float:
        """How wide `text` is drawn (both ways: SVG uses a monospace font of the same advance)."""
        return len(text) * _scale(size) * (GLYPH_WIDTH + 1)

    # ------------------------------------------------------------------ SVG

    def svg(self) -> str:
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" '
            f'height="{self.height}" viewBox="0 0 {self.width} {self.height}" '
            'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">',
            f'<rect width="{self.width}" height="{self.height}" fill="{self.background}"/>',
        ]
        for item in self.items:
            if isinstance(item, Rect):
                parts.append(
                    f'<rect x="{item.x:.1f}" y="{item.y:.1f}" width="{item.w:.1f}" '
                    f'height="{item.h:.1f}" fill="{item.fill}"/>'
                )
            elif isinstance(item, Line):
                parts.append(
                    f'<line x1="{item.x1:.1f}" y1="{item.y1:.1f}" x2="{item.x2:.1f}" '
                    f'y2="{item.y2:.1f}" stroke="{item.color}" stroke-width="{item.width}"/>'
                )
            else:
                # a monospace font whose advance is the PNG's: 6 pixels a character at scale 1
                scale = _scale(item.size)
                font_size = scale * (GLYPH_WIDTH + 1) / 0.6
                weight = ' font-weight="bold"' if item.bold else ""
                parts.append(
                    f'<text x="{item.x:.1f}" y="{item.y:.1f}" font-size="{font_size:.1f}" '
                    f'fill="{item.color}" text-anchor="{item.anchor}"{weight}>'
                    f"{escape(item.text)}</text>"
                )
        parts.append("</svg>")
        return "\n".join(parts)

    # ------------------------------------------------------------------ PNG

    def png(self) -> bytes:
        raster = _Raster(self.width, self.height, _rgb(self.background))
        for item in self.items:
            if isinstance(item, Rect):
                raster.fill(item.x, item.y, item.w, item.h, _rgb(item.fill))
            elif isinstance(item, Line):
                raster.line(item, _rgb(item.color))
            else:
                raster.text(item)
        return raster.encode()


def _scale(size: int) -> int:
    return max(1, round(size / (GLYPH_HEIGHT + 2)))


def _rgb(color: Color) -> bytes:
    value = color.lstrip("#")
    return bytes(int(value[k : k + 2], 16) for k in (0, 2, 4))


class _Raster:
    """An RGB image in a bytearray, drawn on with whole pixels."""

    def __init__(self, width: int, height: int, background: bytes) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(background * (width * height))

    def fill(self, x: float, y: float, w: float, h: float, rgb: bytes) -> None:
        x0, y0 = max(0, round(x)), max(0, round(y))
        x1, y1 = min(self.width, round(x + w)), min(self.height, round(y + h))
        if x1 <= x0 or y1 <= y0:
            return
        row = rgb * (x1 - x0)
        for yy in range(y0, y1):
            start = (yy * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def line(self, item: Line, rgb: bytes) -> None:
        thick = max(1, round(item.width))
        dx, dy = item.x2 - item.x1, item.y2 - item.y1
        steps = max(1, round(max(abs(dx), abs(dy))))
        half = (thick - 1) / 2
        for k in range(steps + 1):
            x = item.x1 + dx * k / steps
            y = item.y1 + dy * k / steps
            self.fill(x - half, y - half, thick, thick, rgb)

    def text(self, item: Text) -> None:
        scale = _scale(item.size)
        advance = (GLYPH_WIDTH + 1) * scale
        width = len(item.text) * advance
        x = item.x - (
            width / 2 if item.anchor == "middle" else width if item.anchor == "end" else 0
        )
        top = item.y - GLYPH_HEIGHT * scale
        rgb = _rgb(item.color)
        for ch in item.text:
            for row, columns in enumerate(glyph(ch)):
                for col in columns:
                    self.fill(x + col * scale, top + row * scale, scale, scale, rgb)
                    if item.bold:
                        self.fill(x + col * scale + 1, top + row * scale, scale, scale, rgb)
            x += advance

    def encode(self) -> bytes:
        stride = self.width * 3
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * stride : (y + 1) * stride]) for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b"")
        )
