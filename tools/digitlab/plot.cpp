// plot.cpp — see plot.h.
#include "plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace digitlab {

namespace {

constexpr int kTextScale = 2;       // stb_easy_font at 2x: about 12 px a character, 14 px tall capitals
constexpr int kLineHeight = 24;     // a text line at kTextScale, with spacing
constexpr double kLineWidth = 2.6;  // series lines, px
constexpr double kMarker = 4.2;     // marker radius, px

struct Rgb {
  uint8_t r, g, b;
};
Rgb rgb_of(unsigned c) { return {uint8_t(c >> 16), uint8_t(c >> 8), uint8_t(c)}; }

const Rgb kInk = {30, 30, 30};
const Rgb kMuted = {90, 90, 96};
const Rgb kGrid = {225, 225, 228};
const Rgb kFrame = {150, 150, 155};

void blend(RgbImage* img, int x, int y, Rgb c, double alpha) {
  if (x < 0 || y < 0 || x >= img->width || y >= img->height || alpha <= 0) return;
  alpha = std::min(alpha, 1.0);
  uint8_t* p = img->rgb.data() + (static_cast<size_t>(y) * img->width + x) * 3;
  p[0] = static_cast<uint8_t>(p[0] + (c.r - p[0]) * alpha + 0.5);
  p[1] = static_cast<uint8_t>(p[1] + (c.g - p[1]) * alpha + 0.5);
  p[2] = static_cast<uint8_t>(p[2] + (c.b - p[2]) * alpha + 0.5);
}

// Distance from (px, py) to the segment (ax, ay)-(bx, by).
double segment_distance(double px, double py, double ax, double ay, double bx, double by) {
  const double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = std::max(0.0, std::min(1.0, t));
  const double ex = ax + t * dx - px, ey = ay + t * dy - py;
  return std::sqrt(ex * ex + ey * ey);
}

// An anti-aliased polyline of the given width with a disc of radius `marker` at each vertex (0: none).
// Each pixel is blended once, with the coverage of the nearest part, so joints do not darken.
void polyline(RgbImage* img, const std::vector<double>& xs, const std::vector<double>& ys, double width, double marker,
              Rgb c) {
  if (xs.empty()) return;
  const double reach = std::max(width / 2, marker) + 1;
  const int x0 = static_cast<int>(std::floor(*std::min_element(xs.begin(), xs.end()) - reach));
  const int x1 = static_cast<int>(std::ceil(*std::max_element(xs.begin(), xs.end()) + reach));
  const int y0 = static_cast<int>(std::floor(*std::min_element(ys.begin(), ys.end()) - reach));
  const int y1 = static_cast<int>(std::ceil(*std::max_element(ys.begin(), ys.end()) + reach));
  for (int y = std::max(0, y0); y <= std::min(img->height - 1, y1); ++y) {
    for (int x = std::max(0, x0); x <= std::min(img->width - 1, x1); ++x) {
      const double px = x + 0.5, py = y + 0.5;  // pixel centre
      double cover = 0;
      for (size_t i = 0; i < xs.size(); ++i) {
        if (i + 1 < xs.size()) {
          const double d = segment_distance(px, py, xs[i], ys[i], xs[i + 1], ys[i + 1]);
          cover = std::max(cover, width / 2 + 0.5 - d);
        }
        if (marker > 0) {
          const double d = std::hypot(px - xs[i], py - ys[i]);
          cover = std::max(cover, marker + 0.5 - d);
        }
      }
      blend(img, x, y, c, cover);
    }
  }
}

void text(RgbImage* img, int x, int y, const std::string& s, Rgb c) { img->text(x, y, s, kTextScale, c.r, c.g, c.b); }
int width_of(const std::string& s) { return text_width(s) * kTextScale; }

// Splits s into lines no wider than max_width pixels, breaking after ", " where it can (so that a
// list of settings keeps each setting whole) and at spaces otherwise; a longer word stays whole.
std::vector<std::string> wrap(const std::string& s, int max_width) {
  std::vector<std::string> pieces;  // "2,000 images, " "2 epochs, " ...: each ends at a break
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(", ", start);
    end = end == std::string::npos ? s.size() : end + 2;
    const std::string phrase = s.substr(start, end - start);
    if (width_of(phrase) <= max_width) {
      pieces.push_back(phrase);
    } else {  // too long for a line: break it at its spaces
      size_t a = 0;
      while (a < phrase.size()) {
        size_t b = phrase.find(' ', a);
        b = b == std::string::npos ? phrase.size() : b + 1;
        pieces.push_back(phrase.substr(a, b - a));
        a = b;
      }
    }
    start = end;
  }
  std::vector<std::string> lines;
  std::string line;
  for (const std::string& p : pieces) {
    if (!line.empty() && width_of(line + p) > max_width + width_of(" ")) {  // a trailing space may overhang
      lines.push_back(line);
      line.clear();
    }
    line += p;
  }
  if (!line.empty()) lines.push_back(line);
  for (std::string& l : lines)
    while (!l.empty() && l.back() == ' ') l.pop_back();
  return lines;
}

// A tick step of 1, 2 or 5 times a power of ten giving at most about `most` intervals over `range`.
double nice_step(double range, int most) {
  const double raw = range / most;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

std::string tick_text(double v, double step) {
  const int decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : 2;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

unsigned plot_color(int i) {
  // Tableau 10: distinct hues that stay apart for most colour-blind readers.
  static const unsigned kPalette[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                      0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
  return kPalette[i % 10];
}

RgbImage draw_line_plot(const LinePlot& plot) {
  RgbImage img(plot.width, plot.height, 255, 255, 255);
  constexpr int kPad = 16;

  // ---- header: title, subtitle (wrapped) ----
  int y = kPad;
  text(&img, kPad, y, plot.title, kInk);
  y += kLineHeight + 4;
  for (const std::string& line : wrap(plot.subtitle, plot.width - 2 * kPad)) {
    text(&img, kPad, y, line, kMuted);
    y += kLineHeight;
  }

  // ---- data ranges ----
  size_t points = 0;
  double lo = plot.y_top, hi = plot.y_top;
  for (const PlotSeries& s : plot.series) {
    points = std::max(points, s.y.size());
    for (double v : s.y) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  const double step = nice_step(std::max(hi - lo, 1e-6), 10);
  lo = std::floor(lo / step + 1e-9) * step;  // a round number at or below the lowest value
  hi = std::ceil(hi / step - 1e-9) * step;
  if (hi - lo < step / 2) lo = hi - step;  // all values equal

  // ---- plot area: room for the y tick labels on the left, the legend on the right ----
  const int y_ticks = static_cast<int>(std::lround((hi - lo) / step));  // intervals
  int y_label_w = 0;
  for (int k = 0; k <= y_ticks; ++k) y_label_w = std::max(y_label_w, width_of(tick_text(lo + k * step, step)));
  int legend_w = 0;
  for (const PlotSeries& s : plot.series) legend_w = std::max(legend_w, width_of(s.label));
  legend_w = std::min(legend_w + 44, plot.width / 2);  // a 28 px line sample, gaps
  const int left = kPad + y_label_w + 10;
  const int right = plot.width - kPad - legend_w - 16;
  const int top = y + kLineHeight + 6;                      // the y label sits above the plot area
  const int bottom = plot.height - kPad - 2 * kLineHeight;  // x tick labels and x label below
  text(&img, left - std::min(left - kPad, width_of(plot.y_label) / 2), top - kLineHeight - 2, plot.y_label, kInk);

  const int n = static_cast<int>(points);
  const double inset = 18;   // px between the first/last point and the plot area's sides
  auto px = [&](double x) {  // x = 1..n
    if (n <= 1) return (left + right) / 2.0;
    return left + inset + (x - 1) * (right - left - 2 * inset) / (n - 1);
  };
  auto py = [&](double v) { return bottom - (v - lo) * (bottom - top) / (hi - lo); };

  // ---- grid, ticks, frame ----
  for (int k = 0; k <= y_ticks; ++k) {
    const double v = lo + k * step;
    const int gy = static_cast<int>(std::lround(py(v)));
    img.fill_rect(left, gy, right - left, 1, kGrid.r, kGrid.g, kGrid.b);
    const std::string t = tick_text(v, step);
    text(&img, left - 8 - width_of(t), gy - 6, t, kMuted);
  }
  const int x_every = std::max(1, (n + 9) / 10);  // at most about ten labelled epochs
  for (int x = 1; x <= n; x += x_every) {
    const int gx = static_cast<int>(std::lround(px(x)));
    img.fill_rect(gx, top, 1, bottom - top, kGrid.r, kGrid.g, kGrid.b);
    img.fill_rect(gx, bottom, 1, 5, kFrame.r, kFrame.g, kFrame.b);
    const std::string t = std::to_string(x);
    text(&img, gx - width_of(t) / 2, bottom + 9, t, kMuted);
  }
  img.fill_rect(left, top, right - left, 1, kFrame.r, kFrame.g, kFrame.b);
  img.fill_rect(left, bottom, right - left + 1, 1, kFrame.r, kFrame.g, kFrame.b);
  img.fill_rect(left, top, 1, bottom - top, kFrame.r, kFrame.g, kFrame.b);
  img.fill_rect(right, top, 1, bottom - top, kFrame.r, kFrame.g, kFrame.b);
  text(&img, (left + right) / 2 - width_of(plot.x_label) / 2, bottom + 9 + kLineHeight, plot.x_label, kInk);

  // ---- series ----
  for (size_t i = 0; i < plot.series.size(); ++i) {
    const PlotSeries& s = plot.series[i];
    std::vector<double> xs, ys;  // (points) pixel coordinates
    for (size_t j = 0; j < s.y.size(); ++j) {
      xs.push_back(px(static_cast<double>(j + 1)));
      ys.push_back(py(s.y[j]));
    }
    polyline(&img, xs, ys, kLineWidth, kMarker, rgb_of(plot_color(static_cast<int>(i))));
  }

  // ---- legend, to the right of the plot area ----
  const int lx = right + 16;
  int ly = top + 4;
  for (size_t i = 0; i < plot.series.size() && ly + kLineHeight <= bottom; ++i) {
    const Rgb c = rgb_of(plot_color(static_cast<int>(i)));
    polyline(&img, {lx + 2.0, lx + 26.0}, {ly + 7.0, ly + 7.0}, kLineWidth, 0, c);
    polyline(&img, {lx + 14.0}, {ly + 7.0}, 0, kMarker, c);
    text(&img, lx + 34, ly, plot.series[i].label, kInk);
    ly += kLineHeight + 4;
  }
  return img;
}

dl::Status write_line_plot(const std::string& path, const LinePlot& plot) {
  return write_png(path, draw_line_plot(plot));
}

}  // namespace digitlab
