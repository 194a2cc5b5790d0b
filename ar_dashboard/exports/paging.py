"""Long PDF tables printed in pieces of whole pages, rendered in parallel and joined.

WeasyPrint lays out about 150 table rows a second per core and holds every page in memory until
it writes, so a 5,000-customer report would take half a minute and most of a gigabyte in one
piece. Here rows are one line each (`table.oneline`), so every page after the first holds the
same number of them; a layout probe of the first pages measures how many, the rows are cut
into pieces of whole pages, each piece is rendered in a worker process with its page numbers
offset (`counter-reset: page`) and the document's page count stated, and the pieces are
joined with pypdf. A piece that comes out with another page count than planned (a row that
wrapped after all) makes the whole report render in one piece instead: never a wrong "of N".
"""

from __future__ import annotations

import io
import logging
import math
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from pypdf import PdfReader, PdfWriter

from ar_dashboard.exports import weasy

logger = logging.getLogger(__name__)
PIECE_PAGES = 10  # pages per worker task
PROBE_ROWS = 150  # enough rows for two full pages in any paper and orientation
WORKERS = 2


def _rows_on(page) -> int:
    """Data rows (`<tr class="r">`, striped ones `class="r s"`) laid out on one page."""
    count, stack = 0, [page._page_box]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        if type(box).__name__ == "TableRowBox" and element is not None:
            count += "r" in (element.get("class") or "").split()
            continue
        stack.extend(getattr(box, "children", ()))
    return count


def _pages(rows: int, *, opening: bool, first: int, per_page: int) -> int:
    if opening:  # the first page holds `first` rows under the headline figures
        return 1 + math.ceil(max(0, rows - first) / per_page)
    return math.ceil(rows / per_page)


def plan(total: int, first: int, per_page: int) -> list[tuple[int, int, int]]:
    """(start, stop, pages) of each piece; the last piece also holds the totals row."""
    pieces, start = [], 0
    while start < total:
        opening = start == 0
        capacity = first + (PIECE_PAGES - 1) * per_page if opening else PIECE_PAGES * per_page
        stop = min(total, start + capacity)
        rows = stop - start + (stop == total)  # the totals row
        pieces.append((start, stop, _pages(rows, opening=opening, first=first, per_page=per_page)))
        start = stop
    return pieces


def render(html_for: Callable[..., str], rows: list) -> bytes:
    """The joined PDF of `rows`; `html_for(rows=, first=, last=, page_start=, pages_total=)`."""
    context = multiprocessing.get_context("spawn")  # no fork of a process holding DB sockets
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
        # The workers start (import WeasyPrint, load the fonts) while this process probes.
        for _ in range(WORKERS):
            pool.submit(weasy.warm)
        probe = weasy.layout(html_for(rows=rows[:PROBE_ROWS], first=True, last=False))
        if len(probe.pages) < 3:
            return weasy.html_to_pdf(html_for(rows=rows, first=True, last=True))
        first, per_page = _rows_on(probe.pages[0]), _rows_on(probe.pages[1])
        del probe
        pieces = plan(len(rows), first, per_page)
        total_pages = sum(pages for _, _, pages in pieces)
        htmls, page_start = [], 1
        for start, stop, pages in pieces:
            htmls.append(
                html_for(
                    rows=rows[start:stop],
                    first=start == 0,
                    last=stop == len(rows),
                    page_start=page_start,
                    pages_total=total_pages,
                )
            )
            page_start += pages
        parts = list(pool.map(weasy.html_to_pdf, htmls))
    writer = PdfWriter()
    for (_, _, pages), part in zip(pieces, parts, strict=True):
        reader = PdfReader(io.BytesIO(part))
        if len(reader.pages) != pages:
            logger.warning(
                "PDF piece of %d pages came out with %d: rendering in one piece",
                pages,
                len(reader.pages),
            )
            return weasy.html_to_pdf(html_for(rows=rows, first=True, last=True))
        writer.append(reader)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
