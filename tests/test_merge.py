"""Three-way merge: one-sided changes merge, same-field changes conflict, signed stays signed."""

from hypothesis import given
from hypothesis import strategies as st

from lcc_apr.sync.merge import STATUS, merge, resolve


def state(status="draft", **answers):
    return {"answers": answers, "status": status}


def test_changes_to_different_fields_merge():
    base = state(a="1", b="1")
    result = merge(base, state(a="mine", b="1"), state(a="1", b="theirs", c="new"))
    assert result.clean and result.answers == {"a": "mine", "b": "theirs", "c": "new"}


def test_the_same_change_on_both_sides_is_not_a_conflict():
    result = merge(state(a="1"), state(a="2"), state(a="2"))
    assert result.clean and result.answers == {"a": "2"}


def test_different_changes_to_one_field_conflict_and_keep_the_server_value_for_now():
    result = merge(state(a="1", b="x"), state(a="mine", b="y"), state(a="theirs", b="x"))
    assert result.conflicts == ["a"]
    assert result.answers == {"a": "theirs", "b": "y"}
    assert resolve(result, state(a="mine"), {"a": "mine"})["a"] == "mine"
    assert resolve(result, state(a="mine"), {"a": "theirs"})["a"] == "theirs"
    assert resolve(result, state(a="mine"), {}, edits={"a": "both"})["a"] == "both"


def test_a_removal_against_an_edit_conflicts():
    result = merge(state(a="1"), state(), state(a="2"))
    assert result.conflicts == ["a"]


def test_status_changes_merge_or_conflict():
    assert merge(state("draft"), state("shared"), state("draft", a="x")).status == "shared"
    clash = merge(state("shared"), state("draft"), state("responded"))
    assert clash.conflicts == [STATUS] and clash.status == "responded"


def test_a_signed_server_version_is_not_changed_by_a_merge():
    base = state("employee_signed", a="1", comments="")
    local = state("employee_signed", a="edited", comments="added")
    server = state("completed", a="1", comments="")
    result = merge(
        base, local, server, server_locked=True, editable_after_signoff=frozenset({"comments"})
    )
    assert result.conflicts == ["a"]
    assert result.answers == {"a": "1", "comments": "added"} and result.status == "completed"


VALUES = st.one_of(st.none(), st.sampled_from(["x", "y", "z"]))
STATES = st.dictionaries(st.sampled_from(["a", "b", "c"]), VALUES)


@given(base=STATES, local=STATES, server=STATES)
def test_merge_properties(base, local, server):
    def clean(d):
        return {k: v for k, v in d.items() if v is not None}

    result = merge(state(**base), state(**local), state(**server))
    # Nothing local is silently dropped: every locally changed field either wins or conflicts.
    for key in set(base) | set(local):
        if local.get(key) != base.get(key) and key not in result.conflicts:
            assert result.answers.get(key) == local.get(key)
    # With no local change the server wins; with no server change the local wins.
    assert merge(state(**base), state(**base), state(**server)).answers == clean(server)
    assert merge(state(**base), state(**local), state(**base)).answers == clean(local)
