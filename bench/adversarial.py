# ruff: noqa: E501 -- the cases are a table: one line each reads best
"""Re-run the adversarial review's cases (issue 10) and print the table for docs/adversarial-retest.md.

    python bench/adversarial.py            # every case, the multi-GB ones scaled down
    python bench/adversarial.py --big      # the review's full sizes (2 GB, 500 MB lines)
    python bench/adversarial.py 1 64 68    # only these cases

Runs in a fresh scratch directory under /tmp. Device nodes are made there with mknod (run
as root for those cases); nothing outside the scratch directory is written. Cases marked
"nobody" run as uid 65534 through setpriv. Each case prints its exit status, wall time and
peak memory (GNU time's %e and %M: the largest process of the run) and a verdict from the
check written beside it: what the README promises, not what the code happens to do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PMFIT_DIR = Path(sys.executable).parent
BIG = "--big" in sys.argv


@dataclass
class Case:
    num: str
    label: str
    setup: str  # bash, run as root in the case's directory before the command
    command: str  # bash, timed
    check: str  # a Python expression over rc, out, err, d (the directory), secs, kb
    nobody: bool = False
    timeout: int = 60


def laughs(depth: int, tail: str = "answers:\n  problem-focus-1: a\nrespondent: *a{d}\n") -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, depth + 1)]
    return "\n".join(lines) + "\n" + tail.format(d=depth)


PY = "python3 -c "
ROW = '{"respondent":"ok","answers":{"problem-focus-1":"a"}}'
RROW = json.dumps(ROW)
BAD = '{"answers":{"nope":"a"}}'
RBAD = json.dumps(BAD)
BANK = f"cp -r {ROOT}/questions B && rm -f B/bank.compiled.json"


def bank_edit(old: str, new: str, file: str = "bank.yaml") -> str:
    return f"{BANK} && {PY}'import pathlib; p=pathlib.Path(\"B/{file}\"); t=p.read_text(); p.write_text(t.replace({json.dumps(old)}, {json.dumps(new)}, 1))'"


def q(s: str) -> str:
    """s as one bash single-quoted word."""
    return "'" + s.replace("'", "'\\''") + "'"


def write(name: str, text: str) -> str:
    return f"printf %s {q(text)} > {name}"


MB_LINE = 500 if BIG else 20
BIG_ROWS = 3_000_000 if BIG else 150_000
ESC = "\x1b]0;PWN\x07\x1b[31m"

CASES: list[Case] = [
    Case(
        "1",
        "Billion laughs, depth 6",
        write("l.yaml", laughs(6)),
        "pmfit score l.yaml",
        "rc == 2 and secs < 2 and 'alias' in err",
    ),
    Case(
        "2",
        "Billion laughs, depth 9",
        write("l.yaml", laughs(9)),
        "pmfit score l.yaml",
        "rc == 2 and secs < 2",
    ),
    Case(
        "3",
        "Merge-key fan-out, 11 levels",
        write(
            "m.yaml",
            "a0: &a0 {x: 1}\n"
            + "".join(f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}]}}\n" for i in range(1, 12))
            + "answers: *a11\n",
        ),
        "pmfit score m.yaml",
        "rc == 2 and secs < 2",
    ),
    Case(
        "4",
        "100k [ in YAML",
        f'{PY}\'open("d.yaml","w").write("answers: "+"["*100000)\'',
        "pmfit score d.yaml",
        "rc == 2 and 'Traceback' not in err",
    ),
    Case(
        "5",
        "Nesting 500 YAML, 100k JSON",
        f'{PY}\'open("d.yaml","w").write("answers: "+"["*500+"]"*500); open("d.json","w").write("["*100000)\'',
        "pmfit score d.yaml; a=$?; pmfit score d.json; echo rcs $a $?",
        "'rcs 2 2' in out and 'Recursion' not in err",
    ),
    Case(
        "6",
        "Deep nesting in one batch row",
        f'{PY}\'open("b.jsonl","w").write({RROW}+chr(10)+"["*5000+chr(10))\'',
        "pmfit batch b.jsonl -o out.jsonl",
        "rc == 1 and lines(d/'out.jsonl') == 1 and 'scored 1; rejected 1' in err",
    ),
    Case(
        "7",
        "200 MB scalar (respondent)",
        f'{PY}\'open("h.yaml","w").write("respondent: "+"x"*200_000_000+chr(10)+"answers: {{problem-focus-1: a}}")\'',
        "pmfit score h.yaml",
        "rc == 2 and secs < 2 and len(err) < 600",
    ),
    Case(
        "8",
        "Unknown option 20 MB, and 100 KB",
        f'{PY}\'open("h.yaml","w").write("answers:\\n  problem-focus-1: "+"z"*20_000_000); open("k.yaml","w").write("answers:\\n  problem-focus-1: "+"z"*100_000)\'',
        "pmfit score h.yaml; pmfit score k.yaml",
        "rc == 2 and len(err) < 1200",
    ),
    Case(
        "9",
        "Tags: python/object, binary, custom, set",
        write("t.yaml", "answers: !!python/object/apply:os.system ['touch pwned']\n")
        + "; "
        + write("t2.yaml", "answers: !!set {a}\n"),
        "pmfit score t.yaml; pmfit score t2.yaml",
        "rc == 2 and not (d/'pwned').exists()",
    ),
    Case(
        "10",
        "Merge key << beside an explicit key",
        write("m.yaml", "answers:\n  <<: {problem-focus-1: a}\n  problem-focus-1: b\n"),
        "pmfit score m.yaml",
        "rc == 2 and len(err.splitlines()) <= 2",
    ),
    Case(
        "11",
        "Duplicate keys (score)",
        write("dup.yaml", "answers:\n  problem-focus-1: a\n  problem-focus-1: b\n"),
        "pmfit score dup.yaml",
        "rc == 2 and 'duplicate key' in err",
    ),
    Case(
        "12",
        "Duplicate keys, batch JSONL and JSON array",
        write(
            "d.jsonl",
            '{"respondent":"dup","answers":{"problem-focus-1":"a","problem-focus-1":"e"}}\n'
            + ROW
            + "\n",
        )
        + " && "
        + write(
            "d.json",
            '[{"respondent":"dup","answers":{"problem-focus-1":"a","problem-focus-1":"e"}},'
            + ROW
            + "]",
        ),
        "pmfit batch d.jsonl; a=$?; pmfit batch d.json; echo rcs $a $?",
        "'rcs 1 1' in out and err.count('duplicate key') == 2",
    ),
    Case(
        "13",
        "Non-string keys",
        write("n.yaml", "answers:\n  [a, b]: a\n  true: a\n  2024-01-01: a\n"),
        "pmfit score n.yaml",
        "rc == 2 and 'True' not in err",
    ),
    Case(
        "14",
        "YAML 1.1 booleans/numbers as options",
        write("b.yaml", "answers:\n  problem-focus-1: no\n  buyer-user-1: 0x0a\n"),
        "pmfit score b.yaml",
        "rc == 2 and \"'no'\" in err and \"'0x0a'\" in err",
    ),
    Case(
        "15",
        "YAML 1.1 respondent ids kept as written",
        write(
            "r.yaml",
            "".join(
                f"---\nrespondent: {r}\nanswers: {{problem-focus-1: a}}\n"
                for r in ["yes", "010", "007", "1:30", "off", "0x1F", "1_000"]
            ),
        ),
        "pmfit batch r.yaml | jq -r .respondent | tr '\\n' ,",
        "rc == 0 and out.strip() == 'yes,010,007,1:30,off,0x1F,1_000,'",
    ),
    Case(
        "16",
        "Raw NUL in YAML / JSON",
        'printf \'answers:\\n  problem-focus-1: a\\0\\n\' > n.yaml; printf \'{"answers":{"problem-focus-1":"a\\0"}}\' > n.json',
        "pmfit score n.yaml; a=$?; pmfit score n.json; echo rcs $a $?",
        "'rcs 2 2' in out and 'Traceback' not in err",
    ),
    Case(
        "17",
        "Escaped \\u0000 in a JSON respondent",
        write("e.json", '{"respondent":"a\\u0000b","answers":{"problem-focus-1":"a"}}'),
        "pmfit score e.json --json | jq -r .respondent | od -c | head -1",
        "rc == 0 and '\\\\0' in out",
    ),
    Case(
        "18",
        "Lone surrogate (score)",
        write("s.json", '{"respondent":"a\\ud800b","answers":{}}'),
        "pmfit score s.json",
        "rc == 2 and 'surrogate' in err",
    ),
    Case(
        "19",
        "Lone surrogate, batch (one row)",
        write(
            "s.jsonl",
            ROW + '\n{"respondent":"a\\ud800b","answers":{}}\n{"answers":{"k\\udc80":"a"}}\n',
        ),
        "pmfit batch s.jsonl -o out.jsonl --errors err.jsonl",
        "rc == 1 and lines(d/'out.jsonl') == 1 and lines(d/'err.jsonl') == 2",
    ),
    Case(
        "20",
        "Lone surrogate in YAML",
        write("s.yaml", 'respondent: "a\\ud800b"\nanswers: {problem-focus-1: a}\n'),
        "pmfit score s.yaml",
        "rc == 2",
    ),
    Case(
        "21",
        "Invalid UTF-8 (score)",
        "printf 'answers:\\n  problem-focus-1: \\xff\\n' > u.yaml",
        "pmfit score u.yaml",
        "rc == 2 and 'UTF-8' in err",
    ),
    Case(
        "22",
        "Invalid UTF-8 row (JSONL, CSV)",
        f"printf '{ROW}\\n{{\"respondent\":\"\\xff\"}}\\n' > u.jsonl; printf 'respondent,problem-focus-1\\nok,a\\n\\xff,a\\n' > u.csv",
        "pmfit batch u.jsonl; a=$?; pmfit batch u.csv; echo rcs $a $?",
        "'rcs 1 1' in out and err.count('scored 1; rejected 1') == 2",
    ),
    Case(
        "23",
        "Invalid UTF-8 inside a JSON array",
        f'printf \'[{ROW},{{"respondent":"\\xff"}},{ROW}]\' > a.json',
        "pmfit batch a.json",
        "rc == 1 and 'scored 2; rejected 1' in err",
    ),
    Case(
        "24",
        "UTF-16 with BOM (score, CSV, JSONL)",
        f'{PY}\'open("u.yaml","wb").write("answers:\\n  problem-focus-1: a\\n".encode("utf-16")); open("u.csv","wb").write("respondent,problem-focus-1\\nx,a\\ny,b\\n".encode("utf-16")); open("u.jsonl","wb").write((({RROW}+chr(10))*2).encode("utf-16"))\'',
        "pmfit score u.yaml >/dev/null; a=$?; pmfit batch u.csv >/dev/null; b=$?; pmfit batch u.jsonl > /dev/null; echo rcs $a $b $?",
        "'rcs 0 0 0' in out and err.count('scored 2; rejected 0') == 2",
    ),
    Case(
        "25",
        "CRLF (YAML, JSONL, CSV), UTF-8 BOM",
        f"printf '\\xef\\xbb\\xbfanswers:\\r\\n  problem-focus-1: a\\r\\n' > c.yaml; printf '{ROW}\\r\\n{ROW}\\r\\n' > c.jsonl; printf 'respondent,problem-focus-1\\r\\nx,a\\r\\n' > c.csv",
        "pmfit score c.yaml >/dev/null && pmfit batch c.jsonl >/dev/null && pmfit batch c.csv > /dev/null",
        "rc == 0",
    ),
    Case(
        "26",
        "Empty, ---, comment-only, ~",
        "printf '' > e1.yaml; printf -- '---\\n' > e2.yaml; printf '# c\\n' > e3.yaml; printf '~\\n' > e4.yaml",
        "for f in e1 e2 e3 e4; do pmfit score $f.yaml; echo rc $?; done",
        "out.count('rc 2') == 4 and len(err.splitlines()) == 4",
    ),
    Case(
        "27",
        "Two documents (score)",
        write("two.yaml", "answers: {problem-focus-1: a}\n---\nanswers: {problem-focus-1: b}\n"),
        "pmfit score two.yaml",
        "rc == 2",
    ),
    Case(
        "28",
        "100k YAML documents (batch)",
        f'{PY}\'open("m.yaml","w").write("---\\nanswers: {{problem-focus-1: a}}\\n"*100000)\'',
        "pmfit batch m.yaml -o out.jsonl",
        "rc == 0 and lines(d/'out.jsonl') == 100000",
    ),
    Case(
        "29",
        "100k empty documents",
        f'{PY}\'open("m.yaml","w").write("---\\n"*100000)\'',
        "pmfit batch m.yaml",
        "rc == 0 and 'scored 0; rejected 0' in err",
    ),
    Case(
        "30",
        "Integer of 5,000 digits (score, batch)",
        f'{PY}\'open("i.json","w").write("{{\\"respondent\\": "+"9"*5000+"}}"); open("i.jsonl","w").write({RROW}+chr(10)+"{{\\"respondent\\": "+"9"*5000+"}}"+chr(10)); open("i.yaml","w").write("respondent: "+"9"*5000)\'',
        "pmfit score i.json; a=$?; pmfit batch i.jsonl; b=$?; pmfit score i.yaml; echo rcs $a $b $?",
        "'rcs 2 1 2' in out and 'Exceeds' not in err",
    ),
    Case(
        "31",
        "Bank lean .nan",
        bank_edit("lean: -1", "lean: .nan", "questions.yaml"),
        "pmfit bank validate B",
        "rc == 2",
    ),
    Case(
        "32",
        "Bank lean 1e400",
        bank_edit("lean: -1", "lean: 1e400", "questions.yaml"),
        "pmfit bank validate B",
        "rc == 2",
    ),
    Case("33", "Weight 0", bank_edit("weight: 3", "weight: 0"), "pmfit bank validate B", "rc == 2"),
    Case(
        "34",
        "Weight .inf (validate, batch, score)",
        bank_edit("weight: 3", "weight: .inf")
        + " && "
        + write("me.yaml", "answers: {problem-focus-1: a}\n"),
        "pmfit bank validate B; a=$?; pmfit score --bank B me.yaml; echo rcs $a $?",
        "'rcs 2 2' in out",
    ),
    Case(
        "35",
        "Weight 1.0e+308",
        bank_edit("weight: 3", "weight: 1.0e+308")
        + " && "
        + write("me.yaml", "answers: {problem-focus-1: a}\n"),
        "pmfit bank validate B; a=$?; pmfit score --bank B me.yaml; echo rcs $a $?",
        "'rcs 2 2' in out and 'ZeroDivision' not in err",
    ),
    Case(
        "36",
        "Weight 1e-300",
        bank_edit("weight: 3", "weight: 1e-300"),
        "pmfit bank validate B",
        "rc == 2 and '1.0e-300' in err",
    ),
    Case(
        "37",
        "Question with no options",
        bank_edit(
            "    options:\n      - id: a\n",
            "    options: []\n    x:\n      - id: a\n",
            "questions.yaml",
        ),
        "pmfit bank validate B",
        "rc == 2",
    ),
    Case(
        "38",
        "Duplicate question id",
        bank_edit("  - id: problem-focus-1", "  - id: buyer-user-1", "questions.yaml"),
        "pmfit bank validate B",
        "rc == 2 and 'buyer-user-1' in err",
    ),
    Case(
        "39",
        "Unknown dimension",
        bank_edit("dimension: problem_focus", "dimension: nope", "questions.yaml"),
        "pmfit bank validate B",
        "rc == 2 and 'nope' in err",
    ),
    Case(
        "42",
        "Quote not in the thread",
        bank_edit("Como PM, si está dispuesto", "Como PM, si NO está dispuesto", "questions.yaml"),
        "pmfit bank validate B",
        "rc == 2 and 'verbatim' in err",
    ),
    Case(
        "44",
        "Unquoted yes/010 as option ids",
        bank_edit("      - id: a\n", "      - id: yes\n", "questions.yaml"),
        "pmfit bank validate B",
        "rc == 2 and 'True' not in err",
    ),
    Case(
        "45",
        "Bank directory is a symlink loop",
        "ln -s loopB loopA; ln -s loopA loopB; " + write("me.yaml", "answers: {}\n"),
        "pmfit score --bank loopA me.yaml",
        "rc == 2 and 'Traceback' not in err and 'RuntimeError' not in err",
    ),
    Case(
        "46",
        "A *.yaml in the bank links to itself",
        f"{BANK} && ln -s zz.yaml B/zz.yaml",
        "pmfit bank validate B",
        "rc == 2 and 'RuntimeError' not in err",
    ),
    Case(
        "47",
        "bank.yaml links to itself",
        f"{BANK} && rm B/bank.yaml && ln -s bank.yaml B/bank.yaml",
        "pmfit bank validate B",
        "rc == 2 and 'loop' in err",
    ),
    Case(
        "48",
        "FIFO zz.yaml in the bank",
        f"{BANK} && mkfifo B/zz.yaml",
        "pmfit bank validate B",
        "rc == 2 and secs < 5 and 'FIFO' in err",
        timeout=15,
    ),
    Case(
        "49",
        "zz.yaml -> a zero device (mknod)",
        f"{BANK} && mknod zero c 1 5 && ln -s ../zero B/zz.yaml",
        "pmfit bank validate B",
        "rc == 2 and secs < 5",
        timeout=20,
    ),
    Case(
        "50",
        "Thread -> a zero device",
        f"{BANK} && mknod zero c 1 5 && ln -sf ../../zero B/source/b2b-vs-b2c-product-management.es.txt",
        "pmfit bank validate B",
        "rc == 2 and secs < 5",
        timeout=20,
    ),
    Case(
        "51",
        "source.file: ../../etc/passwd",
        bank_edit(
            "file: source/b2b-vs-b2c-product-management.es.txt",
            "file: ../../../../../../etc/passwd",
        ),
        "pmfit bank validate B",
        "rc == 2 and 'outside the bank' in err and 'passwd' in err",
    ),
    Case(
        "52",
        "Forged bank.compiled.json",
        f'cp -r {ROOT}/questions F && {PY}\'import json; p="F/bank.compiled.json"; d=json.load(open(p)); [o.__setitem__("lean", -o["lean"]) for q in d["bank"]["questions"] for o in q["options"]]; json.dump(d, open(p,"w"))\' && '
        + write("me.yaml", "answers: {problem-focus-1: e, buyer-user-1: e}\n"),
        "pmfit bank validate F; a=$?; x=$(pmfit score me.yaml --json | jq .score); y=$(pmfit score --bank F me.yaml --json | jq .score); echo rcs $a $x $y",
        "out.split()[1] == '2' and out.split()[2] == out.split()[3]",
    ),
    Case(
        "53",
        "YAML bomb in a bank file",
        f"{BANK} && "
        + write("B/zz.yaml", laughs(7, "x: *a{d}\n"))
        + " && "
        + write("me.yaml", "answers: {}\n"),
        "pmfit score --bank B me.yaml",
        "rc == 2 and secs < 2",
    ),
    # Terminal: finding 7 (the review left the cases unnumbered; 54-61 and 63 are ours).
    Case(
        "54",
        "Escape in an answers key (score)",
        write("x.yaml", f'answers:\n  "k{ESC}": a\n'),
        "pmfit score x.yaml",
        "rc == 2 and '\\x1b' not in err + out and '\\x07' not in err + out",
    ),
    Case(
        "55",
        "Escape in a respondent (score table, batch table)",
        write(
            "x.json",
            '{"respondent": "r\\u001b]0;PWN\\u0007\\u001b[31m", "answers": {"problem-focus-1": "a"}}',
        ),
        "pmfit score x.json --format table; pmfit score x.json --json; pmfit batch x.json",
        "rc == 0 and '\\x1b' not in out + err and '\\x07' not in out + err",
    ),
    Case(
        "56",
        "Escape in a batch row's error and a CSV header",
        write("x.jsonl", f'{{"respondent":"r{ESC}","answers":{{"q{ESC}":"a"}}}}\n')
        + " && "
        + write("x.csv", f"respondent,q{ESC}\nr{ESC},a\n"),
        "pmfit batch x.jsonl --errors /dev/stderr; pmfit batch x.csv",
        "'\\x1b' not in out + err and '\\x07' not in out + err",
    ),
    Case(
        "57",
        "Escape in bank text (show, validate, score)",
        bank_edit('"Clearly business"', f'"Clearly {ESC}business"', "questions.yaml")
        + " && "
        + write("me.yaml", "answers: {problem-focus-1: a}\n"),
        "pmfit bank validate B; pmfit bank show B; pmfit score --bank B me.yaml --format table",
        "'\\x1b' not in out + err and '\\x07' not in out + err",
    ),
    Case(
        "58",
        "Escape in the bank version and id",
        bank_edit("version: 1.1.0", f'version: "1.1.0{ESC}"')
        + " && "
        + write("me.yaml", "answers: {problem-focus-1: a}\n"),
        "pmfit bank validate B; pmfit score --bank B me.yaml --format table; pmfit bank show B",
        "'\\x1b' not in out + err",
    ),
    Case(
        "59",
        "Escape in a result file (report text, md, html)",
        f"pmfit score {ROOT}/tests/data/none >/dev/null 2>&1; "
        + write("me.jsonl", ROW + "\n")
        + ' && pmfit batch me.jsonl 2>/dev/null | sed \'s/"ok"/"o\\\\u001b]0;PWN\\\\u0007k"/\' > r.jsonl',
        "pmfit report r.jsonl; pmfit report r.jsonl --format markdown; pmfit report r.jsonl --format html",
        "'\\x1b' not in out + err and '\\x07' not in out + err",
    ),
    Case(
        "60",
        "Escape in a file name on the command line",
        f"touch {q('a' + ESC + '.yaml')}",
        f"pmfit score {q('a' + ESC + '.yaml')}; pmfit batch {q('n' + ESC + '.jsonl')}; pmfit batch me -o {q('d' + ESC + '/o')}",
        "'\\x1b' not in out + err and '\\x07' not in out + err",
    ),
    Case(
        "61",
        "Escape in --respondent-column and CSV values",
        write("x.csv", f"who{ESC},problem-focus-1\nr{ESC},a\n"),
        f"pmfit batch x.csv --respondent-column {q('who' + ESC)}; pmfit batch x.csv --respondent-column {q('nope' + ESC)}",
        "'\\x1b' not in out + err and '\\x07' not in out + err",
    ),
    Case(
        "62",
        "Rich markup [link=...], [bold red]",
        write(
            "x.yaml",
            'respondent: "[bold red]hi[/] [link=http://x]y[/link]"\nanswers: {"[bold]k": a}\n',
        ),
        "pmfit score x.yaml",
        "rc == 2 and '[bold]k' in err",
    ),
    Case(
        "63",
        "CSV formula guard",
        write(
            "x.jsonl",
            '{"respondent":"=HYPERLINK(\\"http://x\\")","answers":{"problem-focus-1":"a"}}\n',
        ),
        "pmfit batch x.jsonl --format csv",
        'rc == 0 and "\'=HYPERLINK" in out',
    ),
    Case(
        "64",
        "-o same as input (also via hard link, symlink)",
        write("same.jsonl", ROW + "\n")
        + " && ln same.jsonl hard.jsonl && ln -s same.jsonl soft.jsonl",
        "pmfit batch same.jsonl -o same.jsonl; pmfit batch same.jsonl -o hard.jsonl; pmfit batch same.jsonl -o soft.jsonl; cat same.jsonl",
        f"rc == 0 and out.strip() == {RROW} and err.count('is also an input') == 3",
    ),
    Case(
        "65",
        "--errors same as -o",
        write("in.jsonl", ROW + "\n"),
        "pmfit batch in.jsonl -o X --errors X",
        "rc == 2 and not (d/'X').exists()",
    ),
    Case(
        "66",
        "--errors same as input",
        write("in.jsonl", ROW + "\n"),
        "pmfit batch in.jsonl -o r --errors in.jsonl; wc -c < in.jsonl",
        f"rc == 0 and out.split()[-1] == '{len(ROW) + 1}' and not (d/'r').exists()",
    ),
    Case(
        "67",
        "-o is a symlink to a file",
        write("in.jsonl", ROW + "\n")
        + " && mkdir sym && echo keep > important.txt && ln -s ../important.txt sym/link.jsonl",
        "pmfit batch in.jsonl -o sym/link.jsonl; test -L sym/link.jsonl && grep -c respondent important.txt",
        "rc == 0 and out.strip() == '1'",
    ),
    Case(
        "68",
        "-o a device node (root)",
        write("in.jsonl", ROW + "\n") + " && mknod -m 666 fakenull c 1 3",
        "pmfit batch in.jsonl -o fakenull --errors fakenull; test -c fakenull",
        "rc == 0",
    ),
    Case(
        "69",
        "-o /dev/null, /dev/stdout, --errors /dev/stderr (nobody)",
        write("in.jsonl", ROW + "\n" + BAD + "\n"),
        "pmfit batch in.jsonl -o /dev/null; pmfit batch in.jsonl -o /dev/stdout --errors /dev/stderr",
        "rc == 1 and lines_s(out) == 1 and 'nope' in err",
        nobody=True,
    ),
    Case(
        "70",
        "-o into a read-only directory (nobody)",
        write("in.jsonl", ROW + "\n") + " && mkdir ro && chmod 555 ro",
        "pmfit batch in.jsonl -o ro/out.jsonl",
        "rc == 2 and len(err.splitlines()) == 1",
        nobody=True,
    ),
    Case(
        "71",
        "-o onto a 0444 file (nobody, own dir)",
        write("in.jsonl", ROW + "\n")
        + " && echo old > ro.jsonl && chmod 444 ro.jsonl && chown nobody ro.jsonl",
        "pmfit batch in.jsonl -o ro.jsonl; cat ro.jsonl",
        "'read-only' in err and out.strip() == 'old'",
        nobody=True,
    ),
    Case(
        "72",
        "-o onto a 0600 / other-owner file (root)",
        write("in.jsonl", ROW + "\n")
        + " && echo old > p.jsonl && chmod 640 p.jsonl && chown nobody:nogroup p.jsonl",
        "pmfit batch in.jsonl -o p.jsonl && stat -c '%U:%G %a' p.jsonl",
        "rc == 0 and out.strip() == 'nobody:nogroup 640'",
    ),
    Case(
        "73",
        "-o in a missing directory",
        write("in.jsonl", ROW + "\n"),
        "pmfit batch in.jsonl -o nonexistent/dir/out.jsonl",
        "rc == 2",
    ),
    Case(
        "74",
        "-o ''",
        write("in.jsonl", ROW + "\n"),
        "pmfit batch in.jsonl -o ''",
        "rc == 2 and out == ''",
    ),
    Case(
        "75",
        "-o . / -o DIR",
        write("in.jsonl", ROW + "\n") + " && mkdir D",
        "pmfit batch in.jsonl -o .; pmfit batch in.jsonl -o D; ls -A | grep -c tmp",
        "rc != 0 and out.strip() == '0' and '.tmp' not in err",
    ),
    Case(
        "76",
        "251-character output name",
        write("in.jsonl", ROW + "\n"),
        "pmfit batch in.jsonl -o " + "o" * 251 + ".jsonl",
        "rc == 2 and 'too long' in err",
    ),
    Case(
        "77",
        "Disk full (1 MB tmpfs), -j1",
        f'mkdir tiny && mount -t tmpfs -o size=1m tmpfs tiny && echo old > tiny/out.jsonl && {PY}\'open("in.jsonl","w").write(({RROW}+chr(10))*20000)\'',
        "pmfit batch in.jsonl -j1 -o tiny/out.jsonl; a=$?; ls -A tiny; cat tiny/out.jsonl; umount tiny; exit $a",
        "rc == 2 and out.split() == ['out.jsonl', 'old'] and 'no space' in err",
    ),
    Case(
        "78",
        "Disk full, parallel",
        f'mkdir tiny && mount -t tmpfs -o size=1m tmpfs tiny && echo old > tiny/out.jsonl && {PY}\'open("in.jsonl","w").write(({RROW}+chr(10))*300000)\'',
        "pmfit batch in.jsonl -j4 -o tiny/out.jsonl; a=$?; ls -A tiny; cat tiny/out.jsonl; umount tiny; exit $a",
        "rc == 2 and out.split() == ['out.jsonl', 'old']",
    ),
    Case(
        "79",
        "ulimit -f 1000",
        f'mkdir fz && echo old > fz/out.jsonl && {PY}\'open("in.jsonl","w").write(({RROW}+chr(10))*20000)\'',
        "(ulimit -f 1000; pmfit batch in.jsonl -j1 -o fz/out.jsonl); a=$?; ls -A fz; cat fz/out.jsonl; exit $a",
        "rc == 2 and out.split() == ['out.jsonl', 'old']",
    ),
    Case(
        "80",
        "ulimit -f, output to stdout",
        f'{PY}\'open("in.jsonl","w").write(({RROW}+chr(10))*20000)\'',
        "(ulimit -f 1000; pmfit batch in.jsonl -j1 > o.jsonl)",
        "rc == 2 and 'File too large' in err and 'Traceback' not in err",
    ),
]


def signal_case(num: str, sig: str, expect_rc: int) -> Case:
    return Case(
        num,
        f"SIG{sig} mid-batch",
        f'echo old > out.jsonl && {PY}\'open("in.jsonl","w").write(({RROW}+chr(10))*1500000)\'',
        # set -m: a background job of a script otherwise ignores SIGINT.
        f"set -m; pmfit batch in.jsonl -o out.jsonl & p=$!; sleep 2.5; kill -{sig} $p; wait $p; a=$?; sleep 0.5; ls -A; cat out.jsonl; pgrep -f 'bin/[p]mfit batch in.jsonl -o out.jsonl$' | wc -l; exit $a",
        f"rc == {expect_rc} and out.split() == ['in.jsonl', 'out.jsonl', 'old', '0']"
        if sig != "KILL"
        else "rc == 137 and 'old' in out.split() and out.split()[-1] == '0'",
    )


CASES += [
    signal_case("81", "INT", 130),
    signal_case("82", "TERM", 143),
    signal_case("83", "KILL", 137),
    signal_case("84", "HUP", 129),
]
CASES += [
    Case(
        "85",
        "| head -1",
        f'{PY}\'open("in.jsonl","w").write(({RROW}+chr(10))*300000)\'',
        "pmfit batch in.jsonl | head -1 >/dev/null; echo ${PIPESTATUS[0]}",
        "out.strip() == '141' and err == ''",
    ),
    Case(
        "86",
        "--strict with an existing -o",
        write("in.jsonl", ROW + "\n" + BAD + "\n") + " && echo old > st.out",
        "pmfit batch --strict in.jsonl -o st.out --errors st.err; a=$?; cat st.out; exit $a",
        "rc == 2 and out.strip() == 'old'",
    ),
    Case(
        "87",
        "--strict to stdout",
        write("in.jsonl", ROW + "\n" + BAD + "\n"),
        "pmfit batch --strict in.jsonl",
        "rc == 2",
    ),
]
for num, key in [
    ("88", "test_88"),
    ("89", "test_89"),
    ("90", "test_90"),
    ("91", "test_91"),
    ("92", "test_92"),
    ("93", "test_93"),
    ("94", "test_94 or test_93_94"),
    ("95", "test_95"),
]:
    CASES.append(
        Case(
            num,
            f"Quiz progress ({key}, real pty)",
            "",
            f"cd {ROOT} && {sys.executable} -m pytest -q -x -p no:randomly tests/test_progress_safety.py -k '{key}'",
            "rc == 0",
            timeout=240,
        )
    )
CASES += [
    Case(
        "96",
        f"JSONL {BIG_ROWS:,} rows, -o and --errors",
        f'{PY}\'import sys; f=open("in.jsonl","w"); [f.write(({RROW} if i % 1000 else {RBAD})+chr(10)) for i in range(1, {BIG_ROWS}+1)]\'',
        "pmfit batch in.jsonl -o out --errors err; a=$?; echo $(wc -l < out) $(wc -l < err); exit $a",
        f"rc == 1 and out.split() == ['{BIG_ROWS - BIG_ROWS // 1000}', '{BIG_ROWS // 1000}']",
        timeout=900,
    ),
    Case(
        "97",
        f"JSONL {BIG_ROWS:,} rows through a pipe",
        f'{PY}\'f=open("in.jsonl","w"); [f.write({RROW}+chr(10)) for i in range({BIG_ROWS})]\'',
        "cat in.jsonl | pmfit batch - | wc -l",
        f"out.strip() == '{BIG_ROWS}'",
        timeout=900,
    ),
    Case(
        "98",
        f"JSONL {BIG_ROWS:,} rows to CSV",
        f'{PY}\'f=open("in.jsonl","w"); [f.write({RROW}+chr(10)) for i in range({BIG_ROWS})]\'',
        "pmfit batch in.jsonl --format csv -o out.csv; wc -l < out.csv",
        f"rc == 0 and out.strip() == '{BIG_ROWS + 1}'",
        timeout=1800,
    ),
    Case(
        "99",
        f"One {MB_LINE} MB JSONL line (valid) and a good row",
        f'{PY}\'f=open("in.jsonl","w"); f.write("{{\\"respondent\\":\\""+"x"*{MB_LINE}_000_000+"\\",\\"answers\\":{{}}}}"+chr(10)+{RROW}+chr(10))\'',
        "pmfit batch in.jsonl -o out",
        "rc == 1 and lines(d/'out') == 1 and kb < 300_000 and len(err) < 1000",
        timeout=900,
    ),
    Case(
        "100",
        f"One {MB_LINE} MB bad option value, --errors",
        f'{PY}\'f=open("in.jsonl","w"); f.write("{{\\"answers\\":{{\\"problem-focus-1\\":\\""+"z"*{MB_LINE}_000_000+"\\"}}}}"+chr(10))\'',
        "pmfit batch in.jsonl -o out --errors e; a=$?; wc -c < e; exit $a",
        "rc == 1 and int(out) < 2000 and kb < 300_000 and len(err) < 1000",
        timeout=900,
    ),
    Case(
        "101",
        "100k-column CSV header",
        f'{PY}\'open("w.csv","w").write(",".join(f"c{{i}}" for i in range(100000))+chr(10)+"x"*5+chr(10))\'',
        "pmfit batch w.csv",
        "rc in (1, 2) and len(err) < 5000",
    ),
    Case(
        "102",
        "100k blank columns",
        f'{PY}\'open("w.csv","w").write("respondent,problem-focus-1"+","*100000+chr(10)+"x,a"+chr(10))\'',
        "pmfit batch w.csv",
        "rc in (0, 1, 2) and len(err) < 5000",
    ),
    Case(
        "103",
        "CSV cell over 128 KiB",
        f'{PY}\'open("b.csv","w").write("respondent,problem-focus-1"+chr(10)+"x"*200000+",a"+chr(10)+"ok,a"+chr(10))\'',
        "pmfit batch b.csv -o out",
        "rc == 1 and lines(d/'out') == 1",
    ),
    Case(
        "104",
        "Bare CR in a CSV cell; CR-only CSV",
        "printf 'respondent,problem-focus-1\\nx\\ry,a\\nok,a\\n' > c1.csv; printf 'respondent,problem-focus-1\\rx,a\\rok,a\\r' > c2.csv",
        "pmfit batch c1.csv; a=$?; pmfit batch c2.csv; echo rcs $a $?",
        "'Traceback' not in err and 'Error:' not in err and 'rcs 3' not in out",
    ),
    Case(
        "105",
        'Stray " in a 10,000-row CSV',
        f'{PY}\'l=["respondent,problem-focus-1"]+[f"r{{i}},a" for i in range(10000)]; l[5001]=chr(34)+l[5001]; open("s.csv","w").write(chr(10).join(l)+chr(10))\'',
        "pmfit batch s.csv -o out",
        "rc == 1 and 'scored 9,999; rejected 1' in err",
    ),
    Case(
        "106",
        "Unterminated quote",
        "printf 'respondent,problem-focus-1\\nok,a\\n\"bad,a\\nx,a\\ny,a\\nz,a\\n' > u.csv",
        "pmfit batch u.csv",
        "rc == 1 and 'scored 4; rejected 1' in err",
    ),
    Case(
        "107",
        "stdin held open: rows out as they come",
        write("x.jsonl", (ROW + "\n") * 3),
        "(cat x.jsonl; sleep 4) | pmfit batch - | (read -t 3 l && echo got-early)",
        "'got-early' in out",
    ),
    Case(
        "108",
        "piped quiz with stdin held open",
        "",
        "(printf 'a\\n'; sleep 2) | timeout 10 pmfit quiz >/dev/null; echo done",
        "'done' in out and 'Traceback' not in err",
    ),
    Case(
        "109",
        "-j 1/2/16/64 give identical output",
        f'{PY}\'f=open("in.jsonl","w"); [f.write(({RROW} if i % 1000 else {RBAD})+chr(10)) for i in range(1, 200001)]\'',
        "for j in 1 2 16 64; do pmfit batch in.jsonl -j $j 2>/dev/null | md5sum; done | sort -u | wc -l",
        "out.strip() == '1'",
        timeout=600,
    ),
    Case(
        "110",
        "-j 200 under ulimit -u 40 (nobody)",
        f'{PY}\'f=open("in.jsonl","w"); [f.write({RROW}+chr(10)) for i in range(200000)]\'',
        "ulimit -u 40; cat in.jsonl | pmfit batch - -j 200 >/dev/null",
        "rc in (0, 2, 3) and 'Traceback' not in err and len(err.splitlines()) <= 3",
        nobody=True,
        timeout=300,
    ),
    Case(
        "111",
        "Mixed JSONL",
        "printf '\\n{}\\nnull\\n[]\\n\"s\"\\n42\\n\\xef\\xbb\\xbf{}\\n%s\\n' "
        + q(ROW)
        + " > m.jsonl",
        "pmfit batch m.jsonl",
        "rc == 1 and 'scored 3; rejected 4' in err",
    ),
    Case(
        "112",
        "Report on a malformed result",
        write("me.jsonl", ROW + "\n")
        + ' && pmfit batch me.jsonl 2>/dev/null > r.jsonl && sed \'s/"recommendation": *"[A-Za-z0-9]*"/"recommendation":"PWNED"/\' r.jsonl >> r.jsonl2 && cat r.jsonl r.jsonl2 > rr.jsonl',
        "pmfit report rr.jsonl --json",
        "rc == 1 and 'PWNED' in err",
    ),
    Case(
        "113",
        "Report on out-of-range scores",
        write("me.jsonl", ROW + "\n")
        + ' && pmfit batch me.jsonl 2>/dev/null > r.jsonl && sed \'s/"score": *[-0-9.e]*/"score":1e300/\' r.jsonl > rb.jsonl && cat r.jsonl rb.jsonl > rr.jsonl',
        "pmfit report rr.jsonl --json",
        "rc == 1 and '1e300' not in out",
    ),
    Case(
        "114",
        "Piped quiz with an escape sequence",
        "",
        "printf '1\\n\\033]0;PWN\\007\\033[5mx\\n' | pmfit quiz",
        "rc == 2 and '\\x1b' not in err + out",
    ),
]


CASES += [
    Case(
        "40",
        "A pair declared both ways",
        bank_edit("pairs:\n", "pairs:\n  - [problem-focus-3, problem-focus-1]\n"),
        "pmfit bank validate B",
        "rc == 2 and 'repeats pair' in err",
    ),
    Case(
        "41",
        "Three-item pair plus other bad pairs",
        bank_edit(
            "pairs:\n",
            "pairs:\n  - [problem-focus-1, buyer-user-1, evidence-1]\n  - [nope-1, nope-2]\n  - [evidence-3, evidence-3]\n",
        ),
        "pmfit bank validate B",
        "rc == 2 and 'nope-1' in err and 'itself' in err",
    ),
    Case(
        "43",
        'Quote made of tiny fragments "B2C … B2B"',
        bank_edit(
            'es: "Como PM, si está dispuesto a resolver los problemas del usuario final, elija B2C y, en caso de que los problemas comerciales lo atraigan más, elija B2B."',
            'es: "B2C … B2B."',
            "questions.yaml",
        ),
        "pmfit bank validate B",
        "rc == 2",
    ),
]


# Places the review did not list: the retest's own (the fixes are in its commits).
CASES += [
    Case(
        "115",
        "--errors onto the bank's thread (no row rejected)",
        f"{BANK} && cp B/source/*.txt keep.txt && " + write("in.jsonl", ROW + "\n"),
        "pmfit batch --bank B in.jsonl --errors B/source/b2b-vs-b2c-product-management.es.txt; a=$?; cmp -s keep.txt B/source/*.txt && echo intact; exit $a",
        "rc == 2 and 'intact' in out",
    ),
    Case(
        "116",
        "quiz --save onto the bank's thread (.txt)",
        f"{BANK} && cp B/source/*.txt keep.txt",
        "printf '1\\n' | pmfit quiz --bank B --save B/source/b2b-vs-b2c-product-management.es.txt; a=$?; cmp -s keep.txt B/source/*.txt && echo intact; exit $a",
        "rc == 2 and 'intact' in out",
    ),
    Case(
        "117",
        "template/form/batch -o onto the bank's files",
        f"{BANK} && cp -r B K && " + write("in.jsonl", ROW + "\n"),
        "pmfit template --bank B -o B/bank.yaml; pmfit form --bank B -o B/questions.yaml; pmfit batch --bank B in.jsonl -o B/source/b2b-vs-b2c-product-management.es.txt; diff -r B K && echo intact",
        "'intact' in out and err.count('is also an input') == 3",
    ),
    Case(
        "118",
        "stdout appended to the input (>>), 200k rows",
        f'{PY}\'open("in.jsonl","w").write(({RROW}+chr(10))*200000)\' && cp in.jsonl keep.jsonl',
        "pmfit batch in.jsonl >> in.jsonl; a=$?; cmp -s in.jsonl keep.jsonl && echo intact; exit $a",
        "rc == 2 and 'intact' in out and secs < 2",
    ),
    Case(
        "119",
        "-o - --errors /dev/stdout, stdout a file",
        write("in.jsonl", ROW + "\n" + BAD + "\n"),
        "pmfit batch in.jsonl -o - --errors /dev/stdout > both.txt",
        "rc == 2 and 'named by both' in err",
    ),
    Case(
        "120",
        "C1 CSI, U+202E, OSC in a respondent: batch to a pipe and -o (jsonl, csv)",
        write(
            "x.jsonl",
            '{"respondent":"a\\u009b31m\\u202e\\u001b]0;PWN\\u0007b","answers":{"problem-focus-1":"a"}}\n',
        ),
        "pmfit batch x.jsonl | cat; pmfit batch x.jsonl -f csv | cat; pmfit batch x.jsonl -f csv -o o.csv; cat o.csv",
        "'PWN' in out and not any(c in out for c in '\\x1b\\x07\\x9b\\u202e')",
    ),
    Case(
        "121",
        "Input whose name is not UTF-8, with --errors",
        "printf '%s\\n%s\\n' " + q(ROW) + " " + q(BAD) + " > \"$(printf 'caf\\351.jsonl')\"",
        "pmfit batch caf*.jsonl -o out --errors err; a=$?; cat err; exit $a",
        "rc == 1 and 'udce9' in out and 'unexpected' not in err",
    ),
    Case(
        "122",
        "-o hard-linked to an input of another name",
        write("in.jsonl", ROW + "\n") + " && ln in.jsonl other.jsonl",
        "pmfit batch in.jsonl -o other.jsonl",
        "rc == 2 and 'is also an input' in err",
    ),
    Case(
        "123",
        "-o a FIFO with a reader",
        write("in.jsonl", ROW + "\n") + " && mkfifo ff",
        "(cat ff > got.txt &) ; pmfit batch in.jsonl -o ff; a=$?; sleep 0.3; test -p ff && wc -l < got.txt; exit $a",
        "rc == 0 and out.strip() == '1'",
    ),
    Case(
        "124",
        "-o a file with another hard link: the twin keeps the old content",
        write("in.jsonl", ROW + "\n") + " && echo old > out.jsonl && ln out.jsonl twin.jsonl",
        "pmfit batch in.jsonl -o out.jsonl; cat twin.jsonl; wc -l < out.jsonl",
        "rc == 0 and out.split() == ['old', '1']",
    ),
]


#: Cases that failed on this tree and were fixed by the retest (branch verify), by commit.
FIXED_HERE = {
    "110": "workers the system will not start",
    "115": "the bank's thread is one of its files",
    "116": "quiz --save refuses the bank's files",
    "117": "the bank's thread is one of its files",
    "118": "stdout is an output like any other",
    "119": "stdout is an output like any other",
    "120": "batch results through the terminal filter",
    "121": "--errors record of a non-UTF-8 file name",
}


def lines(p: Path) -> int:
    return len(p.read_bytes().splitlines()) if p.exists() else -1


def lines_s(s: str) -> int:
    return len(s.splitlines())


def run(case: Case, scratch: Path) -> tuple[int, str, str, str]:
    d = scratch / f"c{case.num}"
    d.mkdir()
    env = dict(
        os.environ,
        PATH=f"{PMFIT_DIR}:{os.environ['PATH']}",
        NO_COLOR="1",
        HOME=str(scratch / "home"),
        XDG_STATE_HOME=str(scratch / "home/state"),
        XDG_CACHE_HOME=str(scratch / "home/cache"),
    )
    if case.setup:
        made = subprocess.run(["bash", "-c", case.setup], cwd=d, env=env, capture_output=True)
        if made.returncode:
            return (
                made.returncode,
                "-",
                "-",
                "SETUP FAILED: " + made.stderr.decode()[-150:].replace("\n", " "),
            )
    if case.nobody:
        subprocess.run(["chown", "-R", "nobody:nogroup", str(d)], check=True)
        subprocess.run(
            ["bash", "-c", "chmod 555 ro 2>/dev/null; chown root ro.jsonl 2>/dev/null; true"], cwd=d
        )
    timing = scratch / f"t{case.num}"
    if case.nobody:  # `pmfit` drops to nobody itself, once imported (see bench/as_nobody.py)
        bindir = scratch / "nobody-bin"
        bindir.mkdir(exist_ok=True)
        script = bindir / "pmfit"
        script.write_text(f'#!/bin/sh\nexec {sys.executable} {ROOT}/bench/as_nobody.py "$@"\n')
        script.chmod(0o755)
        env["PATH"] = f"{bindir}:{env['PATH']}"
    prefix: list[str] = []
    cmd = [
        "timeout",
        str(case.timeout),
        "/usr/bin/time",
        "-f",
        "%e %M",
        "-o",
        str(timing),
        *prefix,
        "bash",
        "-c",
        case.command,
    ]
    proc = subprocess.run(cmd, cwd=d, env=env, capture_output=True)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    (d / "case.stdout").write_bytes(proc.stdout)  # kept with --keep, to look at a failure
    (d / "case.stderr").write_bytes(proc.stderr)
    fields = timing.read_text().split()[-2:] if timing.exists() else ["?", "0"]
    secs, kb = float(fields[0]) if fields[0] != "?" else float(case.timeout), int(fields[1])
    ns = {
        "rc": proc.returncode,
        "out": out,
        "err": err,
        "d": d,
        "secs": secs,
        "kb": kb,
        "lines": lines,
        "lines_s": lines_s,
    }
    try:
        ok = bool(eval(case.check, ns))
    except Exception as error:
        ok = False
        err += f" [check failed: {error!r}]"
    return (
        proc.returncode,
        f"{secs:.2f}",
        f"{kb / 1024:.0f}",
        ("safe" if ok else "FAIL: " + (err.strip().splitlines() or [out.strip()[:80]])[-1][:120]),
    )


def main() -> None:
    wanted = {a for a in sys.argv[1:] if not a.startswith("-")}
    scratch = Path(tempfile.mkdtemp(prefix="pmfit-adv-"))
    scratch.chmod(0o755)
    (scratch / "home").mkdir(mode=0o777)
    os.chmod(scratch / "home", 0o777)
    print("| # | case | command (abridged) | exit | s | peak MB | verdict |")
    print("|---|---|---|---|---|---|---|")
    counts = {"safe": 0, "fixed here": 0, "FAIL": 0}
    for case in sorted(CASES, key=lambda c: int(c.num)):
        if wanted and case.num not in wanted:
            continue
        rc, secs, mb, verdict = run(case, scratch)
        if verdict == "safe" and case.num in FIXED_HERE:
            verdict = f"safe (fixed here: {FIXED_HERE[case.num]})"
            counts["fixed here"] += 1
        else:
            counts["safe" if verdict == "safe" else "FAIL"] += 1
        command = case.command.replace("|", "\\|").replace("\n", " ")
        command = "".join(c if c.isprintable() else "·" for c in command)
        if len(command) > 70:
            command = command[:67] + "..."
        label = case.label.replace(" (nobody)", "") + (" (nobody)" if case.nobody else "")
        verdict = verdict.replace("|", "/")
        print(
            f"| {case.num} | {label} | `{command}` | {rc} | {secs} | {mb} | {verdict} |", flush=True
        )
    print(f"\n{counts['safe']} safe, {counts['fixed here']} fixed here, {counts['FAIL']} failing")
    if "--keep" not in sys.argv:
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        print(f"scratch kept in {scratch}")


if __name__ == "__main__":
    main()
