"""An independent, strict decoder of the ESC/POS commands a ticket uses, for tests.

It reads the bytes back the way an Epson-compatible printer would: text lines with the
alignment, emphasis and character size in force, QR codes (GS ( k: model, module size,
error correction, the stored payload and the print command), raster images (GS v 0), feeds
and cuts. Any byte it does not understand raises DecodeError, so a layout that sends
something unexpected fails its test instead of passing unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, DLE, LF = 0x1B, 0x1D, 0x10, 0x0A
ALIGN = {0: "left", 48: "left", 1: "center", 49: "center", 2: "right", 50: "right"}


class DecodeError(ValueError):
    pass


@dataclass
class Line:
    text: str
    align: str
    bold: bool
    width: int
    height: int

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


@dataclass
class QRCode:
    payload: str
    model: int | None
    module: int | None
    ec: str | None
    printed: bool = False


@dataclass
class Image:
    width_dots: int
    height_dots: int
    raster: bytes = b""

    def to_png(self, path: str) -> None:
        """Draw the raster (1 bit a dot, 1 = black) as a PNG with a white margin."""
        from PIL import Image as PILImage
        from PIL import ImageOps

        bitmap = PILImage.frombytes("1", (self.width_dots, self.height_dots), self.raster)
        picture = ImageOps.invert(bitmap.convert("L"))
        ImageOps.expand(picture, border=32, fill=255).save(path)


@dataclass
class Receipt:
    lines: list[Line] = field(default_factory=list)
    qrs: list[QRCode] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    cuts: list[str] = field(default_factory=list)
    #: everything in order: Line, QRCode, Image, "feed", "cut:full|partial"
    items: list[object] = field(default_factory=list)
    resets: int = 0

    def texts(self) -> list[str]:
        return [line.text for line in self.lines]

    def line_with(self, text: str) -> Line:
        for line in self.lines:
            if text in line.text:
                return line
        raise AssertionError(f"no printed line contains {text!r}; lines: {self.texts()}")


class _State:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.align = "left"
        self.bold = False
        self.width = 1
        self.height = 1


def decode(data: bytes) -> Receipt:
    """Decode ``data``; DecodeError on anything outside the commands a ticket may use."""
    out = Receipt()
    st = _State()
    text = bytearray()
    pending_line: tuple[str, bool, int, int] | None = None
    qr: dict[str, object] = {}
    i = 0
    n = len(data)

    def need(k: int) -> bytes:
        if i + k > n:
            raise DecodeError(f"command at {i} cut short")
        return data[i:i + k]

    def flush_line() -> None:
        nonlocal text, pending_line
        assert pending_line is not None or not text
        align, bold, w, h = pending_line or (st.align, st.bold, st.width, st.height)
        line = Line(text.decode("cp437"), align, bold, w, h)
        out.lines.append(line)
        out.items.append(line)
        text = bytearray()
        pending_line = None

    while i < n:
        b = data[i]
        if b == LF:
            flush_line()
            i += 1
        elif b >= 0x20 and b != 0x7F:
            if not text:
                pending_line = (st.align, st.bold, st.width, st.height)
            text.append(b)
            i += 1
        elif b == ESC:
            cmd = need(2)[1]
            if cmd == ord("@"):
                st.reset()
                out.resets += 1
                i += 2
            elif cmd == ord("!"):
                v = need(3)[2]
                st.bold = bool(v & 0x08)
                st.height = 2 if v & 0x10 else 1
                st.width = 2 if v & 0x20 else 1
                i += 3
            elif cmd == ord("E"):
                st.bold = bool(need(3)[2] & 1)
                i += 3
            elif cmd == ord("a"):
                v = need(3)[2]
                if v not in ALIGN:
                    raise DecodeError(f"ESC a {v}")
                st.align = ALIGN[v]
                i += 3
            elif cmd in (ord("t"), ord("-"), ord("M"), ord("G"), ord("{"), ord("3")):
                i += 3  # code page, underline, font, double strike, flip, line spacing
            elif cmd == ord("2"):
                i += 2
            elif cmd == ord("d"):
                if text:
                    flush_line()
                for _ in range(need(3)[2]):
                    out.items.append("feed")
                i += 3
            else:
                raise DecodeError(f"unknown ESC {cmd:#04x} at {i}")
        elif b == GS:
            cmd = need(2)[1]
            if cmd == ord("!"):
                v = need(3)[2]
                st.width, st.height = (v >> 4) + 1, (v & 0x0F) + 1
                i += 3
            elif cmd == ord("B"):
                i += 3
            elif cmd == ord("(") and need(3)[2] == ord("k"):
                head = need(5)
                length = head[3] | head[4] << 8
                body = need(5 + length)[5:]
                if len(body) < 2 or body[0] != 49:
                    raise DecodeError(f"GS ( k for a symbol other than QR at {i}")
                fn, args = body[1], body[2:]
                if fn == 65:
                    qr["model"] = {49: 1, 50: 2, 51: 3}.get(args[0])
                elif fn == 67:
                    qr["module"] = args[0]
                elif fn == 69:
                    qr["ec"] = {48: "L", 49: "M", 50: "Q", 51: "H"}.get(args[0])
                elif fn == 80:
                    if args[0] != 48:
                        raise DecodeError("QR store with m != 48")
                    qr["payload"] = bytes(args[1:]).decode("utf-8")
                elif fn == 81:
                    if "payload" not in qr:
                        raise DecodeError("QR printed before any data was stored")
                    code = QRCode(str(qr["payload"]), qr.get("model"),  # type: ignore[arg-type]
                                  qr.get("module"), qr.get("ec"), printed=True)  # type: ignore[arg-type]
                    out.qrs.append(code)
                    out.items.append(code)
                    qr = {}
                else:
                    raise DecodeError(f"GS ( k function {fn}")
                i += 5 + length
            elif cmd == ord("v") and need(3)[2] == ord("0"):
                head = need(8)
                xbytes = head[4] | head[5] << 8
                ydots = head[6] | head[7] << 8
                raster = need(8 + xbytes * ydots)[8:]
                image = Image(xbytes * 8, ydots, bytes(raster))
                out.images.append(image)
                out.items.append(image)
                i += 8 + xbytes * ydots
            elif cmd == ord("V"):
                m = need(3)[2]
                if m in (0, 48):
                    kind, size = "full", 3
                elif m in (1, 49):
                    kind, size = "partial", 3
                elif m in (65, 66):
                    kind, size = ("full" if m == 65 else "partial"), 4
                    need(4)
                else:
                    raise DecodeError(f"GS V {m}")
                if text:
                    flush_line()
                out.cuts.append(kind)
                out.items.append(f"cut:{kind}")
                i += size
            else:
                raise DecodeError(f"unknown GS {cmd:#04x} at {i}")
        else:
            raise DecodeError(f"unexpected byte {b:#04x} at {i}")
    if text:
        raise DecodeError(f"text left unprinted at the end: {text!r}")
    return out
