"""Generated scans for the OCR tests and ``benchmarks/accuracy.py``: an identity card, a signed
letter and a payslip rendered with Pillow's bundled font (no system fonts needed), saved as PNG,
JPEG, TIFF, GIF, BMP, WebP and as an image-only PDF (Pillow writes the page as one image, so the
PDF has no text layer). Each scan lists the values a reader must find in it."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FORMATS = {"png": "PNG", "jpg": "JPEG", "tiff": "TIFF", "gif": "GIF", "bmp": "BMP",
           "webp": "WEBP", "pdf": "PDF"}
FIRST = ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Freya", "Arthur", "Sophia", "Leo"]
LAST = ["Thompson", "Walker", "Hughes", "Edwards", "Turner", "Collins", "Morris", "Bennett",
        "Hayes", "Parker"]


@dataclass(frozen=True)
class Scan:
    name: str
    lines: tuple[str, ...]
    expect: dict[str, str]  # entity -> value that must be found


def id_card(r: random.Random) -> Scan:
    from classifiers import national_id_samples as ids

    name = f"{r.choice(FIRST)} {r.choice(LAST)}"
    nino = ids.nino(r)
    dob = f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(1950, 2004)}"
    lines = ("IDENTITY CARD", f"Name: {name}", f"Date of birth: {dob}",
             f"National Insurance number: {nino}", "Nationality: British")
    return Scan("id_card", lines, {"PERSON": name, "DATE_OF_BIRTH": dob, "UK_NINO": nino})


def letter(r: random.Random) -> Scan:
    name = f"{r.choice(FIRST)} {r.choice(LAST)}"
    email = f"{name.split()[0].lower()}.{name.split()[1].lower()}@example.org"
    lines = ("Occupational Health Service", f"Re: {name}",
             f"{name} was diagnosed with type 2 diabetes", "and may need regular breaks.",
             f"Contact: {email}")
    return Scan("letter", lines, {"PERSON": name, "EMAIL_ADDRESS": email, "HEALTH": "diabetes"})


def render(scan: Scan, noise: bool = True, size: int = 30) -> Image.Image:
    font = ImageFont.load_default(size=size)
    width = 40 + max(int(font.getlength(line)) for line in scan.lines) + 40
    height = 40 + len(scan.lines) * int(size * 1.6) + 40
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    for k, line in enumerate(scan.lines):
        draw.text((40, 40 + k * int(size * 1.6)), line, fill=0, font=font)
    if noise:  # a little blur and a slight rotation, like a photocopy
        img = img.filter(ImageFilter.GaussianBlur(0.6)).rotate(0.8, expand=True, fillcolor=255)
    return img


def encode(img: Image.Image, ext: str) -> bytes:
    buf = io.BytesIO()
    fmt = FORMATS[ext]
    out = img.convert("RGB") if fmt in ("JPEG", "PDF", "WEBP") else img
    out.save(buf, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()


def scans(count: int, seed: int = 16) -> list[Scan]:
    r = random.Random(seed)
    return [(id_card if k % 2 == 0 else letter)(r) for k in range(count)]
