"""Text from submissions is printable, capped, and never a spreadsheet formula."""
import pytest

from autograder.text import clean_text, csv_cell, exception_line


def test_control_sequences_surrogates_and_bidi_overrides_are_removed():
    text = clean_text("a\x1b[31mred\x07\udcff\u202eb\r\nc\x00d")
    assert text == "a [31mred \ufffd b c d"
    assert text.isprintable()


def test_length_is_capped_even_for_megabytes():
    assert len(clean_text("x" * 10**7, 500)) == 500
    assert clean_text("x" * 10**7, 500).endswith("…")


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", " =1", "\x1b=1"])
def test_formula_prefixes_get_an_apostrophe(value):
    cell = csv_cell(value)
    assert cell.startswith("'") and "\r" not in cell and "\t" not in cell


def test_plain_names_are_kept():
    assert csv_cell("tanaka_taro") == "tanaka_taro"
    assert csv_cell("田中 太郎") == "田中 太郎"


def test_exception_line_is_one_capped_line():
    line = exception_line(RuntimeError("first\nsecond\x1b" + "y" * 1000), limit=50)
    assert line.startswith("RuntimeError: first second") and len(line) == 50 and "\n" not in line
