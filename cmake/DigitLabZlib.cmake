# DigitLabZlib.cmake — zlib compiled from source as the static library digitlab_zlib, for the
# WebAssembly build: Emscripten's zlib port would be downloaded from the internet, and Debian's
# Emscripten has a frozen cache. scripts/bootstrap.sh unpacks Debian's zlib source package (or
# the sha256-pinned upstream zlib 1.2.13) into third_party/zlib. Native builds use the system zlib.

set(DIGITLAB_ZLIB_SOURCE_DIR "${PROJECT_SOURCE_DIR}/third_party/zlib" CACHE PATH "zlib source folder (zlib.h, inflate.c, ...)")
set(_digitlab_zlib_names adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback
                         inffast inflate inftrees trees uncompr zutil)
set(_digitlab_zlib_sources "")
foreach(name IN LISTS _digitlab_zlib_names)
  set(_source "${DIGITLAB_ZLIB_SOURCE_DIR}/${name}.c")
  if(NOT EXISTS "${_source}")
    message(FATAL_ERROR "zlib source ${_source} not found: run scripts/bootstrap.sh (it unpacks zlib into third_party/zlib).")
  endif()
  list(APPEND _digitlab_zlib_sources "${_source}")
endforeach()

add_library(digitlab_zlib STATIC ${_digitlab_zlib_sources})
# SYSTEM: zlib's headers are not ours to warn about. Only zlib.h and zconf.h are meant for users.
target_include_directories(digitlab_zlib SYSTEM PUBLIC "${DIGITLAB_ZLIB_SOURCE_DIR}")
# Emscripten provides unistd.h (lseek, read, write for gz*); zlib's configure would detect it.
target_compile_definitions(digitlab_zlib PUBLIC Z_HAVE_UNISTD_H)
set_target_properties(digitlab_zlib PROPERTIES C_STANDARD 99)
