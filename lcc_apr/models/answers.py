"""The column type of a record's answers: JSON everywhere, compressed in a local store.

On the server (SQLite or PostgreSQL) answers are plain JSON, as they always were. On an
engine made by lcc_apr.store (its dialect carries PACKED, as for history patches) they
are stored as bytes:

    FACTS  b"\\0"  ZSTD

- ZSTD: the answers' JSON in lcc_apr.evidence.answers_json's form (keys sorted), as one
  zstd frame made with DICTIONARY. Unpacked, these are the very bytes the content hash
  covers, so a cache hashes them without parsing (lcc_apr.evidence.hash_of_stored).
- FACTS: a small JSON object of the few answers the cache's indexes read in SQL
  (`fact_sql`: management information, the schedule), readable by SQLite's own JSON
  functions. JSON text holds no zero byte, so the first one ends it.

Rows of JSON text (a cache before store migration 0019) are read as they are, and the
SQL of `fact_sql` reads both forms. Full demo: answers 2.4x smaller; the dictionary
(the templates' answer keys and option values, never the answers people typed) gains
about 15% over zstd alone on 1.5 KB answers.
"""

from __future__ import annotations

import threading
from typing import Any, cast

import orjson
import zstandard
from sqlalchemy import JSON, ColumnElement, String, TypeDecorator, literal_column
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from .base import jsonb
from .patches import _Packed, packs

END = b"\0"
LEVEL = 1  # 2.40x at 142 MB/s; level 3 gains 2% at 88% of the speed
# Never change these: stored answers need them to be read. Another dictionary means a
# new form beside this one (tell them apart by FACTS' "~" key, absent here).
KEYS = (
    "action",
    "actions",
    "agreed_frequency",
    "agreement",
    "agreement_notes",
    "agreement_status",
    "appeal",
    "appeal_against",
    "appeal_companion_name",
    "appeal_grounds",
    "appeal_heard_by",
    "appeal_lodged_date",
    "appeal_manager_not_involved",
    "appeal_meeting_date",
    "appeal_outcome",
    "appeal_outcome_date",
    "appeal_outcome_reasons",
    "apr",
    "areas_to_improve",
    "attendance",
    "attendance_rating",
    "attendees",
    "capability",
    "career",
    "career_aspirations",
    "carried_forward",
    "case",
    "case_decisions",
    "case_discussion",
    "case_reference",
    "comments",
    "concerns",
    "concerns_guidance",
    "conduct",
    "conduct_rating",
    "confidentiality",
    "consequences_explained",
    "decision",
    "details",
    "development",
    "development_plan",
    "disagreement_reasons",
    "due_date",
    "duration_minutes",
    "employee_actions",
    "employee_comments",
    "employee_response",
    "escalations",
    "evidence",
    "extension_end_date",
    "extension_reasons",
    "fail_guidance",
    "fail_reasons",
    "final",
    "final_warning_appeal_guidance",
    "final_warning_companion",
    "final_warning_companion_name",
    "final_warning_concerns_in_writing",
    "final_warning_consequences",
    "final_warning_expiry_date",
    "final_warning_improvement_required",
    "final_warning_letter_date",
    "final_warning_meeting_date",
    "final_warning_meeting_notes",
    "final_warning_new_meeting_date",
    "final_warning_outcome_date",
    "final_warning_postponed",
    "final_warning_review_date",
    "final_warning_review_findings",
    "final_warning_stage",
    "final_warning_support",
    "has_concerns",
    "hearing",
    "hearing_action_details",
    "hearing_appeal_guidance",
    "hearing_chair",
    "hearing_companion",
    "hearing_companion_name",
    "hearing_concerns_in_writing",
    "hearing_decision",
    "hearing_decision_reasons",
    "hearing_last_day",
    "hearing_letter_date",
    "hearing_meeting_date",
    "hearing_meeting_notes",
    "hearing_new_meeting_date",
    "hearing_outcome_date",
    "hearing_postponed",
    "hr",
    "hr_companion",
    "hr_decision",
    "hr_decision_reasons",
    "hr_extension_end_date",
    "hr_letter_date",
    "hr_meeting_date",
    "improvement_note_appeal_guidance",
    "improvement_note_companion",
    "improvement_note_companion_name",
    "improvement_note_concerns_in_writing",
    "improvement_note_consequences",
    "improvement_note_expiry_date",
    "improvement_note_improvement_required",
    "improvement_note_letter_date",
    "improvement_note_meeting_date",
    "improvement_note_meeting_notes",
    "improvement_note_new_meeting_date",
    "improvement_note_outcome_date",
    "improvement_note_postponed",
    "improvement_note_review_date",
    "improvement_note_review_findings",
    "improvement_note_stage",
    "improvement_note_support",
    "informal",
    "informal_review_findings",
    "is_final_review",
    "keeping_in_touch",
    "last_time",
    "last_year",
    "learning",
    "learning_needs",
    "management",
    "manager_comments",
    "measure",
    "meeting",
    "meeting_date",
    "new_actions",
    "new_objectives",
    "next",
    "next_supervision_date",
    "objective",
    "occupational_health_referral",
    "outcome",
    "overall",
    "overall_rating",
    "owner",
    "pass_guidance",
    "performance",
    "previous_actions",
    "previous_objectives",
    "probation",
    "probation_concerns",
    "programmes_of_interest",
    "progress",
    "quality_of_work",
    "quality_of_work_rating",
    "rating_reasons",
    "rationale",
    "reasonable_adjustments",
    "records_kept",
    "reflection",
    "response",
    "review",
    "review_date",
    "review_period",
    "review_period_weeks",
    "review_point_weeks",
    "stage",
    "standards",
    "standards_expected",
    "status",
    "supervision",
    "supervision_type",
    "support",
    "support_agreed",
    "support_offered",
    "target_date",
    "underlying_causes",
    "update",
    "value_1_evidence",
    "value_1_rating",
    "value_2_evidence",
    "value_2_rating",
    "value_3_evidence",
    "value_3_rating",
    "value_4_evidence",
    "value_4_rating",
    "value_5_evidence",
    "value_5_rating",
    "values",
    "values_and_behaviours",
    "values_and_behaviours_rating",
    "values_discussion",
    "wellbeing",
    "wellbeing_check_in",
    "wellbeing_discussion",
    "wellbeing_support",
    "workload",
    "year_ahead",
)
VALUES = (
    "agree",
    "aspiring_managers",
    "carried_forward",
    "changed",
    "closed_hearing",
    "closed_improved",
    "colleague",
    "confirm",
    "consistently_demonstrates",
    "developing",
    "disagree",
    "dismissal",
    "does_not_meet",
    "done",
    "downgrading",
    "dropped",
    "end_employment",
    "exceeds",
    "executive_coaching",
    "extend",
    "extended_warning",
    "fail",
    "final_hearing",
    "final_warning",
    "fortnightly",
    "four_weekly",
    "group",
    "hearing_decision",
    "improvement_note",
    "in_place",
    "informal",
    "leadership_framework",
    "meeting",
    "meets",
    "met",
    "monthly",
    "new",
    "no_further_action",
    "none",
    "not_meeting",
    "not_met",
    "not_upheld",
    "not_yet_demonstrated",
    "open",
    "partly_meeting",
    "partly_meets",
    "partly_met",
    "partly_upheld",
    "pass",
    "planned",
    "redeployment",
    "six_weekly",
    "supervisor_development",
    "trade_union",
    "unchanged",
    "unplanned",
    "upheld",
    "usually_demonstrates",
    "weekly",
)
DICTIONARY = zstandard.ZstdCompressionDict(
    b"".join(b'"%s":"' % k.encode() for k in KEYS)
    + b"".join(b'"%s",' % v.encode() for v in VALUES),
    dict_type=zstandard.DICT_TYPE_RAWCONTENT,
)


def _kept(value: Any) -> Any:
    return value if isinstance(value, str | int | float) else None


def _said(value: Any) -> Any:
    """As SQL's coalesce(json_extract(...), '') != '' on the answers: anything but null
    or an empty text."""
    return None if value is None or value == "" else True


# The answers the indexes read, and what FACTS keeps of each (None: nothing kept)
FACTS = {
    "keeping_in_touch": _said,  # whether a check-in was recorded, not what was said
    "mid_year_date": _kept,  # the schedule's mid-year review (APR form v2 on)
    "next_supervision_date": _kept,
    "overall_rating": _kept,
}


def fact_sql(key: str, packed: bool, column: str = "answers") -> str:
    """SQL for answer `key` as an index and its queries read it (word for word the same in
    both). `packed`: a local store's, reading FACTS from packed rows and JSON text rows."""
    if not packed:
        return f"json_extract({column}, '$.{key}')"
    facts = f"CAST(substr({column}, 1, instr({column}, x'00') - 1) AS TEXT)"
    return f"json_extract(iif(typeof({column}) = 'text', {column}, {facts}), '$.{key}')"


def fact(key: str, column: Any, dialect: Dialect) -> ColumnElement[str]:
    """Answer `key` of the records table's answers `column`, as text, in a query built with
    SQLAlchemy: FACTS in a local store, else the JSON path."""
    if packs(dialect):
        return literal_column(fact_sql(key, True, "records.answers"), String)
    return cast(ColumnElement[str], column[key].as_string())


class _Codec(threading.local):
    def __init__(self) -> None:
        self.packer = zstandard.ZstdCompressor(
            level=LEVEL, dict_data=DICTIONARY, write_checksum=False, write_dict_id=False
        )
        self.unpacker = zstandard.ZstdDecompressor(dict_data=DICTIONARY)


_codec = _Codec()


def pack(answers: dict[str, Any], text: bytes) -> bytes:
    """Answers stored packed; `text` is their JSON in answers_json's form."""
    facts = {}
    for key, keep in FACTS.items():
        kept = keep(answers.get(key))
        if kept is not None:
            facts[key] = kept
    return orjson.dumps(facts) + END + _codec.packer.compress(text)


def pack_text(text: bytes | str) -> bytes:
    """Answers' JSON text (answers_json's form) stored packed."""
    raw = text.encode() if isinstance(text, str) else text
    return pack(orjson.loads(raw), raw)


def json_of(stored: bytes | str) -> bytes:
    """The answers' JSON text from a stored value of either form."""
    if isinstance(stored, str):
        return stored.encode()
    return _codec.unpacker.decompress(stored[stored.index(END) + 1 :])


def unpack(stored: bytes | str) -> dict[str, Any]:
    return dict(orjson.loads(json_of(stored)))


def answers_text(answers: dict[str, Any]) -> bytes:
    return orjson.dumps(answers, option=orjson.OPT_SORT_KEYS)


class AnswersDoc(TypeDecorator[dict[str, Any]]):
    """JSON (JSONB on PostgreSQL); packed bytes on a local store's engine."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return jsonb(dialect)
        if packs(dialect):
            return _Packed()
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or not packs(dialect):
            return value
        return pack(value, answers_text(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or not packs(dialect):
            return value
        return unpack(value)
