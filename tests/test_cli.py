"""The collector command: workspaces, events, settings and responses from the terminal."""

import json
import textwrap

import pytest
from click.testing import CliRunner

from collector.cli import main


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args, input=None, env=None):
        return runner.invoke(main, [str(a) for a in args], input=input, env=env, catch_exceptions=False)

    return invoke


def test_init_makes_a_workspace_with_config_forms_and_database(run, tmp_path):
    result = run("init", tmp_path / "ws", "--name", "Hall laptop", "--demo")
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "ws" / "collector.json").read_text())
    assert len(config["secret_key"]) == 64 and config["device_name"] == "Hall laptop"
    assert config["device_id"] and config["coordinator_password"] is None
    assert (tmp_path / "ws" / "collector.db").exists()
    assert len(list((tmp_path / "ws" / "forms").glob("*.yaml"))) >= 4


def test_two_workspaces_get_different_secrets_and_device_ids(run, tmp_path):
    run("init", tmp_path / "a")
    run("init", tmp_path / "b")
    a, b = (json.loads((tmp_path / n / "collector.json").read_text()) for n in "ab")
    assert a["secret_key"] != b["secret_key"] and a["device_id"] != b["device_id"]


def test_init_refuses_an_existing_workspace(run, tmp_path):
    run("init", tmp_path / "ws")
    result = run("init", tmp_path / "ws")
    assert result.exit_code == 1 and "already a Collector workspace" in result.output


def test_commands_outside_a_workspace_say_what_to_do(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COLLECTOR_WORKSPACE", raising=False)
    result = run("responses", "count")
    assert result.exit_code == 1
    assert "is not a Collector workspace" in result.output and "collector init" in result.output
    assert "Traceback" not in result.output


def test_workspace_comes_from_option_environment_or_current_folder(run, tmp_path, monkeypatch):
    run("init", tmp_path / "ws")
    run("--workspace", tmp_path / "ws", "event", "set", "Fete", "--date", "2026-07-04")
    assert run("event", "show", "--workspace", tmp_path / "ws").output.strip() == "Fete, 2026-07-04"
    assert run("event", "show", env={"COLLECTOR_WORKSPACE": str(tmp_path / "ws")}).output.strip() == "Fete, 2026-07-04"
    monkeypatch.chdir(tmp_path / "ws")
    monkeypatch.delenv("COLLECTOR_WORKSPACE", raising=False)
    assert run("event", "show").output.strip() == "Fete, 2026-07-04"


def test_event_date_must_be_a_date(run, tmp_path):
    run("init", tmp_path / "ws")
    result = run("-w", tmp_path / "ws", "event", "set", "Fete", "--date", "4th July")
    assert result.exit_code == 2 and "is not a date like 2026-07-04" in result.output


def test_settings_are_checked(run, tmp_path):
    run("init", tmp_path / "ws")
    assert run("-w", tmp_path / "ws", "settings", "set", "kiosk_idle_minutes", "5").output.strip() == "kiosk_idle_minutes = 5"
    result = run("-w", tmp_path / "ws", "settings", "set", "kiosk_idle_minuets", "5")
    assert result.exit_code == 1 and "there is no setting" in result.output
    result = run("-w", tmp_path / "ws", "settings", "set", "threads", "many")
    assert result.exit_code == 1 and "'threads' takes a whole number, not 'many'." in result.output
    result = run("-w", tmp_path / "ws", "settings", "set", "session_hours", "999999999999")
    assert result.exit_code == 1 and "'session_hours' should be from 1 to 24." in result.output
    shown = run("-w", tmp_path / "ws", "settings", "show").output
    assert "kiosk_idle_minutes = 5" in shown and "max_body_kb = 512" in shown


def test_password_is_asked_twice_and_stored_hashed(run, tmp_path):
    run("init", tmp_path / "ws")
    result = run("-w", tmp_path / "ws", "password", input="a good passphrase\na good passphrase\n")
    assert result.exit_code == 0
    stored = json.loads((tmp_path / "ws" / "collector.json").read_text())["coordinator_password"]
    assert stored.startswith(("scrypt:", "pbkdf2:")) and "passphrase" not in stored


FEEDBACK = textwrap.dedent("""\
    id: feedback
    version: 1
    title: Feedback
    sections:
      - id: main
        title: Feedback
        questions:
          - {id: rating, type: scale, label: How was it, min: 1, max: 5, required: true}
          - {id: liked, type: choices, label: What did you like, choices: [food, music, stalls]}
          - {id: comment, type: textarea, label: Anything else}
""")


@pytest.fixture
def ws(run, tmp_path):
    run("init", tmp_path / "ws")
    (tmp_path / "ws" / "forms" / "feedback.yaml").write_text(FEEDBACK)
    return tmp_path / "ws"


def test_import_csv_then_count_and_list(run, ws, tmp_path):
    data = tmp_path / "keyed.csv"
    data.write_text("rating,liked,comment\n5,food;music,Great day\n3,,\n", encoding="utf-8")
    result = run("-w", ws, "responses", "import", "feedback", data)
    assert result.exit_code == 0, result.output
    assert "Imported 2 responses" in result.output
    assert run("-w", ws, "responses", "count", "feedback").output.strip() == "2"
    rows = [json.loads(line) for line in run("-w", ws, "responses", "list", "feedback", "--json").output.splitlines()]
    assert sorted(r["answers"].get("rating") for r in rows) == [3, 5]
    assert {"rating": 5, "liked": ["food", "music"], "comment": "Great day"} in [r["answers"] for r in rows]
    assert {r["source"] for r in rows} == {"paper"}


def test_importing_the_same_file_twice_adds_nothing(run, ws, tmp_path):
    data = tmp_path / "keyed.csv"
    data.write_text("rating\n4\n4\n")
    run("-w", ws, "responses", "import", "feedback", data)
    again = run("-w", ws, "responses", "import", "feedback", data)
    assert "Imported 0 responses, 2 already here" in again.output
    assert run("-w", ws, "responses", "count", "feedback").output.strip() == "2"


def test_import_reports_every_invalid_row_and_imports_nothing(run, ws, tmp_path):
    data = tmp_path / "keyed.csv"
    data.write_text("rating,liked\n5,food\n9,food\n,music\n2,dancing\n")
    result = run("-w", ws, "responses", "import", "feedback", data)
    assert result.exit_code == 1
    assert "row 3: rating: Pick a point from 1 to 5." in result.output
    assert "row 4: rating: Answer this question." in result.output
    assert "row 5: liked: Pick only from the options given." in result.output
    assert "nothing was imported" in result.output
    assert run("-w", ws, "responses", "count", "feedback").output.strip() == "0"


def test_import_with_skip_invalid_keeps_the_valid_rows(run, ws, tmp_path):
    data = tmp_path / "keyed.jsonl"
    data.write_text('{"rating": 5, "liked": ["food"]}\n{"rating": 0}\n')
    result = run("-w", ws, "responses", "import", "feedback", data, "--skip-invalid")
    assert result.exit_code == 0 and "1 invalid rows left out" in result.output
    assert run("-w", ws, "responses", "count", "feedback").output.strip() == "1"


@pytest.mark.parametrize("content, message", [
    ("rating,colour\n5,red\n", "unknown column colour"),
    ("not json\n", "not JSON"),
    (b"rating\n\xff\n", "not UTF-8"),
])
def test_import_of_a_bad_file_is_a_clear_error(run, ws, tmp_path, content, message):
    data = tmp_path / ("keyed.jsonl" if message == "not JSON" else "keyed.csv")
    data.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run("-w", ws, "responses", "import", "feedback", data)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("line, message", [
    ('{"rating": 5, "comments": "a\\ud800"}', "keyed.jsonl:2: this line cannot be read: 'comments' holds half of a surrogate pair"),
    ('{"rating": NaN}', "keyed.jsonl:2: this line cannot be read: 'rating' is nan"),
])
def test_an_imported_line_the_store_cannot_keep_is_refused_where_it_is(run, ws, tmp_path, line, message):
    # Python's json reads both lines; before, the first failed on its way into SQLite.
    data = tmp_path / "keyed.jsonl"
    data.write_text('{"rating": 4}\n' + line + "\n", encoding="utf-8")
    result = run("-w", ws, "responses", "import", "feedback", data)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert run("-w", ws, "responses", "count", "feedback").output.strip() == "0"


def test_unknown_form_suggests_the_nearest(run, ws):
    result = run("-w", ws, "responses", "count", "feedbak")
    assert result.exit_code == 1 and "Did you mean 'feedback'?" in result.output


def test_every_command_has_help_with_an_example_or_description():
    def walk(group, path):
        for name, command in group.commands.items():
            yield path + [name], command
            if hasattr(command, "commands"):
                yield from walk(command, path + [name])

    runner = CliRunner()
    for path, command in walk(main, []):
        result = runner.invoke(main, path + ["-h"])
        assert result.exit_code == 0, path
        assert command.help, f"collector {' '.join(path)} has no help"


def test_a_listing_can_be_imported_into_another_workspace(run, ws, tmp_path):
    data = tmp_path / "keyed.csv"
    data.write_text("rating,liked,submitted_at\n5,food,2026-07-04T10:00:00Z\n")
    run("-w", ws, "responses", "import", "feedback", data)
    listing = tmp_path / "listing.jsonl"
    listing.write_text(run("-w", ws, "responses", "list", "feedback", "--json").output)
    run("init", tmp_path / "office")
    (tmp_path / "office" / "forms" / "feedback.yaml").write_text(FEEDBACK)
    result = run("-w", tmp_path / "office", "responses", "import", "feedback", listing)
    assert result.exit_code == 0, result.output
    row = json.loads(run("-w", tmp_path / "office", "responses", "list", "feedback", "--json").output)
    original = json.loads(listing.read_text())
    assert row["id"] == original["id"] and row["answers"] == original["answers"]
    assert row["submitted_at"] == "2026-07-04T10:00:00Z"


def test_import_refuses_bad_times_and_reads_short_rows(run, ws, tmp_path):
    data = tmp_path / "keyed.csv"
    data.write_text("rating,comment,submitted_at\n5,,not a date\n4\n")
    result = run("-w", ws, "responses", "import", "feedback", data)
    assert result.exit_code == 1
    assert "row 2: submitted_at 'not a date' is not a date and time" in result.output
    assert "row 3" not in result.output and "Traceback" not in result.output
