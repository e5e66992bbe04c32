"""The Images pane: ``docker images`` live, and the image lifecycle —
pull, push, search, build, tag, history, remove, prune, save/load, import,
and run a new container."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding

from tui.docker import images as image_ops
from tui.docker.models import ImageRow
from tui.panes.base import Column, ResourcePane, SortSpec
from tui.presentation import human_size, image_matches, safe_text, time_ago


class ImagesPane(ResourcePane[ImageRow]):
    pane_id = "images"
    title = "Images"
    item_noun = "image"
    # container create/destroy changes the "containers using it" count
    EVENT_TYPES = frozenset({"image"})
    SORTS = (
        SortSpec("repository", lambda r: (r.dangling, r.repository.lower(), r.tag.lower())),
        SortSpec("size", lambda r: (-r.size, r.repository.lower())),
        SortSpec("created", lambda r: (-r.created, r.repository.lower())),
    )

    BINDINGS = [
        Binding("enter", "history", "History", show=False, id="images.open"),
        Binding("h", "history", "History", id="images.history"),
        Binding("i", "inspect", "Inspect", id="images.inspect"),
        Binding("n", "run", "Run", id="images.run"),
        Binding("P", "pull", "Pull", id="images.pull"),
        Binding("U", "push", "Push", id="images.push"),
        Binding("S", "search", "Search", id="images.search"),
        Binding("b", "build", "Build", id="images.build"),
        Binding("t", "tag", "Tag", id="images.tag"),
        Binding("d", "remove", "Remove", id="images.remove"),
        Binding("D", "force_remove", "Force rm", show=False, id="images.force_remove"),
        Binding("x", "prune", "Prune dangling", show=False, id="images.prune"),
        Binding("w", "save", "Save tar", show=False, id="images.save"),
        Binding("L", "load", "Load tar", show=False, id="images.load"),
        Binding("I", "import_tar", "Import tar", show=False, id="images.import_tar"),
    ]

    def wants_event(self, event: Any) -> bool:
        if event.type == "image":
            return True
        return event.type == "container" and event.action in ("create", "destroy")

    # --- data ------------------------------------------------------------
    def fetch(self, api: Any) -> list[ImageRow]:
        return image_ops.list_images(api)

    def item_key(self, item: ImageRow) -> str:
        return item.key

    def item_matches(self, item: ImageRow, needle: str) -> bool:
        return image_matches(item, needle)

    def empty_text(self) -> str:
        return "No images. Pull one (P), build one (b) or load a tar (L)."

    def status_summary(self) -> str:
        unique = {row.id: row.size for row in self.items}
        dangling = sum(1 for row in self.items if row.dangling)
        text = super().status_summary() + f" · {human_size(sum(unique.values()))}"
        if dangling:
            text += f" · {dangling} dangling (x prunes)"
        return text

    # --- drawing ---------------------------------------------------------
    def columns_for_width(self, width: int) -> list[Column]:
        # each column costs its width + 2 padding; 2 more for the scrollbar
        usable = width - 2
        fixed = [Column("id", "IMAGE ID", 12), Column("size", "SIZE", 8), Column("used", "USED", 4)]
        if width >= 100:
            fixed.insert(2, Column("created", "CREATED", 16))
        spare = usable - sum(c.width or 0 for c in fixed) - 2 * (len(fixed) + 2)
        tag_width = max(8, min(24, spare // 3))
        repo_width = max(12, spare - tag_width)
        return [Column("repository", "REPOSITORY", repo_width), Column("tag", "TAG", tag_width), *fixed]

    def cell(self, item: ImageRow, column: str) -> str | Text:
        dim = "dim" if item.dangling else ""
        if column == "repository":
            return Text(safe_text(item.repository), style=dim or "bold")
        if column == "tag":
            return Text(safe_text(item.tag), style=dim or "cyan")
        if column == "id":
            return Text(item.short_id, style=dim)
        if column == "size":
            return Text(human_size(item.size), style=dim)
        if column == "created":
            return Text(time_ago(item.created), style=dim)
        if column == "used":
            return Text(str(item.containers) if item.containers else "-", style=dim or ("green" if item.containers else "dim"))
        return ""

    # --- actions -----------------------------------------------------------
    def action_open_selected(self) -> None:
        self.action_history()

    def action_history(self) -> None:
        from tui.screens.images_history import ImageHistoryScreen

        row = self.selected_or_warn()
        if row is not None:
            self.app.push_screen(ImageHistoryScreen(row))

    def action_inspect(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.show_inspect("image", row.id, row.reference if not row.dangling else row.short_id)

    def action_run(self) -> None:
        from tui.screens.images_forms import RunForm

        row = self.selected_or_warn()
        if row is not None and self.dtui.check_writable("running a container"):
            self.app.push_screen(RunForm(row.reference))

    def action_pull(self) -> None:
        from tui.screens.images_forms import PullForm

        if self.dtui.check_writable("pulling"):
            row = self.selected
            self.app.push_screen(PullForm(row.reference if row is not None and not row.dangling else ""))

    def action_push(self) -> None:
        from tui.screens.images_forms import PushForm

        row = self.selected_or_warn()
        if row is None or not self.dtui.check_writable("pushing"):
            return
        if row.dangling:
            self.notify("An untagged image cannot be pushed: tag it first (t).", severity="warning", timeout=4, markup=False)
            return
        self.app.push_screen(PushForm(row.reference))

    def action_search(self) -> None:
        from tui.screens.images_search import ImageSearchScreen

        self.app.push_screen(ImageSearchScreen())

    def action_build(self) -> None:
        from tui.screens.images_forms import BuildForm

        if self.dtui.check_writable("building"):
            self.app.push_screen(BuildForm())

    def action_tag(self) -> None:
        from tui.screens.images_forms import TagForm

        row = self.selected_or_warn()
        if row is not None and self.dtui.check_writable("tagging"):
            self.app.push_screen(TagForm(row))

    def _remove(self, force: bool) -> None:
        row = self.selected_or_warn()
        if row is None or not self.dtui.check_writable("removing images"):
            return
        # a tagged row removes that tag (the image goes with its last tag);
        # a dangling row removes the image itself
        target = row.id if row.dangling else row.reference
        body = f"{row.short_id}  {human_size(row.size)}"
        if row.containers:
            body += f"\nUsed by {row.containers} container{'s' if row.containers != 1 else ''}."
            if force:
                body += " Force removes the tag anyway; the containers keep the image data."
        verb = "Force remove" if force else "Remove"
        self.dtui.confirm(
            f"{verb} image {safe_text(row.reference if not row.dangling else row.short_id)}?",
            body,
            lambda: self.dtui.run_task(
                f"rmi {safe_text(target)}",
                lambda: image_ops.remove_image(self.dtui.service.patient_api, target, force=force),
                success=lambda result: f"Removed {safe_text(target)}: {len(result)} untagged/deleted.",
            ),
        )

    def action_remove(self) -> None:
        self._remove(force=False)

    def action_force_remove(self) -> None:
        self._remove(force=True)

    def action_prune(self) -> None:
        if not self.dtui.check_writable("pruning images"):
            return
        dangling = [row for row in self.items if row.dangling and not row.containers]
        body = f"{len(dangling)} dangling image{'s' if len(dangling) != 1 else ''} shown here, {human_size(sum(r.size for r in dangling))}."
        self.dtui.confirm(
            "Remove all dangling images (docker image prune)?",
            body,
            lambda: self.dtui.run_task(
                "prune images",
                lambda: image_ops.prune_dangling(self.dtui.service.patient_api),
                success=lambda result: f"Pruned {len(result.deleted)} image{'s' if len(result.deleted) != 1 else ''}; "
                f"reclaimed {human_size(result.reclaimed)}.",
            ),
        )

    def action_save(self) -> None:
        from tui.screens.images_forms import SaveForm

        row = self.selected_or_warn()
        if row is not None:
            self.app.push_screen(SaveForm(row.reference if not row.dangling else row.id))

    def action_load(self) -> None:
        from tui.screens.images_forms import LoadForm

        if self.dtui.check_writable("loading images"):
            self.app.push_screen(LoadForm())

    def action_import_tar(self) -> None:
        from tui.screens.images_forms import ImportForm

        if self.dtui.check_writable("importing"):
            self.app.push_screen(ImportForm())
