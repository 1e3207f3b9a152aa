"""OCR: images and PDF pages without a text layer, read with Tesseract (Debian's ``tesseract-ocr``).

* Images (PNG, JPEG, TIFF, GIF, BMP, WebP) are opened with Pillow; every frame of a multi-page
  TIFF or an animated GIF is a page. Each page becomes prose units with ``field`` ``page:<n>``.
* A PDF is first read by :func:`connectors.extract.pdf.extract_pdf`; pages that gave no text (a
  scan, a fax) are then read from their embedded images (pypdf gives them without rendering).

Bounds per item (``ocr`` settings): at most ``max_pixels`` per page (larger pages are scaled
down to it, never decoded beyond Pillow's own bomb limit), ``max_pages`` pages and
``timeout_s`` seconds of Tesseract in all; what is cut is recorded as an error against the
item's location and the scan goes on. Tesseract runs as a subprocess (``tesseract stdin stdout``)
with the remaining time as its timeout; a missing binary is an ``unsupported`` error, not a
crash. ``--no-ocr`` (``ocr.enabled: false``) skips all of it: images are then recorded as
``skipped`` as before, and PDFs are read for their text layer only.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

from connectors.extract import Extracted
from connectors.extract.common import ProseBuilder
from scanner.models import Item, ItemError, ScanError, TextUnit
from scanner.settings import Settings

if TYPE_CHECKING:
    from PIL import Image

IMAGE_TYPES = ("image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp",
               "image/x-ms-bmp", "image/webp")
MIN_SIDE = 16  # smaller images hold no readable text (icons, spacers)


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()


def ocr_image(img: Image.Image, settings: Settings, budget: _Budget) -> str:
    """Text of one PIL image. Raises ItemError("timeout") when the item's time is used up."""
    if img.width < MIN_SIDE or img.height < MIN_SIDE:
        return ""
    limit = settings.ocr.max_pixels
    if img.width * img.height > limit:
        scale = (limit / (img.width * img.height)) ** 0.5
        img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))))
    if img.mode not in ("L", "RGB"):
        with warnings.catch_warnings():  # PIL's note on palette transparency: not the user's
            warnings.simplefilter("ignore", UserWarning)
            img = img.convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    left = budget.left()
    if left <= 0:
        raise ItemError("timeout", f"OCR time limit ({settings.ocr.timeout_s} s) reached")
    exe = tesseract_path()
    if exe is None:
        raise ItemError("unsupported", "OCR needs Tesseract (apt-get install tesseract-ocr)")
    try:
        done = subprocess.run(
            [exe, "stdin", "stdout", "-l", settings.ocr.lang, "--psm", "3"],
            input=buf.getvalue(), capture_output=True, timeout=left, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ItemError("timeout", f"OCR time limit ({settings.ocr.timeout_s} s) reached") from exc
    if done.returncode != 0:
        raise ItemError("corrupt", f"tesseract exit status {done.returncode}")
    return done.stdout.decode("utf-8", "replace")


def extract_image(item: Item, settings: Settings) -> Iterator[Extracted]:
    if not settings.ocr.enabled:
        yield ScanError(item.uri, "skipped", f"no text extractor for {item.media_type} (OCR off)")
        return
    from PIL import Image, ImageSequence

    limit = settings.limits.max_item_bytes
    with item.open() as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ItemError("too_large", f"image over {limit} bytes", item.uri)
    try:
        img = Image.open(io.BytesIO(data))  # reads the header only
        if img.width < MIN_SIDE or img.height < MIN_SIDE:
            yield ScanError(item.uri, "skipped", f"{img.width}x{img.height} image: too small for text")
            return
        img.load()
    except Image.UnidentifiedImageError:
        yield ScanError(item.uri, "skipped", f"{item.media_type}: not an image Pillow can read")
        return
    except Image.DecompressionBombError as exc:
        raise ItemError("bomb", f"image too large to decode: {exc}", item.uri) from exc
    except Exception as exc:
        raise ItemError("corrupt", f"unreadable image: {type(exc).__name__}", item.uri) from exc
    budget = _Budget(settings.ocr.timeout_s)
    builder = ProseBuilder(item)
    for n, frame in enumerate(ImageSequence.Iterator(img), start=1):
        if n > settings.ocr.max_pages:
            yield ScanError(item.uri, "truncated", f"OCR stopped after {n - 1} pages")
            break
        try:
            text = ocr_image(frame.copy(), settings, budget)
        except ItemError as exc:
            yield ScanError(f"{item.uri}#page={n}", exc.kind, exc.message)
            if exc.kind in ("timeout", "unsupported"):
                break
            continue
        yield from builder.add(text, field=f"page:{n}")
    yield from builder.flush()


def extract_pdf(item: Item, settings: Settings) -> Iterator[Extracted]:
    """The PDF's text layer, then OCR of the embedded images of pages that had no text."""
    from connectors.extract.pdf import extract_pdf as text_layer

    pages_with_text: set[str] = set()
    counted: dict[str, int] = {}
    for out in text_layer(item, settings, counted):
        if isinstance(out, TextUnit) and out.text.strip() and out.location.field:
            pages_with_text.add(out.location.field)
        yield out
    if settings.ocr.enabled and not _every_page_read(pages_with_text, counted):
        yield from _ocr_pdf_pages(item, settings, pages_with_text)


def _every_page_read(pages_with_text: set[str], counted: dict[str, int]) -> bool:
    """Every page of the PDF gave text (fields ``page:1`` .. ``page:N``): the OCR pass would
    open it again only to skip each page (tests/connectors/extract/test_extract_fast_paths.py)."""
    return "pages" in counted and len(pages_with_text) >= counted["pages"]


def _ocr_pdf_pages(item: Item, settings: Settings, done: set[str]) -> Iterator[Extracted]:
    from pypdf import PdfReader

    from connectors.extract.streams import seekable_stream

    budget = _Budget(settings.ocr.timeout_s)
    builder = ProseBuilder(item)
    read = 0
    with seekable_stream(item, settings.limits) as stream:
        try:
            reader = PdfReader(stream, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                return
            pages = reader.pages
            count = len(pages)
        except Exception:
            return
        for n in range(count):
            field = f"page:{n + 1}"
            if field in done:
                continue
            if read >= settings.ocr.max_pages:
                yield ScanError(item.uri, "truncated", f"OCR stopped after {read} pages")
                break
            try:
                images = [im.image for im in pages[n].images]
            except Exception as exc:
                yield ScanError(f"{item.uri}#page={n + 1}", "corrupt",
                                f"page image: {type(exc).__name__}")
                continue
            if not images:
                continue
            read += 1
            try:
                text = "\n".join(ocr_image(im, settings, budget) for im in images if im)
            except ItemError as exc:
                yield ScanError(f"{item.uri}#page={n + 1}", exc.kind, exc.message)
                if exc.kind in ("timeout", "unsupported"):
                    break
                continue
            yield from builder.add(text, field=field)
    yield from builder.flush()
