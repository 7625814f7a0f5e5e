"""Every command has help and is documented in the README."""

from __future__ import annotations

import click
import pytest

from tests.support.paths import ROOT
from tracker.cli import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, path))
        else:
            paths.append(path)
    return paths


@pytest.mark.parametrize("path", command_paths(cli), ids=" ".join)
def test_command_has_help_and_is_in_the_readme(path: tuple[str, ...]) -> None:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert command.help, f"tracker {' '.join(path)} has no help"
    assert f"tracker {' '.join(path)}" in README
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"{param.opts} of tracker {' '.join(path)} has no help"
