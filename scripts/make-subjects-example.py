#!/usr/bin/env python3
"""Writes Config/examples/subjects.csv: 300 made-up members of a Luxembourg sports club, as French
Excel exports them (`;`, CRLF, UTF-8 with BOM), with some rows broken on purpose so that the demo and
the tests show every outcome of `subjects import`. Deterministic: run it again, get the same file.

    python3 scripts/make-subjects-example.py
"""
import random
import unicodedata

rng = random.Random(7)
first = ["Marie", "Jean", "Léa", "Luc", "Chloé", "Hugo", "Inès", "Théo", "Zoé", "Noël", "Anaïs", "Jérôme",
         "Emma", "Oliver", "Grace", "Henry", "Jürgen", "Lena", "Maximilian", "Sophie", "Björn", "Käthe"]
last = ["Dupont", "Lefèvre", "Müller", "Schmitt", "Weber", "Hoffmann", "Martin", "Bernard", "Thomas", "Petit",
        "Smith", "Brown", "Taylor", "Wilson", "Reuter", "Kieffer", "Wagner", "Schröder", "Hansen", "Becker"]
domains = ["example.org", "example.com", "example.net", "mail.example.lu", "bücher.example"]
langs = ["fr", "FR", "fr-LU", "de", "Deutsch", "en", "en-GB", "français", ""]

rows = []
for i in range(1, 301):
    f, l = rng.choice(first), rng.choice(last)
    local = unicodedata.normalize("NFKD", f"{f}.{l}".lower()).encode("ascii", "ignore").decode() + str(i)
    email = f"{local}@{rng.choice(domains)}"
    rows.append([email, f, l, rng.choice(langs), f"M-{i:05d}", f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(10, 25)}"])

# Broken on purpose (one of each; line numbers are in the tests).
rows[10][0] = ""                                    # no address → no_address
rows[20][0] = "jean.dupont.example.org"             # no @ → no_address
rows[30][0] = "léa@example.org"                     # non-ASCII local part → no_address
rows[40][0] = rows[5][0].upper()                    # same address, other case → duplicate
rows[50][0] = rows[6][0]                            # same address → duplicate
rows[60][1] = "Marie\r\nBcc: everyone@example.org"  # CR/LF and a header in a name (quoted) → rejected
rows[70][2] = "Weber Bcc: all@example.org"          # a header in a name → rejected
rows[80][1] = "Anne-Marie"                          # a plain hyphenated name, accepted
rows[90][2] = "O'Brien; Kelly"                      # a separator inside a quoted name, accepted
rows[100][4] = "note on\ntwo lines"                 # a quoted line break in an extra field, accepted

def cell(v):
    if any(c in v for c in ';"\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v

with open("Config/examples/subjects.csv", "w", encoding="utf-8-sig", newline="") as out:
    out.write("E-mail;Prénom;Nom;Langue;N° de membre;Date d'adhésion\r\n")
    for r in rows:
        out.write(";".join(cell(v) for v in r) + "\r\n")
