# web_sdl2.cmake — SDL2 2.26.5 for the web build, as the static library digitlab_sdl2_web
# compiled from third_party/SDL2 (unpacked by scripts/bootstrap.sh) inside this build.
#
# SDL2 ships its Emscripten configuration as a header (include/SDL_config_emscripten.h, chosen by
# SDL_config.h when __EMSCRIPTEN__ is defined), so no configure step is needed: this file lists the
# sources that configuration uses (the platform-neutral core plus the emscripten, dummy, pthread
# and OpenGL ES 2 back ends), the way Emscripten's own SDL2 port compiles them. SDL2's CMake
# configure, used before, ran hundreds of compile checks and cost minutes per web build; with the
# sources compiled directly each build (single-threaded app, threaded twin) compiles SDL2 in about
# a minute and only once. Emscripten's port itself (-sUSE_SDL=2) is not used: it downloads at build
# time and Debian freezes its cache.
#
# In the threaded twin (DIGITLAB_WASM_THREADS) the global -pthread reaches these sources too (a
# shared-memory link refuses objects built without atomics); SDL's own threads stay off (below).
if(NOT EMSCRIPTEN)
  message(FATAL_ERROR "web_sdl2.cmake is for the Emscripten (web) build only")
endif()
if(TARGET digitlab_sdl2_web)
  return()
endif()

get_filename_component(_dl_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(DIGITLAB_SDL2_SOURCE_DIR "${_dl_root}/third_party/SDL2" CACHE PATH
    "SDL2 2.26.5 sources (unpacked by scripts/bootstrap.sh)")
set(_sdl "${DIGITLAB_SDL2_SOURCE_DIR}")
if(NOT EXISTS "${_sdl}/include/SDL_config_emscripten.h")
  message(FATAL_ERROR "SDL2 sources not found in ${_sdl}: run scripts/bootstrap.sh")
endif()

# Every .c file directly in these folders of src/ (files for other platforms compile to nothing
# under SDL's own #if guards, as in Emscripten's port).
set(_sdl_folders
  . atomic audio audio/disk audio/dummy audio/emscripten cpuinfo dynapi events file
  filesystem/emscripten haptic haptic/dummy joystick joystick/emscripten joystick/virtual
  loadso/dlopen locale locale/emscripten misc misc/emscripten power power/emscripten
  render render/opengles2 render/software sensor sensor/dummy stdlib thread timer timer/unix
  video video/dummy video/emscripten video/yuv2rgb)
list(APPEND _sdl_folders thread/generic)
set(_sdl_sources "")
foreach(folder IN LISTS _sdl_folders)
  file(GLOB _found "${_sdl}/src/${folder}/*.c")
  list(APPEND _sdl_sources ${_found})
endforeach()

add_library(digitlab_sdl2_web STATIC ${_sdl_sources})
target_include_directories(digitlab_sdl2_web SYSTEM PUBLIC "${_sdl}/include")
if(DIGITLAB_WASM_THREADS)
  # SDL's threads stay off in the threaded twin too (as in SDL's own Emscripten configuration): with
  # them SDL_Init starts a timer thread, which takes a worker of the page's fixed pool and leaves
  # the trainer's thread pool waiting for a worker that never comes.
  target_compile_definitions(digitlab_sdl2_web PRIVATE SDL_THREADS_DISABLED=1)
endif()
# SDL's own code is not ours to warn about; -O2 as Emscripten's port builds it.
target_compile_options(digitlab_sdl2_web PRIVATE -w -O2)
set_target_properties(digitlab_sdl2_web PROPERTIES C_STANDARD 99 C_EXTENSIONS ON)
