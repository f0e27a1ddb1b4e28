# The consumer tests' fixture (tests/CMakeLists.txt): installs detsim from the
# build tree into an empty prefix and checks that the prefix holds every
# public header, the library and the package files. Run as
#   cmake -DBUILD_DIR=<detsim build> -DPREFIX=<dir> -DSOURCE_DIR=<detsim source>
#         -DINCLUDEDIR=include -DLIBDIR=lib -DLIBRARY=libdetsim.a
#         [-DCONFIG=Release] [-DCLEAN=<dirs to empty too>] -P install.cmake
foreach(var IN ITEMS BUILD_DIR PREFIX SOURCE_DIR INCLUDEDIR LIBDIR LIBRARY)
  if(NOT ${var})
    message(FATAL_ERROR "install.cmake: -D${var}= is required")
  endif()
endforeach()

# Nothing left over from an earlier install may hide a file this one misses.
file(REMOVE_RECURSE ${PREFIX} ${CLEAN})
set(config_args)
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} ${config_args}
                COMMAND_ERROR_IS_FATAL ANY)

set(missing)
file(GLOB_RECURSE headers LIST_DIRECTORIES false RELATIVE ${SOURCE_DIR}/include ${SOURCE_DIR}/include/*)
if(NOT headers)
  message(FATAL_ERROR "no headers under ${SOURCE_DIR}/include")
endif()
foreach(header IN LISTS headers)
  if(NOT EXISTS ${PREFIX}/${INCLUDEDIR}/${header})
    list(APPEND missing ${INCLUDEDIR}/${header})
  endif()
endforeach()
foreach(file IN ITEMS ${LIBDIR}/${LIBRARY} ${LIBDIR}/cmake/detsim/detsimConfig.cmake
                      ${LIBDIR}/cmake/detsim/detsimConfigVersion.cmake ${LIBDIR}/cmake/detsim/detsimTargets.cmake)
  if(NOT EXISTS ${PREFIX}/${file})
    list(APPEND missing ${file})
  endif()
endforeach()
if(missing)
  list(JOIN missing "\n  " missing)
  message(FATAL_ERROR "cmake --install left out of ${PREFIX}:\n  ${missing}")
endif()
list(LENGTH headers count)
message(STATUS "installed detsim to ${PREFIX}: ${count} public headers, ${LIBRARY} and the package files")
