"""The Networks pane: networks with subnet, gateway and attached containers
(with their addresses), and create / remove / connect / disconnect / prune."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding

from tui.docker import containers as container_ops
from tui.docker import networks as ops
from tui.docker.models import ContainerRow, NetworkRow, PruneReport
from tui.panes.base import Column, ResourcePane, SortSpec
from tui.presentation import safe_text, time_ago


def network_matches(row: NetworkRow, needle: str) -> bool:
    needle = needle.lower()
    fields = [row.name, row.id, row.driver, row.scope, *row.subnets, *row.gateways]
    fields += [f"{e.name} {e.ipv4} {e.ipv6}" for e in row.endpoints]
    return any(needle in field.lower() for field in fields)


def endpoints_text(row: NetworkRow) -> Text:
    if not row.endpoints:
        return Text("-", style="dim")
    text = Text()
    for index, endpoint in enumerate(row.endpoints):
        if index:
            text.append(", ")
        text.append(safe_text(endpoint.name), style="bold")
        address = endpoint.ipv4.split("/")[0] or endpoint.ipv6.split("/")[0]
        if address:
            text.append(f" {address}", style="cyan")
    return text


class NetworksPane(ResourcePane[NetworkRow]):
    pane_id = "networks"
    title = "Networks"
    item_noun = "network"
    EVENT_TYPES = frozenset({"network"})
    SORTS = (
        SortSpec("name", lambda n: n.name.lower()),
        SortSpec("driver", lambda n: (n.driver, n.name.lower())),
        SortSpec("containers", lambda n: (-len(n.endpoints), n.name.lower())),
        SortSpec("created", lambda n: -n.created),
    )

    BINDINGS = [
        Binding("i", "inspect", "Inspect", id="networks.inspect"),
        Binding("n", "create", "New", id="networks.create"),
        Binding("d", "remove", "Remove", id="networks.remove"),
        Binding("c", "connect", "Connect", id="networks.connect"),
        Binding("C", "disconnect", "Disconnect", id="networks.disconnect"),
        Binding("x", "prune", "Prune", id="networks.prune"),
    ]

    def on_mount(self) -> None:
        super().on_mount()
        self.filter_input.placeholder = "/ to filter (name, id, driver, subnet, container, address)"

    # --- data ------------------------------------------------------------
    def fetch(self, api: Any) -> list[NetworkRow]:
        return ops.list_networks(api)

    def item_key(self, item: NetworkRow) -> str:
        return item.id

    def item_matches(self, item: NetworkRow, needle: str) -> bool:
        return network_matches(item, needle)

    def empty_text(self) -> str:
        return "No networks."

    def status_summary(self) -> str:
        attached = sum(len(n.endpoints) for n in self.items)
        return super().status_summary() + f" · {attached} attachments"

    # --- drawing ---------------------------------------------------------
    def columns_for_width(self, width: int) -> list[Column]:
        usable = width - 2
        if width < 120:
            # SUBNET fits any IPv4 CIDR: a cut-off prefix length would read
            # as a different network
            name = 16 + (width - 80) // 4
            fixed = [Column("driver", "DRIVER", 7), Column("subnet", "SUBNET", 18)]
            rest = max(10, usable - name - sum(c.width or 0 for c in fixed) - 2 * 4)
            return [Column("name", "NAME", name), *fixed, Column("containers", "CONTAINERS", rest)]
        fixed = [Column("id", "ID", 12), Column("driver", "DRIVER", 8), Column("subnet", "SUBNET", 18), Column("gateway", "GATEWAY", 15)]
        if width >= 150:
            fixed = [*fixed[:2], Column("scope", "SCOPE", 6), *fixed[2:], Column("created", "CREATED", 14)]
        spare = usable - sum(c.width or 0 for c in fixed) - 2 * (len(fixed) + 2)
        name = max(16, spare // 3)
        return [Column("name", "NAME", name), *fixed, Column("containers", "CONTAINERS", spare - name)]

    def cell(self, item: NetworkRow, column: str) -> str | Text:
        if column == "name":
            text = Text(safe_text(item.name), style="dim" if item.predefined else "bold")
            if item.internal:
                text.append(" internal", style="yellow")
            return text
        if column == "id":
            return item.short_id
        if column == "driver":
            return safe_text(item.driver)
        if column == "scope":
            return safe_text(item.scope)
        if column == "subnet":
            return ", ".join(item.subnets) or "-"
        if column == "gateway":
            return ", ".join(item.gateways) or "-"
        if column == "containers":
            return endpoints_text(item)
        if column == "created":
            return time_ago(item.created) if item.created else "-"
        return ""

    # --- actions ---------------------------------------------------------
    def action_open_selected(self) -> None:
        self.action_inspect()

    def action_inspect(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.show_inspect("network", row.id, row.name)

    def action_create(self) -> None:
        if not self.dtui.check_writable("creating networks"):
            return
        from tui.screens.network_create import NetworkCreateScreen, NetworkRequest

        def create(request: NetworkRequest | None) -> None:
            if request is None:
                return
            self.dtui.run_task(
                f"create network {request.name}",
                lambda: ops.create_network(
                    self.dtui.service.api, request.name, request.driver, request.subnet, request.gateway, request.internal
                ),
                success=f"Network {request.name} created.",
                on_result=self._select_later,
            )

        self.app.push_screen(NetworkCreateScreen(), create)

    def _select_later(self, key: str) -> None:
        self.mark_dirty()
        self.set_timer(0.5, lambda: self.table.select_key(key))

    def action_remove(self) -> None:
        row = self.selected_or_warn()
        if row is None:
            return
        name = safe_text(row.name)
        if row.predefined:
            self.notify(f"{name} is a predefined network of the daemon and cannot be removed.", severity="warning", timeout=4, markup=False)
            return
        if not self.dtui.check_writable("removing networks"):
            return
        body = f"{row.short_id}  driver {safe_text(row.driver)}  {', '.join(row.subnets)}"
        if row.endpoints:
            body += "\nConnected: " + ", ".join(safe_text(e.name) for e in row.endpoints) + " — the daemon will refuse while they are."
        self.dtui.confirm(
            f"Remove network {name}?",
            body,
            lambda: self.dtui.run_task(
                f"remove network {name}",
                lambda: ops.remove_network(self.dtui.service.api, row),
                success=f"Network {name} removed.",
            ),
        )

    def action_connect(self) -> None:
        row = self.selected_or_warn()
        if row is None or not self.dtui.check_writable("connecting containers"):
            return
        if row.driver in ("host", "null"):
            self.notify(f"Containers cannot be connected to the {safe_text(row.name)} network.", severity="warning", timeout=4, markup=False)
            return
        attached = {e.container_id for e in row.endpoints}

        def choose(containers: list[ContainerRow]) -> None:
            choices = [
                (c.id, f"{c.name}  ({c.state}, {c.image})")
                for c in sorted(containers, key=lambda c: c.name)
                if c.id not in attached
            ]
            if not choices:
                self.notify("Every container is already connected to this network.", timeout=3)
                return
            from tui.screens.network_pick import ContainerPickScreen

            self.app.push_screen(
                ContainerPickScreen(f"Connect a container to {safe_text(row.name)}", choices),
                lambda cid: self._connect(row, cid, {c.id: c.name for c in containers}),
            )

        self.dtui.run_task("list containers", lambda: container_ops.list_containers(self.dtui.service.api), on_result=choose, quiet=True)

    def _connect(self, row: NetworkRow, container_id: str | None, names: dict[str, str]) -> None:
        if not container_id:
            return
        name = safe_text(names.get(container_id, container_id[:12]))
        self.dtui.run_task(
            f"connect {name}",
            lambda: ops.connect(self.dtui.service.api, row.id, container_id),
            success=f"{name} connected to {safe_text(row.name)}.",
        )

    def action_disconnect(self) -> None:
        row = self.selected_or_warn()
        if row is None or not self.dtui.check_writable("disconnecting containers"):
            return
        if not row.endpoints:
            self.notify(f"No container is connected to {safe_text(row.name)}.", timeout=3, markup=False)
            return
        from tui.screens.network_pick import ContainerPickScreen

        choices = [(e.container_id, f"{e.name}  {e.ipv4 or e.ipv6}") for e in row.endpoints]
        names = {e.container_id: e.name for e in row.endpoints}

        def picked(container_id: str | None) -> None:
            if not container_id:
                return
            name = safe_text(names.get(container_id, container_id[:12]))
            self.dtui.run_task(
                f"disconnect {name}",
                lambda: ops.disconnect(self.dtui.service.api, row.id, container_id),
                success=f"{name} disconnected from {safe_text(row.name)}.",
            )

        self.app.push_screen(ContainerPickScreen(f"Disconnect a container from {safe_text(row.name)}", choices), picked)

    def action_prune(self) -> None:
        if not self.dtui.check_writable("pruning networks"):
            return
        doomed = ops.prune_candidates(self.items)
        if not doomed:
            self.notify("No unused networks to prune.", timeout=3)
            return
        names = ", ".join(safe_text(n.name) for n in doomed[:15]) + (" …" if len(doomed) > 15 else "")
        self.dtui.confirm(
            f"Prune {len(doomed)} network{'s' if len(doomed) != 1 else ''}?",
            f"Deletes all networks not used by at least one container:\n{names}",
            lambda: self.dtui.run_task(
                "prune networks",
                lambda: ops.prune_networks(self.dtui.service.patient_api),
                success=self._pruned,
            ),
        )

    @staticmethod
    def _pruned(report: PruneReport) -> str:
        count = len(report.deleted)
        text = f"Pruned {count} network{'s' if count != 1 else ''}"
        return text + (": " + ", ".join(safe_text(n) for n in report.deleted) if report.deleted else ".")
