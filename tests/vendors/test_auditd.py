"""Linux auditd execve events: the sample's expected values and the kernel's argument encodings."""

import pytest

from webapp.mapping import map_text
from webapp.vendors import InputError, Source, parse
from webapp.vendors.formats import auditd

from ..conftest import sample_text

SAMPLE = "linux/auditd_execve_shebang_script.txt"


def hex_of(text: str) -> str:
    return text.encode("utf-8").hex().upper()


def syscall(stamp: str, pid: int, exe: str, comm: str, auid: str = "1001", extra: str = "") -> str:
    return (f"type=SYSCALL msg=audit({stamp}): arch=c000003e syscall=59 success=yes exit=0 "
            f"a0=55d0c6a4e2a0 a1=55d0c6a4f1c0 a2=55d0c6a50e10 a3=8 items=2 ppid=812 pid={pid} "
            f"auid={auid} uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 "
            f'fsgid=1001 tty=pts0 ses=4 comm="{comm}" exe="{exe}" key="exec"{extra}')


def only_record(text: str):
    result = parse(text)
    assert result.format_id == "auditd_execve"
    assert len(result.records) == 1
    return result.records[0]


def test_sample_process_activity(catalog):
    result = map_text(sample_text(SAMPLE), catalog)
    assert result.parsed.format_id == "auditd_execve"
    assert len(result.events) == 1
    mapped = result.events[0]
    event = mapped.process.event
    assert mapped.process.validation.errors == []
    assert event["class_uid"] == 1007
    assert event["activity_id"] == 1
    assert event["time"] == 1723583292257
    assert event["process"]["pid"] == 40377
    assert event["process"]["file"]["path"] == "/usr/bin/bash"
    assert event["process"]["cmd_line"] == "/bin/bash ./rotate.sh --keep 7"
    assert event["actor"]["process"]["pid"] == 40211
    assert event["actor"]["user"]["uid"] == "1001"
    assert event["metadata"]["uid"] == "1723583292.257:48211"


def test_sample_script_facts(catalog):
    mapped = map_text(sample_text(SAMPLE), catalog).events[0]
    record = mapped.record
    assert mapped.script.event is None
    assert record.script_text is None
    assert record.script_path == "/opt/deploy/rotate.sh"
    assert record.sources["script_path"].startswith("PATH item 0")
    assert record.script_type.type_id == 6
    assert record.process_name is None  # comm is the script's name, not the image's
    assert record.extras["comm"] == "rotate.sh"


def test_hex_encoded_arguments():
    stamp = "1723590000.100:5001"
    text = "\n".join([
        syscall(stamp, 900, "/usr/bin/bash", "bash"),
        f'type=EXECVE msg=audit({stamp}): argc=3 a0="bash" a1="-c" '
        f"a2={hex_of('echo hello world')}",
    ])
    record = only_record(text)
    assert record.process_cmd_line == "bash -c 'echo hello world'"
    assert record.script_text == "echo hello world"
    assert record.sources["script_text"] == "EXECVE a0…aN -c"
    assert record.script_type.type_id == 6


def test_split_argument_across_records():
    stamp = "1723590000.200:5002"
    code = "import os\nprint(os.getcwd())  # " + "x" * 40
    encoded = hex_of(code)
    first, second = encoded[:50], encoded[50:]
    text = "\n".join([
        syscall(stamp, 901, "/usr/bin/python3.12", "python3"),
        f'type=EXECVE msg=audit({stamp}): argc=3 a0="python3" a1="-c" '
        f"a2_len={len(encoded)} a2[0]={first}",
        f"type=EXECVE msg=audit({stamp}): a2[1]={second}",
    ])
    record = only_record(text)
    assert record.script_text == code
    assert record.script_type.type_id == 3
    assert not any("incomplete" in note for note in record.notes)


def test_split_argument_missing_piece_noted():
    stamp = "1723590000.250:5003"
    encoded = hex_of("a b " * 30)
    text = "\n".join([
        syscall(stamp, 902, "/usr/bin/echo", "echo"),
        f'type=EXECVE msg=audit({stamp}): argc=2 a0="echo" '
        f"a1_len={len(encoded)} a1[0]={encoded[:40]}",
    ])
    record = only_record(text)
    assert any("a1 is incomplete" in note for note in record.notes)


def test_interleaved_events_grouped():
    first, second = "1723590001.001:6001", "1723590001.002:6002"
    text = "\n".join([
        syscall(first, 1001, "/usr/bin/python3.12", "python3"),
        syscall(second, 1002, "/usr/bin/perl", "perl"),
        f'type=EXECVE msg=audit({second}): argc=3 a0="perl" a1="-e" a2="exit"',
        f'type=EXECVE msg=audit({first}): argc=2 a0="python3" a1="/srv/job.py"',
        f'type=CWD msg=audit({second}): cwd="/tmp"',
        f'type=CWD msg=audit({first}): cwd="/srv"',
        f"type=PROCTITLE msg=audit({first}): "
        f"proctitle={hex_of('python3')}00{hex_of('/srv/job.py')}",
    ])
    records = parse(text).records
    assert [record.process_pid for record in records] == [1001, 1002]
    assert records[0].process_cmd_line == "python3 /srv/job.py"
    assert records[0].script_path == "/srv/job.py"
    assert records[0].line == 1
    assert records[1].script_text == "exit"
    assert records[1].script_type.other_name == "Perl"
    assert records[1].line == 2


def test_enriched_names_and_node():
    stamp = "1723590002.500:7001"
    text = "\n".join([
        "node=build-07.example.net " + syscall(stamp, 1200, "/usr/bin/id", "id")
        + '\x1dARCH=x86_64 SYSCALL=execve AUID="alice" UID="alice" GID="alice"',
        f'node=build-07.example.net type=EXECVE msg=audit({stamp}): argc=1 a0="id"',
    ])
    record = only_record(text)
    assert record.user_uid == "1001"
    assert record.user_name == "alice"
    assert record.device_hostname == "build-07.example.net"
    assert record.event_uid == f"build-07.example.net:{stamp}"


def test_same_stamp_on_two_nodes_kept_apart():
    stamp = "1723590002.600:7002"
    lines = []
    for node, pid in (("web-1", 10), ("web-2", 20)):
        lines.append(f"node={node} " + syscall(stamp, pid, "/usr/bin/id", "id"))
        lines.append(f'node={node} type=EXECVE msg=audit({stamp}): argc=1 a0="id"')
    records = parse("\n".join(lines)).records
    assert [(record.device_hostname, record.process_pid) for record in records] == [
        ("web-1", 10), ("web-2", 20)]


def test_env_shebang_script():
    stamp = "1723590002.700:7003"
    text = "\n".join([
        syscall(stamp, 1250, "/usr/bin/env", "report.py"),
        f'type=EXECVE msg=audit({stamp}): argc=4 a0="/usr/bin/env" a1="python3" '
        'a2="./report.py" a3="--daily"',
        f'type=CWD msg=audit({stamp}): cwd="/srv/reports"',
        f'type=PATH msg=audit({stamp}): item=0 name="./report.py" inode=7 dev=fd:01 mode=0100755',
        f'type=PATH msg=audit({stamp}): item=1 name="/usr/bin/env" inode=8 dev=fd:01 mode=0100755',
    ])
    record = only_record(text)
    assert record.script_path == "/srv/reports/report.py"
    assert record.sources["script_path"].startswith("PATH item 0")
    assert record.script_type.type_id == 3
    assert record.process_path == "/usr/bin/env"


def test_busybox_shell_inline_code():
    stamp = "1723590002.800:7004"
    text = "\n".join([
        syscall(stamp, 1260, "/bin/busybox", "sh"),
        f'type=EXECVE msg=audit({stamp}): argc=3 a0="sh" a1="-c" a2="uname"',
    ])
    record = only_record(text)
    assert record.script_text == "uname"
    assert record.script_type.type_id == 6


def test_proctitle_fallback():
    stamp = "1723590003.000:8001"
    text = "\n".join([
        syscall(stamp, 1300, "/usr/bin/sleep", "sleep"),
        f"type=PROCTITLE msg=audit({stamp}): proctitle={hex_of('sleep')}00{hex_of('30')}",
    ])
    record = only_record(text)
    assert record.process_cmd_line == "sleep 30"
    assert record.sources["process_cmd_line"].startswith("PROCTITLE")
    assert any("PROCTITLE" in note for note in record.notes)


def test_unset_auid_falls_back_to_uid():
    stamp = "1723590004.000:8002"
    text = "\n".join([
        syscall(stamp, 1400, "/usr/sbin/cron", "cron", auid="4294967295"),
        f'type=EXECVE msg=audit({stamp}): argc=1 a0="cron"',
    ])
    record = only_record(text)
    assert record.user_uid == "1001"
    assert record.sources["user_uid"] == "SYSCALL uid (auid unset)"


def test_symlinked_binary_is_not_a_script():
    stamp = "1723590005.000:8003"
    text = "\n".join([
        syscall(stamp, 1500, "/usr/bin/dash", "sh"),
        f'type=EXECVE msg=audit({stamp}): argc=2 a0="/bin/sh" a1="/etc/init.d/ntp"',
        f'type=PATH msg=audit({stamp}): item=0 name="/bin/sh" inode=1 dev=fd:01 mode=0100755',
    ])
    record = only_record(text)
    assert record.script_path == "/etc/init.d/ntp"
    assert record.sources["script_path"] == "EXECVE a0…aN (script argument)"


def test_journal_numeric_types_accepted():
    stamp = "1723590006.000:8004"
    text = "\n".join([
        "Aug 13 21:08:12 host kernel: audit: type=1300 "
        + syscall(stamp, 1600, "/usr/bin/true", "true").split(" ", 1)[1].replace("msg=", ""),
        f'Aug 13 21:08:12 host kernel: audit: type=1309 audit({stamp}): argc=1 a0="true"',
    ])
    record = only_record(text)
    assert record.process_pid == 1600
    assert record.process_cmd_line == "true"


def test_no_execve_rejected():
    text = ('type=USER_LOGIN msg=audit(1723590007.000:9001): pid=1 uid=0 auid=1001 ses=3 '
            "msg='op=login acct=\"alice\" res=success'")
    assert auditd.detect(Source(text)).missing
    with pytest.raises(InputError, match="USER_LOGIN"):
        auditd.parse(Source(text))


def test_decode_value_forms():
    assert auditd.decode_value('"plain"') == "plain"
    assert auditd.decode_value("68692074686572") == "hi ther"
    assert auditd.decode_value("FF41") == "\\xffA"
    assert auditd.decode_value("(null)") is None
