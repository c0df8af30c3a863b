"""Page count and text of the PDFs Chromium prints (enough to check what a PDF contains).

Chromium's Skia backend writes uncompressed object tables (PDF 1.4), Type0 fonts with
``Identity-H`` two-byte glyph codes and a ``ToUnicode`` CMap per font, and page content
streams compressed with ``FlateDecode``. That is all this reader handles; it is a test
helper, not a general PDF parser.
"""

from __future__ import annotations

import re
import unicodedata
import zlib

_OBJECT = re.compile(rb"(\d+)\s+0\s+obj\b(.*?)\bendobj", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in _OBJECT.finditer(data)}


def _stream(body: bytes) -> bytes:
    start = re.search(rb"stream\r?\n", body)
    if start is None:
        return b""
    raw = body[start.end():body.rfind(b"endstream")]
    if b"/FlateDecode" in body[:start.start()]:
        return zlib.decompressobj().decompress(raw)
    return raw


def _utf16(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode("ascii")).decode("utf-16-be", "replace")


def parse_cmap(cmap: bytes) -> dict[int, str]:
    """Glyph code -> text from a ToUnicode CMap (``bfchar`` and ``bfrange`` entries)."""
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = _utf16(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        pattern = rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])"
        for lo, hi, dst in re.findall(pattern, block):
            first, last = int(lo, 16), int(hi, 16)
            if dst.startswith(b"["):
                for i, item in enumerate(_HEX.findall(dst)):
                    out[first + i] = _utf16(item)
            else:
                text = _utf16(dst[1:-1])
                for i in range(last - first + 1):
                    out[first + i] = text[:-1] + chr(ord(text[-1]) + i)
    return out


def _dict_entry(body: bytes, key: bytes, objects: dict[int, bytes]) -> bytes:
    """The value of ``/key`` in a dictionary, following one indirect reference."""
    m = re.search(rb"/" + key + rb"\s*(\d+)\s+0\s+R", body)
    if m:
        return objects.get(int(m.group(1)), b"")
    m = re.search(rb"/" + key + rb"\s*(<<.*)", body, re.S)
    return m.group(1) if m else b""


def _page_fonts(page: bytes, objects: dict[int, bytes]) -> dict[bytes, dict[int, str]]:
    resources = _dict_entry(page, b"Resources", objects)
    fonts = _dict_entry(resources, b"Font", objects)
    block = fonts[:fonts.find(b">>")] if fonts.startswith(b"<<") else fonts
    out = {}
    for name, ref in re.findall(rb"/([A-Za-z0-9_.+-]+)\s+(\d+)\s+0\s+R", block):
        font = objects.get(int(ref), b"")
        m = re.search(rb"/ToUnicode\s+(\d+)\s+0\s+R", font)
        out[name] = parse_cmap(_stream(objects.get(int(m.group(1)), b""))) if m else {}
    return out


def _pages(objects: dict[int, bytes]) -> list[bytes]:
    return [body for _, body in sorted(objects.items())
            if re.search(rb"/Type\s*/Page(?![s\w])", body)]


def page_count(data: bytes) -> int:
    """Number of pages (``/Type /Page`` objects)."""
    return len(_pages(_objects(data)))


def pdf_text(data: bytes) -> str:
    """All text of the PDF, page after page (glyphs decoded through each font's CMap)."""
    objects = _objects(data)
    chunks: list[str] = []
    for page in _pages(objects):
        fonts = _page_fonts(page, objects)
        refs = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+\s+0\s+R)", page)
        if refs is None:
            continue
        for ref in re.findall(rb"(\d+)\s+0\s+R", refs.group(1)):
            content = _stream(objects.get(int(ref), b""))
            cmap: dict[int, str] = {}
            for token in re.finditer(rb"/([A-Za-z0-9_.+-]+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]+)>\s*Tj"
                                     rb"|\[([^\]]*)\]\s*TJ|\bET\b", content):
                if token.group(1) is not None:
                    cmap = fonts.get(token.group(1), {})
                elif token.group(0) == b"ET":
                    chunks.append("\n")
                else:
                    hexes = ([token.group(2)] if token.group(2) is not None
                             else _HEX.findall(token.group(3)))
                    for h in hexes:
                        codes = bytes.fromhex(h.decode("ascii"))
                        for i in range(0, len(codes) - 1, 2):
                            chunks.append(cmap.get(int.from_bytes(codes[i:i + 2], "big"), ""))
    return "".join(chunks)


def squash(text: str) -> str:
    """Text without whitespace or ligatures (a PDF breaks lines between any two words and
    prints "fi" as one glyph)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
