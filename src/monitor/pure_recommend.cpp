#include "monitor/pure_recommend.hpp"

#include <algorithm>

namespace assistant_hub::monitor {
namespace {
constexpr uint64_t MB = 1024ULL * 1024;
constexpr uint64_t GB = 1024 * MB;
} // namespace

std::string format_memory(uint64_t bytes) {
    uint64_t mb = std::max<uint64_t>(bytes / MB, 1);
    if (mb % 1024 == 0)
        return std::to_string(mb / 1024) + "GB";
    return std::to_string(mb) + "MB";
}

std::vector<Recommendation> recommend(const MachineFacts &f) {
    const uint64_t mem = f.memory_bytes;
    const int cpus = std::max(f.cpus, 1);
    const int connections = std::max(f.max_connections, 1);
    const uint64_t shared_buffers = std::max<uint64_t>(mem / 4, 128 * MB);
    // What is left after shared_buffers, shared by every connection running a few sorts/hashes.
    const uint64_t left = mem > shared_buffers ? mem - shared_buffers : 0;
    const uint64_t work_mem = std::clamp<uint64_t>(left / (uint64_t(connections) * 3), 4 * MB, GB);
    const uint64_t maintenance = std::clamp<uint64_t>(mem / 16, 64 * MB, 2 * GB);
    const int half = std::max(cpus / 2, 1);
    std::string mem_text = format_memory(mem);
    std::string cpu_text = std::to_string(cpus) + " CPU" + (cpus == 1 ? "" : "s");
    return {
        {"shared_buffers", format_memory(shared_buffers),
         "25% of the machine's " + mem_text + " of memory"},
        {"effective_cache_size", format_memory(mem / 4 * 3),
         "75% of " + mem_text + ": shared_buffers plus the operating system's page cache"},
        {"work_mem", format_memory(work_mem),
         "(memory - shared_buffers) / (max_connections " + std::to_string(connections) +
             " x 3 sort or hash operations), between 4MB and 1GB"},
        {"maintenance_work_mem", format_memory(maintenance),
         "1/16 of " + mem_text + ", between 64MB and 2GB"},
        {"max_worker_processes", std::to_string(std::max(cpus, 8)),
         "at least the " + cpu_text + ", and the default 8 for extension workers"},
        {"max_parallel_workers", std::to_string(cpus), "one per CPU (" + cpu_text + ")"},
        {"max_parallel_workers_per_gather", std::to_string(std::min(half, 4)),
         "half the " + cpu_text + ", at most 4"},
        {"max_parallel_maintenance_workers", std::to_string(std::min(half, 4)),
         "half the " + cpu_text + ", at most 4"},
    };
}

} // namespace assistant_hub::monitor
