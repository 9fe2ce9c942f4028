"""A PNG picture of a printed ticket, drawn from the same blocks as the ESC/POS output.

Font A of a thermal printer is 12 x 24 dots; the preview draws at one pixel per dot, so a
58 mm ticket is 384 pixels wide and an 80 mm ticket 512, like the paper.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from .layout import QR, Block, Cut, Feed, Logo, Paper, Text, TicketPrint, _logo_image, ticket_blocks

CHAR_W, CHAR_H = 12, 24
MARGIN = 24
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation",
             "/usr/share/fonts/truetype/noto")
FONT_FILES = {False: ("DejaVuSansMono.ttf", "LiberationMono-Regular.ttf",
                      "NotoSansMono-Regular.ttf"),
              True: ("DejaVuSansMono-Bold.ttf", "LiberationMono-Bold.ttf",
                     "NotoSansMono-Bold.ttf")}


@lru_cache(maxsize=32)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A monospaced font whose glyphs fill ``size`` times the 12 x 24 dot cell."""
    for folder in FONT_DIRS:
        for name in FONT_FILES[bold]:
            path = Path(folder) / name
            if path.exists():
                return ImageFont.truetype(str(path), 20 * size)
    return ImageFont.load_default(20 * size)  # Pillow's bundled font, when none is installed


def _qr_image(data: str, module: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module,
                         border=2)
    code.add_data(data)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("L")


def _draw_blocks(blocks: list[Block], paper: Paper) -> Image.Image:
    parts: list[Image.Image] = []
    for block in blocks:
        if isinstance(block, Text):
            h = CHAR_H * block.size
            img = Image.new("L", (paper.dots, h), 255)
            d = ImageDraw.Draw(img)
            font = _font(block.size, block.bold)
            width = d.textlength(block.text, font=font)
            x = {"left": 0, "right": paper.dots - width}.get(block.align,
                                                             (paper.dots - width) / 2)
            d.text((x, h - 6 * block.size), block.text, font=font, fill=0, anchor="ls")
            parts.append(img)
        elif isinstance(block, QR):
            parts.append(_qr_image(block.data, block.module))
        elif isinstance(block, Logo):
            parts.append(_logo_image(block.png, paper))
        elif isinstance(block, Feed):
            parts.append(Image.new("L", (paper.dots, CHAR_H * block.lines), 255))
        elif isinstance(block, Cut):
            parts.append(Image.new("L", (paper.dots, CHAR_H * 2), 255))
    height = sum(p.height for p in parts)
    sheet = Image.new("L", (paper.dots, height), 255)
    y = 0
    for p in parts:
        sheet.paste(p, ((paper.dots - p.width) // 2, y))
        y += p.height
    return sheet


def ticket_png(ticket: TicketPrint, paper: Paper) -> bytes:
    """The ticket as a PNG: the paper on a grey ground, with the cut line drawn."""
    sheet = _draw_blocks(ticket_blocks(ticket, paper), paper)
    out = Image.new("RGB", (sheet.width + 2 * MARGIN, sheet.height + 2 * MARGIN), "#d9d9d9")
    out.paste(sheet.convert("RGB"), (MARGIN, MARGIN))
    d = ImageDraw.Draw(out)
    y = MARGIN + sheet.height
    for x in range(0, out.width, 12):
        d.line([(x, y), (x + 6, y)], fill="#555555", width=2)
    buf = io.BytesIO()
    out.save(buf, format="PNG")
    return buf.getvalue()
