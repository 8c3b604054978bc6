# Installing udsdump, its extcap and (plugin/CMakeLists.txt) the plugin
# where the Wireshark we build against looks; included by the top-level
# CMakeLists.txt after every target exists.
include(GNUInstallDirs)

# ---- install ------------------------------------------------------------
#
# Default: udsdump in <prefix>/bin, and the extcap and the plugin in the
# global directories of the Wireshark we build against. -DUDSDUMP_USER_INSTALL=ON:
# the invoking user's personal directories instead (configure and install as
# that user). -DUDSDUMP_CAPTURE_HELPER=ON: also a capture helper,
# <libexec>/udsdump/udsdump-capture, that udsdump runs when it lacks the
# capabilities itself; -DUDSDUMP_SETCAP=ON (global installs, as root) makes
# it group-only (UDSDUMP_CAPTURE_GROUP) with the file capabilities
# cap_bpf,cap_perfmon at install time, like dumpcap. A package sets the
# helper's owner, mode and capabilities in its postinst instead
# (debian/udsdump.postinst): CAPTURE_HELPER on, SETCAP off.
# -DUDSDUMP_EXTCAP_SYMLINK=ON: the extcap is a relative symbolic link to
# the installed udsdump instead of a copy (what the package ships).

option(UDSDUMP_USER_INSTALL
  "Install the extcap and the plugin into your personal Wireshark directories" OFF)
option(UDSDUMP_SETCAP
  "Install a group-only capture helper with file capabilities cap_bpf,cap_perfmon (like dumpcap)" OFF)
option(UDSDUMP_CAPTURE_HELPER
  "Install the capture helper (its group, mode and capabilities set elsewhere, e.g. by a package)" OFF)
option(UDSDUMP_EXTCAP_SYMLINK
  "Install the extcap as a relative symbolic link to the installed udsdump" OFF)
set(UDSDUMP_CAPTURE_GROUP "udsdump" CACHE STRING
  "With UDSDUMP_SETCAP: the group whose members may capture (created if missing)")

# Where the Wireshark we build against looks. wireshark.pc names the global
# plugin directory (plugindir, ending in plugins/<major.minor>); no version
# up to 4.6 names its extcap directory there (`tshark -G folders` does, at
# run time), so a pc variable is used if a future version has one, and
# otherwise the directory is derived from the version, as Wireshark's own
# CMakeLists derive it: up to 4.4 EXTCAP_INSTALL_LIBDIR is
# <libdir>/wireshark/extcap, the sibling of plugins/; from 4.5 (4.6) it is
# <prefix>/libexec/wireshark/extcap. The personal extcap directory moved
# from ~/.config/wireshark/extcap (4.0) to ~/.local/lib/wireshark/extcap
# (4.1+); personal plugins are ~/.local/lib/wireshark/plugins/<maj.min>.
# tests/extcap/test_install.py and scripts/package-matrix compare these
# with `tshark -G folders` of each version.
pkg_check_modules(_WS QUIET wireshark)
pkg_get_variable(_ws_plugindir wireshark plugindir)
pkg_get_variable(_ws_prefix wireshark prefix)
pkg_get_variable(_ws_extcapdir wireshark extcap_dir)
if(NOT _ws_extcapdir)
  pkg_get_variable(_ws_extcapdir wireshark extcapdir)
endif()
set(_ws_version "${_WS_VERSION}")
if(_ws_plugindir MATCHES "/plugins/([0-9]+\\.[0-9]+)$")
  set(_ws_version "${CMAKE_MATCH_1}")
elseif(_ws_version MATCHES "^([0-9]+\\.[0-9]+)")
  set(_ws_version "${CMAKE_MATCH_1}")
endif()
if(NOT _ws_version)
  set(_ws_version "4.0")
  message(STATUS "udsdump: no wireshark.pc (libwireshark-dev): install directories as for Wireshark 4.0")
endif()
if(NOT _ws_prefix)
  set(_ws_prefix "/usr")
endif()
if(NOT _ws_extcapdir)
  if(_ws_version VERSION_GREATER_EQUAL "4.5")
    set(_ws_extcapdir "${_ws_prefix}/libexec/wireshark/extcap")
  elseif(_ws_plugindir MATCHES "^(.*/wireshark)/plugins/[^/]+$")
    set(_ws_extcapdir "${CMAKE_MATCH_1}/extcap")
  elseif(CMAKE_LIBRARY_ARCHITECTURE)
    set(_ws_extcapdir "${_ws_prefix}/lib/${CMAKE_LIBRARY_ARCHITECTURE}/wireshark/extcap")
  else()
    set(_ws_extcapdir "${_ws_prefix}/lib/wireshark/extcap")
  endif()
endif()
set(UDSDUMP_WIRESHARK_VERSION "${_ws_version}" CACHE INTERNAL "major.minor of the Wireshark built against")

if(UDSDUMP_USER_INSTALL)
  set(_home "$ENV{HOME}")
  if(NOT _home)
    message(FATAL_ERROR "UDSDUMP_USER_INSTALL needs HOME")
  endif()
  if(_ws_version VERSION_LESS "4.1")
    set(_def_extcap "${_home}/.config/wireshark/extcap")
  else()
    set(_def_extcap "${_home}/.local/lib/wireshark/extcap")
  endif()
  set(_def_plugin "${_home}/.local/lib/wireshark/plugins/${_ws_version}/epan")
  set(_def_bindir "${_home}/.local/bin")
  set(_def_docdir "${_home}/.local/share/doc/udsdump")
else()
  set(_def_extcap "${_ws_extcapdir}")
  if(_ws_plugindir)
    set(_def_plugin "${_ws_plugindir}/epan")
  endif()
  set(_def_bindir "${CMAKE_INSTALL_FULL_BINDIR}")
  set(_def_docdir "${CMAKE_INSTALL_FULL_DOCDIR}")
endif()

# On the first configure, -D values given for these win; when
# UDSDUMP_USER_INSTALL changes later, the directories follow it.
# UDSDUMP_PLUGIN_INSTALL_DIR is plugin/CMakeLists.txt's cache variable: set
# here (before plugin/ is configured) only for a user install.
if(NOT DEFINED _UDSDUMP_USER_INSTALL_SEEN)
  set(_force "")
else()
  if("${_UDSDUMP_USER_INSTALL_SEEN}" STREQUAL "${UDSDUMP_USER_INSTALL}")
    set(_force "")
  else()
    set(_force FORCE)
  endif()
endif()
set(UDSDUMP_EXTCAP_INSTALL_DIR "${_def_extcap}" CACHE PATH
  "Directory the udsdump extcap is installed into" ${_force})
set(UDSDUMP_BIN_INSTALL_DIR "${_def_bindir}" CACHE PATH
  "Directory the udsdump command is installed into" ${_force})
set(UDSDUMP_DOC_INSTALL_DIR "${_def_docdir}" CACHE PATH
  "Directory the README (the extcap's help page) is installed into" ${_force})
if(UDSDUMP_USER_INSTALL OR _force)
  if(_def_plugin)
    set(UDSDUMP_PLUGIN_INSTALL_DIR "${_def_plugin}" CACHE PATH
      "Directory the udsdump Wireshark plugin is installed into" ${_force})
  endif()
endif()
set(_UDSDUMP_USER_INSTALL_SEEN "${UDSDUMP_USER_INSTALL}" CACHE INTERNAL "")

target_compile_definitions(udsdump_extcap PRIVATE
  UDSDUMP_HELP_URL="file://${UDSDUMP_DOC_INSTALL_DIR}/README.md")

install(TARGETS udsdump RUNTIME DESTINATION ${UDSDUMP_BIN_INSTALL_DIR})
if(UDSDUMP_EXTCAP_SYMLINK)
  file(RELATIVE_PATH _extcap_target "${UDSDUMP_EXTCAP_INSTALL_DIR}" "${UDSDUMP_BIN_INSTALL_DIR}/udsdump")
  install(CODE "
    file(MAKE_DIRECTORY \"\$ENV{DESTDIR}${UDSDUMP_EXTCAP_INSTALL_DIR}\")
    file(CREATE_LINK \"${_extcap_target}\" \"\$ENV{DESTDIR}${UDSDUMP_EXTCAP_INSTALL_DIR}/udsdump\" SYMBOLIC)
    message(STATUS \"Installing: \$ENV{DESTDIR}${UDSDUMP_EXTCAP_INSTALL_DIR}/udsdump -> ${_extcap_target}\")")
else()
  install(PROGRAMS $<TARGET_FILE:udsdump> DESTINATION ${UDSDUMP_EXTCAP_INSTALL_DIR})
endif()
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${UDSDUMP_DOC_INSTALL_DIR})
if(NOT UDSDUMP_USER_INSTALL)
  install(FILES ${CMAKE_SOURCE_DIR}/doc/udsdump.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

if(UDSDUMP_SETCAP OR UDSDUMP_CAPTURE_HELPER)
  if(UDSDUMP_USER_INSTALL)
    message(FATAL_ERROR "UDSDUMP_SETCAP and UDSDUMP_CAPTURE_HELPER need a global install (as root), not UDSDUMP_USER_INSTALL")
  endif()
  set(UDSDUMP_HELPER_PATH "${CMAKE_INSTALL_FULL_LIBEXECDIR}/udsdump/udsdump-capture")
  target_compile_definitions(udsdump_engine PRIVATE UDSDUMP_HELPER_PATH="${UDSDUMP_HELPER_PATH}")
  if(UDSDUMP_SETCAP)
    find_program(SETCAP_PROGRAM setcap PATHS /usr/sbin /sbin REQUIRED)
    find_program(GETCAP_PROGRAM getcap PATHS /usr/sbin /sbin REQUIRED)
    install(PROGRAMS $<TARGET_FILE:udsdump>
      DESTINATION ${CMAKE_INSTALL_FULL_LIBEXECDIR}/udsdump
      RENAME udsdump-capture
      PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
    configure_file(${CMAKE_SOURCE_DIR}/cmake/install-helper.cmake.in
      ${CMAKE_CURRENT_BINARY_DIR}/install-helper.cmake @ONLY)
    install(SCRIPT ${CMAKE_CURRENT_BINARY_DIR}/install-helper.cmake)
  else()
    # Plain 0755 and no capabilities until a postinst sets owner, mode and
    # capabilities (dpkg-statoverride, setcap).
    install(PROGRAMS $<TARGET_FILE:udsdump>
      DESTINATION ${CMAKE_INSTALL_FULL_LIBEXECDIR}/udsdump
      RENAME udsdump-capture)
  endif()
endif()
