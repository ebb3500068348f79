"""Sync against a model of what the hub must hold, whatever order things happen in.

Three laptops paired with one hub capture, correct and delete responses, push over a
line that loses requests or answers, crash between the hub's commit and their own
acknowledgement, and carry bundles that are imported twice, late, or cut short; a
coordinator deletes at the hub. The model says, for each response, the newest revision
the hub has received, and that a deletion at the hub is never undone. After every step
the hub holds exactly the model; after a fault-free sync, exactly what the laptops hold.
"""

import functools
import json
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from collector.app import create_app
from collector.workspace import Workspace
from conftest import PARKS_LIKE, HubTransport
from sync import SyncError, client
from sync import hub as hub_side
from sync.bundle import import_bundle, write_bundle
from sync.transport import split_pairing_code

LAPTOPS = 3
BATCH = 2  # responses to a batch, so a push makes several requests and a fault can meet any of them
LAPTOP = st.integers(0, LAPTOPS - 1)
PICK = st.integers(0, 10**6)  # which of the responses (or bundles) there are, modulo their number
ANSWERS = st.fixed_dictionaries({"visited": st.sampled_from(["yes", "no"]), "rating": st.integers(1, 5)})
PUSH_FAULTS = (None, "before", "after", "crash")  # request lost; answer lost; laptop dies before acknowledging
HUB_TABLES = ("responses", "received", "sync_conflicts", "bundles", "forms", "events", "devices")
# Each example makes four workspaces and hundreds of small transactions: in memory, if the
# machine has a memory-backed folder, their flushes to disk cost nothing.
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class Crash(BaseException):
    """The laptop dies: nothing in the laptop's code may catch it."""


class Line(HubTransport):
    """A laptop's line to the in-process hub that tells the model what reached the hub,
    checks each answer's outcomes against the model, and fails on request."""

    def __init__(self, machine, laptop):
        super().__init__(machine.hub_app)
        self.machine, self.laptop = machine, laptop
        self.arm(None)

    def arm(self, fault, at=0):
        """Make the at-th request of the next push meet fault."""
        self.fault, self.at, self.calls, self.met = fault, at, 0, None

    def call(self, method, path, body=None):
        if path != "/api/sync/push":
            self.fail = None
            return super().call(method, path, body)
        fault = self.fault if self.calls == self.at else None
        self.calls += 1
        if fault:
            self.met = (fault, [(r["id"], r["revision"]) for r in body["records"]])
        self.fail = "before" if fault == "before" else None
        expected = self.machine.expected_outcomes(body["records"])
        answer = super().call(method, path, body)
        self.machine.received_batch(body["records"])
        assert answer["outcomes"] == expected, "the hub's outcomes differ from the model's"
        if fault == "after":
            raise SyncError("the connection dropped after the hub took the batch, before its answer arrived")
        if fault == "crash":
            self.laptop.crash_on_acknowledge()
        return answer


class Laptop:
    def __init__(self, machine, folder, name):
        self.workspace = Workspace.create(folder, name=name)
        (self.workspace.forms_dir / "visit.yaml").write_text(PARKS_LIKE, encoding="utf-8")
        code, _ = hub_side.add_device(machine.hub.store, name, "http://hub.test")
        self.line = Line(machine, self)
        settings_ = client.pair(self.line, split_pairing_code(code)[1], self.workspace.device_id, name)
        self.workspace.save_sync_settings(settings_)
        self.line.token = settings_["token"]
        self.exported = {}  # {response id: revision} as of the last bundle

    @property
    def store(self):
        return self.workspace.store

    def crash_on_acknowledge(self):
        """Die in the next transaction that records an acknowledgement, after its first writes
        (that of this batch, or, as the laptop reads its answers while the next batch is on
        its way, that of the batch before)."""
        def crash(*args):
            raise Crash()

        self.store._set_state = crash

    def restart(self):
        """Start again after a crash: a fresh connection to the database, as a new process has."""
        self.workspace.close()

    def revisions(self):
        return {r["id"]: r["revision"] for r in self.store.list_responses(include_deleted=True)}

    def live(self):
        """Live responses in the order they were taken (ids are random: sorted, a replay would pick others)."""
        return [r[0] for r in self.store.db.execute("select id from responses where deleted_at is null order by rowid")]


class Bundle:
    def __init__(self, path, records):
        self.path, self.records = path, records


class SyncMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="collector-sync-model-", dir=SCRATCH))
        self.hub = Workspace.create(self.tmp / "hub", name="Office", hub=True)
        (self.hub.forms_dir / "visit.yaml").write_text(PARKS_LIKE, encoding="utf-8")
        self.hub_app = create_app(self.hub, {"TESTING": True})
        # The model: what the hub must hold, and every (response, revision) it has received.
        self.model = {}  # {response id: (revision, deleted, answers)}
        self.received = set()
        self.deleted_at_hub = set()
        self.laptops = [Laptop(self, self.tmp / f"laptop-{n}", f"Laptop {n}") for n in range(LAPTOPS)]
        self.bundles = []

    def teardown(self):
        try:
            if sys.exc_info()[0] is None:  # a step that failed is reported as it is, not hidden by this
                self.sync_everything()
        finally:
            for laptop in self.laptops:
                laptop.workspace.close()
            self.hub.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- the model -------------------------------------------------------------------

    def expected_outcomes(self, records):
        """What the hub should answer for each record of a batch, by the model."""
        outcomes = {}
        for record in records:
            held = self.model.get(record["id"])
            if (record["id"], record["revision"]) in self.received:
                outcomes[record["id"]] = "unchanged"
            elif held is not None and held[1]:
                outcomes[record["id"]] = "deleted"
            elif held is not None and held[0] >= record["revision"]:
                outcomes[record["id"]] = "stale"
            else:
                outcomes[record["id"]] = "applied"
        return outcomes

    def received_batch(self, records):
        """The hub received these records: the newest revision wins, and a deletion there stays."""
        for record in records:
            rid, revision = record["id"], record["revision"]
            self.received.add((rid, revision))
            held = self.model.get(rid)
            if held is None or (not held[1] and revision > held[0]):
                self.model[rid] = (revision, record["deleted_at"] is not None, json.loads(record["answers"]))

    def hub_tables(self):
        db = self.hub.store.db
        return {t: sorted(map(repr, db.execute(f"select * from {t}").fetchall())) for t in HUB_TABLES}

    # -- what people do on laptops -----------------------------------------------------

    def live_on_laptops(self):
        return [(laptop, rid) for laptop in self.laptops for rid in laptop.live()]

    @rule(which=LAPTOP, answers=st.lists(ANSWERS, min_size=1, max_size=3))
    def capture(self, which, answers):
        laptop = self.laptops[which]
        for one in answers:
            rid = laptop.store.start_response("visit", "3", "en", "web", laptop.workspace.device_id)
            laptop.store.submit_response(rid, one)

    @precondition(lambda self: self.live_on_laptops())
    @rule(pick=PICK, answers=ANSWERS)
    def correct(self, pick, answers):
        live = self.live_on_laptops()
        laptop, rid = live[pick % len(live)]
        assert laptop.store.amend_response(rid, answers)

    @precondition(lambda self: self.live_on_laptops())
    @rule(pick=PICK)
    def delete(self, pick):
        live = self.live_on_laptops()
        laptop, rid = live[pick % len(live)]
        assert laptop.store.delete_response(rid)

    def waiting(self):
        return [laptop for laptop in self.laptops
                if laptop.store.count_changes_since(laptop.store.sync_state("checkpoint", 0))]

    @precondition(lambda self: self.waiting())
    @rule(pick=PICK, fault=st.sampled_from(PUSH_FAULTS), at=PICK)
    def push(self, pick, fault, at):
        """A laptop with something to send pushes it; a fault meets one of its batches."""
        waiting = self.waiting()
        laptop = waiting[pick % len(waiting)]
        batches = -(-laptop.store.count_changes_since(laptop.store.sync_state("checkpoint", 0)) // BATCH)
        laptop.line.arm(fault, at % batches)
        try:
            client.push(laptop.store, laptop.line)
        except SyncError:
            assert laptop.line.met and laptop.line.met[0] in ("before", "after")
        except Crash:
            assert laptop.line.met and laptop.line.met[0] == "crash"
            laptop.restart()
        else:
            assert laptop.line.met is None, "a push that met a fault reported success"
        finally:
            laptop.store.__dict__.pop("_set_state", None)  # a crash not reached stays in this push
        if laptop.line.met:
            self.check_unacknowledged(laptop, *laptop.line.met)
        laptop.line.arm(None)

    def check_unacknowledged(self, laptop, fault, sent):
        """The batch that met a fault is not acknowledged: the checkpoint is below its first change.
        Had the line failed, every batch before it is (a laptop that dies may not have got so far)."""
        db = laptop.store.db
        marks = ", ".join("?" * len(sent))
        (first,) = db.execute(f"select min(change_seq) from responses where id in ({marks})", [i for i, _ in sent]).fetchone()
        checkpoint = laptop.store.sync_state("checkpoint", 0)
        assert checkpoint < first
        if fault != "crash":
            (before,) = db.execute("select coalesce(max(change_seq), 0) from responses where change_seq < ?", [first]).fetchone()
            assert before <= checkpoint
        acked = dict(db.execute(f"select id, acked_revision from responses where id in ({marks})", [i for i, _ in sent]))
        assert all(acked[rid] is None or acked[rid] < revision for rid, revision in sent)

    # -- bundles on a USB stick ---------------------------------------------------------

    @rule(which=LAPTOP, everything=st.booleans())
    def export_bundle(self, which, everything):
        laptop = self.laptops[which]
        now = laptop.revisions()
        expected = {(rid, rev) for rid, rev in now.items() if everything or laptop.exported.get(rid) != rev}
        path = self.tmp / f"bundle-{len(self.bundles)}.collector"
        ws = laptop.workspace
        write_bundle(ws.store, path, ws.sync_settings, ws.device_id, ws.device_name, everything)
        laptop.exported = now
        with zipfile.ZipFile(path) as bundle:
            records = [json.loads(line) for line in bundle.read("responses.jsonl").splitlines()]
        assert {(r["id"], r["revision"]) for r in records} == expected, "the bundle holds other than what changed"
        self.bundles.append(Bundle(path, records))

    @precondition(lambda self: self.live_on_laptops())
    @rule(pick=PICK, answers=ANSWERS, everything=st.booleans())
    def export_then_correct(self, pick, answers, everything):
        """A volunteer makes a bundle, then corrects a response in it before the stick reaches
        the office: if the correction gets there first, the bundle arrives with an older revision."""
        live = self.live_on_laptops()
        laptop, rid = live[pick % len(live)]
        self.export_bundle(self.laptops.index(laptop), everything)
        self.correct(pick, answers)

    @precondition(lambda self: self.bundles)
    @rule(pick=PICK)
    def import_a_bundle(self, pick):
        """Any bundle made so far: new, imported before (a duplicate), or older than what the hub holds."""
        bundle = self.bundles[pick % len(self.bundles)]
        expected = self.expected_outcomes(bundle.records)
        _, counts, _ = import_bundle(self.hub.store, bundle.path, self.hub.config["hub"]["hub_id"])
        self.received_batch(bundle.records)
        tally = {}
        for outcome in expected.values():
            tally[outcome] = tally.get(outcome, 0) + 1
        assert counts == tally

    def out_of_date_bundles(self):
        """Bundles with a revision the hub never had of a response it holds newer."""
        return [b for b in self.bundles if any(
            (r["id"], r["revision"]) not in self.received and self.model.get(r["id"], (0,))[0] > r["revision"]
            for r in b.records)]

    @precondition(lambda self: self.out_of_date_bundles())
    @rule(pick=PICK)
    def import_an_out_of_date_bundle(self, pick):
        """A stick that turns up after the corrections it predates reached the hub: its older revisions are stale."""
        stale = self.out_of_date_bundles()
        self.import_a_bundle(self.bundles.index(stale[pick % len(stale)]))

    @precondition(lambda self: self.bundles)
    @rule(pick=PICK, keep=st.floats(0, 1, exclude_max=True))
    def import_truncated_bundle(self, pick, keep):
        data = self.bundles[pick % len(self.bundles)].path.read_bytes()
        cut = self.tmp / "cut-short.collector"
        cut.write_bytes(data[: int(len(data) * keep)])
        before = self.hub_tables()
        with pytest.raises(SyncError):
            import_bundle(self.hub.store, cut, self.hub.config["hub"]["hub_id"])
        assert self.hub_tables() == before, "a refused bundle changed the hub"

    # -- at the office --------------------------------------------------------------------

    def live_at_hub(self):
        return [r[0] for r in self.hub.store.db.execute("select id from responses where deleted_at is null order by rowid")]

    @precondition(lambda self: self.live_at_hub())
    @rule(pick=PICK)
    def delete_at_hub(self, pick):
        live = self.live_at_hub()
        rid = live[pick % len(live)]
        assert self.hub.store.delete_response(rid)
        self.model[rid] = (self.model[rid][0] + 1, True, {})
        self.deleted_at_hub.add(rid)

    # -- at the end ------------------------------------------------------------------------

    def sync_everything(self):
        """Every laptop syncs with nothing going wrong: the hub then holds exactly what they hold,
        but for what was deleted at the hub, which stays deleted."""
        for laptop in self.laptops:
            result = client.push(laptop.store, laptop.line)
            assert result.count("conflict") == 0
            assert laptop.store.sync_state("checkpoint", 0) == laptop.store.last_change()
            assert laptop.store.count_unacknowledged() == 0
        expected = {}
        for laptop in self.laptops:
            for r in laptop.store.list_responses(include_deleted=True):
                expected[r["id"]] = (r["revision"], r["deleted_at"] is not None, r["answers"])
        expected.update({rid: self.model[rid] for rid in self.deleted_at_hub})
        assert self.model == expected
        self.the_hub_holds_exactly_the_model()

    # -- always true ------------------------------------------------------------------------

    @invariant()
    def the_hub_holds_exactly_the_model(self):
        held = {r["id"]: (r["revision"], r["deleted_at"] is not None, r["answers"])
                for r in self.hub.store.list_responses(include_deleted=True)}
        assert held == self.model
        received = self.hub.store.db.execute("select response_id, revision from received").fetchall()
        assert len(received) == len(set(received)) and set(received) == self.received
        assert self.hub.store.conflicts() == []

    @invariant()
    def laptops_count_as_acknowledged_only_what_the_hub_received(self):
        for laptop in self.laptops:
            acked = laptop.store.db.execute("select id, acked_revision from responses where acked_revision is not null")
            assert set(acked.fetchall()) <= self.received
            assert laptop.store.sync_state("checkpoint", 0) <= laptop.store.last_change()


def test_the_hub_holds_what_the_model_says_whatever_the_order_of_events(monkeypatch):
    monkeypatch.setattr(client, "next_batch", functools.partial(client.next_batch, limit=BATCH))
    run_state_machine_as_test(SyncMachine, settings=settings(
        max_examples=100, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]))
