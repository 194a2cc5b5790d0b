"""Forms of the company's collections settings page (cadence texts and the report schedule)."""

from django import forms
from django.core.validators import validate_email

from ar_collections import cadence
from ar_collections.models import CollectionSettings, ReminderStage


class StageForm(forms.ModelForm):
    class Meta:
        model = ReminderStage
        fields = ("name", "days_after_due", "subject", "body", "attach_statement", "is_active")
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def clean(self):
        data = super().clean()
        for name in ("subject", "body"):
            error = cadence.check_template(data.get(name) or "")
            if error:
                self.add_error(name, f"Template error: {error}")
        return data


class SettingsForm(forms.ModelForm):
    class Meta:
        model = CollectionSettings
        fields = (
            "reminders_enabled",
            "reminder_from_email",
            "report_enabled",
            "report_recipients",
            "report_frequency",
            "report_weekday",
        )
        widgets = {"report_recipients": forms.Textarea(attrs={"rows": 3})}

    def clean_report_recipients(self) -> str:
        text = self.cleaned_data["report_recipients"]
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for line in lines:
            validate_email(line)
        return "\n".join(lines)

    def clean_report_weekday(self) -> int:
        day = self.cleaned_data["report_weekday"]
        if not 0 <= day <= 6:
            raise forms.ValidationError("0 = Monday … 6 = Sunday.")
        return day


StageFormSet = forms.modelformset_factory(ReminderStage, form=StageForm, extra=1, can_delete=False)
