# Writes OUTPUT from TEMPLATE with the current git commit (short hash, "-dirty" when the work tree
# has uncommitted changes to tracked files; "unknown" outside a git checkout). Run at build time by
# the emtk_version_header target; the file is only rewritten when its content changes, so an
# unchanged commit does not trigger a rebuild.
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE EMTK_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0 OR EMTK_GIT_COMMIT STREQUAL "")
  set(EMTK_GIT_COMMIT "unknown")
else()
  execute_process(COMMAND git diff --quiet HEAD --
                  WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE _dirty ERROR_QUIET)
  if(NOT _dirty EQUAL 0)
    string(APPEND EMTK_GIT_COMMIT "-dirty")
  endif()
endif()
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
