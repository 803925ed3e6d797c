"""A progress bar on stderr for work a command waits on (e.g. a forecast refresh before an answer)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


class StderrProgress:
    """Callable as ``(stage, fraction)``; the bar appears on the first call and closes at 1.0."""

    def __init__(self, title: str) -> None:
        self.title = title
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, stage: str, fraction: float) -> None:
        if self._bar is None:
            self._bar = Progress(
                TextColumn("{task.description:<40}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self._bar.start()
            self._task = self._bar.add_task(self.title, total=1.0)
        assert self._task is not None
        self._bar.update(self._task, description=f"{self.title}: {stage}", completed=fraction)
        if fraction >= 1.0:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
