"""The one set of record-kind labels (RecordKind.label, .plural, .short_label)."""

from lcc_apr.models import RecordKind


def test_every_kind_has_its_labels_in_the_current_wording():
    assert [(k.label, k.plural, k.short_label) for k in RecordKind] == [
        ("Annual Performance Review", "Annual Performance Reviews", "APR"),
        ("Supervision", "Supervisions", "Supervision"),
        ("Probation review", "Probation reviews", "Probation"),
        ("Capability case", "Capability cases", "Capability"),
        ("Return-to-work interview", "Return-to-work interviews", "Return to work"),
        ("Attendance review", "Attendance reviews", "Attendance"),
        ("Welfare contact", "Welfare contacts", "Welfare contact"),
    ]
