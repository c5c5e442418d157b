"""Key names: what models write, one canonical spelling, and each backend's spelling."""

from __future__ import annotations

# Spellings models use for the same key (pyautogui names, Playwright names, Mac names).
# Mac modifiers map to ctrl/alt because the environments here are Linux (NVIDIA's harness
# does the same).
_ALIASES = {
    "return": "enter",
    "escape": "esc",
    "control": "ctrl",
    "cmd": "ctrl",
    "command": "ctrl",
    "meta": "super",
    "win": "super",
    "windows": "super",
    "option": "alt",
    "del": "delete",
    "pgup": "pageup",
    "pgdn": "pagedown",
    "page_up": "pageup",
    "page_down": "pagedown",
    "arrowup": "up",
    "arrowdown": "down",
    "arrowleft": "left",
    "arrowright": "right",
    "spacebar": "space",
    " ": "space",
    "bksp": "backspace",
    "ins": "insert",
}

_PLAYWRIGHT = {
    "enter": "Enter",
    "esc": "Escape",
    "ctrl": "Control",
    "alt": "Alt",
    "shift": "Shift",
    "super": "Meta",
    "tab": "Tab",
    "space": "Space",
    "backspace": "Backspace",
    "delete": "Delete",
    "insert": "Insert",
    "home": "Home",
    "end": "End",
    "pageup": "PageUp",
    "pagedown": "PageDown",
    "up": "ArrowUp",
    "down": "ArrowDown",
    "left": "ArrowLeft",
    "right": "ArrowRight",
    "capslock": "CapsLock",
}

_XDOTOOL = {
    "enter": "Return",
    "esc": "Escape",
    "ctrl": "ctrl",
    "alt": "alt",
    "shift": "shift",
    "super": "super",
    "tab": "Tab",
    "space": "space",
    "backspace": "BackSpace",
    "delete": "Delete",
    "insert": "Insert",
    "home": "Home",
    "end": "End",
    "pageup": "Prior",
    "pagedown": "Next",
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
    "capslock": "Caps_Lock",
}

_FUNCTION_KEYS = {f"f{n}" for n in range(1, 25)}


class UnknownKeyError(ValueError):
    """A key name no backend knows."""


def canonical_key(name: str) -> str:
    """One spelling per key: lower-case, aliases resolved (``Return`` -> ``enter``).

    Raises:
        UnknownKeyError: Not a single character and not a known key name.
    """
    if len(name) == 1:
        return _ALIASES.get(name, name)
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key in _PLAYWRIGHT or key in _FUNCTION_KEYS:
        return key
    msg = f"unknown key {name!r}"
    raise UnknownKeyError(msg)


def playwright_key(key: str) -> str:
    """Playwright's name for a canonical key."""
    if key in _FUNCTION_KEYS:
        return key.upper()
    return _PLAYWRIGHT.get(key, key)


def xdotool_key(key: str) -> str:
    """Xdotool's keysym for a canonical key."""
    if key in _FUNCTION_KEYS:
        return key.upper()
    if len(key) == 1 and not key.isalnum():
        return _XDOTOOL_SYMBOLS.get(key, key)
    return _XDOTOOL.get(key, key)


# Punctuation keysyms: xdotool reads "+" as a chord separator, so symbols need names.
_XDOTOOL_SYMBOLS = {
    "+": "plus",
    "-": "minus",
    "=": "equal",
    ",": "comma",
    ".": "period",
    "/": "slash",
    "\\": "backslash",
    ";": "semicolon",
    "'": "apostrophe",
    "`": "grave",
    "[": "bracketleft",
    "]": "bracketright",
    " ": "space",
}
