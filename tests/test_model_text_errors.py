"""Model-text error messages (issue 14, item 6): unbalanced parentheses are named as such, columns
count in the original line, and two statements are never merged into one message."""
from __future__ import annotations

import pytest

from bifur import Model, ModelError

P = {"I": 1.0, "gL": 0.1, "EL": -65.0, "C": 1.0, "a": 1.0}


def _error(text: str, init=None) -> str:
    with pytest.raises(ModelError) as err:
        Model.from_text(text, params=P, init=init or {"V": 0.0, "w": 0.0})
    return str(err.value)


def test_missing_parenthesis_is_named_and_the_next_line_is_not_merged():
    msg = _error("dV/dt = (I - gL*(V - EL)/C\ndw/dt = -w")
    assert msg.startswith("line 1: unbalanced parenthesis: '(' opened at line 1, column 9 is never closed")
    assert "next statement on line 2" in msg
    assert "dw/dt" not in msg                      # the second statement is not quoted as part of the first


def test_missing_parenthesis_at_the_end_of_the_text():
    msg = _error("dw/dt = -w\n  dV/dt = exp((V - EL)/C")
    assert msg.startswith("line 2: unbalanced parenthesis: '(' opened at line 2, column 14 is never closed")
    assert "end of the text" in msg


def test_extra_closing_parenthesis_is_named_with_its_column():
    msg = _error("dV/dt = (I - gL*V))/C\ndw/dt = -w")
    assert msg.startswith("line 1: unbalanced parenthesis: ')' at line 1, column 19 has no matching '('")


def test_several_open_parentheses_are_counted():
    msg = _error("dV/dt = ((I - gL*V\ndw/dt = -w")
    assert "'(' opened at line 1, column 10 is never closed (and 1 more '(' before it)" in msg


def test_columns_count_in_the_original_line_with_its_indentation():
    msg = _error("    dV/dt = I - gKK*V\n    dw/dt = -w")
    assert msg.startswith("line 1: unknown name 'gKK' at 'gKK' (column 17)")
    assert "'    dV/dt = I - gKK*V'" in msg          # quoted as written, so that the column matches
    msg = _error("dV/dt = I - V\ndw/dt = -w $ 2")
    assert msg.startswith("line 2: unexpected character '$' at column 12")


def test_errors_in_a_statement_continued_inside_parentheses_name_their_own_line():
    msg = _error("dV/dt = (I\n         - gKK*V)/C\ndw/dt = -w")
    assert msg.startswith("line 2: unknown name 'gKK' at 'gKK' (column 12)")
    msg = _error("dV/dt = I - V \\\n   + 2*bad\ndw/dt = -w")
    assert msg.startswith("line 2: unknown name 'bad' at 'bad' (column 8)")


def test_statements_continued_inside_parentheses_or_after_a_backslash_still_read():
    m = Model.from_text("dV/dt = (I - gL*(V - EL)\n         )/C   # closes on the next line\n"
                        "dw/dt = -w + \\\n   a*V", params=P, init={"V": 0.0, "w": 0.0})
    V, w = m.symbol("V"), m.symbol("w")
    assert m.equations["w"] == -w + m.symbol("a") * V
    assert m.equations["V"] == (m.symbol("I") - m.symbol("gL") * (V - m.symbol("EL"))) / m.symbol("C")


def test_a_missing_equals_sign_is_reported_for_its_own_line():
    msg = _error("dV/dt = -V\ndw/dt -w")
    assert msg.startswith("line 2: expected 'dX/dt = expression' or 'name = expression', got 'dw/dt -w'")
