// args.h — the command-line parser shared by the digitlab commands, and the exit codes.
//
// Each command declares its options as a table of OptionDef (name, value placeholder, default,
// help); Args parses argv against it (`--name value`, `--name=value`, flags, positionals in any
// order, `--` ends the options) and prints the `--help` page from the same table, so the help text
// and the accepted options cannot drift apart. Typed getters check ranges; the first bad value is
// kept as one sentence for the command to print (exit code 2).
// It does not know what the options mean: each cmd_*.cpp does.
#pragma once
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace digitlab {

// Exit codes of every command.
constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;        // a bad file, missing data, a diverged training run
constexpr int kExitUsage = 2;          // a bad command line
constexpr int kExitInterrupted = 130;  // Ctrl-C (128 + SIGINT), after writing what can be written

struct OptionDef {
  const char* name;          // "epochs", used as --epochs
  const char* value;         // placeholder for options with a value ("N", "FILE"), nullptr for flags
  const char* default_text;  // shown in --help as "(default ...)"; "" for none
  const char* help;          // one line
};

class Args {
 public:
  // Parses argv[first, argc) for `command` ("train", ...). Returns false on an unknown option or a
  // missing value; error() then holds the sentence to print.
  bool parse(const std::string& command, const std::vector<OptionDef>& defs, int argc, char** argv, int first);

  bool help() const { return help_; }
  const std::vector<std::string>& positional() const { return positional_; }
  bool given(const std::string& name) const { return values_.count(name) != 0; }  // on the command line (or defaulted)
  bool flag(const std::string& name) const { return given(name); }
  // The option's text, or fallback when it was not given.
  std::string text(const std::string& name, const std::string& fallback = "") const;
  // Supplies a value as if it had been given, unless it was (used to resume with a checkpoint's
  // settings). origin names where it came from ("the checkpoint"), for the getters' messages.
  void set_default(const std::string& name, const std::string& value, const std::string& origin = "");

  // Typed getters: leave *out at its default (the caller's initial value) when the option is
  // absent; on a malformed or out-of-range value keep the first error and return false.
  bool get_int(const std::string& name, int64_t lo, int64_t hi, int* out);
  bool get_u64(const std::string& name, uint64_t* out);
  bool get_float(const std::string& name, double lo, double hi, float* out);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  void fail(const std::string& sentence) {
    if (error_.empty()) error_ = sentence;
  }

  // The command line for a model file's metadata, quoted where a shell needs it: the options as
  // typed, but no local path (issue 12, finding 10: a shared file must not tell where its maker's
  // folders are): --data DIR is recorded as $MNIST_DIR, any other FILE or DIR value as its last
  // path component ("--out /home/me/x.safetensors" -> "--out x.safetensors").
  const std::string& command_line() const { return command_line_; }

 private:
  std::string where(const std::string& name) const;  // "--batch" or "the checkpoint's --batch"
  std::map<std::string, std::string> values_;
  std::map<std::string, std::string> origins_;  // option -> where a set_default value came from
  std::vector<std::string> positional_;
  std::string error_;
  std::string command_line_;
  bool help_ = false;
};

// Prints a command's --help page: usage line, summary paragraph, then the options table.
void print_help(FILE* f, const char* usage, const char* summary, const std::vector<OptionDef>& defs);

// Quotes a word for a POSIX shell if it needs it.
std::string shell_quote(const std::string& word);

}  // namespace digitlab
