"""Read script evidence out of the argument vector of a process launch.

Shared by the process-only formats (eslogger, auditd, Sysmon Event ID 1,
Elastic Defend). Those events carry a command line but no script text. The
command line contains code only when an interpreter was given it inline
(``powershell -EncodedCommand``, ``bash -c``, ``perl -e``…). Otherwise it may
at least name a script file (``python3 /opt/x.py``, ``powershell -File x.ps1``).

This module has no ``FORMAT_ID``, so format discovery skips it.
"""

from __future__ import annotations

import base64
import binascii
import ntpath
import posixpath
import re
import shlex
from dataclasses import dataclass, field

from ..language import JAVASCRIPT, from_command_line, from_image, from_path, infer
from ..record import ScriptExecution, ScriptType

# Characters Windows PowerShell and pwsh accept in front of a parameter name:
# hyphen, slash, en dash, em dash and horizontal bar.
_POWERSHELL_SWITCH_PREFIXES = "-/\u2013\u2014\u2015"

# PowerShell parameters that take a value, as (full name, shortest accepted prefix).
_POWERSHELL_VALUE_PARAMETERS = (
    ("executionpolicy", "ex"), ("ep", "ep"), ("windowstyle", "w"), ("inputformat", "inp"),
    ("outputformat", "o"), ("version", "v"), ("psconsolefile", "ps"),
    ("configurationname", "config"), ("workingdirectory", "wo"), ("wd", "wd"),
    ("settingsfile", "settings"), ("custompipename", "cus"), ("encodedarguments", "encodeda"),
    ("ea", "ea"),
)

_SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "yash"}


@dataclass
class LaunchScript:
    """Script evidence found in one command line."""

    text: str | None = None
    switch: str | None = None  # the switch exactly as written, e.g. "-enc"
    decoding: str | None = None  # e.g. "Base64 of UTF-16LE"
    path: str | None = None
    script_type: ScriptType | None = None
    notes: list[str] = field(default_factory=list)


def split_windows_command_line(command_line: str) -> list[str]:
    """Split a Windows command line the way the Microsoft C runtime builds ``argv``.

    The program name ends at the closing quote or the first space, with no
    backslash processing. In later arguments 2n backslashes before a quote give
    n backslashes and toggle quoting, 2n+1 give n backslashes and a literal
    quote, and ``""`` inside quotes gives a literal quote.
    """
    text = command_line.strip()
    if not text:
        return []
    if text.startswith('"'):
        end = text.find('"', 1)
        end = len(text) if end < 0 else end
        program, position = text[1:end], end + 1
    else:
        match = re.match(r"[^ \t]*", text)
        program, position = match.group(0), match.end()
    arguments = [program]
    current: list[str] = []
    in_argument = False
    quoted = False
    length = len(text)
    while position < length:
        char = text[position]
        if char in " \t" and not quoted:
            if in_argument:
                arguments.append("".join(current))
                current, in_argument = [], False
            position += 1
            continue
        in_argument = True
        if char == "\\":
            run_end = position
            while run_end < length and text[run_end] == "\\":
                run_end += 1
            count = run_end - position
            if run_end < length and text[run_end] == '"':
                current.append("\\" * (count // 2))
                if count % 2:
                    current.append('"')
                    run_end += 1
                position = run_end
            else:
                current.append("\\" * count)
                position = run_end
            continue
        if char == '"':
            if quoted and position + 1 < length and text[position + 1] == '"':
                current.append('"')
                position += 2
                continue
            quoted = not quoted
            position += 1
            continue
        current.append(char)
        position += 1
    if in_argument:
        arguments.append("".join(current))
    return arguments


def join_posix_arguments(arguments: list[str]) -> str:
    """Join an argument vector into a command line a POSIX shell would split back."""
    return shlex.join(arguments)


def _program(path: str) -> str:
    """Return the lower-case program name of a path, without ``.exe``."""
    name = re.split(r"[\\/]", path.strip().strip('"'))[-1].lower()
    return name[:-4] if name.endswith(".exe") else name


def _family(program: str) -> str | None:
    if program in {"powershell", "pwsh", "powershell_ise"}:
        return "powershell"
    if program in _SHELLS:
        return "shell"
    if re.fullmatch(r"python[\d.]*w?|py|pythonw", program):
        return "python"
    if re.fullmatch(r"perl[\d.]*", program):
        return "perl"
    if re.fullmatch(r"ruby[\d.]*", program):
        return "ruby"
    if re.fullmatch(r"node(js)?[\d.]*", program):
        return "node"
    if program == "osascript":
        return "osascript"
    if program == "cmd":
        return "cmd"
    if program in {"wscript", "cscript"}:
        return "wsh"
    if program == "env":
        return "env"
    return None


def _skip_env(arguments: list[str]) -> list[str]:
    """Drop ``env``, its options and ``NAME=value`` words, leaving the program it runs."""
    position = 1
    while position < len(arguments):
        word = arguments[position]
        if word in {"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}:
            position += 2
            continue
        if word.startswith("-") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word):
            position += 1
            continue
        break
    return arguments[position:]


def inspect_launch(arguments: list[str], image: str | None, cwd: str | None = None,
                   windows: bool = False) -> LaunchScript:
    """Find inline script text or a script file in ``arguments`` (``argv``, program first).

    ``image`` is the launched executable and decides which interpreter rules
    apply; ``arguments[0]`` is used when the image is unknown. A relative script
    path is resolved against ``cwd`` when it is given.
    """
    if not arguments and not image:
        return LaunchScript()
    program = _program(image or arguments[0])
    family = _family(program)
    if family is None and arguments and image:
        # A multi-call binary (busybox sh) or a renamed interpreter still shows in argv[0].
        program = _program(arguments[0])
        family = _family(program)
    while family == "env":
        arguments = _skip_env(arguments)
        if not arguments:
            return LaunchScript()
        program = _program(arguments[0])
        family = _family(program)
    if family is None:
        return LaunchScript()
    readers = {
        "powershell": _read_powershell, "shell": _read_shell, "python": _read_python,
        "perl": _read_perl, "ruby": _read_ruby, "node": _read_node,
        "osascript": _read_osascript, "cmd": _read_cmd, "wsh": _read_wsh,
    }
    found = readers[family](arguments[1:])
    if found.path and cwd:
        found.path = _resolve(found.path, cwd, windows)
    image_type = from_image(image)
    program_type = from_image(program)
    if found.text is not None:
        found.script_type = infer(found.script_type, program_type, image_type)
    elif found.path:
        command_line = " ".join(arguments)
        found.script_type = infer(found.script_type, from_command_line(command_line),
                                  program_type, image_type, from_path(found.path))
    return found


def _resolve(path: str, cwd: str, windows: bool) -> str:
    module = ntpath if windows else posixpath
    if module.isabs(path) or (windows and re.match(r"^[A-Za-z]:|^\\\\", path)):
        return path
    return module.normpath(module.join(cwd, path))


def _powershell_parameter(word: str) -> str | None:
    if len(word) < 2 or word[0] not in _POWERSHELL_SWITCH_PREFIXES:
        return None
    return word[1:].lower()


def _matches(name: str, full: str, shortest: str) -> bool:
    return full.startswith(name) and name.startswith(shortest)


def _read_powershell(arguments: list[str]) -> LaunchScript:
    position = 0
    while position < len(arguments):
        word = arguments[position]
        name = _powershell_parameter(word)
        if name is None:
            # A bare first argument is an implicit -Command (Windows PowerShell) or -File
            # (pwsh); neither is an explicit switch, so nothing is derived from it.
            return LaunchScript()
        if name == "ec" or "encodedcommand".startswith(name):
            value = arguments[position + 1] if position + 1 < len(arguments) else ""
            return _decode_encoded_command(value, word)
        if name == "c" or _matches(name, "command", "com"):
            rest = arguments[position + 1:]
            if not rest:
                return LaunchScript()
            if rest == ["-"]:
                return LaunchScript(notes=[
                    f"powershell {word} - reads its commands from standard input, which the "
                    "event does not record"])
            # PowerShell itself joins the words after -Command with single spaces.
            return LaunchScript(text=" ".join(rest), switch=word)
        if name == "f" or _matches(name, "file", "fi"):
            if position + 1 < len(arguments) and arguments[position + 1] != "-":
                return LaunchScript(path=arguments[position + 1])
            return LaunchScript()
        if any(_matches(name, full, shortest) for full, shortest in _POWERSHELL_VALUE_PARAMETERS):
            position += 2
            continue
        position += 1
    return LaunchScript()


def _decode_encoded_command(value: str, switch: str) -> LaunchScript:
    compact = re.sub(r"\s+", "", value)
    decoding = "Base64 of UTF-16LE"
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
        text = raw.decode("utf-16-le")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return LaunchScript(notes=[
            f"the value after {switch} is not Base64 of UTF-16LE text, so no script text "
            "was derived from it"])
    if not text:
        return LaunchScript()
    return LaunchScript(text=text, switch=switch, decoding=decoding)


def _read_shell(arguments: list[str]) -> LaunchScript:
    inline = False
    inline_switch = "-c"
    position = 0
    while position < len(arguments):
        word = arguments[position]
        if word in {"--", "-"}:
            position += 1
            break
        if word.startswith("--"):
            if word in {"--rcfile", "--init-file"}:
                position += 2
                continue
            if word == "--command":  # fish
                inline, inline_switch = True, word
            elif word.startswith("--command="):
                return LaunchScript(text=word.split("=", 1)[1], switch="--command")
            position += 1
            continue
        if len(word) > 1 and word[0] in "-+":
            takes_value = False
            for letter in word[1:]:
                if letter == "c" and word[0] == "-":
                    inline, inline_switch = True, word
                elif letter in "oO":
                    takes_value = True
            position += 2 if takes_value else 1
            continue
        break
    if position >= len(arguments):
        return LaunchScript()
    if inline:
        return LaunchScript(text=arguments[position], switch=inline_switch)
    return LaunchScript(path=arguments[position])


def _read_python(arguments: list[str]) -> LaunchScript:
    position = 0
    while position < len(arguments):
        word = arguments[position]
        if word == "-":
            return LaunchScript()
        if word == "--":
            position += 1
            break
        if word.startswith("--"):
            position += 2 if word == "--check-hash-based-pycs" else 1
            continue
        if word.startswith("-"):
            for offset, letter in enumerate(word[1:], start=2):
                if letter not in "cmWX":
                    continue
                attached = word[offset:]
                if attached:
                    value, consumed = attached, 1
                else:
                    value = arguments[position + 1] if position + 1 < len(arguments) else None
                    consumed = 2
                if letter == "c":
                    if value is None:
                        return LaunchScript()
                    return LaunchScript(text=value, switch=word[:offset])
                if letter == "m":
                    return LaunchScript(notes=[f"python runs module {value!r} (-m), not a "
                                               "script file"] if value else [])
                position += consumed
                break
            else:
                position += 1
            continue
        break
    if position < len(arguments):
        return LaunchScript(path=arguments[position])
    return LaunchScript()


# Letters whose value is the rest of the same word (perl -I/lib, -pi.bak) or, where the
# last tuple element is true, the next word when nothing is attached (ruby -r json).
_PERL_OPTIONS = {"code": "eE", "digits": "l0C", "rest": "iIMmxdDF", "next": ""}
_RUBY_OPTIONS = {"code": "e", "digits": "0", "rest": "xWKi", "next": "IrCEF"}


def _read_perl(arguments: list[str]) -> LaunchScript:
    return _read_code_options(arguments, _PERL_OPTIONS)


def _read_ruby(arguments: list[str]) -> LaunchScript:
    return _read_code_options(arguments, _RUBY_OPTIONS)


def _read_code_options(arguments: list[str], options: dict[str, str]) -> LaunchScript:
    """Collect the ``-e`` programs of perl or ruby, or the script file when there are none."""
    lines: list[str] = []
    switch = None
    position = 0
    while position < len(arguments):
        word = arguments[position]
        if word == "--":
            position += 1
            break
        if word.startswith("--"):
            position += 1
            continue
        if len(word) < 2 or word[0] != "-":
            break
        consumed = 1
        index = 1
        while index < len(word):
            letter = word[index]
            attached = word[index + 1:]
            if letter in options["code"]:
                if attached:
                    lines.append(attached)
                elif position + 1 < len(arguments):
                    lines.append(arguments[position + 1])
                    consumed = 2
                switch = switch or word[:index + 1]
                break
            if letter in options["digits"]:
                index = _skip_number(word, index + 1, hexadecimal=letter == "0")
                continue
            if letter in options["rest"]:
                break
            if letter in options["next"]:
                consumed = 1 if attached else 2
                break
            index += 1
        position += consumed
    if lines:
        # Several -e options form one program, one line each.
        return LaunchScript(text="\n".join(lines), switch=switch)
    if position < len(arguments):
        return LaunchScript(path=arguments[position])
    return LaunchScript()


def _skip_number(word: str, index: int, hexadecimal: bool) -> int:
    """Return the index after the octal number (or ``x`` hex number) starting at ``index``."""
    digits = "01234567"
    if hexadecimal and word[index:index + 1] in {"x", "X"}:
        digits, index = "0123456789abcdefABCDEF", index + 1
    while index < len(word) and word[index] in digits:
        index += 1
    return index


def _read_node(arguments: list[str]) -> LaunchScript:
    value_options = {"-r", "--require", "--import", "--loader", "--experimental-loader",
                     "-C", "--conditions", "--input-type", "--title"}
    position = 0
    while position < len(arguments):
        word = arguments[position]
        if word == "--":
            position += 1
            break
        if word in {"-e", "--eval", "-p", "--print", "-pe"}:
            if position + 1 < len(arguments):
                return LaunchScript(text=arguments[position + 1], switch=word)
            return LaunchScript()
        for option in ("--eval=", "--print="):
            if word.startswith(option):
                return LaunchScript(text=word[len(option):], switch=option[:-1])
        if word in value_options:
            position += 2
            continue
        if word.startswith("-"):
            position += 1
            continue
        break
    if position < len(arguments):
        return LaunchScript(path=arguments[position])
    return LaunchScript()


def _read_osascript(arguments: list[str]) -> LaunchScript:
    lines: list[str] = []
    switch = None
    language = None
    position = 0
    while position < len(arguments):
        word = arguments[position]
        if word == "-e" and position + 1 < len(arguments):
            lines.append(arguments[position + 1])
            switch = switch or word
            position += 2
            continue
        if word == "-l" and position + 1 < len(arguments):
            language = arguments[position + 1]
            position += 2
            continue
        if word == "-s":
            position += 2
            continue
        if word.startswith("-"):
            position += 1
            continue
        break
    script_type = None
    if language and language.lower() == "javascript":
        script_type = ScriptType(JAVASCRIPT, "osascript -l JavaScript")
    if lines:
        # Each -e gives one line of the script.
        return LaunchScript(text="\n".join(lines), switch=switch, script_type=script_type)
    if position < len(arguments) and arguments[position] != "-":
        return LaunchScript(path=arguments[position], script_type=script_type)
    return LaunchScript()


def _read_cmd(arguments: list[str]) -> LaunchScript:
    for position, word in enumerate(arguments):
        if word.lower() in {"/c", "/k", "/r"} and position + 1 < len(arguments):
            target = arguments[position + 1]
            if target.lower().endswith((".bat", ".cmd")):
                return LaunchScript(path=target)
            return LaunchScript()
    return LaunchScript()


def _read_wsh(arguments: list[str]) -> LaunchScript:
    for word in arguments:
        if word.startswith("//"):
            continue
        return LaunchScript(path=word)
    return LaunchScript()


def apply_launch_script(record: ScriptExecution, found: LaunchScript, arguments_label: str,
                        source_name: str, script_path: str | None = None,
                        script_path_label: str | None = None) -> None:
    """Copy ``found`` into ``record`` and explain in ``record.notes`` what Script Activity can use.

    ``script_path`` is a script file the event names itself (eslogger
    ``event.exec.script``, an auditd shebang exec) and takes precedence over a
    path read from the arguments. ``source_name`` names the event kind in notes.
    """
    record.notes.extend(found.notes)
    if found.text is not None:
        label = f"{arguments_label} {found.switch}"
        if found.decoding:
            label += f" ({found.decoding})"
        record.put("script_text", found.text, label)
        how = f"the value of {found.switch}"
        if found.decoding:
            how += f" decoded from {found.decoding}"
        record.notes.append(f"the script text was derived from the command line ({how}) "
                            f"because {source_name} events do not record script text")
    if script_path:
        record.put("script_path", script_path, script_path_label or "script path")
    elif found.text is None and found.path:
        record.put("script_path", found.path, f"{arguments_label} (script argument)")
    if found.text is not None or record.script_path:
        record.script_type = infer(found.script_type, from_image(record.process_path),
                                   from_path(record.script_path))
        record.sources["script_type"] = record.script_type.evidence
    if record.script_text is not None:
        return
    if record.script_path:
        record.notes.append(
            f"{source_name} events name the script file {record.script_path} but do not "
            "record its text, so no Script Activity can be made. In Process Activity the "
            "script appears only as an argument in process.cmd_line")
    else:
        record.notes.append(
            f"{source_name} events record a process launch without script text, so no "
            "Script Activity can be made")
