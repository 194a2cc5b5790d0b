"""HTML → PDF in a worker process. Imports WeasyPrint only (no Django), so a spawned worker
starts without settings or a database connection."""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def layout(html: str):
    """The laid-out document (pages of boxes), without writing a PDF."""
    from weasyprint import HTML

    return HTML(string=html).render()


def warm() -> None:
    """Import WeasyPrint and load the fonts in a fresh worker before its first real piece."""
    from weasyprint import HTML

    HTML(string="<p>warm</p>").write_pdf()
