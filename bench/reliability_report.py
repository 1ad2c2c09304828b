"""docs/reliability.md from bench/results/*.json: each promise, its proof, its last figure.

Run `make reliability-report` after `make reliability` or `bench/load.py`; the
page is generated, never typed (tests/test_reliability_report.py checks that the
committed page is what this script makes from the committed results).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PAGE = ROOT / "docs" / "reliability.md"


@dataclass(frozen=True)
class Promise:
    text: str
    tests: tuple[str, ...]  # pytest node ids that prove it
    result: str = ""  # the bench/results file (stem) holding its figures, if any
    figures: tuple[str, ...] = ()  # which of that file's figures to quote (none named: all)


def _state_machine(db: str, name: str) -> Promise:
    """The sync state machine's promise on one database, with its long run's figures."""
    return Promise(
        f"Laptops and the server ({name}) lose nothing, apply nothing twice, end equal "
        "within each person's scope and keep every signature as signed, through cut and "
        "stalled requests and replies, clock skew, restarts, kill -9 of the server mid-push "
        "and laptops killed between commit and push (a state machine; `make reliability`).",
        (
            "tests/reliability/test_sync_machine.py::"
            f"test_laptops_and_the_server_lose_nothing_and_apply_nothing_twice[{db}]",
            "tests/reliability/test_found.py::"
            "test_a_deletion_is_not_undone_by_a_newer_server_version",
            "tests/reliability/test_found.py::"
            "test_the_employees_comment_on_a_record_taken_back_to_draft_is_kept",
        ),
        f"reliability-{db}",
    )


PROMISES: tuple[Promise, ...] = (
    Promise(
        "An edit made after a lost push reply still reaches the server; a key used again "
        "for other records is refused and nothing is applied or replayed.",
        (
            "tests/server/test_client_sync.py::"
            "test_an_edit_made_after_a_lost_push_answer_reaches_the_server",
            "tests/server/test_client_sync.py::"
            "test_a_key_the_server_holds_for_another_body_is_dropped_and_sent_afresh",
            "tests/server/test_push.py::"
            "test_a_key_used_again_for_another_body_is_refused_and_nothing_is_applied",
        ),
    ),
    Promise(
        "Integers out of range, long answer keys and long values get 422, never 500, "
        "and are neither echoed whole nor stored.",
        (
            "tests/server/test_sync_bounds.py::"
            "test_a_long_answer_key_is_refused_without_being_echoed_or_stored",
            "tests/server/test_sync_bounds.py::"
            "test_a_refusal_names_at_most_a_few_problems_each_cut_short",
        ),
    ),
    Promise(
        "A lost /auth/refresh reply does not sign the user out; a spent token after the "
        "grace still revokes its family.",
        (
            "tests/server/test_auth.py::"
            "test_a_refresh_whose_reply_was_lost_is_answered_again_within_the_grace",
            "tests/server/test_auth.py::"
            "test_a_spent_refresh_token_after_the_grace_revokes_the_family",
            "tests/server/test_client_refresh.py::"
            "test_a_lost_refresh_reply_leaves_the_laptop_signed_in",
        ),
    ),
    Promise(
        "A damaged store gets a sentence, not a traceback, and is left as it was.",
        ("tests/test_cli.py::test_a_damaged_store_is_reported_in_a_sentence_and_left_as_it_was",),
    ),
    Promise(
        "Without a usable keyring, signing in to a server asks for a passphrase.",
        (
            "tests/server/test_sign_in_passphrase.py::"
            "test_without_a_keyring_the_server_sign_in_asks_for_a_passphrase",
        ),
    ),
    Promise(
        "The laptop's data folder is 0700 and its store, key, signing key, audit log and "
        "settings 0600 (Linux and macOS).",
        (
            "tests/test_private_files.py::"
            "test_the_data_folder_is_made_owner_only_and_an_open_one_is_closed",
            "tests/test_private_files.py::"
            "test_a_new_store_its_journal_and_its_key_file_are_owner_only",
            "tests/ui/test_settings_file.py::test_the_settings_file_is_owner_only",
        ),
    ),
    Promise(
        "A body over the limit gets 413 however it is sent (a chunked one is not read past "
        "the limit); a body without a valid token gets 401 before a byte of it is read.",
        (
            "tests/security/test_gate.py::"
            "test_a_chunked_body_over_the_limit_is_refused_without_reading_past_it",
            "tests/security/test_gate.py::test_an_anonymous_body_is_refused_before_a_byte_is_read",
        ),
    ),
    Promise(
        "Lockout holds under concurrency: forty sign-ins at once check no more passwords "
        "than the limit; an unknown username locks exactly like a real one.",
        (
            "tests/security/test_lockout.py::"
            "test_forty_wrong_passwords_at_once_check_no_more_than_the_limit",
            "tests/security/test_lockout.py::"
            "test_the_right_password_racing_wrong_ones_cannot_slip_past_a_lock",
            "tests/security/test_lockout.py::test_an_unknown_username_locks_exactly_like_a_real_one",
        ),
    ),
    Promise(
        "Failed sign-ins from one address are throttled (429 with Retry-After), so a "
        "fuzzer or a guesser cannot lock real accounts one after another.",
        (
            "tests/security/test_lockout.py::"
            "test_failures_from_one_address_are_throttled_whichever_names_they_try",
            "tests/security/test_lockout.py::"
            "test_a_fuzzer_cannot_lock_a_real_account_from_one_address",
        ),
    ),
    Promise(
        "The server's SQLite database and its -wal and -shm are 0600; answers over TLS carry HSTS.",
        (
            "tests/security/test_gate.py::test_the_server_database_and_its_journals_are_owner_only",
            "tests/security/test_gate.py::test_hsts_is_sent_over_tls_only",
        ),
    ),
    Promise(
        "Out of scope reads the same whether or not the target exists (403, audited); "
        "every route x kind of user x target answers as one table says.",
        (
            "tests/security/test_scope_refusals.py::"
            "test_out_of_scope_and_missing_targets_get_the_same_refusal_and_are_audited",
            "tests/security/test_authz_matrix.py::"
            "test_every_route_role_and_target_answers_as_the_matrix_says",
        ),
    ),
    Promise(
        "Every answer of the API is documented in its OpenAPI document and none is a "
        "server error (schemathesis: in process on SQLite in CI, against a server process "
        "on PostgreSQL in the long mode).",
        (
            "tests/security/test_api_fuzz.py::"
            "test_every_answer_is_documented_and_none_is_a_server_error",
            "tests/security/test_api_fuzz.py::"
            "test_a_running_server_answers_every_case_as_documented",
        ),
        "reliability-api-fuzz",
    ),
    Promise(
        "Under load the server turns requests away with 429 or 503 and Retry-After before "
        "touching the database, never a 500; a laptop waits as asked, then says the server "
        "is busy, and loses nothing (`bench/load.py`: simulated managers on PostgreSQL, "
        "two workers).",
        (
            "tests/server/test_busy.py::"
            "test_beyond_the_requests_in_flight_the_next_gets_429_without_touching_the_database",
            "tests/server/test_busy.py::test_no_pooled_connection_in_time_is_a_503_not_a_500",
            "tests/server/test_busy.py::"
            "test_sqlite_locked_past_its_wait_is_a_503_and_the_push_is_not_applied",
            "tests/server/test_client_busy.py::"
            "test_a_busy_server_is_waited_for_as_it_asks_and_the_edit_arrives",
            "tests/server/test_client_busy.py::"
            "test_a_server_still_busy_after_the_retries_is_said_and_nothing_is_lost",
        ),
        "load-postgresql-2w-500c",
        (
            "clients",
            "changes_per_s",
            "push_p99_ms",
            "pull_p99_ms",
            "errors_5xx",
            "status_429",
            "busy_gave_up",
            "rss_growth_pct",
        ),
    ),
    *(
        _state_machine(db, name)
        for db, name in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL"))
    ),
    Promise(
        "A backup restores everything under a new epoch; a wrong passphrase or a damaged "
        "archive changes nothing; laptops send back what a restored server lost.",
        (
            "tests/server/test_backup.py::test_a_restored_server_has_everything_and_a_new_epoch",
            "tests/server/test_backup.py::test_a_damaged_archive_changes_nothing",
            "tests/server/test_backup.py::"
            "test_laptops_that_pulled_past_a_restored_backup_send_back_what_it_lost",
        ),
    ),
)


KINDS = ("load-", "reliability-")  # the results this page reports (not hr-*, pdf-*...)


def load_results(folder: Path = RESULTS) -> dict[str, dict[str, Any]]:
    paths = sorted(p for p in folder.glob("*.json") if p.name.startswith(KINDS))
    return {p.stem: json.loads(p.read_text()) for p in paths}


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(value, dict):
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, inner in value.items():
        out.update(_flat(inner, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return str(value)


def figures_of(result: dict[str, Any]) -> dict[str, Any]:
    """A result's figures, flattened: its "figures" part, or all but date, mode, command."""
    body = result.get("figures")
    if body is None:
        body = {k: v for k, v in result.items() if k not in {"date", "mode", "command"}}
    return _flat(body)


def _stamp(result: dict[str, Any]) -> str:
    return f"{result.get('date', '?')}, {result.get('mode', '?')}"


def _cell(promise: Promise, results: dict[str, dict[str, Any]]) -> str:
    if not promise.result:
        return "passes in every CI run"
    result = results.get(promise.result)
    if result is None:
        return f"not run yet (`bench/results/{promise.result}.json`)"
    figures = figures_of(result)
    named = promise.figures or tuple(figures)
    shown = [f"{k} {_show(figures[k])}" for k in named if k in figures]
    return "; ".join(shown) + f" ({_stamp(result)})"


def render(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "# Reliability and security: what LCC APR promises, and the proof",
        "",
        "Generated by `make reliability-report` from `bench/results/*.json`; do not edit.",
        "Each promise names the tests that prove it (pytest node ids, run by `.ci/run`",
        "on SQLite and PostgreSQL) and, where it is measured, its last figure with the",
        "date and mode of the run.",
        "",
        "| Promise | Proved by | Last figure |",
        "|---|---|---|",
    ]
    for promise in PROMISES:
        tests = "<br>".join(f"`{t}`" for t in promise.tests)
        lines.append(f"| {promise.text} | {tests} | {_cell(promise, results)} |")
    lines += ["", "## Every figure of the last runs", ""]
    for name, result in results.items():
        lines.append(f"### {name} ({_stamp(result)})")
        lines.append("")
        if result.get("command"):
            lines.append(f"`{result['command']}`")
            lines.append("")
        for key, value in figures_of(result).items():
            lines.append(f"- {key}: {_show(value)}")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    PAGE.write_text(render(load_results()))
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
