"""Windows PowerShell Operational events 4104 and 4103 as Windows Event XML.

Shapes accepted, all recognized from content:

* Event Viewer's XML view and ``wevtutil qe /f:xml`` output;
* ``Get-WinEvent … | % { $_.ToXml() }`` output, which is several ``<Event>``
  elements with no root element, and documents with an ``<Events>`` root;
* Event Viewer's "Copy details as text": a header block, then ``Event Xml:``
  and the XML. Only the XML and the header's ``User:`` line are read;
* Splunk ``XmlWinEventLog`` raw lines, one event per line, possibly with
  ``RenderingInfo``.

The XML is parsed only by defusedxml, with document type declarations
forbidden, so entity expansion and external entities are rejected before
anything is expanded. The parser decodes XML entities exactly once
(``&amp;amp;`` becomes ``&amp;``), and it turns CRLF inside text into LF,
as every conforming XML parser does.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError
from xml.parsers.expat import ErrorString

import defusedxml
import defusedxml.ElementTree

from .. import InputError, Match, Source
from ..record import ScriptExecution
from .powershell_common import OperationalEvent, build_records, split_account, system_event

FORMAT_ID = "powershell_xml"
TITLE = "Windows PowerShell Operational 4104/4103 (Event XML)"
ORDER = 20
EVENT_NAMESPACE = "http://schemas.microsoft.com/win/2004/08/events/event"
WRAPPER = "<pasted-events>"  # synthetic root around events pasted without one

FIELDS = [
    ("System/TimeCreated/@SystemTime (earliest part)", "time"),
    ("System/TimeCreated/@SystemTime (latest part of a split block)", "logged_time"),
    ("System/Computer", "device_hostname"),
    ("System/Security/@UserID", "user_uid"),
    ("'User:' line of Copy details as text / ContextInfo User (4103)", "user_name"),
    ("domain part of the same account", "user_domain"),
    ("System/Execution/@ProcessID", "process_pid"),
    ("ContextInfo Host Application (4103)", "process_cmd_line"),
    ("ScriptBlockText parts joined by MessageNumber (4104) / Payload (4103)", "script_text"),
    ("ScriptBlockId (4104)", "script_uid"),
    ("Path (4104) / ContextInfo Script Name (4103)", "script_path"),
    ("file name of that path", "script_name"),
    ("event 4104 or 4103 of the PowerShell provider", "script_type"),
    ("MessageNumber gaps", "script_truncated"),
    ("Computer + EventRecordID, or ScriptBlockId of a split block", "event_uid"),
    ("ContextInfo Runspace ID + '/' + Pipeline ID (4103)", "correlation_uid"),
    ("System/Level", "severity"),
]

# Inside a tag the scans stop at "<" as well as ">", because "<" cannot occur in a
# well-formed tag. Stopping only at ">" would let every unclosed "<Provider" scan to
# the end of the text, which is quadratic on input that repeats it.
_EVENT_START = re.compile(r"<(?:[\w.-]+:)?Event(?=[\s/>])")
_PROVIDER = re.compile(r"<(?:[\w.-]+:)?Provider\s[^<>]*Name\s*=\s*['\"]"
                       r"(?:Microsoft-Windows-PowerShell|PowerShellCore)['\"]", re.IGNORECASE)
_EVENT_ID = re.compile(r"<(?:[\w.-]+:)?EventID(?:\s[^<>]*)?>\s*410[34]\s*<")
_XML_DECLARATION = re.compile(r"<\?xml\s[^<>]*\?>")
_XML_MARKER = re.compile(r"^[ \t]*Event Xml:[ \t]*\r?$", re.MULTILINE)
_HEADER_START = re.compile(r"^[ \t]*Log Name:", re.MULTILINE)
# The value is stripped in Python: "[ \t]*(.*?)[ \t\r]*$" backtracks quadratically.
_HEADER_LINE = re.compile(r"^[ \t]*(User|Date|Computer|Level|Task Category):(.*)$", re.MULTILINE)
_SID = re.compile(r"^S-1-\d+(-\d+)+$", re.IGNORECASE)


@dataclass
class XmlView:
    """The pasted text with everything that is not XML blanked out.

    Blanking keeps every offset, so parser positions are lines and columns of
    the pasted text.
    """

    text: str
    # (start, end, fields) of each XML block that follows a text header.
    headers: list[tuple[int, int, dict[str, str]]] = field(default_factory=list)

    def header_at(self, offset: int) -> dict[str, str]:
        # The blocks are sorted and do not overlap, so the only candidate is the
        # last block that starts at or before the offset.
        position = bisect.bisect_right(self.headers, offset, key=lambda block: block[0]) - 1
        if position >= 0:
            start, end, fields = self.headers[position]
            if start <= offset < end:
                return fields
        return {}


def _spaces(text: str) -> str:
    """Return ``text`` with every character except line breaks replaced by a space."""
    return re.sub(r"[^\r\n]", " ", text)


def _blank(text: str, start: int, end: int) -> str:
    """Replace ``text[start:end]`` by spaces, keeping line breaks."""
    return text[:start] + _spaces(text[start:end]) + text[end:]


def _header_fields(text: str, start: int, end: int) -> dict[str, str]:
    """Read the ``User:``, ``Date:``… lines of a text header between two offsets."""
    return {match.group(1): match.group(2).lstrip(" \t").rstrip(" \t\r")
            for match in _HEADER_LINE.finditer(text, start, end)}


def xml_view(text: str) -> XmlView | None:
    """Find the Event XML in pasted text, or return None when there is none."""
    markers = list(_XML_MARKER.finditer(text))
    if not markers:
        stripped = text.lstrip()
        if stripped.startswith("<"):
            return XmlView(_blank_declarations(text))
        # A header in another language: keep what starts at the first <Event line.
        first = re.search(r"^[ \t]*<(?:[\w.-]+:)?Event[\s>]", text, re.MULTILINE)
        if not first:
            return None
        return XmlView(_blank_declarations(_blank(text, 0, first.start())))

    view = XmlView(text)
    previous_end = 0
    blocks = []
    for marker in markers:
        header_start = previous_end
        for start in _HEADER_START.finditer(text, previous_end, marker.start()):
            header_start = start.start()
            break
        fields = _header_fields(text, header_start, marker.start())
        blocks.append((header_start, marker.end(), fields))
        previous_end = marker.end()
    # The blocks are in order and do not overlap, so the blanked text is built in one
    # pass. Blanking one block at a time would copy the whole text once per block.
    pieces = []
    kept_from = 0
    for index, (header_start, xml_start, fields) in enumerate(blocks):
        pieces.append(text[kept_from:header_start])
        pieces.append(_spaces(text[header_start:xml_start]))
        kept_from = xml_start
        xml_end = blocks[index + 1][0] if index + 1 < len(blocks) else len(text)
        view.headers.append((xml_start, xml_end, fields))
    pieces.append(text[kept_from:])
    view.text = _blank_declarations("".join(pieces))
    return view


def _blank_declarations(text: str) -> str:
    return _XML_DECLARATION.sub(lambda match: _spaces(match.group()), text)


def detect(source: Source) -> Match | None:
    view = xml_view(source.text)
    if view is None or not _EVENT_START.search(view.text):
        return None
    missing = []
    if EVENT_NAMESPACE not in view.text and "<System>" not in view.text:
        missing.append(f"an Event element in namespace {EVENT_NAMESPACE}")
    if not _PROVIDER.search(view.text):
        missing.append("Provider Microsoft-Windows-PowerShell")
    if not _EVENT_ID.search(view.text):
        missing.append("EventID 4104 or 4103")
    return Match(1.5 - len(missing) / 3, missing)


def parse(source: Source) -> list[ScriptExecution]:
    view = xml_view(source.text)
    if view is None:
        raise InputError("no Event XML found: the input does not start with '<' and has no "
                         "'Event Xml:' line")
    root = parse_xml(view.text)
    starts = [match.start() for match in _EVENT_START.finditer(view.text)]
    elements = list(_event_elements(root))
    if len(starts) != len(elements):
        starts = [None] * len(elements)
    events = []
    # The starts increase, so each line number is counted on from the previous start.
    start_line, counted_to = 1, 0
    for index, (element, start) in enumerate(zip(elements, starts)):
        line = None
        if start is not None:
            start_line += view.text.count("\n", counted_to, start)
            counted_to = start
            line = start_line
        event = _read_event(element, line)
        event.index = index
        _apply_header(event, view.header_at(start) if start is not None else {})
        events.append(event)
    if not events:
        raise InputError(f"the XML contains no Event element (root element is "
                         f"<{_local(root.tag)}>)")
    return build_records(events, FORMAT_ID)


def parse_xml(text: str) -> Element:
    """Parse ``text`` with defusedxml, wrapping several top-level events in a synthetic root.

    Raise :class:`InputError` for malformed XML and for any document type
    declaration, which is where entity bombs and external entities live.
    """
    # Inside the wrapper a DOCTYPE would only be a syntax error. At the top of
    # the document defusedxml rejects it by name, which gives a clearer message.
    wrapped = "<!DOCTYPE" not in text
    document = f"{WRAPPER}{text}</{WRAPPER[1:]}" if wrapped else text
    try:
        root = defusedxml.ElementTree.fromstring(document, forbid_dtd=True)
    except ParseError as error:
        line, column = error.position
        if wrapped and line == 1:
            column -= len(WRAPPER)
        raise InputError(f"invalid XML: {ErrorString(error.code)}", line,
                         max(column, 0) + 1) from None
    except defusedxml.DTDForbidden as error:
        line, column = _position(text, "<!DOCTYPE")
        raise InputError(f"the XML contains a document type declaration (<!DOCTYPE "
                         f"{error.name}>); Windows event XML never has one, and it is rejected "
                         "because its entities could expand without limit or read external "
                         "files", line, column) from None
    except defusedxml.EntitiesForbidden as error:
        line, column = _position(text, "<!ENTITY")
        raise InputError(f"the XML declares entity {error.name!r}; entity declarations are "
                         "rejected", line, column) from None
    except defusedxml.ExternalReferenceForbidden as error:
        raise InputError(f"the XML refers to external resource {error.sysid!r}; external "
                         "references are rejected") from None
    except defusedxml.DefusedXmlException as error:
        raise InputError(f"the XML uses a construct that is rejected for safety: "
                         f"{error}") from None
    if wrapped and len(root) == 1 and _local(root[0].tag) != "Event":
        return root[0]  # the pasted document's own root, such as <Events>
    return root


def _position(text: str, needle: str) -> tuple[int | None, int | None]:
    offset = text.find(needle)
    if offset < 0:
        return None, None
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _event_elements(element: Element):
    """Yield the Event elements under ``element`` in document order, not looking inside them.

    The walk keeps its own stack, because recursion would exceed Python's limit on
    deeply nested input.
    """
    pending = [element]
    while pending:
        current = pending.pop()
        if _local(current.tag) == "Event":
            yield current
        else:
            pending.extend(reversed(current))


def _child(element: Element, name: str) -> Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _read_event(element: Element, line: int | None) -> OperationalEvent:
    system_element = _child(element, "System")
    system = {}
    if system_element is not None:
        for child in system_element:
            system[_local(child.tag)] = {"text": child.text, "attrs": dict(child.attrib)}
    data = {}
    extras = {}
    event_data = _child(element, "EventData")
    if event_data is not None:
        for position, child in enumerate(event_data):
            if _local(child.tag) == "Data":
                name = child.get("Name") or f"Data[{position + 1}]"
                data[name] = child.text or ""
            elif child.text:
                extras[f"EventData.{_local(child.tag)}"] = child.text
    event = system_event(
        "Event XML", system, data,
        lambda name, attribute: f"System/{name}/@{attribute}" if attribute else f"System/{name}",
        lambda name: f"EventData/Data[@Name='{name}']", line)
    event.extras.update(extras)
    rendering = _child(element, "RenderingInfo")
    if rendering is not None:
        _read_rendering(rendering, event)
    return event


def _read_rendering(rendering: Element, event: OperationalEvent) -> None:
    """Keep the rendered names (Level, Task…) but not Message, which repeats the event data."""
    if rendering.get("Culture"):
        event.extras["RenderingInfo.Culture"] = rendering.get("Culture")
    for child in rendering:
        name = _local(child.tag)
        if name == "Message":
            continue
        texts = [text.strip() for text in child.itertext() if text.strip()]
        if texts:
            event.extras[f"RenderingInfo.{name}"] = texts[0] if len(texts) == 1 else texts


def _apply_header(event: OperationalEvent, header: dict[str, str]) -> None:
    """Take the resolved account name from a "Copy details as text" header.

    The header Date is local time with no zone, so it is kept under unmapped only.
    """
    if not header:
        return
    account = header.get("User", "")
    if account and account.upper() != "N/A" and not _SID.match(account):
        domain, name = split_account(account)
        event.fill("user_name", name, "'User:' line of the text header")
        event.fill("user_domain", domain, "'User:' line of the text header")
    if header.get("Date"):
        event.extras["text header Date (local time)"] = header["Date"]
