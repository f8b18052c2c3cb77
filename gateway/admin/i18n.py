"""The console's words in Chinese (default) and English: `?lang=en` or the `gs_lang` cookie picks one."""

from __future__ import annotations

LANGS = ("zh", "en")
LANG_COOKIE = "gs_lang"

WORDS: dict[str, tuple[str, str]] = {
    "app_title": ("govshare 政务数据共享网关 · 管理控制台", "govshare gateway · officers' console"),
    "sign_in": ("登录", "Sign in"), "sign_out": ("退出", "Sign out"),
    "account": ("账号", "Account"), "password": ("密码", "Password"),
    "bad_login": ("账号或密码错误", "Wrong account or password"),
    "throttled": ("登录失败次数过多，请稍后再试", "Too many failed sign-ins; try again later"),
    "role": ("角色", "Role"),
    "role_system": ("系统管理员", "System administrator"),
    "role_security": ("安全管理员", "Security administrator"),
    "role_audit": ("审计管理员", "Audit administrator"),
    "forbidden": ("无权访问：超出本角色职责（已记入审计日志）",
                  "Forbidden: outside your role's duty (recorded in the audit trail)"),
    "csrf_refused": ("请求未通过跨站请求伪造校验", "The request failed the CSRF check"),
    "home": ("首页", "Home"),
    "catalog": ("资源目录", "Catalog"), "test_request": ("请求测试", "Test a request"),
    "applications": ("共享申请", "Applications"), "grants": ("授权", "Grants"),
    "mask_preview": ("脱敏预览", "Masking preview"), "new_application": ("提交申请", "Apply"),
    "audit_search": ("审计检索", "Audit search"), "verify_chain": ("完整性校验", "Verify chain"),
    "export": ("导出", "Export"), "departments": ("部门与应用", "Departments and applications"),
    "upstreams": ("上游服务", "Upstreams"), "keys": ("签名密钥", "Signing keys"),
    "backlog": ("审计积压", "Audit backlog"), "users": ("管理员账号", "Administrator accounts"),
    "code": ("编码", "Code"), "name": ("名称", "Name"), "provider": ("提供部门", "Provider"),
    "path": ("路径", "Path"), "share": ("共享属性", "Share attribute"), "fields": ("字段", "Fields"),
    "legal_basis": ("法律依据", "Legal basis"), "label": ("标签", "Label"), "class": ("分级", "Class"),
    "share_unconditional": ("无条件共享", "unconditional"), "share_conditional": ("有条件共享", "conditional"),
    "share_none": ("不予共享", "not shared"),
    "dept": ("部门", "Department"), "app": ("应用", "Application"), "purpose": ("用途", "Purpose"),
    "method": ("方法", "Method"), "decide": ("判定", "Decide"), "decision": ("判定结果", "Decision"),
    "allowed": ("允许", "allowed"), "denied": ("拒绝", "denied"), "reason": ("原因", "Reason"),
    "rule": ("判定规则", "Deciding rule"), "policy_version": ("策略版本", "Policy version"),
    "resource": ("资源", "Resource"), "status": ("状态", "Status"), "due": ("答复期限", "Answer due"),
    "overdue": ("已超期", "overdue"), "submitted": ("提交时间", "Submitted"),
    "basis": ("法律或业务依据", "Legal or business basis"), "until": ("有效期至", "Valid until"),
    "pseudonym_fields": ("假名化字段", "Pseudonymised fields"),
    "approve": ("批准", "Approve"), "refuse": ("拒绝", "Refuse"), "revoke": ("撤销", "Revoke"),
    "refusal_reason": ("拒绝理由（必填）", "Refusal reason (required)"),
    "comment": ("意见", "Comment"), "submit": ("提交", "Submit"),
    "st_pending": ("待审批", "pending"), "st_approved": ("已批准", "approved"),
    "st_refused": ("已拒绝", "refused"), "st_revoked": ("已撤销", "revoked"),
    "st_active": ("有效", "active"), "st_expired": ("已过期", "expired"),
    "grant": ("授权编号", "Grant"), "calendar_warning": ("日历提示", "Calendar warning"),
    "body": ("样例数据（JSON）", "Sample body (JSON)"), "preview": ("预览", "Preview"),
    "result": ("结果", "Result"), "findings": ("识别结果", "Findings"),
    "search": ("检索", "Search"), "from": ("起", "From"), "to": ("止", "To"),
    "request_id": ("请求编号", "Request id"), "event": ("事件", "Event"), "time": ("时间", "Time"),
    "actor": ("操作人", "Actor"), "action": ("操作", "Action"), "outcome": ("结果", "Outcome"),
    "record": ("审计记录", "Audit record"), "intact": ("完整", "INTACT"), "broken": ("已被篡改", "BROKEN"),
    "records": ("记录数", "Records"), "run_verify": ("立即校验", "Verify now"),
    "upstream": ("上游地址", "Upstream"), "health": ("健康状况", "Health"), "reachable": ("可达", "reachable"),
    "unreachable": ("不可达", "unreachable"), "head_seq": ("链头序号", "Chain head"),
    "checkpoint_seq": ("最近签名检查点", "Last signed checkpoint"),
    "unanchored": ("未锚定记录", "Records not yet anchored"), "kid": ("密钥标识", "Key id"),
    "none": ("无", "none"), "error": ("错误", "Error"), "done": ("已完成", "Done"),
    "no_records": ("没有记录", "No records"), "apps_seen": ("已知应用", "Known applications"),
    "no_access_field": ("不可见", "hidden"),
    "shadow": ("影子评估", "Shadow evaluation"), "run_shadow": ("对照已记录调用评估", "Evaluate against recorded calls"),
    "shadow_help": ("候选版本按已记录的调用逐一重新判定，与现行策略对比；不改变任何调用的结果。",
                    "The candidate decides the recorded calls again, beside the policy in force; nothing changes for callers."),
    "different": ("判定不同", "Decided differently"), "live_runs": ("实时影子运行", "Live shadow runs"),
    "candidate": ("候选版本", "Candidate"), "hours": ("时长（小时）", "Hours"),
    "start_live": ("在实时流量上影子运行", "Run in shadow on live traffic"), "promote": ("投入使用", "Put in force"),
    "drop": ("放弃", "Drop"), "ended": ("已到期", "ended"), "now_decision": ("现行判定", "In force"),
    "candidate_decision": ("候选判定", "Candidate"),
    "console": ("控制台", "console"), "processes": ("各进程在用版本", "In force on each process"),
    "seen": ("最近报告", "Last report"), "stale": ("已失联", "stale"),
    "report": ("审计报告", "Period report"), "disable": ("停用", "Disable"), "create": ("创建", "Create"),
    "versions": ("版本记录", "Versions"), "edit": ("编辑", "Edit"), "save": ("保存为新版本", "Save as a new version"),
    "diff": ("比较", "Diff"), "rollback": ("回滚到此版本", "Roll back to this"),
    "masking_shadow_help": (
        "脱敏规则候选版本只在实时流量上影子运行：按每次调用的脱敏结果摘要（路径、实体类型、算子）重新查找候选规则，"
        "不重复脱敏，不改变调用方收到的内容；现行规则未产生结果的公开实体无法比较，请先在脱敏预览中试用。",
        "A masking candidate runs in shadow on live traffic only: each call's findings (path, entity type, operator) "
        "are looked up again with the candidate, without masking twice or changing what callers get; a public "
        "entity the rules in force leave unreported cannot be compared, so try a body in the masking preview first."),
    "store_alarms": ("存储篡改告警", "Store of record: tamper alarms"),
    "store_intact": ("版本链与授权封印完整", "Version chains and grant seals intact"),
    "problem": ("问题", "Problem"), "kept_in_force": ("继续使用的版本", "Kept in force"),
    "chain_ok": ("版本链完整，文件与最新版本一致", "Version chain intact; the file matches the newest version"),
}


def pick(request_lang: str | None, cookie_lang: str | None) -> str:
    for value in (request_lang, cookie_lang):
        if value in LANGS:
            return value
    return "zh"


def translator(lang: str):
    index = LANGS.index(lang) if lang in LANGS else 0

    def t(key: str) -> str:
        pair = WORDS.get(key)
        return pair[index] if pair else key
    return t
