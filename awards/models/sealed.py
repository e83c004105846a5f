"""Sealed bids and their opening (issue 20).

Each portal procedure gets a key pair when its first sealed item arrives (SealingKey): the public half seals every
file and price schedule a bidder sends (awards.sealing: X25519 + HKDF + AES-GCM, one fresh key per item); the
private half is stored only wrapped (encrypted with a key derived from SECRET_KEY) and is unwrapped by exactly one
code path, the bid opening (awards.services.opening), after proposals-due and with the witnesses the policy
requires. Until then the database holds ciphertext, sizes and the hashes on the bidders' receipts: no page,
export, admin screen, task or API call can read a bid's content, because nothing in the app can decrypt it.

At the opening each on-time item is decrypted, its sha256 checked against the receipt, and copied into the
ordinary records (awards.ProposalDocument, awards.PriceLine); the OpeningEntry rows are the opening record.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from awards.models.bids import Bid
from awards.models.procedure import AwardProcedure
from procurement.models import TimeStampedModel


class SealingKey(models.Model):
    procedure = models.OneToOneField(AwardProcedure, on_delete=models.CASCADE, related_name="sealing_key")
    public_key = models.CharField(max_length=64, help_text="X25519 public key, base64.")
    wrapped_private_key = models.TextField(help_text="The private key, encrypted; unwrapped only by the opening.")
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True, editable=False,
                                       help_text="When the opening first used the private key.")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Sealing key of {self.procedure.reference}"


class SealedSubmission(TimeStampedModel):
    """A bidder's envelope for one bid: assembled (items added, replaced, removed), then submitted; withdrawn or
    submitted again until proposals-due; opened at the opening, or kept unopened (a late bid not admitted)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Being prepared"
        SUBMITTED = "submitted", "Submitted, sealed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        OPENED = "opened", "Opened"
        UNOPENED = "unopened", "Kept unopened"

    bid = models.OneToOneField(Bid, on_delete=models.CASCADE, related_name="sealed")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False,
                                        help_text="Server time the submission was sealed (the receipt time).")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False)
    late = models.BooleanField(default=False, editable=False, help_text="Submitted after proposals-due.")
    receipt_hash = models.CharField(max_length=64, blank=True, editable=False,
                                    help_text="sha256 over the bid, the receipt time and the items' hashes.")
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Sealed submission of bid {self.bid_id}"


def sealed_item_upload_to(instance: "SealedItem", filename: str) -> str:
    return f"awards/sealed/{instance.submission.bid.procedure_id}/{filename}"


class SealedItem(models.Model):
    """One sealed file or price schedule. Title, original name and content type are sealed too (in `envelope`);
    only the size and the plaintext's sha256 (the bidder's receipt; a price schedule carries a random salt so its
    hash cannot be guessed) are in the clear."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", "Proposal document"
        PRICE_SCHEDULE = "price_schedule", "Price schedule"

    submission = models.ForeignKey(SealedSubmission, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    blob = models.FileField(upload_to=sealed_item_upload_to, max_length=255,
                            help_text="The ciphertext, in private storage.")
    envelope = models.TextField(help_text="The sealing header and the sealed metadata (base64 JSON).")
    sha256 = models.CharField(max_length=64, editable=False, help_text="sha256 of the plaintext (the receipt).")
    size = models.PositiveBigIntegerField(editable=False, help_text="Plaintext size in bytes.")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 editable=False)
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True, editable=False,
                                      help_text="Replaced or removed by the bidder before the deadline.")
    opened_document = models.ForeignKey("awards.ProposalDocument", on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+", editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["submission", "added_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sha256[:12]}"


class BidOpening(TimeStampedModel):
    """The opening of a procedure's sealed bids: started after proposals-due, opened once the required number of
    named witnesses have each confirmed their presence under their own sign-in."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for witnesses"
        OPENED = "opened", "Opened"

    procedure = models.OneToOneField(AwardProcedure, on_delete=models.CASCADE, related_name="opening")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING, editable=False)
    witnesses_required = models.PositiveSmallIntegerField(editable=False)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   editable=False)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    record_hash = models.CharField(max_length=64, blank=True, editable=False,
                                   help_text="sha256 of the opening record as it was written.")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Bid opening of {self.procedure.reference}"


class OpeningWitness(models.Model):
    opening = models.ForeignKey(BidOpening, on_delete=models.CASCADE, related_name="witnesses")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    named_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["opening", "pk"]
        constraints = [models.UniqueConstraint(fields=["opening", "person"], name="unique_opening_witness")]

    def __str__(self) -> str:
        return f"{self.person} at {self.opening}"


class OpeningEntry(models.Model):
    """One line of the opening record: a bid, when it was received, and what was in it (titles, names, hashes)."""

    class Outcome(models.TextChoices):
        OPENED = "opened", "Opened"
        LATE_UNOPENED = "late_unopened", "Late: kept unopened until a decision"
        NOT_SUBMITTED = "not_submitted", "Nothing submitted"
        WITHDRAWN = "withdrawn", "Withdrawn by the bidder"

    opening = models.ForeignKey(BidOpening, on_delete=models.CASCADE, related_name="entries")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="opening_entries")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    received_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True,
                                     help_text="When its items were decrypted (a late bid: once admitted).")
    files = models.JSONField(default=list, blank=True,
                             help_text="[{kind, title, original_name, sha256, size, verified}] as opened.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["opening", "pk"]
        constraints = [models.UniqueConstraint(fields=["opening", "bid"], name="unique_opening_entry")]

    def __str__(self) -> str:
        return f"{self.bid} — {self.get_outcome_display()}"
