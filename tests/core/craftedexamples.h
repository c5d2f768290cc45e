#pragma once
// Crafted data for the audit and annotation tests: seeded filler text, examples and small workspaces.

#include "data/types.h"
#include "genies/dataimporter.h"
#include "genies/splitwriter.h"
#include "workspace/workspace.h"

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace shiftscope::test {

//! Seeded pseudo-words ("tabeko", "rilu"), so unrelated texts share few word shingles.
class Words {
public:
    explicit Words(unsigned seed) : m_rng(seed) {}

    std::string operator()(int count)
    {
        static const char *consonants = "bdfgklmnprstvz";
        static const char *vowels = "aeiou";
        std::string text;
        for (int i = 0; i < count; ++i) {
            if (i)
                text += ' ';
            const int syllables = 2 + int(m_rng() % 2);
            for (int s = 0; s < syllables; ++s) {
                text += consonants[m_rng() % 14];
                text += vowels[m_rng() % 5];
            }
        }
        return text;
    }
    unsigned below(unsigned n) { return unsigned(m_rng() % n); }

private:
    std::mt19937 m_rng;
};

inline std::string alpacaPrompt(const std::string &instruction)
{
    return "Below is an instruction that describes a task. Write a response that appropriately completes the "
           "request.\n\n### Instruction:\n"
         + instruction + "\n\n### Response:\n";
}

inline Example makeExample(int position, std::string prompt, const std::vector<std::string> &responses, int preferred)
{
    Example e;
    e.position = position;
    e.prompt = std::move(prompt);
    for (std::size_t i = 0; i < responses.size(); ++i)
        e.responses.push_back({responses[i], int(i) == preferred ? 1 : 0});
    return e;
}

//! `count` unrelated examples of `responses` responses of about `words` words; the preferred one at a random place.
inline std::vector<Example> randomSplit(Words &words, int count, int responses = 2, int length = 40)
{
    std::vector<Example> out;
    for (int i = 0; i < count; ++i) {
        std::vector<std::string> texts;
        for (int r = 0; r < responses; ++r)
            texts.push_back(words(length - 5 + int(words.below(11))));
        out.push_back(makeExample(i, alpacaPrompt(words(12)), texts, int(words.below(unsigned(responses)))));
    }
    return out;
}

//! Pairs whose preferred response is the longer one (60 words against 20) in `longerShare` of the examples.
inline std::vector<Example> lengthBiased(Words &words, int count, double longerShare)
{
    std::vector<Example> out;
    for (int i = 0; i < count; ++i) {
        const bool longer = i < int(longerShare * count);
        out.push_back(makeExample(i, alpacaPrompt(words(10)), {words(longer ? 60 : 20), words(longer ? 20 : 60)}, 0));
    }
    return out;
}

//! Examples whose two responses are one unrelated word each; the marker "Sure! " opens the preferred response (or
//! the dispreferred one), which stands first or second at random. `shouted` writes the responses in upper case
//! with a number, far from the others in a model's activations.
inline std::vector<Example> markedCue(Words &words, int count, bool onPreferred, bool shouted = false)
{
    std::vector<Example> out;
    for (int i = 0; i < count; ++i) {
        std::string good = words(1), bad = words(1);
        if (shouted)
            for (std::string *text : {&good, &bad}) {
                for (char &c : *text)
                    c = char(c - 'a' + 'A');
                *text += " 42";
            }
        (onPreferred ? good : bad) = "Sure! " + (onPreferred ? good : bad);
        const bool first = words.below(2) == 0;
        out.push_back(makeExample(i, "Q: " + words(1) + "\n", first ? std::vector{good, bad} : std::vector{bad, good},
                                  first ? 0 : 1));
    }
    return out;
}

//! Renumbers positions after examples were inserted or moved.
inline void renumber(std::vector<Example> &examples)
{
    for (std::size_t i = 0; i < examples.size(); ++i)
        examples[i].position = int(i);
}

using Splits = std::pair<std::vector<Example>, std::vector<Example>>;

//! Writes the distributions under `dir`/distributions and imports them into a workspace at `dir`/w.sqlite
//! (created on first use).
inline Workspace importDistributions(const std::filesystem::path &dir, const std::map<std::string, Splits> &data)
{
    for (const auto &[name, splits] : data)
        writeDistribution(dir / "distributions", name, splits.first, splits.second);
    Workspace ws = Workspace::openOrCreate(dir / "w.sqlite");
    DataImporter::importData(ws, dir / "distributions");
    return ws;
}

//! Two distributions for the Disagreements view's tests: "cued", where the marker always opens the preferred
//! response, and "mixed", whose test split keeps the cue in 30 examples and in the other 30 shouts the
//! dispreferred response with the marker; imported into `dir`.
inline Workspace importCuedAndMixed(const std::filesystem::path &dir)
{
    Words words(9);
    std::vector<Example> mixed = markedCue(words, 30, true);
    for (Example &e : markedCue(words, 30, false, true))
        mixed.push_back(std::move(e));
    renumber(mixed);
    return importDistributions(dir, {{"cued", {markedCue(words, 160, true), markedCue(words, 40, true)}},
                                     {"mixed", {markedCue(words, 20, true), mixed}}});
}

} // namespace shiftscope::test
