// The machine's memory and CPUs as this server sees them (cgroup limits included).
#pragma once

#include <cstdint>

namespace assistant_hub::monitor {

struct Machine {
    uint64_t memory_bytes;
    int cpus;
};
Machine read_machine();

} // namespace assistant_hub::monitor
