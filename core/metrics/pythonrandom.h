#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace shiftscope {

//! Python's `random` module generator (MT19937 seeded through init_by_array), reproduced bit for bit so that
//! GENIES' RMS calibration error, which draws `random.choice([0, 1])` after `random.seed(42)`, can be recomputed.
class PythonRandom {
public:
    //! Equivalent to `random.seed(seed)` for a non-negative integer below 2**32.
    explicit PythonRandom(std::uint32_t seed);
    std::uint32_t nextUint32();
    //! `random.choice([0, 1])`: `_randbelow(2)`, rejection sampling on the top two bits.
    int choiceZeroOne();

    //! The first `count` labels of `random.seed(42)` + `random.choice([0, 1])`, cached.
    static const std::vector<int> &geniesLabels(std::size_t count);

private:
    void initGenrand(std::uint32_t seed);
    void twist();

    std::array<std::uint32_t, 624> m_state{};
    std::size_t m_index = 625;
};

} // namespace shiftscope
