"""`collector forms check` and `collector forms schema`, as a person runs them."""

import json
import textwrap

from click.testing import CliRunner

import forms
from collector.cli import main

from test_forms_load import EVERY_TYPE

BROKEN = textwrap.dedent("""\
    id: parks
    version: 1
    title: Parks
    sections:
      - id: about
        title: About
        questions:
          - id: age
            type: nubmer
            label: Age
          - id: name
            type: text
            label: Name
            requird: true
""")


def run(*args):
    return CliRunner().invoke(main, list(args))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_prints_ok_with_id_version_and_question_count(tmp_path):
    path = write(tmp_path, "parks.yaml", EVERY_TYPE)

    result = run("forms", "check", str(path))

    # 16 questions, one of them a note that takes no answer.
    assert result.output == "ok: parks_survey v2024-06, 15 questions\n"
    assert result.exit_code == 0


def test_check_prints_every_problem_located_and_fails(tmp_path):
    path = write(tmp_path, "broken.yaml", BROKEN)

    result = run("forms", "check", str(path))

    assert result.output.splitlines() == [
        f"{path}:9:15: question 'age': unknown type 'nubmer'. Did you mean 'number'?",
        f"{path}:14:9: question 'name': unknown key 'requird' in a text question. Did you mean 'required'?",
    ]
    assert result.exit_code == 1


def test_check_of_several_files_reports_each_and_fails_if_any_is_invalid(tmp_path):
    good = write(tmp_path, "good.yaml", EVERY_TYPE)
    bad = write(tmp_path, "bad.yaml", BROKEN)

    result = run("forms", "check", str(good), str(bad))

    lines = result.output.splitlines()
    assert lines[0] == "ok: parks_survey v2024-06, 15 questions"
    assert len(lines) == 3 and all(line.startswith(f"{bad}:") for line in lines[1:])
    assert result.exit_code == 1


def test_check_passes_only_when_every_file_is_valid(tmp_path):
    first = write(tmp_path, "a.yaml", EVERY_TYPE)
    second = write(tmp_path, "b.yaml", EVERY_TYPE.replace("id: parks_survey", "id: parks_two"))

    result = run("forms", "check", str(first), str(second))

    assert result.output.splitlines() == ["ok: parks_survey v2024-06, 15 questions", "ok: parks_two v2024-06, 15 questions"]
    assert result.exit_code == 0


def test_check_of_a_missing_file_is_a_clean_message(tmp_path):
    path = tmp_path / "nowhere.yaml"

    result = run("forms", "check", str(path))

    assert result.output == f"{path}: cannot read the file: No such file or directory\n"
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_check_of_a_file_that_is_not_utf8_is_a_clean_message(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: parks\ntitle: Caf\xe9\n".encode("latin-1"))

    result = run("forms", "check", str(path))

    assert result.output == f"{path}:2:1: the file is not UTF-8 text; save it again as UTF-8.\n"
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)


def test_check_of_malformed_yaml_is_a_clean_message(tmp_path):
    path = write(tmp_path, "bad.yaml", "id: parks\ntitle: [Parks\n")

    result = run("forms", "check", str(path))

    assert result.output.startswith(f"{path}:")
    assert "this is not valid YAML" in result.output and "Traceback" not in result.output
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)


def test_check_json_gives_one_object_per_file(tmp_path):
    good = write(tmp_path, "good.yaml", EVERY_TYPE)
    bad = write(tmp_path, "bad.yaml", BROKEN)

    result = run("forms", "check", "--json", str(good), str(bad))

    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first == {"file": str(good), "ok": True, "id": "parks_survey", "version": "2024-06", "questions": 15}
    assert second["ok"] is False
    assert [(p["line"], p["column"], p["question"]) for p in second["problems"]] == [(9, 15, "age"), (14, 9, "name")]
    assert second["problems"][0]["message"] == "question 'age': unknown type 'nubmer'. Did you mean 'number'?"
    assert result.exit_code == 1


def test_check_needs_at_least_one_path():
    result = run("forms", "check")

    assert result.exit_code == 2
    assert "Missing argument" in result.output


def test_schema_prints_the_json_schema():
    result = run("forms", "schema")

    assert result.exit_code == 0
    assert result.output == forms.schema_text()
    assert json.loads(result.output)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_check_accepts_a_folder_of_forms(tmp_path):
    from pathlib import Path

    examples = Path(__file__).resolve().parent.parent / "forms" / "examples"
    result = CliRunner().invoke(main, ["forms", "check", str(examples)])
    assert result.exit_code == 0
    assert result.output.count("ok: ") == len(list(examples.glob("*.yaml")))
    empty = CliRunner().invoke(main, ["forms", "check", str(tmp_path)])
    assert empty.exit_code == 1 and "holds no .yaml form files" in empty.output


def test_json_output_keeps_the_whole_message_whatever_the_file_name(tmp_path):
    import json

    bad = tmp_path / "a: b.yaml"
    bad.write_text("id: x\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    questions:\n      - {id: q, type: nubmer, label: Q}\n")
    result = CliRunner().invoke(main, ["forms", "check", "--json", str(bad)])
    problem = json.loads(result.output)["problems"][0]
    assert problem["message"] == "question 'q': unknown type 'nubmer'. Did you mean 'number'?"
