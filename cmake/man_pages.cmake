# Writes one man page per emtk command into OUT_DIR: `EMTK --export-help man` for emtk.1, then for
# each subcommand the parser lists in its man page's SUBCOMMANDS section (SeqAn 3 writes
# "- \fBNAME\fP" lines there), recursively: emtk-mix.1, emtk-hmm.1, emtk-hmm-train.1, ...
# Run at build time by the emtk_man_pages target:
#   cmake -DEMTK=path/to/emtk -DOUT_DIR=dir [-DSTAMP=file] -P man_pages.cmake
# The directory is emptied first, so a removed command leaves no stale page.
file(REMOVE_RECURSE ${OUT_DIR})
file(MAKE_DIRECTORY ${OUT_DIR})
# An MPI build runs as a single rank here; a sanitizer build must not fail on SeqAn's exit().
set(ENV{ASAN_OPTIONS} "detect_leaks=0")

function(emtk_man_page words)
  list(PREPEND words emtk)
  list(JOIN words "-" page)
  list(POP_FRONT words)
  execute_process(COMMAND ${EMTK} ${words} --export-help man
                  OUTPUT_VARIABLE text ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT text MATCHES "^\\.TH ")
    string(REPLACE ";" " " shown "${words}")
    message(FATAL_ERROR "man_pages.cmake: 'emtk ${shown} --export-help man' failed (${rc}): ${err}")
  endif()
  file(WRITE ${OUT_DIR}/${page}.1 "${text}")
  # Subcommands: the "- \fBNAME\fP" lines of the .SH SUBCOMMANDS section.
  if(text MATCHES "\n\\.SH SUBCOMMANDS\n(.*)")
    string(REGEX REPLACE "\n\\.SH [^\n]*\n.*" "" section "${CMAKE_MATCH_1}")
    string(REGEX MATCHALL "\n- \\\\fB[A-Za-z0-9_-]+\\\\fP" items "\n${section}")
    foreach(item IN LISTS items)
      string(REGEX REPLACE "^\n- \\\\fB([A-Za-z0-9_-]+)\\\\fP$" "\\1" sub "${item}")
      set(next ${words})
      list(APPEND next ${sub})
      emtk_man_page("${next}")
    endforeach()
  endif()
endfunction()

emtk_man_page("")
if(STAMP)
  file(TOUCH ${STAMP})
endif()
