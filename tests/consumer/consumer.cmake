# The consumer's targets, shared by find_package/ and add_subdirectory/: by
# then detsim::detsim exists, whichever way it came.
find_package(GTest REQUIRED)
find_package(rapidcheck CONFIG REQUIRED)

add_executable(consumer ${CMAKE_CURRENT_LIST_DIR}/main.cpp)
target_link_libraries(consumer PRIVATE detsim::detsim)

# What README.md ("Testing with detsim") tells users to link, and no more.
add_executable(consumer_testing_test ${CMAKE_CURRENT_LIST_DIR}/testing_test.cpp)
target_link_libraries(consumer_testing_test PRIVATE detsim::detsim GTest::gtest_main rapidcheck)

enable_testing()
add_test(NAME consumer COMMAND consumer)
add_test(NAME consumer_testing_test COMMAND consumer_testing_test)
set_tests_properties(consumer_testing_test PROPERTIES ENVIRONMENT "RC_PARAMS=seed=7 max_success=50")

# What README.md ("Your own scenarios") tells users to link for a command
# line over their own scenarios: detsim::main, and no more.
add_executable(consumer_cli ${CMAKE_CURRENT_LIST_DIR}/../cli/user_example.cpp)
target_link_libraries(consumer_cli PRIVATE detsim::main)
add_test(NAME consumer_cli COMMAND consumer_cli list)
set_tests_properties(consumer_cli PROPERTIES PASS_REGULAR_EXPRESSION "double_withdrawal")
