// image_io.h — images in and out of the CLI: reading PNG/PGM/JPG/BMP/... with stb_image into grey
// levels with bright ink (MNIST's polarity), and writing RGB PNGs with small text captions
// (stb_image_write, stb_easy_font) for `digitlab eval --grid`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "status.h"

namespace digitlab {

struct GreyImage {
  int width = 0, height = 0;
  std::vector<float> pixels;  // (height, width) grey levels in [0, 1]
};

// The largest image read (issue 12, finding 8): checked from the file's header before any pixel
// is decoded, so a small file cannot ask for gigabytes (a 16384x16384 PNG compresses to 1 MB).
constexpr int kMaxImageSide = 8192;
constexpr int64_t kMaxImagePixels = int64_t{4096} * 4096;

// Reads any image stb_image understands; grey, grey+alpha, RGB and RGBA become one grey channel
// (transparent pixels are blended onto a background that contrasts with the opaque strokes).
// Binary PGM/PPM are read here, with their maxval honoured (1 to 65535; others are refused).
dl::Status load_grey_image(const std::string& path, GreyImage* out);
// The same from bytes in memory; `name` is the file's name for messages.
dl::Status decode_grey_image(const uint8_t* bytes, size_t size, const std::string& name, GreyImage* out);

// MNIST digits are bright ink on black. A scan or a drawing is usually dark ink on white: if the
// mean of the image's border is bright, invert. Returns true when it inverted.
bool make_ink_bright(GreyImage* img);

// An RGB canvas for drawing result grids.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // (height, width, 3)
  RgbImage(int w, int h, uint8_t r, uint8_t g, uint8_t b);
  void fill_rect(int x, int y, int w, int h, uint8_t r, uint8_t g, uint8_t b);
  // Draws text with stb_easy_font (about 6x8 pixels a character at scale 1) with its top-left at x, y.
  void text(int x, int y, const std::string& s, int scale, uint8_t r, uint8_t g, uint8_t b);
  // Draws a 28x28 image (784 grey values in [0, 1]) magnified by `scale`, top-left at x, y.
  void digit(int x, int y, const float* image784, int scale);
};
int text_width(const std::string& s);  // at scale 1

dl::Status write_png(const std::string& path, const RgbImage& img);

}  // namespace digitlab
