"""Forms of the template pages and of starting a procedure (issue 21). Input shape only: the rules live in
awards.services.templates and awards.templates_defs."""

from django import forms

from awards.forms.procedure import DateInput, users_with_role
from awards.models import ProcedureTemplate
from awards.models.scorecard import ScorecardTemplate
from procurement.accounts.roles import Role
from vendors.models import OfferingType


class TemplateSaveForm(forms.Form):
    """Save as a new template, or as the next version of an active one of the same kind."""

    template = forms.ModelChoiceField(
        queryset=ScorecardTemplate.objects.none(), required=False, empty_label="A new template",
        label="Save as", help_text="A new template starts at version 1; choosing an existing one saves its next "
                                   "version (the history keeps every earlier one).")
    name = forms.CharField(max_length=200, label="Template name")
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                                  label="What it is for")
    reason = forms.CharField(required=False, max_length=90, label="What changes in this version",
                             help_text="Required for a new version; kept with it in the version history.")

    def __init__(self, *args, model=ScorecardTemplate, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = model.objects.filter(active=True).order_by("name")
        self.fields["template"].label_from_instance = lambda t: f"{t.name} (now v{t.version})"


class RetireForm(forms.Form):
    reason = forms.CharField(max_length=90, widget=forms.Textarea(attrs={"rows": 2}), label="Why retire it",
                             help_text="Recorded in the template's history with your name. The template is kept "
                                       "and the procedures built from it are not changed.")


class StartSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Reference or title",
                        widget=forms.TextInput(attrs={"type": "search"}))


class StartForm(forms.Form):
    """The few things a new procedure does not take from its source."""

    title = forms.CharField(max_length=200)
    business_owner = forms.ModelChoiceField(queryset=None, label="Business owner",
                                            help_text="Active people who hold the business owner role.")
    estimated_value = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0,
                                         label="Estimated contract value")
    currency = forms.CharField(max_length=3, min_length=3, label="Currency",
                               help_text="ISO 4217 code, e.g. EUR, GBP, USD.")
    rfp_issue_date = forms.DateField(required=False, widget=DateInput(), label="RFP issue date",
                                     help_text="The source's other dates follow it by the same number of days. "
                                               "Leave empty to set the timeline later.")
    # Only when the source is a scorecard template (it says nothing about the procedure itself):
    category = forms.ChoiceField(choices=OfferingType.choices, label="Category")
    term_months = forms.IntegerField(min_value=1, max_value=360, label="Term (months)")
    need_statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Need statement")

    EXTRA = ("category", "term_months", "need_statement")

    def __init__(self, *args, asks_details: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_owner"].queryset = users_with_role(Role.BUSINESS_OWNER)
        self.fields["business_owner"].label_from_instance = (
            lambda u: f"{u.get_full_name() or u.username} ({u.username})")
        if not asks_details:
            for name in self.EXTRA:
                del self.fields[name]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["currency"] = data["currency"].upper()
        return data


def template_model(kind: str):
    return {"scorecard": ScorecardTemplate, "setup": ProcedureTemplate}[kind]
