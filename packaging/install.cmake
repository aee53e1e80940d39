# What `cmake --install` puts where, and the Debian package (`cpack` in the build directory):
#   bin/iorec                                   the program
#   share/man/man1/iorec.1.gz                   generated from --help with help2man
#   share/bash-completion/completions/iorec     reads the options from --help
#   share/iorec/examples/                       the default study, its workloads, the fio example
#   share/doc/iorec/                            README, LICENSE, docs/
include(GNUInstallDirs)
set(IOREC_PKG_DIR ${PROJECT_SOURCE_DIR}/packaging)

install(TARGETS iorec RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/iorec/examples
        USE_SOURCE_PERMISSIONS)
install(FILES ${IOREC_PKG_DIR}/bash-completion/iorec
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE
              ${IOREC_PKG_DIR}/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# Off by default in sanitizer builds: running an instrumented binary at build time may report
# leaks inside XGBoost and fail the build.
if(IOREC_SANITIZE)
  set(man_default OFF)
else()
  set(man_default ON)
endif()
option(IOREC_MAN_PAGE "Generate and install the man page (needs help2man)" ${man_default})
if(IOREC_MAN_PAGE)
  find_program(HELP2MAN_EXECUTABLE help2man)
  find_program(GZIP_EXECUTABLE gzip)
  if(HELP2MAN_EXECUTABLE AND GZIP_EXECUTABLE)
    set(man ${CMAKE_CURRENT_BINARY_DIR}/iorec.1)
    add_custom_command(
      OUTPUT ${man}.gz
      COMMAND ${CMAKE_COMMAND} -DIOREC=$<TARGET_FILE:iorec> -DHELP2MAN=${HELP2MAN_EXECUTABLE}
              -DSTATIC=${IOREC_PKG_DIR}/man/iorec.h2m -DOUT=${man}
              -P ${IOREC_PKG_DIR}/man/man_page.cmake
      COMMAND ${GZIP_EXECUTABLE} -9nf ${man}
      DEPENDS iorec ${IOREC_PKG_DIR}/man/man_page.cmake ${IOREC_PKG_DIR}/man/iorec.h2m
              ${IOREC_PKG_DIR}/man/command_roff.pl
      COMMENT "Generating the iorec(1) man page with help2man"
      VERBATIM)
    add_custom_target(iorec_man ALL DEPENDS ${man}.gz)
    install(FILES ${man}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  else()
    message(WARNING "help2man or gzip not found: no man page (scripts/install-deps.sh installs "
                    "help2man; or configure with -DIOREC_MAN_PAGE=OFF)")
  endif()
endif()

# The Debian package: run `cpack` in the build directory (needs dpkg-dev for
# dpkg-shlibdeps, which computes Depends from the libraries the binary links).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME iorec)
set(CPACK_PACKAGE_VENDOR "the iorec authors")
set(CPACK_PACKAGE_CONTACT "the iorec authors <iorec@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "recommends Lustre and MPI-IO settings for HPC applications")
set(CPACK_PACKAGE_DESCRIPTION
    "iorec finds good Lustre striping, Lustre client RPC and MPI-IO collective-buffering \
settings for HPC applications with as few tuning trials as possible (warm start, then active \
learning on local or Slurm testbeds), and recommends settings for new applications from their \
Darshan I/O profile.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Plots are drawn with gnuplot when present; Slurm studies need its client commands.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnuplot-nox")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "slurm-client, fio")
include(CPack)
