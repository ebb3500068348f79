"""Path tricks in form ids, serials and file names are refused, and nothing outside the workspace is read or written."""

import pytest
from click.testing import CliRunner

from collector.cli import main

TRICKS = ["..%2F..%2Fetc%2Fpasswd", "..", "%2E%2E", "visit%00", "visit%2F..%2F..%2Fcollector.json", "VISIT"]


@pytest.mark.parametrize("trick", TRICKS)
def test_form_ids_with_path_tricks_are_not_found(client, coordinator, trick):
    coordinator.sign_in()
    for path in (f"/f/{trick}", f"/coordinator/forms/{trick}/responses", f"/coordinator/forms/{trick}/summary",
                 f"/paper/f/{trick}"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "secret_key" not in answer.text and "root:" not in answer.text


@pytest.mark.parametrize("serial", ["..%2F..%2Fcollector.json", "%2E%2E%2F%2E%2E", "A%00B"])
def test_paper_serials_with_path_tricks_are_refused(client, coordinator, serial):
    coordinator.sign_in()
    answer = client.get(f"/paper/f/visit/{serial}")
    assert answer.status_code in (302, 400, 404)
    assert "secret_key" not in answer.text


@pytest.mark.parametrize("command", [["export", "../collector"], ["print", "../../etc/passwd"], ["report", "../visit"],
                                     ["responses", "list", "../visit"]])
def test_commands_refuse_form_ids_that_are_paths(workspace, command, tmp_path):
    result = CliRunner().invoke(main, ["-w", str(workspace.path), *command], catch_exceptions=False)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert not (tmp_path / "etc").exists()


def test_a_download_is_named_after_the_form_not_after_anything_typed(client, coordinator, workspace):
    from conftest import csrf_of

    coordinator.sign_in()
    page = client.get("/coordinator/forms/visit/responses")
    answer = client.post("/coordinator/forms/visit/export", data={"csrf_token": csrf_of(page.text), "format": "csv",
                                                                  "out": "../../evil.csv", "filename": "../../evil.csv"})
    disposition = answer.headers.get("Content-Disposition", "")
    assert answer.status_code == 200 and "filename=" in disposition
    assert "evil" not in disposition and ".." not in disposition and "/" not in disposition.split("filename=")[-1]
