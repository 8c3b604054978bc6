"""The syscall ABI the BPF programs decode, per architecture
(bpf/lib/syscall_abi.h): its numbers against the kernel headers of each
architecture, the engine built for arm64 as well as for this host, and
any other architecture refused at configure time with one line.

The arm64 programs run for real in the kernel lab's arm64 guests
(`scripts/build-arm64`, `scripts/kernel-lab arm64`, in CI's lab stage)."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ABI = ROOT / "bpf" / "lib" / "syscall_abi.h"
# The kernel's own tables, as Debian's linux-libc-dev installs them.
HEADERS = {
    "x86": Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
    "arm64": Path("/usr/include/asm-generic/unistd.h"),
}
VARIANTS = ([], ["-DUDS_KFUNCS=0"], ["-DUDS_KFUNCS=0", "-DUDS_LEGACY=1"],
            ["-DUDS_KFUNCS=0", "-DUDS_LEGACY=1", "-DUDS_RAW_TP=1"])
# The saved registers each architecture's programs may read (vmlinux_min.h).
REGISTERS = {
    "x86": {"orig_ax", "di", "si", "dx", "r10", "r8", "r9"},
    "arm64": {"regs", "orig_x0", "syscallno"},
}


def abi_numbers(arch):
    """NR_name -> number in syscall_abi.h's section for ARCH."""
    text = ABI.read_text()
    m = re.search(r"#(?:el)?if defined\(__TARGET_ARCH_%s\)(.*?)#(?:elif|else)" % arch,
                  text, re.S)
    assert m, "no section for %s in %s" % (arch, ABI)
    return {k: int(v) for k, v in re.findall(r"#define NR_(\w+) (\d+)", m.group(1))}


def kernel_numbers(arch):
    """__NR_name -> number in the kernel's header, one level of
    indirection resolved (arm64's __NR_sendfile is __NR3264_sendfile)."""
    defs = dict(re.findall(r"#define (__NR\w+)\s+(\w+)", HEADERS[arch].read_text()))
    out = {}
    for k, v in defs.items():
        v = defs.get(v, v)
        if k.startswith("__NR_") and v.isdigit():
            out[k[len("__NR_"):]] = int(v)
    return out


@pytest.mark.parametrize("arch", sorted(HEADERS))
def test_syscall_numbers_are_the_kernels(arch):
    ours, kernel = abi_numbers(arch), kernel_numbers(arch)
    assert len(ours) >= 18, ours
    wrong = {k: (v, kernel.get(k)) for k, v in ours.items() if kernel.get(k) != v}
    assert not wrong, "NR_name: (ours, the kernel's): %s" % wrong


def test_every_number_the_programs_use_is_defined_for_both():
    used = set()
    for f in list((ROOT / "bpf").glob("*.c")) + list((ROOT / "bpf" / "lib").glob("*.h")):
        if f != ABI:
            used |= set(re.findall(r"\bNR_(\w+)", f.read_text()))
    assert used, "the programs name no syscall"
    for arch in HEADERS:
        assert used <= set(abi_numbers(arch)), (arch, used - set(abi_numbers(arch)))


def bpf_object(tmp_path, arch, defines):
    obj = tmp_path / ("%s%s.bpf.o" % (arch, "".join(defines).replace("-D", "_")))
    subprocess.run(["clang", "-g", "-O2", "-target", "bpf", "-D__TARGET_ARCH_" + arch]
                   + defines + ["-Wall", "-Wno-unused-function", "-Werror",
                                "-I", str(ROOT / "include"), "-I", str(ROOT / "bpf"),
                                "-c", str(ROOT / "bpf" / "udsdump.bpf.c"), "-o", str(obj)],
                   check=True, capture_output=True, text=True)
    return obj


def pt_regs_fields(obj):
    """The members of struct pt_regs in the object's BTF: the registers its
    CO-RE relocations name."""
    dump = subprocess.run(["bpftool", "btf", "dump", "file", str(obj)], check=True,
                          capture_output=True, text=True).stdout
    m = re.search(r"STRUCT 'pt_regs' size=\d+ vlen=(\d+)\n((?:\t.*\n)+)", dump)
    assert m, "no struct pt_regs in %s" % obj
    return set(re.findall(r"^\t'(\w+)'", m.group(2), re.M))


@pytest.mark.parametrize("defines", VARIANTS, ids=lambda d: " ".join(d) or "default")
@pytest.mark.parametrize("arch", ["x86", "arm64"])
def test_engine_builds_for_each_architecture(tmp_path, arch, defines):
    """Every object of the ladder compiles for both ABIs, and reads only
    that architecture's registers."""
    fields = pt_regs_fields(bpf_object(tmp_path, arch, defines))
    assert fields and fields <= REGISTERS[arch], fields


def test_other_architecture_is_refused_at_configure(tmp_path):
    toolchain = tmp_path / "riscv64.cmake"
    toolchain.write_text("set(CMAKE_SYSTEM_NAME Linux)\nset(CMAKE_SYSTEM_PROCESSOR riscv64)\n")
    p = subprocess.run(["cmake", "-S", str(ROOT), "-B", str(tmp_path / "b"),
                        "-DCMAKE_TOOLCHAIN_FILE=" + str(toolchain)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode != 0
    said = " ".join(p.stderr.split())
    assert "decodes the syscalls of x86-64 and arm64 only, not riscv64" in said, p.stderr
