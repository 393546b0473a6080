// The palloc allocator against a stand-in for PostgreSQL's memory-context functions: containers
// allocate from the context they were given, free back to it, and a failed allocation throws
// std::bad_alloc instead of raising a PostgreSQL error.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "pg/palloc_allocator.hpp"

namespace {
struct FakeContext {
    std::map<void *, size_t> live;
    size_t allocations = 0;
    bool fail = false;
};
FakeContext *as_fake(MemoryContext c) {
    return reinterpret_cast<FakeContext *>(c);
}
std::map<void *, FakeContext *> owner;
} // namespace

// Stand-ins for the server's symbols the allocator uses.
extern "C" {
MemoryContext CurrentMemoryContext = nullptr;
void *MemoryContextAllocExtended(MemoryContext context, Size size, int flags) {
    FakeContext *fake = as_fake(context);
    EXPECT_TRUE(flags & MCXT_ALLOC_NO_OOM) << "must never ask PostgreSQL to ereport on OOM";
    if (fake->fail)
        return nullptr;
    void *p = std::malloc(size);
    fake->live[p] = size;
    fake->allocations++;
    owner[p] = fake;
    return p;
}
void pfree(void *p) {
    FakeContext *fake = owner.at(p);
    fake->live.erase(p);
    owner.erase(p);
    std::free(p);
}
}

using namespace assistant_hub::pg;

static MemoryContext context_of(FakeContext &f) {
    return reinterpret_cast<MemoryContext>(&f);
}

TEST(PallocAllocator, FlatMapLivesInItsContext) {
    FakeContext ctx;
    {
        auto map = make_in<FlatMap<int, long>>(context_of(ctx));
        for (int i = 0; i < 1000; i++)
            map.emplace(1000 - i, i);
        EXPECT_EQ(map.size(), 1000u);
        EXPECT_EQ(map.begin()->first, 1);
        EXPECT_GT(ctx.allocations, 0u);
        EXPECT_FALSE(ctx.live.empty());
    }
    EXPECT_TRUE(ctx.live.empty()) << "destroying the map frees everything it took";
}

TEST(PallocAllocator, SmallVectorStaysInlineUntilItGrows) {
    FakeContext ctx;
    auto v = make_in<SmallVector<int, 8>>(context_of(ctx));
    for (int i = 0; i < 8; i++)
        v.push_back(i);
    EXPECT_EQ(ctx.allocations, 0u);
    v.push_back(8);
    EXPECT_EQ(ctx.allocations, 1u);
}

TEST(PallocAllocator, FailureThrowsBadAlloc) {
    FakeContext ctx;
    ctx.fail = true;
    auto v = make_in<Vector<char>>(context_of(ctx));
    EXPECT_THROW(v.reserve(64), std::bad_alloc);
    EXPECT_THROW(v.reserve(size_t(1) << 62), std::bad_alloc); // beyond MaxAllocHugeSize
}

TEST(PallocAllocator, EqualityFollowsTheContext) {
    FakeContext a, b;
    EXPECT_TRUE(PallocAllocator<int>(context_of(a)) == PallocAllocator<long>(context_of(a)));
    EXPECT_TRUE(PallocAllocator<int>(context_of(a)) != PallocAllocator<int>(context_of(b)));
}
