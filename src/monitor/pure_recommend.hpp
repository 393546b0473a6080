// Settings advice from the machine's memory and CPUs: pure C++ so the rules are unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace assistant_hub::monitor {

struct MachineFacts {
    uint64_t memory_bytes;
    int cpus;
    int max_connections;
};

struct Recommendation {
    std::string setting;
    std::string value; // in the form SHOW prints it: "4GB", "64MB", "8"
    std::string reason;
};

std::vector<Recommendation> recommend(const MachineFacts &facts);

// A memory amount in the largest unit that shows it exactly, rounded down to whole megabytes.
std::string format_memory(uint64_t bytes);

} // namespace assistant_hub::monitor
