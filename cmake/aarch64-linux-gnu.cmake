# Cross build for arm64 (scripts/build-arm64): the host's clang and lld,
# Debian's arm64 packages as the sysroot (the kernel lab's arm64 root,
# `scripts/kernel-lab root-arm64`), given as -DUDSDUMP_SYSROOT=DIR. The BPF
# objects are built by the same clang (-target bpf) for the arm64 syscall
# ABI, since CMAKE_SYSTEM_PROCESSOR says aarch64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(UDSDUMP_SYSROOT "" CACHE PATH "the arm64 root to build against")
# (try_compile's projects read this file again: hand them the sysroot)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES UDSDUMP_SYSROOT)
if(NOT UDSDUMP_SYSROOT OR NOT EXISTS "${UDSDUMP_SYSROOT}/usr/lib/aarch64-linux-gnu")
  message(FATAL_ERROR "-DUDSDUMP_SYSROOT=DIR must name an arm64 root (scripts/kernel-lab root-arm64), not '${UDSDUMP_SYSROOT}'")
endif()
set(CMAKE_SYSROOT "${UDSDUMP_SYSROOT}")

find_program(UDSDUMP_CROSS_CC NAMES clang-14 clang REQUIRED)
set(CMAKE_C_COMPILER "${UDSDUMP_CROSS_CC}")
set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-fuse-ld=lld")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-fuse-ld=lld")

# Programs (clang for BPF, bpftool, pkg-config) are the host's; headers,
# libraries and .pc files only the sysroot's.
set(CMAKE_FIND_ROOT_PATH "${UDSDUMP_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${UDSDUMP_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR} "${UDSDUMP_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${UDSDUMP_SYSROOT}/usr/share/pkgconfig")
