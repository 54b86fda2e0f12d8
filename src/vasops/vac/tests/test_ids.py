"""VAC identifiers and the gateway's memoised Beijing-time stamps (pure, no database)."""

from __future__ import annotations

import datetime as dt
import os
import re

from vasops.vac import gateway, ids


def test_cdr_ids_are_unique_and_keep_their_shape():
    made = [ids.cdr_id() for _ in range(100_000)]
    assert len(set(made)) == len(made)
    assert all(re.fullmatch(r"U[0-9a-f]{32}", x) for x in made[:1000])
    assert len(made[0]) <= 40  # UsageRecord.cdr_id max_length


def test_link_ids_fill_the_20_byte_field_and_do_not_repeat():
    made = [ids.link_id() for _ in range(100_000)]
    assert len(set(made)) == len(made)
    assert all(re.fullmatch(r"[0-9a-f]{20}", x) for x in made[:1000])


def test_a_forked_child_draws_a_new_prefix():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report its first id and leave at once
        os.write(write, ids.cdr_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    mine = ids.cdr_id()
    assert child[:17] != mine[:17]


def test_stamps_are_beijing_time_and_change_with_the_second():
    utc = dt.UTC
    before_midnight = dt.datetime(2027, 1, 31, 15, 59, 59, 999_000, tzinfo=utc)
    midnight = dt.datetime(2027, 1, 31, 16, 0, 0, tzinfo=utc)
    assert gateway.stamp(before_midnight) == "20270131235959"
    assert gateway.stamp(midnight) == "20270201000000"
    assert gateway.stamp(midnight, "%y%m%d") == "270201"  # same second, other format
    assert gateway.stamp(midnight, "%m%d%H%M%S") == "0201000000"
    assert gateway.stamp(midnight + dt.timedelta(microseconds=500)) == "20270201000000"
    assert gateway.stamp(None) == ""
