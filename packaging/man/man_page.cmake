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

# A command's help as roff paragraphs (command_roff.pl), so man fills it to the terminal.
get_filename_component(pkg_man_dir "${CMAKE_CURRENT_LIST_FILE}" DIRECTORY)
find_program(PERL perl)
if(NOT PERL)
  message(FATAL_ERROR "man_page.cmake: perl not found (help2man needs it too)")
endif()
function(command_roff out_var name text)
  set(help_file "${OUT}.${name}.help")
  file(WRITE "${help_file}" "${text}")
  execute_process(COMMAND "${PERL}" "${pkg_man_dir}/command_roff.pl" INPUT_FILE "${help_file}"
                  OUTPUT_VARIABLE roff RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "man_page.cmake: command_roff.pl failed on `iorec ${name} --help`: ${err}")
  endif()
  file(REMOVE "${help_file}")
  set(${out_var} "${roff}" PARENT_SCOPE)
endfunction()

help_of(top)
string(FIND "${top}" "Subcommands:" at)
if(at LESS 0)
  message(FATAL_ERROR "man_page.cmake: no 'Subcommands:' section in `iorec --help`")
endif()
string(SUBSTRING "${top}" ${at} -1 subs_text)
string(REGEX MATCHALL "\n  [a-z][a-z0-9-]*" subs "${subs_text}")

set(commands "[COMMANDS]\nEvery command also takes the global options above (\\fB\\-h\\fR, \\fB\\-q\\fR, \\fB\\-\\-log\\-level\\fR, \\fB\\-\\-version\\fR), before or after its name.\n")
foreach(s IN LISTS subs)
  string(STRIP "${s}" s)
  help_of(text ${s})
  command_roff(text ${s} "${text}")
  string(APPEND commands ".SS \"iorec ${s}\"\n${text}")
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
