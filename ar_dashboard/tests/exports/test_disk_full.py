"""Issue 20, faults: an export on a server out of disk space says so and breaks nothing else.

ENOSPC is raised where each format writes: the XLSX writer streaming a sheet to its temporary
file, WeasyPrint writing the PDF, and the CSV rows as they stream. XLSX and PDF are built whole
before anything is sent, so the user gets a 503 with a message, never half a file; a CSV whose
first rows have gone out can only be cut off, which is logged. The next export works.
"""

import errno
import glob
import logging
import os
import tempfile
from itertools import islice
from unittest import mock

import pytest
import weasyprint
from openpyxl.worksheet import _writer as openpyxl_writer

from ar_dashboard.exports import csv as csv_export
from ar_dashboard.exports.views import DISK_FULL_MESSAGE
from ar_dashboard.tests.exports.conftest import AS_OF, body

EXPORT = "/ar/export/"


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def assert_disk_full_answer(response, caplog) -> None:
    assert response.status_code == 503
    assert response.json() == {"detail": DISK_FULL_MESSAGE}
    assert response["Retry-After"] == "300"
    [record] = [r for r in caplog.records if r.name == "ar_dashboard.exports.views"]
    assert record.levelno == logging.ERROR
    assert record.getMessage().endswith("disk full: [Errno 28] No space left on device")


def openpyxl_temp_files() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "openpyxl.*")))


def test_xlsx_out_of_space_mid_sheet_answers_503_and_leaves_no_temporary_file(web, ledger, caplog):
    before = openpyxl_temp_files()
    write_row = openpyxl_writer.WorksheetWriter.write_row
    written = []

    def fills_up(self, xf, row, row_idx):
        if len(written) == 3:  # the header and two rows fit, then the disk is full
            raise disk_full()
        written.append(row_idx)
        return write_row(self, xf, row, row_idx)

    with mock.patch.object(openpyxl_writer.WorksheetWriter, "write_row", fills_up):
        response = web.get(EXPORT + "aging-detail.xlsx", {"as_of": AS_OF})

    assert written == [1, 2, 3]
    assert_disk_full_answer(response, caplog)
    assert openpyxl_temp_files() == before
    assert not set(openpyxl_writer.ALL_TEMP_FILES) - before
    again = web.get(EXPORT + "aging-detail.xlsx", {"as_of": AS_OF})
    assert again.status_code == 200 and again.content.startswith(b"PK")


@pytest.mark.parametrize("export", ["aging-summary", "statement"])
def test_pdf_out_of_space_answers_503_then_the_next_one_works(web, ledger, caplog, export):
    statement = f"/ar/customers/{ledger.globex.pk}/statement.pdf"
    url = statement if export == "statement" else f"{EXPORT}{export}.pdf"

    with mock.patch.object(weasyprint.HTML, "write_pdf", side_effect=disk_full()):
        response = web.get(url, {"as_of": AS_OF})

    assert_disk_full_answer(response, caplog)
    again = web.get(url, {"as_of": AS_OF})
    assert again.status_code == 200 and again.content.startswith(b"%PDF")


def test_a_csv_cut_off_by_a_full_disk_aborts_the_download_and_is_logged(web, ledger, caplog):
    real_rows = csv_export.report_rows

    def rows_then_disk_full(report):
        yield from islice(real_rows(report), 3)
        raise disk_full()

    with mock.patch.object(csv_export, "report_rows", rows_then_disk_full):
        response = web.get(EXPORT + "aging-detail.csv", {"as_of": AS_OF})
        assert response.status_code == 200  # sent before the first row is read
        with pytest.raises(OSError, match="No space left on device"):
            b"".join(response.streaming_content)  # the download breaks off, never "complete"

    [record] = [r for r in caplog.records if r.name == "ar_dashboard.exports.views"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == (
        "CSV export /ar/export/aging-detail.csv aborted after 0 characters (disk full): "
        "[Errno 28] No space left on device; the download is incomplete"
    )
    again = body(web.get(EXPORT + "aging-detail.csv", {"as_of": AS_OF})).decode()
    assert len(again.splitlines()) == 13  # the header and the 12 open documents


def test_other_os_errors_are_not_taken_for_a_full_disk(web, ledger):
    with (
        mock.patch.object(weasyprint.HTML, "write_pdf", side_effect=PermissionError(13, "no")),
        pytest.raises(PermissionError),
    ):
        web.get(EXPORT + "aging-summary.pdf", {"as_of": AS_OF})
