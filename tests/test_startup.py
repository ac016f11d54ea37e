"""dojo.startup: a kata run keeps the long-lived objects of its imports out of the
garbage collector's full passes, without ever leaving the collector off."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest
from dojoproject import ROOT, dojo_env

from dojo import startup


@pytest.fixture
def gc_state():
    """Put the collector back as the test found it."""
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled_before", [True, False])
def test_imports_run_with_the_collector_off_and_it_is_put_back(gc_state, enabled_before):
    gc.enable() if enabled_before else gc.disable()
    with startup.imports_without_gc():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled_before


def test_the_collector_is_put_back_when_an_import_fails(gc_state):
    gc.enable()
    with pytest.raises(ImportError), startup.imports_without_gc():
        raise ImportError("no module named nowhere")
    assert gc.isenabled()


def test_what_the_imports_made_is_frozen(gc_state):
    before = gc.get_freeze_count()
    with startup.imports_without_gc():
        made = [[i] for i in range(1000)]  # objects the collector tracks
    assert gc.get_freeze_count() >= before + len(made)


def test_collection_is_frozen_once_per_process(monkeypatch, gc_state):
    passes = []
    monkeypatch.setattr(startup, "_collected_once", False)
    monkeypatch.setattr(gc, "collect", lambda *a: passes.append(a) or 0)
    startup.freeze_after_collection()
    startup.freeze_after_collection()  # a second in-process run: nothing more
    assert len(passes) == 1


def test_a_cold_kata_run_freezes_torch_and_its_tests():
    """In a fresh process, as a learner runs a kata: torch's objects (well over
    100,000) are frozen, so pytest's closing `gc.collect()` does not walk them."""
    probe = (
        "import gc, sys, pytest\n"
        "code = pytest.main(['katas/01_neuron', '--impl=reference', '-q',"
        " '-p', 'no:cacheprovider'])\n"
        "print('EXIT', int(code), 'FROZEN', gc.get_freeze_count())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=dojo_env(None), capture_output=True,
        text=True, timeout=120,
    )
    last = proc.stdout.strip().splitlines()[-1].split()
    assert last[:2] == ["EXIT", "0"], proc.stdout[-2000:] + proc.stderr[-2000:]
    assert int(last[3]) > 100_000
