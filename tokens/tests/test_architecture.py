"""The package's own imports point down the layers, and form no cycle.

Every module of ``tokens/`` but its tests and migrations is parsed (imports inside functions count
too). Measured with the login pipeline and the feature apps in: 109 modules, 376 imports between
them (module pairs), 2 running back up the layers (the session layer asking the adapter), 0
cycles; before the layers were set, 79 modules, 256 imports, 6 up the layers (the schema and the
login page's renderer importing features' serializers, ``tokens.users`` importing the session
services) and one cycle (``tokens.users`` and the session services).
"""

import ast
from fnmatch import fnmatchcase
from pathlib import Path

from django.test import SimpleTestCase

PACKAGE = Path(__file__).resolve().parents[1]

# The layers, lowest first; a module may import its own layer and those below.
LAYERS = ("foundation", "records", "sessions", "features", "surface")

# Where each module sits: the first pattern that matches its dotted name decides.
PLACES = (
    # Settings, errors and helpers that know no model: token classes, keys, the clock, cookies,
    # Redis commands, metrics and log lines.
    ("tokens.core.degraded", "sessions"),
    ("tokens.store.copies", "sessions"),
    ("tokens.browser.origin", "features"),
    ("tokens", "foundation"),
    ("tokens.conf", "foundation"),
    ("tokens.passwords", "foundation"),
    ("tokens.exceptions", "foundation"),
    ("tokens.parsers", "foundation"),
    ("tokens.negotiation", "foundation"),
    ("tokens.verifier", "foundation"),
    ("tokens.core", "foundation"),
    ("tokens.core.clock", "foundation"),
    ("tokens.core.jws", "foundation"),
    ("tokens.core.statements", "foundation"),
    ("tokens.core.database", "foundation"),
    ("tokens.core.client", "foundation"),
    ("tokens.core.signing_keys", "foundation"),
    ("tokens.context_words", "foundation"),
    ("tokens.core.tokens", "foundation"),
    ("tokens.core.claims", "foundation"),
    ("tokens.store", "foundation"),
    ("tokens.store.*", "foundation"),
    ("tokens.browser", "foundation"),
    ("tokens.browser.*", "foundation"),
    ("tokens.operations", "foundation"),
    ("tokens.operations.metrics", "foundation"),
    ("tokens.operations.batched_metrics", "foundation"),
    ("tokens.operations.logs", "foundation"),
    ("tokens.operations.request_ids", "foundation"),
    ("tokens.languages", "foundation"),
    ("tokens.operations.charts", "foundation"),
    ("tokens.templatetags*", "foundation"),
    ("tokens.lifecycle", "foundation"),
    ("tokens.mfa", "foundation"),
    ("tokens.social", "foundation"),
    ("tokens.management", "foundation"),
    ("tokens.management.commands", "foundation"),
    # The database's rows and the users as the app sees them.
    ("tokens.models", "records"),
    ("tokens.models.*", "records"),
    ("tokens.mfa.models", "records"),
    ("tokens.lifecycle.models", "records"),
    ("tokens.social.models", "records"),
    ("tokens.users", "records"),
    ("tokens.admin_sessions", "records"),
    # The session layer: issue, rotate, find and revoke, the record and its copy together.
    ("tokens.core.*", "sessions"),
    # What the app does with sessions: limits on guessing, authentication, step-up, receivers,
    # accounts, second factors, the error handler, the API's description and login page.
    ("tokens.throttling", "features"),
    ("tokens.authentication", "features"),
    ("tokens.permissions", "features"),
    ("tokens.signals", "features"),
    ("tokens.user_queryset", "features"),
    ("tokens.handlers", "features"),
    ("tokens.schema", "features"),
    ("tokens.renderers", "features"),
    ("tokens.lifecycle.keys", "features"),
    ("tokens.lifecycle.mail", "features"),
    ("tokens.lifecycle.outbox", "features"),
    ("tokens.lifecycle.services", "features"),
    ("tokens.lifecycle.throttling", "features"),
    ("tokens.mfa.totp", "features"),
    ("tokens.mfa.recovery_codes", "features"),
    ("tokens.mfa.passkeys", "features"),
    ("tokens.mfa.factors", "features"),
    ("tokens.social.providers", "features"),
    ("tokens.social.client", "features"),
    ("tokens.social.idtokens", "features"),
    ("tokens.social.flow", "features"),
    ("tokens.social.accounts", "features"),
    ("tokens.social.services", "features"),
    ("tokens.social.doors", "features"),
    ("tokens.social.throttling", "features"),
    ("tokens.mfa.enrolment", "features"),
    ("tokens.adapter", "features"),
    ("tokens.flows", "features"),
    ("tokens.flows.*", "features"),
    # The surface: serializers, views, URLconfs, the admin, checks, commands, the app config.
    ("tokens.*serializers", "surface"),
    ("tokens.*views", "surface"),
    ("tokens.*urls", "surface"),
    ("tokens.oauth", "surface"),
    ("tokens.error_pages", "surface"),
    ("tokens.admin", "surface"),
    ("tokens.admin_login", "surface"),
    ("tokens.admin_user_page", "surface"),
    ("tokens.apps", "surface"),
    ("tokens.mfa.apps", "surface"),
    ("tokens.lifecycle.apps", "surface"),
    ("tokens.social.apps", "surface"),
    ("tokens.social.admin", "surface"),
    ("tokens.social.user_admin", "surface"),
    ("tokens.checks", "surface"),
    ("tokens.operations.*", "surface"),
    ("tokens.management.commands.*", "surface"),
)

# What the session layer (``tokens.core``, ``tokens.store``) never imports: the features and the
# surface built on it.
FEATURES = (
    "tokens.mfa*",
    "tokens.lifecycle*",
    "tokens.social*",
    "tokens.flows*",
    "tokens.*views",
    "tokens.*serializers",
    "tokens.admin",
    "tokens.admin_login",
    "tokens.admin_user_page",
)

# A module's length: past the first, its docstring must say why (a line starting "Long:"); none
# goes past the second.
LONG, LONGEST = 400, 450

# Imports running back up the layers, each with a ``# layer:`` comment on its line saying why.
MOST_BACK_UP = 3


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name, tests and migrations left out."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def import_graph(modules: dict[str, Path]) -> dict[tuple[str, str], list[tuple[Path, int]]]:
    """``(importer, imported)``: where each import of one module of the package by another is."""

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[tuple[str, str], list[tuple[Path, int]]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(), str(path))
        # Imports only type checkers run (``if TYPE_CHECKING:``) are no dependency at run time.
        typing_only = {
            id(inner)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for statement in block.body
            for inner in ast.walk(statement)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            targets = []
            if isinstance(node, ast.Import):
                targets = [known(alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else known(base)
                    for alias in node.names
                ]
            for target in targets:
                if target is not None and target != name:
                    edges.setdefault((name, target), []).append((path, node.lineno))
    return edges


def layer_of(module: str) -> str | None:
    for pattern, layer in PLACES:
        if fnmatchcase(module, pattern):
            return layer
    return None


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as the path that closes it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for following in sorted(graph.get(node, ())):
            if state.get(following) == 1:
                return [*path[path.index(following) :], following]
            if following not in state and (cycle := visit(following)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


class ArchitectureTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.modules = module_files()
        cls.edges = import_graph(cls.modules)

    def imports_of(self, pattern: str) -> list[tuple[str, str]]:
        return sorted(edge for edge in self.edges if fnmatchcase(edge[0], pattern))

    def test_modules_have_one_job_and_stay_short(self):
        for module, path in sorted(self.modules.items()):
            lines = path.read_text().splitlines()
            with self.subTest(module=module, lines=len(lines)):
                self.assertLessEqual(len(lines), LONGEST)
                if len(lines) > LONG:
                    docstring = ast.get_docstring(ast.parse("\n".join(lines))) or ""
                    self.assertIn("\nLong:", f"\n{docstring}", "say at its top why it is long")

    def test_every_module_has_a_layer(self):
        unplaced = sorted(module for module in self.modules if layer_of(module) is None)
        self.assertEqual(unplaced, [], "place these modules in PLACES")

    def test_no_import_cycles(self):
        graph: dict[str, set[str]] = {}
        for importer, imported in self.edges:
            graph.setdefault(importer, set()).add(imported)
        cycle = find_cycle(graph)
        self.assertIsNone(cycle, f"import cycle: {' -> '.join(cycle or ())}")

    def test_imports_point_down_the_layers(self):
        back_up = []
        for (importer, imported), places in sorted(self.edges.items()):
            low, high = layer_of(importer), layer_of(imported)
            if low is None or high is None or LAYERS.index(high) <= LAYERS.index(low):
                continue
            for path, line in places:
                back_up.append(f"{importer} -> {imported}")
                source = path.read_text().splitlines()[line - 1]
                self.assertIn(
                    "# layer:", source, f"{importer} imports {imported} (line {line}) up the layers"
                )
        self.assertLessEqual(len(back_up), MOST_BACK_UP, back_up)

    def test_the_session_layer_imports_no_feature(self):
        for pattern in ("tokens.core*", "tokens.store*"):
            for importer, imported in self.imports_of(pattern):
                with self.subTest(importer=importer, imported=imported):
                    self.assertFalse(
                        any(fnmatchcase(imported, feature) for feature in FEATURES),
                        f"{importer} imports the feature {imported}",
                    )

    def test_schema_and_renderers_import_no_serializers_of_features(self):
        # Features hand them their bodies and forms instead (``@document(...)``,
        # ``renderers.login_form``).
        for importer in ("tokens.schema", "tokens.renderers"):
            imported = [found for source, found in self.edges if source == importer]
            self.assertEqual(
                [name for name in imported if fnmatchcase(name, "tokens.*serializers")], []
            )

    def test_users_and_the_session_layer_do_not_import_each_other(self):
        for _users, imported in self.imports_of("tokens.users"):
            self.assertNotEqual(layer_of(imported), "sessions", imported)
