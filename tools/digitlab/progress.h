// progress.h — the training progress bar on stderr.
// On a terminal it is one line redrawn in place (\r) at most ten times a second; when stderr is a
// file or a pipe (CI logs) it prints a plain line at every tenth of the epoch instead, so logs stay
// readable. It only formats: the training loop passes the numbers.
#pragma once
#include <cstdio>
#include <string>

namespace digitlab {

class Progress {
 public:
  explicit Progress(FILE* out);
  bool tty() const { return tty_; }
  // Text put before every line, e.g. "R2 " while a sweep trains R2 (default: none).
  void set_prefix(const std::string& prefix) { prefix_ = prefix; }

  void begin_epoch(int epoch, int epochs, int steps);  // epoch counts from 1
  // After `step` of `steps` steps (1-based) of this epoch: images seen this epoch, seconds spent
  // training this epoch, running mean loss and running training accuracy.
  void update(int step, long images, double seconds, double loss, double accuracy);
  // Removes the redrawn line (terminal) so that a normal line can follow.
  void clear();

 private:
  std::string line(int step, long images, double seconds, double loss, double accuracy, bool bar) const;

  FILE* out_;
  std::string prefix_;
  bool tty_;
  int epoch_ = 0, epochs_ = 0, steps_ = 0;
  int next_tenth_ = 1;     // non-terminal: next tenth of the epoch to report
  double last_draw_ = -1;  // terminal: when the line was last drawn
  bool drawn_ = false;
};

}  // namespace digitlab
