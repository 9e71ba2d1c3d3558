"""Cron overlap: a second writer never runs beside the first."""

from __future__ import annotations

import os

from policydiff.lock import writer_lock


def test_second_run_exits_0_with_one_line_while_another_writes(write_config, cli, db_path):
    config = write_config("[policies.shop]\nurl = 'http://127.0.0.1:9/privacy'\n")
    with writer_lock(db_path):
        run = cli("run", config=config)
        crawl = cli("crawl", config=config)
    assert run.returncode == 0
    assert run.stderr.strip() == (f"policydiff: another policydiff process (pid {os.getpid()}) is writing to "
                                  f"{db_path}; this run exits without doing anything (the next scheduled run goes on)")
    assert crawl.returncode == 1
    assert crawl.stderr.endswith("; this crawl exits without doing anything (run `policydiff crawl` again once it "
                                 "has finished)\n")
    assert not db_path.exists()  # the second writer did not even open the archive
