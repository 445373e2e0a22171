"""`nixeval lsp` on a home-manager configuration (settings: `homeManager`,
the trees found through `include`), on a stand-in home-manager of our own
(tests/fixtures/lsp/hm: its entry point's shape)."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsp_client import (
    FIXTURES,
    SERVER,
    change,
    complete,
    cursor,
    diagnostics,
    labels,
    open_doc,
    position,
    ready,
    start,
    until,
)
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio

HM = FIXTURES / "hm"
HOME = HM / "home.nix"


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    await start(lsp_client, {"include": [f"nixpkgs={HM / 'nixpkgs'}",
                                         f"home-manager={HM / 'home-manager'}"],
                             "homeManager": str(HOME)})
    yield
    await lsp_client.shutdown_session()


async def test_home_manager_completion_and_enum_check(client: LanguageClient):
    text = HOME.read_text()
    doc = open_doc(client, HOME)
    await ready(client, doc, position(text, "username"))
    t, pos = cursor(text.replace('home.shell = "zsh";', "home.|"))
    change(client, doc, t, 2)
    assert {"username", "shell"} <= set(labels(await complete(client, doc, pos)))
    bad = text.replace('home.shell = "zsh";', 'home.shell = "tcsh";')
    change(client, doc, bad, 3)
    found = await until(lambda: [d for d in diagnostics(client, doc)
                                 if "`home.shell' is not of type" in d.message],
                        what="the enum check")
    assert found[0].range.start == position(bad, "home.shell")
