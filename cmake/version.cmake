# The one place udsdump's version is written: project(VERSION) of the
# top-level CMakeLists.txt and of plugin/ (built alone too) read it.
set(UDSDUMP_VERSION 0.1.0)
