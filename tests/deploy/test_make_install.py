"""`make install` on a stock Debian/Ubuntu Python: bootstrap uv without touching the system Python.

Each test runs the real Makefile in a copy of the project with a PATH built for the case:
- an "externally managed" Python 3.13 (PEP 668: an EXTERNALLY-MANAGED file in its stdlib, where
  `pip install uv` fails) and no uv: uv goes into the private `.uv-bootstrap/` virtualenv;
- uv on PATH: it is used as is, nothing is bootstrapped;
- no Python 3.13 anywhere: one line says what is missing.
No network: uv installs from its cache (UV_OFFLINE=1, warm after the suite's own `make install`),
and pip installs uv from a local wheel of the uv binary that installed this checkout.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ["make", "bash", "sh", "env", "rm", "mkdir", "cp", "cat", "ls", "grep", "sed", "uname", "dirname"]
MARKER = "[externally-managed]\nError=To install Python packages system-wide, use apt (test stand-in).\n"


def _real_uv() -> Path | None:
    """The uv executable that installed this checkout (pyenv shims resolved)."""
    found = shutil.which("uv") or next((str(p) for p in [ROOT / ".uv-bootstrap/bin/uv"] if p.exists()), None)
    if found is None:
        return None
    with open(found, "rb") as head:
        if head.read(2) == b"#!" and shutil.which("pyenv"):  # a shim script, not uv itself
            found = subprocess.run(["pyenv", "which", "uv"], capture_output=True, text=True).stdout.strip()
    return Path(found) if found else None


UV = _real_uv()
pytestmark = pytest.mark.skipif(UV is None, reason="no uv executable to build the offline wheel from")


def _wheel_of(uv: Path, wheelhouse: Path) -> None:
    """A wheel holding the real uv binary, so `pip install uv` works with no index."""
    version = subprocess.run([uv, "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    files = {
        f"uv-{version}.data/scripts/uv": uv.read_bytes(),
        f"uv-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: uv\nVersion: {version}\n".encode(),
        f"uv-{version}.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: py3-none-any\n",
    }
    record = [
        f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}"
        for name, data in files.items()
    ]
    files[f"uv-{version}.dist-info/RECORD"] = (
        "\n".join([*record, f"uv-{version}.dist-info/RECORD,,"]) + "\n"
    ).encode()
    with zipfile.ZipFile(wheelhouse / f"uv-{version}-py3-none-any.whl", "w") as wheel:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o755) << 16  # pip keeps the executable bit
            wheel.writestr(info, data)


def _externally_managed_python(folder: Path) -> Path:
    """A Python 3.13 installation like Debian's: the real interpreter, pip, the PEP 668 marker."""
    base = Path(sys.base_prefix)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    stdlib = folder / "lib" / version
    (stdlib / "site-packages").mkdir(parents=True)
    (folder / "bin").mkdir()
    shutil.copy2(base / "bin" / version, folder / "bin" / version)  # a copy: its prefix is `folder`
    (folder / "bin" / "python3").symlink_to(version)
    for entry in (base / "lib" / version).iterdir():
        if entry.name != "site-packages":
            (stdlib / entry.name).symlink_to(entry)
    for entry in (base / "lib" / version / "site-packages").glob("pip*"):
        (stdlib / "site-packages" / entry.name).symlink_to(entry)
    (stdlib / "EXTERNALLY-MANAGED").write_text(MARKER)
    return folder / "bin"


def _project(folder: Path) -> Path:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        if (ROOT / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, folder / name)
    return folder


def _tools(folder: Path) -> Path:
    folder.mkdir()
    for tool in TOOLS:
        if found := shutil.which(tool):
            (folder / tool).symlink_to(found)
    return folder


def _uv_on_path(folder: Path, calls: Path) -> Path:
    folder.mkdir()
    wrapper = folder / "uv"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\nexec "{UV}" "$@"\n')
    wrapper.chmod(0o755)
    return folder


def make_install(project: Path, *path: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    wheelhouse = tmp / "wheelhouse"
    if not wheelhouse.exists():
        wheelhouse.mkdir()
        assert UV is not None
        _wheel_of(UV, wheelhouse)
    (tmp / "no-managed-pythons").mkdir(exist_ok=True)
    env = {
        k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
    }
    env |= {
        "PATH": os.pathsep.join(map(str, path)),
        "UV_OFFLINE": "1",
        "UV_PYTHON_INSTALL_DIR": str(tmp / "no-managed-pythons"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
    }
    return subprocess.run(
        ["make", "install"], cwd=project, env=env, capture_output=True, text=True, timeout=240
    )


def _python_of(venv: Path) -> str:
    return subprocess.run(
        [venv / "bin" / "python", "--version"], capture_output=True, text=True
    ).stdout.strip()


def test_without_uv_on_an_externally_managed_python_uv_is_bootstrapped_privately(tmp_path: Path) -> None:
    python = _externally_managed_python(tmp_path / "system-python")
    refused = subprocess.run(
        [python / "python3", "-m", "pip", "install", "uv"], capture_output=True, text=True
    )
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr  # the old path
    system_packages = sorted(p.name for p in (python.parent / "lib").rglob("site-packages/*"))

    project = _project(tmp_path / "scribe")
    done = make_install(project, python, _tools(tmp_path / "tools"), tmp=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "uv not found on PATH: installing it into .uv-bootstrap/" in done.stdout
    assert (project / ".uv-bootstrap" / "bin" / "uv").exists()
    assert _python_of(project / ".venv").startswith("Python 3.13")
    assert sorted(p.name for p in (python.parent / "lib").rglob("site-packages/*")) == system_packages
    again = make_install(project, python, tmp_path / "tools", tmp=tmp_path)
    assert again.returncode == 0 and "installing it" not in again.stdout  # bootstrapped once


def test_uv_on_path_is_used_and_nothing_is_bootstrapped(tmp_path: Path) -> None:
    python = _externally_managed_python(tmp_path / "system-python")
    calls = tmp_path / "uv-calls"
    project = _project(tmp_path / "scribe")
    done = make_install(
        project, _uv_on_path(tmp_path / "uv", calls), python, _tools(tmp_path / "tools"), tmp=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (project / ".uv-bootstrap").exists()
    assert calls.read_text().splitlines()[-1] == "sync --frozen --quiet --compile-bytecode"
    assert _python_of(project / ".venv").startswith("Python 3.13")


def test_without_python_313_one_line_says_what_is_missing(tmp_path: Path) -> None:
    project = _project(tmp_path / "scribe")
    done = make_install(
        project, _uv_on_path(tmp_path / "uv", tmp_path / "calls"), _tools(tmp_path / "tools"), tmp=tmp_path
    )
    assert done.returncode != 0
    ours = [line for line in done.stderr.splitlines() if not line.startswith("make: ***")]
    assert ours == [
        "make: Scribe needs Python 3.13 and none was found on PATH (install it, e.g. 'pyenv install 3.13' "
        "or 'apt install python3.13', then run make again)"
    ]
    assert not (project / ".venv").exists()
