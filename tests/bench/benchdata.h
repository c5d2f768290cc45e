#pragma once

// The examples the training benchmarks run: 200-character prompts (200 tokens with the character tokenizer) and
// three responses of about 40 characters.
#include "data/types.h"

#include <random>
#include <string>
#include <vector>

namespace shiftscope::bench {

//! `count` examples of a 200-character prompt and three responses of about 40 characters; `marker` ends preferred ones.
inline std::vector<Example> examples(int count, unsigned seed, const std::string &marker)
{
    static const char *words[] = {"alpha", "beta",  "gamma", "delta", "river",
                                  "stone", "cloud", "maple", "orbit", "lemon"};
    std::mt19937 rng(seed);
    auto text = [&](std::size_t length) {
        std::string s;
        while (s.size() < length)
            s += std::string(words[rng() % 10]) + " ";
        return s.substr(0, length);
    };
    std::vector<Example> out;
    for (int i = 0; i < count; ++i) {
        Example e;
        e.position = i;
        e.prompt = "### Instruction:\n" + text(170) + "\n\n### Response:\n";
        e.responses = {{text(36) + marker, 1}, {text(36) + " no", 0}, {text(36) + " ok", 0}};
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace shiftscope::bench
