#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace shiftscope {

//! splitmix64. The standard distributions are implementation-defined; this is the same bit for bit everywhere.
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    //! Uniform in [0, n); the modulo bias is negligible for the small n used here.
    int below(int n) { return int(next() % std::uint64_t(n)); }
    int between(int lo, int hi) { return lo + below(hi - lo + 1); }
    bool chance(int percent) { return below(100) < percent; }
    template <typename Container>
    const auto &pick(const Container &items)
    {
        return items[std::size_t(below(int(items.size())))];
    }
    template <typename T>
    void shuffle(std::vector<T> &items)
    {
        for (std::size_t i = items.size(); i > 1; --i)
            std::swap(items[i - 1], items[std::size_t(below(int(i)))]);
    }

private:
    std::uint64_t m_state;
};

} // namespace shiftscope
