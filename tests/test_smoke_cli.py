from __future__ import annotations

import json

from conftest import MINI


def test_score_json_when_piped(cli) -> None:
    run = cli(
        "score", "--bank", str(MINI), "-a", "problem-1=c", "-a", "buyer-1=a", "-a", "release-1=b"
    )
    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["recommendation"] == "B2C"
    assert run.stderr == ""
