#include <gtest/gtest.h>

#include <map>

#include "monitor/pure_recommend.hpp"

using namespace assistant_hub::monitor;

namespace {
std::map<std::string, std::string> as_map(const std::vector<Recommendation> &v) {
    std::map<std::string, std::string> m;
    for (const auto &r : v)
        m[r.setting] = r.value;
    return m;
}
constexpr uint64_t GB = 1024ULL * 1024 * 1024;
} // namespace

TEST(MonitorRecommend, FormatsMemoryInTheLargestExactUnit) {
    EXPECT_EQ(format_memory(4 * GB), "4GB");
    EXPECT_EQ(format_memory(1536ULL * 1024 * 1024), "1536MB");
    EXPECT_EQ(format_memory(100), "1MB");
}

TEST(MonitorRecommend, SixteenGigabytesEightCpus) {
    auto m = as_map(recommend({16 * GB, 8, 100}));
    EXPECT_EQ(m["shared_buffers"], "4GB");
    EXPECT_EQ(m["effective_cache_size"], "12GB");
    EXPECT_EQ(m["maintenance_work_mem"], "1GB");
    EXPECT_EQ(m["work_mem"], "40MB"); // 12GB / 300, rounded down to MB
    EXPECT_EQ(m["max_parallel_workers"], "8");
    EXPECT_EQ(m["max_parallel_workers_per_gather"], "4");
    EXPECT_EQ(m["max_worker_processes"], "8");
}

TEST(MonitorRecommend, SmallMachineKeepsFloors) {
    auto m = as_map(recommend({512ULL * 1024 * 1024, 1, 1000}));
    EXPECT_EQ(m["shared_buffers"], "128MB");
    EXPECT_EQ(m["work_mem"], "4MB");
    EXPECT_EQ(m["maintenance_work_mem"], "64MB");
    EXPECT_EQ(m["max_parallel_workers_per_gather"], "1");
}

TEST(MonitorRecommend, HugeMachineKeepsCaps) {
    auto m = as_map(recommend({1024 * GB, 128, 10}));
    EXPECT_EQ(m["maintenance_work_mem"], "2GB");
    EXPECT_EQ(m["work_mem"], "1GB");
    EXPECT_EQ(m["max_worker_processes"], "128");
}
