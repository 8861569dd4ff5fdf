"""The progress report's PDF, made by WeasyPrint from the report's HTML: tagged for
accessibility (PDF/UA-1), A4, with page numbers and a contents list with page numbers (the
report's CSS). WeasyPrint is the optional `reports` extra, imported only when a PDF is made."""

from __future__ import annotations

import logging
from typing import Any

from commands.reports.building import PdfMaker

INSTALL_HINT = "pip install 'waymark[reports]'"


def weasyprint_pdf() -> PdfMaker | None:
    """The PDF maker, or None when the `reports` extra is not installed."""
    # WeasyPrint reads the charts' SVG style attributes as CSS first and logs each SVG property
    # (`fill`, `stroke`) as unknown, then draws them, and logs each step of its work: those lines
    # say nothing to an operator. Set before the import, which parses WeasyPrint's own
    # stylesheets and logs that too; set once, not around each PDF: two reports made at once in
    # threads would each put back the other's level, and let the lines through.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("weasyprint.progress").setLevel(logging.ERROR)
    try:
        import weasyprint
    except (ImportError, OSError):  # OSError: installed, but Pango is missing from the system
        return None

    def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        # The report is self-contained: nothing is fetched, so it is the same offline.
        raise ValueError(f"the progress report fetches nothing ({url})")

    def make(html: str) -> bytes:
        document = weasyprint.HTML(string=html, url_fetcher=refuse_fetch)
        pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
        return pdf

    return make
