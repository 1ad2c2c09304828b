"""Closed vocabularies of the domain, stored as plain strings.

Equality values follow the categories the council publishes (People Strategy
2020-24, "Our workforce"), plus the two answers every question allows:
PREFER_NOT_TO_SAY (the person chose not to answer) and NOT_DECLARED (asked,
no answer on file). A NULL column means no monitoring return is held at all.
"""

from enum import StrEnum


class Role(StrEnum):
    MANAGER = "manager"
    EMPLOYEE = "employee"
    HR = "hr"
    ADMIN = "admin"


class RecordKind(StrEnum):
    APR = "apr"
    SUPERVISION = "supervision"
    PROBATION = "probation"
    CAPABILITY = "capability"
    RETURN_TO_WORK = "return_to_work"
    ATTENDANCE = "attendance"
    WELFARE_CONTACT = "welfare_contact"

    @property
    def label(self) -> str:
        """What people call one: 'Annual Performance Review', 'Probation review'..."""
        return _KIND_LABELS[self.value][0]

    @property
    def plural(self) -> str:
        """'Annual Performance Reviews', 'Supervisions'..."""
        return _KIND_LABELS[self.value][0] + "s"

    @property
    def short_label(self) -> str:
        """For a narrow column heading: 'APR', 'Supervision', 'Capability'..."""
        return _KIND_LABELS[self.value][1]


# The one set of record-kind labels: (label, short label), by RecordKind value.
_KIND_LABELS = {
    "apr": ("Annual Performance Review", "APR"),
    "supervision": ("Supervision", "Supervision"),
    "probation": ("Probation review", "Probation"),
    "capability": ("Capability case", "Capability"),
    "return_to_work": ("Return-to-work interview", "Return to work"),
    "attendance": ("Attendance review", "Attendance"),
    "welfare_contact": ("Welfare contact", "Welfare contact"),
}


class ContractType(StrEnum):
    PERMANENT = "permanent"
    FIXED_TERM = "fixed_term"
    CASUAL = "casual"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"
    NOT_DECLARED = "not_declared"


class AgeBand(StrEnum):
    UNDER_20 = "under_20"
    AGE_20_29 = "20_29"
    AGE_30_39 = "30_39"
    AGE_40_49 = "40_49"
    AGE_50_59 = "50_59"
    AGE_60_PLUS = "60_plus"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"
    NOT_DECLARED = "not_declared"


class Ethnicity(StrEnum):
    ASIAN = "asian_indian_pakistani_other"
    BLACK = "black_african_caribbean_other"
    WHITE_BRITISH = "white_british"
    WHITE_OTHER = "white_other"
    MIXED = "mixed"
    OTHER = "other_ethnic_group"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"
    NOT_DECLARED = "not_declared"


class Disability(StrEnum):
    DISABLED = "disabled"
    NOT_DISABLED = "not_disabled"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"
    NOT_DECLARED = "not_declared"


class SexualOrientation(StrEnum):
    HETEROSEXUAL = "heterosexual"
    LESBIAN_GAY_BI = "lesbian_gay_bi"
    OTHER = "other"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"
    NOT_DECLARED = "not_declared"


class Religion(StrEnum):
    NO_RELIGION = "no_religion"
    CHRISTIAN = "christian"
    BUDDHIST = "buddhist"
    HINDU = "hindu"
    JEWISH = "jewish"
    MUSLIM = "muslim"
    SIKH = "sikh"
    OTHER = "other"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"
    NOT_DECLARED = "not_declared"


class SignOffRole(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"
    HR = "hr"


class SignOffDecision(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    CONFIRM = "confirm"  # manager or HR confirming the record as final


class ChangeAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    STATUS = "status"
    SIGN = "sign"
    AMEND = "amend"
    DELETE = "delete"
    SYNC = "sync"  # the server's version taken in (a pull, or the base before a local edit)
