"""Run Alembic migrations programmatically (CLI, tests, demo)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

# The migrations ship inside the package (kulisser/migrations), so an installed wheel can
# migrate; Alembic resolves "package:folder" through importlib.resources.
SCRIPT_LOCATION = "kulisser:migrations"
# New revision files are named like the existing ones (alembic.ini says the same for the CLI).
FILE_TEMPLATE = "%(year)d-%(month).2d-%(day).2d_%(slug)s"


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Autogenerate compares our tables only: procrastinate's queue (migration 0008) is its own."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the project's migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    # set_main_option interpolates "%": the template's own signs are doubled.
    cfg.set_main_option("file_template", FILE_TEMPLATE.replace("%", "%%"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind the engine to a revision."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the database behind the engine down to a revision."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
