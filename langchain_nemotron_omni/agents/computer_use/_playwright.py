"""Pieces of the Playwright browser: its one thread, and the page probe for risk checks."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")


class BrowserThread:
    """The one thread that runs every call of a browser.

    Playwright's sync API is bound to the thread that started it. Not a
    ``ThreadPoolExecutor``: those refuse work once the interpreter starts to exit, and the
    session pool closes the browsers still open at exit from an ``atexit`` handler, on this
    thread.
    """

    def __init__(self) -> None:
        """Start the thread."""
        self._calls: queue.SimpleQueue[
            tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None
        ] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="playwright", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run ``fn(*args)`` on the thread."""
        future: Future[T] = Future()
        self._calls.put((future, fn, args))
        return future

    def shutdown(self, timeout: float | None = None) -> None:
        """Finish the calls already submitted, then end the thread."""
        self._calls.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _serve(self) -> None:
        while (item := self._calls.get()) is not None:
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # noqa: BLE001  # handed to the caller
                future.set_exception(exc)


ELEMENT_JS = """
(point) => {
  let el = point ? document.elementFromPoint(point[0], point[1]) : document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const sel = 'button, input, select, textarea, a, [role=button], [contenteditable=""],'
    + ' [contenteditable=true]';
  el = el.closest(sel) || el;
  const tag = el.tagName.toLowerCase();
  let type = (el.getAttribute('type') || '').toLowerCase();
  if (tag === 'input' && !type) type = 'text';
  if (tag === 'button' && !type) type = 'submit';
  const form = el.closest('form');
  const notText = ['button', 'submit', 'reset', 'checkbox', 'radio', 'image', 'file', 'hidden'];
  const editable = el.isContentEditable || tag === 'textarea'
    || (tag === 'input' && !notText.includes(type));
  const submits = !!form && ((tag === 'button' && type === 'submit')
    || (tag === 'input' && (type === 'submit' || type === 'image')));
  // Never read an input's value: it may be a password.
  const label = editable
    ? (el.getAttribute('aria-label') || el.getAttribute('placeholder') || '')
    : (el.innerText || el.value || el.getAttribute('aria-label') || '');
  return {tag, type, id: el.id || '', name: el.getAttribute('name') || '',
          text: String(label).trim().slice(0, 80), href: el.href || '',
          editable, in_form: !!form, submits};
}
"""
