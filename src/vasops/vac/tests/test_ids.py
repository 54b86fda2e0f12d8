"""VAC identifiers and the gateway's memoised Beijing-time stamps (pure, no database)."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from vasops.vac import gateway, ids


def test_cdr_ids_are_unique_and_keep_their_shape():
    made = [ids.cdr_id() for _ in range(100_000)]
    assert len(set(made)) == len(made)
    assert all(re.fullmatch(r"U[0-9a-f]{32}", x) for x in made[:1000])
    assert len(made[0]) <= 64  # UsageRecord.cdr_id max_length


def test_link_ids_are_beijing_mmddhhmmss_and_10_digits_and_do_not_repeat():
    now = dt.datetime(2027, 1, 31, 16, 0, 5, tzinfo=dt.UTC)  # 2027-02-01 00:00:05 in Beijing
    made = [ids.link_id(now) for _ in range(100_000)]
    assert len(set(made)) == len(made)
    assert all(re.fullmatch(r"0201000005\d{10}", x) for x in made[:1000])


@pytest.mark.parametrize(
    ("sequence_number", "received", "cdr_id"),
    [
        # the observed form MMDDHHMMSS + device + counter: the year that puts MMDD nearest
        ("03150930052417010001", "2027-03-15T01:30:05", "B20270315-241701-03150930052417010001"),
        ("12312359592417010001", "2027-01-01T01:00:00", "B20261231-241701-12312359592417010001"),
        ("01010000012417010001", "2026-12-31T15:00:00", "B20270101-241701-01010000012417010001"),
        # no date in it: the day received (Beijing)
        ("00000000000000000042", "2027-03-15T17:00:00", "B20270316-241701-00000000000000000042"),
        ("SN0042", "2027-03-15T01:00:00", "B20270315-241701-SN0042"),
    ],
)
def test_binary_cdr_ids_carry_the_day_the_sequence_number_was_made(sequence_number, received, cdr_id):
    when = dt.datetime.fromisoformat(received).replace(tzinfo=dt.UTC)
    assert ids.binary_cdr_id("241701", sequence_number, when) == cdr_id


def test_the_same_sequence_number_a_year_later_is_another_cdr_id():
    seq = "03150930052417010001"
    this_year = ids.binary_cdr_id("241701", seq, dt.datetime(2027, 3, 15, 1, 30, tzinfo=dt.UTC))
    next_year = ids.binary_cdr_id("241701", seq, dt.datetime(2028, 3, 15, 1, 30, tzinfo=dt.UTC))
    assert this_year != next_year and len(next_year) <= 64


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
