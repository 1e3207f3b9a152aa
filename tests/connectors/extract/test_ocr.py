"""OCR (issue 16.5): generated scans in every image format and as an image-only PDF go through
Tesseract, and the name, national ID and date of birth on a scanned ID card are found; bounds
and --no-ocr hold. Skips when the tesseract binary is absent (make sysdeps installs it)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from benchmarks import scans
from connectors.extract.ocr import tesseract_path
from scanner.models import Item
from scanner.settings import load_settings

pytestmark = pytest.mark.skipif(tesseract_path() is None, reason="tesseract-ocr not installed")


def _scan_dir(tmp_path: Path, name: str, data: bytes, settings_over: dict | None = None):
    from scanner.pipeline import scan

    (tmp_path / name).write_bytes(data)
    settings = load_settings().with_overrides(workers=1, **{"inventory.enabled": False},
                                              **(settings_over or {}))
    return scan([str(tmp_path)], settings, secret=b"k" * 32)


@pytest.fixture(scope="module")
def card() -> scans.Scan:
    return scans.id_card(random.Random(7))


@pytest.mark.parametrize("ext", sorted(scans.FORMATS))
def test_scanned_id_card_is_read(tmp_path: Path, card: scans.Scan, ext: str) -> None:
    data = scans.encode(scans.render(card), ext)
    result = _scan_dir(tmp_path, f"card.{ext}", data)
    found = {f.entity: f for f in result.findings}
    for entity in ("PERSON", "DATE_OF_BIRTH", "UK_NINO"):
        assert entity in found, (ext, sorted(found), [e.to_dict() for e in result.errors])
    assert all(f.location.field == "page:1" for f in result.findings)
    # never the clear value: masked previews only
    assert not any(card.expect["UK_NINO"] in str(f.to_dict()) for f in result.findings)


def test_image_only_pdf_pages_are_read_and_text_pages_are_not_ocred(tmp_path: Path) -> None:
    from PIL import Image

    r = random.Random(3)
    pages = [scans.render(scans.id_card(r)).convert("RGB"), Image.new("RGB", (600, 400), "white")]
    path = tmp_path / "scan.pdf"
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:])
    result = _scan_dir(tmp_path, "scan2.pdf", path.read_bytes())
    fields = {f.location.field for f in result.findings if f.entity == "UK_NINO"}
    assert fields == {"page:1"}


def test_no_ocr_skips_images(tmp_path: Path, card: scans.Scan) -> None:
    data = scans.encode(scans.render(card), "png")
    result = _scan_dir(tmp_path, "card.png", data, {"ocr.enabled": False})
    assert result.findings == ()
    assert [e.kind for e in result.errors] == ["skipped"]


def test_page_and_time_bounds(tmp_path: Path, card: scans.Scan) -> None:
    from connectors.extract.ocr import extract_image

    img = scans.render(card)
    frames = [img.copy() for _ in range(3)]
    path = tmp_path / "multi.tiff"
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:])
    item = Item(uri=path.as_uri(), source_kind="file", open=lambda: path.open("rb"),
                media_type="image/tiff")
    settings = load_settings().with_overrides(**{"ocr.max_pages": 2})
    out = list(extract_image(item, settings))
    errors = [o for o in out if hasattr(o, "kind") and not hasattr(o, "text")]
    pages = {o.location.field for o in out if hasattr(o, "text")}
    assert pages == {"page:1", "page:2"}
    assert [e.kind for e in errors] == ["truncated"]
    settings = load_settings().with_overrides(**{"ocr.timeout_s": 0.0})
    out = list(extract_image(item, settings))
    assert any(getattr(o, "kind", "") == "timeout" for o in out)


def test_corrupt_image_is_an_error_not_a_crash(tmp_path: Path) -> None:
    data = scans.encode(scans.render(scans.id_card(random.Random(1))), "png")
    result = _scan_dir(tmp_path, "broken.png", data[: len(data) // 3])
    assert result.findings == ()
    assert [e.kind for e in result.errors] == ["corrupt"]


def test_pixel_bound_scales_down(tmp_path: Path, card: scans.Scan) -> None:
    from connectors.extract.ocr import _Budget, ocr_image

    img = scans.render(card, size=60)
    settings = load_settings().with_overrides(**{"ocr.max_pixels": 400_000})
    text = ocr_image(img, settings, _Budget(60))
    assert isinstance(text, str)  # read at the bounded size, no error
