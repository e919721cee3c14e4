// stb_impl.cpp — the one translation unit that compiles stb_image and stb_image_write (header-only
// libraries from Debian's libstb-dev), with their warnings silenced: they are third-party code.
// Image dimensions are capped so that a hostile file cannot ask for a giant allocation; image_io.cpp
// checks the stricter kMaxImageSide / kMaxImagePixels from the header (stbi_info) before decoding,
// and refuses what stb_image cannot even describe.
#define STBI_MAX_DIMENSIONS 16384
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include <stb_image.h>
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
