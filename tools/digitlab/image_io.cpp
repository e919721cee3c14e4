// image_io.cpp — see image_io.h. stb's implementations are compiled in stb_impl.cpp.
#include "image_io.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>

#include <stb_image.h>
#include <stb_image_write.h>

#include "model_io.h"  // read_file_bytes
#include "numbers.h"
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include <stb_easy_font.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace digitlab {

namespace {

constexpr size_t kMaxImageFileBytes = size_t{64} << 20;

// Width and height against the limits, before any pixel is decoded.
dl::Status check_dimensions(uint64_t w, uint64_t h, const std::string& name) {
  if (w == 0 || h == 0)
    return dl::Status::Error("the image '" + name + "' is " + std::to_string(w) + "x" + std::to_string(h) +
                             " pixels: it has no pixels");
  if (w > static_cast<uint64_t>(kMaxImageSide) || h > static_cast<uint64_t>(kMaxImageSide) ||
      w * h > static_cast<uint64_t>(kMaxImagePixels))
    return dl::Status::Error("the image '" + name + "' is " + std::to_string(w) + "x" + std::to_string(h) +
                             " pixels; images of at most " + dl::with_commas(kMaxImagePixels) +
                             " pixels (e.g. 4096x4096) and " + dl::with_commas(kMaxImageSide) +
                             " pixels a side are read: scale it down first");
  return dl::Status::Ok();
}

// Binary PGM (P5) and PPM (P6), read here rather than by stb_image: stb 2.27 neither notices a
// truncated file (it returns uninitialised pixels) nor honours maxval (a maxval-15 image read as
// almost black). Samples are scaled by maxval (1 to 65535; 16-bit samples big-endian) and clamped.
// Returns false (and leaves *st alone) when the bytes are not a P5/P6 file.
bool decode_pnm(const uint8_t* b, size_t size, const std::string& name, GreyImage* out, dl::Status* st) {
  if (size < 2 || b[0] != 'P' || (b[1] != '5' && b[1] != '6')) return false;
  const bool colour = b[1] == '6';
  size_t i = 2;
  uint64_t v[3] = {0, 0, 0};  // width, height, maxval
  const char* field[3] = {"width", "height", "maxval"};
  for (int f = 0; f < 3; ++f) {
    for (;;) {  // whitespace and comments
      while (i < size && std::isspace(b[i])) ++i;
      if (i < size && b[i] == '#') {
        while (i < size && b[i] != '\n') ++i;
      } else {
        break;
      }
    }
    if (i >= size || !std::isdigit(b[i])) {
      *st = dl::Status::Error("the image '" + name + "' is a damaged PGM/PPM file: its header has no " + field[f]);
      return true;
    }
    while (i < size && std::isdigit(b[i])) {
      v[f] = v[f] * 10 + static_cast<uint64_t>(b[i++] - '0');
      if (v[f] > (uint64_t{1} << 32)) v[f] = uint64_t{1} << 32;  // saturate: far above every limit
    }
  }
  if (i >= size || !std::isspace(b[i])) {
    *st = dl::Status::Error("the image '" + name + "' is a damaged PGM/PPM file: no whitespace after maxval");
    return true;
  }
  ++i;  // the single whitespace character after maxval
  const uint64_t w = v[0], h = v[1], maxval = v[2];
  if (maxval < 1 || maxval > 65535) {
    *st = dl::Status::Error("the image '" + name + "' has maxval " + std::to_string(maxval) +
                            "; a PGM/PPM maxval must be from 1 to 65535");
    return true;
  }
  if (!(*st = check_dimensions(w, h, name)).ok()) return true;
  const uint64_t channels = colour ? 3 : 1, bytes_per = maxval > 255 ? 2 : 1;
  const uint64_t need = w * h * channels * bytes_per;  // at most 16,777,216 * 6: no overflow
  const uint64_t have = size - i;
  if (have < need) {
    *st = dl::Status::Error("the image '" + name + "' is truncated: its header promises " + std::to_string(w) + "x" +
                            std::to_string(h) + " pixels (" + std::to_string(need) + " bytes) but only " +
                            std::to_string(have) + " bytes follow");
    return true;
  }
  const uint8_t* p = b + i;
  const float scale = 1.0f / static_cast<float>(maxval);
  auto sample = [&](size_t k) {
    const uint32_t s = bytes_per == 2 ? (uint32_t{p[2 * k]} << 8 | p[2 * k + 1]) : p[k];
    return std::min(1.0f, static_cast<float>(s) * scale);
  };
  const size_t count = static_cast<size_t>(w * h);
  std::vector<float> lum(count);  // (h, w)
  for (size_t k = 0; k < count; ++k)
    lum[k] = colour ? 0.299f * sample(3 * k) + 0.587f * sample(3 * k + 1) + 0.114f * sample(3 * k + 2) : sample(k);
  out->width = static_cast<int>(w);
  out->height = static_cast<int>(h);
  out->pixels = std::move(lum);
  *st = dl::Status::Ok();
  return true;
}

// stb_image 2.27 (Debian 12) trusts a JPEG's Huffman table sizes: a DHT table whose 16 code
// counts add up to more than 256 makes stbi__build_huffman and the value copy write past their
// 257- and 256-entry arrays (found by tests/fuzz/fuzz_image; stb 2.28 refuses it the same way).
// So every DHT segment of a JPEG, before and between scans, is checked here first; stbi_info reads
// them too, so this runs before anything of stb sees the file.
dl::Status check_jpeg_tables(const uint8_t* b, size_t size, const std::string& name) {
  // A JPEG as stb sees one: 0xFF, any number of 0xFF fill bytes, then SOI (0xD8).
  if (size < 2 || b[0] != 0xFF) return dl::Status::Ok();
  size_t i = 0;
  while (i + 1 < size && b[i + 1] == 0xFF) ++i;
  if (i + 1 >= size || b[i + 1] != 0xD8) return dl::Status::Ok();  // not a JPEG
  const dl::Status bad =
      dl::Status::Error("cannot read '" + name + "' as an image: its JPEG Huffman tables are damaged or truncated");
  i += 2;
  while (i + 1 < size) {
    if (b[i] != 0xFF) {
      ++i;
      continue;
    }                                              // stray bytes: stb decides what they mean
    while (i + 1 < size && b[i + 1] == 0xFF) ++i;  // fill bytes
    if (i + 1 >= size) break;
    const uint8_t m = b[i + 1];
    if (m == 0xD9) break;  // end of image
    if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
      i += 2;
      continue;
    }  // no length
    // A segment that runs past the end of the file: stb reads zeros there (or a DHT's counts from
    // what follows), so it is refused here.
    if (i + 3 >= size) return bad;
    const size_t len = (size_t{b[i + 2]} << 8) | b[i + 3];  // includes its own two bytes
    const size_t start = i + 4, end = i + 2 + len;
    if (len < 2 || end > size) return bad;
    if (m == 0xC4) {  // DHT: tables of 1 + 16 + n bytes
      for (size_t p = start; p < end;) {
        if (p + 17 > end) return bad;
        size_t n = 0;
        for (int k = 1; k <= 16; ++k) n += b[p + k];
        if (n > 256) return bad;
        p += 17 + n;
      }
    }
    i = end;
    if (m == 0xDA) {  // a scan: its entropy-coded data runs to the next marker that is not 00 or RSTn
      while (i + 1 < size && !(b[i] == 0xFF && b[i + 1] != 0x00 && !(b[i + 1] >= 0xD0 && b[i + 1] <= 0xD7))) ++i;
    }
  }
  return dl::Status::Ok();
}

}  // namespace

dl::Status load_grey_image(const std::string& path, GreyImage* out) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return dl::Status::Error("the image '" + path + "' does not exist");
    return dl::Status::Error("cannot open the image '" + path + "': " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return dl::Status::Error("'" + path + "' is a folder, not an image");
  std::vector<uint8_t> bytes;
  dl::Status s = dl::read_file_bytes(path, kMaxImageFileBytes, &bytes);
  if (!s) return s;
  return decode_grey_image(bytes.data(), bytes.size(), path, out);
}

dl::Status decode_grey_image(const uint8_t* bytes, size_t size, const std::string& name, GreyImage* out) {
  dl::Status s;
  if (decode_pnm(bytes, size, name, out, &s)) return s;
  if (size > kMaxImageFileBytes)
    return dl::Status::Error("the image '" + name + "' is " + std::to_string(size) + " bytes, more than the limit of " +
                             std::to_string(kMaxImageFileBytes) + " bytes");
  if (!(s = check_jpeg_tables(bytes, size, name)).ok()) return s;
  const int len = static_cast<int>(size);
  int w = 0, h = 0, n = 0;
  auto unreadable = [&](const std::string& why) {
    return dl::Status::Error("cannot read '" + name + "' as an image (PNG, PGM, JPG, BMP, GIF, TGA): " + why);
  };
  // The dimensions from the header first (stbi_info reads no pixels), then the pixels: nothing is
  // decoded that stb_image cannot describe or that is over the limits.
  if (!stbi_info_from_memory(bytes, len, &w, &h, &n)) {
    const std::string why = stbi_failure_reason() ? stbi_failure_reason() : "unknown reason";
    if (why == "too large")
      return unreadable("it is larger than " + dl::with_commas(kMaxImagePixels) +
                        " pixels (e.g. 4096x4096), the most that is read");
    return unreadable(why);
  }
  if (w <= 0 || h <= 0) return unreadable("it has " + std::to_string(w) + "x" + std::to_string(h) + " pixels");
  if (!(s = check_dimensions(static_cast<uint64_t>(w), static_cast<uint64_t>(h), name)).ok()) return s;
  unsigned char* data = stbi_load_from_memory(bytes, len, &w, &h, &n, 0);
  if (!data) return unreadable(stbi_failure_reason() ? stbi_failure_reason() : "unknown reason");
  if (!(s = check_dimensions(static_cast<uint64_t>(w), static_cast<uint64_t>(h), name)).ok() || n < 1 || n > 4) {
    stbi_image_free(data);
    return s.ok() ? dl::Status::Error("cannot read '" + name + "': " + std::to_string(n) + " channels") : s;
  }
  const size_t count = static_cast<size_t>(w) * static_cast<size_t>(h);
  const bool has_alpha_channel = n == 2 || n == 4;
  std::vector<float> lum(count), alpha(has_alpha_channel ? count : 0);  // (h, w) each
  bool has_alpha = false;
  for (size_t i = 0; i < count; ++i) {
    const unsigned char* p = data + i * static_cast<size_t>(n);
    if (n <= 2) lum[i] = p[0] / 255.0f;
    else lum[i] = (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) / 255.0f;
    if (has_alpha_channel) {
      alpha[i] = p[n - 1] / 255.0f;
      if (p[n - 1] != 255) has_alpha = true;
    }
  }
  stbi_image_free(data);

  if (has_alpha) {
    // Strokes drawn on a transparent canvas: put them on a background of the opposite brightness,
    // so that black strokes and white strokes both stay visible.
    double sum = 0;
    long opaque = 0;
    for (size_t i = 0; i < count; ++i)
      if (alpha[i] >= 0.5f) {
        sum += lum[i];
        ++opaque;
      }
    const float bg = (opaque > 0 && sum / opaque > 0.5) ? 0.0f : 1.0f;
    for (size_t i = 0; i < count; ++i) lum[i] = alpha[i] * lum[i] + (1.0f - alpha[i]) * bg;
  }
  out->width = w;
  out->height = h;
  out->pixels = std::move(lum);
  return dl::Status::Ok();
}

bool make_ink_bright(GreyImage* img) {
  const int w = img->width, h = img->height;
  if (w <= 0 || h <= 0) return false;
  const int ring = std::max(1, std::min(w, h) / 28);  // about one MNIST pixel wide
  double sum = 0;
  long n = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      if (y >= ring && y < h - ring && x >= ring && x < w - ring) continue;
      sum += img->pixels[static_cast<size_t>(y) * w + x];
      ++n;
    }
  }
  if (n == 0 || sum / n <= 0.5) return false;
  for (float& v : img->pixels) v = 1.0f - v;
  return true;
}

RgbImage::RgbImage(int w, int h, uint8_t r, uint8_t g, uint8_t b)
    : width(w), height(h), rgb(static_cast<size_t>(w) * h * 3) {
  fill_rect(0, 0, w, h, r, g, b);
}

void RgbImage::fill_rect(int x, int y, int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  const int x0 = std::max(0, x), y0 = std::max(0, y);
  const int x1 = std::min(width, x + w), y1 = std::min(height, y + h);
  for (int yy = y0; yy < y1; ++yy) {
    for (int xx = x0; xx < x1; ++xx) {
      uint8_t* p = rgb.data() + (static_cast<size_t>(yy) * width + xx) * 3;
      p[0] = r;
      p[1] = g;
      p[2] = b;
    }
  }
}

void RgbImage::text(int x, int y, const std::string& s, int scale, uint8_t r, uint8_t g, uint8_t b) {
  std::vector<char> str(s.begin(), s.end());
  str.push_back('\0');
  // stb_easy_font emits quads of four vertices {x, y, z: float; rgba: 4 bytes} = 16 bytes each.
  std::vector<char> buf(s.size() * 1024 + 1024);  // stb: ~270 bytes a character on average, more for some
  const int quads = stb_easy_font_print(0, 0, str.data(), nullptr, buf.data(), static_cast<int>(buf.size()));
  for (int q = 0; q < quads; ++q) {
    float qx0 = 1e9f, qy0 = 1e9f, qx1 = -1e9f, qy1 = -1e9f;
    for (int v = 0; v < 4; ++v) {
      float xy[2];
      std::memcpy(xy, buf.data() + (q * 4 + v) * 16, sizeof xy);
      qx0 = std::min(qx0, xy[0]);
      qx1 = std::max(qx1, xy[0]);
      qy0 = std::min(qy0, xy[1]);
      qy1 = std::max(qy1, xy[1]);
    }
    const int x0 = static_cast<int>(std::floor(qx0 * scale)), x1 = static_cast<int>(std::ceil(qx1 * scale));
    const int y0 = static_cast<int>(std::floor(qy0 * scale)), y1 = static_cast<int>(std::ceil(qy1 * scale));
    fill_rect(x + x0, y + y0, x1 - x0, y1 - y0, r, g, b);
  }
}

int text_width(const std::string& s) {
  std::vector<char> str(s.begin(), s.end());
  str.push_back('\0');
  return stb_easy_font_width(str.data());
}

void RgbImage::digit(int x, int y, const float* image784, int scale) {
  for (int i = 0; i < 28; ++i) {
    for (int j = 0; j < 28; ++j) {
      const float v = std::min(1.0f, std::max(0.0f, image784[i * 28 + j]));
      const uint8_t c = static_cast<uint8_t>(v * 255.0f + 0.5f);
      fill_rect(x + j * scale, y + i * scale, scale, scale, c, c, c);
    }
  }
}

dl::Status write_png(const std::string& path, const RgbImage& img) {
  if (!stbi_write_png(path.c_str(), img.width, img.height, 3, img.rgb.data(), img.width * 3))
    return dl::Status::Error("cannot write the PNG '" + path + "' (is the folder there and writable?)");
  return dl::Status::Ok();
}

}  // namespace digitlab
