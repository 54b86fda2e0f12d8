"""Audit event types of admission — the application, the exam and the expert review (values
``admission.<object>_<past participle>``). The labels are the words of the application's
办理进度 (timeline) and of every history panel."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class AdmissionEvent(EventType):
    # the application
    APPLICATION_CREATED = "admission.application_created", _("创建申请")
    APPLICATION_UPDATED = "admission.application_updated", _("修改申请")
    MATERIAL_UPLOADED = "admission.material_uploaded", _("上传资料")
    PRODUCT_ADDED = "admission.product_added", _("添加产品")
    PRODUCT_REMOVED = "admission.product_removed", _("删除产品")
    APPLICATION_SUBMITTED = "admission.application_submitted", _("提交申请")
    PAPER_APPLICATION_RECEIVED = "admission.paper_application_received", _("收到正式书面申请")
    APPLICATION_WITHDRAWN = "admission.application_withdrawn", _("撤回申请")
    INITIAL_REVIEW_APPROVED = "admission.initial_review_approved", _("初审通过")
    INITIAL_REVIEW_RETURNED = "admission.initial_review_returned", _("初审退回修改")
    INITIAL_REVIEW_REJECTED = "admission.initial_review_rejected", _("初审不通过")
    APPLICATION_ACCEPTED = "admission.application_accepted", _("准入通过（分配企业代码与业务接入号）")
    APPLICATION_DEFERRED = "admission.application_deferred", _("暂缓接入")
    APPLICATION_REJECTED = "admission.application_rejected", _("驳回（3 个月内不得申请）")
    ACCESS_DATA_SUBMITTED = "admission.access_data_submitted", _("提交接入资料")
    PREPARATION_POSTPONED = "admission.preparation_postponed", _("未按时提交接入资料，推迟到下月")
    DATA_CHANGE_ORDERS_RAISED = "admission.data_change_orders_raised", _("发起数据修改工单")
    TESTING_STARTED = "admission.testing_started", _("开始接入测试")
    TEST_RESULT_RECORDED = "admission.test_result_recorded", _("记录接入测试结果")
    ACCESS_OPENED = "admission.access_opened", _("开通")
    CONTRACT_SIGNED = "admission.contract_signed", _("签订合同")
    CONTRACT_EXPIRY_REMINDED = "admission.contract_expiry_reminded", _("已发送合同到期提醒")
    SETTINGS_UPDATED = "admission.settings_updated", _("准入受理月份已修改")
    # the exam (admission.exam)
    QUESTION_CREATED = "admission.question_created", _("题目已录入")
    QUESTION_UPDATED = "admission.question_updated", _("题目已修改")
    QUESTION_RETIRED = "admission.question_retired", _("题目已停用")
    QUESTION_IMPORTED = "admission.question_imported", _("题目已批量导入")
    EXAM_SCHEDULED = "admission.exam_scheduled", _("安排接入考核")
    EXAM_PAPER_STARTED = "admission.exam_paper_started", _("开始答卷")
    EXAM_PAPER_SUBMITTED = "admission.exam_paper_submitted", _("交卷")
    EXAM_PAPER_AUTO_CLOSED = "admission.exam_paper_auto_closed", _("考试时间到，自动交卷")
    EXAM_SCORE_RECORDED = "admission.exam_score_recorded", _("录入考核成绩")
    EXAM_RESULTS_PUBLISHED = "admission.exam_results_published", _("考核结果已发布")
    EXAM_PASSED = "admission.exam_passed", _("接入考核通过（两项均 ≥ 80 分）")
    EXAM_FAILED = "admission.exam_failed", _("接入考核未通过")
    # the expert review (admission.review)
    EXPERT_CREATED = "admission.expert_created", _("专家已入库")
    EXPERT_UPDATED = "admission.expert_updated", _("专家信息已修改")
    EXPERT_CONFLICT_ADDED = "admission.expert_conflict_added", _("已登记专家回避")
    REVIEW_WEIGHTS_SET = "admission.review_weights_set", _("评审指标权重已设置")
    REVIEW_MEETING_SCHEDULED = "admission.review_meeting_scheduled", _("安排接入评审会")
    SCORE_SHEET_SAVED = "admission.score_sheet_saved", _("评分表已保存")
    SCORE_SHEET_SUBMITTED = "admission.score_sheet_submitted", _("评分表已提交")
    REVIEW_ATTENDANCE_RECORDED = "admission.review_attendance_recorded", _("已登记评审出席")
    REVIEW_COMPLETED = "admission.review_completed", _("接入评审完成")
    REVIEW_MISSED = "admission.review_missed", _("未参加接入评审（1 年内禁止申请）")
