"""Forms of the vendors app: input shape only. Rules live in the services; `status` is never a field."""

from django import forms
from django.contrib.auth import get_user_model
from django_countries import countries

from procurement.accounts.roles import Role
from vendors import tiering
from vendors.models import (
    Attestation,
    DataCategory,
    Evidence,
    EvidenceKind,
    OfferingType,
    ReassessmentTrigger,
    Risk,
    Subprocessor,
    Tier,
    Vendor,
    VendorContact,
)
from vendors.selectors import ATTESTATION_STATES, FOLLOW_UP_STATES

User = get_user_model()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def active_leads():
    return User.objects.filter(is_active=True, groups__name=Role.PROCUREMENT_LEAD).order_by("last_name", "username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class VendorFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, widget=forms.TextInput(attrs={"type": "search"}),
                        help_text=None)
    tier = forms.ChoiceField(label="Tier", required=False,
                             choices=[("", "Any tier"), *Tier.choices, ("untiered", "Not tiered yet")])
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Vendor.Status.choices])
    offering_type = forms.ChoiceField(label="Offering", required=False,
                                      choices=[("", "Any offering"), *OfferingType.choices])
    attestation = forms.ChoiceField(label="Attestations", required=False,
                                    choices=[("", "Any"), *ATTESTATION_STATES])
    follow_ups = forms.ChoiceField(label="Follow-ups", required=False, choices=[("", "Any"), *FOLLOW_UP_STATES])


class CountrySelect(forms.TypedChoiceField):
    """Countries by their English name (django-countries' list, sorted by name); the two-letter code is stored.
    A code sent in lower case (a script, an old bookmark) is read as the same code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Country")
        kwargs.setdefault("help_text", "Where the contracting entity is registered.")
        super().__init__(choices=country_choices, coerce=str, empty_value="", **kwargs)

    def to_python(self, value):
        return super().to_python((value or "").strip().upper())


def country_choices():
    return [("", "Choose a country…"), *((c.code, c.name) for c in countries)]  # django-countries sorts by name


class VendorForm(forms.ModelForm):
    country = CountrySelect()
    data_categories = forms.MultipleChoiceField(
        label="Data categories processed", required=False, choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple, help_text="Which kinds of our data the vendor would process.")
    owner = UserChoiceField(label="Owner", queryset=User.objects.none(),
                            help_text="The Procurement lead responsible for this vendor.")

    class Meta:
        model = Vendor
        fields = ["legal_name", "trading_name", "website", "country", "offering_type", "ai_act_role",
                  "data_categories", "description", "owner"]
        labels = {"legal_name": "Legal name", "trading_name": "Trading name", "offering_type": "Offering type"}
        help_texts = {"description": "What the vendor offers and why we are looking at it (Markdown)."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_leads()

    def _post_clean(self):
        """Validation of the model happens in the service (which reports back onto this form)."""


class TieringForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in tiering.QUESTIONS:
            self.fields[question.code] = forms.ChoiceField(
                label=question.label, help_text=question.help,
                choices=[("", "Choose…"), *question.answers])


class TierOverrideForm(forms.Form):
    tier = forms.ChoiceField(label="Tier to set", choices=Tier.choices)
    reason = forms.CharField(label="Reason for the override", widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Kept in the audit trail and shown next to the tier.")


class TriggerForm(forms.Form):
    """What happened, plus the questionnaire as it stands (pre-filled); change the answers the event affects."""

    kind = forms.ChoiceField(label="What happened", choices=[("", "Choose…"), *ReassessmentTrigger.Kind.choices])
    occurred_on = forms.DateField(label="When it happened or came to light", widget=DateInput)
    description = forms.CharField(label="What changed", widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text="For example: the vendor moved the product to a new model version, "
                                            "or now sends our data to a new hosting provider.")

    def __init__(self, *args, current: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for question in tiering.QUESTIONS:
            self.fields[question.code] = forms.ChoiceField(
                label=f"{question.label} (after the change)", help_text=question.help, required=False,
                choices=[("", "Unchanged"), *question.answers],
                initial=(current or {}).get(question.code, ""))

    def answers(self) -> dict[str, str]:
        return {q.code: self.cleaned_data[q.code] for q in tiering.QUESTIONS if self.cleaned_data.get(q.code)}


class EvidenceForm(forms.Form):
    file = forms.FileField(label="File", help_text="PDF, images, Office documents, CSV, plain text or ZIP.")
    title = forms.CharField(label="Title", max_length=200)
    kind = forms.ChoiceField(label="Kind of evidence", choices=EvidenceKind.choices)
    source = forms.ChoiceField(label="Source", choices=Evidence.Source.choices)
    effective_date = forms.DateField(label="Effective date", widget=DateInput,
                                     help_text="The date the evidence speaks for, e.g. the report or audit date.")
    valid_until = forms.DateField(label="Valid until", required=False, widget=DateInput,
                                  help_text="Leave empty when it does not expire.")

    def __init__(self, *args, replaces: Evidence | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if replaces is not None:
            del self.fields["kind"]


class EvidenceReviewForm(forms.Form):
    review_outcome = forms.ChoiceField(label="Outcome", choices=[
        c for c in Evidence.Outcome.choices if c[0] != Evidence.Outcome.PENDING])
    review_notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text="Required when rejecting or noting gaps.")


class AttestationForm(forms.ModelForm):
    class Meta:
        model = Attestation
        fields = ["standard", "other_standard", "issuer", "scope", "issued_on", "expires_on", "evidence"]
        labels = {"issued_on": "Issued on", "expires_on": "Expires on", "evidence": "Linked evidence"}
        widgets = {"issued_on": DateInput, "expires_on": DateInput, "scope": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, vendor: Vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = Evidence.objects.filter(vendor=vendor)

    def _post_clean(self):
        pass


class RiskForm(forms.ModelForm):
    owner = UserChoiceField(label="Risk owner", queryset=User.objects.none())

    class Meta:
        model = Risk
        fields = ["title", "category", "description", "context", "inherent_likelihood", "inherent_impact",
                  "residual_likelihood", "residual_impact", "mitigations", "owner", "review_date"]
        labels = {"inherent_likelihood": "Inherent likelihood (1–5)", "inherent_impact": "Inherent impact (1–5)",
                  "residual_likelihood": "Residual likelihood (1–5)", "residual_impact": "Residual impact (1–5)",
                  "review_date": "Next review"}
        widgets = {"review_date": DateInput, "description": forms.Textarea(attrs={"rows": 3}),
                   "mitigations": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("last_name", "username")

    def _post_clean(self):
        pass


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}))


class ContactForm(forms.ModelForm):
    class Meta:
        model = VendorContact
        fields = ["name", "role", "email", "phone"]


class SubprocessorForm(forms.ModelForm):
    class Meta:
        model = Subprocessor
        fields = ["name", "purpose", "location"]

    def _post_clean(self):
        pass


class GrantForm(forms.Form):
    username = forms.CharField(label="Username", help_text="Give this person read access to the vendor.")

    def clean_username(self):
        user = User.objects.filter(username=self.cleaned_data["username"].strip(), is_active=True).first()
        if user is None:
            raise forms.ValidationError("No active user has that username.")
        return user


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV or Excel file",
                           help_text="Columns: legal_name, trading_name, website, country (a two-letter code such "
                                     "as IE, or the English name such as Ireland), offering_type, ai_act_role, "
                                     "data_categories (separated by ;), description, owner.")
