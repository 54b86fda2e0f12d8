"""`manage.py seed_demo`: the demo data of `make run` (DEBUG only), built through the actions so
every object has its real history. Idempotent: a second run only prints the logins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from vasops.core import calendar, clock, roles
from vasops.core.models import User

DEMO_PASSWORD = "demo-vasops-2026"  # demo only: seed_demo refuses to run without DEBUG
DEMO_TODAY = dt.date(2027, 1, 5)  # inside the January 2027 acceptance window

STAFF = [
    ("admin", "系统管理员", None),
    ("chen.pi", "陈鹏（产品创新部）", roles.PRODUCT_STAFF),
    ("li.head", "李华（部门负责人）", roles.DEPARTMENT_HEAD),
    ("wang.om", "王磊（运维工程师）", roles.OM_ENGINEER),
    ("zhao.fin", "赵敏（结算）", roles.FINANCE),
    ("sun.cs", "孙丽（客服）", roles.CS_AGENT),
    ("zhou.audit", "周强（审计）", roles.AUDITOR),
]
EXPERTS = [
    ("expert1", "刘教授", ["短信", "WAP"], "华中科技大学"),
    ("expert2", "何高工", ["IVR", "流媒体"], "湖北省通信管理局"),
    ("expert3", "郑经理", ["短信", "彩信"], "湖北楚天互动传媒有限公司"),  # conflicted with that partner
    ("expert4", "吴博士", ["WAP", "KJava"], "武汉大学"),
    ("expert5", "冯主任", ["短信", "IVR"], "中国联通湖北分公司网络部"),
]


def pdf(name: str) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def credit_code(seq: int) -> str:
    from vasops.partners import rules

    return rules.complete_credit_code(f"91420100MA4K{seq:05d}")


class Command(BaseCommand):
    help = "Seed the demo (DEBUG only): staff of every role, experts, partners at different stages."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo is for the local demo only (set DEBUG=1).")
        if not User.objects.filter(username="admin").exists():
            # The demo's own history would otherwise print dozens of console e-mails.
            backend = settings.EMAIL_BACKEND
            settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
            try:
                self.seed()
            finally:
                settings.EMAIL_BACKEND = backend
            if settings.VASOPS_DEMO_CLOCK_FILE and clock.demo_day() is None:
                clock.set_demo_day(DEMO_TODAY)
        self.print_logins()

    # -----------------------------------------------------------------------------------------
    def seed(self) -> None:
        calendar.seed_years([2026, 2027])
        staff = {}
        for username, name, role in STAFF:
            user = User.objects.create_user(
                username,
                f"{username}@carrier.example",
                DEMO_PASSWORD,
                display_name=name.split("（")[0],  # the role shows beside the name in the top bar
                is_staff=True,
            )
            if role is None:
                user.is_superuser = True
                user.save()
                user.groups.add(Group.objects.get(name=roles.DEPARTMENT_HEAD))
            else:
                user.groups.add(Group.objects.get(name=role))
            staff[username] = user
        pi = staff["chen.pi"]
        self.stdout.write("staff created")
        self.seed_questions(pi)
        experts = self.seed_experts(pi)
        self.seed_pools(pi)
        p1 = self.contracted_partner(pi, experts)
        self.seed_resource_holdings(p1, pi)
        self.submitted_partner(pi)
        self.new_partner()
        self.blacklisted_partner(pi)
        self.seed_work_orders(p1, staff)
        self.seed_products(p1, pi)
        self.seed_change_requests(p1, staff)
        self.seed_settlement(p1, staff)
        self.seed_reconciliation(p1)
        self.seed_compliance(p1, staff)
        self.seed_kpis_and_detection(p1, staff)
        self.seed_complaints(p1, staff)
        self.stdout.write(self.style.SUCCESS("demo seeded"))

    def seed_questions(self, actor: User) -> None:
        from vasops.admission.exam import actions as exam_actions
        from vasops.console.demo_questions import QUESTIONS

        for category, qtype, text, options, answer in QUESTIONS:
            exam_actions.create_question(
                actor=actor, category=category, qtype=qtype, text=text, options=options, answer=answer
            )

    def seed_experts(self, actor: User) -> list[User]:
        from vasops.admission.review import actions as review_actions

        review_actions.ensure_default_indicators()
        users = []
        for username, name, specialities, affiliation in EXPERTS:
            user = User.objects.create_user(
                username, f"{username}@expert.example", DEMO_PASSWORD, display_name=name
            )
            user.groups.add(Group.objects.get(name=roles.EXPERT))
            review_actions.create_expert(
                actor=actor, user=user, name=name, specialities=specialities, affiliation=affiliation
            )
            users.append(user)
        return users

    def seed_pools(self, actor: User) -> None:
        from vasops.catalog import demo

        with clock.frozen(dt.date(2026, 9, 30)):
            demo.seed_pools(staff_user=actor)

    def seed_resource_holdings(self, partner: Any, actor: User) -> None:
        from vasops.catalog import demo

        with clock.frozen(dt.date(2026, 11, 3)):
            demo.seed_resource_holdings(partner, staff_user=actor)

    def register(self, seq: int, name: str, kind: str, locality: str, username: str, person: str) -> Any:
        from vasops.partners import actions

        return actions.register_partner(
            name=name,
            kind=kind,
            locality=locality,
            credit_code=credit_code(seq),
            legal_representative=person,
            address="湖北省武汉市洪山区光谷大道 77 号",
            cs_hotline=f"4008001{seq:03d}",
            username=username,
            password=DEMO_PASSWORD,
            display_name=person,
            email=f"{username}@partner.example",
            phone="13800000000",
        )

    def qualify(self, partner: Any, user: User, *, skip: tuple[str, ...] = ()) -> None:
        from vasops.partners import actions, rules
        from vasops.partners.models import QualificationKind

        labels = dict(QualificationKind.choices)
        for kind in rules.required_qualifications(partner.kind, partner.locality):
            if kind in skip:
                continue
            actions.upload_qualification(
                partner,
                actor=user,
                kind=kind,
                number=f"{kind[:3].upper()}-{partner.pk:04d}-2026",
                issuer="湖北省通信管理局" if "licence" in kind else "武汉市市场监督管理局",
                valid_from=dt.date(2025, 1, 1),
                valid_until=dt.date(2027, 1, 20) if kind == "sms_code_certificate" else dt.date(2029, 12, 31),
                annual_inspection_date=dt.date(2026, 6, 30),
                scan=pdf(f"{labels[kind]}.pdf"),
            )
        for role, person in (("business", "张业务"), ("technical", "李技术"), ("customer_service", "王客服")):
            actions.set_contact(
                partner,
                actor=user,
                role=role,
                name=person,
                phone="027-87654321",
                email=f"{role}@partner.example",
            )
        actions.set_bank_account(
            partner,
            actor=user,
            bank_name="中国工商银行武汉光谷支行",
            account_name=partner.name,
            account_number="3202001509200123456",
        )

    def apply(self, partner: Any, user: User) -> Any:
        from vasops.admission import actions, rules

        app = actions.create_application(
            actor=user,
            business_lines=["SMS"],
            access_method="leased_line",
            certified_om_staff=2,
            cs_hotline=partner.cs_hotline,
            call_centre_seats=2,
            call_centre_agents=8,
            connect_rate_bp=9950,
            answered_20s_bp=8600,
        )
        for kind, label in rules.MATERIALS:
            actions.upload_material(app, actor=user, kind=kind, upload=pdf(f"{label}.pdf"))
        actions.add_product(
            app,
            actor=user,
            business_line="SMS",
            name="每日天气早知道",
            description="每天早上 7 点推送本地天气",
            fee_fen=300,
            billing_mode="monthly",
        )
        return actions.submit_application(app, actor=user)

    def contracted_partner(self, pi: User, experts: list[User]) -> Any:
        """武汉星云科技: the whole flow in the October 2026 window, ending with a signed contract."""
        from vasops.admission import actions
        from vasops.admission.exam import actions as exam_actions
        from vasops.admission.models import ReviewMeeting
        from vasops.admission.review import actions as review_actions
        from vasops.admission.rules import access_cases_for

        with clock.frozen(dt.date(2026, 10, 2)):
            partner = self.register(1, "武汉星云科技有限公司", "SP", "local", "xingyun", "刘星云")
            user = User.objects.get(username="xingyun")
            self.qualify(partner, user)
            app = self.apply(partner, user)
        with clock.frozen(dt.date(2026, 10, 8)):
            actions.record_paper_application(app, actor=pi, received_on=clock.today(), receiver="杨莹")
            actions.review_application(app, actor=pi, decision="approve", reason="材料齐全，符合准入条件。")
        with clock.frozen(dt.date(2026, 10, 9)):
            sitting = exam_actions.schedule_exam(
                app,
                actor=pi,
                date=dt.date(2026, 10, 12),
                duration_minutes=60,
                questions_per_paper=10,
                business_person="张业务",
                technical_person="李技术",
                seed="demo-2026-10",
            )
        with clock.frozen(dt.date(2026, 10, 12)):
            exam_actions.record_paper_scores(
                sitting, actor=pi, business_score=88, technical_score=92, reason="纸质考试成绩录入"
            )
            exam_actions.publish_exam_results(sitting, actor=pi)
        with clock.frozen(dt.date(2026, 10, 14)):
            app.refresh_from_db()
            meeting = review_actions.schedule_review_meeting(
                app,
                actor=pi,
                date=dt.date(2026, 10, 19),
                place="省公司 3 楼会议室",
                panel_size=3,
                seed="demo-panel-2026-10",
            )
        with clock.frozen(dt.date(2026, 10, 19)):
            meeting = ReviewMeeting.objects.get(pk=meeting.pk)
            review_actions.record_attendance(meeting, actor=pi, attended=True)
            for sheet in meeting.sheets.select_related("expert__user"):
                scores = {code: 80 + (i * 3) % 15 for i, code in enumerate(sorted(meeting.weights))}
                review_actions.submit_score_sheet(
                    sheet, actor=sheet.expert.user, scores=scores, comment="业务方案清晰，演示顺利。"
                )
        with clock.frozen(dt.date(2026, 10, 20)):
            app.refresh_from_db()
            actions.decide_application(
                app, actor=pi, decision="accept", reason="评审综合得分良好，同意准入。"
            )
        with clock.frozen(dt.date(2026, 10, 21)):
            app.refresh_from_db()
            actions.submit_access_data(
                app,
                actor=user,
                data={
                    "technical_contact": "李技术 027-87654321",
                    "server_addresses": "10.10.1.20:8801（专线）",
                    "business_summary": "短信天气包月业务",
                },
            )
            app.refresh_from_db()
            actions.raise_data_change_orders(app, actor=pi, systems=["sms_gateway", "vac", "boss_it"])
        self.finish_work_orders(app, pi)
        with clock.frozen(dt.date(2026, 10, 28)):
            app.refresh_from_db()
            actions.start_access_testing(app, actor=pi)
            for line, code, _label in access_cases_for(app.line_codes()):
                actions.record_test_result(
                    app, actor=pi, business_line=line, case_code=code, passed=True, note="测试通过"
                )
            app.refresh_from_db()
            actions.open_access(
                app,
                actor=pi,
                data={  # 附件5 开通资料
                    "opened_on": "2026-10-28",
                    "service_name": "天气早知道",
                    "service_content": "每天早上 7 点发送本地天气预报和穿衣指数",
                    "tariff": "5 元/月（包月）",
                    "cs_hotline": partner.cs_hotline,
                    "unsubscribe_method": f"发送 TD 到 {app.service_access_number}，或拨打客服电话退订",
                },
            )
        with clock.frozen(dt.date(2026, 11, 2)):
            app.refresh_from_db()
            actions.sign_contract(
                app,
                actor=pi,
                term_start=dt.date(2026, 11, 1),
                term_end=dt.date(2027, 10, 31),
                settlement_ratio_bp=5000,
                signed_copy=pdf("合作协议（已签署）.pdf"),
            )
        partner.refresh_from_db()
        return partner

    def finish_work_orders(self, app: Any, pi: User) -> None:
        from vasops.workorders import actions as wo_actions
        from vasops.workorders import queries as wo_queries

        with clock.frozen(dt.date(2026, 10, 26)):
            for wo in wo_queries.for_object(app):
                wo_actions.advance_stage(wo, actor=pi, note="数据已配置完成。")

    def submitted_partner(self, pi: User) -> Any:
        """湖北楚天互动: applied in the January 2027 window, waiting for initial review."""
        with clock.frozen(dt.date(2027, 1, 4)):
            partner = self.register(2, "湖北楚天互动传媒有限公司", "SP", "local", "chutian", "周楚天")
            user = User.objects.get(username="chutian")
            self.qualify(partner, user)
            self.apply(partner, user)
        return partner

    def new_partner(self) -> Any:
        """北京云帆信息: an out-of-province CP just registered, one certificate still missing."""
        with clock.frozen(dt.date(2027, 1, 4)):
            partner = self.register(
                3, "北京云帆信息技术有限公司", "CP", "out_of_province", "yunfan", "马云帆"
            )
            user = User.objects.get(username="yunfan")
            self.qualify(partner, user, skip=("content_source_proof",))
        return partner

    def blacklisted_partner(self, pi: User) -> Any:
        from vasops.partners import actions

        with clock.frozen(dt.date(2026, 12, 1)):
            partner = self.register(4, "荆楚无线增值服务有限公司", "SP", "local", "jingchu", "黄荆楚")
            actions.add_restriction(
                partner,
                actor=pi,
                kind="blacklist",
                reason="2026 年第三季度信用评级为“不合格”。",
                source="信用评级 2026Q3",
                starts_on=dt.date(2026, 12, 1),
            )
        return partner

    def seed_work_orders(self, partner: Any, staff: dict[str, User]) -> None:
        from vasops.workorders import actions as wo_actions

        user = User.objects.get(username="xingyun")
        with clock.frozen(dt.date(2027, 1, 4)):
            wo_actions.open_work_order(
                actor=user,
                type="om_data_query",
                title="查询 12 月短信下发成功率",
                description="请提供 2026 年 12 月网关到 SP 的下发成功率明细。",
                partner=partner,
                system="sms_gateway",
            )
            wo_actions.open_work_order(
                actor=user,
                type="app_upgrade",
                title="短信业务平台升级 v2.3",
                description="需网关配合。",
                partner=partner,
                system="sms_gateway",
                priority="emergency",
                needs_network_company=True,
                head_approver="刘星云（技术总监）",
                head_approved_on=dt.date(2027, 1, 4),
                plan={
                    "planned_at": dt.datetime(2027, 1, 20, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
                    "impact_scope": "短信上行/下行中断约 15 分钟，影响“天气早知道”订购用户",
                    "operators": "星云科技 2 人（厂家工程师），湖北联通运维 1 人配合",
                    "technical_plan": "短信业务平台由 v2.2 升级到 v2.3，修复长短信拼接问题",
                    "implementation_steps": "1. 备份数据库与配置 2. 停止网关连接 3. 部署 v2.3 4. 恢复连接",
                    "test_plan": "MO/MT 各拨测 10 条，核对状态报告和话单",
                    "rollback_plan": "15 分钟内未通过拨测即恢复 v2.2 备份并重连网关",
                },
            )
            wo_actions.open_work_order(
                actor=staff["wang.om"],
                type="om_complaint",
                title="用户投诉退订后仍收到短信",
                partner=partner,
                system="vac",
                assignee=staff["wang.om"],
            )

    def seed_change_requests(self, partner: Any, staff: dict[str, User]) -> None:
        """Basic-info changes waiting for staff: a hotline change, and a bank-account change
        that has its first approval and needs a second, different approver (four eyes)."""
        from vasops.partners import actions

        user = User.objects.get(username="xingyun")
        with clock.frozen(dt.date(2027, 1, 4)):
            actions.submit_change_request(
                partner,
                actor=user,
                kind="cs_hotline",
                values={"cs_hotline": "4008009999"},
                note="热线号码升级",
            )
            bank = actions.submit_change_request(
                partner,
                actor=user,
                kind="bank_account",
                values={
                    "bank_name": "招商银行武汉分行",
                    "account_name": partner.name,
                    "account_number": "127905512310601",
                },
                note="更换结算账户",
            )
            actions.approve_change_request(bank, actor=staff["chen.pi"], comment="开户证明已核对")

    def seed_compliance(self, partner: Any, staff: dict[str, User]) -> None:
        from vasops.compliance import demo
        from vasops.partners.models import Partner

        demo.seed(
            staff=staff["chen.pi"],
            partner=partner,
            partner_user=User.objects.get(username="xingyun"),
            other=Partner.objects.get(name="荆楚无线增值服务有限公司"),
            other_user=User.objects.get(username="jingchu"),
        )

    def seed_products(self, partner: Any, pi: User) -> None:
        from vasops.catalog import demo

        with clock.frozen(dt.date(2026, 12, 1)):
            products = demo.seed_products(partner, staff_user=pi)
        self.seed_subscriptions([p for p in products if p.state == "active"])

    def seed_subscriptions(self, products: list[Any]) -> None:
        """A month of VAC traffic on the demo's live products: CRM orders (trusted channel),
        some unsubscriptions, and daily on-demand uses — each writing its CDRs and SP notices."""
        import random

        from vasops.vac import actions as vac
        from vasops.vac.errors import VacRefused

        monthly = [p for p in products if p.billing_mode == "monthly"]
        per_use = [p for p in products if p.billing_mode in ("per_use", "per_item")]
        rng = random.Random(2026)  # reproducible demo
        users = [f"1860271{n:04d}" for n in range(40)]
        start = dt.datetime(2026, 12, 5, 9, 0, tzinfo=clock.SHANGHAI)
        for i, msisdn in enumerate(users):
            for product in monthly:
                when = start + dt.timedelta(hours=7 * i)
                vac.subscribe(actor="crm", msisdn=msisdn, product=product, channel="crm", now=when)
                if i % 5 == 0:
                    vac.unsubscribe(
                        actor="crm", msisdn=msisdn, product=product, now=when + dt.timedelta(days=9)
                    )
        for day in range(30):
            for product in per_use:
                for msisdn in rng.sample(users, 8):
                    when = start + dt.timedelta(
                        days=day, hours=rng.randint(0, 12), minutes=rng.randint(0, 59)
                    )
                    try:
                        vac.on_demand(actor="gateway", msisdn=msisdn, product=product, now=when)
                    except VacRefused:
                        continue
        # the order-relation sync files the SP would have collected (VAC.md C.1): the first
        # orders' day, an unsubscription day, and the full file of the demo's business month
        from vasops.vac import syncfiles

        for sync_day in (dt.date(2026, 12, 5), dt.date(2026, 12, 14)):
            collected = dt.datetime.combine(sync_day + dt.timedelta(days=1), dt.time(1, 30), clock.SHANGHAI)
            syncfiles.generate_day(sync_day, now=collected)
        syncfiles.generate_month(clock.today())

    def seed_settlement(self, partner: Any, staff: dict[str, User]) -> None:
        """December 2026 settled: computed by zhao.fin, approved by qian.fin, published."""
        from vasops.settlement import demo

        approver = demo.second_finance_user(DEMO_PASSWORD)
        demo.seed_settlement(partner, finance=staff["zhao.fin"], approver=approver)

    def seed_reconciliation(self, partner: Any) -> None:
        """December 2026 exported to Parquet; an open reconciliation with one dispute pending."""
        from vasops.settlement.reconciliation import demo

        demo.seed_reconciliation(partner, User.objects.get(username="xingyun"))

    def seed_kpis_and_detection(self, partner: Any, staff: dict[str, User]) -> None:
        """KPI records of the contracted partner (one below threshold) and a detection run with
        hits on one of its live products (compliance.kpi.demo, compliance.detection.demo)."""
        from vasops.catalog.models import Product
        from vasops.compliance.detection import demo as detection_demo
        from vasops.compliance.kpi import demo as kpi_demo

        with clock.frozen(DEMO_TODAY):
            kpi_demo.seed_kpi_records(partner, actor=staff["wang.om"])
        detection_demo.seed_detection_hits(
            list(Product.objects.filter(partner=partner).order_by("id")), today=DEMO_TODAY
        )

    def seed_complaints(self, partner: Any, staff: dict[str, User]) -> None:
        from vasops.complaints import demo

        made = demo.seed_complaints(partner, agent=staff["sun.cs"], head=staff["li.head"])
        self.stdout.write(f"complaints: {len(made)}")

    # -----------------------------------------------------------------------------------------
    def print_logins(self) -> None:
        rows = [
            (
                "运营商员工（需两步验证；演示环境在验证页显示当前动态码）",
                [(u, n) for u, n, _ in STAFF] + [("qian.fin", "钱进（结算复核，双人审核的第二人）")],
            ),
            ("评审专家", [(u, n) for u, n, _, _ in EXPERTS]),
            (
                "合作伙伴",
                [
                    ("xingyun", "武汉星云科技（已签约）"),
                    ("chutian", "湖北楚天互动（已提交，待初审）"),
                    ("yunfan", "北京云帆信息（CP，缺少资质）"),
                    ("jingchu", "荆楚无线（黑名单）"),
                ],
            ),
        ]
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("vasops demo — http://127.0.0.1:8000/"))
        self.stdout.write(f"all demo passwords: {DEMO_PASSWORD}")
        self.stdout.write(f"business date: {clock.today()} (move it on the console's 演示时钟 page)")
        for title, users in rows:
            self.stdout.write(f"\n{title}")
            for username, label in users:
                self.stdout.write(f"  {username:<12} {label}")
        self.stdout.write("")
