"""The main window's pages, each built when first wanted (shown, or asked for by name).

Building only the page shown first keeps the window's start short: HR's lists, the
management information (its measures) and the others load their modules and make their
widgets when first opened. The stack holds an empty stand-in at each page's place
until then, so the navigation, the View menu's shortcuts and the page order never change.
UI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from .qt import QtWidgets

Make = Callable[[], QtWidgets.QWidget]


class LazyPages(Mapping[str, QtWidgets.QWidget]):
    """Page key -> page, in navigation order; `pages[key]` builds the page if need be."""

    def __init__(
        self,
        stack: QtWidgets.QStackedWidget,
        on_built: Callable[[str, QtWidgets.QWidget], None] = lambda key, page: None,
    ) -> None:
        self.stack = stack
        self.on_built = on_built
        self._make: dict[str, Make] = {}
        self._built: dict[str, QtWidgets.QWidget] = {}
        self._stand_ins: dict[str, QtWidgets.QWidget] = {}

    def add(self, key: str, make: Make) -> None:
        self._make[key] = make
        stand_in = QtWidgets.QWidget()
        stand_in.setAccessibleName("Loading")
        self._stand_ins[key] = stand_in
        self.stack.addWidget(stand_in)

    def built(self) -> dict[str, QtWidgets.QWidget]:
        """The pages made so far (the others have nothing to refresh)."""
        return dict(self._built)

    def __getitem__(self, key: str) -> QtWidgets.QWidget:
        page = self._built.get(key)
        if page is None:
            make = self._make[key]  # KeyError for a page this person does not have
            page = self._built[key] = make()
            index = list(self._make).index(key)
            stand_in = self._stand_ins.pop(key)
            current = self.stack.currentIndex()
            self.stack.insertWidget(index, page)
            self.stack.removeWidget(stand_in)
            stand_in.deleteLater()
            self.stack.setCurrentIndex(current)
            self.on_built(key, page)
        return page

    def __iter__(self) -> Iterator[str]:
        return iter(self._make)

    def __len__(self) -> int:
        return len(self._make)
