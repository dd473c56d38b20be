"""The undo log behind ``snapshot``/``restore`` and every write's transaction.

Tables record the old value of a key the first time it changes after the newest mark, so the log
holds at most one entry per key touched (a long-running server behind a held baseline stays
small) and undoing costs what changed, not what is stored.
"""

from __future__ import annotations

from typing import Any, Protocol


class Undoable(Protocol):
    """A journaled table: ``restore`` puts an old value back without recording it."""

    def restore(self, key: Any, old: Any) -> None: ...


class UndoLog:
    def __init__(self) -> None:
        self._entries: list[tuple[Undoable, Any, Any]] = []
        # One entry per held mark: where it starts and the (table, key) pairs recorded since.
        self._marks: list[tuple[int, set[tuple[int, Any]]]] = []
        self.generation = 0  # bumped by clear(): marks from before are void

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, table: Undoable, key: Any, old: Any) -> None:
        if self._marks:
            seen = self._marks[-1][1]
            if (id(table), key) not in seen:
                seen.add((id(table), key))
                self._entries.append((table, key, old))

    def mark(self) -> int:
        """Start recording; ``undo_to`` the returned mark undoes everything recorded since."""
        self._marks.append((len(self._entries), set()))
        return len(self._entries)

    def undo_to(self, mark: int) -> int:
        """Undo every change since ``mark``, newest first; returns how many were undone."""
        undone = len(self._entries) - mark
        while len(self._entries) > mark:
            table, key, old = self._entries.pop()
            table.restore(key, old)
        # marks taken after this one are gone; this one starts afresh
        self._marks = [(m, seen if m < mark else set()) for m, seen in self._marks if m <= mark]
        return undone

    def release(self, mark: int) -> None:
        """Stop recording for ``mark`` (the log is dropped when no mark is held)."""
        for index in range(len(self._marks) - 1, -1, -1):
            if self._marks[index][0] == mark:
                _, seen = self._marks.pop(index)
                if index > 0:  # what this mark recorded stays recorded for the one before it
                    outer = self._marks[index - 1][1]
                    if index == len(self._marks):  # the newest mark: its entries are the log's tail
                        # keys the outer mark saw already have their older value in the log
                        tail = [e for e in self._entries[mark:] if (id(e[0]), e[1]) not in outer]
                        del self._entries[mark:]
                        self._entries.extend(tail)
                    outer.update(seen)
                break
        if not self._marks:
            self._entries.clear()

    def clear(self) -> None:
        self._entries.clear()
        self._marks.clear()
        self.generation += 1
