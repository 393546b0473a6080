// A standard allocator over a PostgreSQL memory context, so that Boost.Container containers live in
// a context and are freed with it when it is reset (including on error).
//
// Allocation failure throws std::bad_alloc (never ereports), so it is safe in C++ frames. A
// container whose context has been reset must be forgotten, not destroyed.
#pragma once

#include <cstddef>
#include <new>

#include <boost/container/flat_map.hpp>
#include <boost/container/flat_set.hpp>
#include <boost/container/small_vector.hpp>
#include <boost/container/vector.hpp>

#include "pg/postgres.hpp"

namespace assistant_hub::pg {

template <typename T> class PallocAllocator {
  public:
    using value_type = T;

    explicit PallocAllocator(MemoryContext context = CurrentMemoryContext) noexcept
        : context_(context) {}
    template <typename U>
    PallocAllocator(const PallocAllocator<U> &other) noexcept : context_(other.context()) {}

    T *allocate(std::size_t n) {
        if (n == 0)
            n = 1;
        if (n > MaxAllocHugeSize / sizeof(T))
            throw std::bad_alloc();
        void *p = MemoryContextAllocExtended(context_, n * sizeof(T),
                                             MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
        if (p == nullptr)
            throw std::bad_alloc();
        return static_cast<T *>(p);
    }
    void deallocate(T *p, std::size_t) noexcept { pfree(p); }

    MemoryContext context() const noexcept { return context_; }

    template <typename U> bool operator==(const PallocAllocator<U> &o) const noexcept {
        return context_ == o.context();
    }
    template <typename U> bool operator!=(const PallocAllocator<U> &o) const noexcept {
        return context_ != o.context();
    }

  private:
    MemoryContext context_;
};

template <typename K, typename V, typename Compare = std::less<K>>
using FlatMap = boost::container::flat_map<K, V, Compare, PallocAllocator<std::pair<K, V>>>;
template <typename K, typename Compare = std::less<K>>
using FlatSet = boost::container::flat_set<K, Compare, PallocAllocator<K>>;
template <typename T, std::size_t N>
using SmallVector = boost::container::small_vector<T, N, PallocAllocator<T>>;
template <typename T> using Vector = boost::container::vector<T, PallocAllocator<T>>;

// An empty container of one of the types above whose memory comes from context.
template <typename Container> Container make_in(MemoryContext context) {
    using Allocator = typename Container::allocator_type;
    return Container(Allocator(PallocAllocator<typename Container::value_type>(context)));
}

} // namespace assistant_hub::pg
