"""The size rule (scripts/check-size): the tree keeps it, and the script
really finds a file or a function that breaks it."""

import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, "scripts", "check-size")


def run(root=None):
    env = dict(os.environ)
    if root:
        env["CHECK_SIZE_ROOT"] = str(root)
    return subprocess.run(["/usr/bin/python3", SCRIPT], capture_output=True, text=True,
                          env=env, timeout=120)


def test_the_tree_keeps_the_rule():
    p = run()
    assert p.returncode == 0, p.stdout + p.stderr


def test_long_file_and_long_functions_are_found(tmp_path):
    (tmp_path / "big.h").write_text("int x;\n" * 1001)
    body = "\n".join("\tx++;" for _ in range(150))
    (tmp_path / "f.c").write_text(
        "static int\nlong_one(int x)\n{\n%s\n\treturn x;\n}\n"
        "int short_one(void) { return 1; }\n" % body)
    (tmp_path / "g.py").write_text(
        "def long_py():\n" + "".join("    a = %d\n" % i for i in range(150)))
    p = run(tmp_path)
    assert p.returncode == 1
    assert "big.h: 1001 lines" in p.stdout
    assert "f.c:2: long_one is 154 lines" in p.stdout
    assert "g.py:1: long_py is 151 lines" in p.stdout
    assert "short_one" not in p.stdout
