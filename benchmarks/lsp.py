"""``nixeval lsp`` on a real NixOS tree (nixpkgs 17.03): the latencies an
editor feels, in a warm session.

    NIXEVAL_TREE_NIXPKGS_1703=/path/to/nixpkgs-17.03 python benchmarks/lsp.py [--repeat N] [--json]

The server runs as editors run it (``python -m nixeval lsp``, LSP over its
standard input and output), on a small server configuration written into a
temporary directory. Measured, after the first evaluation (reported too):

- completion p95 over N requests at several places (a dotted path, inside
  ``users.users.alice``, an enum's values), with no evaluation running, and
  again while a re-evaluation runs in the background (target: 100 ms);
- hover p95 the same way (target: 50 ms);
- time to diagnostics for the edited file after a change: the fast ones
  (an undeclared option, a string given to a Boolean: from the last good
  option tree, target 1 s) and lint's (a full evaluation), reported apart;
- resident memory of the server and its evaluator process, now and at
  their peaks, summed (target: 1.5 GB).

Skips with the reason when the tree is absent."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CONFIG = """\
{ config, pkgs, lib, ... }:
{
  boot.loader.grub.device = "/dev/sda";
  fileSystems."/".device = "/dev/sda1";
  networking.hostName = "web1";
  services.openssh.enable = true;
  services.openssh.permitRootLogin = "no";
  services.timesyncd.enable = true;
  networking.firewall.allowedTCPPorts = [ 22 80 ];
  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" ]; };
}
"""
TARGETS = {"completion_p95_ms": 100, "hover_p95_ms": 50, "fast_diagnostics_s": 1.0,
           "rss_mb": 1536}


def say(text: str) -> None:
    print(f"lsp benchmark: {text}", file=sys.stderr, flush=True)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def pos(text: str, marker: str, after: int = 0) -> Any:
    from lsprotocol import types

    offset = text.index(marker) + after
    line = text.count("\n", 0, offset)
    return types.Position(line, offset - (text.rfind("\n", 0, offset) + 1))


def rss_mb(pid: int) -> tuple[float, float]:
    """The process's resident set size now and at its peak, in MB."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (the server's evaluator)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return out


async def run(tree: str, repeat: int) -> dict[str, Any]:
    from lsprotocol import types
    from pytest_lsp import ClientServerConfig, client_capabilities

    work = Path(tempfile.mkdtemp(prefix="nixeval-lsp-bench-"))
    config = work / "configuration.nix"
    config.write_text(CONFIG)
    doc = config.resolve().as_uri()
    client = await ClientServerConfig(
        server_command=[sys.executable, "-m", "nixeval", "lsp"]).start()
    out: dict[str, Any] = {"tree": tree}
    try:
        t0 = time.monotonic()
        await client.initialize_session(types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"), root_uri=work.as_uri(),
            initialization_options={"nixeval": {"include": [f"nixpkgs={tree}"],
                                                "config": str(config)}}))
        version = 1
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(doc, "nix", version, CONFIG)))
        probe = pos(CONFIG, "openssh.enable", 1)
        while True:  # until the first evaluation's snapshot answers
            h = await client.text_document_hover_async(types.HoverParams(
                types.TextDocumentIdentifier(doc), probe))
            if h is not None:
                break
            if time.monotonic() - t0 > 600:
                raise RuntimeError("the first evaluation did not finish in 10 minutes")
            await asyncio.sleep(0.1)
        await wait_idle(client)
        out["first_evaluation_s"] = round(time.monotonic() - t0, 2)
        say(f"first evaluation: {out['first_evaluation_s']} s")

        def edit(text: str) -> None:
            nonlocal version
            version += 1
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=doc),
                [types.TextDocumentContentChangeWholeDocument(text)]))

        completions = [  # (buffer, position): what an editor sends while typing
            (CONFIG.replace("networking.hostName", "services.open"),
             pos(CONFIG, "networking.hostName", len("services.open"))),
            (CONFIG.replace("services.timesyncd.enable = true;", "services.openssh."),
             pos(CONFIG, "services.timesyncd.enable", len("services.openssh."))),
            (CONFIG.replace("isNormalUser = true;", "isNormalUser = true; "),
             pos(CONFIG, "isNormalUser = true;", len("isNormalUser = true; "))),
            (CONFIG.replace('permitRootLogin = "no";', "permitRootLogin = "),
             pos(CONFIG, 'permitRootLogin = "no";', len("permitRootLogin = "))),
        ]
        hovers = [pos(CONFIG, m, 1) for m in ("openssh.enable", "hostName", "isNormalUser",
                                               "allowedTCPPorts", "permitRootLogin")]

        async def measure(busy: bool) -> tuple[list[float], list[float], int]:
            comp_ms, hover_ms, items = [], [], 0
            for i in range(repeat):
                text, where = completions[i % len(completions)]
                edit(text)  # a change: the worker re-evaluates in the background
                t = time.perf_counter()
                result = await client.text_document_completion_async(types.CompletionParams(
                    types.TextDocumentIdentifier(doc), where))
                comp_ms.append((time.perf_counter() - t) * 1000)
                items += len(result.items) if result is not None else 0
                edit(CONFIG)
                t = time.perf_counter()
                await client.text_document_hover_async(types.HoverParams(
                    types.TextDocumentIdentifier(doc), hovers[i % len(hovers)]))
                hover_ms.append((time.perf_counter() - t) * 1000)
                if not busy:
                    await wait_idle(client)
            return comp_ms, hover_ms, items

        # idle: each request after the evaluation its edit started is over
        comp, hov, items = await measure(busy=False)
        say("idle requests done")
        out["completion_p95_ms"] = round(p95(comp), 1)
        out["completion_median_ms"] = round(statistics.median(comp), 1)
        out["hover_p95_ms"] = round(p95(hov), 1)
        out["hover_median_ms"] = round(statistics.median(hov), 1)
        out["completion_items_mean"] = round(items / len(comp), 1)
        # busy: the requests come while the background evaluation runs
        comp, hov, _ = await measure(busy=True)
        say("requests during evaluations done")
        out["completion_p95_ms_during_evaluation"] = round(p95(comp), 1)
        out["hover_p95_ms_during_evaluation"] = round(p95(hov), 1)
        await wait_idle(client)

        fast, full = [], []
        mistakes = [("services.openssh.enable = true;", "services.openssh.enabel = true;",
                     "unknown-option"),
                    ("services.openssh.enable = true;", 'services.openssh.enable = "yes";',
                     "type-error")]
        for i in range(max(2, repeat // 10)):
            old, new, code = mistakes[i % len(mistakes)]
            client.diagnostics.pop(doc, None)
            t = time.monotonic()
            edit(CONFIG.replace(old, new))
            first = None
            while True:
                found = [d for d in client.diagnostics.get(doc, []) if d.code == code]
                if found and first is None:
                    first = time.monotonic() - t
                if any(not (d.data or {}).get("fast") for d in found):
                    full.append(time.monotonic() - t)
                    break
                if time.monotonic() - t > 600:
                    raise RuntimeError("lint's diagnostics never came")
                await asyncio.sleep(0.005)
            fast.append(first)
            edit(CONFIG)
            await wait_idle(client)
        out["fast_diagnostics_s"] = round(max(fast), 3)
        out["fast_diagnostics_s_median"] = round(statistics.median(fast), 3)
        out["lint_diagnostics_s"] = round(max(full), 2)
        out["lint_diagnostics_s_median"] = round(statistics.median(full), 2)
        server = client._server.pid
        now, peak = rss_mb(server)
        out["rss_server_mb"] = round(now)
        for child in children(server):  # the evaluator process
            c_now, c_peak = rss_mb(child)
            out["rss_evaluator_mb"] = round(c_now)
            out["rss_evaluator_peak_mb"] = round(c_peak)
            now, peak = now + c_now, peak + c_peak
        out["rss_mb"] = round(now)  # both processes
        out["rss_peak_mb"] = round(peak)
        await client.shutdown_session()
    finally:
        await client.stop()
    return out


async def wait_idle(client: Any) -> None:
    """Until the server has ended every progress it began (its evaluations)."""
    await asyncio.sleep(0.4)  # past the debounce: the evaluation has begun
    while True:
        reports = client.progress_reports.values()
        if all(r and type(r[-1]).__name__ == "WorkDoneProgressEnd" for r in reports):
            return
        await asyncio.sleep(0.05)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=40, help="requests of each kind (40)")
    ap.add_argument("--json", action="store_true", help="the numbers as JSON")
    args = ap.parse_args()
    tree = os.environ.get("NIXEVAL_TREE_NIXPKGS_1703")
    if not tree or not os.path.isfile(os.path.join(tree, "nixos", "lib", "eval-config.nix")):
        print("skipped: set NIXEVAL_TREE_NIXPKGS_1703 to a nixpkgs 17.03 checkout "
              f"(got {tree!r})")
        return 0
    out = asyncio.run(run(os.path.abspath(tree), args.repeat))
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    for key, value in out.items():
        target = TARGETS.get(key)
        mark = "" if target is None else ("  ok" if value <= target else f"  OVER {target}")
        print(f"{key:40} {value}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
