"""The ASVS table of ``docs/security.md`` cannot rot: it names every level 1 and 2 requirement of
OWASP ASVS 5.0.0's chapters V6 to V10 once, its summary counts its rows, a row marked met names
its evidence, a row not met says why, and every file and every section it names exists.
"""

import re
from collections import Counter

from django.test import SimpleTestCase

from tokens.tests.test_docs import PROJECT

SECURITY = PROJECT / "docs" / "security.md"

# The level 1 and 2 requirements of ASVS 5.0.0's V6 (Authentication), V7 (Session Management),
# V8 (Authorization), V9 (Self-contained Tokens) and V10 (OAuth and OIDC), as "number:level".
LISTED = """
    6.1.1:1 6.1.2:2 6.1.3:2 6.2.1:1 6.2.2:1 6.2.3:1 6.2.4:1 6.2.5:1 6.2.6:1 6.2.7:1 6.2.8:1
    6.2.9:2 6.2.10:2 6.2.11:2 6.2.12:2 6.3.1:1 6.3.2:1 6.3.3:2 6.3.4:2 6.4.1:1 6.4.2:1 6.4.3:2
    6.4.4:2 6.5.1:2 6.5.2:2 6.5.3:2 6.5.4:2 6.5.5:2 6.6.1:2 6.6.2:2 6.6.3:2 6.8.1:2 6.8.2:2
    6.8.3:2 6.8.4:2
    7.1.1:2 7.1.2:2 7.1.3:2 7.2.1:1 7.2.2:1 7.2.3:1 7.2.4:1 7.3.1:2 7.3.2:2 7.4.1:1 7.4.2:1
    7.4.3:2 7.4.4:2 7.4.5:2 7.5.1:2 7.5.2:2 7.6.1:2 7.6.2:2
    8.1.1:1 8.1.2:2 8.2.1:1 8.2.2:1 8.2.3:2 8.3.1:1 8.4.1:2
    9.1.1:1 9.1.2:1 9.1.3:1 9.2.1:1 9.2.2:2 9.2.3:2 9.2.4:2
    10.1.1:2 10.1.2:2 10.2.1:2 10.2.2:2 10.3.1:2 10.3.2:2 10.3.3:2 10.3.4:2 10.4.1:1 10.4.2:1
    10.4.3:1 10.4.4:1 10.4.5:1 10.4.6:2 10.4.7:2 10.4.8:2 10.4.9:2 10.4.10:2 10.4.11:2 10.5.1:2
    10.5.2:2 10.5.3:2 10.5.4:2 10.5.5:2 10.6.1:2 10.6.2:2 10.7.1:2 10.7.2:2 10.7.3:2
    """
REQUIREMENTS = dict(item.split(":") for item in LISTED.split())

MET, PARTLY, NOT_MET, NOT_APPLICABLE = "met", "partly", "not met", "not applicable"

# A table line that starts with a requirement's number, and the shape every such line must have.
NUMBERED = re.compile(r"^\| \d+\.\d+\.\d+ \|.*$", re.MULTILINE)
ROW = re.compile(
    r"^\| (?P<id>\d+\.\d+\.\d+) \| (?P<level>[123]) \| (?P<asks>[^|]+?) "
    r"\| (?P<status>met|partly|not met|not applicable) \| (?P<why>[^|]*?) \|$"
)
SUMMARY = re.compile(
    r"^\*\*Summary:\*\* (?P<total>\d+) requirements of levels 1 and 2; (?P<na>\d+) not "
    r"applicable; of the (?P<applicable>\d+) that apply, (?P<met>\d+) met \((?P<percent>\d+) %\), "
    r"(?P<partly>\d+) partly met, (?P<not_met>\d+) not met\.$",
    re.MULTILINE,
)
# A file of the repository named in backquotes: under one of its top-level folders.
FILE = re.compile(r"`((?:accounts|config|docs|templates|tokens)/[^`\s]*)`")
# A link to a section of the same page.
SECTION_LINK = re.compile(r"\]\(#([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)


def anchor(heading: str) -> str:
    """The anchor a Markdown renderer (GitHub's) gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def problems(page: str) -> list[str]:
    """What is wrong with the ASVS table of ``page``; empty when nothing is."""
    found: list[str] = []
    rows = []
    for line in NUMBERED.findall(page):
        row = ROW.match(line)
        if row is None:
            found.append(f"not a row of the table: {line[:60]}")
        else:
            rows.append(row)
    listed = [row["id"] for row in rows]
    for number, times in Counter(listed).items():
        if times > 1:
            found.append(f"{number} is listed {times} times")
    for number in REQUIREMENTS.keys() - set(listed):
        found.append(f"{number} is missing")
    for row in rows:
        number, why = row["id"], row["why"]
        if number not in REQUIREMENTS:
            found.append(f"{number} is no level 1 or 2 requirement of V6 to V10")
        elif row["level"] != REQUIREMENTS[number]:
            found.append(f"{number} is of level {REQUIREMENTS[number]}, not {row['level']}")
        if row["status"] == MET and not FILE.search(why):
            found.append(f"{number} is met but names no file as its evidence")
        if row["status"] != MET and len(why.split()) < 3:
            found.append(f"{number} is {row['status']} without saying why")
    found.extend(_summary_problems(page, Counter(row["status"] for row in rows)))
    for path in sorted(set(FILE.findall(page))):
        if not (PROJECT / path).exists():
            found.append(f"{path} does not exist")
    anchors = {anchor(heading) for heading in HEADING.findall(page)}
    for link in sorted(set(SECTION_LINK.findall(page)) - anchors):
        found.append(f"#{link} names no section of the page")
    return found


def _summary_problems(page: str, counts: Counter) -> list[str]:
    summaries = list(SUMMARY.finditer(page))
    if len(summaries) != 1:
        return [f"{len(summaries)} summary lines, not one"]
    applicable = sum(counts.values()) - counts[NOT_APPLICABLE]
    counted = {
        "total": sum(counts.values()),
        "na": counts[NOT_APPLICABLE],
        "applicable": applicable,
        "met": counts[MET],
        "percent": 100 * counts[MET] // applicable if applicable else 0,
        "partly": counts[PARTLY],
        "not_met": counts[NOT_MET],
    }
    said = {name: int(value) for name, value in summaries[0].groupdict().items()}
    return [
        f"the summary says {said[name]} for {name}, the rows {counted[name]}"
        for name in counted
        if said[name] != counted[name]
    ]


def row_count(rows: list, status: str) -> int:
    """How many of ``rows`` (matches of ``ROW``, or None) have ``status``."""
    return sum(1 for row in rows if row is not None and row["status"] == status)


class SecurityRequirementsTableTests(SimpleTestCase):
    def setUp(self):
        self.page = SECURITY.read_text()
        self.rows = [ROW.match(line) for line in NUMBERED.findall(self.page)]

    def row(self, *statuses: str):
        """The first row of the page with one of ``statuses``."""
        return next(row for row in self.rows if row is not None and row["status"] in statuses)

    def with_line(self, row, line: str) -> str:
        return self.page.replace(row.group(0), line, 1)

    def test_the_table_is_whole_counted_and_backed_by_files_that_exist(self):
        self.assertEqual(problems(self.page), [])

    def test_a_status_changed_without_the_summary_is_caught(self):
        row = self.row(MET)
        rotted = self.with_line(row, row.group(0).replace("| met |", "| partly |"))
        said = [line for line in problems(rotted) if line.startswith("the summary says")]
        self.assertIn(
            f"the summary says {row_count(self.rows, MET)} for met, the rows "
            f"{row_count(self.rows, MET) - 1}",
            said,
        )

    def test_a_met_row_without_evidence_is_caught(self):
        row = self.row(MET)
        rotted = self.with_line(row, row.group(0).replace(row["why"], "Somewhere in the project"))
        self.assertIn(f"{row['id']} is met but names no file as its evidence", problems(rotted))

    def test_a_row_not_met_without_a_reason_is_caught(self):
        row = self.row(NOT_APPLICABLE)
        rotted = self.with_line(row, row.group(0).replace(row["why"], "None"))
        self.assertIn(f"{row['id']} is not applicable without saying why", problems(rotted))

    def test_a_file_that_is_gone_is_caught(self):
        named = FILE.search(self.page)[1]
        rotted = self.page.replace(f"`{named}`", f"`{named}.gone`")
        self.assertIn(f"{named}.gone does not exist", problems(rotted))

    def test_a_row_dropped_doubled_or_misspelt_is_caught(self):
        row = self.row(MET, PARTLY, NOT_MET, NOT_APPLICABLE)
        line, number = row.group(0), row["id"]
        self.assertIn(f"{number} is missing", problems(self.page.replace(line + "\n", "")))
        self.assertIn(
            f"{number} is listed 2 times", problems(self.with_line(row, f"{line}\n{line}"))
        )
        misspelt = problems(self.with_line(row, line.replace(f"| {row['status']} |", "| done |")))
        self.assertTrue(any(found.startswith("not a row of the table") for found in misspelt))

    def test_a_wrong_level_is_caught(self):
        row = self.row(MET)
        other = "2" if row["level"] == "1" else "1"
        rotted = self.with_line(row, row.group(0).replace(f"| {row['level']} |", f"| {other} |", 1))
        self.assertIn(f"{row['id']} is of level {row['level']}, not {other}", problems(rotted))

    def test_a_link_to_a_section_that_is_gone_is_caught(self):
        link = SECTION_LINK.search(self.page)[1]
        heading = next(h for h in HEADING.findall(self.page) if anchor(h) == link)
        rotted = self.page.replace(f" {heading}\n", f" {heading} again\n")
        self.assertIn(f"#{link} names no section of the page", problems(rotted))
