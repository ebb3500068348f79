"""Sync under faults: a line that loses requests and answers, stalls or cuts out, and
laptops and hubs killed part way through a push. Whatever happens, the next sync
leaves the hub holding every response once, and both databases whole."""

import contextlib
import functools
import json
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from collector.cli import main
from collector.workspace import DATABASE, Workspace
from conftest import PARKS_LIKE, LiveServer
from faultproxy import FaultProxy
from sync import SyncError, client
from sync.transport import HttpTransport

COLLECTOR = str(Path(sys.executable).with_name("collector"))
LOSE_THE_REQUEST = ("drop_request", "stall", "cut_body")
LOSE_THE_ANSWER = ("drop_answer", "stall_answer", "cut_answer")  # after the hub has committed
BATCH = 4


def hub_store(hub):
    return hub.extensions["workspace"].store


def held(store):
    """{response id: (revision, deleted, answers)} of every response a store holds, deleted ones too."""
    return {r["id"]: (r["revision"], r["deleted_at"] is not None, r["answers"])
            for r in store.list_responses(include_deleted=True)}


def assert_hub_holds_each_response_once(hub, laptop, where=""):
    """The hub holds exactly the laptop's responses at their latest revision, each revision received once."""
    hub_side, laptop_side = held(hub_store(hub)), held(laptop.store)
    assert hub_side == laptop_side, f"{where}: the hub differs from the laptop"
    received = hub_store(hub).db.execute("select response_id, revision from received").fetchall()
    assert len(received) == len(set(received)), f"{where}: a revision was received twice"
    assert all(1 <= revision <= laptop_side[rid][0] for rid, revision in received), f"{where}: a revision never made"
    assert {(rid, rev) for rid, (rev, _, _) in laptop_side.items()} <= set(received), f"{where}: a latest revision is missing"
    assert hub_store(hub).conflicts() == [], f"{where}: something was kept apart as a conflict"


def assert_nothing_waits(laptop, where=""):
    store = laptop.store
    assert store.sync_state("checkpoint", 0) == store.last_change(), f"{where}: the checkpoint is not at the last change"
    assert store.count_unacknowledged() == 0, f"{where}: responses are still unacknowledged"
    status = CliRunner().invoke(main, ["-w", str(laptop.workspace.path), "sync", "status", "--json"], catch_exceptions=False)
    assert status.exit_code == 0, status.output
    state = json.loads(status.output)
    assert state["waiting"] == 0 and state["unacknowledged"] == 0, f"{where}: {state}"


# -- a line that breaks: the laptop's real HTTP transport through a fault proxy -------------


@pytest.fixture
def line(hub, pair_laptop, monkeypatch):
    """A paired laptop reaching the hub (served over HTTP) through a fault proxy, with a short
    timeout and few retries; batches of four so one push makes several requests."""
    server = LiveServer(hub)
    proxy = FaultProxy(server.server.effective_port)
    laptop = pair_laptop()
    laptop.workspace.save_sync_settings({**laptop.workspace.sync_settings, "hub_url": proxy.url})
    laptop.transport = HttpTransport(proxy.url, laptop.transport.token, timeout=0.5, retries=2, pause=0.01)
    monkeypatch.setattr(client, "next_batch", functools.partial(client.next_batch, limit=BATCH))
    yield laptop, proxy
    proxy.close()
    # Not server.stop(): its thread notices the close within waitress's one-second poll
    # and ends by itself; waiting for it would add a second to every test here.
    server.server.close()


@pytest.mark.parametrize("fault", LOSE_THE_REQUEST + LOSE_THE_ANSWER)
def test_a_fault_met_once_is_retried_and_every_response_reaches_the_hub_once(hub, line, fault):
    laptop, proxy = line
    for _ in range(10):
        laptop.capture()
    proxy.plan("pass", fault)  # the second of three batches meets the fault
    result = laptop.sync()
    assert proxy.faults_met() == [fault]
    if fault in LOSE_THE_ANSWER:
        [(_, _, _, status)] = [entry for entry in proxy.log if entry[0] == fault]
        assert status == 200, "the hub took the batch before its answer was lost"
        assert result.count("applied") == 10 - BATCH and result.count("unchanged") == BATCH
    else:
        assert result.count("applied") == 10 and result.count("unchanged") == 0
    assert_hub_holds_each_response_once(hub, laptop, fault)
    assert_nothing_waits(laptop, fault)


@pytest.mark.parametrize("fault", LOSE_THE_REQUEST + LOSE_THE_ANSWER)
def test_a_fault_that_persists_stops_the_sync_and_the_next_sends_the_rest_once(hub, line, fault):
    laptop, proxy = line
    ids = [laptop.capture() for _ in range(10)]
    proxy.plan("pass")
    proxy.always(fault)
    with pytest.raises(SyncError, match="cannot reach the hub"):
        laptop.sync()
    assert proxy.faults_met() == [fault] * 3, "the second batch was tried once and retried twice"
    first_batch = laptop.store.changes_since(0, BATCH)
    assert laptop.store.sync_state("checkpoint") == first_batch[-1][0], "only the first batch is acknowledged"
    assert laptop.store.count_unacknowledged() == 10 - BATCH
    taken = 2 * BATCH if fault in LOSE_THE_ANSWER else BATCH
    assert hub_store(hub).count_responses() == taken
    # Meanwhile the volunteer corrects one response, deletes another and takes two more.
    laptop.store.amend_response(ids[0], {"visited": "no"})
    laptop.store.delete_response(ids[5])
    laptop.capture()
    laptop.capture()
    proxy.heal()
    synced = CliRunner().invoke(main, ["-w", str(laptop.workspace.path), "sync"], catch_exceptions=False)
    assert synced.exit_code == 0, synced.output
    assert "nothing waiting" in synced.output
    assert_hub_holds_each_response_once(hub, laptop, fault)
    assert hub_store(hub).get_response(ids[5])["deleted_at"]
    assert_nothing_waits(laptop, fault)


def test_faults_at_random_through_many_syncs_leave_every_response_at_the_hub_once(hub, line):
    laptop, proxy = line
    seed = 20240611  # fixed, so a failure can be replayed; the messages say which round failed
    rng = random.Random(seed)
    faults = LOSE_THE_REQUEST + LOSE_THE_ANSWER
    ids, failed = [], 0
    for round_ in range(10):
        where = f"seed {seed}, round {round_}"
        ids += [laptop.capture({"visited": "no", "comments": f"round {round_}"}) for _ in range(rng.randint(0, 7))]
        for rid in rng.sample(ids, min(len(ids), rng.randint(0, 2))):
            if rng.random() < 0.3:
                laptop.store.delete_response(rid)
            else:
                laptop.store.amend_response(rid, {"visited": "yes", "rating": rng.randint(1, 5)})
        plan = [rng.choice(faults) if rng.random() < 0.4 else "pass" for _ in range(rng.randint(1, 5))]
        if round_ < len(faults):
            plan.insert(rng.randint(0, len(plan)), faults[round_])  # every kind, at least once
        if rng.random() < 0.3:
            at = rng.randint(0, len(plan))
            plan[at:at] = [rng.choice(faults)] * 3  # three in a row: the sync gives up
        proxy.plan(*plan)
        try:
            laptop.sync()
        except SyncError:
            failed += 1
        # Whatever the line did, the hub holds nothing the laptop did not make.
        hub_ids = set(held(hub_store(hub)))
        assert hub_ids <= set(ids), where
    # Faults a round did not meet (it made fewer requests than were planned) waited for the next; meet the rest.
    while proxy.planned:
        ids.append(laptop.capture())
        try:
            laptop.sync()
        except SyncError:
            failed += 1
    assert len(set(proxy.faults_met())) == len(faults), f"seed {seed}: every kind of fault was met"
    assert failed, f"seed {seed}: at least one sync gave up, so the next had to pick up after it"
    laptop.sync()
    assert_hub_holds_each_response_once(hub, laptop, f"seed {seed}, after the last sync")
    assert_nothing_waits(laptop, f"seed {seed}")


def test_an_answer_cut_short_ends_the_sync_with_a_message_not_a_traceback(hub, line, monkeypatch):
    laptop, proxy = line
    laptop.capture()
    proxy.always("cut_answer")
    monkeypatch.setattr("sync.transport.HttpTransport.__init__.__defaults__", (None, 5, 1, 0.0))
    synced = CliRunner().invoke(main, ["-w", str(laptop.workspace.path), "sync"], catch_exceptions=False)
    assert synced.exit_code == 1
    assert "cannot reach the hub" in synced.output and "nothing waiting here is lost" in synced.output
    assert proxy.faults_met() == ["cut_answer", "cut_answer"]
    assert hub_store(hub).count_responses() == 1
    proxy.heal()
    assert CliRunner().invoke(main, ["-w", str(laptop.workspace.path), "sync"], catch_exceptions=False).exit_code == 0
    assert_hub_holds_each_response_once(hub, laptop)
    assert_nothing_waits(laptop)


# -- killed part way: the laptop's `collector sync` and the hub's `collector serve` as processes ---

KILL_SEED = 1105
KILL_ROUNDS = 8
COMMENT = 3000  # characters of answers per response
KILL_BATCH = 100
# `collector sync` in its own process, sending batches of KILL_BATCH responses: the laptop's
# own batches are megabytes, so a push of a few thousand would be a request or two, and a
# kill would seldom land between them. The final sync is the plain `collector sync`.
DEVICE_SYNC = (
    "import functools, sys\n"
    "from sync import client\n"
    "client.next_batch = functools.partial(client.next_batch, limit=int(sys.argv[1]))\n"
    "from collector.cli import main\n"
    "main(sys.argv[2:], prog_name='collector')\n"
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HubProcess:
    """The hub's `collector serve`, in its own process, to be killed and started again."""

    def __init__(self, folder, log):
        self.folder, self.log = folder, log
        self.url = f"http://127.0.0.1:{free_port()}"
        self.proc = None

    def start(self):
        port = self.url.rsplit(":", 1)[1]
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([COLLECTOR, "-w", str(self.folder), "serve", "--host", "127.0.0.1", "--port", port],
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/api/sync/forms", timeout=5)
            except urllib.error.HTTPError:
                return  # it answers (refusing a request without a token): it is up
            except OSError:
                assert self.proc.poll() is None, f"the hub did not start: {Path(self.log).read_text()[-2000:]}"
                assert time.monotonic() < deadline, "the hub did not answer within a minute"
                time.sleep(0.05)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def query(path, sql):
    """Rows read straight from a database file, as another process sees it."""
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        return db.execute(sql).fetchall()


def integrity(path):
    return query(path, "pragma integrity_check")


def revisions(path):
    """{response id: (revision, deleted, answers text)} of every response in a database file."""
    rows = query(path, "select id, revision, deleted_at is not null, answers from responses")
    return {rid: (revision, bool(deleted), answers) for rid, revision, deleted, answers in rows}


def count_received(path):
    return query(path, "select count(*) from received")[0][0]


@pytest.fixture
def office_processes(tmp_path):
    """A hub served by `collector serve` in its own process, and a laptop paired with it."""
    run = CliRunner()
    for args in (["init", "--hub", tmp_path / "hub", "--name", "Office"], ["init", tmp_path / "laptop", "--name", "Hall laptop"]):
        assert run.invoke(main, [str(a) for a in args]).exit_code == 0
    for folder in ("hub", "laptop"):
        (tmp_path / folder / "forms" / "visit.yaml").write_text(PARKS_LIKE, encoding="utf-8")
    hub = HubProcess(tmp_path / "hub", tmp_path / "hub.log")
    hub.start()
    try:
        made = run.invoke(main, ["-w", str(hub.folder), "devices", "add", "Hall laptop", "--url", hub.url])
        code = next(word for word in made.output.split() if "/pair/" in word)
        paired = run.invoke(main, ["-w", str(tmp_path / "laptop"), "sync", "pair", code])
        assert paired.exit_code == 0, paired.output
        laptop = Workspace(tmp_path / "laptop")
        yield hub, laptop
        laptop.close()
    finally:
        hub.stop()


def test_killing_the_laptop_or_the_hub_mid_push_loses_and_duplicates_nothing(office_processes):
    hub, laptop = office_processes
    store, hub_db = laptop.store, hub.folder / DATABASE
    rng = random.Random(KILL_SEED)
    words = "".join(rng.choice("abcdefghij klmnopqrstuvwxyz") for _ in range(4 * COMMENT))

    def comment():
        start = rng.randrange(3 * COMMENT)
        return words[start:start + COMMENT]

    def capture(count, typed_in):
        """count responses taken one by one, and typed_in more imported at once (quicker to make)."""
        for _ in range(count):
            rid = store.start_response("visit", "3", "en", "web", laptop.device_id)
            store.submit_response(rid, {"visited": "no", "comments": comment()})
        store.import_responses([{"id": str(uuid.uuid4()), "form_id": "visit", "form_version": "3", "language": "en",
                                 "source": "paper", "device_id": laptop.device_id,
                                 "answers": {"visited": "no", "comments": comment()}} for _ in range(typed_in)])

    def waiting():
        return store.count_changes_since(store.sync_state("checkpoint", 0))

    def not_at_hub():
        """Revisions waiting on the laptop that the hub has not received: what this push will add there."""
        rows = store.db.execute("select id, revision from responses where change_seq > ?", [store.sync_state("checkpoint", 0)])
        return len(set(rows) - set(query(hub_db, "select response_id, revision from received")))

    capture(0, 2500)
    landed_mid_push = 0
    # Mostly the laptop; twice the hub alone (the laptop rides out its restart); twice both.
    victims = ["laptop"] * (KILL_ROUNDS - 4) + ["hub", "hub", "both", "both"]
    rng.shuffle(victims)
    for round_ in range(KILL_ROUNDS):
        where = f"seed {KILL_SEED}, round {round_}"
        capture(20, 280)
        live = [r[0] for r in store.db.execute("select id from responses where deleted_at is null order by rowid")]
        for rid in rng.sample(live, 20):
            store.amend_response(rid, {"visited": "yes", "how_often": "weekly", "comments": comment()})
        for rid in rng.sample(live, 5):
            store.delete_response(rid)
        victim = victims[round_]
        # A quarter of the kills at any moment from the start; the rest once the hub has
        # taken a random number of the revisions this push brings, and before the last batch.
        anywhere = rng.random() < 0.25
        before, coming = count_received(hub_db), not_at_hub()
        target = before + (rng.randint(1, coming - KILL_BATCH) if coming > KILL_BATCH else 1)
        delay = rng.uniform(0, 0.8) if anywhere else rng.uniform(0, 0.03)
        device = subprocess.Popen([sys.executable, "-c", DEVICE_SYNC, str(KILL_BATCH), "-w", str(laptop.path), "sync"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 60
            while not anywhere and count_received(hub_db) < target and device.poll() is None:
                assert time.monotonic() < deadline, f"{where}: the push did not get so far"
                time.sleep(0.003)
            time.sleep(delay)
            if device.poll() is None and count_received(hub_db) > before and waiting():
                landed_mid_push += 1
            order = {"laptop": ["laptop"], "hub": ["hub"], "both": rng.sample(["laptop", "hub"], 2)}[victim]
            for which in order:
                if which == "laptop":
                    device.kill()
                else:
                    hub.kill()
                    assert integrity(hub_db) == [("ok",)], where
                    hub.start()
            output, _ = device.communicate(timeout=120)
        finally:
            if device.poll() is None:  # the test failed part way: leave no sync running
                device.kill()
                device.wait()
        assert "Traceback" not in output, f"{where}:\n{output}"
        if victim == "hub":
            assert device.returncode == 0 or "cannot reach the hub" in output, f"{where}:\n{output}"
        assert integrity(laptop.db_path) == [("ok",)], where
        assert set(revisions(hub_db)) <= set(revisions(laptop.db_path)), f"{where}: the hub holds a response never made"
    print(f"seed {KILL_SEED}: {landed_mid_push} of {KILL_ROUNDS} kills landed part way through a push")
    assert landed_mid_push >= KILL_ROUNDS // 2, (
        f"seed {KILL_SEED}: only {landed_mid_push} of {KILL_ROUNDS} kills landed part way through a push")

    synced = subprocess.run([COLLECTOR, "-w", str(laptop.path), "sync"], capture_output=True, text=True, timeout=120)
    assert synced.returncode == 0 and "nothing waiting" in synced.stdout, synced.stdout + synced.stderr
    status = json.loads(CliRunner().invoke(main, ["-w", str(laptop.path), "sync", "status", "--json"]).output)
    assert status["waiting"] == 0 and status["unacknowledged"] == 0, status
    hub.stop()
    made, at_hub = revisions(laptop.db_path), revisions(hub_db)
    assert len(made) == 2500 + 300 * KILL_ROUNDS
    assert at_hub == made, f"seed {KILL_SEED}: the hub does not hold exactly the responses made"
    received = query(hub_db, "select response_id, revision from received")
    assert query(hub_db, "select count(*) from sync_conflicts") == [(0,)]
    assert {(rid, rev) for rid, (rev, _, _) in made.items()} <= set(received)
    assert all(rev <= made[rid][0] for rid, rev in received)
    assert integrity(hub_db) == [("ok",)] and integrity(laptop.db_path) == [("ok",)]
