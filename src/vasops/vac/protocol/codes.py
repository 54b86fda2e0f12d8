"""Result codes 结果码 of the VAC real-time interface (VAC.md A.9, 附录C).

Used by BindResp, UnBindResp, CheckPriceResp, CheckPriceConfirmResp and as CheckPriceConfirm.ErrCode.
Each member carries a Chinese (``zh``) and an English (``en``) description. Codes outside the table
(a peer's private code, the CRM range 16XX) are described by :func:`describe`.
"""

from __future__ import annotations

from enum import IntEnum


class ResultCode(IntEnum):
    """A.9 result codes; ``code.zh`` / ``code.en`` describe them."""

    zh: str
    en: str

    def __new__(cls, value: int, zh: str = "", en: str = "") -> ResultCode:
        member = int.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        member.en = en
        return member

    SUCCESS = 0, "成功", "success"
    INVALID_PDU_LENGTH = 1, "PDU长度非法（大于30K或小于0）", "invalid PDU length (> 30K or < 0)"
    DECODE_FAILED = (
        2,
        "PDU解码失败（缺少字段或字段类型错误）",
        "PDU decode failed (missing field or bad field type)",
    )
    INVALID_ACCOUNT = 3, "绑定帐号无效", "bound account invalid"
    AUTH_MISMATCH = 4, "绑定密码（认证码）错误", "bind password (authenticator) mismatch"
    ALREADY_BOUND = 5, "业务引擎已绑定", "service engine already bound"
    NOT_BOUND = 6, "业务引擎尚未绑定", "service engine not bound yet"
    RESPONSE_TIMEOUT = 7, "等待响应超时", "timeout waiting for a response"
    CONFIRM_TIMEOUT = 8, "等待确认消息超时", "timeout waiting for the confirmation message"
    FIELD_INVALID = 100, "字段值无效（非预期值或错误）", "field value invalid (not expected or error)"
    SOURCE_DEVICE_TYPE_INVALID = 101, "源设备类型超出范围", "source device type out of range"
    SOURCE_DEVICE_ID_INVALID = 102, "源设备标识错误", "source device id incorrect"
    DEST_DEVICE_TYPE_INVALID = 103, "目的设备类型超出范围", "destination device type out of range"
    DEST_DEVICE_ID_INVALID = 104, "目的设备标识错误", "destination device id incorrect"
    TIMESTAMP_INVALID = 105, "时间戳格式错误", "timestamp format incorrect"
    USER_ID_INVALID = 106, "定购用户标识无效", "subscriber user id invalid"
    MSISDN_INVALID = 107, "MSISDN无效", "MSISDN invalid"
    SP_ID_INVALID = 108, "SP标识无效", "SP id invalid"
    SERVICE_ID_INVALID = 109, "业务标识无效", "service id invalid"
    ACCESS_CODE_INVALID = 110, "业务接入码无效", "service access code invalid"
    DISK_ERROR = 500, "磁盘读写错误", "disk read/write error"
    NETWORK_ABNORMAL = 501, "网络连接异常", "network connection abnormal"
    NETWORK_ERROR = 502, "网络错误", "network error"
    LICENSE_INVALID = 503, "License文件无效", "license file invalid"
    LICENSE_EXCEEDED = 504, "注册用户数超过License限制", "registered users exceed the license"
    INTERNAL_ERROR = 505, "系统内部错误", "system internal error"
    DATABASE_ERROR = 506, "数据库错误（连接断开、SQL无效）", "database error (connection lost, invalid SQL)"
    OPERATOR_NOT_FOUND = 600, "操作员不存在", "operator does not exist"
    ROLE_NOT_FOUND = 601, "角色不存在", "role does not exist"
    EMPLOYEE_NOT_FOUND = 602, "员工不存在", "employee does not exist"
    ADMIN_NOT_FOUND = 603, "管理员不存在", "administrator does not exist"
    OPERATOR_NO_PERMISSION = 604, "操作员无权限", "operator lacks permission"
    SUBSCRIBER_NOT_FOUND = 1001, "用户不存在", "subscriber does not exist"
    SUBSCRIBER_SUSPENDED = 1002, "用户已停机", "subscriber suspended"
    SUBSCRIBER_IN_ARREARS = 1003, "用户欠费，预付费扣费失败", "subscriber in arrears; prepaid charging failed"
    SUBSCRIBER_BLACKLISTED = 1004, "用户在黑名单中", "subscriber blacklisted"
    INVALID_USER = 1005, "非法用户：非本平台用户", "invalid user: not on this platform"
    CAPABILITY_BLOCKED = 1006, "该业务能力已被屏蔽", "this service capability is blocked"
    CANNOT_BLOCK_RESTORE = (
        1007,
        "用户不能屏蔽/恢复该业务能力",
        "user cannot block/restore the service capability",
    )
    OTHER_ERROR = 1099, "其他错误", "other error"
    SERVICE_NOT_OPEN_TO_USER = 1100, "该业务未对此用户开放", "the service is not open to this user"
    USER_ALREADY_REGISTERED = 1103, "用户已注册", "user already registered"
    USER_NOT_FOUND = 1104, "用户不存在", "user does not exist"
    USER_STATUS_ABNORMAL = 1105, "用户状态异常", "user status abnormal"
    USER_PASSWORD_FAILED = 1106, "用户密码校验失败", "user password check failed"
    PSEUDO_CODE_FAILED = 1107, "伪码生成失败", "pseudo-code generation failed"
    ALREADY_SUBSCRIBED = 1200, "定购关系已存在", "subscription already exists"
    NOT_SUBSCRIBED = 1201, "定购关系不存在", "subscription does not exist"
    SUBSCRIPTION_ABNORMAL = 1202, "定购关系状态异常", "subscription status abnormal"
    SP_SYNC_FAILED = 1203, "向SP同步定购关系失败", "synchronising the subscription to the SP failed"
    MUTUALLY_EXCLUSIVE = 1204, "用户不能定购同类互斥业务", "mutually exclusive product already ordered"
    NO_SUBSCRIPTION_SLOTS = 1205, "剩余可定购数不足", "not enough remaining subscription slots"
    ALS_FAX_EMPTY = 1206, "ALS/传真号码为空", "ALS/Fax number empty"
    CRM_ERROR = 1600, "CRM返回错误（16XX，XX为CRM错误码）", "error returned by CRM (16XX, XX = CRM's code)"
    SP_NOT_FOUND = 2000, "SP不存在", "SP does not exist"
    SP_STATUS_ABNORMAL = 2001, "SP状态异常", "SP status abnormal"
    SP_CREDIT_LOW = 2002, "SP信用度过低", "SP credit too low"
    SERVICE_NOT_FOUND = 2100, "业务不存在", "service does not exist"
    SERVICE_NOT_OPEN = 2101, "业务未开通（状态异常）", "service not open (status abnormal)"
    NO_SUCH_SERVICE_TYPE = 2200, "无此业务类型", "no such service type"
    SERVICE_NOT_ORDERABLE = 2201, "业务不能定购", "service cannot be ordered"
    NO_ACCOUNTS_LEFT = 2202, "剩余帐号数不足", "not enough remaining accounts"
    SERVICE_CREDIT_LOW = 2203, "业务信用度过低", "service credit too low"
    SERVICE_URL_CHECK_FAILED = 2204, "业务URL校验失败", "service URL check failed"
    COLLECTION_ONLY_PRODUCT = (
        2205,
        "代收费产品不允许定购/点播",
        "billing-on-behalf product: subscribe / on-demand not allowed",
    )
    TERMINAL_SIDE_NOT_ALLOWED = (
        2209,
        "该产品不能在终端侧单独定购/退订",
        "product cannot be ordered / cancelled from the terminal side alone",
    )
    CDR_FORMAT_ERROR = 3000, "话单格式错误", "CDR format error"
    NEGATIVE_PRICE = 3001, "价格为负", "negative price"
    PRICE_FORMAT_ERROR = 3002, "价格格式错误", "price format error"
    PRICE_OUT_OF_RANGE = 3003, "价格超出范围", "price out of range"
    NOT_PREPAID = 3100, "用户不是预付费用户", "user is not prepaid"
    INSUFFICIENT_BALANCE = 3101, "余额不足", "insufficient balance"
    BALANCE_DEDUCTION_FAILED = 3102, "压缩余额失败", "balance deduction failed"
    CHARGING_INFO_MISSING = 3103, "缺少必要的计费信息", "required charging information missing"
    CDR_WRITE_FAILED = 3104, "写话单失败", "writing the CDR failed"
    CDR_DUPLICATE = 3105, "话单重复", "CDR duplicated"
    CDR_INSERT_FAILED = 3106, "话单入库失败", "inserting the CDR into the database failed"
    CDR_PRICE_TOO_HIGH = 3107, "话单价格过高", "CDR price too high"
    SCP_RESPONSE_FAILED = 3108, "等待SCP响应失败", "waiting for the SCP response failed"
    CHARGING_MATRIX_RELOAD_FAILED = 3109, "重新加载计费矩阵失败", "reloading the charging matrix failed"
    BSS_NO_USER = 4001, "BSS中无此用户信息", "no user information in BSS"
    BSS_USER_SYNC_FAILED = 4002, "从BSS同步用户信息失败", "syncing user information from BSS failed"
    PLATFORM_USER_SYNC_FAILED = (
        4003,
        "从其他管理平台同步用户信息失败",
        "syncing user information from another management platform failed",
    )
    PLATFORM_SP_SYNC_FAILED = (
        4004,
        "向其他管理平台同步SP失败",
        "syncing the SP to another management platform failed",
    )
    PLATFORM_SERVICE_SYNC_FAILED = (
        4005,
        "向其他管理平台同步业务数据失败",
        "syncing service data to another management platform failed",
    )
    SP_ORDER_SYNC_FAILED = 4100, "向SP同步定购关系失败", "synchronising the subscription to the SP failed"
    MSISDN_DELETE_FAILED = 4200, "删除MSISDN失败", "deleting the MSISDN failed"
    MSISDN_CHANGE_FAILED = 4201, "修改MSISDN失败", "changing the MSISDN failed"


def describe(code: int) -> tuple[str, str]:
    """(Chinese, English) description of any result code, including 16XX and unknown codes."""
    try:
        member = ResultCode(code)
    except ValueError:
        if 1601 <= code <= 1699:
            return (f"CRM返回错误码{code - 1600:02d}", f"CRM returned error {code - 1600:02d}")
        return (f"未知结果码{code}", f"unknown result code {code}")
    return (member.zh, member.en)
