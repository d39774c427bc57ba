"""What a PDF's or an image's metadata says about how it was made (pypdf, Pillow).

A document produced or saved by an image editor, modified after it was created, or changed by
incremental updates after it was first written is a warning: a genuine scan or export rarely
is. The bytes are read in memory and forgotten; nothing is stored.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from bot.documents.findings import Level, Line

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024  # SPEC §15: PDF and images up to 20 MB
MAX_PAGES = 5  # pages whose text is searched for an MRZ
PDF_TYPES = frozenset({"application/pdf"})
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/tiff", "image/webp", "image/heic"})
# Tools that edit pictures or PDFs rather than scan, photograph or export them.
EDITORS = re.compile(
    r"photoshop|gimp|paint\.net|pixelmator|affinity|canva|illustrator|corel|snapseed|picsart|"
    r"lightroom|inkscape|paintshop|krita|photopea|fotor|ilovepdf|pdfescape|sejda|smallpdf|"
    r"pdf-xchange|foxit phantom|nitro pro|acrobat pro|fotojet|befunky|polarr|facetune",
    re.IGNORECASE,
)
SAME_TIME = timedelta(minutes=1)  # creation and modification within this are one save
# EXIF tags (TIFF/EXIF 2.3): Software, DateTime (last change), and in the Exif IFD
# DateTimeOriginal (when the picture was taken).
SOFTWARE, DATETIME, EXIF_IFD, DATETIME_ORIGINAL = 0x0131, 0x0132, 0x8769, 0x9003


@dataclass(frozen=True)
class FileReport:
    """The lines a file gave, and the text it carries (where an MRZ may be)."""

    lines: tuple[Line, ...]
    text: str = ""


def kind_of(content_type: str, file_name: str) -> str | None:
    """ "pdf", "image" or None (not a document Baton reads), by type, else by extension."""
    ctype = content_type.split(";")[0].strip().lower()
    name = file_name.lower()
    if ctype in PDF_TYPES or name.endswith(".pdf"):
        return "pdf"
    if ctype in IMAGE_TYPES or name.endswith((".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp")):
        return "image"
    return None


def inspect(data: bytes, *, kind: str, name: str) -> FileReport:
    """Read a PDF's or an image's metadata into findings (an unreadable file is a warning)."""
    try:
        return inspect_pdf(data, name=name) if kind == "pdf" else inspect_image(data, name=name)
    except (PyPdfError, UnidentifiedImageError, OSError, ValueError, KeyError, TypeError) as err:
        log.info("documents.unreadable", extra={"kind": kind, "error": type(err).__name__})
        return FileReport((Line(Level.WARNING, "file_unreadable", name),))


def inspect_pdf(data: bytes, *, name: str) -> FileReport:
    reader = PdfReader(io.BytesIO(data))
    meta = reader.metadata
    lines: list[Line] = []
    tools = [t for t in (meta.producer, meta.creator) if t] if meta else []
    if editor := next((t for t in tools if EDITORS.search(t)), None):
        lines.append(Line(Level.WARNING, "made_by_editor", name, _tool(editor)))
    created = meta.creation_date if meta else None
    modified = meta.modification_date if meta else None
    if created and modified and _later(modified, created):
        lines.append(
            Line(Level.WARNING, "modified_after_creation", name, _dates(created, modified))
        )
    if (updates := incremental_updates(data)) > 0:
        lines.append(Line(Level.WARNING, "incremental_updates", name, str(updates)))
    text = "\n".join((page.extract_text() or "") for page in list(reader.pages)[:MAX_PAGES])
    if not lines:
        detail = _tool(tools[0]) if tools else ""
        lines.append(Line(Level.PASSED, "file_clean", name, detail))
    return FileReport(tuple(lines), text)


def incremental_updates(data: bytes) -> int:
    """How many times the file was appended to after it was first written.

    Each save of an incremental update adds a trailer ending in %%EOF; a linearized file
    carries two from the start.
    """
    ends = len(re.findall(rb"%%EOF", data))
    first = data[:1024]
    expected = 2 if b"/Linearized" in first else 1
    return max(0, ends - expected)


def inspect_image(data: bytes, *, name: str) -> FileReport:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        info = {str(k): str(v) for k, v in image.info.items() if isinstance(v, str | bytes)}
    lines: list[Line] = []
    software = str(exif.get(SOFTWARE) or info.get("Software") or info.get("software") or "")
    if software and EDITORS.search(software):
        lines.append(Line(Level.WARNING, "made_by_editor", name, _tool(software)))
    changed = _exif_time(exif.get(DATETIME))
    taken = _exif_time(exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL))
    if changed and taken and _later(changed, taken):
        lines.append(Line(Level.WARNING, "modified_after_creation", name, _dates(taken, changed)))
    if not lines:
        lines.append(Line(Level.PASSED, "file_clean", name, _tool(software) if software else ""))
    # Text an image carries (a description, a comment, a scanner's OCR layer): an MRZ may be in it.
    text = "\n".join(v for k, v in info.items() if k.lower() in ("description", "comment", "mrz"))
    return FileReport(tuple(lines), text)


def _tool(value: str) -> str:
    return " ".join(value.split())[:60]


def _later(later: datetime, earlier: datetime) -> bool:
    if (later.tzinfo is None) != (earlier.tzinfo is None):
        later, earlier = later.replace(tzinfo=None), earlier.replace(tzinfo=None)
    return later - earlier > SAME_TIME


def _dates(created: datetime, modified: datetime) -> str:
    return f"{created:%Y-%m-%d %H:%M} → {modified:%Y-%m-%d %H:%M}"


def _exif_time(value: object) -> datetime | None:
    try:
        return datetime.strptime(str(value).strip(), "%Y:%m:%d %H:%M:%S") if value else None
    except ValueError:
        return None
