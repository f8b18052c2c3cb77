"""The bench counts a gateway's CPU with its masking workers': process_tree finds every descendant."""

from __future__ import annotations

import subprocess
import sys

from bench.run import process_tree
from tests.support.waiting import wait_for


def test_the_process_tree_holds_children_and_grandchildren():
    # A child that starts a grandchild and prints its pid: a gateway -> forkserver -> template -> workers.
    child = subprocess.Popen([sys.executable, "-c", (
        "import subprocess, sys; g = subprocess.Popen([sys.executable, '-c', 'import sys; sys.stdin.read()'],"
        " stdin=subprocess.PIPE); print(g.pid, flush=True); sys.stdin.read(); g.stdin.close(); g.wait()")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        grandchild = int(child.stdout.readline())
        tree = wait_for(lambda: process_tree([child.pid]), until=lambda t: grandchild in t)
        assert tree[0] == child.pid and set(tree) == {child.pid, grandchild}
        assert process_tree([]) == []
    finally:
        child.stdin.close()
        child.wait(30)
