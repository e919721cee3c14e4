// app.h — the DigitLab app's logic: one State (app_state.h), one frame(State&), and the few
// actions the platform layer (keyboard, file drop, the browser's automation API) can take.
// frame() lays out the panels, runs the network when the drawing changed, and ends with
// ImGui::Render(); main.cpp owns the window, the GL context and the ImGui backends around it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "app_state.h"
#include "status.h"

namespace app {

// Once, after ImGui and its backends are initialised. Takes the font file (may be empty).
void init(State& s, std::vector<uint8_t> font_ttf);

// Builds one ImGui frame (ImGui::NewFrame ... ImGui::Render). Consumes s.pointer_events.
void frame(State& s);

// Loads a model file; on failure the current model stays and s.model.error says why.
dl::Status load_model_bytes(State& s, const uint8_t* bytes, size_t size, const std::string& name);
// A model file that was not even read (too large for the page, no memory left): the sentence is
// shown like a load error, and the current model stays.
void refuse_model(State& s, const std::string& name, const std::string& why);
dl::Status load_model_file(State& s, const std::string& path);

void clear(State& s);
void undo(State& s);

// Runs the network now if the drawing or the model (or its knock-outs) changed since the last answer.
void predict_now(State& s);

// Once per main-loop iteration, drawn or not: the Layers view's background jobs (analysis_jobs.h)
// get their slice where the build has no threads, and finished ones hand over their results.
void background(State& s);

// Whether the next frame must be drawn. Without input or change the canvas keeps its last
// picture, and the program sleeps instead of redrawing the same UI 60 times a second.
bool wants_frame(const State& s);
void request_redraw(State& s);

}  // namespace app
