# web_sdl2.cmake — SDL2 2.26.5 for the web build, compiled from third_party/SDL2 with the same
# Emscripten toolchain. Emscripten's own SDL port (-sUSE_SDL=2) is not used: it downloads at build
# time, and Debian's Emscripten cache is frozen.
#
# SDL2 is configured, built and installed once, at configure time, into DIGITLAB_SDL2_WEB_PREFIX
# (default: <build>/sdl2-install, i.e. build/web/sdl2-install for the web preset). Later configures
# find the stamp file there and skip the ~3 minute build; delete the folder to rebuild it.
#
# Defines the imported target digitlab_sdl2_web (libSDL2.a + its include folder).
if(NOT EMSCRIPTEN)
  message(FATAL_ERROR "web_sdl2.cmake is for the Emscripten (web) build only")
endif()
if(TARGET digitlab_sdl2_web)
  return()
endif()

get_filename_component(_dl_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(DIGITLAB_SDL2_SOURCE_DIR "${_dl_root}/third_party/SDL2" CACHE PATH
    "SDL2 2.26.5 sources (unpacked by scripts/bootstrap.sh)")
set(DIGITLAB_SDL2_WEB_PREFIX "${CMAKE_BINARY_DIR}/sdl2-install" CACHE PATH
    "Where SDL2 for the web is installed (built once at configure time)")

set(_sdl2_lib "${DIGITLAB_SDL2_WEB_PREFIX}/lib/libSDL2.a")
set(_sdl2_stamp "${DIGITLAB_SDL2_WEB_PREFIX}/digitlab-sdl2.stamp")
# The stamp names what the library was built from and with; a change rebuilds it.
# With DIGITLAB_WASM_THREADS it is compiled with -pthread: a shared-memory link refuses objects
# built without atomics.
set(_sdl2_c_flags "")
if(DIGITLAB_WASM_THREADS)
  set(_sdl2_c_flags "-pthread")
endif()
set(_sdl2_stamp_text "SDL2 2.26.5 built by ${CMAKE_C_COMPILER} ${CMAKE_C_COMPILER_VERSION}\n")
if(_sdl2_c_flags)
  string(APPEND _sdl2_stamp_text "with ${_sdl2_c_flags}\n")
endif()
set(_sdl2_up_to_date OFF)
if(EXISTS "${_sdl2_lib}" AND EXISTS "${_sdl2_stamp}")
  file(READ "${_sdl2_stamp}" _sdl2_old_stamp)
  if(_sdl2_old_stamp STREQUAL _sdl2_stamp_text)
    set(_sdl2_up_to_date ON)
  endif()
endif()

if(NOT _sdl2_up_to_date)
  if(NOT EXISTS "${DIGITLAB_SDL2_SOURCE_DIR}/CMakeLists.txt")
    message(FATAL_ERROR "SDL2 sources not found in ${DIGITLAB_SDL2_SOURCE_DIR}: run scripts/bootstrap.sh")
  endif()
  if(NOT CMAKE_TOOLCHAIN_FILE)
    message(FATAL_ERROR "The web build needs the Emscripten toolchain file (configure with emcmake or the web preset)")
  endif()
  set(_sdl2_build "${CMAKE_BINARY_DIR}/sdl2-build")
  message(STATUS "Building SDL2 2.26.5 for the web into ${DIGITLAB_SDL2_WEB_PREFIX} (once; a few minutes)")
  set(_sdl2_generator -G "${CMAKE_GENERATOR}")
  if(CMAKE_MAKE_PROGRAM)
    list(APPEND _sdl2_generator "-DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}")
  endif()
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -S "${DIGITLAB_SDL2_SOURCE_DIR}" -B "${_sdl2_build}" ${_sdl2_generator}
            "-DCMAKE_TOOLCHAIN_FILE=${CMAKE_TOOLCHAIN_FILE}"
            "-DCMAKE_C_FLAGS=${_sdl2_c_flags}"
            -DCMAKE_BUILD_TYPE=Release -DSDL_SHARED=OFF -DSDL_STATIC=ON -DSDL_TEST=OFF
            "-DCMAKE_INSTALL_PREFIX=${DIGITLAB_SDL2_WEB_PREFIX}"
    RESULT_VARIABLE _sdl2_rv OUTPUT_FILE "${CMAKE_BINARY_DIR}/sdl2-configure.log"
    ERROR_FILE "${CMAKE_BINARY_DIR}/sdl2-configure.log")
  if(NOT _sdl2_rv EQUAL 0)
    message(FATAL_ERROR "Configuring SDL2 for the web failed; see ${CMAKE_BINARY_DIR}/sdl2-configure.log")
  endif()
  execute_process(
    COMMAND "${CMAKE_COMMAND}" --build "${_sdl2_build}" --parallel 2 --target install
    RESULT_VARIABLE _sdl2_rv OUTPUT_FILE "${CMAKE_BINARY_DIR}/sdl2-build.log"
    ERROR_FILE "${CMAKE_BINARY_DIR}/sdl2-build.log")
  if(NOT _sdl2_rv EQUAL 0 OR NOT EXISTS "${_sdl2_lib}")
    message(FATAL_ERROR "Building SDL2 for the web failed; see ${CMAKE_BINARY_DIR}/sdl2-build.log")
  endif()
  file(WRITE "${_sdl2_stamp}" "${_sdl2_stamp_text}")
endif()

add_library(digitlab_sdl2_web STATIC IMPORTED GLOBAL)
set_target_properties(digitlab_sdl2_web PROPERTIES
  IMPORTED_LOCATION "${_sdl2_lib}"
  INTERFACE_INCLUDE_DIRECTORIES "${DIGITLAB_SDL2_WEB_PREFIX}/include/SDL2")
