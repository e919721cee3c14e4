# DigitLabDependencies.cmake — the engine's third-party libraries as targets, the same names on
# every platform:
#   Eigen3::Eigen                  Debian's libeigen3-dev (/usr/include/eigen3), header-only
#   nlohmann_json::nlohmann_json   Debian's nlohmann-json3-dev, header-only
#   ZLIB::ZLIB                     zlib1g-dev, natively only: in WebAssembly the browser (and
#                                  Node, for the tests) decompress gzip before the engine sees it
#   Threads::Threads               natively only (WebAssembly gets -pthread from DIGITLAB_WASM_THREADS)

if(EMSCRIPTEN)
  # Emscripten's toolchain confines find_package to its own sysroot. Eigen's headers are portable
  # C++, so look for its package file on the host too.
  find_package(Eigen3 3.3 REQUIRED NO_MODULE NO_CMAKE_FIND_ROOT_PATH)

  # nlohmann/json.hpp lives directly in /usr/include, and that folder must never reach the
  # WebAssembly compiler (it holds the host's C library headers): expose only nlohmann/ through a
  # link in the build tree.
  set(DIGITLAB_JSON_INCLUDE_DIR "/usr/include" CACHE PATH "Folder that contains nlohmann/json.hpp")
  if(NOT EXISTS "${DIGITLAB_JSON_INCLUDE_DIR}/nlohmann/json.hpp")
    message(FATAL_ERROR "nlohmann/json.hpp not found in ${DIGITLAB_JSON_INCLUDE_DIR}: run scripts/bootstrap.sh "
                        "(apt package nlohmann-json3-dev) or set DIGITLAB_JSON_INCLUDE_DIR.")
  endif()
  set(_digitlab_host_headers "${CMAKE_BINARY_DIR}/host_headers")
  file(MAKE_DIRECTORY "${_digitlab_host_headers}")
  file(CREATE_LINK "${DIGITLAB_JSON_INCLUDE_DIR}/nlohmann" "${_digitlab_host_headers}/nlohmann" SYMBOLIC)
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  set_target_properties(nlohmann_json::nlohmann_json PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_digitlab_host_headers}")
else()
  find_package(Eigen3 3.3 REQUIRED NO_MODULE)
  find_package(nlohmann_json 3 REQUIRED)
  find_package(ZLIB REQUIRED)
  find_package(Threads REQUIRED)
endif()
