"""The image forms: run, commit, tag, pull, push, build, save, load, export
and import.

A form validates what was typed with the Docker layer's pure parsers before
anything reaches the daemon; a problem — from a parser or from the daemon —
is shown under the fields and the form stays open with every value as typed.
Long operations (save, load, export, import) run inside the form with a
progress line; escape cancels them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static, TextArea

from tui.docker import images as image_ops
from tui.docker.errors import InvalidInput, describe_error
from tui.docker.models import ContainerRow, ImageRow
from tui.presentation import human_size, safe_text
from tui.workers import WorkerErrors

SAVE_LOAD_NOTE = "save/load keeps every layer and the image history (layers can be rolled back)."
EXPORT_IMPORT_NOTE = "export/import flattens a container's filesystem into ONE layer: the history and layers are lost."


@dataclass(frozen=True)
class Field:
    """One row of a form."""

    key: str
    label: str
    kind: str = "input"  # input | check | text
    value: Any = ""
    placeholder: str = ""


class ImageForm(WorkerErrors, ModalScreen[Any]):
    """A modal form: fields, a note, an error line and a progress line.

    Subclasses list their rows in :meth:`fields` and implement :meth:`submit`
    (validate, then act); raising :class:`InvalidInput` there shows the
    message and keeps the form as it is.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "submit", "OK", id="form.submit"),
    ]

    form_title = ""
    note = ""
    ok_label = "OK"

    def __init__(self) -> None:
        super().__init__(classes="image-form")
        self.control: image_ops.StreamControl | None = None
        self.busy = False
        self._gone = False
        self._last_progress = 0.0

    def fields(self) -> list[Field]:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static(Text(self.form_title, style="bold"), classes="form-title")
            if self.note:
                yield Static(Text(self.note), classes="form-note")
            with Grid(classes="form-grid"):
                for spec in self.fields():
                    yield Label(Text(spec.label), classes="form-label")
                    if spec.kind == "check":
                        yield Checkbox(spec.placeholder or "on", value=bool(spec.value), id=f"f-{spec.key}", compact=True)
                    elif spec.kind == "text":
                        area = TextArea(str(spec.value), id=f"f-{spec.key}", classes="form-text", soft_wrap=True)
                        area.placeholder = spec.placeholder
                        yield area
                    else:
                        yield Input(str(spec.value), placeholder=spec.placeholder, id=f"f-{spec.key}", compact=True)
            yield Static("", classes="form-error")
            yield Static("", classes="form-progress")
            yield Static(
                Text.assemble(("enter", "bold"), "/", ("ctrl+s", "bold"), f" {self.ok_label}   ", ("escape", "bold"), " cancel   ", ("tab", "bold"), " next field"),
                classes="form-keys",
            )

    def on_mount(self) -> None:
        first = self.query("Input, Checkbox, TextArea").first()
        first.focus()

    # --- values ------------------------------------------------------------
    def value(self, key: str) -> Any:
        widget = self.query_one(f"#f-{key}")
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        return widget.value  # type: ignore[attr-defined]

    def set_value(self, key: str, value: Any) -> None:
        widget = self.query_one(f"#f-{key}")
        if isinstance(widget, TextArea):
            widget.load_text(str(value))
        else:
            widget.value = value  # type: ignore[attr-defined]

    @property
    def error_text(self) -> str:
        return str(self.query_one(".form-error", Static).content)

    def show_error(self, message: str) -> None:
        self.query_one(".form-error", Static).update(Text(safe_text(message), style="bold red"))

    def show_progress(self, message: str) -> None:
        self.query_one(".form-progress", Static).update(Text(safe_text(message)))

    # --- submitting --------------------------------------------------------
    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        if self.busy:
            return
        self.show_error("")
        try:
            self.submit()
        except InvalidInput as exc:
            self.show_error(str(exc))

    def submit(self) -> None:
        raise NotImplementedError

    def check_fields(self, parsers: dict[str, Callable[[str], object]]) -> None:
        """Run each field through its parser; the first bad one gets the focus."""
        for key, parse in parsers.items():
            try:
                parse(self.value(key))
            except InvalidInput:
                self.query_one(f"#f-{key}").focus()
                raise

    def run_call(self, label: str, call: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run ``call`` on a thread; its failure lands under the fields."""
        self.busy = True
        self.show_progress(f"{label}…")
        self._call_worker(call, done)

    @work(thread=True, exit_on_error=False, group="form")
    def _call_worker(self, call: Callable[[], Any], done: Callable[[Any], None]) -> None:
        try:
            result = call()
        except image_ops.StreamCancelled:
            return
        except Exception as exc:  # shown next to the form, values kept
            if not self._gone:
                self.app.call_from_thread(self._failed, describe_error(exc))
            return
        if not self._gone:
            self.app.call_from_thread(done, result)

    def _failed(self, message: str) -> None:
        self.busy = False
        self.show_progress("")
        self.show_error(message)

    def run_tar_stream(
        self,
        label: str,
        operation: Callable[[image_ops.StreamControl, Callable[[int], None]], Any],
        done: Callable[[Any], None],
    ) -> None:
        """Run a cancellable tar transfer, showing the bytes moved so far."""
        control = self.control = image_ops.StreamControl()

        def report(count: int) -> None:
            # at most 10 redraws a second, whatever the chunk rate
            now = time.monotonic()
            if now - self._last_progress >= 0.1 and not self._gone:
                self._last_progress = now
                self.app.call_from_thread(self.show_progress, f"{label}: {human_size(count)}…")

        self.run_call(label, lambda: operation(control, report), done)

    def tar_path(self, purpose: str) -> str:
        path = self.value("path").strip()
        if not path:
            raise InvalidInput(f"Enter the tar file to {purpose}.")
        return path

    def action_cancel(self) -> None:
        if self.busy:
            self.app.notify(f"{self.form_title}: cancelled.", timeout=3, markup=False)
        self._stop()
        self.dismiss(None)

    def on_unmount(self) -> None:
        self._stop()

    def _stop(self) -> None:
        self._gone = True
        if self.control is not None:
            self.control.cancel()

    @property
    def api(self) -> Any:
        return self.app.service.api  # type: ignore[attr-defined]

    @property
    def patient_api(self) -> Any:
        """No read timeout: commits and tar transfers may rightly take long."""
        return self.app.service.patient_api  # type: ignore[attr-defined]

    def finish(self, message: str, result: Any = True) -> None:
        self.app.notify(message, timeout=5, markup=False)
        self.dismiss(result)


# --- run -------------------------------------------------------------------


class RunForm(ImageForm):
    """``docker run`` from an image."""

    ok_label = "Run"

    def __init__(self, image: str) -> None:
        super().__init__()
        self.image = image
        self.form_title = f"Run a container from {safe_text(image)}"

    def fields(self) -> list[Field]:
        return [
            Field("name", "Name", placeholder="(generated)"),
            Field("command", "Command", placeholder="(image default), e.g. sh -c 'echo hi'"),
            Field("interactive", "Interactive+TTY (-it)", "check", False, "keep stdin open and allocate a terminal"),
            Field("detach", "Detached (-d)", "check", True, "unticked: stay attached (terminal view)"),
            Field("attach", "Attach after start", "check", False, "open the container in the terminal view"),
            Field("restart", "Restart policy", placeholder="no | always | unless-stopped | on-failure[:N]"),
            Field("ports", "Ports (-p)", placeholder="8080:80, 127.0.0.1:8443:443/tcp, 53/udp"),
            Field("env", "Env (-e)", "text", placeholder="KEY=VALUE per line or comma-separated"),
            Field("volumes", "Volumes (-v)", placeholder="data:/var/lib/data:ro, /host/dir:/dir"),
            Field("network", "Network", placeholder="(default bridge)"),
            Field("auto_remove", "Auto-remove (--rm)", "check", False, "remove the container when it exits"),
        ]

    def submit(self) -> None:
        self.check_fields(
            {
                "name": image_ops.parse_container_name,
                "command": image_ops.parse_command,
                "restart": image_ops.parse_restart_policy,
                "ports": image_ops.parse_ports,
                "env": image_ops.parse_env,
                "volumes": image_ops.parse_volumes,
            }
        )
        interactive = bool(self.value("interactive"))
        spec = image_ops.build_run_spec(
            self.image,
            name=self.value("name"),
            command=self.value("command"),
            interactive=interactive,
            tty=interactive,
            detach=bool(self.value("detach")),
            restart=self.value("restart"),
            ports=self.value("ports"),
            env=self.value("env"),
            volumes=self.value("volumes"),
            network=self.value("network"),
            auto_remove=bool(self.value("auto_remove")),
        )
        # not detached means "stay with it": in a TUI that is the terminal view
        attach = bool(self.value("attach")) or not spec.detach
        def run() -> tuple[image_ops.RunResult, ContainerRow | None]:
            api = self.api  # on the worker: connecting may wait for the daemon
            result = image_ops.run_container(api, spec)
            listed = api.containers(all=True, filters={"id": result.container_id})
            return result, ContainerRow.from_api(listed[0]) if listed else None

        def started(outcome: tuple[image_ops.RunResult, ContainerRow | None]) -> None:
            result, row = outcome
            text = f"Started container {result.name} ({result.container_id[:12]})."
            if result.warnings:
                text += " Warnings: " + "; ".join(result.warnings)
            self.finish(text, result)
            if attach and row is not None:
                self.app.open_terminal(row, mode="attach")  # type: ignore[attr-defined]

        self.run_call(f"Starting a container from {self.image}", run, started)


# --- commit / tag ----------------------------------------------------------


class CommitForm(ImageForm):
    """``docker commit -m MSG -a AUTHOR CONTAINER repo:tag``."""

    ok_label = "Commit"
    note = "The container's writable layer becomes a new image layer on top of its image."

    def __init__(self, container: ContainerRow) -> None:
        super().__init__()
        self.container = container
        self.form_title = f"Commit container {safe_text(container.name)} to an image"

    def fields(self) -> list[Field]:
        return [
            Field("reference", "Repository:tag", placeholder="team/app:v2"),
            Field("message", "Message (-m)", placeholder="what changed"),
            Field("author", "Author (-a)", value=os.environ.get("USER", ""), placeholder="Name <email>"),
        ]

    def submit(self) -> None:
        reference = self.value("reference")
        repository, tag = image_ops.parse_reference(reference, allow_digest=False)
        target = f"{repository}:{tag}"
        message, author = self.value("message"), self.value("author")

        def call() -> str:
            return image_ops.commit_container(self.patient_api, self.container.id, target, message=message, author=author)

        self.run_call(f"Committing {self.container.name}", call, lambda image_id: self.finish(f"Committed {self.container.name} as {target} ({image_id[7:19]}).", target))


class TagForm(ImageForm):
    """``docker tag SOURCE TARGET``."""

    ok_label = "Tag"

    def __init__(self, image: ImageRow) -> None:
        super().__init__()
        self.image = image
        self.form_title = f"Tag image {safe_text(image.reference if not image.dangling else image.short_id)}"

    def fields(self) -> list[Field]:
        return [Field("reference", "New repository:tag", value="" if self.image.dangling else self.image.reference)]

    def submit(self) -> None:
        repository, tag = image_ops.parse_reference(self.value("reference"), allow_digest=False)
        target = f"{repository}:{tag}"

        def call() -> str:
            return image_ops.tag_image(self.api, self.image.id, target)
        self.run_call("Tagging", call, lambda name: self.finish(f"Tagged {self.image.short_id} as {name}.", name))


# --- pull / push -----------------------------------------------------------


class PullForm(ImageForm):
    """Asks for name:tag, then shows the pull's progress."""

    form_title = "Pull an image (docker pull)"
    ok_label = "Pull"

    def __init__(self, reference: str = "") -> None:
        super().__init__()
        self.reference = reference

    def fields(self) -> list[Field]:
        return [Field("reference", "Image", value=self.reference, placeholder="name[:tag] or registry:5000/team/name:tag")]

    def submit(self) -> None:
        from tui.screens.images_progress import TransferScreen

        repository, tag = image_ops.parse_reference(self.value("reference"))
        reference = f"{repository}@{tag}" if ":" in tag else f"{repository}:{tag}"
        self.dismiss(reference)
        self.app.push_screen(TransferScreen("pull", reference))


class PushForm(ImageForm):
    """Confirms the name to push (it decides the registry)."""

    form_title = "Push an image (docker push)"
    note = "The registry is the host part of the name; credentials come from ~/.docker/config.json (docker login)."
    ok_label = "Push"

    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference

    def fields(self) -> list[Field]:
        return [Field("reference", "Image", value=self.reference)]

    def submit(self) -> None:
        from tui.screens.images_progress import TransferScreen

        repository, tag = image_ops.parse_reference(self.value("reference"), allow_digest=False)
        reference = f"{repository}:{tag}"
        self.dismiss(reference)
        self.app.push_screen(TransferScreen("push", reference))


# --- build -----------------------------------------------------------------


class BuildForm(ImageForm):
    """``docker build -f DOCKERFILE -t TAG --build-arg K=V CONTEXT``."""

    form_title = "Build an image (docker build)"
    ok_label = "Build"

    def fields(self) -> list[Field]:
        return [
            Field("context", "Context folder", value=os.getcwd()),
            Field("dockerfile", "Dockerfile", value="Dockerfile", placeholder="relative to the context, or absolute"),
            Field("tag", "Tag (-t)", placeholder="team/app:dev"),
            Field("build_args", "Build args", "text", placeholder="KEY=VALUE per line or comma-separated"),
        ]

    def submit(self) -> None:
        from tui.screens.images_progress import BuildScreen

        request = image_ops.build_request(self.value("context"), self.value("dockerfile"), self.value("tag"), self.value("build_args"))
        self.dismiss(request)
        self.app.push_screen(BuildScreen(request))


# --- save / load / export / import -----------------------------------------


def _default_tar_name(reference: str) -> str:
    stem = reference.split("@", 1)[0].replace("/", "_").replace(":", "_")
    return os.path.join(os.getcwd(), f"{stem or 'image'}.tar")


class SaveForm(ImageForm):
    """``docker save -o PATH IMAGE...``."""

    form_title = "Save image(s) to a tar (docker save)"
    note = SAVE_LOAD_NOTE
    ok_label = "Save"

    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference

    def fields(self) -> list[Field]:
        return [
            Field("images", "Image(s)", value=self.reference, placeholder="space-separated names"),
            Field("path", "Tar file", value=_default_tar_name(self.reference)),
        ]

    def submit(self) -> None:
        references = self.value("images").split()
        if not references:
            raise InvalidInput("Name at least one image to save.")
        path = self.tar_path("write")
        self.run_tar_stream(
            "Saving",
            lambda *stream: image_ops.save_images(self.patient_api, references, path, *stream),
            lambda written: self.finish(f"Saved {' '.join(references)} to {path} ({human_size(written)}).", path),
        )


class LoadForm(ImageForm):
    """``docker load -i PATH``."""

    form_title = "Load images from a tar (docker load)"
    note = SAVE_LOAD_NOTE + " Use import (I) for a tar made by export."
    ok_label = "Load"

    def fields(self) -> list[Field]:
        return [Field("path", "Tar file", placeholder="made by docker save")]

    def submit(self) -> None:
        path = self.tar_path("load")
        self.run_tar_stream(
            "Loading",
            lambda *stream: image_ops.load_images(self.patient_api, path, *stream),
            lambda names: self.finish(f"Loaded {', '.join(names) or 'the tar'} from {path}.", names),
        )


class ExportForm(ImageForm):
    """``docker export -o PATH CONTAINER``."""

    form_title = "Export a container's filesystem (docker export)"
    note = EXPORT_IMPORT_NOTE + " To keep layers, commit and save the image instead."
    ok_label = "Export"

    def __init__(self, container: ContainerRow) -> None:
        super().__init__()
        self.container = container

    def fields(self) -> list[Field]:
        return [Field("path", "Tar file", value=os.path.join(os.getcwd(), f"{self.container.name}.tar"))]

    def submit(self) -> None:
        path = self.tar_path("write")
        self.run_tar_stream(
            "Exporting",
            lambda *stream: image_ops.export_container(self.patient_api, self.container.id, path, *stream),
            lambda written: self.finish(f"Exported {self.container.name} to {path} ({human_size(written)}).", path),
        )


class ImportForm(ImageForm):
    """``docker import PATH repo:tag``."""

    form_title = "Import a filesystem tar as an image (docker import)"
    note = EXPORT_IMPORT_NOTE + " Use load (L) for a tar made by save."
    ok_label = "Import"

    def fields(self) -> list[Field]:
        return [
            Field("path", "Tar file", placeholder="made by docker export"),
            Field("reference", "Repository:tag", placeholder="team/rootfs:1"),
        ]

    def submit(self) -> None:
        path = self.tar_path("import")
        reference = self.value("reference").strip()
        if reference:
            image_ops.parse_reference(reference, allow_digest=False)
        self.run_tar_stream(
            "Importing",
            lambda *stream: image_ops.import_image(self.patient_api, path, reference, *stream),
            lambda name: self.finish(f"Imported {path} as {name}.", name),
        )
