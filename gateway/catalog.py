"""The resource catalog (资源目录): departments, resources, share attributes and field labels.

Parsed and validated once at load; every error names the file, the line, the entry and the problem.
A loaded Catalog is immutable and answers the hot path's questions: is this caller a registered department
and application (`is_registered`, `require_caller`), and which resource does this canonical path belong to
and where does it go upstream (`route`/`resolve`: longest prefix on the gateway path, then a check that
the provider URL does not lie under a more specific entry's provider URL).
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .errors import Forbidden, NotFound
from .yamlsrc import LineMap, SourceError, load_yaml


class Share(enum.StrEnum):
    UNCONDITIONAL = "unconditional"  # 无条件共享
    CONDITIONAL = "conditional"  # 有条件共享
    NONE = "none"  # 不予共享


class FieldClass(enum.StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    PERSONAL = "personal"
    SENSITIVE = "sensitive"  # sensitive personal information
    TRADE_SECRET = "trade_secret"

    @property
    def protected(self) -> bool:
        """Classes whose values never leave the gateway in plain without a grant that reveals them."""
        return self in (FieldClass.PERSONAL, FieldClass.SENSITIVE, FieldClass.TRADE_SECRET)


# Entity types the masking engine knows; a field label may name one of them.
KNOWN_ENTITIES = frozenset({
    "CN_ID_CARD", "CN_MOBILE", "CN_LANDLINE", "CN_BANK_CARD", "CN_USCC", "CN_PASSPORT",
    "CN_LICENSE_PLATE", "EMAIL_ADDRESS", "IP_ADDRESS", "PERSON", "CN_ADDRESS", "TRADE_SECRET",
    "DATE_OF_BIRTH", "FREE_TEXT", "CN_VIN", "MAC_ADDRESS", "ORGANIZATION", "CN_SOCIAL_SECURITY",
})

CODE_RE = re.compile(r"^[A-Z]{2,8}(-[A-Z0-9]{1,8}){1,3}$")
DEPT_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")
PATH_RE = re.compile(r"^(/(?!\.{1,2}(?:/|$))[A-Za-z0-9._~-]+)+$")
# A request path the provider could normalise differently from us (dot segments, encoded '.', '/', '\\' or
# NUL, backslashes, empty segments) could climb out of a resource prefix: such paths match no resource.
UNSAFE_PATH_RE = re.compile(r"%2[eEfF]|%5[cC]|%00|\\|(^|/)\.{1,2}(/|$)|//")
FIELD_RE = re.compile(r"^[^\s.\[\]]{1,64}$")
APP_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")  # the application claim's form (= grants' APP_RE)


class UnknownCaller(Forbidden):
    """The token names a department or application the catalog does not register: 403 `unknown_caller`."""

    status, reason = 403, "unknown_caller"


class NestedResource(NotFound):
    """The provider URL a path maps to belongs to a more specific catalog entry: 404 `nested_resource`."""

    status, reason = 404, "nested_resource"


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str
    upstream: str  # base URL, no trailing slash
    ca_bundle: str | None = None
    # Registered calling applications; None when the department lists none (then no claim is checked).
    applications: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """A labelled key in the resource's JSON records (matched by key name at any depth)."""

    name: str
    label: str
    klass: FieldClass
    entity: str | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    code: str
    name: str
    provider: str
    path: str
    share: Share
    upstream: str  # provider URL that `path` maps to
    legal_basis: str | None = None
    description: str = ""
    fields: tuple[Field, ...] = ()
    by_key: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    # Unparsed media types the provider declares public: only these pass unmasked (masking.body.is_public_type)
    public_content_types: frozenset[str] = frozenset()

    @property
    def is_public(self) -> bool:
        """True when no field of the resource is personal, sensitive or a trade secret."""
        return not any(f.klass.protected for f in self.fields)

    def field(self, key: str) -> Field | None:
        return self.by_key.get(key)


@dataclass(frozen=True, slots=True)
class Route:
    """Where one request goes: the resource it reads and the full upstream URL."""

    resource: Resource
    department: Department
    upstream_url: str  # upstream base + rest of the path (+ query)
    rest: str  # the part of the path after the resource prefix

    @property
    def host_header(self) -> str:
        """The Host header the provider receives (the netloc of the department's upstream)."""
        return urlsplit(self.department.upstream).netloc


@dataclass(frozen=True)
class Catalog:
    source: str
    departments: dict[str, Department]
    resources: dict[str, Resource]
    digest: str
    _prefixes: tuple[tuple[str, Resource], ...] = ()
    # Per resource code: the provider URLs (case-folded) of other entries nested under its own provider URL.
    _nested: dict = field(default_factory=dict, compare=False, repr=False)

    def route(self, path: str) -> Route | None:
        """The route for `path`, or None when no resource takes it (see `resolve`, which says why)."""
        try:
            return self.resolve(path)
        except NotFound:
            return None

    def resolve(self, path: str) -> Route:
        """Longest resource prefix that matches `path` on a segment boundary, for a canonical path (see
        gateway.target.canonical_target). Raises NotFound (`unknown_resource`) when none matches, and
        NestedResource when the provider URL it would reach lies under another entry's more specific
        provider URL: that data belongs to the other entry, which has its own gateway path and policy.
        The comparison ignores case, and a nested URL also owns `<url>.<suffix>` (IIS and Windows read
        paths case-insensitively; Spring's suffix patterns read `/x.json` as `/x`)."""
        bare, _, query = path.partition("?")
        if not bare.startswith("/") or UNSAFE_PATH_RE.search(bare):
            raise NotFound("unknown_resource", "no catalogued resource at this path")
        for prefix, res in self._prefixes:
            if bare == prefix or bare.startswith(prefix + "/"):
                rest = bare[len(prefix):]
                target = (res.upstream + rest).casefold()
                for nested, owner in self._nested.get(res.code, ()):
                    if target == nested or target.startswith((nested + "/", nested + ".")):
                        raise NestedResource(message=f"this path reaches the provider URL of resource {owner}; "
                                                     f"read it at {self.resources[owner].path}")
                url = res.upstream + rest + (("?" + query) if query else "")
                return Route(res, self.departments[res.provider], url, rest)
        raise NotFound("unknown_resource", "no catalogued resource at this path")

    def is_registered(self, dept: str | None, app: str | None) -> bool:
        """True when `dept` is a catalog department and `app` (if any) one of its registered applications.
        A department that lists no `applications` accepts any application claim of the right form."""
        department = self.departments.get(dept or "")
        if department is None:
            return False
        if app is None:
            return True
        if not APP_CODE_RE.match(app):
            return False
        return department.applications is None or app in department.applications

    def require_caller(self, dept: str | None, app: str | None) -> None:
        """Raise UnknownCaller (403 `unknown_caller`) unless `is_registered(dept, app)`."""
        if not self.is_registered(dept, app):
            raise UnknownCaller(message="the token names a department or application the catalog does not "
                                        "register; ask the security administrator to register it")

    def resource(self, code: str) -> Resource | None:
        return self.resources.get(code)

    def summary(self) -> list[dict]:
        """One plain dict per resource, for `govshare catalog list --json` and the console."""
        return [
            {"code": r.code, "name": r.name, "provider": r.provider, "path": r.path, "share": str(r.share),
             "upstream": r.upstream, "legal_basis": r.legal_basis, "public": r.is_public,
             **({"public_content_types": sorted(r.public_content_types)} if r.public_content_types else {}),
             "fields": [{"name": f.name, "label": f.label, "class": str(f.klass), "entity": f.entity}
                        for f in r.fields]}
            for r in self.resources.values()
        ]


class CatalogError(SourceError):
    """The catalog file is invalid."""


def load_catalog(path: str | Path) -> Catalog:
    """Parse and validate a catalog file. Raises CatalogError naming file, line, entry and problem."""
    path = Path(path)
    try:
        doc = load_yaml(path)
    except SourceError as e:
        raise CatalogError(e.path, e.line, e.entry, e.problem) from e
    return _Parser(path, doc).parse()


class _Parser:
    def __init__(self, path: Path, doc):
        self.path, self.doc = path, doc

    def fail(self, node, entry: str, problem: str, key: str | None = None):
        line = None
        if isinstance(node, LineMap):
            line = node.line_of(key) if key else node.line
        raise CatalogError(self.path, line, entry, problem)

    def text(self, node: LineMap, key: str, entry: str, *, required=True, pattern=None) -> str | None:
        value = node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(node, entry, f"missing '{key}'")
            return None
        if not isinstance(value, str):
            self.fail(node, entry, f"'{key}' must be a string, got {type(value).__name__}", key)
        value = value.strip()
        if pattern is not None and not pattern.match(value):
            self.fail(node, entry, f"'{key}' {value!r} is not of the form {pattern.pattern}", key)
        return value

    def unknown_keys(self, node: LineMap, allowed: set[str], entry: str):
        for key in node:
            if key not in allowed:
                self.fail(node, entry, f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})", key)

    def parse(self) -> Catalog:
        doc = self.doc
        if not isinstance(doc, LineMap):
            raise CatalogError(self.path, None, "", "top level must be a mapping with 'departments' and 'resources'")
        self.unknown_keys(doc, {"version", "departments", "resources"}, "catalog")
        depts_raw, res_raw = doc.get("departments"), doc.get("resources")
        if not isinstance(depts_raw, list) or not depts_raw:
            self.fail(doc, "catalog", "'departments' must be a non-empty list", "departments")
        if not isinstance(res_raw, list):
            self.fail(doc, "catalog", "'resources' must be a list", "resources")

        departments: dict[str, Department] = {}
        for i, node in enumerate(depts_raw):
            dept = self.department(node, i)
            if dept.code in departments:
                self.fail(node, f"department {dept.code}", "duplicate department code", "code")
            departments[dept.code] = dept

        resources: dict[str, Resource] = {}
        paths: dict[str, str] = {}
        for i, node in enumerate(res_raw):
            res = self.resource(node, i, departments)
            if res.code in resources:
                self.fail(node, f"resource {res.code}", "duplicate resource code", "code")
            if res.path in paths:
                self.fail(node, f"resource {res.code}", f"path {res.path} already belongs to {paths[res.path]}", "path")
            resources[res.code] = res
            paths[res.path] = res.code

        prefixes = tuple(sorted(((r.path, r) for r in resources.values()), key=lambda p: -len(p[0])))
        nested = self.nested(res_raw, resources)
        canonical = json.dumps(
            {"departments": [vars_of(d) for d in departments.values()],
             "resources": [r for r in Catalog(str(self.path), departments, resources, "").summary()]},
            sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        return Catalog(str(self.path), departments, resources, digest, prefixes, nested)

    def nested(self, res_raw: list, resources: dict[str, Resource]) -> dict[str, tuple[tuple[str, str], ...]]:
        """For each resource, the provider URLs of other entries under its own, longest first. Two entries
        with the same provider URL (ignoring case) but different share attributes are refused: the data would
        be reachable under the more open one."""
        owners: dict[str, str] = {}
        nodes = dict(zip([r.code for r in resources.values()], res_raw, strict=True))
        for res in resources.values():
            key = res.upstream.casefold()
            other = owners.setdefault(key, res.code)
            if resources[other].share is not res.share:
                self.fail(nodes[res.code], f"resource {res.code}", f"its provider URL is also resource {other}'s, "
                          "whose share attribute differs", "upstream_path")
        out: dict[str, tuple[tuple[str, str], ...]] = {}
        for res in resources.values():
            mine = res.upstream.casefold()
            under = [(url, code) for url, code in owners.items() if url.startswith(mine + "/")]
            if under:
                out[res.code] = tuple(sorted(under, key=lambda u: -len(u[0])))
        return out

    def department(self, node, index: int) -> Department:
        entry = f"departments[{index}]"
        if not isinstance(node, LineMap):
            self.fail(self.doc, entry, "must be a mapping", "departments")
        self.unknown_keys(node, {"code", "name", "upstream", "ca_bundle", "applications"}, entry)
        code = self.text(node, "code", entry, pattern=DEPT_RE)
        entry = f"department {code}"
        name = self.text(node, "name", entry)
        upstream = self.text(node, "upstream", entry).rstrip("/")
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.fail(node, entry, f"'upstream' {upstream!r} must be an http(s) URL with a host", "upstream")
        if parts.username or parts.password:
            self.fail(node, entry, "'upstream' must not carry credentials", "upstream")
        if parts.query or parts.fragment:
            self.fail(node, entry, "'upstream' must not carry a query or fragment", "upstream")
        ca = self.text(node, "ca_bundle", entry, required=False)
        if ca is not None:
            ca_path = (self.path.parent / ca) if not Path(ca).is_absolute() else Path(ca)
            if not ca_path.is_file():
                self.fail(node, entry, f"'ca_bundle' {ca} is not a readable file", "ca_bundle")
            ca = str(ca_path)
        return Department(code, name, upstream, ca, self.applications(node, entry))

    def applications(self, node: LineMap, entry: str) -> frozenset[str] | None:
        """`applications:` of a department: a list of {code, name}; None when the key is absent."""
        if "applications" not in node:
            return None
        raw = node.get("applications")
        if not isinstance(raw, list):
            self.fail(node, entry, "'applications' must be a list of {code, name}", "applications")
        codes: set[str] = set()
        for k, app in enumerate(raw):
            where = f"{entry} applications[{k}]"
            if not isinstance(app, LineMap):
                self.fail(node, where, "must be a mapping with code and name", "applications")
            self.unknown_keys(app, {"code", "name"}, where)
            code = self.text(app, "code", where, pattern=APP_CODE_RE)
            self.text(app, "name", f"{entry} application {code}")
            if code in codes:
                self.fail(app, f"{entry} application {code}", "duplicate application code", "code")
            codes.add(code)
        return frozenset(codes)

    def resource(self, node, index: int, departments: dict[str, Department]) -> Resource:
        entry = f"resources[{index}]"
        if not isinstance(node, LineMap):
            self.fail(self.doc, entry, "must be a mapping", "resources")
        self.unknown_keys(node, {"code", "name", "provider", "path", "upstream_path", "share", "legal_basis",
                                 "description", "fields", "public_content_types"}, entry)
        code = self.text(node, "code", entry, pattern=CODE_RE)
        entry = f"resource {code}"
        name = self.text(node, "name", entry)
        provider = self.text(node, "provider", entry)
        if provider not in departments:
            self.fail(node, entry, f"provider {provider!r} is not a listed department", "provider")
        path = self.text(node, "path", entry, pattern=PATH_RE)
        upstream_path = self.text(node, "upstream_path", entry, required=False, pattern=PATH_RE)
        share_raw = self.text(node, "share", entry)
        try:
            share = Share(share_raw)
        except ValueError:
            self.fail(node, entry, f"'share' {share_raw!r} must be one of unconditional, conditional, none", "share")
        legal_basis = self.text(node, "legal_basis", entry, required=False)
        if share is Share.NONE and not legal_basis:
            self.fail(node, entry, "a 'none' (not shared) resource must cite its 'legal_basis'")
        description = self.text(node, "description", entry, required=False) or ""
        fields_raw = node.get("fields", [])
        if not isinstance(fields_raw, list):
            self.fail(node, entry, "'fields' must be a list", "fields")
        fields: list[Field] = []
        seen: set[str] = set()
        for j, fnode in enumerate(fields_raw):
            f = self.field(fnode, f"{entry} fields[{j}]", node)
            if f.name in seen:
                self.fail(fnode, f"{entry} field {f.name}", "duplicate field name", "name")
            seen.add(f.name)
            fields.append(f)
        upstream = departments[provider].upstream + (upstream_path if upstream_path is not None else path)
        by_key = {f.name: f for f in fields}
        return Resource(code, name, provider, path, share, upstream, legal_basis, description, tuple(fields), by_key,
                        self.public_types(node, entry))

    def public_types(self, node: LineMap, entry: str) -> frozenset[str]:
        from .masking.body import declared_public_types

        try:
            return declared_public_types(node.get("public_content_types", []))
        except ValueError as e:
            self.fail(node, entry, f"'public_content_types': {e}", "public_content_types")

    def field(self, fnode, entry: str, parent: LineMap) -> Field:
        if not isinstance(fnode, LineMap):
            self.fail(parent, entry, "must be a mapping with name, label, class", "fields")
        self.unknown_keys(fnode, {"name", "label", "class", "entity"}, entry)
        name = self.text(fnode, "name", entry, pattern=FIELD_RE)
        entry = entry.rsplit(" fields[", 1)[0] + f" field {name}"
        label = self.text(fnode, "label", entry)
        klass_raw = self.text(fnode, "class", entry)
        try:
            klass = FieldClass(klass_raw)
        except ValueError:
            self.fail(fnode, entry, f"'class' {klass_raw!r} must be one of "
                      + ", ".join(c.value for c in FieldClass), "class")
        entity = self.text(fnode, "entity", entry, required=False)
        if entity is not None and entity not in KNOWN_ENTITIES:
            self.fail(fnode, entry, f"'entity' {entity!r} is not a known entity type "
                      f"({', '.join(sorted(KNOWN_ENTITIES))})", "entity")
        return Field(name, label, klass, entity)


def vars_of(d: Department) -> dict:
    return {"code": d.code, "name": d.name, "upstream": d.upstream, "ca_bundle": d.ca_bundle,
            "applications": sorted(d.applications) if d.applications is not None else None}


class CatalogSource:
    """Holds the catalog in force and swaps it atomically when its file changes.

    `current` is what the hot path reads. `check()` (called by the reload loop, never by a hook) re-reads the
    file when its mtime or size changed; an invalid new file keeps the old catalog in force and the error is
    returned so the caller can log it.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._stamp = self._stat()
        self.current: Catalog = load_catalog(self.path)

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def check(self) -> CatalogError | None:
        """Reload when the file changed. Returns the validation error when the new file was refused."""
        stamp = self._stat()
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        try:
            catalog = load_catalog(self.path)
        except CatalogError as e:
            return e
        self.current = catalog
        return None
