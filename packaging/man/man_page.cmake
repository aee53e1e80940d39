# Writes the iorec(1) man page with help2man from the built binary's --help output, plus one
# section per subcommand from `iorec SUBCOMMAND --help`. Run by the build:
#   cmake -DIOREC=<binary> -DHELP2MAN=<help2man> -DSTATIC=<iorec.h2m> -DOUT=<iorec.1> -P man_page.cmake
foreach(var IOREC HELP2MAN STATIC OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "man_page.cmake: -D${var}=... is required")
  endif()
endforeach()

# Run the binary as plain `iorec` so the page does not show the build directory.
get_filename_component(bin_dir "${IOREC}" DIRECTORY)
set(ENV{PATH} "${bin_dir}:$ENV{PATH}")
set(ENV{NO_COLOR} 1)

function(help_of out_var)
  execute_process(COMMAND iorec ${ARGN} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "man_page.cmake: `iorec ${ARGN} --help` failed (${rc}): ${err}")
  endif()
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

# roff: a backslash is \e; a line starting with '.' or "'" would be a request.
function(roff_escape out_var text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

help_of(top)
string(FIND "${top}" "Subcommands:" at)
if(at LESS 0)
  message(FATAL_ERROR "man_page.cmake: no 'Subcommands:' section in `iorec --help`")
endif()
string(SUBSTRING "${top}" ${at} -1 subs_text)
string(REGEX MATCHALL "\n  [a-z][a-z0-9-]*" subs "${subs_text}")

set(commands "[COMMANDS]\n")
foreach(s IN LISTS subs)
  string(STRIP "${s}" s)
  help_of(text ${s})
  roff_escape(text "${text}")
  string(APPEND commands ".SS \"iorec ${s}\"\n.nf\n${text}.fi\n")
endforeach()
file(READ "${STATIC}" static_text)
set(include_file "${OUT}.h2m")
file(WRITE "${include_file}" "${commands}\n${static_text}")

execute_process(
  COMMAND "${HELP2MAN}" --no-info --section=1
          "--name=recommend Lustre and MPI-IO settings for HPC applications"
          "--include=${include_file}" "--output=${OUT}" iorec
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "man_page.cmake: help2man failed (${rc}): ${err}")
endif()
