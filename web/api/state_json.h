// state_json.h — the app's state as JSON for the browser automation API (window.digitlab.state()):
// prediction, probabilities, the 28x28 input, the pad's rectangle, the model, timings. Field names
// and meanings are documented in the README ("Automation API"). Platform-neutral; the browser
// platform file hands the string to JavaScript.
#pragma once
#include <string>

namespace app {

struct State;

// Overwrites *out (its capacity is reused from call to call).
void write_state_json(const State& s, std::string* out);
// Appends ,"views":{...},"train":{...},"evaluation":{...} (training_json.cpp).
void append_training_json(const State& s, std::string* out);

// The Layers view's instruments (instruments_json.cpp): inside state().layerView, its panel, buttons,
// map cells, knock-outs, probes and map as they are now; and the answers the automation API's
// promises wait for (layers.probes, layers.embedding, layers.ablationAccuracy), each overwriting *out.
void append_instruments_json(const State& s, std::string* out);
void write_probes_json(const State& s, std::string* out);
void write_embedding_json(const State& s, std::string* out);
void write_ablation_json(const State& s, std::string* out);

// My digits and Teach it (mine_json.cpp): ,"mine":{...} inside state(), and the same object alone
// (window.digitlab.mine's polls), overwriting nothing: both append.
void append_mine_json(const State& s, std::string* out);
void write_mine_json(const State& s, std::string* out);

}  // namespace app
