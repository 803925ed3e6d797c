"""Every command takes the warehouse from --db, else opsbot.yaml's `warehouse:`, else $OPSBOT_WAREHOUSE_URL /
$OPSBOT_WAREHOUSE — the same choice `opsbot serve` makes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner, Result

from bot.cli import cli


def _run(env: dict[str, str], *args: str) -> Result:
    """The command line in this process, with exactly ``env`` as the environment's opsbot variables."""
    unset = {k: None for k in os.environ if k.startswith("OPSBOT_") and k not in env}
    return CliRunner().invoke(cli, list(args), env={**unset, **env}, catch_exceptions=False)


def test_commands_read_the_configured_warehouse(small_db: Path, tmp_path: Path) -> None:
    nowhere = {
        "OPSBOT_WAREHOUSE": str(tmp_path / "absent.duckdb"),
        "OPSBOT_DATA_DIR": str(tmp_path),
        "OPSBOT_LANG": "en",
    }
    assert _run(nowhere, "query", "-m", "orders", "--format", "json").exit_code == 2  # no warehouse there

    config = tmp_path / "opsbot.yaml"
    config.write_text(f"warehouse: {small_db}\n", encoding="utf-8")
    done = _run({**nowhere, "OPSBOT_CONFIG": str(config)}, "query", "-m", "orders", "--format", "json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["time_range"]["end"] == "2026-11-20"

    done = _run({**nowhere, "OPSBOT_WAREHOUSE_URL": f"duckdb://{small_db}"}, "metrics", "show", "gmv")
    assert done.exit_code == 0, done.output

    config.write_text("warehouse: postgresql://opsbot@127.0.0.1:5432/test\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("files: []\n", encoding="utf-8")
    done = _run({**nowhere, "OPSBOT_CONFIG": str(config)}, "import", str(mapping), "--quiet")
    assert done.exit_code == 2 and "embedded DuckDB" in done.output and "postgresql" in done.output
