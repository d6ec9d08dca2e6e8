"""HTML -> PDF with WeasyPrint, on the region's letterhead (kop surat).

PDF templates extend ``pdf/base.html``; the letterhead (logo, agency name,
address lines from region.toml) is drawn by its ``letterhead`` block. Assets are
read from the app itself, never from the network.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path

from flask import Response, current_app, render_template


def logo_data_uri() -> str:
    """The region's logo (or the built-in emblem) inlined as a data URI."""
    configured = current_app.config["REGION_LOGO"]
    path = None
    if configured:
        candidate = Path(current_app.config["REGION_TOML_PATH"]).parent / configured
        if candidate.is_file():
            path = candidate
    if path is None:
        path = Path(current_app.static_folder) / "img" / "emblem.svg"
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def _url_fetcher():
    """Only inline ``data:`` resources: a PDF never fetches anything from anywhere."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint < 68: plain fetcher functions
        from weasyprint.urls import default_url_fetcher

        def fetch(url: str, *args, **kwargs):
            if url.startswith("data:"):
                return default_url_fetcher(url)
            raise ValueError(f"external resource refused in PDF: {url[:80]}")

        return fetch
    return URLFetcher(allowed_protocols={"data"})


def render_pdf(template: str, **context) -> bytes:
    from flask_babel import force_locale
    from weasyprint import HTML

    with force_locale("id"):  # official documents are in Bahasa Indonesia
        html = render_template(template, logo_uri=logo_data_uri(),
                               letterhead_lines=current_app.config["LETTERHEAD_LINES"],
                               **context)
    return HTML(string=html, url_fetcher=_url_fetcher()).write_pdf()


def pdf_response(data: bytes, filename: str, inline: bool = True) -> Response:
    disposition = "inline" if inline else "attachment"
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
