"""`kulisser migrate` from an installed wheel: build it, install it into a fresh virtual
environment, migrate an empty database (an SQLite file, or a fresh PostgreSQL database on the
PostgreSQL run). No network: the build uses the running environment's setuptools and the fresh
environment borrows the running one's dependencies through a .pth file instead of reinstalling.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from kulisser import migrate
from kulisser.packages import declared, load_models
from tests.conftest import fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = ROOT / "src" / "kulisser" / "migrations" / "versions"

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command that must succeed; return its output."""
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, (args, done.stdout[-4000:], done.stderr[-4000:])
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from a copy of the checkout (the build leaves nothing in it)."""
    tree = tmp_path_factory.mktemp("tree")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    shutil.copytree(ROOT / "src", tree / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"))
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index", "--no-build-isolation",
         "--wheel-dir", dist, tree, cwd=tree)
    (built,) = dist.glob("kulisser-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh virtual environment with the wheel installed; its dependencies are the running ones."""
    home = tmp_path_factory.mktemp("venv") / "env"
    _run(sys.executable, "-m", "venv", "--without-pip", home, cwd=home.parent)
    python = home / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=home).strip())
    # A plain path line: the running environment's packages, but not its .pth files, so the
    # checkout's editable install does not come along and the wheel's copy is the only kulisser.
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "kulisser-test-deps.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index",
         wheel, cwd=home)
    return home


@pytest.fixture()
def empty_url(tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new PostgreSQL database."""
    url, drop = fresh_database_url(tmp_path, "wheel")
    yield url
    drop()  # type: ignore[operator]


def test_the_wheel_carries_every_migration(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"kulisser/migrations/env.py", "kulisser/migrations/script.py.mako"} <= names
    shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith("kulisser/migrations/versions/")}
    assert shipped == {p.name for p in VERSIONS.glob("*.py")}
    assert not any("__pycache__" in n for n in names)


def test_no_migration_outside_the_package() -> None:
    # A revision left in the old top-level folder would be skipped by every `kulisser migrate`.
    stray = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "migrations").rglob("*.py"))
    assert stray == [], f"move these into src/kulisser/migrations/versions/: {stray}"


def test_kulisser_migrate_from_an_installed_wheel(venv: Path, empty_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KULISSER_") and k != "PYTHONPATH"}
    env.update(KULISSER_DATABASE_URL=empty_url, KULISSER_MODE="production",
               KULISSER_SECRET_KEY=secrets.token_urlsafe(36))
    work = tmp_path / "elsewhere"  # no alembic.ini, no migrations/ and no src/ around
    work.mkdir()
    where = _run(venv / "bin" / "python", "-c", "import kulisser; print(kulisser.__file__)",
                 cwd=work, env=env)
    assert where.strip().startswith(str(venv)), where

    out = _run(venv / "bin" / "kulisser", "migrate", cwd=work, env=env)
    assert "migrerad" in out

    engine = create_engine(empty_url)
    try:
        found = {t for t in inspect(engine).get_table_names() if not t.startswith("procrastinate_")}
        assert found == set(load_models(declared()).tables) | {"alembic_version"}
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()
    assert current == head
