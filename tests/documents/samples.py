"""Real-format documents made by the tests: PDFs (pypdf) and JPEGs with EXIF (Pillow).

One produced by an image editor, one modified after creation, one changed by an incremental
update, one clean; a passport PDF carries its MRZ as text, as a scanner's OCR layer does.
"""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

SOFTWARE, DATETIME, EXIF_IFD, DATETIME_ORIGINAL = 0x0131, 0x0132, 0x8769, 0x9003


def pdf(
    *,
    producer: str = "HP Scan 5.2",
    creator: str = "HP Scan",
    created: str = "D:20261201100000Z",
    modified: str | None = None,
    text: tuple[str, ...] = (),
) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    if text:
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Courier"),
            }
        )
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
        )
        rows = " ".join(f"({line}) Tj 0 -14 Td" for line in text)
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 10 Tf 40 100 Td {rows} ET".encode())
        page[NameObject("/Contents")] = writer._add_object(stream)
    meta = {"/Producer": producer, "/Creator": creator, "/CreationDate": created}
    meta["/ModDate"] = modified or created
    writer.add_metadata(meta)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_updated_incrementally() -> bytes:
    """A clean PDF someone opened later and saved a change into (an incremental update)."""
    original = pdf()
    writer = PdfWriter(io.BytesIO(original), incremental=True)
    writer.add_metadata({"/Title": "changed"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg(
    *, software: str | None = None, taken: str | None = None, changed: str | None = None
) -> bytes:
    image = Image.new("RGB", (64, 40), (200, 180, 160))
    exif = Image.Exif()
    if software:
        exif[SOFTWARE] = software
    if changed:
        exif[DATETIME] = changed
    if taken:
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()
