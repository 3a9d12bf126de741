# cmake -DCOMPILER=... -DSOURCE=... -DINCLUDE=... [-DEXTRA_INCLUDE=...] -DEXPECT=regex -P first_error.cmake
# The source must fail to compile, and the compiler's FIRST error line must
# match EXPECT: a user reads that line first, so it must name the policy, the
# concept and what is missing.
set(extra "")
if(EXTRA_INCLUDE)
  set(extra -I${EXTRA_INCLUDE})
endif()
execute_process(COMMAND ${COMPILER} -std=c++20 -fsyntax-only ${extra} -I${INCLUDE} ${SOURCE}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled with ${COMPILER}, but must not")
endif()
string(REPLACE "\n" ";" lines "${err}")
set(first "")
foreach(line IN LISTS lines)
  if(line MATCHES ": error: |: fatal error: ")
    set(first "${line}")
    break()
  endif()
endforeach()
if(NOT first MATCHES "${EXPECT}")
  message(FATAL_ERROR "first error of ${COMPILER} does not match \"${EXPECT}\":\n${first}\n\nfull output:\n${err}")
endif()
message(STATUS "first error names it: ${first}")
