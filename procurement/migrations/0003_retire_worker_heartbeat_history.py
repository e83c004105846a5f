"""The worker heartbeat stops keeping history (issue 18).

Why: beat rewrites each worker's heartbeat every minute. With history that was ~1,440 history rows and as many
audit seals a day per worker, burying the records an auditor reads under telemetry nobody acts on.

What happens to what was already written: the history table is dropped (a DROP fires no row trigger on SQLite
or PostgreSQL, so the append-only triggers are no obstacle, and they go with the table). The seals of its rows
stay: the seal table is append-only, and the signed checkpoints (procurement.audit.checkpoint) remember every
chain's head, so removing them would look exactly like a cut tail. Instead this migration appends one
*retirement seal* before the drop:

    object_key    "retired:procurement.historicalworkerheartbeat"
    history_model "procurement.historicalworkerheartbeat", history_id 0 (no history row has id 0; the unique
                  (history_model, history_id) pair allows one retirement per table)
    sequence 1, previous_hash = GENESIS, columns "" (it covers no history columns)
    row_hash      sha256 of the canonical JSON of {"format": "baton-audit-retirement/1",
                  "history_model": <label>, "chains": {object key: [head sequence, head row hash]}}

so the heartbeat chains are pinned as they were when their rows went: `audit_verify` can still check that each
of them links up and that none was extended or shortened since, and reports the table as retired here rather
than as vanished. (The verifier's side is in procurement.audit.chain.)
"""

import hashlib
import json
import logging

from django.apps import apps as global_apps
from django.db import migrations

logger = logging.getLogger(__name__)

LABEL = "procurement.historicalworkerheartbeat"
RETIREMENT_FORMAT = "baton-audit-retirement/1"
RETIRED_PREFIX = "retired:"
GENESIS = "0" * 64


def retirement_hash(label: str, heads: dict[str, tuple[int, str]]) -> str:
    payload = {"format": RETIREMENT_FORMAT, "history_model": label,
               "chains": {key: [sequence, digest] for key, (sequence, digest) in heads.items()}}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_heads(seal_model, label: str, using: str) -> dict[str, tuple[int, str]]:
    """{object key: (head sequence, head row hash)} of every chain of `label`'s rows."""
    heads: dict[str, tuple[int, str]] = {}
    seals = (seal_model._base_manager.using(using).filter(history_model=label)
             .exclude(object_key__startswith=RETIRED_PREFIX).order_by("object_key", "sequence")
             .values_list("object_key", "sequence", "row_hash"))
    for object_key, sequence, digest in seals.iterator(chunk_size=2000):
        heads[object_key] = (sequence, digest)
    return heads


def retire_heartbeat_history(apps, schema_editor):
    if apps is global_apps:
        return  # procurement.seeding re-runs data migrations on the live registry: nothing to retire there
    using = schema_editor.connection.alias
    seal_model = apps.get_model("audit", "AuditSeal")
    history_model = apps.get_model("procurement", "HistoricalWorkerHeartbeat")
    heads = chain_heads(seal_model, LABEL, using)
    rows = history_model._base_manager.using(using).count()
    if not heads or seal_model._base_manager.using(using).filter(history_model=LABEL, history_id=0).exists():
        if rows:
            logger.warning("Dropping %s unsealed heartbeat history rows", rows)
        return
    seal_model._base_manager.using(using).create(
        history_model=LABEL, history_id=0, object_key=f"{RETIRED_PREFIX}{LABEL}", sequence=1,
        previous_hash=GENESIS, row_hash=retirement_hash(LABEL, heads), columns="",
    )
    logger.warning("Heartbeat history retired: %s rows dropped, their %s chains pinned by a retirement seal",
                   rows, len(heads))


class Migration(migrations.Migration):

    dependencies = [
        ("procurement", "0002_exchange_rates"),
        # The log index is filled first, so the heartbeat's past lines stay in the auditor's log.
        ("audit", "0002_audit_log_index"),
    ]

    operations = [
        migrations.RunPython(retire_heartbeat_history, migrations.RunPython.noop),
        migrations.DeleteModel(name="HistoricalWorkerHeartbeat"),
    ]
