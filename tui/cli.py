"""Command line: ``dtui [-H URL] [--context NAME] [--read-only] [--config PATH]``."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from tui import __version__
from tui.config import Settings, config_path, load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dtui",
        description="A keyboard-driven terminal UI for Docker: containers, images, logs, stats and an embedded terminal.",
        epilog="Honours DOCKER_HOST, DOCKER_CONTEXT, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and ~/.docker/config.json.",
    )
    parser.add_argument("-H", "--host", help="daemon socket to connect to (unix://, tcp://, ssh://user@host)")
    parser.add_argument("--context", help="Docker CLI context to use")
    parser.add_argument(
        "--read-only",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="browse only: every action that changes something is disabled (default: read_only in the settings file)",
    )
    parser.add_argument(
        "--allow-terminal",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="with --read-only, still allow exec shells and typing into an attached container (default: allow_terminal in the settings file)",
    )
    parser.add_argument("--config", metavar="PATH", help=f"settings file (default: {config_path()})")
    parser.add_argument("--keys", action="store_true", help="list every key binding's id, for [keys] in the settings file, and exit")
    parser.add_argument("--version", action="version", version=f"dtui {__version__}")
    return parser


def print_keys(settings: Settings) -> None:
    """Every binding id with its key (after the settings file's [keys])."""
    from tui.app import binding_classes, describe_keys, resolve_keymap

    overrides, problems = resolve_keymap(settings, binding_classes())
    for problem in problems:
        print(problem, file=sys.stderr)
    rows = describe_keys(overrides)
    width = max(len(row[0]) for row in rows)
    for binding_id, key, does, fixed in rows:
        print(f"{binding_id:<{width}}  {key:<14}  {does}{'  (fixed)' if fixed else ''}")


def main(argv: list[str] | None = None) -> int:
    # The cyclic garbage collector is off while dtui starts: importing
    # Textual and docker-py and building the first screen allocate a few
    # hundred thousand objects and hardly any garbage cycles, and the
    # collector's passes over them cost several percent of the time to the
    # first list. The main screen turns it back on (after gc.freeze(), so
    # what startup built is not scanned again) once the first list is on
    # screen, or after a short wait for a slow daemon.
    gc.disable()
    args = build_parser().parse_args(argv)
    from tui.docker.errors import DaemonUnavailable

    # a broken settings file never stops dtui: the app shows its problems
    settings = load_settings(Path(args.config) if args.config else None, must_exist=bool(args.config))
    if args.keys:
        print_keys(settings)
        return 0
    try:
        from tui.docker.client import DockerService, resolve_endpoint

        # a local daemon gathers the first container list while Textual loads
        service = DockerService(resolve_endpoint(host=args.host, context=args.context), direct_first_list=True)
        from tui.app import create_app

        app = create_app(read_only=args.read_only, allow_terminal=args.allow_terminal, settings=settings, service=service)
    except DaemonUnavailable as exc:
        print(f"dtui: {exc}", file=sys.stderr)
        return 2
    result = app.run()
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
