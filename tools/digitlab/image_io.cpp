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

#include "engine/model_io.h"  // read_file_bytes
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

// stb_image 2.27 (Debian 12) does not notice a truncated binary PGM/PPM: it returns uninitialised
// pixels. So the PNM header is read here and the pixel bytes it promises are checked against the
// file's size before stb sees the file. Other formats are left to stb.
dl::Status check_pnm_size(const std::vector<uint8_t>& b, const std::string& path) {
  if (b.size() < 2 || b[0] != 'P' || (b[1] != '5' && b[1] != '6')) return dl::Status::Ok();
  size_t i = 2;
  uint64_t v[3] = {0, 0, 0};  // width, height, maxval
  for (uint64_t& x : v) {
    for (;;) {  // whitespace and comments
      while (i < b.size() && std::isspace(b[i])) ++i;
      if (i < b.size() && b[i] == '#') {
        while (i < b.size() && b[i] != '\n') ++i;
      } else {
        break;
      }
    }
    if (i >= b.size() || !std::isdigit(b[i])) return dl::Status::Ok();  // malformed: stb explains
    while (i < b.size() && std::isdigit(b[i]) && x < (uint64_t{1} << 32)) x = x * 10 + (b[i++] - '0');
  }
  ++i;  // the single whitespace character after maxval
  const uint64_t need = v[0] * v[1] * (b[1] == '5' ? 1 : 3) * (v[2] > 255 ? 2 : 1);
  const uint64_t have = i <= b.size() ? b.size() - i : 0;
  if (have < need)
    return dl::Status::Error("the image '" + path + "' is truncated: its header promises " + std::to_string(v[0]) + "x" +
                             std::to_string(v[1]) + " pixels (" + std::to_string(need) + " bytes) but only " +
                             std::to_string(have) + " bytes follow");
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
  if (!(s = check_pnm_size(bytes, path))) return s;
  int w = 0, h = 0, n = 0;
  unsigned char* data = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &n, 0);
  if (!data)
    return dl::Status::Error("cannot read '" + path + "' as an image (PNG, PGM, JPG, BMP, GIF, TGA): " +
                             (stbi_failure_reason() ? stbi_failure_reason() : "unknown reason"));
  const size_t count = static_cast<size_t>(w) * h;
  std::vector<float> lum(count), alpha(count, 1.0f);  // (h, w) each
  bool has_alpha = false;
  for (size_t i = 0; i < count; ++i) {
    const unsigned char* p = data + i * n;
    if (n <= 2) lum[i] = p[0] / 255.0f;
    else lum[i] = (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) / 255.0f;
    if (n == 2 || n == 4) {
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
      if (alpha[i] >= 0.5f) { sum += lum[i]; ++opaque; }
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

RgbImage::RgbImage(int w, int h, uint8_t r, uint8_t g, uint8_t b) : width(w), height(h), rgb(static_cast<size_t>(w) * h * 3) {
  fill_rect(0, 0, w, h, r, g, b);
}

void RgbImage::fill_rect(int x, int y, int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  const int x0 = std::max(0, x), y0 = std::max(0, y);
  const int x1 = std::min(width, x + w), y1 = std::min(height, y + h);
  for (int yy = y0; yy < y1; ++yy) {
    for (int xx = x0; xx < x1; ++xx) {
      uint8_t* p = rgb.data() + (static_cast<size_t>(yy) * width + xx) * 3;
      p[0] = r; p[1] = g; p[2] = b;
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
      qx0 = std::min(qx0, xy[0]); qx1 = std::max(qx1, xy[0]);
      qy0 = std::min(qy0, xy[1]); qy1 = std::max(qy1, xy[1]);
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
