#include "monitor/machine.hpp"

#include <fstream>
#include <string>

#include <sched.h>
#include <unistd.h>

namespace assistant_hub::monitor {
namespace {

// A cgroup memory limit in bytes, or 0 when there is none ("max" or no file).
uint64_t cgroup_limit(const char *path) {
    std::ifstream in(path);
    std::string value;
    if (!(in >> value) || value.empty() || value == "max")
        return 0;
    try {
        return std::stoull(value);
    } catch (const std::exception &) {
        return 0;
    }
}

} // namespace

Machine read_machine() {
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGE_SIZE);
    uint64_t memory = pages > 0 && page_size > 0 ? uint64_t(pages) * uint64_t(page_size) : 0;
    for (const char *path :
         {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
        uint64_t limit = cgroup_limit(path);
        if (limit > 0 && limit < memory)
            memory = limit;
    }
    // The CPUs this process may run on (taskset, cpusets), else the ones online.
    int cpus = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        cpus = CPU_COUNT(&set);
    if (cpus <= 0)
        cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    return {memory, cpus > 0 ? cpus : 1};
}

} // namespace assistant_hub::monitor
