"""The attachment checks on generated PDFs and images."""

from __future__ import annotations

from bot.documents.files import incremental_updates, inspect
from bot.documents.findings import Level
from bot.documents.mrz import find_lines
from tests.documents.samples import jpeg, pdf, pdf_updated_incrementally
from tests.documents.test_mrz import TD3


def codes(data: bytes, kind: str) -> dict[str, Level]:
    return {line.code: line.level for line in inspect(data, kind=kind, name="doc").lines}


def test_a_clean_scan_passes() -> None:
    assert codes(pdf(), "pdf") == {"file_clean": Level.PASSED}
    assert codes(jpeg(taken="2026:12:01 10:00:00", changed="2026:12:01 10:00:00"), "image") == {
        "file_clean": Level.PASSED
    }


def test_a_pdf_produced_by_an_image_editor_is_a_warning() -> None:
    found = inspect(
        pdf(producer="Adobe Photoshop 25.0", creator="Adobe Photoshop"), kind="pdf", name="rg.pdf"
    )
    assert [(x.code, x.level, x.detail) for x in found.lines] == [
        ("made_by_editor", Level.WARNING, "Adobe Photoshop 25.0")
    ]


def test_a_pdf_modified_after_creation_is_a_warning() -> None:
    found = codes(pdf(created="D:20240101100000Z", modified="D:20261130180000Z"), "pdf")
    assert found == {"modified_after_creation": Level.WARNING}


def test_an_incremental_update_after_creation_is_a_warning() -> None:
    data = pdf_updated_incrementally()
    assert incremental_updates(data) == 1 and incremental_updates(pdf()) == 0
    assert codes(data, "pdf") == {"incremental_updates": Level.WARNING}


def test_an_image_saved_by_an_editor_and_edited_later() -> None:
    data = jpeg(software="GIMP 2.10.36", taken="2026:11:01 09:00:00", changed="2026:11:30 22:10:00")
    assert codes(data, "image") == {
        "made_by_editor": Level.WARNING,
        "modified_after_creation": Level.WARNING,
    }


def test_the_mrz_a_pdf_carries_is_read() -> None:
    found = inspect(pdf(text=TD3), kind="pdf", name="passport.pdf")
    assert find_lines(found.text) == [TD3]


def test_garbage_is_unreadable_not_a_crash() -> None:
    assert codes(b"%PDF-1.7 nonsense", "pdf") == {"file_unreadable": Level.WARNING}
    assert codes(b"\xff\xd8 nonsense", "image") == {"file_unreadable": Level.WARNING}
