"""One person's laptop: an encrypted store on disk, its keyring, a connection through the
fault proxy, a signer and the sync engine; every action a person takes goes through
lcc_apr.ops, as the window's would.

A laptop can die at a chosen point (`crash_at`: Crash, a BaseException nothing in the
engine catches, so every open local transaction rolls back as if the process had
gone) and is then opened again from disk: the store and the keyring are all it has.
Its clock may be skewed by days: every time it writes or checks (`at`, and the
engine's and the signer's now) is its own.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lcc_apr.editing import EditRefused, EditSession
from lcc_apr.forms import Catalogue, FieldType
from lcc_apr.models import Conflict, Record, RecordKind, SyncState, now_utc
from lcc_apr.ops import conflicts as conflict_ops
from lcc_apr.ops import editing as edit_ops
from lcc_apr.ops import records as record_ops
from lcc_apr.ops.user import CurrentUser
from lcc_apr.policy import Policy
from lcc_apr.signing.identity import Signer, SigningError
from lcc_apr.store import Store, keys, open_store
from lcc_apr.sync.engine import SyncEngine
from lcc_apr.sync.outcome import SyncResult
from lcc_apr.sync.protocol import PullPage, PushReply, RefreshBody, TokenReply, sign_off_key
from lcc_apr.sync.transport import Connection, Tokens
from lcc_apr.workflow import WorkflowError
from tests.conftest import MemoryKeyring
from tests.server.harness import DemoUser

TIMEOUT = 1.0  # seconds a laptop waits for the server (a stall longer than this is a timeout)
PAGE = 60  # pull page size: several pages even for a manager
TEXT = (FieldType.SHORT_TEXT, FieldType.LONG_TEXT)
CLOCKED = ("lcc_apr.sync.engine", "lcc_apr.signing.identity", "lcc_apr.signing.trust")

# where a laptop can die
SEND_PUSH, PUSH_ANSWERED, PULL_PAGE, REFRESH_ANSWERED = (
    "send_push",
    "push_answered",
    "pull_page",
    "refresh_answered",
)


class Crash(BaseException):
    """The laptop's process dies here."""


class CrashingConnection(Connection):
    crash_at: str | None = None

    def _die(self, point: str) -> None:
        if self.crash_at == point:
            self.crash_at = None
            raise Crash(point)

    def push(self, body: dict[str, Any]) -> tuple[PushReply, int]:
        self._die(SEND_PUSH)  # the batch is written; nothing has been sent
        reply = super().push(body)
        self._die(PUSH_ANSWERED)  # the server applied it; the answer dies with the laptop
        return reply

    def pull(self, *, cursor: int, epoch: str | None, limit: int) -> tuple[PullPage, int]:
        page = super().pull(cursor=cursor, epoch=epoch, limit=limit)
        if cursor > 0:
            self._die(PULL_PAGE)  # a later page arrived and is not applied
        return page

    def _send_refresh(self, body: RefreshBody) -> TokenReply:
        reply = super()._send_refresh(body)
        self._die(REFRESH_ANSWERED)  # the token was rotated; the new one is never kept
        return reply


class BlankStore:
    """An empty, migrated store made once: each new laptop starts from a copy of it."""

    def __init__(self, folder: Path) -> None:
        ring = MemoryKeyring()
        self.path = folder / "blank.db"
        open_store(self.path, keyring_backend=ring).close()
        info = keys.read_info(self.path)
        assert info
        self.entry = keys.entry_name(info)
        self.secret = ring.get_password(keys.SERVICE, self.entry) or ""

    def copy(self, path: Path, ring: MemoryKeyring) -> None:
        shutil.copy(self.path, path)
        shutil.copy(keys.info_path(self.path), keys.info_path(path))
        ring.set_password(keys.SERVICE, self.entry, self.secret)


class Laptop:
    def __init__(
        self,
        name: str,
        user: DemoUser,
        folder: Path,
        url: str,
        blank: BlankStore,
        catalogue: Catalogue,
        policy: Policy,
    ) -> None:
        self.name, self.user, self.url = name, user, url
        self.catalogue, self.policy = catalogue, policy
        self.path = folder / f"{name}.db"
        self.ring = MemoryKeyring()  # the OS keyring: survives a crash
        blank.copy(self.path, self.ring)
        self.skew = timedelta(0)
        self.me = CurrentUser(user.id, user.username, user.roles, user.employee_id)
        self._open()
        self.connection.login(user.username, "demo", device=name)

    def _open(self) -> None:
        self.store: Store = open_store(self.path, keyring_backend=self.ring)
        self.connection = CrashingConnection(
            self.url,
            tokens=Tokens(self.ring),
            allow_plain_local=True,
            timeout=TIMEOUT,
        )
        self.connection.username = self.user.username  # signs back in from the keyring
        self.signer = Signer(self.store, keyring_backend=self.ring)
        self.engine = SyncEngine(
            self.store,
            self.connection,
            self.catalogue,
            sleep=lambda s: None,
            page_limit=PAGE,
            signer=self.signer,
        )

    def reopen(self) -> None:
        """The process died: nothing but the files and the keyring is left."""
        self.connection.close()
        self.store.engine.dispose()
        self._open()

    def close(self) -> None:
        self.connection.close()
        self.store.close()

    # -- clock ---------------------------------------------------------------------

    def now(self) -> datetime:
        return now_utc() + self.skew

    def today(self) -> date:
        return self.now().date()

    @contextlib.contextmanager
    def clock(self) -> Iterator[None]:
        """The engine and the signer read this laptop's clock while it runs."""
        import importlib

        modules = [importlib.import_module(m) for m in CLOCKED]
        saved = [m.now_utc for m in modules]  # type: ignore[attr-defined]
        for module in modules:
            module.now_utc = self.now  # type: ignore[attr-defined]
        try:
            yield
        finally:
            for module, real in zip(modules, saved, strict=True):
                module.now_utc = real  # type: ignore[attr-defined]

    # -- sync ----------------------------------------------------------------------

    def sync(self) -> SyncResult:
        with self.clock():
            return self.engine.run()

    def cursor(self) -> int:
        with self.store.session() as s:
            state = s.get(SyncState, 1)
            return state.cursor if state else 0

    # -- what a person does (lcc_apr.ops) ----------------------------------------------

    def open(self, record_id: str) -> EditSession | None:
        try:
            return edit_ops.open_record(
                self.store, record_id=record_id, user=self.me, catalogue=self.catalogue
            )
        except EditRefused:
            return None

    def holds(self, record_id: str) -> bool:
        with self.store.session() as s:
            record = s.get(Record, record_id)
            return record is not None and not record.deleted

    def text_fields(self, record_id: str) -> list[str]:
        """Top-level text answers this person may change now."""
        edit = self.open(record_id)
        if edit is None:
            return []
        return [
            f.key
            for f in edit.template.fields()
            if f.type in TEXT and edit.visible(f.key) and edit.may_edit(f.key)
        ]

    def edit(self, record_id: str, answers: dict[str, str]) -> tuple[str, ...]:
        """Type and save (autosave); the answer keys written."""
        edit = self.open(record_id)
        if edit is None:
            return ()
        try:
            for key, value in answers.items():
                edit.set(key, value)
            return edit_ops.save(edit, at=self.now()).result.written
        except EditRefused:
            return ()

    def start(self, subject_id: int) -> str | None:
        try:
            started = record_ops.start_record(
                self.store,
                user=self.me,
                kind=RecordKind.SUPERVISION,
                subject_id=subject_id,
                catalogue=self.catalogue,
                policy=self.policy,
                today=self.today(),
                at=self.now(),
            )
        except WorkflowError:
            return None
        return started.record_id

    def may_delete(self, record_id: str) -> bool:
        return record_ops.may_delete_draft(self.store, user=self.me, record_id=record_id)

    def delete(self, record_id: str) -> bool:
        if not self.may_delete(record_id):
            return False
        record_ops.delete_draft(self.store, user=self.me, record_id=record_id, at=self.now())
        return True

    def steps(self, record_id: str) -> list[str]:
        """Steps open to this person now, signatures apart."""
        edit = self.open(record_id)
        return [o.name for o in edit.steps() if not o.signs] if edit else []

    def take(self, record_id: str, step: str, token: str) -> tuple[str, dict[str, str]] | None:
        """Fill what the step still needs, then take it: the new status and the text
        answers filled in (each a token of its own)."""
        edit = self.open(record_id)
        if edit is None:
            return None
        filled: dict[str, str] = {}
        try:
            for round_ in range(4):
                option = next((o for o in edit.steps() if o.name == step), None)
                if option is None or option.signs:
                    return None
                if not option.missing:
                    break
                for n, problem in enumerate(option.missing):
                    value = fill(edit, problem.path, f"{token}-{round_}{n}")
                    if isinstance(value, str) and "[" not in problem.path:
                        filled[problem.path] = value
            reason = f"Amended by the machine ({token})" if option.needs_reason else None
            status = edit_ops.take_step(edit, step=step, at=self.now(), reason=reason).status
        except (EditRefused, WorkflowError, LookupError, TypeError, ValueError):
            return None
        return status, filled

    def sign(self, record_id: str, token: str) -> tuple[Any, dict[str, str]] | None:
        """Fill what signing still needs, then sign offline, as the sign-off button does:
        (the sign-off's key and signature), and the text answers filled in."""
        edit = self.open(record_id)
        if edit is None:
            return None
        filled: dict[str, str] = {}
        try:
            for round_ in range(4):
                option = next((o for o in edit.steps() if o.signs), None)
                if option is None or option.ready:
                    break
                for n, problem in enumerate(option.missing):
                    value = fill(edit, problem.path, f"{token}-{round_}{n}")
                    if isinstance(value, str) and "[" not in problem.path:
                        filled[problem.path] = value
        except (EditRefused, LookupError, TypeError, ValueError):
            return None
        if option is None or not option.ready or not option.decisions:
            return None
        try:
            with self.clock():
                identity = self.signer.ready(None, at=self.now())
                edit_ops.sign(
                    edit,
                    step=option.name,
                    at=self.now(),
                    identity=identity,
                    decision=option.decisions[0],
                    trust=self.signer.trust(),
                )
        except (SigningError, EditRefused, WorkflowError):
            return None
        with self.store.session() as s:
            record = s.get(Record, record_id)
            assert record is not None
            mine = [x for x in record.sign_offs if x.user_id == self.user.id and x.signature]
            signed = mine[-1]
            key = sign_off_key(signed.user_id, signed.role, signed.signed_at, signed.content_hash)
            return (key, signed.signature), filled

    def signable(self, record_id: str) -> bool:
        edit = self.open(record_id)
        return edit is not None and any(o.signs for o in edit.steps())

    def unsent(self) -> bool:
        with self.store.session() as s:
            return s.scalars(select(Record.id).where(Record.dirty).limit(1)).first() is not None

    def conflicts(self) -> list[str]:
        with self.store.session() as s:
            return sorted(s.scalars(select(Conflict.record_id)))

    def settle(self, record_id: str, choice: str) -> str | None:
        """Settle a conflict as the dialog would: "mine", "theirs" or "restore"; what
        was done (None: that choice is not open)."""
        try:
            view = conflict_ops.load_conflict(
                self.store, catalogue=self.catalogue, record_id=record_id
            )
        except KeyError:
            return None
        try:
            if choice == "restore" and view.deleted:
                conflict_ops.restore_deleted(
                    self.store, record_id=record_id, user_id=self.me.user_id
                )
                return "restore"
            if choice == "mine" and not view.deleted and view.server_known:
                mine = {k.key: conflict_ops.MINE for k in view.answers}
                answers = conflict_ops.final_answers(view, choices=mine, edits={})
                if view.reason and not view.answers:
                    answers = dict(view.local["answers"])  # a refusal: keep mine as it is
                conflict_ops.resolve_conflict(
                    self.store, record_id=record_id, answers=answers, user_id=self.me.user_id
                )
                return "mine"
            if view.server_known or view.out_of_view:  # "Discard my change", as the dialog
                conflict_ops.accept_server_version(self.store, record_id=record_id)
                return "theirs"
            if view.server_answers is not None:  # the dialog: back to the last version here
                conflict_ops.resolve_conflict(
                    self.store,
                    record_id=record_id,
                    answers=dict(view.server_answers),
                    user_id=self.me.user_id,
                )
                return "theirs"
        except (KeyError, ValueError):
            return None
        return None


def fill(edit: EditSession, path: str, token: str) -> Any:
    """Give the answer at `path` a value its field accepts (a step needs it); the value."""
    field = edit.field(path)
    value: Any
    if field.type in TEXT:
        value = token
    elif field.type is FieldType.DATE:
        value = edit.reference.isoformat()
    elif field.type is FieldType.NUMBER:
        value = int(field.minimum) if field.minimum is not None else 30
    elif field.type in (FieldType.CHOICE, FieldType.RATING):
        value = field.choices()[0].value
    elif field.type is FieldType.MULTI_CHOICE:
        value = [field.choices()[0].value]
    elif field.type is FieldType.YES_NO:
        value = True
    elif field.type is FieldType.GROUP:
        value = [{}]
    else:
        return None
    edit.set(path, value)
    return value
