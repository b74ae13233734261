# Text files embedded in the library at build time (SQL, word lists, ...).
#
#   include(cmake/embed_text.cmake)
#   w3w_embed_text(<sources_var> <name> <symbol> <file> [<symbol> <file> ...])
#
# generates, in the build directory, generated/<name>.c and generated/<name>.h:
# each <file> (relative to the source directory) becomes `const char <symbol>[]`, its
# bytes as they are plus a terminating NUL (so a file must not contain NUL bytes), and
# the header declares them. Sources include "<name>.h" (generated/ is on the library's
# include path) and the .c is appended to <sources_var>. The files are regenerated
# when an input changes; nothing generated is committed.
#
# The same file, run as a script (cmake -DW3W_EMBED_...=... -P embed_text.cmake), writes
# the two files: that is the build step the function adds.

if(CMAKE_SCRIPT_MODE_FILE)
  # ---- script mode: write generated/<name>.c and .h ---------------------------
  string(REPLACE "|" ";" entries "${W3W_EMBED_ENTRIES}")
  string(MAKE_C_IDENTIFIER "W3W_GENERATED_${W3W_EMBED_NAME}_H" guard)
  string(TOUPPER "${guard}" guard)
  set(from "")
  set(decls "")
  set(defs "")
  list(LENGTH entries n)
  math(EXPR last "${n} - 1")
  foreach(i RANGE 0 ${last} 2)
    math(EXPR j "${i} + 1")
    list(GET entries ${i} symbol)
    list(GET entries ${j} file)
    file(READ "${W3W_EMBED_SOURCE_DIR}/${file}" hex HEX)
    # Sixteen bytes a line: 0xNN, 0xNN, ...
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1, " bytes "${hex}")
    string(REPEAT "0x[0-9a-f][0-9a-f], " 16 line)
    string(REGEX REPLACE "(${line})" "\\1\n\t" bytes "${bytes}")
    string(REGEX REPLACE " \n" "\n" bytes "${bytes}")
    list(APPEND from "${file}")
    string(APPEND decls "/* ${file} */\nextern const char ${symbol}[];\n")
    string(APPEND defs "const char ${symbol}[] = {\n\t${bytes}0x00\n};\n\n")
  endforeach()
  list(JOIN from ", " from)
  set(header "/* Generated from ${from} by cmake/embed_text.cmake — do not edit. */\n")
  file(WRITE "${W3W_EMBED_OUT}.h" "${header}#ifndef ${guard}\n#define ${guard}\n\n${decls}\n#endif\n")
  file(WRITE "${W3W_EMBED_OUT}.c" "${header}#include \"${W3W_EMBED_NAME}.h\"\n\n${defs}")
  return()
endif()

set(W3W_EMBED_TEXT_SCRIPT ${CMAKE_CURRENT_LIST_FILE})

function(w3w_embed_text sources_var name)
  set(entries ${ARGN})
  list(LENGTH entries n)
  math(EXPR odd "${n} % 2")
  if(n EQUAL 0 OR odd)
    message(FATAL_ERROR "w3w_embed_text(${name}): expected <symbol> <file> pairs")
  endif()
  set(inputs "")
  foreach(i RANGE 1 ${n} 2)
    list(GET entries ${i} file)
    list(APPEND inputs ${PROJECT_SOURCE_DIR}/${file})
  endforeach()
  set(out ${PROJECT_BINARY_DIR}/generated/${name})
  get_filename_component(dir ${out} DIRECTORY)
  file(MAKE_DIRECTORY ${dir})
  string(REPLACE ";" "|" packed "${entries}")
  add_custom_command(OUTPUT ${out}.c ${out}.h
    COMMAND ${CMAKE_COMMAND} -DW3W_EMBED_NAME=${name} -DW3W_EMBED_OUT=${out}
      -DW3W_EMBED_SOURCE_DIR=${PROJECT_SOURCE_DIR} "-DW3W_EMBED_ENTRIES=${packed}"
      -P ${W3W_EMBED_TEXT_SCRIPT}
    DEPENDS ${inputs} ${W3W_EMBED_TEXT_SCRIPT}
    COMMENT "Embedding ${name}: ${inputs}"
    VERBATIM)
  # The header too: every source of the target then waits for it.
  set(${sources_var} ${${sources_var}} ${out}.c ${out}.h PARENT_SCOPE)
endfunction()
