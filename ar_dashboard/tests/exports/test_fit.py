"""Names cut to the first column of a long PDF table (exports/fit.py)."""

from ar_dashboard.exports import fit


def test_a_name_that_fits_is_kept_whole():
    assert fit.clip("Customer 02944 Holdings LLC", 16.5) == "Customer 02944 Holdings LLC"


def test_a_long_name_is_cut_with_an_ellipsis_within_the_width():
    name = "The Extraordinarily Long Name of a Wholesale Company International Limited"

    cut = fit.clip(name, 16.5)

    assert cut == "The Extraordinarily Long Name of…"
    assert fit.width_em(cut) <= 16.5


def test_wide_letters_are_cut_sooner_than_narrow_ones():
    assert len(fit.clip("W" * 40, 16.5)) < len(fit.clip("i" * 80, 16.5))
    assert fit.width_em(fit.clip("W" * 40, 16.5)) <= 16.5
