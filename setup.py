"""Packages and assets for the wheel; the project's metadata is in pyproject.toml.

``assets/`` (kv files, fonts, keyboards, locale, receipt templates) ships inside the wheel as
``service_common/assets``, where ``service_common.paths`` looks for it in an installed copy. The fonts
and the compiled catalogs are build products: a wheel built without them would render boxes and
English only, so the build refuses (build them first: ``bash run.sh setup`` or
``python scripts/build_font.py && python scripts/i18n.py compile``).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUILT = ["fonts/KioskSans-Regular.otf", "fonts/KioskSans-Bold.otf", "fonts/MaterialIcons-Regular.ttf"]
LANGUAGES = ["en", "ru", "zh_Hant"]


class BuildWithAssets(build_py):
    """Refuses a wheel whose fonts or .mo catalogs were not built (an editable install needs neither)."""

    def run(self) -> None:
        if not getattr(self, "editable_mode", False):
            assets = HERE / "assets"
            wanted = BUILT + [f"locale/{lang}/LC_MESSAGES/kiosk.mo" for lang in LANGUAGES]
            missing = [name for name in wanted if not (assets / name).is_file()]
            if missing:
                raise SystemExit(
                    "assets not built: "
                    + ", ".join(missing)
                    + " (run: python scripts/build_font.py && python scripts/i18n.py compile)"
                )
        super().run()


FIRST_PARTY = ["kiosk", "service_common", "devices", "screens", "offline_cache", "server_sync", "central"]
# Namespace discovery: data folders (central/static, assets/kv, ...) are packages to setuptools too.
ASSET_DIRS = [
    f"service_common.assets.{name}" for name in find_namespace_packages("assets", exclude=["*__pycache__*"])
]

setup(
    packages=[
        *find_namespace_packages(include=[f"{name}*" for name in FIRST_PARTY], exclude=["*__pycache__*"]),
        "service_common.assets",
        *ASSET_DIRS,
    ],
    package_dir={"service_common.assets": "assets"},
    package_data={
        "central": ["migrations/*.py", "migrations/versions/*.py", "static/*"],
        "service_common.assets": ["**/*"],
    },
    exclude_package_data={"service_common.assets": ["**/*.tmp", "locale/*.pot"]},
    cmdclass={"build_py": BuildWithAssets},
)
