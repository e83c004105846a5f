"""Save an imported scoring sheet: every row through score_save, all or nothing."""

from django.core.exceptions import ValidationError
from django.db import transaction

from awards.models import Bid
from awards.models.scorecard import Criterion
from awards.services.scoring_scores import score_save
from procurement.exceptions import DomainError


@transaction.atomic
def scoresheet_import(*, actor, procedure, rows: list[dict]) -> int:
    """Rows: {"row", "bid", "criterion", "value", "rationale"} as checked by awards.spreadsheets.sheet_parse.
    Any refusal rolls every row back and names the sheet row."""
    bids = {b.pk: b for b in Bid.objects.filter(procedure=procedure).select_related("vendor", "procedure")}
    criteria = {c.pk: c for c in Criterion.objects.filter(scorecard__procedure=procedure).select_related("scorecard")}
    for row in rows:
        bid, criterion = bids.get(row["bid"]), criteria.get(row["criterion"])
        if bid is None or criterion is None:
            raise DomainError(f"Row {row['row']}: the bid or criterion no longer exists.")
        try:
            score_save(actor=actor, bid=bid, criterion=criterion, value=row["value"], rationale=row["rationale"])
        except ValidationError as exc:
            raise DomainError(f"Row {row['row']}: " + " ".join(exc.messages)) from None
        except DomainError as exc:
            raise DomainError(f"Row {row['row']}: {exc}") from None
    return len(rows)
