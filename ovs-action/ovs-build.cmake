# The patched Open vSwitch (shared/design.md, "Open vSwitch"): Debian 12's
# openvswitch-source tarball (OVS 3.1.0) is unpacked into the build tree,
# our patch series (ovs-action/patches/*.patch, in order) is applied, and the
# result is bootstrapped, configured with AF_XDP support and built, with the
# translator core (libnat64core.a, C++ behind the C ABI in include/nat64/)
# linked into every OVS program.  The programs the product uses are copied
# to build/bin/ and the schema to build/share/openvswitch/.
#
# Rebuilds without manual steps:
#   - a patch is edited, added or removed -> the tree is unpacked afresh,
#     re-patched, re-bootstrapped, re-configured and rebuilt;
#   - the core changes -> the glue object is removed from the OVS tree, so
#     make recompiles it and relinks every program with the new core.
include(ExternalProject)

set(NAT64_OVS_TARBALL /usr/src/openvswitch/openvswitch.tar.gz
    CACHE FILEPATH "Open vSwitch source tarball (Debian package openvswitch-source)")
if(NOT EXISTS ${NAT64_OVS_TARBALL})
  message(FATAL_ERROR "${NAT64_OVS_TARBALL} not found: install the openvswitch-source package "
                      "(sudo scripts/install-deps.sh) or configure with -DNAT64_BUILD_OVS=OFF")
endif()

cmake_host_system_information(RESULT _nat64_ncpu QUERY NUMBER_OF_LOGICAL_CORES)
set(NAT64_OVS_JOBS ${_nat64_ncpu} CACHE STRING "Parallel jobs for Open vSwitch's make")

file(GLOB NAT64_OVS_PATCHES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/patches/*.patch)
list(SORT NAT64_OVS_PATCHES)
# The series itself, rewritten only when a patch is added or removed, so that
# a removed patch also means a fresh tree (a changed patch shows in its own
# time stamp).
list(JOIN NAT64_OVS_PATCHES "\n" _nat64_series)
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/ovs/patch-series.txt CONTENT "${_nat64_series}\n" @ONLY)

# The programs shared/design.md lists, as paths in the OVS tree, and
# the one more that Debian's openvswitch-common ships.
set(NAT64_OVS_PROGRAMS
    vswitchd/ovs-vswitchd
    ovsdb/ovsdb-server
    ovsdb/ovsdb-tool
    utilities/ovs-vsctl
    utilities/ovs-ofctl
    utilities/ovs-appctl
    utilities/ovs-dpctl
    ovsdb/ovsdb-client)

set(NAT64_OVS_DIR ${CMAKE_BINARY_DIR}/ovs)
set(NAT64_OVS_SRC ${NAT64_OVS_DIR}/openvswitch)  # not src/: the stamps live there
set(_ovs_installed)
foreach(p IN LISTS NAT64_OVS_PROGRAMS)
  get_filename_component(_name ${p} NAME)
  list(APPEND _ovs_installed ${CMAKE_BINARY_DIR}/bin/${_name})
endforeach()
set(NAT64_OVS_SCHEMA ${CMAKE_BINARY_DIR}/share/openvswitch/vswitch.ovsschema)

ExternalProject_Add(openvswitch
  PREFIX ${NAT64_OVS_DIR}
  SOURCE_DIR ${NAT64_OVS_SRC}
  URL ${NAT64_OVS_TARBALL}
  DOWNLOAD_EXTRACT_TIMESTAMP OFF
  BUILD_IN_SOURCE ON
  DEPENDS nat64core
  PATCH_COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ovs-patch.sh ${NAT64_OVS_PATCHES}
  # boot.sh (autoreconf): the patches add files to lib/automake.mk.
  CONFIGURE_COMMAND ./boot.sh
  # Debian's python3, whatever python3 comes first in PATH: it has the
  # modules (python3-netaddr, -pyparsing, -pytest) that upstream's Python
  # flow-parser tests need; with another one they would silently skip.
  # Debian's directories (prefix /usr, /etc/openvswitch for the database,
  # /var/run/openvswitch, /var/log/openvswitch): the programs are the ones
  # packaging/build-debs.sh puts into the drop-in openvswitch-switch and
  # -common packages, whose scripts and units expect those defaults.  The
  # tests never rely on them: they run every daemon in a private directory.
  COMMAND ./configure --prefix=/usr --localstatedir=/var --sysconfdir=/etc
          --enable-afxdp --enable-Werror PYTHON3=/usr/bin/python3
          CPPFLAGS=-I${PROJECT_SOURCE_DIR}/include
          "LIBS=$<TARGET_FILE:nat64core> -lstdc++"
  # "all": naming single programs would skip automake's BUILT_SOURCES.
  BUILD_COMMAND make -j${NAT64_OVS_JOBS}
  INSTALL_COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/bin
                  ${CMAKE_BINARY_DIR}/share/openvswitch
  COMMAND ${CMAKE_COMMAND} -E copy ${NAT64_OVS_PROGRAMS} ${CMAKE_BINARY_DIR}/bin/
  COMMAND ${CMAKE_COMMAND} -E copy vswitchd/vswitch.ovsschema ${NAT64_OVS_SCHEMA}
  BUILD_BYPRODUCTS ${_ovs_installed} ${NAT64_OVS_SCHEMA} ${NAT64_OVS_SRC}/lib/.libs/libopenvswitch.a
  LOG_DOWNLOAD ON
  LOG_PATCH ON
  LOG_CONFIGURE ON
  LOG_BUILD ON
  LOG_INSTALL ON
  LOG_OUTPUT_ON_FAILURE ON)

# A changed patch series means a fresh tree: make the patches inputs of the
# unpack step (it removes the old tree before extracting).
ExternalProject_Add_StepDependencies(openvswitch download ${NAT64_OVS_PATCHES}
                                     ${CMAKE_BINARY_DIR}/ovs/patch-series.txt
                                     ${CMAKE_CURRENT_SOURCE_DIR}/ovs-patch.sh)

# A changed core means a relink: nothing in OVS's makefiles knows about
# libnat64core.a, so remove the glue object; make then recompiles it and
# relinks libopenvswitch and every program from it.
ExternalProject_Add_Step(openvswitch relink
  COMMAND ${CMAKE_COMMAND} -E rm -f lib/nat64-glue.lo lib/nat64-glue.o
  WORKING_DIRECTORY ${NAT64_OVS_SRC}
  DEPENDEES configure
  DEPENDERS build
  DEPENDS nat64core
  COMMENT "Open vSwitch: relink with the translator core")
