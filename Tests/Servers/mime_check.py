#!/usr/bin/python3
"""Independent check of one MIME message (read on stdin) with Python's strict e-mail policy.

Prints JSON: {"error": ...} when the parser refuses the message, else the header lines'
longest length, raw-format problems (bare CR/LF, lines over 998 octets, no final CRLF) and the
MIME tree with decoded headers and decoded bodies. Run with Debian's /usr/bin/python3.
"""
import json
import sys
from email import policy
from email.parser import BytesParser

raw = sys.stdin.buffer.read()
problems = []
if not raw.endswith(b"\r\n"):
    problems.append("the message does not end with CRLF")
lines = raw.split(b"\r\n")
for number, line in enumerate(lines, 1):
    if b"\r" in line or b"\n" in line:
        problems.append(f"line {number}: bare CR or LF")
    if len(line) > 998:
        problems.append(f"line {number}: {len(line)} octets (over 998)")
header_block = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
header_max = max(len(line) for line in header_block)

try:
    message = BytesParser(policy=policy.strict).parsebytes(raw)
except Exception as error:  # the strict policy raises on any defect
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
    sys.exit(0)


def describe(part):
    node = {
        "content_type": part.get_content_type(),
        "headers": [[name, str(value)] for name, value in part.items()],
        "defects": [repr(d) for d in part.defects],
    }
    if part.is_multipart():
        node["parts"] = [describe(p) for p in part.iter_parts()]
    else:
        content = part.get_content()
        if isinstance(content, bytes):
            node["body"] = content.decode("utf-8")
            node["binary"] = True
        else:
            node["body"] = content
        node["filename"] = part.get_filename()
        node["charset"] = part.get_content_charset()
        node["transfer_encoding"] = part.get("Content-Transfer-Encoding")
    return node


result = describe(message)
result["problems"] = problems
result["header_max"] = header_max
result["addresses"] = {
    name: [[a.display_name, a.addr_spec] for a in message[name].addresses]
    for name in ("From", "To", "Reply-To") if message[name] is not None
}
print(json.dumps(result))
