// fuzz_image.cpp — libFuzzer target for the CLI's image reading (digitlab predict): PNG, JPG, BMP,
// GIF, TGA through stb_image, binary PGM/PPM through image_io's own reader (maxval honoured), the
// dimensions checked from the header before any pixel is decoded (issue 12, finding 8); then what
// predict does with the pixels: ink made bright, MNIST-style preprocessing into 28x28.
//
// Any bytes must be refused with a message or give an image within kMaxImageSide/kMaxImagePixels
// with grey levels in [0, 1]; never a crash, a hang, or a decode of more than the limit.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "image_io.h"
#include "preprocess.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  digitlab::GreyImage img;
  const dl::Status s = digitlab::decode_grey_image(data, size, "fuzz.img", &img);
  if (!s.ok()) {
    if (s.message().empty() || !img.pixels.empty()) std::abort();
    return 0;
  }
  if (img.width < 1 || img.height < 1 || img.width > digitlab::kMaxImageSide || img.height > digitlab::kMaxImageSide ||
      static_cast<int64_t>(img.width) * img.height > digitlab::kMaxImagePixels ||
      img.pixels.size() != static_cast<size_t>(img.width) * static_cast<size_t>(img.height))
    std::abort();
  for (float v : img.pixels)
    if (!(v >= 0.0f && v <= 1.0f)) std::abort();
  digitlab::make_ink_bright(&img);
  std::vector<float> input(dl::kImageSize);
  dl::preprocess_digit(img.pixels.data(), img.width, img.height, input.data());
  for (float v : input)
    if (!std::isfinite(v)) std::abort();
  return 0;
}
