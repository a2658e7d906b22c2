# emtk_add_module(NAME [PUBLIC targets...] [PRIVATE targets...])
#
# Defines the static library emtk_NAME (alias and exported name emtk::NAME) from every
# src/NAME/*.cpp (globbed with CONFIGURE_DEPENDS: a new source file needs no CMake edit), with the
# public headers include/emtk/NAME/ (installed from include/emtk by cmake/emtk_install.cmake).
#
# PRIVATE dependencies of a static library still appear in its exported link interface (as
# $<LINK_ONLY:...>), so a consumer of the installed package must be able to find each of them:
# cmake/emtkConfig.cmake.in finds the same packages. Header-only build dependencies (SeqAn 3) are
# passed as $<BUILD_INTERFACE:...> by the module and their link needs named instead.
function(emtk_add_module name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "PUBLIC;PRIVATE")
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(emtk_${name} STATIC ${sources})
  add_library(emtk::${name} ALIAS emtk_${name})
  set_target_properties(emtk_${name} PROPERTIES
    EXPORT_NAME ${name}
    ARCHIVE_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
  target_include_directories(emtk_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/generated>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # OpenMP is public: include/emtk/em/e_step.hpp (included by fit.hpp) has `#pragma omp` and <omp.h>.
  # emtk_options (warnings, sanitizer) only while building emtk itself.
  target_link_libraries(emtk_${name}
    PUBLIC $<BUILD_INTERFACE:emtk_options> OpenMP::OpenMP_CXX ${arg_PUBLIC}
    PRIVATE ${arg_PRIVATE})
  if(EMTK_INSTALL)
    install(TARGETS emtk_${name} EXPORT emtkTargets
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development)
  endif()
endfunction()
