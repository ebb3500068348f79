"""Every documented surface matches the docs: form keys, question types, settings, commands."""

import re
from pathlib import Path

import forms
from forms import spec

ROOT = Path(__file__).resolve().parent.parent
FORMS_DOC = (ROOT / "docs" / "forms.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _schema_keys(schema):
    """Every property name anywhere in the JSON Schema."""
    found = set()
    if isinstance(schema, dict):
        found.update(schema.get("properties", {}))
        for value in schema.values():
            found |= _schema_keys(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _schema_keys(value)
    return found


def test_every_key_in_the_schema_is_documented_in_docs_forms_md():
    keys = _schema_keys(forms.build_schema())
    assert len(keys) > 30
    missing = sorted(k for k in keys if f"`{k}`" not in FORMS_DOC)
    assert not missing, f"docs/forms.md does not mention: {missing}"


def test_every_question_type_is_documented():
    missing = sorted(t for t in spec.QUESTION_TYPES if f"`{t}`" not in FORMS_DOC)
    assert not missing


def test_the_show_if_words_are_documented():
    for word in ("==", "!=", "<=", ">=", "in", "not in", "and", "or", "not", "answered"):
        assert f"`{word}" in FORMS_DOC, word


def test_readme_gives_the_two_setup_commands_and_the_schema_line():
    assert "make serve" in README and "make test" in README
    assert re.search(r"# yaml-language-server: \$schema=\S*schema\.json", README)


def test_every_yaml_example_in_the_guide_that_is_a_whole_form_loads():
    blocks = re.findall(r"```yaml\n(.*?)```", FORMS_DOC, re.S)
    whole = [b for b in blocks if re.search(r"^id:", b, re.M) and re.search(r"^sections:", b, re.M)]
    assert len(whole) >= 2
    for block in whole:
        forms.load_form_text(block, "docs/forms.md")


def _commands(group, prefix=()):
    """(words, command) for every command a user can run, groups that run on their own included."""
    import click

    for name, command in group.commands.items():
        if command.hidden:
            continue
        path = prefix + (name,)
        if isinstance(command, click.Group):
            if command.invoke_without_command:
                yield path, command
            yield from _commands(command, path)
        else:
            yield path, command


def test_every_command_is_in_the_readme_and_has_help_with_an_example():
    from collector.cli import main

    commands = dict(_commands(main))
    assert ("sync", "import") in commands and ("devices", "add") in commands
    missing = [" ".join(words) for words in commands
               if not re.search(r"collector (-w \S+ )?" + re.escape(" ".join(words)) + r"\b", README)]
    assert not missing, f"README.md does not mention: {missing}"
    unexplained = [" ".join(words) for words, command in commands.items() if "Example:" not in (command.help or "")]
    assert not unexplained, f"these commands' help gives no example: {unexplained}"
