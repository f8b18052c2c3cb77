"""Small catalogs shared by the tests (one copy, not one per file): the policy, grant and policy-CLI tests' and
the console and store tests' (one registered application, MZ's `dibao`)."""

POLICY_CATALOG = """\
departments:
  - {code: GA, name: 公安局, upstream: "http://127.0.0.1:9001"}
  - {code: MZ, name: 民政局, upstream: "http://127.0.0.1:9002"}
  - {code: SCJG, name: 市场监管局, upstream: "http://127.0.0.1:9003"}
resources:
  - code: GA-RK-0001
    name: 人口基本信息
    provider: GA
    path: /ga/rk
    share: conditional
    fields:
      - {name: xm, label: 姓名, class: personal, entity: PERSON}
      - {name: sfzh, label: 身份证号, class: sensitive, entity: CN_ID_CARD}
  - code: GA-ZT-0001
    name: 在逃人员
    provider: GA
    path: /ga/zt
    share: none
    legal_basis: 《中华人民共和国刑事诉讼法》
  - code: SCJG-QY-0001
    name: 企业登记信息
    provider: SCJG
    path: /scjg/qy
    share: unconditional
"""


CONSOLE_CATALOG = """\
departments:
  - {code: GA, name: 公安局, upstream: "http://127.0.0.1:9"}
  - code: MZ
    name: 民政局
    upstream: "http://127.0.0.1:9"
    applications: [{code: dibao, name: 低保审核}]
  - {code: SCJG, name: 市场监管局, upstream: "http://127.0.0.1:9"}
resources:
  - code: GA-RK-0001
    name: 人口基本信息
    provider: GA
    path: /ga/rk
    share: conditional
    fields:
      - {name: xm, label: 姓名, class: personal, entity: PERSON}
      - {name: sfzh, label: 身份证号, class: sensitive, entity: CN_ID_CARD}
      - {name: sjhm, label: 手机号码, class: personal, entity: CN_MOBILE}
  - code: GA-ZT-0001
    name: 在逃人员
    provider: GA
    path: /ga/zt
    share: none
    legal_basis: 《中华人民共和国刑事诉讼法》
  - code: SCJG-QY-0001
    name: 企业登记信息
    provider: SCJG
    path: /scjg/qy
    share: unconditional
"""
