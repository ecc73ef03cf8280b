"""Tiny hand-written PDFs: one with real text, one with no extractable text (like a scan)."""

from __future__ import annotations


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def build_pdf(content: str, *, with_font: bool = True) -> bytes:
    """A one-page PDF whose page draws `content` (a content stream), with a correct xref table."""
    font = b" /Resources << /Font << /F1 4 0 R >> >>" if with_font else b""
    stream = content.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R" + font + b" >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def text_pdf(lines: list[str]) -> bytes:
    """A resume-like PDF: each line drawn in Helvetica, top to bottom."""
    commands = ["BT", "/F1 11 Tf", "14 TL", "72 740 Td"]
    commands += [f"({_escape(line)}) Tj T*" for line in lines]
    commands.append("ET")
    return build_pdf("\n".join(commands))


def image_only_pdf() -> bytes:
    """A page that only paints shapes, as a scanned page paints pixels: no text to extract."""
    return build_pdf("0.9 g\n72 72 468 648 re f\n0 g\n100 600 200 50 re f", with_font=False)


RESUME_LINES = [
    "Jane Doe",
    "jane.doe@uni.test",
    "B.S. in Computer Science, Stanford University, 2027",
    "Research: graph neural networks for protein folding",
    "Experience: undergraduate researcher, Systems Biology Lab",
]
