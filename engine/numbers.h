// numbers.h — numbers in text: written for people ("1,234,567") and read strictly from metadata
// and options (the whole text, in range, no overflow: never atoi). Used by the engine's messages and
// readers and by the front ends, so that each rule exists once.
#pragma once
#include <cstdint>
#include <string>

namespace dl {

std::string with_commas(int64_t v);  // 1234567 -> "1,234,567", -1234 -> "-1,234"

// True and *out = the value when `text` is exactly a whole number (base 10) in [lo, hi].
bool parse_whole(const std::string& text, int64_t lo, int64_t hi, int64_t* out);
// True and *out = the value when `text` is exactly a finite number in [lo, hi].
bool parse_real(const std::string& text, double lo, double hi, double* out);

}  // namespace dl
