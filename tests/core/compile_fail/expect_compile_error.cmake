# cmake -DBUILD_DIR=<build tree> -DTARGET=<target> [-DCONFIG=<config>] -P expect_compile_error.cmake
#
# Builds TARGET (a compile_fail_* object library, excluded from `all`) and
# passes only if the build fails with detsim::Task's message about what it
# may co_await, and with no other error: the one error a user meets is the
# clear one.
foreach(variable BUILD_DIR TARGET)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "expect_compile_error.cmake needs -D${variable}=...")
  endif()
endforeach()

set(config_option)
if(CONFIG)
  set(config_option --config "${CONFIG}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target "${TARGET}" ${config_option}
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)

# g++ and newer clang say "static assertion failed", older clang "static_assert failed".
string(CONCAT expected "static[_ ]assert(ion)? failed[^\n]*a detsim::Task can only co_await "
              "[^\n]*: other awaitables would resume outside the loop's control")
if(result EQUAL 0)
  message(FATAL_ERROR "${TARGET} compiled, but its co_await must be refused:\n${output}")
endif()
if(NOT output MATCHES "${expected}")
  message(FATAL_ERROR "${TARGET} failed to compile, but without detsim::Task's message:\n${output}")
endif()
string(REGEX MATCHALL "error:" errors "${output}")
list(LENGTH errors error_count)
if(NOT error_count EQUAL 1)
  message(FATAL_ERROR "${TARGET} failed with the message, but with ${error_count} errors, not just it:\n${output}")
endif()
string(REGEX MATCH "${expected}" found "${output}")
message(STATUS "${TARGET} failed to compile, as it must: ${found}")
