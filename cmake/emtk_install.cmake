# Install rules, the exported CMake package and the Debian package (included from the top-level
# CMakeLists.txt when EMTK_INSTALL is on, the default for a top-level build). docs/install.md
# describes the layout.
#
#   Runtime component     bin/emtk, share/man/man1/emtk*.1, share/doc/emtk/{LICENSE,...}
#   Development component include/emtk/**, lib/libemtk_*.a, lib/cmake/emtk/*.cmake
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/emtk DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT Development FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_BINARY_DIR}/generated/emtk/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/emtk COMPONENT Development)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/CITATION.cff
              ${PROJECT_SOURCE_DIR}/CHANGELOG.md ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT Runtime)

set(EMTK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/emtk)
install(EXPORT emtkTargets NAMESPACE emtk:: DESTINATION ${EMTK_CMAKE_DIR} COMPONENT Development)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/emtkConfig.cmake.in
  ${PROJECT_BINARY_DIR}/emtkConfig.cmake INSTALL_DESTINATION ${EMTK_CMAKE_DIR})
# 0.x: a minor release may break the API, so only the same MAJOR.MINOR is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/emtkConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/emtkConfig.cmake ${PROJECT_BINARY_DIR}/emtkConfigVersion.cmake
        DESTINATION ${EMTK_CMAKE_DIR} COMPONENT Development)

# --- CPack: one .deb per component, `cpack -G DEB` in the build tree -------------------------
#   emtk      the tool and its man pages; Depends from dpkg-shlibdeps on bin/emtk (libhts3,
#             libgomp1, zlib1g, libbz2-1.0, libstdc++6, libc6, ...)
#   emtk-dev  headers, static libraries, CMake package; Depends on emtk and the -dev packages
#             emtkConfig.cmake looks for.
set(CPACK_PACKAGE_NAME emtk)
set(CPACK_PACKAGE_VENDOR "The emtk developers")
set(EMTK_DEB_MAINTAINER "The emtk developers <emtk@users.noreply.github.com>" CACHE STRING
    "Maintainer field of the .deb packages (Name <address>)")
set(CPACK_PACKAGE_CONTACT "${EMTK_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_INSTALL_DIRECTORY emtk)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_COMPONENTS_ALL Runtime Development)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/emtk/emtk")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME emtk)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
  "${PROJECT_DESCRIPTION}\n emtk mix, emtk hmm (train, search, align, emit, logo), emtk cov and emtk impute:\n finite mixtures, profile HMMs, copy number from read depth and genotype\n imputation, each fitted by expectation-maximisation on one shared core.")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME emtk-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(_emtk_dev_depends "emtk (= ${PROJECT_VERSION}), libhts-dev, zlib1g-dev, libbz2-dev, pkg-config")
if(EMTK_MPI)
  string(APPEND _emtk_dev_depends ", libopenmpi-dev")
endif()
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS "${_emtk_dev_depends}")
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION
  "emtk's libraries for C++ projects\n Headers, static libraries and the CMake package (find_package(emtk); targets\n emtk::util, emtk::em, emtk::mix, emtk::seq, emtk::hmm, emtk::cov, emtk::geno).")
set(CPACK_COMPONENT_DEVELOPMENT_DEPENDS Runtime)
include(CPack)
