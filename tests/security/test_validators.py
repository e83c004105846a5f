"""The kernel's text and date checks, hooked onto every form field (procurement.apps / procurement.validators)."""

from datetime import date

import pytest
from django import forms
from django.core.exceptions import ValidationError

from procurement.validators import plausible_date, readable_text


@pytest.mark.parametrize("value", ["Acme Ltd", "Line one\nline two\ttabbed\r\n", "شركة الذكاء", "חברה בע״מ",
                                   "Zürich AG — “quoted”", ""])
def test_ordinary_text_in_any_script_is_readable(value):
    readable_text(value)  # no error


@pytest.mark.parametrize("value, code", [("Acme\x00", "control_character"), ("bell\x07", "control_character"),
                                         ("\x1b[31m", "control_character"), ("abc\u202egpj.exe", "bidi_control"),
                                         ("a\u2066b\u2069", "bidi_control"), ("x\u202a", "bidi_control")])
def test_control_characters_and_direction_overrides_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as refused:
        readable_text(value)
    assert refused.value.code == code
    assert "U+" in refused.value.messages[0]


@pytest.mark.parametrize("value, ok", [(date(2026, 11, 30), True), (date(1900, 1, 1), True),
                                       (date(2200, 12, 31), True), (date(1, 1, 1), False),
                                       (date(9999, 12, 31), False), (date(1899, 12, 31), False)])
def test_form_dates_fall_between_1900_and_2200(value, ok):
    if ok:
        plausible_date(value)
    else:
        with pytest.raises(ValidationError, match="looks like a typo"):
            plausible_date(value)


def test_every_form_field_kind_carries_the_checks():
    class Sample(forms.Form):
        name = forms.CharField()
        email = forms.EmailField()
        site = forms.URLField()
        when = forms.DateField()

    form = Sample({"name": "a\u202eb", "email": "a@example.org\x07", "site": "https://example.org/\u2066",
                   "when": "0001-01-01"})

    assert not form.is_valid()
    assert set(form.errors) == {"name", "email", "site", "when"}
