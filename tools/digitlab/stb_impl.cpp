// stb_impl.cpp — the one translation unit that compiles stb_image and stb_image_write (header-only
// libraries from Debian's libstb-dev), with their warnings silenced: they are third-party code.
//
// stb_image 2.27 trusts lengths in the file for some allocations (a PNG chunk's length, a zlib
// stream's output, which it doubles up to 4 GB): found by tests/fuzz/fuzz_image. So
// - image_io.cpp checks the dimensions (kMaxImageSide, kMaxImagePixels) from the header before
//   decoding, and refuses what stb cannot even describe;
// - no single allocation of stb_image may exceed kMaxStbAllocation (192 MiB: a 16-bit RGBA PNG of
//   16,777,216 pixels needs 134 MB at once): a larger request fails, and stb reports "outofmem";
// - only the formats the CLI reads are compiled (PGM/PPM are read by image_io.cpp itself).
#include <cstddef>
#include <cstdlib>

namespace {
constexpr size_t kMaxStbAllocation = size_t{192} << 20;
void* stbi_capped_malloc(size_t n) { return n > kMaxStbAllocation ? nullptr : std::malloc(n); }
void* stbi_capped_realloc(void* p, size_t n) { return n > kMaxStbAllocation ? nullptr : std::realloc(p, n); }
}  // namespace

#define STBI_MALLOC(n) stbi_capped_malloc(n)
#define STBI_REALLOC(p, n) stbi_capped_realloc(p, n)
#define STBI_FREE(p) std::free(p)
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_ONLY_TGA
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
