"""Command line: ``dtui [-H URL] [--context NAME] [--read-only]``."""

from __future__ import annotations

import argparse
import sys

from tui import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dtui",
        description="A keyboard-driven terminal UI for Docker: containers, images, logs, stats and an embedded terminal.",
        epilog="Honours DOCKER_HOST, DOCKER_CONTEXT, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and ~/.docker/config.json.",
    )
    parser.add_argument("-H", "--host", help="daemon socket to connect to (unix://, tcp://, ssh://user@host)")
    parser.add_argument("--context", help="Docker CLI context to use")
    parser.add_argument("--read-only", action="store_true", help="browse only: every action that changes something is disabled")
    parser.add_argument("--version", action="version", version=f"dtui {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from tui.docker.errors import DaemonUnavailable

    try:
        from tui.app import create_app

        app = create_app(host=args.host, context=args.context, read_only=args.read_only)
    except DaemonUnavailable as exc:
        print(f"dtui: {exc}", file=sys.stderr)
        return 2
    result = app.run()
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
