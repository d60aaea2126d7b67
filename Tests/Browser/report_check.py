#!/usr/bin/env python3
"""Checks an HTML document breachmail writes for a person to keep (the register report, the
portal page): well-formed (every element closed in order, by Python's own html.parser), each id
once, one <html lang>, headings that do not skip a level, and self-contained: no script, no event
handler, nothing fetched from elsewhere (src, href or url() to anything but the page itself).

Usage: report_check.py FILE...   Prints one line per problem and `report checks: N failed`;
exits 1 when something failed. Python's standard library only.
"""
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.headings, self.langs, self.ids = [], [], [], [], {}

    def where(self):
        line, column = self.getpos()
        return f"line {line}, column {column + 1}"

    def attributes(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"{self.where()}: <{tag} {name}>: an event handler (script)")
            if name in ("src", "href", "action", "formaction", "srcset", "poster", "data") and not value.startswith("#"):
                self.problems.append(f"{self.where()}: <{tag} {name}=\"{value}\">: refers to something outside the page")
            if name != "xmlns" and re.search(r"(?i)^\s*(https?:|//|javascript:)", value):
                self.problems.append(f"{self.where()}: <{tag} {name}=\"{value}\">: a remote or script address")
            if re.search(r"(?i)url\(\s*['\"]?(?!#)", value):
                self.problems.append(f"{self.where()}: <{tag} {name}>: url() to something outside the page")
        if tag == "html":
            self.langs.append(dict(attrs).get("lang") or "")
        identifier = dict(attrs).get("id")
        if identifier:
            if identifier in self.ids:
                self.problems.append(f"{self.where()}: id=\"{identifier}\" is used already at {self.ids[identifier]}")
            self.ids.setdefault(identifier, self.where())

    def handle_starttag(self, tag, attrs):
        self.attributes(tag, attrs)
        if tag in ("script", "iframe", "object", "embed", "link", "img", "base"):
            self.problems.append(f"{self.where()}: <{tag}>: not allowed in a self-contained document")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append((int(tag[1]), self.where()))
        if tag not in VOID:
            self.stack.append((tag, self.where()))

    def handle_startendtag(self, tag, attrs):
        self.attributes(tag, attrs)
        if tag == "script":
            self.problems.append(f"{self.where()}: <script/>: not allowed")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack:
            self.problems.append(f"{self.where()}: </{tag}> closes nothing")
            return
        open_tag, opened = self.stack[-1]
        if open_tag != tag:
            self.problems.append(f"{self.where()}: </{tag}> while <{open_tag}> (opened at {opened}) is still open")
            if any(t == tag for t, _ in self.stack):
                while self.stack and self.stack[-1][0] != tag:
                    self.stack.pop()
                self.stack.pop()
            return
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "style" and re.search(r"(?i)(@import|url\(\s*['\"]?(?!#)|expression\()", data):
            self.problems.append(f"{self.where()}: the style loads something from outside the page")


def check(path):
    text = open(path, encoding="utf-8").read()
    checker = Checker()
    checker.feed(text)
    checker.close()
    problems = list(checker.problems)
    for tag, opened in checker.stack:
        problems.append(f"<{tag}> opened at {opened} is never closed")
    if not text.lstrip().lower().startswith("<!doctype html>"):
        problems.append("no <!DOCTYPE html> at the start")
    if len(checker.langs) != 1 or not checker.langs[0]:
        problems.append("there must be one <html lang=…>")
    previous = 0
    for level, where in checker.headings:
        if level > previous + 1:
            problems.append(f"{where}: <h{level}> after <h{previous or 0}> skips a level")
        previous = level
    if not checker.headings or checker.headings[0][0] != 1:
        problems.append("the first heading must be <h1>")
    return [f"{path}: {p}" for p in problems]


def main():
    failed = []
    for path in sys.argv[1:]:
        failed += check(path)
    for line in failed:
        print("FAILED: " + line)
    print(f"report checks: {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
