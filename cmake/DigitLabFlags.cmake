# DigitLabFlags.cmake — the compile and link flags of DigitLab's own targets, as two INTERFACE
# targets instead of global CMAKE_CXX_FLAGS, so third-party code (GoogleTest, SDL2, ImGui, zlib)
# keeps its own flags:
#
#   digitlab_options   the build mode: -march=native, -msimd128, sanitizers, fuzzing
#                      instrumentation. digitlab_engine links it PUBLIC, so everything that links
#                      the engine is compiled the same way (this matters: Eigen's object layout
#                      depends on the vector ISA, and ASan wants every caller instrumented).
#   digitlab_warnings  -Wall -Wextra. Link it PRIVATE from each of our targets:
#                        target_link_libraries(my_target PRIVATE digitlab_engine digitlab_warnings)
# Not for: third-party sources, which are compiled with their defaults.

add_library(digitlab_options INTERFACE)
add_library(digitlab_warnings INTERFACE)

if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(digitlab_warnings INTERFACE -Wall -Wextra)
endif()

if(EMSCRIPTEN)
  # WebAssembly SIMD: LLVM auto-vectorises the GEMM loops to 128-bit lanes (about 3x without it).
  target_compile_options(digitlab_options INTERFACE -msimd128)
  target_link_options(digitlab_options INTERFACE -msimd128)
  if(DIGITLAB_NATIVE_CPU OR DIGITLAB_SANITIZE OR DIGITLAB_FUZZ)
    message(FATAL_ERROR "DIGITLAB_NATIVE_CPU, DIGITLAB_SANITIZE and DIGITLAB_FUZZ are for native builds; "
                        "turn them off for Emscripten (the web preset does).")
  endif()
endif()

if(DIGITLAB_NATIVE_CPU)
  # For the CLI's training speed (AVX2/AVX-512 through Eigen): the binaries then need a CPU like
  # the one that built them. Off in the asan and fuzz presets.
  target_compile_options(digitlab_options INTERFACE -march=native)
endif()

if(DIGITLAB_SANITIZE AND DIGITLAB_FUZZ)
  message(FATAL_ERROR "DIGITLAB_FUZZ already instruments with ASan + UBSan; leave DIGITLAB_SANITIZE off.")
endif()

if(DIGITLAB_SANITIZE)
  # Any report is a failure: -fno-sanitize-recover makes UBSan abort like ASan does.
  target_compile_options(digitlab_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(digitlab_options INTERFACE -fsanitize=address,undefined)
endif()

if(DIGITLAB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "DIGITLAB_FUZZ needs clang (libFuzzer); configure with the fuzz preset "
                        "(CMAKE_CXX_COMPILER=clang++-14).")
  endif()
  # The library gets coverage instrumentation without libFuzzer's main(); each fuzz target adds
  # -fsanitize=fuzzer at link time (tests/fuzz/CMakeLists.txt).
  target_compile_options(digitlab_options INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(digitlab_options INTERFACE -fsanitize=address,undefined)
  target_compile_definitions(digitlab_options INTERFACE FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
endif()
