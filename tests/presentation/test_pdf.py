"""PDFs fetch nothing: only data: URIs and files in the template directories reach weasyprint."""

from __future__ import annotations

import base64
import http.server
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from pypdf import PdfReader
from pypdf.generic import StreamObject

from govern.errors import BadInput
from govern.presentation import Document, ResourceRefused, html_to_pdf, packaged_template_dir
from govern.presentation.pdf import local_file, write_document


def png(rgb: tuple[int, int, int], size: int = 8) -> bytes:
    """A small solid PNG (RFC 2083), built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def decoded_streams(path: Path) -> list[bytes]:
    """Every stream of the PDF, decompressed."""
    reader = PdfReader(path)
    out = []
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(number)
        except Exception:  # a free entry of the cross-reference table
            continue
        if isinstance(obj, StreamObject):
            out.append(obj.get_data())
    return out


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records every connection (even one that is not HTTP) and answers with an image."""

    seen: ClassVar[list[str]] = []

    def handle(self) -> None:
        self.seen.append(str(self.client_address))
        super().handle()

    def do_GET(self) -> None:
        body = png((255, 0, 0))
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    Recorder.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}", Recorder.seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_pdf_fetches_nothing_outside_the_templates(
    tmp_path: Path, server: tuple[str, list[str]]
) -> None:
    address, seen = server
    outside = tmp_path / "outside"
    outside.mkdir()
    secret_png = outside / "secret.png"
    secret_png.write_bytes(png((1, 2, 3)))
    secret_txt = outside / "secret.txt"
    secret = b"ACCOUNT 4711-0815 SECRET LINE NOT FOR ANY DOCUMENT\n" * 20
    secret_txt.write_bytes(secret)
    house = tmp_path / "house"
    house.mkdir()
    (house / "logo.png").write_bytes(png((0, 0, 255)))
    allowed = b"the bank's own notes, beside its templates\n"
    (house / "notes.txt").write_bytes(allowed)
    (house / "escape").symlink_to(outside)
    climb = "../" * len(packaged_template_dir().resolve().parts)
    inline = "data:image/png;base64," + base64.b64encode(png((0, 255, 0))).decode()
    (house / "hostile.html.j2").write_text(
        f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title>
<link rel="stylesheet" href="http://{address}/s.css">
<link rel="stylesheet" href="file:///etc/hostname">
<style>@import url("https://{address}/i.css"); body {{ background: url(http://{address}/b.png) }}</style>
<link rel="attachment" href="file://{secret_txt}">
<link rel="attachment" href="file:///etc/hostname">
<link rel="attachment" href="http://{address}/a.txt">
<link rel="attachment" href="notes.txt">
</head><body><h1>{{{{ title }}}}</h1>
<img src="{secret_png}"><img src="file://{secret_png}"><img src="{climb}{str(secret_png).lstrip("/")}">
<img src="escape/secret.png"><img src="http://{address}/x.png"><img src="https://{address}/y.png">
<img src="ftp://{address}/z.png">
<img src="logo.png"><img src="{inline}">
</body></html>""",
        encoding="utf-8",
    )
    out = Document("hostile", {"title": "Hostile"}, template_dir=house).write(tmp_path / "d.pdf")

    assert seen == []  # the server saw no connection at all
    reader = PdfReader(out)
    assert "Hostile" in reader.pages[0].extract_text()
    # only the two images govern serves: the template folder's logo and the data: URI
    assert len(reader.pages[0].images) == 2
    # only the attachment beside the templates; not the secret, /etc/hostname or the server's
    assert list(reader.attachments) == ["notes.txt"]
    streams = decoded_streams(out)
    assert any(allowed in s for s in streams)  # the check below would see an embedded file
    assert not any(secret[:40] in s for s in streams)
    assert not any(secret_png.read_bytes()[16:] in s for s in streams)


def test_local_files_served() -> None:
    packaged = packaged_template_dir().resolve()
    assert local_file((packaged / "base.css").as_uri(), packaged, None) == packaged / "base.css"
    for url in (
        "file:///etc/hostname",
        (packaged / ".." / "pyproject.toml").as_uri(),
        (packaged / "absent.png").as_uri(),
        "file://evil.example/share/x.png",
        "http://127.0.0.1/x.png",
        "https://bank.example/logo.png",
    ):
        with pytest.raises(ResourceRefused):
            local_file(url, packaged, None)


def test_the_override_directory_wins_for_relative_urls(tmp_path: Path) -> None:
    packaged = packaged_template_dir().resolve()
    (tmp_path / "base.css").write_text("h1 {}", encoding="utf-8")
    house = tmp_path.resolve()
    assert local_file((packaged / "base.css").as_uri(), packaged, house) == house / "base.css"
    assert local_file((packaged / "card.css").as_uri(), packaged, house) == packaged / "card.css"
    assert local_file((house / "base.css").as_uri(), packaged, house) == house / "base.css"


def test_html_to_pdf_writes_a_pdf(tmp_path: Path) -> None:
    html_to_pdf("<h1>Hello PDF</h1>", tmp_path / "doc.pdf")
    assert (tmp_path / "doc.pdf").read_bytes().startswith(b"%PDF-")
    assert "Hello PDF" in PdfReader(tmp_path / "doc.pdf").pages[0].extract_text()


def test_write_document_by_suffix(tmp_path: Path) -> None:
    write_document("<h1>Hello</h1>", tmp_path / "doc.html")
    assert (tmp_path / "doc.html").read_text(encoding="utf-8") == "<h1>Hello</h1>"
    write_document("<h1>Hello PDF</h1>", tmp_path / "doc.PDF")
    assert "Hello PDF" in PdfReader(tmp_path / "doc.PDF").pages[0].extract_text()
    with pytest.raises(BadInput, match=r"use a \.html or \.pdf file name"):
        write_document("<h1>x</h1>", tmp_path / "doc.docx")
