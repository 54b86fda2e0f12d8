"""The example files of the upload format (docs/partner-guide.md shows the same)."""

from __future__ import annotations

SUMMARY = """日期,产品代码,条数,金额（分）
2026-12-01,1065880101,120,60000
2026-12-01,1065880102,35,3500
2026-12-02,1065880101,118,59000
"""

DETAIL = """话单编号,手机号码,产品代码,金额（分）,时间
U3f2a9c1e0b7d4e5f8a6b2c3d4e5f6a7b,18602710001,1065880102,100,2026-12-01 09:30:15
U0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e,18602710002,1065880102,100,2026-12-01 10:02:47
"""

FILES = {"reconciliation-summary-example.csv": SUMMARY, "reconciliation-detail-example.csv": DETAIL}
