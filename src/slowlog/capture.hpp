// Capture: the executor and utility hooks that time statements, and the state that suspends
// capture while the extension flushes its own ring.
#pragma once

namespace assistant_hub::slowlog {

void install_capture_hooks();

// True while this backend runs the extension's own flush: its statements are not captured.
extern bool capture_suspended;

} // namespace assistant_hub::slowlog
