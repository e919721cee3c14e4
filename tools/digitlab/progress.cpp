// progress.cpp — see progress.h.
#include "progress.h"

#include <unistd.h>

#include "common.h"

namespace digitlab {

Progress::Progress(FILE* out) : out_(out), tty_(isatty(fileno(out)) != 0) {}

void Progress::begin_epoch(int epoch, int epochs, int steps) {
  epoch_ = epoch;
  epochs_ = epochs;
  steps_ = steps;
  next_tenth_ = 1;
  last_draw_ = -1;
}

std::string Progress::line(int step, long images, double seconds, double loss, double accuracy, bool bar) const {
  const double rate = seconds > 0 ? images / seconds : 0;
  const double eta = step > 0 ? seconds / step * (steps_ - step) : -1;
  std::string s = prefix_ + "epoch " + std::to_string(epoch_) + "/" + std::to_string(epochs_) + " ";
  if (bar) {
    constexpr int kWidth = 24;
    const int filled = steps_ > 0 ? static_cast<int>(static_cast<long>(kWidth) * step / steps_) : 0;
    s += "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  }
  if (!bar) s += " step ";
  s += std::to_string(step) + "/" + std::to_string(steps_);
  if (!bar && steps_ > 0) s += " (" + std::to_string(100L * step / steps_) + "%)";
  s += "  " + format_float(rate, "%.0f") + " img/s";
  s += "  ETA " + duration_text(eta);
  s += "  loss " + format_float(loss, "%.4f");
  s += "  acc " + percent_text(accuracy);
  return s;
}

void Progress::update(int step, long images, double seconds, double loss, double accuracy) {
  if (tty_) {
    const double now = now_seconds();
    if (step < steps_ && last_draw_ >= 0 && now - last_draw_ < 0.1) return;
    last_draw_ = now;
    std::fprintf(out_, "\r\033[K%s", line(step, images, seconds, loss, accuracy, true).c_str());
    std::fflush(out_);
    drawn_ = true;
    return;
  }
  // A line at each tenth of the epoch (every step when an epoch has fewer than ten).
  if (steps_ <= 0 || static_cast<long>(step) * 10 < static_cast<long>(next_tenth_) * steps_) return;
  while (static_cast<long>(next_tenth_) * steps_ <= static_cast<long>(step) * 10) ++next_tenth_;
  std::fprintf(out_, "%s\n", line(step, images, seconds, loss, accuracy, false).c_str());
  std::fflush(out_);
}

void Progress::clear() {
  if (tty_ && drawn_) {
    std::fprintf(out_, "\r\033[K");
    std::fflush(out_);
    drawn_ = false;
  }
}

}  // namespace digitlab
