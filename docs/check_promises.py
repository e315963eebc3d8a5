#!/usr/bin/env python3
"""Every decision docs/api.md states names the test that proves it, as `<Target or Suite>.<testFunction>`
(e.g. `EdgeTests.lockoutDoubling`, `LedgerTests.holdsResolveExactlyOnce`). Fails when a named test does not exist in Tests/<Target>/;
lists the decisions that name no test yet. Run by compose/lint, so by every test run."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
text = (root / "docs/api.md").read_text()
decisions = text[text.index("## Decisions"):]
bullets = re.split(r"\n(?=- )", decisions)[1:]
reference = re.compile(r"`([A-Z][A-Za-z]*Tests)\.([a-zA-Z][A-Za-z0-9_]*)`")


def tests_of(owner):
    """The test functions of a test target (Tests/<owner>) or of the file declaring suite <owner>."""
    names = set()
    paths = list((root / "Tests" / owner).glob("**/*.swift"))
    if not paths:
        paths = [p for p in (root / "Tests").glob("**/*.swift") if re.search(rf"\bstruct {owner}\b", p.read_text())]
    for path in paths:
        source = path.read_text()
        lines = source.split("\n")
        for index, line in enumerate(lines):
            match = re.search(r"\bfunc ([A-Za-z0-9_]+)\(", line)
            # A test function: @Test on its line or on one of the few lines (attributes) above it.
            if match and any("@Test" in above for above in lines[max(0, index - 4):index + 1]):
                names.add(match.group(1))
    return names


known = {}
missing, untested = [], []
for bullet in bullets:
    title = re.match(r"- \*\*(.+?)\*\*", bullet)
    name = title.group(1) if title else bullet[:60]
    found = reference.findall(bullet)
    if not found:
        untested.append(name)
    for target, function in found:
        if target not in known:
            known[target] = tests_of(target)
        if function not in known[target]:
            missing.append(f"{name}: {target}.{function}")

for name in untested:
    print(f"promise without a named test: {name}")
print(f"{len(bullets) - len(untested)} of {len(bullets)} decisions in docs/api.md name their tests")
if missing:
    print("named tests that do not exist:\n  " + "\n  ".join(missing), file=sys.stderr)
    sys.exit(1)
