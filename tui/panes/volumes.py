"""The Volumes pane: ``docker volume ls`` with the containers using each
volume, and create / remove / prune / inspect."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding

from tui.docker import volumes as ops
from tui.docker.events import DockerEvent
from tui.docker.models import PruneReport, VolumeRow
from tui.panes.base import Column, ResourcePane, SortSpec
from tui.presentation import cli_size, safe_text, time_ago


def volume_matches(row: VolumeRow, needle: str) -> bool:
    needle = needle.lower()
    fields = [row.name, row.driver, row.mountpoint, *(u.name for u in row.users), *(f"{k}={v}" for k, v in row.labels)]
    if not row.in_use:
        fields.append("unused dangling")
    return any(needle in field.lower() for field in fields)


def users_text(row: VolumeRow) -> Text:
    if not row.users:
        return Text("unused", style="yellow")
    text = Text()
    for index, user in enumerate(row.users):
        if index:
            text.append(", ")
        text.append(safe_text(user.name), style="green" if user.state == "running" else "")
    return text


class VolumesPane(ResourcePane[VolumeRow]):
    pane_id = "volumes"
    title = "Volumes"
    item_noun = "volume"
    SORTS = (
        SortSpec("name", lambda v: v.name.lower()),
        SortSpec("unused first", lambda v: (v.in_use, v.name.lower())),
        SortSpec("created", lambda v: -v.created),
        SortSpec("driver", lambda v: (v.driver, v.name.lower())),
    )

    _api_version = ""

    BINDINGS = [
        Binding("i", "inspect", "Inspect", id="volumes.inspect"),
        Binding("n", "create", "New", id="volumes.create"),
        Binding("d", "remove", "Remove", id="volumes.remove"),
        Binding("D", "remove(True)", "Force rm", show=False, id="volumes.force_remove"),
        Binding("x", "prune", "Prune unused", id="volumes.prune"),
    ]

    def on_mount(self) -> None:
        super().on_mount()
        self.filter_input.placeholder = "/ to filter (name, driver, container, label, unused)"

    # --- data ------------------------------------------------------------
    def fetch(self, api: Any) -> list[VolumeRow]:
        # what prune deletes depends on the API version; noted here, on the
        # worker thread, so no action has to ask the daemon on the event loop
        self._api_version = str(api.api_version)
        return ops.list_volumes(api)

    def item_key(self, item: VolumeRow) -> str:
        return item.name

    def item_matches(self, item: VolumeRow, needle: str) -> bool:
        return volume_matches(item, needle)

    def wants_event(self, event: DockerEvent) -> bool:
        # who uses a volume changes only when containers come and go
        return event.type == "volume" or (event.type == "container" and event.action in ("create", "destroy"))

    def empty_text(self) -> str:
        return "No volumes. Press n to create one."

    def status_summary(self) -> str:
        unused = sum(1 for v in self.items if not v.in_use)
        return super().status_summary() + f" · {unused} unused"

    # --- drawing ---------------------------------------------------------
    def columns_for_width(self, width: int) -> list[Column]:
        # each column costs its width + 2; 2 more for the scrollbar
        usable = width - 2
        if width < 120:
            name = 22 + (width - 80) // 3
            fixed = [Column("driver", "DRIVER", 6), Column("created", "CREATED", 14)]
            users = max(10, usable - name - sum(c.width or 0 for c in fixed) - 2 * 4)
            return [Column("name", "NAME", name), fixed[0], Column("users", "USED BY", users), fixed[1]]
        fixed = [Column("driver", "DRIVER", 8), Column("created", "CREATED", 16)]
        spare = usable - sum(c.width or 0 for c in fixed) - 2 * 5
        name = max(24, spare * 3 // 10)
        users = max(16, spare * 4 // 10)
        mountpoint = spare - name - users
        return [Column("name", "NAME", name), fixed[0], Column("users", "USED BY", users), Column("mountpoint", "MOUNTPOINT", mountpoint), fixed[1]]

    def cell(self, item: VolumeRow, column: str) -> str | Text:
        if column == "name":
            return Text(safe_text(item.name), style="bold" if item.in_use else "")
        if column == "driver":
            return safe_text(item.driver)
        if column == "users":
            return users_text(item)
        if column == "mountpoint":
            return safe_text(item.mountpoint)
        if column == "created":
            return time_ago(item.created) if item.created else "-"
        return ""

    # --- actions ---------------------------------------------------------
    def action_open_selected(self) -> None:
        self.action_inspect()

    def action_inspect(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.show_inspect("volume", row.name, row.name)

    def action_create(self) -> None:
        if not self.dtui.check_writable("creating volumes"):
            return
        from tui.screens.volume_create import VolumeCreateScreen, VolumeRequest

        def create(request: VolumeRequest | None) -> None:
            if request is None:
                return
            self.dtui.run_task(
                f"create volume {request.name or '(anonymous)'}",
                lambda: ops.create_volume(self.dtui.service.api, request.name, request.driver, request.labels),
                success=lambda name: f"Volume {safe_text(name)} created.",
                on_result=self._select_later,
            )

        self.app.push_screen(VolumeCreateScreen(), create)

    def _select_later(self, key: str) -> None:
        self.mark_dirty()
        self.set_timer(0.5, lambda: self.table.select_key(key))

    def action_remove(self, force: bool = False) -> None:
        row = self.selected_or_warn()
        if row is None or not self.dtui.check_writable("removing volumes"):
            return
        name = safe_text(row.name)
        body = f"driver {safe_text(row.driver)} · {safe_text(row.mountpoint)}"
        if row.users:
            body += "\nUsed by: " + ", ".join(safe_text(u.name) for u in row.users) + " — the daemon will refuse while they exist."
        if force:
            body += "\nForce: errors from the volume driver are ignored."
        self.dtui.confirm(
            f"{'Force remove' if force else 'Remove'} volume {name}? Its data is deleted.",
            body,
            lambda: self.dtui.run_task(
                f"remove volume {name}",
                lambda: ops.remove_volume(self.dtui.service.api, row.name, force=force),
                success=f"Volume {name} removed.",
            ),
        )

    def action_prune(self) -> None:
        if not self.dtui.check_writable("pruning volumes"):
            return
        api_version = self._api_version
        doomed = ops.prune_candidates(self.items, api_version)
        if not doomed:
            scope = "unused volumes" if ops.prune_removes_named(api_version) else "unused anonymous volumes"
            self.notify(f"No {scope} to prune.", timeout=3, markup=False)
            return
        scope = "local volumes" if ops.prune_removes_named(api_version) else "anonymous local volumes"
        names = ", ".join(safe_text(v.name) for v in doomed[:15]) + (" …" if len(doomed) > 15 else "")
        self.dtui.confirm(
            f"Prune {len(doomed)} volume{'s' if len(doomed) != 1 else ''}?",
            f"Deletes all {scope} not used by at least one container, with their data:\n{names}",
            lambda: self.dtui.run_task(
                "prune volumes",
                lambda: ops.prune_volumes(self.dtui.service.patient_api),
                success=self._pruned,
            ),
        )

    @staticmethod
    def _pruned(report: PruneReport) -> str:
        count = len(report.deleted)
        return f"Pruned {count} volume{'s' if count != 1 else ''}; reclaimed {cli_size(report.reclaimed)}."
