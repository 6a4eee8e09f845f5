"""One JupyterLab server and one headless Chromium, shared by every browser test of the run.

The server runs on a free loopback port with no token, a throw-away HOME and throw-away
settings, workspace and runtime folders; it serves this repository. Each test process loads
JupyterLab once in one page and opens its notebooks there, one after another. The browser is Debian's ``/usr/bin/chromium`` driven by the
Python ``playwright`` package (nothing is ever downloaded). Without that browser the tests
skip, except under CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# A projector or a small laptop: the pictures must be readable here, with the file browser open.
VIEWPORT = {"width": 1024, "height": 768}

# JupyterLab user settings, written into the throw-away settings folder.
LAB_SETTINGS = {
    # Keep every cell in the DOM, not only those on screen, so the tests can see all outputs.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # No news, no update check, and no "would you like news?" pop-up.
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    # Never save: running the notebooks must not write over the files in notebooks/.
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}

# JupyterLab page config: no check whether JupyterLab needs a rebuild (seconds of CPU per page load).
PAGE_CONFIG = {"buildCheck": False, "buildAvailable": False}

# The browser may fetch from this machine only: any other http(s) request is refused.
NOT_LOOPBACK = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")


def in_ci() -> bool:
    """True where the environment says this is continuous integration."""
    return os.environ.get("CI", "") not in ("", "0", "false")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium; skip (or, under CI, fail) if it is not installed."""
    if not CHROMIUM.exists():
        reason = f"no browser at {CHROMIUM}: install it with `apt-get install chromium`"
        if in_ci():
            pytest.fail(reason + " (CI is set, so the browser tests must run)", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that nobody is listening on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_lab_settings(folder: Path) -> None:
    """Write LAB_SETTINGS as JupyterLab user-settings files under ``folder``."""
    for plugin, values in LAB_SETTINGS.items():
        path = folder / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def write_page_config(config_dir: Path) -> None:
    """Write PAGE_CONFIG where JupyterLab reads it: labconfig/ in the Jupyter config folder."""
    path = config_dir / "labconfig" / "page_config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(PAGE_CONFIG))


def lab_command(port: int, scratch: Path) -> list[str]:
    """The command line that starts JupyterLab for the tests."""
    return [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            "--IdentityProvider.token=", f"--ServerApp.root_dir={REPO}",
            f"--LabApp.user_settings_dir={scratch / 'settings'}",
            f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
            "--LabApp.expose_app_in_browser=True",  # to see when a kernel is ready, and shut it down
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.news_url=None",
            "--LabApp.extension_manager=readonly"]


def lab_environment(scratch: Path) -> dict[str, str]:
    """The environment for the server and its kernels: every Jupyter folder is a throw-away one."""
    env = dict(os.environ)
    folders = {"HOME": "home", "JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
               "JUPYTER_RUNTIME_DIR": "runtime", "IPYTHONDIR": "ipython"}
    for variable, name in folders.items():
        (scratch / name).mkdir(parents=True, exist_ok=True)
        env[variable] = str(scratch / name)
    return env


def wait_until_serving(url: str, server: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    """Poll ``url`` until the server answers; fail with the end of its log if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
    pytest.fail(f"JupyterLab did not start at {url}; the end of its log:\n{tail}", pytrace=False)


def stop(server: subprocess.Popen) -> None:
    """Stop the server we started (by its pid), then wait for it to be gone."""
    if server.poll() is None:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture(scope="session")
def jupyter_lab(chromium, tmp_path_factory) -> str:
    """Start JupyterLab once for the whole run; yield its base URL, e.g. http://127.0.0.1:PORT.

    (It asks for ``chromium`` so that, without a browser, no server is started at all.)
    """
    scratch = tmp_path_factory.mktemp("jupyterlab")
    write_lab_settings(scratch / "settings")
    write_page_config(scratch / "config")
    port = free_loopback_port()
    log = scratch / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(lab_command(port, scratch), cwd=REPO, env=lab_environment(scratch),
                                  stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/api", server, log)
        yield base
    finally:
        stop(server)
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(chromium):
    """One headless Chromium for the whole run."""
    with sync_playwright() as playwright:
        chrome = playwright.chromium.launch(executable_path=str(chromium), headless=True,
                                            args=CHROMIUM_FLAGS)
        try:
            yield chrome
        finally:
            chrome.close()


@pytest.fixture(scope="session")
def browser_context(browser):
    """The one browsing context (cookies, viewport) every notebook page opens in."""
    context = browser.new_context(viewport=VIEWPORT)
    context.route(NOT_LOOPBACK, lambda route: route.abort())
    yield context
    context.close()

