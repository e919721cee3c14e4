// status.h — the result of anything that touches the outside world (files, specs, datasets).
// Programmer mistakes are asserted; everything a person can cause returns a Status whose message
// is one sentence that person can act on. The engine never throws.
#pragma once
#include <string>
#include <utility>

namespace dl {

class Status {
 public:
  Status() = default;  // ok
  static Status Ok() { return Status(); }
  static Status Error(std::string message) {
    Status s;
    s.ok_ = false;
    s.message_ = std::move(message);
    return s;
  }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const std::string& message() const { return message_; }

 private:
  bool ok_ = true;
  std::string message_;
};

}  // namespace dl
