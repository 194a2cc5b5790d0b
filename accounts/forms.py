"""Input of the onboarding pages: parsed and validated here, with messages naming the field."""

from __future__ import annotations

import calendar

from django import forms
from django.core.exceptions import ValidationError

from ar_dashboard import aging
from ar_dashboard.models import Membership, validate_currency, validate_timezone

MONTHS = [(n, calendar.month_name[n]) for n in range(1, 13)]


def edges_from_widths(widths: list[int]) -> list[int]:
    """Period widths in days → the scheme's upper edges: [30, 30, 60] → [30, 60, 120]."""
    edges, total = [], 0
    for width in widths:
        total += width
        edges.append(total)
    return edges


def widths_from_edges(edges: list[int]) -> list[int]:
    """The inverse: [30, 60, 120] → [30, 30, 60]."""
    return [edge - low for low, edge in zip([0, *edges], edges, strict=False)]


def parse_widths(raw: str) -> list[int]:
    """'30, 30, 30' → [30, 30, 30], or ValidationError saying what is wrong."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise ValidationError("Give the width of each past-due period in days, e.g. 30, 30, 30.")
    if any(not p.isascii() or not p.isdigit() or int(p) < 1 for p in parts):
        raise ValidationError("Each period width must be a whole number of days, at least 1.")
    if len(parts) > aging.MAX_BUCKETS - 1:
        raise ValidationError(f"At most {aging.MAX_BUCKETS - 1} past-due periods.")
    widths = [int(p) for p in parts]
    try:
        aging.AgingScheme.from_edges(edges_from_widths(widths))
    except ValueError as exc:
        raise ValidationError(f"Not a valid aging scheme: {exc}.") from None
    return widths


class StyledForm(forms.Form):
    """Bootstrap classes on every widget (the templates render fields as they are)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class SettingsForm(StyledForm):
    name = forms.CharField(max_length=200)
    home_currency = forms.CharField(max_length=3, help_text="ISO 4217 code, e.g. USD, EUR, GBP.")
    timezone = forms.CharField(max_length=64, help_text="IANA zone, e.g. Europe/Paris.")
    fiscal_year_start_month = forms.TypedChoiceField(choices=MONTHS, coerce=int)
    aging_widths = forms.CharField(
        label="Past-due periods (days each)",
        help_text="Width of each period after Current, e.g. 30, 30, 30, 30.",
    )
    aging_basis = forms.ChoiceField(choices=aging.Basis.choices())
    remit_to = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=1000, required=False
    )
    logo = forms.ImageField(required=False, help_text="PNG or JPEG, at most 1 MB.")
    logo_clear = forms.BooleanField(required=False, label="Remove the logo")
    sync_schedule_enabled = forms.BooleanField(
        required=False, label="Sync automatically (daily and every 4 hours)"
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("The company needs a name.")
        return name

    def clean_home_currency(self) -> str:
        code = self.cleaned_data["home_currency"].strip().upper()
        validate_currency(code)
        return code

    def clean_timezone(self) -> str:
        zone = self.cleaned_data["timezone"].strip()
        validate_timezone(zone)
        return zone

    def clean_aging_widths(self) -> list[int]:
        return parse_widths(self.cleaned_data["aging_widths"])

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and logo.size > 1024 * 1024:
            raise ValidationError("The logo must be at most 1 MB.")
        return logo

    def values(self) -> dict:
        """The cleaned data as the settings service takes it (edges, not widths)."""
        data = dict(self.cleaned_data)
        data["aging_edges"] = edges_from_widths(data.pop("aging_widths"))
        return data


class InviteForm(StyledForm):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.VIEWER)


class RoleForm(StyledForm):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class DeleteForm(StyledForm):
    confirmation = forms.CharField(max_length=200, label="Type the company name to confirm")


class SignUpForm(StyledForm):
    """A new account for an invited person (their email is their user name)."""

    password1 = forms.CharField(widget=forms.PasswordInput, label="Password")
    password2 = forms.CharField(widget=forms.PasswordInput, label="Password again")

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            raise ValidationError({"password2": "The two passwords differ."})
        return data
