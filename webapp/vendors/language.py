"""Infer OCSF ``script.type_id`` from the evidence a vendor event carries.

Each function returns a :class:`~webapp.vendors.record.ScriptType` naming the
evidence, or ``None`` when its evidence says nothing. Callers try the
strongest evidence first: engine name, host image, script switches, file
extension, then the script text itself.
"""

from __future__ import annotations

import re

from .record import ScriptType

UNKNOWN, CMD, POWERSHELL, PYTHON, JAVASCRIPT, VBSCRIPT, UNIX_SHELL, VBA, OTHER = (
    0, 1, 2, 3, 4, 5, 6, 7, 99)

_SHELLS = {"bash", "sh", "dash", "zsh", "ksh", "fish", "csh", "tcsh", "ash"}
_OTHER_ENGINES = {"osascript": "AppleScript", "perl": "Perl", "ruby": "Ruby", "php": "PHP",
                  "dotnet": ".NET", "coreclr": ".NET", "wmi": "WMI", "excel": "Excel 4.0 macro"}
_EXTENSIONS = {
    ".ps1": POWERSHELL, ".psm1": POWERSHELL, ".psd1": POWERSHELL,
    ".bat": CMD, ".cmd": CMD,
    ".py": PYTHON, ".pyw": PYTHON,
    ".js": JAVASCRIPT, ".jse": JAVASCRIPT, ".mjs": JAVASCRIPT,
    ".vbs": VBSCRIPT, ".vbe": VBSCRIPT,
    ".sh": UNIX_SHELL, ".bash": UNIX_SHELL, ".zsh": UNIX_SHELL, ".ksh": UNIX_SHELL,
}


def _basename(path: str) -> str:
    return re.split(r"[\\/]", path.strip().strip('"'))[-1].lower()


def from_engine(appname: str | None) -> ScriptType | None:
    """Infer from an AMSI ``appname`` (``PowerShell_C:\\…_10.0…``, ``JScript``, ``VBScript``)."""
    if not appname:
        return None
    lowered = appname.lower()
    evidence = f"script engine {appname.split('_')[0]!r}"
    if lowered.startswith("powershell"):
        return ScriptType(POWERSHELL, evidence)
    if lowered.startswith("jscript"):
        return ScriptType(JAVASCRIPT, evidence)
    if lowered.startswith("vbscript"):
        return ScriptType(VBSCRIPT, evidence)
    if lowered.startswith("office_vba"):
        return ScriptType(VBA, evidence)
    for key, name in _OTHER_ENGINES.items():
        if lowered.startswith(key):
            return ScriptType(OTHER, evidence, name)
    return None


def from_image(image: str | None) -> ScriptType | None:
    """Infer from the host process image (``powershell.exe``, ``/usr/bin/python3.10``…)."""
    if not image:
        return None
    name = _basename(image)
    stem = name[:-4] if name.endswith(".exe") else name
    evidence = f"host process image {name!r}"
    if stem in {"powershell", "pwsh", "powershell_ise"}:
        return ScriptType(POWERSHELL, evidence)
    if stem == "cmd":
        return ScriptType(CMD, evidence)
    if re.fullmatch(r"python[\d.]*w?|py|pythonw", stem):
        return ScriptType(PYTHON, evidence)
    if stem in {"node", "nodejs"}:
        return ScriptType(JAVASCRIPT, evidence)
    if stem in _SHELLS:
        return ScriptType(UNIX_SHELL, evidence)
    if stem in {"winword", "excel", "powerpnt", "outlook", "msaccess"}:
        return ScriptType(VBA, evidence)
    for key, engine in _OTHER_ENGINES.items():
        if re.fullmatch(rf"{key}[\d.]*", stem):
            return ScriptType(OTHER, evidence, engine)
    return None


def from_command_line(cmd_line: str | None) -> ScriptType | None:
    """Infer from ``//E:`` switches of wscript/cscript and ``javascript:``/``vbscript:`` of mshta."""
    if not cmd_line:
        return None
    lowered = cmd_line.lower()
    switch = re.search(r"//e:(jscript|javascript|vbscript)", lowered)
    if switch:
        kind = VBSCRIPT if switch.group(1) == "vbscript" else JAVASCRIPT
        return ScriptType(kind, f"command-line switch '//E:{switch.group(1)}'")
    if "mshta" in lowered:
        if "vbscript:" in lowered:
            return ScriptType(VBSCRIPT, "mshta with a 'vbscript:' URL")
        if "javascript:" in lowered:
            return ScriptType(JAVASCRIPT, "mshta with a 'javascript:' URL")
    return None


def from_path(path: str | None) -> ScriptType | None:
    """Infer from the script file extension."""
    if not path:
        return None
    name = _basename(path)
    for extension, type_id in _EXTENSIONS.items():
        if name.endswith(extension):
            return ScriptType(type_id, f"script file extension {extension!r}")
    return None


def from_text(text: str | None) -> ScriptType | None:
    """Infer from a shebang line or, failing that, from unmistakable PowerShell syntax."""
    if not text:
        return None
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    if first.startswith("#!"):
        interpreter = first[2:].strip().split()
        if interpreter:
            program = _basename(interpreter[0])
            if program == "env":
                # "#!/usr/bin/env -S python3 -u": the program is the first non-option word.
                words = [word for word in interpreter[1:] if not word.startswith("-")]
                program = _basename(words[0]) if words else program
            found = from_image(program)
            if found:
                return ScriptType(found.type_id, f"shebang {first!r}", found.other_name)
    if re.search(r"\b(Get|Set|New|Remove|Invoke|Write)-[A-Z][A-Za-z]+\b", text):
        return ScriptType(POWERSHELL, "PowerShell verb-noun cmdlet in the text")
    return None


def infer(*candidates: ScriptType | None) -> ScriptType:
    """Return the first candidate found, else type 0 (Unknown)."""
    for candidate in candidates:
        if candidate is not None:
            return candidate
    return ScriptType(UNKNOWN, "no evidence of the language")
