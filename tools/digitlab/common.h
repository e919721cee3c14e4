// common.h — what the digitlab commands share: the entry points of the commands, error reporting
// (one sentence on stderr, then the exit code), the MNIST directory, clocks and number formatting.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "args.h"
#include "dataset.h"
#include "model.h"
#include "numbers.h"

namespace digitlab {

// The commands: argv[first] is the first word after the command name.
int cmd_train(int argc, char** argv, int first);
int cmd_eval(int argc, char** argv, int first);
int cmd_predict(int argc, char** argv, int first);
int cmd_info(int argc, char** argv, int first);
int cmd_sweep(int argc, char** argv, int first);
int cmd_activations(int argc, char** argv, int first);
int cmd_probe(int argc, char** argv, int first);
int cmd_embed(int argc, char** argv, int first);
int cmd_ablate(int argc, char** argv, int first);
int cmd_finetune(int argc, char** argv, int first);
int cmd_pen(int argc, char** argv, int first);

// What a command is, for its --help page: name, usage line, summary paragraph, options table.
struct CommandDef {
  const char* name;
  const char* usage;
  const char* summary;
  const std::vector<OptionDef>& options;
};
// Parses argv[first, argc) for the command into *args. Returns -1 when the command should run, else
// the exit code to return at once: kExitOk after printing --help, kExitUsage after saying which
// option is wrong.
int begin_command(const CommandDef& def, int argc, char** argv, int first, Args* args);

// Print "digitlab <command>: <sentence>" on stderr and return the exit code.
int usage_error(const std::string& command, const std::string& sentence);    // returns kExitUsage
int runtime_error(const std::string& command, const std::string& sentence);  // returns kExitRuntime

// The MNIST directory: --data if given, else $MNIST_DIR. False (with *error set) when neither.
bool data_dir(const Args& args, std::string* dir, std::string* error);
// Loads an MNIST split ("train" or "test"), printing what it loads on stderr.
bool load_split(const std::string& command, const std::string& dir, const std::string& split, dl::Dataset* out);

// Loads a model file; on failure prints the reason and returns false.
bool load_model(const std::string& command, const std::string& path, dl::Model* model,
                std::map<std::string, std::string>* metadata);

double now_seconds();                                         // a monotonic clock
std::string utc_date();                                       // "2024-05-01T12:34:56Z"
using dl::with_commas;                                        // 1234567 -> "1,234,567" (engine/numbers.h)
std::string duration_text(double seconds);                    // 83 -> "1:23", 3723 -> "1:02:03"
std::string percent_text(double fraction, int decimals = 2);  // 0.9962 -> "99.62%"
std::string format_float(double v, const char* fmt);          // snprintf into a string

}  // namespace digitlab
